/*
 * errmatch.h — which error types a pattern names: a `catch: errors:` entry
 * or a `retry: on:` entry against a thrown error type (DESIGN §4). One rule
 * for the runtime (catch and retry) and the generator (graph edges).
 */
#ifndef CAIRN_ERRMATCH_H
#define CAIRN_ERRMATCH_H

/*
 * Does error type `type` match `pattern`? Exact match, family prefix
 * ("Callback" matches "Callback.Timeout", not "CallbackX"), a class whose
 * last word is a digit and "xx" ("Http.Status.5xx" matches "Http.Status.503",
 * not "Http.Status.404" nor "Http.Status.5000"), or "ALL".
 */
int errmatch(const char *type, const char *pattern);

/* Does it match any pattern of a NULL-terminated list? (NULL: none.) */
int errmatch_any(const char *type, const char *const *patterns);

#endif
