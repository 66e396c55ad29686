/*
 * buf.c — the generator's string builder (buf.h).
 *
 * Owns: growth of one heap block per buf. Never aborts on allocation
 * failure: it records it in `oom` and drops further appends.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b)
{
    memset(b, 0, sizeof *b);
}

void buf_cleanup(buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL. Returns 0 on failure. */
static int reserve(buf *b, size_t n)
{
    if (b->oom)
        return 0;
    if (b->len + n + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void buf_addn(buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_add(buf *b, const char *s)
{
    buf_addn(b, s, strlen(s));
}

void buf_addc(buf *b, char c)
{
    if (!reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

/* Formats into the room left, and only when that is too small into more:
 * one vsnprintf for almost every call instead of a measuring one first. */
void buf_printf(buf *b, const char *fmt, ...)
{
    if (!reserve(b, 127))
        return;
    size_t room = b->cap - b->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        if (!reserve(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

const char *buf_str(const buf *b)
{
    return b->data ? b->data : "";
}

int buf_ok(const buf *b)
{
    return !b->oom;
}

char *buf_take(buf *b)
{
    char *s = NULL;
    if (!b->oom)
        s = b->data ? b->data : strdup("");
    else
        free(b->data);
    buf_init(b);
    return s;
}
