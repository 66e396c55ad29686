/*
 * bench_batch.c — throughput of a worker: N 10-step executions (C steps)
 * started, then drained by one worker (worker_run, --until-idle), one at a
 * time (--batch 1) and with group commit (--batch 16, the default, and 64),
 * on real SQLite files with synchronous=FULL. Next to them, in the same run, the storage limit:
 * how many such executions per second the disk allows when 16 (and 64) of
 * them share each commit (fsync'd commits of that size per second x 16 / 10,
 * a 10-step execution taking 10 commits: each step's result is durable before
 * the next step's body runs, and the last one commits with the end).
 *
 * usage: bench_batch DIR [N [BATCH]]
 *   with BATCH: only a worker of that batch drains N executions (for profiling)
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"
#include "bench_engine.h"
#include "engine.h"
#include "ten.h"
#include "worker.h"

int ten_add(cairn_call *call, const cJSON *args)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(args, "n");
    return cairn_call_return(call, cJSON_CreateNumber(cJSON_IsNumber(n) ? n->valuedouble + 1 : 1));
}

/* Executions per second of a worker with batch b draining n started executions. */
static double drain(const char *dir, int n, int b)
{
    char db[4096];
    snprintf(db, sizeof db, "%s/batch%d.db", dir, b);
    const cairn_workflow *wfs[] = {&ten_workflow};
    engine *e = bench_open("bench_batch", db, wfs, 1);
    bench_start("bench_batch", e, "ten", n);
    double t = bench_now_ms();
    bench_drain("bench_batch", e, b);
    t = bench_now_ms() - t;
    bench_check_ten("bench_batch", e, n);
    engine_close(e);
    bench_rm_db(db);
    return n / (t / 1e3);
}

/* A bare SQLite file for the limits below: WAL, synchronous=FULL, table made,
 * insert prepared; removed again by raw_close. */
typedef struct raw {
    char path[4096];
    sqlite3 *s;
    sqlite3_stmt *q;
    char text[151]; /* a row's 150 bytes */
} raw;

static void raw_open(raw *r, const char *dir, const char *table, const char *insert)
{
    snprintf(r->path, sizeof r->path, "%s/limit.db", dir);
    bench_rm_db(r->path);
    if (sqlite3_open(r->path, &r->s) != SQLITE_OK ||
        sqlite3_exec(r->s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(r->s, table, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->s, insert, -1, &r->q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_batch: %s: %s\n", r->path, sqlite3_errmsg(r->s));
        exit(1);
    }
    memset(r->text, 'x', 150);
    r->text[150] = '\0';
}

/* Runs the insert as bound, and readies it for the next. */
static void raw_insert(raw *r)
{
    if (sqlite3_step(r->q) != SQLITE_DONE) {
        fprintf(stderr, "bench_batch: %s: %s\n", r->path, sqlite3_errmsg(r->s));
        exit(1);
    }
    sqlite3_reset(r->q);
}

static void raw_close(raw *r)
{
    sqlite3_finalize(r->q);
    sqlite3_close(r->s);
    bench_rm_db(r->path);
}

/* fsync'd commits per second, each inserting rows rows of about 150 bytes. */
static double commits_per_s(const char *dir, int rows)
{
    raw r;
    raw_open(&r, dir, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)",
             "INSERT INTO t(b) VALUES (?)");
    int k = 1000;
    double t = bench_now_ms();
    for (int i = 0; i < k; i++) {
        sqlite3_exec(r.s, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int row = 0; row < rows; row++) {
            sqlite3_bind_text(r.q, 1, r.text, -1, SQLITE_STATIC);
            raw_insert(&r);
        }
        sqlite3_exec(r.s, "COMMIT", NULL, NULL, NULL);
    }
    t = bench_now_ms() - t;
    raw_close(&r);
    return k / (t / 1e3);
}

/*
 * The leanest journal SQLite can keep, for n 10-step executions, `per` of
 * them a commit: each step one row of 150 bytes keyed by (execution id,
 * seq), so that an execution's rows can be read back, and nothing else (no
 * history, no lease, no body, one thread). Executions per second: a bound on
 * any SQLite journal that commits each step before the next, on this disk.
 */
static double lean_journal(const char *dir, int n, int per)
{
    raw r;
    raw_open(&r, dir,
             "CREATE TABLE j(execution_id TEXT, seq INTEGER, body TEXT, "
             "PRIMARY KEY (execution_id, seq)) WITHOUT ROWID",
             "INSERT INTO j VALUES (?1, ?2, ?3)");
    double t = bench_now_ms();
    for (int first = 0; first < n; first += per) {
        for (int step = 1; step <= 10; step++) {
            sqlite3_exec(r.s, "BEGIN IMMEDIATE", NULL, NULL, NULL);
            for (int x = first; x < first + per && x < n; x++) {
                char id[32]; /* 22 characters, in creation order, as cairn's ids */
                snprintf(id, sizeof id, "0Bench%016d", x);
                sqlite3_bind_text(r.q, 1, id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(r.q, 2, step);
                sqlite3_bind_text(r.q, 3, r.text, -1, SQLITE_STATIC);
                raw_insert(&r);
            }
            sqlite3_exec(r.s, "COMMIT", NULL, NULL, NULL);
        }
    }
    t = bench_now_ms() - t;
    raw_close(&r);
    return n / (t / 1e3);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_batch DIR [N [BATCH]]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 3000;
    if (n < 1)
        n = 1;
    if (argc > 3) {
        int b = atoi(argv[3]);
        if (b < 1 || b > 1024) {
            fprintf(stderr, "bench_batch: BATCH must be 1 to 1024\n");
            return 2;
        }
        printf("--batch %d  %8.0f executions/s\n", b, drain(argv[1], n, b));
        return 0;
    }
    double one = drain(argv[1], n, 1);
    double many = drain(argv[1], n, 16);
    double most = drain(argv[1], n, 64);
    /* A step journals about 3 rows (operation, events); 16 executions a commit. */
    double limit = commits_per_s(argv[1], 16 * 3) * 16 / 10;
    double limit64 = commits_per_s(argv[1], 64 * 3) * 64 / 10;
    double lean = lean_journal(argv[1], n, 64);
    printf("10-step executions drained by one worker (C steps, synchronous=FULL), %d executions:\n",
           n);
    printf("  --batch 1   %8.0f executions/s\n", one);
    printf("  --batch 16  %8.0f executions/s   (x%.1f)\n", many, many / one);
    printf("  --batch 64  %8.0f executions/s   (x%.1f)\n", most, most / one);
    printf("  storage limit, same run: %.0f executions/s at 16 executions a commit (10 commits "
           "each),\n  %.0f at 64 a commit; the worker reaches %.0f%% and %.0f%% of them\n",
           limit, limit64, 100 * many / limit, 100 * most / limit64);
    printf("  the leanest SQLite journal, same run: %.0f executions/s (one 150-byte row a step, "
           "keyed by\n  execution and seq, nothing else, 64 executions a commit)\n",
           lean);
    return 0;
}
