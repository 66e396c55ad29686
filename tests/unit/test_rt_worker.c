/*
 * test_rt_worker.c — worker_run() (worker.c), the loop of `HOST worker` and
 * of serve's worker thread, under its policies: the stop flag is looked at
 * between invocations (never in the middle of one); until_idle returns once
 * nothing is due; skip_time jumps the clock to the next wake-up and reports
 * each jump; an execution of a definition this host lacks is reported once
 * and skipped, the others still run.
 *
 * The workflow `tick` is written by hand in the shape `cairn gen` gives:
 * a C step, a one-hour wait, then success with the step's result.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cairn/workflow.h>

#include "engine.h"
#include "error.h"
#include "worker.h"

#include "engine_fixture.h"

enum { HOUR_MS = 3600000 };

static int ticks;               /* runs of the step's body */
static atomic_int stop;         /* the policies' stop flag */
static int stop_after_tick;     /* the body sets stop itself */
static int advances;            /* calls of on_advance */
static int64_t last_advance_ms; /* its last time */

static int tick_body(cairn_call *call, const cJSON *args)
{
    (void)args;
    ticks++;
    if (stop_after_tick)
        atomic_store(&stop, 1);
    return cairn_call_return(call, cJSON_CreateNumber(ticks));
}

static const cairn_op tick_op = {.name = "tick",
                                 .line = 1,
                                 .run = CAIRN_RUN_C,
                                 .c_fn = tick_body,
                                 .c_name = "tick_body",
                                 .as = "ticked"};
static const cairn_op rest_op = {.name = "rest", .line = 2};

static void tick_run(cairn_exec *x)
{
    if (cairn_step(x, &tick_op, NULL) != CAIRN_NEXT)
        return;
    if (cairn_wait_for(x, &rest_op, HOUR_MS) != CAIRN_NEXT)
        return;
    cairn_succeed(x, cairn_x_var(x, "ticked"));
}

static const cairn_workflow tick_workflow = {
    .abi = CAIRN_ABI,
    .name = "tick",
    .version = 1,
    .sha256 = "7469636b20696e20746573745f72745f776f726b65722e630000000000000000",
    .source = "test_rt_worker.c",
    .run = tick_run,
};

static const cairn_workflow *const workflows[] = {&tick_workflow};

static void on_advance(void *ctx, int64_t now_ms)
{
    (void)ctx;
    advances++;
    last_advance_ms = now_ms;
}

/* The policy of `HOST worker --until-idle`, with the stop flag above. */
static worker_policy policy(void)
{
    worker_policy p = {
        .who = "host worker",
        .exec_who = "host worker",
        .stop = &stop,
        .until_idle = 1,
        .max_store_errors = 10,
        .retry_ms = 10,
        .idle_ms = 200,
        .on_advance = on_advance,
    };
    return p;
}

static int setup(void **state)
{
    ticks = 0;
    atomic_store(&stop, 0);
    stop_after_tick = 0;
    advances = 0;
    last_advance_ms = -1;
    *state = fixture_open("/tmp/cairn-test-worker", workflows, 1);
    return 0;
}

static void test_a_stop_before_the_loop_runs_nothing(void **state)
{
    fixture *f = *state;
    char *id = start(f, "tick", "{}");
    cJSON *before = history(f, id);
    atomic_store(&stop, 1);
    worker_policy p = policy();
    p.until_idle = 0;
    assert_int_equal(worker_run(f->e, &p), 0);
    assert_int_equal(ticks, 0);
    cJSON *after = history(f, id);
    assert_true(cJSON_Compare(before, after, 1));
    cJSON_Delete(before);
    cJSON_Delete(after);
    free(id);
}

static void test_until_idle_runs_what_is_due_and_returns_at_a_wait(void **state)
{
    fixture *f = *state;
    char *a = start(f, "tick", "{}");
    char *b = start(f, "tick", "{}");
    worker_policy p = policy();
    assert_int_equal(worker_run(f->e, &p), 0);
    assert_int_equal(ticks, 2);
    assert_status(f, a, "PENDING");
    assert_status(f, b, "PENDING");
    assert_int_equal(advances, 0);
    free(a);
    free(b);
}

static void test_skip_time_jumps_to_the_wake_up_and_says_so(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    int64_t t0 = engine_now(f->e);
    char *id = start(f, "tick", "{}");
    worker_policy p = policy();
    p.skip_time = 1;
    assert_int_equal(worker_run(f->e, &p), 0);
    assert_status(f, id, "SUCCEEDED");
    assert_int_equal(ticks, 1);
    assert_int_equal(advances, 1);
    assert_true(last_advance_ms >= t0 + HOUR_MS);
    assert_true(engine_now(f->e) >= last_advance_ms);
    free(id);
}

/* Without until_idle the loop ends only on the stop flag, set here by the
 * first body: that invocation finishes, the second execution is not begun. */
static void test_a_stop_ends_the_loop_after_the_invocation_in_flight(void **state)
{
    fixture *f = *state;
    char *a = start(f, "tick", "{}");
    char *b = start(f, "tick", "{}");
    stop_after_tick = 1;
    worker_policy p = policy();
    p.until_idle = 0;
    p.idle_ms = 60000; /* a missed stop would hang the test */
    assert_int_equal(worker_run(f->e, &p), 0);
    assert_int_equal(ticks, 1);
    cJSON *sa = status(f, a), *sb = status(f, b);
    /* exactly one of them ran its step and waits now */
    assert_int_equal(!strcmp(str(sa, "status"), "PENDING") + !strcmp(str(sb, "status"), "PENDING"),
                     1);
    cJSON_Delete(sa);
    cJSON_Delete(sb);
    free(a);
    free(b);
}

