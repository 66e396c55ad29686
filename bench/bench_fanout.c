/*
 * bench_fanout.c — what fan-out costs (issue: fan-out and composition):
 *   - a map over N items (default 1,000), one C step each, durable, against
 *     N bare C steps in sequence: the invocation that runs them all (every
 *     body once, the journal written), p50 over runs on fresh executions;
 *   - resuming each once it is done, up to a one-hour wait that is not due:
 *     the sequence's rows replayed, the map's value rebuilt from its journaled
 *     payload (its items' rows are passed over), p50; the two take turns;
 *   - with a base URL: ten HTTP GETs in one map against a server that answers
 *     each after 200 ms (tests/fanout/slow_server.py), wall time p50.
 * The workflows are written by hand in the shape `cairn gen` gives.
 *
 * usage: bench_fanout DIR [RUNS] [ITEMS] [BASE_URL]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairn/workflow.h>

#include "bench.h"
#include "engine.h"

static int items = 1000;
static cJSON *list; /* [0, 1, ..., items-1] */
static cJSON *urls; /* ten URLs of the server */

static int tick(cairn_call *call, const cJSON *args)
{
    (void)args;
    return cairn_call_return(call, cJSON_CreateNumber(1));
}

/* each keeps its result (`as`), as the map keeps its value: both are rebuilt on resume */
static const cairn_op op_tick = {
    .name = "tick", .run = CAIRN_RUN_C, .c_fn = tick, .c_name = "tick", .as = "tick"};
static const cairn_op op_rest = {.name = "rest"};
static const cairn_op op_get = {.name = "get", .run = CAIRN_RUN_HTTP};

/* N steps in sequence, then an hour's wait. */
static void seq_run(cairn_exec *x)
{
    for (int i = 0; i < items; i++)
        if (cairn_step(x, &op_tick, NULL) != CAIRN_NEXT)
            return;
    if (cairn_wait_for(x, &op_rest, 3600 * 1000) == CAIRN_NEXT)
        cairn_succeed(x, NULL);
}

/* A map of N items, one step each, then an hour's wait. */
static void item_run(cairn_exec *x)
{
    if (cairn_step(x, &op_tick, NULL) == CAIRN_NEXT)
        cairn_succeed(x, NULL);
}

static const cairn_branch map_body[] = {{NULL, 1, item_run}};
static const cairn_op op_map = {.name = "each",
                                .as = "each",
                                .branches = map_body,
                                .nbranches = 1}; /* its value rebuilt on resume */

static void map_run(cairn_exec *x)
{
    if (cairn_map(x, &op_map, list) != CAIRN_NEXT)
        return;
    if (cairn_wait_for(x, &op_rest, 3600 * 1000) == CAIRN_NEXT)
        cairn_succeed(x, NULL);
}

/* Ten GETs in one map. */
static void get_run(cairn_exec *x)
{
    cJSON *req = cairn_x_object(x);
    cairn_x_put(x, req, "url", cairn_x_var(x, "item"));
    if (cairn_step(x, &op_get, req) == CAIRN_NEXT)
        cairn_succeed(x, NULL);
}

static const cairn_branch get_body[] = {{NULL, 1, get_run}};
static const cairn_op op_gets = {.name = "gets", .branches = get_body, .nbranches = 1};

static void http_run(cairn_exec *x)
{
    if (cairn_map(x, &op_gets, urls) == CAIRN_NEXT)
        cairn_succeed(x, NULL);
}

#define WORKFLOW(var, wname, digit, fn)                                                            \
    static const cairn_workflow var = {                                                            \
        .abi = CAIRN_ABI,                                                                          \
        .name = wname,                                                                             \
        .version = 1,                                                                              \
        .sha256 = "62656e63685f66616e6f75742e6300000000000000000000000000000000000" digit,         \
        .source = "bench_fanout.c",                                                                \
        .run = fn,                                                                                 \
    }
WORKFLOW(seq_workflow, "seq", "1", seq_run);
WORKFLOW(map_workflow, "map", "2", map_run);
WORKFLOW(http_workflow, "get", "3", http_run);

static void die(const char *what, cairn_error *err)
{
    fprintf(stderr, "bench_fanout: %s: %s\n", what, err->message ? err->message : "failed");
    exit(1);
}

