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

#include "bench.h"
#include "engine.h"

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
    free(lat);
    free(id);
    engine_close(e);
    return 0;
}
