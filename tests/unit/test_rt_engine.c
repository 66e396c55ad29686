/*
 * test_rt_engine.c — the replay engine (engine.h and the operation calls of
 * cairn.h), driven by hand-written state machines in the exact style of
 * `cairn gen` (tests/unit/fixtures/): runs, replay, retries, catches,
 * at_most_once, waits, timeouts, non-determinism, pinning, idempotent start,
 * input checks, the journal JSON and memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "rfc3339.h"
#include "ids.h"
#include "journal.h"
#include "store.h"

/* The state machines, compiled into this test (one source per cmocka test). */
#include "fixtures/basic.c"
#include "fixtures/basic_charge.c"
#include "fixtures/flaky.c"
#include "fixtures/hooks.c"
#include "fixtures/nd.c"
#include "fixtures/once.c"
#include "fixtures/rescue.c"
#include "fixtures/waits.c"

static const cairn_workflow *const all_workflows[] = {
    &basic_workflow,       &flaky_workflow, &waits_workflow,  &once_workflow,
    &once_strict_workflow, &nd_v1_workflow, &broken_workflow, &rescue_workflow,
};
#define NWORKFLOWS (sizeof all_workflows / sizeof all_workflows[0])

#include "engine_fixture.h"

static void reset_hooks(void)
{
    basic_charge_calls = 0;
    basic_charge_probe = NULL;
    memset(flaky_plan, 0, sizeof flaky_plan);
    flaky_calls = 0;
    waits_mark_calls = 0;
    once_crash = 0;
    once_during_body = NULL;
    once_calls = 0;
    once_last_attempt = 0;
    nd_calls = 0;
}

static int setup(void **state)
{
    *state = fixture_open("/tmp/cairn-test-engine", all_workflows, NWORKFLOWS);
    reset_hooks();
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static int count_operations(fixture *f, const char *id)
{
    cJSON *h = history(f, id);
    int n = cJSON_GetArraySize(get(h, "operations"));
    cJSON_Delete(h);
    return n;
}

static void assert_error(fixture *f, const char *id, const char *status_, const char *type,
                         const char *message)
{
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), status_);
    const cJSON *e = get(s, "error");
    assert_true(cJSON_IsObject(e));
    assert_string_equal(str(e, "type"), type);
    if (message)
        assert_string_equal(str(e, "message"), message);
    assert_true(cJSON_IsNull(get(s, "result")));
    assert_non_null(str(s, "ended_at"));
    cJSON_Delete(s);
}

/* ---- runs and replay ---------------------------------------------------- */

static void test_basic_runs_to_succeeded_with_its_output(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "basic", "{\"amount\":50}");
    drive(f, id);

    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    const cJSON *r = get(s, "result");
    assert_true(get(r, "total")->valuedouble > 54.999 && get(r, "total")->valuedouble < 55.001);
    assert_true(strncmp(str(r, "note"), "charged 55", 10) == 0);
    assert_non_null(strstr(str(r, "note"), " for 50"));
    assert_true(cJSON_IsNull(get(s, "error")));
    assert_int_equal(get(s, "version")->valueint, 2);
    cJSON_Delete(s);
    assert_int_equal(basic_charge_calls, 1);

    cJSON *h = history(f, id);
    const cJSON *ops = get(h, "operations");
    assert_int_equal(cJSON_GetArraySize(ops), 4);
    static const char *const want[][4] = {
        {"0", "EXECUTION", "basic", "SUCCEEDED"},
        {"1", "STEP", "reserve", "SUCCEEDED"},
        {"2", "STEP", "charge", "SUCCEEDED"},
        {"3", "WAIT", "cool-off", "SUCCEEDED"},
    };
    for (int i = 0; i < 4; i++) {
        const cJSON *op = cJSON_GetArrayItem(ops, i);
        assert_string_equal(str(op, "id"), want[i][0]);
        assert_string_equal(str(op, "type"), want[i][1]);
        assert_string_equal(str(op, "name"), want[i][2]);
        assert_string_equal(str(op, "status"), want[i][3]);
    }
    /* The Lua hook saw the execution id; the EXECUTION row mirrors the end. */
    char expect_res[64];
    snprintf(expect_res, sizeof expect_res, "r-%s", id);
    assert_string_equal(str(get(cJSON_GetArrayItem(ops, 1), "result"), "id"), expect_res);
    assert_int_equal(get(cJSON_GetArrayItem(ops, 1), "attempt")->valueint, 1);
    assert_true(cJSON_IsNumber(get(get(cJSON_GetArrayItem(ops, 0), "result"), "total")));
    const cJSON *wait = cJSON_GetArrayItem(ops, 3);
    assert_int_equal(time_of(wait, "timeout_at") - time_of(wait, "started_at"), 600000);
    cJSON_Delete(h);
    free(id);
}

/* What charge's body sees of the journal from another connection. */
static const char *probe_db, *probe_id;
static char probe_saw[16];

