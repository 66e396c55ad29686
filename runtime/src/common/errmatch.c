/*
 * errmatch.c — error-type matching (errmatch.h). Owns nothing; pure.
 */
#include "errmatch.h"

#include <string.h>

int errmatch(const char *type, const char *pattern)
{
    if (strcmp(pattern, "ALL") == 0 || strcmp(type, pattern) == 0)
        return 1;
    size_t n = strlen(pattern);
    return strncmp(type, pattern, n) == 0 && type[n] == '.';
}

int errmatch_any(const char *type, const char *const *patterns)
{
    for (; patterns && *patterns; patterns++)
        if (errmatch(type, *patterns))
            return 1;
    return 0;
}
