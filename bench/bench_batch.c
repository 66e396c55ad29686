/*
 * bench_batch.c — throughput of a worker: N 10-step executions (C steps)
 * started, then drained by one worker (worker_run, --until-idle), one at a
 * time (--batch 1) and with group commit (--batch 16), on real SQLite files
 * with synchronous=FULL. Next to them, in the same run, the storage limit:
 * how many such executions per second the disk allows when 16 of them share
 * each commit (fsync'd commits of that size per second x 16 / 11, a 10-step
 * execution taking 11 commits).
 *
 * usage: bench_batch DIR [N]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "ten.h"
#include "worker.h"

int ten_add(cairn_call *call, const cJSON *args)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(args, "n");
    return cairn_call_return(call, cJSON_CreateNumber(cJSON_IsNumber(n) ? n->valuedouble + 1 : 1));
}

static void rm_db(const char *path)
{
    char buf[4200];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
}

/* Executions per second of a worker with batch b draining n started executions. */
static double drain(const char *dir, int n, int b)
{
    char db[4096];
    snprintf(db, sizeof db, "%s/batch%d.db", dir, b);
    rm_db(db);
    const cairn_workflow *wfs[] = {&ten_workflow};
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    if (engine_open(&e, db, wfs, 1, &err) != CAIRN_OK) {
        fprintf(stderr, "bench_batch: %s\n", err.message);
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        int created = 0;
        if (engine_start(e, "ten", "{}", NULL, &id, &created, &err) != CAIRN_OK) {
            fprintf(stderr, "bench_batch: %s\n", err.message);
            exit(1);
        }
        free(id);
    }
    atomic_int stop = 0;
    const worker_policy p = {.who = "bench",
                             .exec_who = "bench",
                             .stop = &stop,
                             .until_idle = 1,
                             .max_store_errors = 10,
                             .retry_ms = 10,
                             .idle_ms = 10,
                             .batch = b,
                             .batch_window_us = 500};
    double t = bench_now_ms();
    if (worker_run(e, &p) != 0) {
        fprintf(stderr, "bench_batch: the worker failed\n");
        exit(1);
    }
    t = bench_now_ms() - t;
    /* Every execution must have succeeded with 10. */
    int rc = 0;
    cJSON *all = engine_list_json(e, &rc, &err);
    int ok = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, all)
    {
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(x, "status"));
        ok += st && !strcmp(st, "SUCCEEDED");
    }
    cJSON_Delete(all);
    if (ok != n) {
        fprintf(stderr, "bench_batch: %d of %d executions succeeded\n", ok, n);
        exit(1);
    }
    engine_close(e);
    rm_db(db);
    return n / (t / 1e3);
}

/* fsync'd commits per second, each inserting rows rows of about 150 bytes. */
static double commits_per_s(const char *dir, int rows)
{
    char db[4096];
    snprintf(db, sizeof db, "%s/limit.db", dir);
    rm_db(db);
    sqlite3 *s;
    if (sqlite3_open(db, &s) != SQLITE_OK)
        exit(1);
    sqlite3_exec(s,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)",
                 NULL, NULL, NULL);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(s, "INSERT INTO t(b) VALUES (?)", -1, &q, NULL);
    char text[151];
    memset(text, 'x', 150);
    text[150] = '\0';
    int k = 1000;
    double t = bench_now_ms();
    for (int i = 0; i < k; i++) {
        sqlite3_exec(s, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int r = 0; r < rows; r++) {
            sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
            sqlite3_step(q);
            sqlite3_reset(q);
        }
        sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
    }
    t = bench_now_ms() - t;
    sqlite3_finalize(q);
    sqlite3_close(s);
    rm_db(db);
    return k / (t / 1e3);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_batch DIR [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 3000;
    if (n < 1)
        n = 1;
    double one = drain(argv[1], n, 1);
    double many = drain(argv[1], n, 16);
    /* A step journals about 3 rows (operation, events); 16 executions a commit. */
    double limit = commits_per_s(argv[1], 16 * 3) * 16 / 11;
    printf("10-step executions drained by one worker (C steps, synchronous=FULL), %d executions:\n",
           n);
    printf("  --batch 1   %8.0f executions/s\n", one);
    printf("  --batch 16  %8.0f executions/s   (x%.1f)\n", many, many / one);
    printf("  storage limit, same run: %.0f executions/s (16 executions a commit, 11 commits "
           "each);\n  the worker reaches %.0f%% of it\n",
           limit, 100 * many / limit);
    return 0;
}