static void probe_reserve(void)
{
    engine *other = NULL;
    cairn_error err;
    err_init(&err);
    int rc = CAIRN_OK;
    snprintf(probe_saw, sizeof probe_saw, "nothing");
    if (engine_open(&other, probe_db, NULL, 0, &err) == CAIRN_OK) {
        cJSON *h = engine_history_json(other, probe_id, &rc, &err);
        const cJSON *op;
        cJSON_ArrayForEach(op, cJSON_GetObjectItem(h, "operations"))
        {
            if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(op, "id")), "1"))
                snprintf(probe_saw, sizeof probe_saw, "%s",
                         cJSON_GetStringValue(cJSON_GetObjectItem(op, "status")));
        }
        cJSON_Delete(h);
    }
    engine_close(other);
    err_cleanup(&err);
}

/* A STEP operation update for the SQLite journal (an insert). */
static journal_update step_start(const char *opid, int64_t seq)
{
    journal_update u = {.action = JOURNAL_START, .expect_status = STORE_NONE};
    u.op = (store_op){.seq = seq,
                      .id = opid,
                      .name = "reserve",
                      .type = STORE_OP_STEP,
                      .status = STORE_STARTED,
                      .attempt = 1,
                      .started_at = 1,
                      .ended_at = STORE_NO_TIME,
                      .next_attempt_at = STORE_NO_TIME,
                      .timeout_at = STORE_NO_TIME,
                      .heartbeat_at = STORE_NO_TIME};
    return u;
}

/* An invocation in flight when its execution is stopped elsewhere writes
 * nothing more: its next append (even one that ends nothing) is refused. */
static void test_an_append_after_a_stop_is_refused(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":50}");
    store *st = NULL;
    assert_int_equal(store_open(&st, f->path, &f->err), CAIRN_OK);
    store_exec row;
    assert_int_equal(store_exec_get(st, id, &row, &f->err), CAIRN_OK);
    journal_sqlite js;
    journal_sqlite_init(&js, st, &row, "in-flight", 60000, INT64_MAX / 2); /* no renewal */
    const store_exec *ex;
    const store_op *ops;
    size_t n;
    assert_int_equal(journal_load(&js.j, &ex, &ops, &n, &f->err), CAIRN_OK);
    journal_update u = step_start("1", 1);
    assert_int_equal(journal_append(&js.j, &u, 1, NULL, &f->err), CAIRN_OK);
    assert_int_equal(engine_stop(f->e, id, NULL, NULL, NULL, &f->err), CAIRN_OK);
    u = step_start("2", 2);
    assert_int_equal(journal_append(&js.j, &u, 1, NULL, &f->err), CAIRN_ERR_CONFLICT);
    assert_string_equal(f->err.type, "Execution.Conflict");
    err_cleanup(&f->err);
    journal_end end = {.status = STORE_SUCCEEDED, .result = "1", .at = 2};
    assert_int_equal(journal_append(&js.j, NULL, 0, &end, &f->err), CAIRN_ERR_CONFLICT);
    err_cleanup(&f->err);
    journal_sqlite_cleanup(&js);
    store_exec_cleanup(&row);
    store_close(st);
    assert_status(f, id, "STOPPED");
    assert_int_equal(count_operations(f, id), 2); /* the EXECUTION and step 1: no step 2 */
    free(id);
}

/* Results are committed lazily, but never after a later body has run: when
 * charge runs, reserve's result is already durable (seen by another connection). */
static void test_a_body_runs_only_once_what_precedes_it_is_committed(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":50}");
    probe_db = f->path;
    probe_id = id;
    basic_charge_probe = probe_reserve;
    invoke(f, id);
    assert_int_equal(basic_charge_calls, 1);
    assert_string_equal(probe_saw, "SUCCEEDED");
    assert_status(f, id, "PENDING");
    free(id);
}

static void test_replay_returns_journaled_results_without_running_hooks(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":50}");
    invoke(f, id); /* reserve, charge, then the 10m wait suspends */
    assert_int_equal(basic_charge_calls, 1);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "PENDING");
    int64_t wake = time_of(s, "wake_at");
    cJSON *wait = operation(f, id, "3");
    assert_string_equal(str(wait, "status"), "STARTED");
    assert_int_equal(wake, time_of(wait, "timeout_at"));
    cJSON_Delete(wait);
    cJSON_Delete(s);

    invoke(f, id); /* not due yet: replays, suspends again */
    assert_int_equal(basic_charge_calls, 1);
    assert_status(f, id, "PENDING");
    assert_int_equal(count_operations(f, id), 4);

    engine_set_skip_time(f->e, 1);
    engine_advance_clock(f->e, wake);
    invoke(f, id);
    assert_status(f, id, "SUCCEEDED");
    assert_int_equal(basic_charge_calls, 1); /* replayed, never re-run */
    assert_int_equal(engine_invoke(f->e, id, &f->err), CAIRN_ERR_CONFLICT);
    err_cleanup(&f->err);
    free(id);
}

