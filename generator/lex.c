/*
 * lex.c — the words of the workflow language (lex.h): names, and the edit
 * distance behind "did you mean" (durations: common/duration.c).
 *
 * Owns: what a name may look like. It knows nothing of YAML,
 * the model or diagnostics: callers report, with the reason it gives.
 */
#include "lex.h"

#include <ctype.h>
#include <string.h>

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

/* A status code or class as a word of an error type: 503, 5xx. */
static int status_word(const char *s)
{
    return isdigit((unsigned char)s[0]) && strspn(s + 1, s[1] == 'x' ? "x" : DIGIT) == 2 &&
           (!s[3] || s[3] == '.');
}

int lex_error_type(const char *s)
{
    for (const char *first = s;;) {
        if (s != first && status_word(s))
            s += 3; /* Http.Status.503, Http.Status.5xx */
        else if (!isalpha((unsigned char)*s))
            return 0;
        s += strspn(s, LOWER UPPER DIGIT "_");
        if (!*s)
            return 1;
        if (*s++ != '.')
            return 0;
    }
}