/* One fresh execution of workflow `name`: *first its first invocation (ms) and,
 * when resume is not NULL, *resume one more, which finds it waiting, and
 * *resume_cpu the CPU time that took (the commit's wait for the disk left out). */
static void run_once(engine *e, const char *name, double *first, double *resume, double *resume_cpu)
{
    cairn_error err;
    err_init(&err);
    char *id = NULL;
    if (engine_start(e, name, "{}", NULL, &id, NULL, &err) != CAIRN_OK)
        die("start", &err);
    double t = bench_now_ms();
    if (engine_invoke(e, id, &err) != CAIRN_OK)
        die("invoke", &err);
    *first = bench_now_ms() - t;
    if (resume) {
        t = bench_now_ms();
        double c = bench_cpu_ms();
        if (engine_invoke(e, id, &err) != CAIRN_OK)
            die("resume", &err);
        *resume = bench_now_ms() - t;
        *resume_cpu = bench_cpu_ms() - c;
    }
    cJSON *st = engine_status_json(e, id, &(int){0}, &err);
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(st, "status"));
    if (!status || strcmp(status, resume ? "PENDING" : "SUCCEEDED") != 0) {
        fprintf(stderr, "bench_fanout: %s ended %s\n", name, status ? status : "?");
        exit(1);
    }
    cJSON_Delete(st);
    free(id);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_fanout DIR [RUNS] [ITEMS] [BASE_URL]\n");
        return 2;
    }
    int runs = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 10;
    if (argc > 3 && atoi(argv[3]) > 0)
        items = atoi(argv[3]);
    list = cJSON_CreateArray();
    for (int i = 0; i < items; i++)
        cJSON_AddItemToArray(list, cJSON_CreateNumber(i));

    char db[4096];
    snprintf(db, sizeof db, "%s/fanout.db", argv[1]);
    unlink(db);
    const cairn_workflow *wfs[] = {&seq_workflow, &map_workflow, &http_workflow};
    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    if (engine_open(&e, db, wfs, 3, &err) != CAIRN_OK)
        die("open", &err);
    /* the two take turns, so a machine busier at one moment weighs on both alike */
    double *m = calloc(7 * (size_t)runs, sizeof *m);
    double *sf = m, *sr = m + runs, *mf = m + 2 * runs, *mr = m + 3 * runs, *w = m + 4 * runs;
    double *sc = m + 5 * runs, *mc = m + 6 * runs;
    for (int r = 0; r < runs; r++) {
        run_once(e, "seq", &sf[r], &sr[r], &sc[r]);
        run_once(e, "map", &mf[r], &mr[r], &mc[r]);
    }
    double seq_first = bench_percentile(sf, (size_t)runs, 50);
    double seq_resume = bench_percentile(sr, (size_t)runs, 50);
    double map_first = bench_percentile(mf, (size_t)runs, 50);
    double map_resume = bench_percentile(mr, (size_t)runs, 50);
    double seq_cpu = bench_percentile(sc, (size_t)runs, 50);
    double map_cpu = bench_percentile(mc, (size_t)runs, 50);
    printf("%d C steps, durable, p50 of %d runs:\n", items, runs);
    printf("  in sequence:      run %8.2f ms   resume %7.2f ms\n", seq_first, seq_resume);
    printf("  one map of %d: run %8.2f ms   resume %7.2f ms   (%.2fx and %.2fx of the "
           "sequence)\n",
           items, map_first, map_resume, map_first / seq_first, map_resume / seq_resume);
    printf("  resume, CPU time only: in sequence %.2f ms, the map %.2f ms (%.2fx)\n", seq_cpu,
           map_cpu, map_cpu / seq_cpu);

    if (argc > 4) {
        urls = cJSON_CreateArray();
        for (int i = 0; i < 10; i++) {
            char u[512];
            snprintf(u, sizeof u, "%s/item-%d", argv[4], i);
            cJSON_AddItemToArray(urls, cJSON_CreateString(u));
        }
        for (int r = 0; r < runs; r++)
            run_once(e, "get", &w[r], NULL, NULL);
        double wall = bench_percentile(w, (size_t)runs, 50);
        printf("ten HTTP GETs of 200 ms in one map: p50 %.1f ms wall (%d runs)\n", wall, runs);
        cJSON_Delete(urls);
    }
    engine_close(e);
    cJSON_Delete(list);
    free(m);
    return 0;
}