static void test_caught_error_sets_as_and_takes_the_goto(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":2000}");
    invoke(f, id);
    assert_error(f, id, "FAILED", "Rejected", "amount 2000 rejected");
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "FAILED");
    assert_string_equal(str(get(op, "error"), "type"), "Budget.Exceeded");
    assert_int_equal(get(op, "attempt")->valueint, 1); /* `on: [Budget.Busy]`: no retry */
    cJSON_Delete(op);
    assert_int_equal(basic_charge_calls, 0);
    free(id);
}

/* ---- retries ------------------------------------------------------------ */

static void test_retry_goes_pending_then_runs_when_due(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = "Flaky.Busy";
    flaky_plan[1] = "Flaky.Busy";
    char *id = start(f, "flaky", "{}");
    invoke(f, id);
    assert_int_equal(flaky_calls, 1);
    cJSON *s = status(f, id);
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(s, "status"), "PENDING");
    assert_string_equal(str(op, "status"), "PENDING");
    assert_int_equal(get(op, "attempt")->valueint, 1);
    assert_string_equal(str(get(op, "error"), "type"), "Flaky.Busy");
    assert_int_equal(time_of(s, "wake_at"), time_of(op, "next_attempt_at"));
    assert_true(time_of(op, "next_attempt_at") - time_of(op, "started_at") >= 2000);
    cJSON_Delete(op);
    cJSON_Delete(s);

    invoke(f, id); /* not due: nothing runs */
    assert_int_equal(flaky_calls, 1);

    engine_set_skip_time(f->e, 1);
    drive(f, id);
    assert_int_equal(flaky_calls, 3);
    s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_int_equal(get(get(s, "result"), "attempt")->valueint, 3); /* default output: last as */
    cJSON_Delete(s);
    op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "SUCCEEDED");
    assert_int_equal(get(op, "attempt")->valueint, 3);
    cJSON_Delete(op);
    free(id);
}

static void test_on_filter_fails_at_once_into_the_catch(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = "Flaky.Fatal"; /* caught by `Flaky`, not retried by `on` */
    char *id = start(f, "flaky", "{}");
    invoke(f, id);
    assert_int_equal(flaky_calls, 1);
    assert_error(f, id, "FAILED", "Recovered", "Flaky.Fatal: attempt 1");
    free(id);
}

static void test_exhausted_retries_then_catch_with_as(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = flaky_plan[1] = flaky_plan[2] = flaky_plan[3] = "Flaky.Busy";
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "flaky", "{}");
    drive(f, id);
    assert_int_equal(flaky_calls, 3); /* max_attempts: 3 */
    assert_error(f, id, "FAILED", "Recovered", "Flaky.Busy: attempt 3");
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "FAILED");
    assert_int_equal(get(op, "attempt")->valueint, 3);
    cJSON_Delete(op);
    free(id);
}

static void test_uncaught_error_fails_the_execution(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = "Other.Error";
    char *id = start(f, "flaky", "{}");
    invoke(f, id);
    assert_int_equal(flaky_calls, 1);
    assert_error(f, id, "FAILED", "Other.Error", "attempt 1");
    cJSON *op0 = operation(f, id, "0"); /* the EXECUTION operation mirrors the end */
    assert_string_equal(str(op0, "type"), "EXECUTION");
    assert_string_equal(str(op0, "status"), "FAILED");
    assert_string_equal(str(get(op0, "error"), "type"), "Other.Error");
    assert_true(cJSON_IsNull(get(op0, "result")));
    assert_non_null(str(op0, "ended_at"));
    cJSON_Delete(op0);
    free(id);
}

static void test_failed_step_replays_its_catch_from_the_journal(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = flaky_plan[1] = flaky_plan[2] = "Flaky.Busy";
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "rescue", "{}");
    int invocations = 0;
    for (;;) { /* drive by hand, counting invocations */
        cJSON *s = status(f, id);
        const char *st = str(s, "status");
        int over = strcmp(st, "PENDING") != 0 && strcmp(st, "RUNNING") != 0;
        int64_t wake = time_of(s, "wake_at");
        cJSON_Delete(s);
        if (over)
            break;
        engine_advance_clock(f->e, wake);
        invoke(f, id);
        invocations++;
    }
    /* 3 attempts (2 retry suspensions), then the catch and a 1m wait: 4 invocations,
     * the last one replaying the FAILED step to set `problem` again. */
    assert_int_equal(invocations, 4);
    assert_int_equal(flaky_calls, 3);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    const cJSON *caught = get(get(s, "result"), "caught");
    assert_string_equal(str(caught, "type"), "Flaky.Busy");
    assert_string_equal(str(caught, "message"), "attempt 3");
    assert_true(cJSON_IsNull(get(caught, "data")));
    cJSON_Delete(s);
    free(id);
}

static void test_oversized_result_fails_the_step_without_retry(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = "BIG";
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "rescue", "{}");
    drive(f, id);
    assert_int_equal(flaky_calls, 1); /* retry allows 3 attempts, but not for this */
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_string_equal(str(get(get(s, "result"), "caught"), "type"), "Payload.TooLarge");
    cJSON_Delete(s);
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "FAILED");
    assert_true(cJSON_IsNull(get(op, "result")));
    cJSON_Delete(op);
    free(id);
}

/* ---- at_most_once ------------------------------------------------------- */

