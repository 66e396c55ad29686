/*
 * lex.h — the words of the workflow language: durations, names, and the edit
 * distance behind "did you mean". No YAML, no model, no diagnostics.
 */
#ifndef CAIRN_LEX_H
#define CAIRN_LEX_H

#include <stdint.h>

/* Parses a duration ("250ms", "1h30m"). Returns 0 and *ms, or -1 with a
 * reason in why (static text). */
int lex_duration(const char *s, int64_t *ms, const char **why);

/* Levenshtein distance of a and b, capped at cap+1 (for "did you mean"). */
int lex_edit_distance(const char *a, const char *b, int cap);

#endif
