/*
 * fuzz_payload.c — what a callback sender controls, end to end on a fresh
 * store: the fzpay execution waits on callback `cb` (JSON) and later `raw`
 * (text); the fuzzer's bytes are delivered through engine_callback_succeed /
 * engine_callback_fail, and the next invocation parses them (JSON, the Lua
 * hook's JSON <-> Lua conversion, the error from the sender's fields), or
 * they are the execution's input (JSON, then the input schema).
 *
 * Input: byte 0 picks the mode, the rest is the payload. For fail, the
 * payload is split at NUL bytes into ErrorType, ErrorMessage, ErrorData
 * (a missing part is NULL).
 *   0  succeed cb, heartbeat raw, succeed raw, all with the payload
 *   1  fail cb with the payload's parts
 *   2  start with the payload as input; answer cb with {} and raw with ""
 *   3  succeed cb with 1, then fail raw with the payload's parts
 * Every call may refuse; none may crash, leak, or leave the store unreadable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

/* The n-th NUL-separated part of p[0..len), or NULL (a new string). */
static char *part(const char *p, size_t len, int n)
{
    size_t i = 0;
    for (; n > 0; n--) {
        const char *z = memchr(p + i, '\0', len - i);
        if (!z)
            return NULL;
        i = (size_t)(z - p) + 1;
    }
    const char *z = memchr(p + i, '\0', len - i);
    size_t plen = z ? (size_t)(z - p) - i : len - i;
    char *s = malloc(plen + 1);
    if (!s)
        abort();
    memcpy(s, p + i, plen);
    s[plen] = '\0';
    return s;
}

static void fail_with(engine *e, const char *cb, const char *p, size_t len)
{
    cairn_error err;
    err_init(&err);
    char *type = part(p, len, 0), *message = part(p, len, 1), *data = part(p, len, 2);
    engine_callback_fail(e, cb, type, message, data, &err);
    free(type);
    free(message);
    free(data);
    err_cleanup(&err);
}

static void succeed_with(engine *e, const char *cb, const char *p, size_t len)
{
    cairn_error err;
    err_init(&err);
    engine_callback_succeed(e, cb, p, len, &err);
    err_cleanup(&err);
}

/* Invokes id once more, then reads it back; the id of the callback it now waits on. */
static char *step(engine *e, const char *id)
{
    cairn_error err;
    err_init(&err);
    int rc = 0;
    engine_invoke(e, id, &err);
    err_cleanup(&err);
    cJSON *doc = engine_history_json(e, id, &rc, &err);
    if (!doc)
        abort(); /* the execution exists: its history must read */
    cJSON_Delete(doc);
    err_cleanup(&err);
    return fz_open_callback(e, id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char db[4096];
    fz_path("payload.db", db, sizeof db);
    fz_remove_store(db);
    engine *e = fz_open(db);
    int mode = data[0] % 4;
    const char *p = (const char *)data + 1;
    size_t len = size - 1;

    char *input = NULL;
    if (mode == 2) {
        input = malloc(len + 1);
        if (!input)
            abort();
        memcpy(input, p, len);
        input[len] = '\0';
    }
    char *id = fz_start(e, input ? input : "{\"n\": 1}");
    free(input);
    char *cb = id ? fz_open_callback(e, id) : NULL;
    if (id && !cb)
        abort(); /* a started fzpay waits on cb */
    if (cb) {
        if (mode == 0)
            succeed_with(e, cb, p, len);
        else if (mode == 1)
            fail_with(e, cb, p, len);
        else if (mode == 2)
            succeed_with(e, cb, "{}", 2);
        else
            succeed_with(e, cb, "1", 1);
        char *raw = step(e, id);
        if (raw) {
            cairn_error err;
            err_init(&err);
            if (mode == 0) {
                engine_callback_heartbeat(e, raw, &err);
                succeed_with(e, raw, p, len);
            } else if (mode == 2) {
                succeed_with(e, raw, "", 0);
            } else {
                fail_with(e, raw, p, len);
            }
            err_cleanup(&err);
            free(step(e, id));
        }
        free(raw);
        free(cb);
    }
    free(id);
    engine_close(e);
    return 0;
}