/* Runs one invocation in a child process that dies inside the step's body,
 * holding the execution's lease (60 s): this process takes it over at once,
 * since the lease's owner is a dead process of this machine. */
static void crash_in_child(fixture *f, const cairn_workflow *wf, const char *id)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        engine *e;
        cairn_error err;
        err_init(&err);
        const cairn_workflow *const wfs[] = {wf};
        if (engine_open(&e, f->path, wfs, 1, &err) != CAIRN_OK)
            _exit(3);
        once_crash = 1;
        engine_invoke(e, id, &err);
        _exit(4); /* the hook should have ended the process */
    }
    int wstatus;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFSIGNALED(wstatus));
    assert_int_equal(WTERMSIG(wstatus), SIGKILL);
}

static void test_at_most_once_interrupted_attempt_never_runs_again(void **state)
{
    fixture *f = *state;
    char *id = start(f, "once", "{}");
    crash_in_child(f, &once_workflow, id);
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "STARTED"); /* committed before the body ran */
    assert_int_equal(get(op, "attempt")->valueint, 1);
    cJSON_Delete(op);

    invoke(f, id);
    assert_int_equal(once_calls, 0); /* attempt 1 is not run again */
    op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "PENDING");
    assert_string_equal(str(get(op, "error"), "type"), "Step.Interrupted");
    cJSON_Delete(op);

    engine_set_skip_time(f->e, 1);
    drive(f, id);
    assert_int_equal(once_calls, 1);
    assert_int_equal(once_last_attempt, 2);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_int_equal(get(get(s, "result"), "charged_on_attempt")->valueint, 2);
    cJSON_Delete(s);
    free(id);
}

static void test_at_most_once_without_retry_fails_interrupted(void **state)
{
    fixture *f = *state;
    char *id = start(f, "once_strict", "{}");
    crash_in_child(f, &once_strict_workflow, id);
    invoke(f, id);
    assert_int_equal(once_calls, 0);
    assert_error(f, id, "FAILED", "Step.Interrupted", NULL);
    free(id);
}

static void test_at_most_once_commits_started_then_succeeded(void **state)
{
    fixture *f = *state;
    char *id = start(f, "once", "{}");
    invoke(f, id);
    assert_int_equal(once_calls, 1);
    assert_int_equal(once_last_attempt, 1);
    assert_status(f, id, "SUCCEEDED");
    free(id);
}

/* A second invocation of the same execution, on its own connection, run
 * while the first one is inside the step's body. lease_ms: the lease of both
 * (0: the default). */
static const char *race_path, *race_id;
static int race_rc = -1;
static const char *race_err_type;

static void invoke_concurrently(void)
{
    once_during_body = NULL;
    usleep(2000); /* past a 1 ms lease, when the test set one */
    engine *e2;
    cairn_error err;
    err_init(&err);
    const cairn_workflow *const wfs[] = {&once_workflow};
    assert_int_equal(engine_open(&e2, race_path, wfs, 1, &err), CAIRN_OK);
    race_rc = engine_invoke(e2, race_id, &err);
    race_err_type = err.type && strcmp(err.type, "Execution.Busy") == 0 ? "Execution.Busy" : NULL;
    err_cleanup(&err);
    engine_close(e2);
}

static void test_concurrent_invocation_is_refused_by_the_lease(void **state)
{
    fixture *f = *state;
    char *id = start(f, "once", "{}");
    race_path = f->path;
    race_id = id;
    once_during_body = invoke_concurrently;
    /* The second process finds the execution leased and leaves it alone. */
    assert_int_equal(engine_invoke(f->e, id, &f->err), CAIRN_OK);
    assert_int_equal(race_rc, CAIRN_ERR_CONFLICT);
    assert_string_equal(race_err_type, "Execution.Busy");
    assert_int_equal(once_calls, 1);
    assert_int_equal(once_last_attempt, 1);
    assert_status(f, id, "SUCCEEDED");
    free(id);
}

/* When the lease has run out (a process stalled past it), the journal's
 * guarded writes still keep the two invocations from undoing each other. */
static void test_concurrent_invocation_is_caught_not_undone(void **state)
{
    fixture *f = *state;
    engine_close(f->e);
    setenv("CAIRN_LEASE_MS", "1", 1);
    assert_int_equal(engine_open(&f->e, f->path, all_workflows, NWORKFLOWS, &f->err), CAIRN_OK);
    unsetenv("CAIRN_LEASE_MS");
    usleep(2000);
    char *id = start(f, "once", "{}");
    race_path = f->path;
    race_id = id;
    once_during_body = invoke_concurrently;
    /* The second invocation finds attempt 1 STARTED: Step.Interrupted, retry
     * later. The first one's result then no longer matches the journal. */
    setenv("CAIRN_LEASE_MS", "1", 1);
    int rc = engine_invoke(f->e, id, &f->err);
    unsetenv("CAIRN_LEASE_MS");
    assert_int_equal(rc, CAIRN_ERR_CONFLICT);
    assert_non_null(strstr(f->err.message, "another"));
    err_cleanup(&f->err);
    assert_int_equal(race_rc, CAIRN_OK);
    assert_int_equal(once_calls, 1);
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "PENDING");
    assert_string_equal(str(get(op, "error"), "type"), "Step.Interrupted");
    cJSON_Delete(op);

    engine_set_skip_time(f->e, 1);
    drive(f, id);
    assert_int_equal(once_calls, 2); /* attempt 1 once, attempt 2 once */
    assert_int_equal(once_last_attempt, 2);
    assert_status(f, id, "SUCCEEDED");
    free(id);
}

