/*
 * fuzz_journal.c — the journal reader on a damaged store. A small valid
 * store is made once (fzpay executions: completed, failed by its callback,
 * waiting on a callback; fzfan's fan-out: one done, one waiting in a
 * branch); each input is a list of byte edits applied to a
 * copy of that file: 4 bytes each, a 24-bit offset (little endian, taken
 * modulo the file size) and a byte XORed in there. Then the damaged store is
 * opened, listed, each execution's status and history read, each invoked,
 * and its open callback answered. Each call must give an error or a result:
 * never a crash, a leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static uint8_t *pristine; /* the valid store file; kept for the process */
static size_t pristine_len;

static void drop_pristine(void)
{
    free(pristine);
}

/* The valid store: three executions in three states. */
static void make_pristine(void)
{
    char db[4096];
    fz_path("pristine.db", db, sizeof db);
    fz_remove_store(db);
    engine *e = fz_open(db);
    cairn_error err;
    err_init(&err);
    const char *inputs[] = {"{\"n\": 1, \"s\": \"ok\"}", "{\"n\": 2}", "{\"n\": 3}"};
    for (int i = 0; i < 3; i++) {
        char *id = fz_start(e, inputs[i]);
        char *cb = id ? fz_open_callback(e, id) : NULL;
        if (!cb)
            abort();
        if (i == 0) {
            engine_callback_succeed(e, cb, "{\"a\": [1, \"x\", null]}", 21, &err);
            engine_invoke(e, id, &err);
            free(cb);
            cb = fz_open_callback(e, id);
            if (!cb)
                abort();
            engine_callback_succeed(e, cb, "some text", 9, &err);
            engine_invoke(e, id, &err);
        } else if (i == 1) {
            engine_callback_fail(e, cb, "Remote.Refused", "no", "{\"why\": 1}", &err);
            engine_invoke(e, id, &err);
        }
        err_cleanup(&err);
        free(cb);
        free(id);
    }
    /* fan-out: one done (its answer ends the parallel, the map and group run), one waiting */
    for (int i = 0; i < 2; i++) {
        char *id = NULL;
        cairn_error err;
        err_init(&err);
        if (engine_start(e, "fzfan", "{\"l\": [1, \"x\", null]}", NULL, &id, NULL, &err) !=
                CAIRN_OK ||
            engine_invoke(e, id, &err) != CAIRN_OK)
            abort();
        char *cb = fz_open_callback(e, id);
        if (!cb)
            abort();
        if (i == 0 && (engine_callback_succeed(e, cb, "{\"ok\": 1}", 9, &err) != CAIRN_OK ||
                       engine_invoke(e, id, &err) != CAIRN_OK))
            abort();
        err_cleanup(&err);
        free(cb);
        free(id);
    }
    engine_close(e); /* the last connection: the WAL is checkpointed into the file */
    pristine = fz_read_file(db, &pristine_len);
    if (pristine_len == 0)
        abort();
    fz_remove_store(db);
    atexit(drop_pristine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pristine)
        make_pristine();
    uint8_t *file = malloc(pristine_len);
    if (!file)
        abort();
    memcpy(file, pristine, pristine_len);
    for (size_t i = 0; i + 4 <= size; i += 4) {
        size_t off =
            ((size_t)data[i] | (size_t)data[i + 1] << 8 | (size_t)data[i + 2] << 16) % pristine_len;
        file[off] ^= data[i + 3];
    }
    char db[4096];
    fz_path("damaged.db", db, sizeof db);
    fz_remove_store(db);
    fz_write_file(db, file, pristine_len);
    free(file);

    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    if (engine_open(&e, db, fz_workflows, fz_nworkflows, &err) != CAIRN_OK) {
        if (!err.message)
            abort(); /* a refusal names its cause */
        goto done;
    }
    int rc = 0;
    cJSON *list = engine_list_json(e, &rc, &err);
    err_cleanup(&err);
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *jid = cJSON_GetObjectItemCaseSensitive(item, "id");
        if (!cJSON_IsString(jid))
            continue;
        const char *id = jid->valuestring;
        cJSON_Delete(engine_status_json(e, id, &rc, &err));
        err_cleanup(&err);
        cJSON_Delete(engine_history_json(e, id, &rc, &err));
        err_cleanup(&err);
        engine_invoke(e, id, &err);
        err_cleanup(&err);
        char *cb = fz_open_callback(e, id);
        if (cb) {
            engine_callback_succeed(e, cb, "{}", 2, &err);
            err_cleanup(&err);
            engine_invoke(e, id, &err);
            err_cleanup(&err);
        }
        free(cb);
    }
    cJSON_Delete(list);
done:
    err_cleanup(&err);
    if (e)
        engine_close(e);
    fz_remove_store(db);
    return 0;
}
