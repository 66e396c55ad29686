/*
 * kinds.c — operation kind names (kinds.h). Owns the one table; pure.
 */
#include "kinds.h"

#include <string.h>

static const char *const names[KIND_COUNT] = {[KIND_STEP] = "step",
                                              [KIND_WAIT] = "wait",
                                              [KIND_CALLBACK] = "callback",
                                              [KIND_AWAIT] = "await",
                                              [KIND_WAIT_FOR_CALLBACK] = "wait_for_callback",
                                              [KIND_CHOICE] = "choice",
                                              [KIND_SUCCEED] = "succeed",
                                              [KIND_FAIL] = "fail",
                                              [KIND_GOTO] = "goto",
                                              [KIND_PARALLEL] = "parallel",
                                              [KIND_MAP] = "map",
                                              [KIND_GROUP] = "group",
                                              [KIND_WAIT_FOR_CONDITION] = "wait_for_condition",
                                              [KIND_INVOKE] = "invoke"};

const char *kind_name(kind k)
{
    return (unsigned)k < KIND_COUNT ? names[k] : "?";
}

int kind_from_name(const char *s)
{
    for (int k = 0; k < KIND_COUNT; k++)
        if (strcmp(names[k], s) == 0)
            return k;
    return -1;
}

const char *kind_of_journal_type(const char *type)
{
    static const struct {
        const char *type, *word;
    } words[] = {{"STEP", "step"},
                 {"WAIT", "wait"},
                 {"CALLBACK", "callback"},
                 {"CONTEXT", "context"},
                 {"CHAINED_INVOKE", "invoke"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(type, words[i].type) == 0)
            return words[i].word;
    return type;
}
