/*
 * bench_exec.c — latency of a durable 10-step execution, end to end: start
 * (one commit), ten steps (one commit each), completion (one commit), on a
 * real SQLite file with synchronous=FULL. Prints per-execution p50/p99/mean
 * and the executions per second of one sequential driver.
 *
 * usage: bench_exec DB [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "ten.h"

int ten_add(cairn_call *call, const cJSON *args)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(args, "n");
    return cairn_call_return(call, cJSON_CreateNumber(cJSON_IsNumber(n) ? n->valuedouble + 1 : 1));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_exec DB [N]\n");
        return 2;
    }
    const char *db = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    if (n < 1)
        n = 1;
    unlink(db);

    const cairn_workflow *wfs[] = {&ten_workflow};
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    if (engine_open(&e, db, wfs, 1, &err) != CAIRN_OK) {
        fprintf(stderr, "bench_exec: %s\n", err.message);
        return 1;
    }
    double *lat = calloc((size_t)n, sizeof *lat);
    double t0 = bench_now_ms();
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        int created = 0;
        double s = bench_now_ms();
        if (engine_start(e, "ten", "{}", NULL, &id, &created, &err) != CAIRN_OK ||
            engine_drive(e, id, &err) != CAIRN_OK) {
            fprintf(stderr, "bench_exec: %s\n", err.message ? err.message : "failed");
            return 1;
        }
        lat[i] = bench_now_ms() - s;
        if (i == 0) {
            int rc = 0;
            cJSON *st = engine_status_json(e, id, &rc, &err);
            char *txt = cJSON_PrintUnformatted(cJSON_GetObjectItem(st, "result"));
            const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(st, "status"));
            if (!status || strcmp(status, "SUCCEEDED") != 0 || !txt || strcmp(txt, "10") != 0) {
                fprintf(stderr, "bench_exec: wrong outcome %s %s\n", status ? status : "?",
                        txt ? txt : "?");
                return 1;
            }
            free(txt);
            cJSON_Delete(st);
        }
        free(id);
    }
    double total = bench_now_ms() - t0;
    double p50 = bench_percentile(lat, (size_t)n, 50), p99 = bench_percentile(lat, (size_t)n, 99);
    printf("10-step durable execution (start + 10 steps + end, synchronous=FULL), %d runs:\n", n);
    printf("  p50 %.3f ms   p99 %.3f ms   mean %.3f ms   %.0f executions/s sequential\n", p50, p99,
           total / n, n / (total / 1e3));
    free(lat);
    engine_close(e);
    return 0;
}
