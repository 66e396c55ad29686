/*
 * bench_wake.c — how soon an idle worker starts an execution that another
 * process starts. A worker (worker_run, as `HOST worker` runs it: batch 16,
 * no limit on its sleep) runs in a child process on a real SQLite file; the
 * parent starts N executions of `stamp`, one at a time, each once the worker
 * has gone back to sleep, and reads when its step ran (CLOCK_MONOTONIC, the
 * same clock in both processes). The latency is from the moment the start's
 * commit returned to the moment the step body began. Prints the median, p90
 * and max.
 *
 * $CAIRN_WAIT=poll measures the fallback (a worker that looks at the store's
 * data_version every 2 ms) instead.
 *
 * usage: bench_wake DIR [N]
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "stamp.h"
#include "worker.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int stamp_now(cairn_call *call, const cJSON *args)
{
    (void)args;
    return cairn_call_return(call, cJSON_CreateNumber(now_us()));
}

static atomic_int stop;
static volatile sig_atomic_t wake_fd = -1;

static void on_term(int sig)
{
    (void)sig;
    atomic_store(&stop, 1);
    if (wake_fd >= 0) {
        ssize_t n = write(wake_fd, "!", 1);
        (void)n;
    }
}

static int run_worker(const char *db)
{
    const cairn_workflow *wfs[] = {&stamp_workflow};
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    if (engine_open(&e, db, wfs, 1, &err) != CAIRN_OK) {
        fprintf(stderr, "bench_wake worker: %s\n", err.message);
        return 1;
    }
    wake_fd = engine_wake_fd(e);
    const worker_policy p = {.who = "bench_wake worker",
                             .exec_who = "bench_wake worker",
                             .stop = &stop,
                             .retry_ms = 200,
                             .idle_ms = -1,
                             .batch = 16,
                             .batch_window_us = 500};
    int rc = worker_run(e, &p);
    engine_close(e);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_wake DIR [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 200;
    if (n < 1)
        n = 1;
    char db[4096];
    snprintf(db, sizeof db, "%s/wake.db", argv[1]);
    unlink(db);

    const cairn_workflow *wfs[] = {&stamp_workflow};
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    if (engine_open(&e, db, wfs, 1, &err) != CAIRN_OK) { /* the store exists before the worker */
        fprintf(stderr, "bench_wake: %s\n", err.message);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    pid_t child = fork();
    if (child == 0)
        _exit(run_worker(db));
    usleep(200000); /* its start-up */

    double *lat = calloc((size_t)n, sizeof *lat);
    for (int i = 0; i < n; i++) {
        usleep(5000); /* the worker is asleep again */
        char *id = NULL;
        if (engine_start(e, "stamp", "{}", NULL, &id, NULL, &err) != CAIRN_OK) {
            fprintf(stderr, "bench_wake: %s\n", err.message);
            return 1;
        }
        double committed = now_us();
        double ran = -1;
        for (int tries = 0; tries < 5000 && ran < 0; tries++) {
            usleep(tries < 10 ? 2000 : 1000);
            int rc = 0;
            cJSON *st = engine_status_json(e, id, &rc, &err);
            const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(st, "status"));
            if (status && !strcmp(status, "SUCCEEDED"))
                ran = cJSON_GetNumberValue(cJSON_GetObjectItem(st, "result"));
            cJSON_Delete(st);
            err_cleanup(&err);
        }
        if (ran < 0) {
            fprintf(stderr, "bench_wake: execution %s did not run within 5 s\n", id);
            kill(child, SIGKILL);
            return 1;
        }
        lat[i] = (ran - committed) / 1e3;
        free(id);
    }
    kill(child, SIGTERM);
    int status = 0;
    waitpid(child, &status, 0);
    engine_close(e);
    double p50 = bench_percentile(lat, (size_t)n, 50), p90 = bench_percentile(lat, (size_t)n, 90);
    printf("  start committed -> its step running in an idle worker (%s), %d starts:\n"
           "    median %.3f ms   p90 %.3f ms   max %.3f ms\n",
           getenv("CAIRN_WAIT") ? "CAIRN_WAIT=poll: polling every 2 ms" : "asleep on inotify", n,
           p50, p90, lat[n - 1]);
    free(lat);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
