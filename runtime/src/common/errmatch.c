/*
 * errmatch.c — error-type matching (errmatch.h). Owns nothing; pure.
 */
#include "errmatch.h"

#include <ctype.h>
#include <string.h>

/* Is seg (len bytes) a class segment: one digit, then "xx" (5xx)? */
static int is_class(const char *seg, size_t len)
{
    return len == 3 && isdigit((unsigned char)seg[0]) && seg[1] == 'x' && seg[2] == 'x';
}

/*
 * Callback.Heartbeat (AWS's name for a heartbeat timeout) was
 * Callback.HeartbeatTimeout before cairn 0.2: the old name, in a workflow or
 * in a journal written then, is the same error.
 */
static const char *current_name(const char *type)
{
    return strcmp(type, "Callback.HeartbeatTimeout") == 0 ? "Callback.Heartbeat" : type;
}

int errmatch(const char *type, const char *pattern)
{
    type = current_name(type);
    pattern = current_name(pattern);
    if (strcmp(pattern, "ALL") == 0 || strcmp(type, pattern) == 0)
        return 1;
    size_t n = strlen(pattern);
    if (strncmp(type, pattern, n) == 0 && type[n] == '.')
        return 1;
    /* A class: "Http.Status.5xx" matches "Http.Status.503" (and its own family). */
    const char *dot = strrchr(pattern, '.');
    if (!dot || !is_class(dot + 1, n - (size_t)(dot + 1 - pattern)))
        return 0;
    size_t pre = (size_t)(dot + 1 - pattern);
    const char *seg = type + pre;
    return strncmp(type, pattern, pre) == 0 && seg[0] == dot[1] && isdigit((unsigned char)seg[1]) &&
           isdigit((unsigned char)seg[2]) && (seg[3] == '\0' || seg[3] == '.');
}

int errmatch_any(const char *type, const char *const *patterns)
{
    for (; patterns && *patterns; patterns++)
        if (errmatch(type, *patterns))
            return 1;
    return 0;
}
