/*
 * buf.h — a growable byte string for the generator (the emitter's output,
 * template filling, escaped literals).
 *
 * A buf is caller storage: buf_init() / buf_cleanup(). An allocation failure
 * sets `oom` and turns every later append into a no-op, so callers check once
 * at the end (buf_ok) instead of after every append. The text is always
 * NUL-terminated once anything was appended (buf_str never returns NULL).
 */
#ifndef CAIRN_BUF_H
#define CAIRN_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len, cap;
    int oom; /* an allocation failed: the contents are incomplete */
} buf;

void buf_init(buf *b);
void buf_cleanup(buf *b);
/* Empties b, keeping its storage. */
void buf_reset(buf *b);

void buf_addn(buf *b, const char *s, size_t n);
void buf_add(buf *b, const char *s);
void buf_addc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text so far (borrowed; "" when empty). */
const char *buf_str(const buf *b);
int buf_ok(const buf *b);

/* Hands the text to the caller (free it), leaving b empty; NULL after oom. */
char *buf_take(buf *b);

#endif
