/*
 * error.h — typed errors {type, message, data} (DESIGN §4).
 *
 * A cairn_error is caller storage: err_init() it, err_cleanup() it. The first
 * error set wins: err_set*() on an error that already holds one does nothing,
 * so the root cause survives the unwinding (nanopb's rule).
 */
#ifndef CAIRN_ERROR_H
#define CAIRN_ERROR_H

#include <stdarg.h>

#include <cjson/cJSON.h>

typedef struct cairn_error {
    char *type;    /* NULL when no error is set */
    char *message; /* never NULL when type is set */
    cJSON *data;   /* owned; may be NULL */
} cairn_error;

void err_init(cairn_error *e);
void err_cleanup(cairn_error *e); /* frees and resets to no error */
int err_isset(const cairn_error *e);

/* Sets type and a printf-formatted message. Returns 1. */
int err_set(cairn_error *e, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_vset(cairn_error *e, const char *type, const char *fmt, va_list ap);
/* Like err_set, and takes ownership of data (freed if an error is already set). */
int err_set_data(cairn_error *e, const char *type, cJSON *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Moves src into dst (dst must be empty, or src is dropped); src ends empty. */
void err_move(cairn_error *dst, cairn_error *src);

/*
 * {"type","message","data"}: a new object (data omitted when NULL); NULL on
 * OOM, and for the static Cairn.NoMemory an error holds when setting it ran
 * out of memory (err_set always leaves an error set), so that one is never
 * journaled in place of the error that was meant.
 */
cJSON *err_to_json(const cairn_error *e);
/* Reads that shape back; returns 0 on success, -1 if j is not such an object. */
int err_from_json(cairn_error *e, const cJSON *j);

/*
 * Does error type `type` match `pattern`? Exact match, family prefix
 * ("Callback" matches "Callback.Timeout", not "CallbackX"), or "ALL": the
 * rule of common/errmatch.h, which the generator shares.
 */
int err_matches(const char *type, const char *pattern);
/* Does it match any pattern of a NULL-terminated list? */
int err_matches_any(const char *type, const char *const *patterns);

#endif