/* Runs worker_run(e, p) with stderr in a file; returns what it wrote (caller frees). */
static char *run_capturing_stderr(engine *e, const worker_policy *p, int *rc)
{
    char path[] = "/tmp/cairn-test-worker-err-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fd, 2) >= 0);
    *rc = worker_run(e, p);
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(pread(fd, text, (size_t)n, 0), n);
    close(fd);
    unlink(path);
    return text;
}

static int count(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *s = haystack; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

static void test_a_missing_definition_is_reported_once_and_skipped(void **state)
{
    fixture *f = *state;
    char *pinned = start(f, "tick", "{}");
    cJSON *before = history(f, pinned);

    /* A host built from another definition of `tick`. */
    cairn_workflow other = tick_workflow;
    other.sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const cairn_workflow *const wfs[] = {&other};
    engine *e2;
    assert_int_equal(engine_open(&e2, f->path, wfs, 1, &f->err), CAIRN_OK);
    char *mine = NULL;
    int created = 0;
    assert_int_equal(engine_start(e2, "tick", "{}", NULL, &mine, &created, &f->err), CAIRN_OK);

    worker_policy p = policy();
    int rc = -1;
    char *text = run_capturing_stderr(e2, &p, &rc);
    engine_close(e2);
    assert_int_equal(rc, 0);
    assert_int_equal(ticks, 1); /* its own execution ran */
    /* One line counts those waiting for another definition, naming the first once. */
    assert_int_equal(count(text, "\n"), 1);
    char expect[160];
    snprintf(expect, sizeof expect,
             "host worker: 1 execution waits for a definition this host does not hold "
             "(first: %s)",
             pinned);
    assert_ptr_equal(strstr(text, expect), text);
    assert_int_equal(count(text, pinned), 1);
    free(text);

    cJSON *after = history(f, pinned); /* untouched */
    assert_true(cJSON_Compare(before, after, 1));
    cJSON_Delete(before);
    cJSON_Delete(after);
    assert_status(f, mine, "PENDING");
    free(pinned);
    free(mine);
}

/* The table the look-up reads is gone while this is in effect. */
#define HIDE "ALTER TABLE executions RENAME TO executions_hidden"
#define SHOW "ALTER TABLE executions_hidden RENAME TO executions"

static void *show_later(void *path)
{
    usleep(150 * 1000);
    fixture_sql(path, SHOW);
    return NULL;
}

/* A long-running worker outlives a store that fails its look-ups: it says so,
 * waits, and runs what is due once the store answers again. */
static void test_a_failed_look_up_is_retried_until_the_store_answers(void **state)
{
    fixture *f = *state;
    char *id = start(f, "tick", "{}");
    fixture_sql(f->path, HIDE);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, show_later, f->path), 0);
    stop_after_tick = 1;
    worker_policy p = policy();
    p.until_idle = 0;
    p.max_store_errors = 0;
    p.idle_ms = 60000; /* a missed stop would hang the test */
    int rc = -1;
    char *text = run_capturing_stderr(f->e, &p, &rc);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(ticks, 1);
    assert_status(f, id, "PENDING"); /* ran its step, waits its hour */
    /* 150 ms of failures, retried every 10 ms: each said, none given up on. */
    assert_true(count(text, "(will retry)\n") >= 2);
    assert_int_equal(count(text, "\n"), count(text, "(will retry)\n"));
    assert_non_null(strstr(text, "host worker: "));
    assert_non_null(strstr(text, "no such table: executions"));
    free(text);
    free(id);
}

/* With max_store_errors (`worker --until-idle`), failed look-ups in a row end
 * the loop with 1, the last one saying so; nothing runs. */
static void test_failed_look_ups_in_a_row_end_the_loop(void **state)
{
    fixture *f = *state;
    char *id = start(f, "tick", "{}");
    fixture_sql(f->path, HIDE);
    worker_policy p = policy();
    p.max_store_errors = 3;
    int rc = -1;
    char *text = run_capturing_stderr(f->e, &p, &rc);
    fixture_sql(f->path, SHOW);
    assert_int_equal(rc, 1);
    assert_int_equal(ticks, 0);
    assert_int_equal(count(text, "(will retry)\n"), 2);
    assert_int_equal(count(text, "\n"), 3);
    const char *last = strstr(text, "(giving up)\n");
    assert_non_null(last);
    assert_string_equal(last, "(giving up)\n"); /* the last line */
    assert_status(f, id, "RUNNING");
    free(text);
    free(id);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_stop_before_the_loop_runs_nothing),
        T(test_until_idle_runs_what_is_due_and_returns_at_a_wait),
        T(test_skip_time_jumps_to_the_wake_up_and_says_so),
        T(test_a_stop_ends_the_loop_after_the_invocation_in_flight),
        T(test_a_missing_definition_is_reported_once_and_skipped),
        T(test_a_failed_look_up_is_retried_until_the_store_answers),
        T(test_failed_look_ups_in_a_row_end_the_loop),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