/* ---- waits and timeouts ------------------------------------------------- */

static char *waits_input(fixture *f, int64_t at_offset_ms)
{
    char t[40], *input = malloc(80);
    assert_non_null(input);
    rfc3339_format(engine_now(f->e) + at_offset_ms, t, sizeof t);
    snprintf(input, 80, "{\"at\":\"%s\"}", t);
    return input;
}

static void test_waits_suspend_and_resume(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *input = waits_input(f, 20 * 60000);
    char *id = start(f, "waits", input);
    invoke(f, id);
    assert_int_equal(waits_mark_calls, 0);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "PENDING");
    int64_t wake = time_of(s, "wake_at");
    assert_int_equal(wake - time_of(s, "created_at") >= 600000, 1);
    cJSON_Delete(s);

    invoke(f, id); /* not due */
    assert_int_equal(waits_mark_calls, 0);
    assert_int_equal(count_operations(f, id), 2);

    engine_advance_clock(f->e, wake);
    invoke(f, id); /* pause is over: mark runs, then `until` suspends */
    assert_int_equal(waits_mark_calls, 1);
    s = status(f, id);
    assert_string_equal(str(s, "status"), "PENDING");
    int64_t at;
    cJSON *in = cJSON_Parse(input);
    assert_int_equal(rfc3339_parse(str(in, "at"), &at), 0);
    cJSON_Delete(in);
    assert_int_equal(time_of(s, "wake_at"), at);
    cJSON_Delete(s);

    engine_advance_clock(f->e, at);
    invoke(f, id);
    assert_int_equal(waits_mark_calls, 1);
    s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_true(cJSON_IsTrue(get(s, "result")));
    cJSON_Delete(s);
    cJSON *op = operation(f, id, "3");
    assert_string_equal(str(op, "type"), "WAIT");
    assert_string_equal(str(op, "status"), "SUCCEEDED");
    assert_int_equal(time_of(op, "timeout_at"), at);
    cJSON_Delete(op);
    free(input);
    free(id);
}

static void test_wait_until_in_the_past_completes_at_once(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *input = waits_input(f, -3600000);
    char *id = start(f, "waits", input);
    invoke(f, id);
    cJSON *s = status(f, id);
    engine_advance_clock(f->e, time_of(s, "wake_at"));
    cJSON_Delete(s);
    invoke(f, id); /* one invocation: mark, then the past `until` does not suspend */
    assert_status(f, id, "SUCCEEDED");
    free(input);
    free(id);
}

static void test_wait_until_needs_an_rfc3339_time(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "waits", "{\"at\":\"tomorrow\"}");
    drive(f, id);
    assert_error(f, id, "FAILED", "Wait.InvalidTime", NULL);
    cJSON *s = status(f, id);
    assert_non_null(strstr(str(get(s, "error"), "message"), "\"tomorrow\""));
    cJSON_Delete(s);
    free(id);
}

static void test_execution_timeout_ends_timed_out(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *input = waits_input(f, 2 * 3600000); /* past the 1h timeout */
    char *id = start(f, "waits", input);
    invoke(f, id);
    cJSON *s = status(f, id);
    engine_advance_clock(f->e, time_of(s, "wake_at"));
    cJSON_Delete(s);
    invoke(f, id);
    s = status(f, id); /* suspended on `until`, but wakes at the timeout */
    assert_string_equal(str(s, "status"), "PENDING");
    assert_int_equal(time_of(s, "wake_at"), time_of(s, "timeout_at"));
    cJSON_Delete(s);
    drive(f, id);
    assert_error(f, id, "TIMED_OUT", "Execution.Timeout", NULL);
    assert_int_equal(waits_mark_calls, 1);
    cJSON *op0 = operation(f, id, "0");
    assert_string_equal(str(op0, "status"), "TIMED_OUT");
    cJSON_Delete(op0);
    free(input);
    free(id);
}

/* ---- determinism and pinning -------------------------------------------- */

static void test_nondeterminism_is_detected(void **state)
{
    fixture *f = *state;
    char *id = start(f, "nd", "{}");
    invoke(f, id); /* one, then suspends on cool-off */
    assert_int_equal(nd_calls, 1);

    engine *e2;
    const cairn_workflow *const v2[] = {&nd_v2_workflow};
    assert_int_equal(engine_open(&e2, f->path, v2, 1, &f->err), CAIRN_OK);
    engine_set_skip_time(e2, 1);
    engine_advance_clock(e2, engine_now(e2) + 3600000);
    assert_int_equal(engine_invoke(e2, id, &f->err), CAIRN_OK);
    engine_close(e2);
    assert_int_equal(nd_calls, 1); /* charge never ran */
    assert_error(f, id, "FAILED", "Execution.NonDeterministic",
                 "Non-deterministic execution detected: operation 2 was wait 'cool-off' in the "
                 "journal, is step 'charge' now");
    free(id);
}

