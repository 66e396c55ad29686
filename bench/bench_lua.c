/*
 * bench_lua.c — what a Lua step costs next to a C step: the 10-step workflow
 * with C steps (ten.yaml) and with Lua steps (tenlua.yaml), each
 *   - in process, one execution at a time (start, then drive it: bench_exec),
 *     the median per execution;
 *   - drained by one worker (worker_run, --until-idle), N executions started
 *     first, one at a time (--batch 1) and with group commit (--batch 16),
 *     milliseconds per execution;
 * all on real SQLite files with synchronous=FULL, in one run, next to the
 * CPU time each execution took (the process's, all threads). Every
 * execution must succeed with 10.
 *
 * usage: bench_lua DIR [N [drain-lua|drain-c|inproc-lua|inproc-c]]
 *   one part alone, for a profiler (perf record -g): the worker with
 *   --batch 1 draining Lua-step (C-step) executions, or in process.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_engine.h"
#include "engine.h"
#include "ten.h"
#include "tenlua.h"
#include "worker.h"

int ten_add(cairn_call *call, const cJSON *args)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(args, "n");
    return cairn_call_return(call, cJSON_CreateNumber(cJSON_IsNumber(n) ? n->valuedouble + 1 : 1));
}

/* The CPU time per execution of the last in_process or drained. */
static double last_cpu;

static engine *open_engine(const char *db)
{
    const cairn_workflow *wfs[] = {&ten_workflow, &tenlua_workflow};
    return bench_open("bench_lua", db, wfs, 2);
}

/* Median milliseconds of one execution of wf, started then driven in process. */
static double in_process(const char *dir, const char *wf, int n)
{
    char db[4096];
    snprintf(db, sizeof db, "%s/lua-inproc-%s.db", dir, wf);
    engine *e = open_engine(db);
    cairn_error err;
    err_init(&err);
    double *lat = calloc((size_t)n, sizeof *lat);
    double c0 = bench_cpu_ms();
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        double s = bench_now_ms();
        if (engine_start(e, wf, "{}", NULL, &id, NULL, &err) != CAIRN_OK ||
            engine_drive(e, id, &err) != CAIRN_OK) {
            fprintf(stderr, "bench_lua: %s\n", err.message ? err.message : "failed");
            exit(1);
        }
        lat[i] = bench_now_ms() - s;
        free(id);
    }
    last_cpu = (bench_cpu_ms() - c0) / n;
    bench_check_ten("bench_lua", e, n);
    engine_close(e);
    bench_rm_db(db);
    double p50 = bench_percentile(lat, (size_t)n, 50);
    free(lat);
    return p50;
}

/* Milliseconds per execution of a worker with batch b draining n started executions of wf. */
static double drained(const char *dir, const char *wf, int n, int b)
{
    char db[4096];
    snprintf(db, sizeof db, "%s/lua-drain-%s-%d.db", dir, wf, b);
    engine *e = open_engine(db);
    bench_start("bench_lua", e, wf, n);
    double t = bench_now_ms(), c0 = bench_cpu_ms();
    bench_drain("bench_lua", e, b);
    t = bench_now_ms() - t;
    last_cpu = (bench_cpu_ms() - c0) / n;
    bench_check_ten("bench_lua", e, n);
    engine_close(e);
    bench_rm_db(db);
    return t / n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_lua DIR [N [drain-lua|drain-c|inproc-lua|inproc-c]]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    if (n < 1)
        n = 1;
    const char *dir = argv[1];
    if (argc > 3) { /* one part alone, for a profiler */
        const char *what = argv[3], *wf = strstr(what, "-lua") ? "tenlua" : "ten";
        if (!strncmp(what, "drain-", 6))
            printf("%s drained by one worker (--batch 1): %.3f ms each\n", wf,
                   drained(dir, wf, n, 1));
        else if (!strncmp(what, "inproc-", 7))
            printf("%s in process: %.3f ms (median)\n", wf, in_process(dir, wf, n));
        else
            return fprintf(stderr, "bench_lua: drain-lua, drain-c, inproc-lua or inproc-c\n"), 2;
        return 0;
    }
    /* ROUNDS rounds, each side by side in turn, so that a slow moment of the
     * disk (or of another process) falls on both sides; the median round. */
    enum { ROUNDS = 5, PARTS = 6 };
    int per = n / ROUNDS > 0 ? n / ROUNDS : 1;
    double v[PARTS][ROUNDS], cpu[PARTS][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        v[0][r] = in_process(dir, "ten", per);
        cpu[0][r] = last_cpu;
        v[1][r] = in_process(dir, "tenlua", per);
        cpu[1][r] = last_cpu;
        for (int i = 2; i < PARTS; i++) {
            v[i][r] = drained(dir, i % 2 ? "tenlua" : "ten", per, i < 4 ? 1 : 16);
            cpu[i][r] = last_cpu;
        }
    }
    double m[PARTS], mc[PARTS];
    for (int i = 0; i < PARTS; i++) {
        m[i] = bench_percentile(v[i], ROUNDS, 50);
        mc[i] = bench_percentile(cpu[i], ROUNDS, 50);
    }
    printf("a 10-step execution, C steps next to Lua steps (synchronous=%s), "
           "%d rounds of %d executions each (the median round):\n",
           getenv("CAIRN_SYNC") && !strcmp(getenv("CAIRN_SYNC"), "normal") ? "NORMAL" : "FULL",
           ROUNDS, per);
    printf("  %-42s %9s %9s %6s   %s\n", "", "C", "Lua", "Lua/C", "CPU: C, Lua");
    static const char *const what[] = {"in process, one at a time (median)",
                                       "drained by one worker, --batch 1 (each)",
                                       "drained by one worker, --batch 16 (each)"};
    for (int i = 0; i < 3; i++)
        printf("  %-42s %6.3f ms %6.3f ms %5.2fx   %.3f ms, %.3f ms\n", what[i], m[2 * i],
               m[2 * i + 1], m[2 * i + 1] / m[2 * i], mc[2 * i], mc[2 * i + 1]);
    printf("  Lua drained by one worker (--batch 1) against C in process: %.2fx\n", m[3] / m[0]);
    return 0;
}
