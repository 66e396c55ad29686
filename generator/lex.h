/*
 * lex.h — the words of the workflow language: names, and the edit distance
 * behind "did you mean" (durations are common/duration.h's, shared with the
 * runtime). No YAML, no model, no diagnostics.
 */
#ifndef CAIRN_LEX_H
#define CAIRN_LEX_H

#include <stdint.h>

/* Levenshtein distance of a and b, capped at cap+1 (for "did you mean"). */
int lex_edit_distance(const char *a, const char *b, int cap);

/* Names; each returns 1 when s is well formed, else 0. */
/* A workflow name: [a-z][a-z0-9_]* (it names C symbols). */
int lex_workflow_name(const char *s);
/* An operation name: 1 to 64 of [A-Za-z0-9_.-]. */
int lex_op_name(const char *s);
/* A C identifier (`c:` functions, `as` names): [A-Za-z_][A-Za-z0-9_]*. */
int lex_c_ident(const char *s);
/* An error type: dot-separated words [A-Za-z][A-Za-z0-9_]* (ALL is one);
 * a word after the first may be a status code or class (Http.Status.5xx). */
int lex_error_type(const char *s);

#endif