static void test_pinning_refuses_another_definition_and_changes_nothing(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":50}");
    invoke(f, id);
    cJSON *before = history(f, id);

    cairn_workflow other = basic_workflow;
    other.sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const cairn_workflow *const wfs[] = {&other};
    engine *e2;
    assert_int_equal(engine_open(&e2, f->path, wfs, 1, &f->err), CAIRN_OK);
    engine_set_skip_time(e2, 1);
    engine_advance_clock(e2, engine_now(e2) + 3600000);
    assert_int_equal(engine_invoke(e2, id, &f->err), CAIRN_ERR_DEFINITION);
    assert_non_null(strstr(f->err.message, basic_workflow.sha256));
    assert_non_null(strstr(f->err.message, other.sha256));
    err_cleanup(&f->err);
    assert_int_equal(engine_drive(e2, id, &f->err), CAIRN_ERR_DEFINITION);
    err_cleanup(&f->err);
    engine_close(e2);

    const cairn_workflow *const none[] = {&flaky_workflow};
    assert_int_equal(engine_open(&e2, f->path, none, 1, &f->err), CAIRN_OK);
    assert_int_equal(engine_invoke(e2, id, &f->err), CAIRN_ERR_DEFINITION);
    assert_non_null(strstr(f->err.message, "does not hold"));
    err_cleanup(&f->err);
    engine_close(e2);

    cJSON *after = history(f, id);
    assert_true(cJSON_Compare(before, after, 1));
    assert_int_equal(basic_charge_calls, 1);
    cJSON_Delete(before);
    cJSON_Delete(after);
    free(id);
}

static void test_state_machine_without_an_outcome_fails_loudly(void **state)
{
    fixture *f = *state;
    char *id = start(f, "broken", "{}");
    assert_int_equal(engine_invoke(f->e, id, &f->err), CAIRN_ERR_INTERNAL);
    assert_non_null(strstr(f->err.message, "without ending or suspending"));
    err_cleanup(&f->err);
    assert_error(f, id, "FAILED", "Cairn.Internal", NULL);
    free(id);
}

static void test_workflow_of_another_abi_is_refused(void **state)
{
    fixture *f = *state;
    cairn_workflow old = flaky_workflow;
    old.abi = CAIRN_ABI + 1;
    const cairn_workflow *const wfs[] = {&old};
    engine *e2 = NULL;
    assert_int_equal(engine_open(&e2, f->path, wfs, 1, &f->err), CAIRN_ERR_DEFINITION);
    assert_null(e2);
    assert_non_null(strstr(f->err.message, "regenerate"));
    err_cleanup(&f->err);
}

/* ---- start -------------------------------------------------------------- */

static void test_start_by_name_is_idempotent(void **state)
{
    fixture *f = *state;
    char *a = NULL, *b = NULL, *c = NULL;
    int created = -1;
    assert_int_equal(engine_start(f->e, "flaky", "{\"n\":1}", "order-7", &a, &created, &f->err),
                     CAIRN_OK);
    assert_int_equal(created, 1);
    assert_int_equal(engine_start(f->e, "flaky", "{\"n\":2}", "order-7", &b, &created, &f->err),
                     CAIRN_OK);
    assert_int_equal(created, 0);
    assert_string_equal(a, b);
    assert_int_equal(
        engine_start(f->e, "basic", "{\"amount\":1}", "order-7", &c, &created, &f->err),
        CAIRN_OK); /* the key is per workflow */
    assert_int_equal(created, 1);
    assert_string_not_equal(a, c);

    int rc;
    cJSON *list = engine_list_json(f->e, &rc, &f->err);
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_string_equal(str(cJSON_GetArrayItem(list, 0), "id"), c); /* newest first */
    cJSON_Delete(list);
    cJSON *s = status(f, a);
    assert_string_equal(str(s, "name"), "order-7");
    assert_int_equal(get(get(s, "input"), "n")->valueint, 1); /* the first input stays */
    assert_true(strlen(a) >= 22);                             /* >= 128 random bits */
    cJSON_Delete(s);
    free(a);
    free(b);
    free(c);
}

static void test_bad_input_is_refused_and_creates_nothing(void **state)
{
    fixture *f = *state;
    char *id = NULL;
    int created = -1;
    assert_int_equal(engine_start(f->e, "flaky", "{not json", NULL, &id, &created, &f->err),
                     CAIRN_ERR_INPUT);
    assert_null(id);
    assert_int_equal(created, 0);
    assert_non_null(strstr(f->err.message, "not valid JSON"));
    err_cleanup(&f->err);
    assert_int_equal(engine_start(f->e, "basic", "{\"amnt\":5}", "k", &id, &created, &f->err),
                     CAIRN_ERR_INPUT);
    assert_non_null(strstr(f->err.message, "amount"));
    err_cleanup(&f->err);
    assert_int_equal(engine_start(f->e, "nope", "{}", NULL, &id, &created, &f->err),
                     CAIRN_ERR_NOT_FOUND);
    err_cleanup(&f->err);

    int rc;
    cJSON *list = engine_list_json(f->e, &rc, &f->err);
    assert_int_equal(rc, CAIRN_OK);
    assert_int_equal(cJSON_GetArraySize(list), 0);
    cJSON_Delete(list);
}

