/*
 * schemakw.c — the input-schema keyword table (schemakw.h). Owns the table;
 * pure.
 */
#include "schemakw.h"

#include <string.h>

#define S SCHEMAKW_STRING
#define A SCHEMAKW_ARRAY
#define O SCHEMAKW_OBJECT
#define B SCHEMAKW_BOOL
#define N SCHEMAKW_NUMBER

const schemakw schemakw_table[] = {
    {"type", S | A, S, 0, "a type name or a list of them"},
    {"properties", O, SCHEMAKW_ANY, 1, "a mapping of member names to schemas"},
    {"required", A, S, 0, "a list of member names"},
    {"additionalProperties", B | O, SCHEMAKW_ANY, 1, "a boolean or a schema"},
    {"items", O | B, SCHEMAKW_ANY, 1, "a schema"},
    {"enum", A, SCHEMAKW_ANY, 0, "a list of values"},
    {"const", SCHEMAKW_ANY, SCHEMAKW_ANY, 0, "a value"},
    {"minimum", N, 0, 0, "a number"},
    {"maximum", N, 0, 0, "a number"},
    {"minLength", N, 0, 0, "a number"},
    {"maxLength", N, 0, 0, "a number"},
    {"minItems", N, 0, 0, "a number"},
    {"maxItems", N, 0, 0, "a number"},
    {NULL, 0, 0, 0, NULL}};

const char *const schemakw_type_names[] = {"object",  "array",   "string", "number",
                                           "integer", "boolean", "null",   NULL};

const schemakw *schemakw_find(const char *name)
{
    for (const schemakw *k = schemakw_table; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

int schemakw_accepts(const char *name, unsigned t)
{
    const schemakw *k = schemakw_find(name);
    return k && (k->types & t) != 0;
}
