/*
 * lex.c — the words of the workflow language (lex.h): durations, names, and
 * the edit distance behind "did you mean".
 *
 * Owns: what a duration or a name may look like. It knows nothing of YAML,
 * the model or diagnostics: callers report, with the reason it gives.
 */
#include "lex.h"

#include <ctype.h>
#include <string.h>

int lex_duration(const char *s, int64_t *ms, const char **why)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
    int64_t total = 0;
    int next = 0; /* units must come in descending order, each once */
    const char *p = s;
    if (!*p) {
        *why = "empty; write e.g. 30s, 10m, 24h or 1h30m";
        return -1;
    }
    while (*p) {
        if (*p < '0' || *p > '9') {
            *why = "expected a number followed by ms, s, m, h or d";
            return -1;
        }
        int64_t n = 0;
        while (*p >= '0' && *p <= '9') {
            n = n * 10 + (*p++ - '0');
            if (n > 1000000000) {
                *why = "too large";
                return -1;
            }
        }
        int u = -1;
        if (p[0] == 'm' && p[1] == 's')
            u = 4;
        else
            for (int i = 0; i < 4; i++)
                if (*p == units[i].unit[0])
                    u = i;
        if (u < 0) {
            *why = *p ? "unknown unit: use ms, s, m, h or d" : "missing unit: use ms, s, m, h or d";
            return -1;
        }
        if (u < next) {
            *why = "units must go from largest to smallest, each at most once (1h30m)";
            return -1;
        }
        next = u + 1;
        p += strlen(units[u].unit);
        total += n * units[u].ms;
    }
    if (total <= 0) {
        *why = "must be longer than zero";
        return -1;
    }
    *ms = total;
    return 0;
}

int lex_edit_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > (size_t)cap)
        return cap + 1;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag_prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag_prev + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag_prev = up;
        }
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

static int all_of(const char *s, const char *set)
{
    return strspn(s, set) == strlen(s);
}

int lex_workflow_name(const char *s)
{
    return islower((unsigned char)s[0]) && all_of(s, LOWER DIGIT "_");
}

int lex_op_name(const char *s)
{
    return *s && strlen(s) <= 64 && all_of(s, LOWER UPPER DIGIT "_.-");
}

int lex_c_ident(const char *s)
{
    return *s && !isdigit((unsigned char)s[0]) && all_of(s, LOWER UPPER DIGIT "_");
}

int lex_error_type(const char *s)
{
    for (;;) {
        if (!isalpha((unsigned char)*s))
            return 0;
        s += strspn(s, LOWER UPPER DIGIT "_");
        if (!*s)
            return 1;
        if (*s++ != '.')
            return 0;
    }
}