/* ---- read side ---------------------------------------------------------- */

static void assert_keys(const cJSON *o, const char *const *keys)
{
    int n = 0;
    for (; keys[n]; n++)
        if (!cJSON_HasObjectItem(o, keys[n]))
            fail_msg("missing key %s", keys[n]);
    assert_int_equal(cJSON_GetArraySize(o), n);
}

static void assert_time_text(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return;
    assert_true(cJSON_IsString(v));
    const char *s = v->valuestring;
    assert_int_equal(strlen(s), 24);
    assert_true(s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[23] == 'Z');
    int64_t ms;
    assert_int_equal(rfc3339_parse(s, &ms), 0);
    char back[40];
    rfc3339_format(ms, back, sizeof back);
    assert_string_equal(back, s);
}

static void test_journal_json_has_the_documented_fields(void **state)
{
    static const char *const exec_keys[] = {
        "id",      "workflow",   "version",         "definition_sha256",
        "name",    "status",     "input",           "result",
        "error",   "created_at", "updated_at",      "ended_at",
        "wake_at", "timeout_at", "definition_held", NULL};
    static const char *const op_keys[] = {
        "id",          "parent_id",       "name",         "type",
        "sub_type",    "status",          "attempt",      "started_at",
        "ended_at",    "next_attempt_at", "result",       "error",
        "callback_id", "timeout_at",      "heartbeat_at", NULL};
    static const char *const times[] = {"created_at",      "updated_at",   "ended_at",
                                        "wake_at",         "timeout_at",   "started_at",
                                        "next_attempt_at", "heartbeat_at", NULL};
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "basic", "{\"amount\":50}");
    drive(f, id);
    cJSON *h = history(f, id);
    assert_int_equal(cJSON_GetArraySize(h), 2);
    const cJSON *ex = get(h, "execution");
    assert_keys(ex, exec_keys);
    assert_string_equal(str(ex, "id"), id);
    assert_string_equal(str(ex, "definition_sha256"), basic_workflow.sha256);
    assert_true(cJSON_IsTrue(get(ex, "definition_held"))); /* this engine holds basic */
    assert_true(cJSON_IsNull(get(ex, "name")));
    assert_true(cJSON_IsNull(get(ex, "wake_at")));
    assert_int_equal(get(get(ex, "input"), "amount")->valueint, 50);
    assert_int_equal(time_of(ex, "timeout_at") - time_of(ex, "created_at"), 3600000);
    for (int i = 0; times[i]; i++)
        if (cJSON_HasObjectItem(ex, times[i]))
            assert_time_text(get(ex, times[i]));
    const cJSON *op;
    cJSON_ArrayForEach(op, get(h, "operations"))
    {
        assert_keys(op, op_keys);
        for (int i = 0; times[i]; i++)
            if (cJSON_HasObjectItem(op, times[i]))
                assert_time_text(get(op, times[i]));
        if (strcmp(str(op, "type"), "STEP") == 0)
            assert_string_equal(str(op, "sub_type"), "Step");
        if (strcmp(str(op, "type"), "WAIT") == 0)
            assert_true(cJSON_IsNull(get(op, "attempt")));
    }
    cJSON *st = status(f, id);
    assert_true(cJSON_Compare(st, ex, 1));
    cJSON_Delete(st);
    cJSON_Delete(h);

    int rc;
    assert_null(engine_status_json(f->e, "no-such-id", &rc, &f->err));
    assert_int_equal(rc, CAIRN_ERR_NOT_FOUND);
    err_cleanup(&f->err);
    assert_null(engine_history_json(f->e, "no-such-id", &rc, &f->err));
    assert_int_equal(rc, CAIRN_ERR_NOT_FOUND);
    err_cleanup(&f->err);
    free(id);
}

static void test_next_due_follows_the_wake_times(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":50}");
    char *due = NULL;
    int64_t next;
    assert_int_equal(engine_next_due(f->e, NULL, &due, &next, &f->err), 1);
    assert_string_equal(due, id);
    free(due);
    const char *const skip[] = {id, NULL};
    assert_int_equal(engine_next_due(f->e, skip, &due, &next, &f->err), 0);
    assert_int_equal(next, -1);

    invoke(f, id); /* suspends for 10m */
    assert_int_equal(engine_next_due(f->e, NULL, &due, &next, &f->err), 0);
    cJSON *s = status(f, id);
    assert_int_equal(next, time_of(s, "wake_at"));
    cJSON_Delete(s);
    engine_set_skip_time(f->e, 1);
    engine_advance_clock(f->e, next);
    assert_int_equal(engine_next_due(f->e, NULL, &due, &next, &f->err), 1);
    free(due);
    free(id);
}

