/*
 * test_rt_events.c — the event history (store_events.c, journal_events.c,
 * engine_events_json): every attempt of a retried step is an event with its
 * error and next attempt's time; waits, callbacks and heartbeats; the stderr
 * line of a failed attempt, printed once; a crash leaves no event for what
 * did not commit; a version-1 store is upgraded in place.
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
#include <sqlite3.h>

#include "engine.h"
#include "rfc3339.h"
#include "store.h"

#include "fixtures/cbj.c"
#include "fixtures/cbt.c"
#include "fixtures/wfc.c"
#include "fixtures/wfcc.c"
#include "fixtures/callbacks_hooks.c"
#include "fixtures/flaky.c"
#include "fixtures/hooks.c"
#include "fixtures/nd.c"
#include "fixtures/once.c"
#include "fixtures/waits.c"

static const cairn_workflow *const all_workflows[] = {
    &flaky_workflow, &waits_workflow, &once_workflow, &cbj_workflow, &cbt_workflow,
};
#define NWORKFLOWS (sizeof all_workflows / sizeof all_workflows[0])

#include "engine_fixture.h"

static int setup(void **state)
{
    *state = fixture_open("/tmp/cairn-test-events", all_workflows, NWORKFLOWS);
    memset(flaky_plan, 0, sizeof flaky_plan);
    flaky_calls = 0;
    once_crash = 0;
    once_calls = 0;
    return 0;
}

static cJSON *events(fixture *f, const char *id)
{
    int rc;
    cJSON *a = engine_events_json(f->e, id, &rc, &f->err);
    if (!a)
        fail_msg("engine_events_json: %s", f->err.message);
    return a;
}

/* The details object of event ev. */
static const cJSON *details(const cJSON *ev)
{
    char key[80];
    snprintf(key, sizeof key, "%sDetails", str(ev, "EventType"));
    const cJSON *d = get(ev, key);
    assert_true(cJSON_IsObject(d));
    return d;
}

/* "ExecutionStarted StepStarted ..." of the events (of operation op_id, or all). */
static void types_of(const cJSON *evs, const char *op_id, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    const cJSON *ev;
    cJSON_ArrayForEach(ev, evs)
    {
        if (op_id && strcmp(str(ev, "Id"), op_id))
            continue;
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", str(ev, "EventType"));
    }
}

/* Runs fn(f, id) with stderr going to a file; returns what it printed (caller frees). */
static char *captured(fixture *f, const char *id, void (*fn)(fixture *, const char *))
{
    char path[] = "/tmp/cairn-test-events-err-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn(f, id);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    unlink(path);
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- retries ------------------------------------------------------------ */

static void test_each_attempt_is_an_event(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = "Flaky.Busy";
    flaky_plan[1] = "Flaky.Busy";
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "flaky", "{}");
    drive(f, id);
    assert_int_equal(flaky_calls, 3);
    assert_status(f, id, "SUCCEEDED");

    cJSON *evs = events(f, id);
    char types[512];
    types_of(evs, "1", types, sizeof types);
    assert_string_equal(types, "StepStarted StepFailed StepStarted StepFailed StepStarted "
                               "StepSucceeded");
    types_of(evs, "0", types, sizeof types);
    assert_string_equal(types, "ExecutionStarted ExecutionSucceeded");

    /* In order, numbered from 1; every attempt's number, error and next attempt's time. */
    int i = 0, attempt = 0, failed = 0;
    int64_t due = -1;
    const int64_t delays[] = {2000, 3000}; /* initial 2s, rate 2, max 3s */
    const cJSON *ev;
    cJSON_ArrayForEach(ev, evs)
    {
        assert_int_equal(get(ev, "EventId")->valueint, ++i);
        const char *type = str(ev, "EventType");
        int64_t at = time_of(ev, "EventTimestamp");
        if (!strcmp(type, "StepStarted")) {
            assert_string_equal(str(ev, "Name"), "try");
            assert_string_equal(str(ev, "SubType"), "Step");
            assert_int_equal(get(details(ev), "Attempt")->valueint, ++attempt);
            if (due >= 0)
                assert_true(at >= due); /* not before its time */
        } else if (!strcmp(type, "StepFailed")) {
            const cJSON *d = details(ev), *retry = get(d, "RetryDetails");
            assert_int_equal(get(retry, "CurrentAttempt")->valueint, attempt);
            assert_string_equal(str(get(get(d, "Error"), "Payload"), "ErrorType"), "Flaky.Busy");
            due = time_of(retry, "NextAttemptTimestamp");
            /* at: when the execution suspended, a moment after the delay was set */
            assert_true(due - at <= delays[failed] && due - at > delays[failed] - 50);
            assert_int_equal(get(retry, "NextAttemptDelaySeconds")->valueint,
                             delays[failed] / 1000);
            failed++;
        } else if (!strcmp(type, "StepSucceeded")) {
            const cJSON *d = details(ev);
            assert_int_equal(get(get(d, "RetryDetails"), "CurrentAttempt")->valueint, 3);
            assert_non_null(str(get(d, "Result"), "Payload"));
        }
    }
    assert_int_equal(failed, 2);
    cJSON_Delete(evs);
    free(id);
}

