/*
 * bench_engine.h — what the benchmarks that drive an engine share: a fresh
 * store, n executions started, a worker draining them, and the check that
 * each ended as it should. Any failure ends the benchmark (exit 1), naming who.
 */
#ifndef CAIRN_BENCH_ENGINE_H
#define CAIRN_BENCH_ENGINE_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "worker.h"

/* Removes the SQLite file path with its -wal and -shm. */
static inline void bench_rm_db(const char *path)
{
    char buf[4200];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
}

/* An engine on a new store at db holding the n workflows wfs. */
static inline engine *bench_open(const char *who, const char *db, const cairn_workflow *const *wfs,
                                 size_t n)
{
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    bench_rm_db(db);
    if (engine_open(&e, db, wfs, n, &err) != CAIRN_OK) {
        fprintf(stderr, "%s: %s\n", who, err.message);
        exit(1);
    }
    return e;
}

/* Starts n executions of workflow wf, input {}. */
static inline void bench_start(const char *who, engine *e, const char *wf, int n)
{
    cairn_error err;
    err_init(&err);
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        if (engine_start(e, wf, "{}", NULL, &id, NULL, &err) != CAIRN_OK) {
            fprintf(stderr, "%s: %s\n", who, err.message);
            exit(1);
        }
        free(id);
    }
}

/* A worker with up to `batch` executions at once drains the store, as `HOST worker
 * --until-idle --batch B` would. */
static inline void bench_drain(const char *who, engine *e, int batch)
{
    atomic_int stop = 0;
    const worker_policy p = {.who = who,
                             .exec_who = who,
                             .stop = &stop,
                             .until_idle = 1,
                             .max_store_errors = 10,
                             .retry_ms = 10,
                             .idle_ms = 10,
                             .batch = batch,
                             .batch_window_us = 500};
    if (worker_run(e, &p) != 0) {
        fprintf(stderr, "%s: the worker failed\n", who);
        exit(1);
    }
}

/* Checks that every execution in e (n of them) succeeded with the result 10. */
static inline void bench_check_ten(const char *who, engine *e, int n)
{
    cairn_error err;
    err_init(&err);
    int rc = 0, ok = 0;
    cJSON *all = engine_list_json(e, &rc, &err);
    const cJSON *x;
    cJSON_ArrayForEach(x, all)
    {
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(x, "status"));
        const cJSON *res = cJSON_GetObjectItem(x, "result");
        ok += st && !strcmp(st, "SUCCEEDED") && cJSON_GetNumberValue(res) == 10;
    }
    cJSON_Delete(all);
    if (ok != n) {
        fprintf(stderr, "%s: %d of %d executions succeeded with 10\n", who, ok, n);
        exit(1);
    }
}

#endif