static void test_time_text(void **state)
{
    (void)state;
    char buf[40];
    rfc3339_format(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    int64_t ms;
    assert_int_equal(rfc3339_parse("2026-11-28T13:05:00.250Z", &ms), 0);
    rfc3339_format(ms, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-28T13:05:00.250Z");
    int64_t off;
    assert_int_equal(rfc3339_parse("2026-11-28T15:05:00.25+02:00", &off), 0);
    assert_int_equal(off, ms);
    assert_int_equal(rfc3339_parse("2024-02-29T00:00:00Z", &ms), 0);
    assert_int_equal(rfc3339_parse("2026-02-29T00:00:00Z", &ms), -1);
    assert_int_equal(rfc3339_parse("2026-11-28", &ms), -1);
    assert_int_equal(rfc3339_parse("2026-11-28T13:05:00", &ms), -1);
    assert_int_equal(rfc3339_parse("2026-13-28T13:05:00Z", &ms), -1);
    assert_int_equal(rfc3339_parse("2026-11-28T13:05:00Zjunk", &ms), -1);
}

static void test_execution_ids_are_random_and_url_safe(void **state)
{
    (void)state;
    enum { N = 256 };
    static char ids[N][IDS_EXEC_LEN + 1];
    for (int i = 0; i < N; i++) {
        assert_int_equal(ids_execution(ids[i], sizeof ids[i]), 0);
        assert_int_equal(strlen(ids[i]), 22); /* 128 bits in base64url */
        assert_int_equal(strspn(ids[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                         22);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
    }
    char small[8];
    assert_int_equal(ids_execution(small, sizeof small), -1); /* never truncates */
}

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    for (int rc = CAIRN_OK; rc <= CAIRN_ERR_INTERNAL; rc++) {
        assert_non_null(cairn_strerror(rc));
        assert_string_not_equal(cairn_strerror(rc), "unknown error code");
        for (int other = CAIRN_OK; other < rc; other++)
            assert_string_not_equal(cairn_strerror(rc), cairn_strerror(other));
    }
    assert_string_equal(cairn_strerror(999), "unknown error code");
}

/* ---- memory ------------------------------------------------------------- */

static long live_json;

static void *counting_malloc(size_t n)
{
    void *p = malloc(n);
    if (p)
        live_json++;
    return p;
}

static void counting_free(void *p)
{
    if (p)
        live_json--;
    free(p);
}

static void test_suspended_execution_holds_no_memory(void **state)
{
    fixture *f = *state;
    char *id = start(f, "basic", "{\"amount\":50}");
    cJSON_Hooks hooks = {counting_malloc, counting_free};
    cJSON_InitHooks(&hooks);
    live_json = 0;
    invoke(f, id); /* runs two steps, then suspends */
    long after_run = live_json;
    invoke(f, id); /* replays them, suspends again */
    long after_replay = live_json;
    cJSON_InitHooks(NULL);
    assert_status(f, id, "PENDING");
    assert_int_equal(after_run, 0);
    assert_int_equal(after_replay, 0);
    free(id);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(test_basic_runs_to_succeeded_with_its_output),
        T(test_a_body_runs_only_once_what_precedes_it_is_committed),
        T(test_replay_returns_journaled_results_without_running_hooks),
        T(test_caught_error_sets_as_and_takes_the_goto),
        T(test_retry_goes_pending_then_runs_when_due),
        T(test_on_filter_fails_at_once_into_the_catch),
        T(test_exhausted_retries_then_catch_with_as),
        T(test_uncaught_error_fails_the_execution),
        T(test_failed_step_replays_its_catch_from_the_journal),
        T(test_oversized_result_fails_the_step_without_retry),
        T(test_at_most_once_interrupted_attempt_never_runs_again),
        T(test_at_most_once_without_retry_fails_interrupted),
        T(test_at_most_once_commits_started_then_succeeded),
        T(test_concurrent_invocation_is_refused_by_the_lease),
        T(test_concurrent_invocation_is_caught_not_undone),
        T(test_waits_suspend_and_resume),
        T(test_wait_until_in_the_past_completes_at_once),
        T(test_wait_until_needs_an_rfc3339_time),
        T(test_execution_timeout_ends_timed_out),
        T(test_nondeterminism_is_detected),
        T(test_pinning_refuses_another_definition_and_changes_nothing),
        T(test_state_machine_without_an_outcome_fails_loudly),
        T(test_workflow_of_another_abi_is_refused),
        T(test_start_by_name_is_idempotent),
        T(test_bad_input_is_refused_and_creates_nothing),
        T(test_journal_json_has_the_documented_fields),
        T(test_next_due_follows_the_wake_times),
        cmocka_unit_test(test_time_text),
        cmocka_unit_test(test_execution_ids_are_random_and_url_safe),
        cmocka_unit_test(test_strerror_names_every_code),
        T(test_suspended_execution_holds_no_memory),
        T(test_an_append_after_a_stop_is_refused),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