static void invoke_quietly(fixture *f, const char *id)
{
    invoke(f, id);
}

static void drive_quietly(fixture *f, const char *id)
{
    drive(f, id);
}

static void test_failed_attempt_prints_one_line_once(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = "Flaky.Busy";
    flaky_plan[1] = "Flaky.Busy";
    char *id = start(f, "flaky", "{}");
    char *out = captured(f, id, invoke_quietly);
    char want[256];
    snprintf(want, sizeof want,
             "cairn: execution %s: step 'try' attempt 1 of 3 failed: Flaky.Busy: ", id);
    if (!strstr(out, want) || !strstr(out, "; next in 2s\n"))
        fail_msg("stderr: %s", out);
    assert_int_equal(count(out, "\n"), 1);
    free(out);

    out = captured(f, id, invoke_quietly); /* not due: a replay prints nothing */
    assert_string_equal(out, "");
    free(out);

    engine_set_skip_time(f->e, 1);
    out = captured(f, id, drive_quietly); /* attempt 2 fails (printed), attempt 3 succeeds */
    assert_int_equal(count(out, "failed"), 1);
    assert_non_null(strstr(out, "attempt 2 of 3 failed: Flaky.Busy"));
    assert_non_null(strstr(out, "; next in 3s\n"));
    free(out);
    assert_status(f, id, "SUCCEEDED");
    free(id);
}

static void test_last_attempt_says_no_more(void **state)
{
    fixture *f = *state;
    flaky_plan[0] = flaky_plan[1] = flaky_plan[2] = "Flaky.Busy";
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "flaky", "{}");
    char *out = captured(f, id, drive_quietly);
    assert_int_equal(count(out, "failed"), 3);
    assert_non_null(
        strstr(out, "attempt 3 of 3 failed: Flaky.Busy: attempt 3; no more attempts\n"));
    free(out);
    assert_status(f, id, "FAILED");
    cJSON *evs = events(f, id);
    char types[512];
    types_of(evs, "1", types, sizeof types);
    assert_string_equal(types, "StepStarted StepFailed StepStarted StepFailed StepStarted "
                               "StepFailed");
    const cJSON *last = cJSON_GetArrayItem(evs, cJSON_GetArraySize(evs) - 1);
    assert_string_equal(str(last, "EventType"), "ExecutionFailed");
    /* The catch took it to `recover`, which fails the execution. */
    assert_string_equal(str(get(get(details(last), "Error"), "Payload"), "ErrorType"), "Recovered");
    cJSON_Delete(evs);
    free(id);
}

/* ---- waits and crashes -------------------------------------------------- */

static void test_wait_events(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "waits", "{}");
    drive(f, id);
    cJSON *evs = events(f, id);
    int started = 0, succeeded = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, evs)
    {
        if (!strcmp(str(ev, "EventType"), "WaitStarted")) {
            started++;
            const cJSON *d = details(ev);
            assert_true(cJSON_IsNumber(get(d, "Duration")));
            assert_non_null(str(d, "ScheduledEndTimestamp"));
        } else if (!strcmp(str(ev, "EventType"), "WaitSucceeded")) {
            succeeded++;
        }
    }
    assert_true(started > 0);
    assert_int_equal(started, succeeded);
    cJSON_Delete(evs);
    free(id);
}

static void test_callback_events(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "cbt", "{}"); /* a 30m callback that times out, caught */
    drive(f, id);
    cJSON *evs = events(f, id);
    char types[512];
    types_of(evs, NULL, types, sizeof types);
    assert_string_equal(types,
                        "ExecutionStarted CallbackStarted CallbackTimedOut ExecutionSucceeded");
    const cJSON *started = details(cJSON_GetArrayItem(evs, 1));
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(started, "CallbackId"), str(op, "callback_id"));
    cJSON_Delete(op);
    assert_int_equal(get(started, "Timeout")->valueint, 30 * 60);
    const cJSON *timed_out = details(cJSON_GetArrayItem(evs, 2));
    assert_string_equal(str(get(get(timed_out, "Error"), "Payload"), "ErrorType"),
                        "Callback.Timeout");
    cJSON_Delete(evs);
    free(id);

    /* A heartbeat, then an answer: the answer is an event, the heartbeat is
     * not (AWS's history has no heartbeat event). */
    id = start(f, "cbj", "{}");
    invoke(f, id);
    op = operation(f, id, "1");
    char *cb = strdup(str(op, "callback_id"));
    cJSON_Delete(op);
    assert_int_equal(engine_callback_heartbeat(f->e, cb, &f->err), CAIRN_OK);
    assert_int_equal(engine_callback_succeed(f->e, cb, "{\"ok\":1}", 8, &f->err), CAIRN_OK);
    /* Refused answers leave no event. */
    assert_int_equal(engine_callback_heartbeat(f->e, cb, &f->err), CAIRN_ERR_CONFLICT);
    err_cleanup(&f->err);
    evs = events(f, id);
    types_of(evs, "1", types, sizeof types);
    assert_string_equal(types, "CallbackStarted CallbackSucceeded");
    const cJSON *ok = cJSON_GetArrayItem(evs, cJSON_GetArraySize(evs) - 1);
    /* The payload is the text that was sent, as AWS shows it. */
    assert_string_equal(str(get(details(ok), "Result"), "Payload"), "{\"ok\":1}");
    assert_int_equal(get(details(cJSON_GetArrayItem(evs, 1)), "HeartbeatTimeout")->valueint,
                     10 * 60);
    cJSON_Delete(evs);
    free(cb);
    free(id);
}

