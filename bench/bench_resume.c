/*
 * bench_resume.c — the cost of resuming a long execution: one invocation of
 * an execution whose journal holds 10,000 completed steps, replaying them
 * all (no body runs) up to a one-hour wait that is not due, and suspending
 * again (one commit). Prints p50/p99 over the runs, and the journal size.
 *
 * The workflow is written by hand in the shape `cairn gen` gives (a loop no
 * YAML spells): N C steps `tick`, then `wait: rest` for an hour.
 *
 * usage: bench_resume DB [RUNS] [STEPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairn/workflow.h>
#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "store.h"

static int steps = 10000;
static long ticks; /* bodies run: only while the journal is written */

static int tick(cairn_call *call, const cJSON *args)
{
    (void)args;
    ticks++;
    return cairn_call_return(call, cJSON_CreateNumber(1));
}

static const cairn_op op_tick = {
    .name = "tick", .run = CAIRN_RUN_C, .c_fn = tick, .c_name = "tick"};
static const cairn_op op_rest = {.name = "rest"};

static void long_run(cairn_exec *x)
{
    for (int i = 0; i < steps; i++)
        if (cairn_step(x, &op_tick, NULL) != CAIRN_NEXT)
            return;
    if (cairn_wait_for(x, &op_rest, 3600 * 1000) != CAIRN_NEXT)
        return;
    cairn_succeed(x, NULL);
}

static const cairn_workflow long_workflow = {
    .abi = CAIRN_ABI,
    .name = "long",
    .version = 1,
    .sha256 = "4c6f6e6720776f726b666c6f77206f662062656e63685f726573756d652e6300",
    .source = "bench_resume.c",
    .run = long_run,
};

/*
 * What SQLite takes to read the execution's journal rows, through a
 * connection opened as the store opens its own (no mutex): every column of
 * every row as its type says, nothing copied; or, without columns, only
 * stepping over the rows (p50 over runs, ms).
 */
static double read_rows_ms(const char *db, const char *id, int runs, int columns, int *rows)
{
    sqlite3 *s;
    sqlite3_stmt *q;
    if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s,
                           "SELECT seq, id, parent_id, name, type, sub_type, status, attempt, "
                           "result, error, started_at, ended_at, next_attempt_at, callback_id, "
                           "timeout_at, heartbeat_at, heartbeat_ms, result_mode "
                           "FROM operations WHERE execution_id = ?1",
                           -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_resume: %s\n", sqlite3_errmsg(s));
        exit(1);
    }
    double *t = calloc((size_t)runs, sizeof *t);
    long sink = 0;
    for (int r = 0; r < runs; r++) {
        double s0 = bench_now_ms();
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        *rows = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; columns && c < 18; c++)
                sink += sqlite3_column_type(q, c) == SQLITE_INTEGER
                            ? (long)sqlite3_column_int64(q, c)
                            : sqlite3_column_bytes(q, c);
            ++*rows;
        }
        sqlite3_reset(q);
        t[r] = bench_now_ms() - s0;
    }
    double p50 = bench_percentile(t, (size_t)runs, 50);
    free(t);
    sqlite3_finalize(q);
    sqlite3_close(s);
    return sink == -1 ? 0 : p50;
}

/* store_ops_load alone: the journal as the engine loads it (p50 over runs, ms). */
static double load_ms(const char *db, const char *id, int runs)
{
    store *st;
    cairn_error err;
    err_init(&err);
    if (store_open(&st, db, &err) != CAIRN_OK)
        exit(1);
    double *t = calloc((size_t)runs, sizeof *t);
    for (int r = 0; r < runs; r++) {
        store_op *ops;
        size_t n;
        double s0 = bench_now_ms();
        if (store_ops_load(st, id, &ops, &n, &err) != CAIRN_OK)
            exit(1);
        store_ops_free(ops, n);
        t[r] = bench_now_ms() - s0;
    }
    double p50 = bench_percentile(t, (size_t)runs, 50);
    free(t);
    store_close(st);
    return p50;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_resume DB [RUNS] [STEPS]\n");
        return 2;
    }
    const char *db = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 50;
    if (n < 1)
        n = 1;
    if (argc > 3 && atoi(argv[3]) > 0)
        steps = atoi(argv[3]);
    unlink(db);

    const cairn_workflow *wfs[] = {&long_workflow};
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    char *id = NULL;
    double *lat = calloc((size_t)n, sizeof *lat);
    int rc = engine_open(&e, db, wfs, 1, &err);
    if (rc == CAIRN_OK)
        rc = engine_start(e, "long", "{}", NULL, &id, NULL, &err);
    double t0 = bench_now_ms();
    if (rc == CAIRN_OK)
        rc = engine_invoke(e, id, &err); /* writes the journal: every body runs once */
    double fill = bench_now_ms() - t0;
    for (int i = 0; rc == CAIRN_OK && i < n; i++) {
        double s = bench_now_ms();
        rc = engine_invoke(e, id, &err);
        lat[i] = bench_now_ms() - s;
    }
    if (rc != CAIRN_OK) {
        fprintf(stderr, "bench_resume: %s\n", err.message ? err.message : "failed");
        return 1;
    }
    cJSON *st = engine_status_json(e, id, &rc, &err);
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(st, "status"));
    if (!status || strcmp(status, "PENDING") != 0 || ticks != steps) {
        fprintf(stderr, "bench_resume: expected PENDING after %d bodies, got %s after %ld\n", steps,
                status ? status : "?", ticks);
        return 1;
    }
    cJSON_Delete(st);
    double p50 = bench_percentile(lat, (size_t)n, 50), p99 = bench_percentile(lat, (size_t)n, 99);
    printf("resume after %d journaled steps (replay all, suspend again: one commit), %d runs:\n",
           steps, n);
    printf("  p50 %.3f ms   p99 %.3f ms   (writing the journal took %.0f ms)\n", p50, p99, fill);
    int rows = 0;
    double raw = read_rows_ms(db, id, n, 1, &rows), step = read_rows_ms(db, id, n, 0, &rows);
    double load = load_ms(db, id, n);
    printf("  SQLite reading its %d journal rows, same run: every column p50 %.3f ms (resume is "
           "%.1fx that);\n  stepping over them alone p50 %.3f ms (%.1fx); loading them as the "
           "engine does p50 %.3f ms\n",
           rows, raw, p50 / raw, step, p50 / step, load);
    free(lat);
    free(id);
    engine_close(e);
    return 0;
}