/*
 * An at_most_once attempt whose process dies in the body: its StepStarted
 * committed before the body ran, and nothing after it exists; the next
 * invocation journals the interruption as StepFailed of that attempt.
 */
/* A stop ends the history with ExecutionStopped and the stop's error, as AWS's does. */
static void test_stop_event(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id); /* waits for its callback */
    assert_int_equal(engine_stop(f->e, id, "Ops.Cancelled", "no longer needed", NULL, &f->err),
                     CAIRN_OK);
    cJSON *evs = events(f, id);
    char types[512];
    types_of(evs, NULL, types, sizeof types);
    assert_string_equal(
        types, "ExecutionStarted CallbackStarted StepStarted StepSucceeded ExecutionStopped");
    const cJSON *pl = get(get(details(cJSON_GetArrayItem(evs, 4)), "Error"), "Payload");
    assert_string_equal(str(pl, "ErrorType"), "Ops.Cancelled");
    assert_string_equal(str(pl, "ErrorMessage"), "no longer needed");
    cJSON_Delete(evs);
    free(id);
}

static void test_crash_leaves_no_event_it_did_not_commit(void **state)
{
    fixture *f = *state;
    char *id = start(f, "once", "{}");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        once_crash = 1;
        engine_invoke(f->e, id, &f->err);
        _exit(4); /* the hook should have ended the process */
    }
    int wstatus;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);

    cJSON *evs = events(f, id);
    char types[512];
    types_of(evs, NULL, types, sizeof types);
    assert_string_equal(types, "ExecutionStarted StepStarted");
    cJSON_Delete(evs);

    engine_set_skip_time(f->e, 1);
    drive(f, id);
    evs = events(f, id);
    types_of(evs, "1", types, sizeof types);
    assert_string_equal(types, "StepStarted StepFailed StepStarted StepSucceeded");
    const cJSON *failed = cJSON_GetArrayItem(evs, 2);
    assert_string_equal(str(get(get(details(failed), "Error"), "Payload"), "ErrorType"),
                        "Step.Interrupted");
    cJSON_Delete(evs);
    free(id);
}

static void test_unknown_execution_has_no_events(void **state)
{
    fixture *f = *state;
    int rc;
    assert_null(engine_events_json(f->e, "no-such-execution", &rc, &f->err));
    assert_int_equal(rc, CAIRN_ERR_NOT_FOUND);
}

/* ---- the upgrade from schema version 1 ---------------------------------- */

static int raw_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void test_version_1_store_is_upgraded_in_place(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *old = start(f, "flaky", "{}");
    drive(f, old);
    engine_close(f->e);
    f->e = NULL;
    /* What cairn 0.1 wrote: the same tables without events and result_mode, schema version 1. */
    fixture_sql(f->path,
                "DROP TABLE events; ALTER TABLE operations DROP COLUMN result_mode; UPDATE meta "
                "SET value = '1' WHERE key = 'schema_version'; "
                "PRAGMA wal_checkpoint(TRUNCATE);");
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"),
                     0);

    assert_int_equal(engine_open(&f->e, f->path, all_workflows, NWORKFLOWS, &f->err), CAIRN_OK);
    assert_int_equal(raw_int(f->path, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    /* The old execution keeps its journal; its past has no events. */
    assert_status(f, old, "SUCCEEDED");
    cJSON *h = history(f, old);
    assert_int_equal(cJSON_GetArraySize(get(h, "operations")), 2);
    cJSON_Delete(h);
    cJSON *evs = events(f, old);
    assert_int_equal(cJSON_GetArraySize(evs), 0);
    cJSON_Delete(evs);
    /* New executions have them. */
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "flaky", "{}");
    drive(f, id);
    evs = events(f, id);
    char types[256];
    types_of(evs, NULL, types, sizeof types);
    assert_string_equal(types, "ExecutionStarted StepStarted StepSucceeded ExecutionSucceeded");
    cJSON_Delete(evs);
    /* Opening it again changes nothing more: three rows (the step's start and
     * success are one), four events. */
    engine_close(f->e);
    assert_int_equal(engine_open(&f->e, f->path, all_workflows, NWORKFLOWS, &f->err), CAIRN_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM events"), 3);
    free(id);
    free(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_attempt_is_an_event, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_failed_attempt_prints_one_line_once, setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_last_attempt_says_no_more, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wait_events, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_callback_events, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_stop_event, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_crash_leaves_no_event_it_did_not_commit, setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_execution_has_no_events, setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_version_1_store_is_upgraded_in_place, setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
