/*
 * test_rt_callback.c — callbacks in the replay engine: create and await
 * (json and text results, empty and invalid payloads, failures, timeouts and
 * heartbeats under skip-time), wait_for_callback with Lua and C submitters
 * (retries, Submitter.Failed, the journal shape, replay), the callback API
 * (refusals, a race of two connections, callbacks closed with their
 * execution), the lost wake-up, callback ids, engine_wait_change and the
 * `callback` command. Driven by hand-written state machines in the style of
 * `cairn gen` (tests/unit/fixtures/callbacks.c).
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

#include "cli.h"
#include "engine.h"
#include "ids.h"
#include "store.h"

/* The state machines and their hooks, compiled into this test. */
#include "fixtures/callbacks.c"
#include "fixtures/callbacks_hooks.c"

static const cairn_workflow *const all_workflows[] = {
    &cbj_workflow,
    &cbt_workflow,
    &wfc_workflow,
    &wfcc_workflow,
};
#define NWORKFLOWS (sizeof all_workflows / sizeof all_workflows[0])

#define MINUTE INT64_C(60000)

#include "engine_fixture.h"

static void reset_hooks(void)
{
    cb_deliver_db = NULL;
    cb_deliver_payload = NULL;
    cb_deliver_rc = -1;
    cb_stop_db = NULL;
    cb_stop_rc = -1;
    cb_notify_calls = 0;
    cb_notify_fail = 0;
    cb_submit_calls = 0;
    cb_submit_fail = 0;
    cb_submit_seen[0] = '\0';
    cb_submit_arg_id[0] = '\0';
}

static int setup(void **state)
{
    *state = fixture_open("/tmp/cairn-test-callback", all_workflows, NWORKFLOWS);
    reset_hooks();
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* The callback id of operation opid (a copy; caller frees). */
static char *callback_id(fixture *f, const char *id, const char *opid)
{
    cJSON *op = operation(f, id, opid);
    assert_string_equal(str(op, "type"), "CALLBACK");
    assert_non_null(str(op, "callback_id"));
    char *cb = strdup(str(op, "callback_id"));
    cJSON_Delete(op);
    return cb;
}

static void assert_op_status(fixture *f, const char *id, const char *opid, const char *expected)
{
    cJSON *op = operation(f, id, opid);
    assert_string_equal(str(op, "status"), expected);
    cJSON_Delete(op);
}

/* The execution's error (status must be FAILED); a copy, caller frees. */
static cJSON *failure(fixture *f, const char *id, const char *type, const char *message)
{
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "FAILED");
    const cJSON *e = get(s, "error");
    assert_string_equal(str(e, "type"), type);
    if (message)
        assert_string_equal(str(e, "message"), message);
    cJSON *copy = cJSON_Duplicate(e, 1);
    cJSON_Delete(s);
    return copy;
}

/* Succeeds callback cb with payload, expecting rc. */
static void answer(fixture *f, const char *cb, const char *payload, int expect)
{
    err_cleanup(&f->err);
    int rc = engine_callback_succeed(f->e, cb, payload, strlen(payload), &f->err);
    if (rc != expect)
        fail_msg("engine_callback_succeed: %s (%s), expected %s", cairn_strerror(rc),
                 f->err.message ? f->err.message : "", cairn_strerror(expect));
}

/* The last error's type and message contain what is expected. */
static void assert_refusal(fixture *f, const char *type, const char *says)
{
    assert_string_equal(f->err.type, type);
    if (!strstr(f->err.message, says))
        fail_msg("message '%s' does not say '%s'", f->err.message, says);
    err_cleanup(&f->err);
}

/* Is id due now (the first due execution)? */
static int is_due(fixture *f, const char *id)
{
    char *due = NULL;
    int64_t next;
    int found = engine_next_due(f->e, NULL, &due, &next, &f->err);
    assert_true(found >= 0);
    int yes = found == 1 && strcmp(due, id) == 0;
    free(due);
    return yes;
}

/* ---- create and await ----------------------------------------------------- */

static void test_callback_created_then_awaited_with_a_json_result(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    assert_status(f, id, "PENDING");

    cJSON *cb = operation(f, id, "1");
    assert_string_equal(str(cb, "name"), "approval");
    assert_string_equal(str(cb, "sub_type"), "Callback");
    assert_string_equal(str(cb, "status"), "STARTED");
    int64_t t0 = time_of(cb, "started_at");
    assert_int_equal(time_of(cb, "timeout_at") - t0, 60 * MINUTE);
    assert_int_equal(time_of(cb, "heartbeat_at") - t0, 10 * MINUTE);
    /* The step after it saw the id through ${approval.id}. */
    cJSON *notify = operation(f, id, "2");
    assert_string_equal(str(notify, "status"), "SUCCEEDED");
    cJSON *s = status(f, id);
    assert_int_equal(time_of(s, "wake_at"), time_of(cb, "heartbeat_at")); /* the earliest */
    cJSON_Delete(s);

    answer(f, str(cb, "callback_id"), "{\"ok\": true, \"n\": 7}", CAIRN_OK);
    assert_true(is_due(f, id));
    invoke(f, id);
    s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_true(cJSON_IsTrue(get(get(s, "result"), "ok")));
    assert_int_equal(get(get(s, "result"), "n")->valueint, 7);
    cJSON_Delete(s);
    /* The raw text is journaled as it was sent; replay did not notify again. */
    cJSON *after = operation(f, id, "1");
    assert_string_equal(str(after, "status"), "SUCCEEDED");
    assert_string_equal(str(after, "result"), "{\"ok\": true, \"n\": 7}");
    assert_int_equal(cb_notify_calls, 1);
    cJSON_Delete(after);
    cJSON_Delete(notify);
    cJSON_Delete(cb);
    free(id);
}

static void test_text_result_stays_a_string(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbt", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    answer(f, cb, "not json {", CAIRN_OK);
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_string_equal(str(s, "result"), "not json {");
    cJSON_Delete(s);
    free(cb);
    free(id);
}

static void test_empty_payload_is_null(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    answer(f, cb, "", CAIRN_OK);
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_true(cJSON_IsNull(get(s, "result")));
    cJSON_Delete(s);
    free(cb);
    free(id);
}

static void test_invalid_json_is_refused_at_the_door(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    answer(f, cb, "{\"approved\":tru", CAIRN_ERR_INPUT);
    assert_refusal(f, "Callback.InvalidResult", "at byte 13");
    assert_op_status(f, id, "1", "STARTED"); /* open, nothing journaled */
    answer(f, cb, "", CAIRN_OK);             /* empty is null: JSON */
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    cJSON_Delete(s);
    free(cb);
    free(id);
}

/* A callback journaled by schema 1 (no result_mode) takes anything, as then;
 * its await fails with Callback.InvalidResult. */
static void test_invalid_json_on_a_schema_1_callback_fails_the_await(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE operations SET result_mode = NULL", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    answer(f, cb, "{bad", CAIRN_OK);
    invoke(f, id);
    cJSON_Delete(failure(f, id, "Callback.InvalidResult", NULL));
    free(cb);
    free(id);
}

static void test_failure_keeps_the_senders_error_in_data(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    assert_int_equal(engine_callback_fail(f->e, cb, "Card.Declined", "insufficient funds",
                                          "{\"code\":51}", &f->err),
                     CAIRN_OK);
    invoke(f, id);
    cJSON *e = failure(f, id, "Callback.Failed", "insufficient funds");
    const cJSON *d = get(e, "data");
    assert_string_equal(str(d, "ErrorType"), "Card.Declined");
    assert_string_equal(str(d, "ErrorMessage"), "insufficient funds");
    assert_string_equal(str(d, "ErrorData"), "{\"code\":51}");
    cJSON_Delete(e);
    assert_op_status(f, id, "1", "FAILED");
    free(cb);
    free(id);
}

static void test_failure_without_a_message_says_callback_failed(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    assert_int_equal(engine_callback_fail(f->e, cb, NULL, NULL, NULL, &f->err), CAIRN_OK);
    invoke(f, id);
    cJSON *e = failure(f, id, "Callback.Failed", "Callback failed");
    assert_true(cJSON_IsNull(get(get(e, "data"), "ErrorType")));
    cJSON_Delete(e);
    free(cb);
    free(id);
}

/* ---- deadlines ------------------------------------------------------------ */

static void test_timeout_is_caught_under_skip_time(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "cbt", "{}");
    drive(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    const cJSON *problem = get(s, "result"); /* the catch's `as`, the last one set */
    assert_string_equal(str(problem, "type"), "Callback.Timeout");
    assert_string_equal(str(problem, "message"), "Callback timed out");
    cJSON_Delete(s);
    cJSON *cb = operation(f, id, "1");
    assert_string_equal(str(cb, "status"), "TIMED_OUT");
    assert_string_equal(str(get(cb, "error"), "type"), "Callback.Timeout");
    assert_true(time_of(cb, "ended_at") - time_of(cb, "started_at") >= 30 * MINUTE);
    cJSON_Delete(cb);
    free(id);
}

static void test_heartbeat_timeout_fails_the_execution(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "cbj", "{}");
    drive(f, id);
    cJSON_Delete(failure(f, id, "Callback.HeartbeatTimeout", "Callback timed out on heartbeat"));
    cJSON *cb = operation(f, id, "1");
    assert_string_equal(str(cb, "status"), "TIMED_OUT");
    int64_t took = time_of(cb, "ended_at") - time_of(cb, "started_at");
    assert_true(took >= 10 * MINUTE && took < 60 * MINUTE);
    cJSON_Delete(cb);
    free(id);
}

/* A host on a virtual clock made the callback "in the future"; an answer from
 * another process on the real clock still ends after the callback started. */
static void test_an_answer_never_ends_before_its_callback_started(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    engine_advance_clock(f->e, engine_now(f->e) + 5 * MINUTE);
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    engine *other = NULL;
    assert_int_equal(engine_open(&other, f->path, all_workflows, NWORKFLOWS, &f->err), CAIRN_OK);
    assert_int_equal(engine_callback_succeed(other, cb, "{}", 2, &f->err), CAIRN_OK);
    engine_close(other);
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "status"), "SUCCEEDED");
    assert_true(time_of(op, "ended_at") >= time_of(op, "started_at"));
    cJSON_Delete(op);
    free(cb);
    free(id);
}

static void test_heartbeats_keep_a_callback_alive_until_its_timeout(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    cJSON *op = operation(f, id, "1");
    char *cb = strdup(str(op, "callback_id"));
    int64_t t0 = time_of(op, "started_at");
    int64_t timeout_at = time_of(op, "timeout_at");
    cJSON_Delete(op);

    /* A heartbeat every 8 minutes: alive well past the first 10-minute deadline. */
    for (int k = 1; k <= 7; k++) {
        engine_advance_clock(f->e, t0 + k * 8 * MINUTE);
        int64_t now = engine_now(f->e);
        assert_int_equal(engine_callback_heartbeat(f->e, cb, &f->err), CAIRN_OK);
        op = operation(f, id, "1");
        assert_string_equal(str(op, "status"), "STARTED");
        assert_true(time_of(op, "heartbeat_at") >= now + 10 * MINUTE - 5);
        assert_int_equal(time_of(op, "timeout_at"), timeout_at); /* the timeout stays */
        cJSON_Delete(op);
        invoke(f, id);
        assert_status(f, id, "PENDING");
    }
    /* The overall timeout still holds: at 61 minutes it is closed and fires. */
    engine_advance_clock(f->e, t0 + 61 * MINUTE);
    assert_int_equal(engine_callback_heartbeat(f->e, cb, &f->err), CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "timed out");
    invoke(f, id);
    cJSON_Delete(failure(f, id, "Callback.Timeout", "Callback timed out"));
    free(cb);
    free(id);
}

/* ---- results that come early ---------------------------------------------- */

static void test_result_arriving_before_the_await_is_reached(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    cb_notify_fail = 1; /* notify suspends for a retry between the callback and the await */
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    assert_op_status(f, id, "2", "PENDING");
    char *cb = callback_id(f, id, "1");
    answer(f, cb, "\"early\"", CAIRN_OK);
    drive(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_string_equal(str(s, "result"), "early");
    cJSON_Delete(s);
    assert_int_equal(cb_notify_calls, 2);
    free(cb);
    free(id);
}

static void test_result_during_the_invocation_is_not_lost_by_its_suspend(void **state)
{
    fixture *f = *state;
    /* notify answers the callback from its own connection while this invocation
     * runs, after the journal was read: the await still sees it STARTED. */
    cb_deliver_db = f->path;
    cb_deliver_payload = "\"fast\"";
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    assert_int_equal(cb_deliver_rc, CAIRN_OK);
    assert_op_status(f, id, "1", "SUCCEEDED");
    /* The suspend (to the heartbeat deadline, 10 minutes away) found the poke:
     * the execution is due now, not in 10 minutes. */
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "PENDING");
    assert_true(time_of(s, "wake_at") <= engine_now(f->e));
    cJSON_Delete(s);
    assert_true(is_due(f, id));
    cb_deliver_db = NULL;
    invoke(f, id);
    s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_string_equal(str(s, "result"), "fast");
    cJSON_Delete(s);
    free(id);
}

/* ---- the callback API refuses ---------------------------------------------- */

static void test_unknown_closed_and_oversize_are_refused_and_change_nothing(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");

    answer(f, "no-such-callback", "1", CAIRN_ERR_NOT_FOUND);
    assert_refusal(f, "Callback.NotFound", "unknown callback");
    assert_int_equal(engine_callback_heartbeat(f->e, "", &f->err), CAIRN_ERR_NOT_FOUND);
    assert_refusal(f, "Callback.NotFound", "unknown callback");

    char *big = malloc(256 * 1024 + 2);
    memset(big, '1', 256 * 1024 + 1);
    big[256 * 1024 + 1] = '\0';
    answer(f, cb, big, CAIRN_ERR_INPUT);
    assert_refusal(f, "Callback.Invalid", "256 KiB");
    free(big);
    assert_op_status(f, id, "1", "STARTED");

    answer(f, cb, "1", CAIRN_OK);
    answer(f, cb, "2", CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "it already succeeded");
    assert_int_equal(engine_callback_fail(f->e, cb, "X", "y", NULL, &f->err), CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "it already succeeded");
    assert_int_equal(engine_callback_heartbeat(f->e, cb, &f->err), CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "it already succeeded");
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "result"), "1"); /* the first result, unchanged */
    cJSON_Delete(op);
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_int_equal(get(s, "result")->valueint, 1);
    cJSON_Delete(s);

    /* A failed callback says so. */
    char *id2 = start(f, "cbj", "{}");
    invoke(f, id2);
    char *cb2 = callback_id(f, id2, "1");
    assert_int_equal(engine_callback_fail(f->e, cb2, "X", "y", NULL, &f->err), CAIRN_OK);
    answer(f, cb2, "1", CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "it already failed");
    free(cb2);
    free(id2);
    free(cb);
    free(id);
}

static void test_a_timed_out_callback_is_refused(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "cbt", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    cJSON *op = operation(f, id, "1");
    engine_advance_clock(f->e, time_of(op, "timeout_at"));
    cJSON_Delete(op);
    /* Past its deadline by this process's clock, before any await wrote it. */
    answer(f, cb, "late", CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "it timed out");
    assert_op_status(f, id, "1", "STARTED");
    invoke(f, id);
    assert_op_status(f, id, "1", "TIMED_OUT"); /* the await wrote it; the catch ended the run */
    assert_status(f, id, "SUCCEEDED");
    answer(f, cb, "late", CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "it timed out");
    free(cb);
    free(id);
}

static void test_callbacks_close_when_their_execution_ends(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    cb_notify_fail = 100; /* notify fails for good: the execution ends with the callback open */
    char *id = start(f, "cbj", "{}");
    drive(f, id);
    cJSON_Delete(failure(f, id, "Mail.Busy", NULL));
    assert_op_status(f, id, "1", "CANCELLED");
    char *cb = callback_id(f, id, "1");
    answer(f, cb, "1", CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "its execution ended");
    assert_int_equal(engine_callback_heartbeat(f->e, cb, &f->err), CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "its execution ended");
    free(cb);
    free(id);
}

/* Child: opens its own connection, waits for the go, and answers cb with payload. */
/*
 * A child process resolving the callback on its own connection once `go`
 * is readable. It reports its outcome (0 won, 1 refused as closed, 2 other,
 * 3 setup) as one byte on `out` and ends with SIGKILL: it holds the parent's
 * memory, which only the parent frees (and valgrind would count at exit).
 */
static void race_child(const char *path, const char *cb, const char *payload, int go, int out)
{
    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    char c, outcome = 3;
    if (engine_open(&e, path, NULL, 0, &err) == CAIRN_OK && read(go, &c, 1) == 1) {
        int rc = engine_callback_succeed(e, cb, payload, strlen(payload), &err);
        outcome = rc == CAIRN_OK ? 0 : rc == CAIRN_ERR_CONFLICT ? 1 : 2;
    }
    engine_close(e);
    err_cleanup(&err);
    if (write(out, &outcome, 1) != 1)
        outcome = 3;
    raise(SIGKILL);
}

static void test_two_connections_resolving_one_callback_exactly_one_wins(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    int go[2], res_a[2], res_b[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(res_a), 0);
    assert_int_equal(pipe(res_b), 0);
    pid_t a = fork();
    if (a == 0)
        race_child(f->path, cb, "\"A\"", go[0], res_a[1]);
    pid_t b = fork();
    if (b == 0)
        race_child(f->path, cb, "\"B\"", go[0], res_b[1]);
    assert_int_equal(write(go[1], "gg", 2), 2);
    char ca = -1, cbx = -1;
    assert_int_equal(read(res_a[0], &ca, 1), 1);
    assert_int_equal(read(res_b[0], &cbx, 1), 1);
    int sa, sb;
    assert_int_equal(waitpid(a, &sa, 0), a);
    assert_int_equal(waitpid(b, &sb, 0), b);
    for (int i = 0; i < 2; i++) {
        close(go[i]);
        close(res_a[i]);
        close(res_b[i]);
    }
    assert_true((ca == 0 && cbx == 1) || (ca == 1 && cbx == 0));
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "result"), ca == 0 ? "A" : "B");
    cJSON_Delete(s);
    free(cb);
    free(id);
}

/* ---- wait_for_callback ------------------------------------------------------ */

static void test_wait_for_callback_journal_shape_and_lua_submitter(void **state)
{
    fixture *f = *state;
    char *id = start(f, "wfc", "{\"to\":\"ops@example.com\"}");
    invoke(f, id);
    assert_status(f, id, "PENDING");

    int rc;
    cJSON *h = engine_history_json(f->e, id, &rc, &f->err);
    const cJSON *ops = get(h, "operations");
    assert_int_equal(cJSON_GetArraySize(ops), 4);
    static const char *const want[][6] = {
        /* id, parent, type, sub_type, status, name */
        {"0", NULL, "EXECUTION", NULL, "STARTED", "wfc"},
        {"1", NULL, "CONTEXT", "WaitForCallback", "STARTED", "approve"},
        {"1-1", "1", "CALLBACK", "Callback", "STARTED", "approve"},
        {"1-2", "1", "STEP", "Step", "SUCCEEDED", "approve"},
    };
    for (int i = 0; i < 4; i++) {
        const cJSON *op = cJSON_GetArrayItem(ops, i);
        assert_string_equal(str(op, "id"), want[i][0]);
        if (want[i][1])
            assert_string_equal(str(op, "parent_id"), want[i][1]);
        else
            assert_null(str(op, "parent_id"));
        assert_string_equal(str(op, "type"), want[i][2]);
        if (want[i][3])
            assert_string_equal(str(op, "sub_type"), want[i][3]);
        assert_string_equal(str(op, "status"), want[i][4]);
        assert_string_equal(str(op, "name"), want[i][5]);
    }
    /* The Lua submitter saw the id as ctx.callback_id and as ${callback.id}. */
    const char *cb = str(cJSON_GetArrayItem(ops, 2), "callback_id");
    const cJSON *sent = get(cJSON_GetArrayItem(ops, 3), "result");
    assert_string_equal(str(sent, "callback_id"), cb);
    assert_string_equal(str(sent, "arg_id"), cb);
    assert_string_equal(str(sent, "sent_to"), "ops@example.com");

    answer(f, cb, "{\"approved\":true}", CAIRN_OK);
    cJSON_Delete(h);
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_true(cJSON_IsTrue(get(get(s, "result"), "approved")));
    cJSON_Delete(s);
    cJSON *ctx = operation(f, id, "1");
    assert_string_equal(str(ctx, "status"), "SUCCEEDED");
    assert_true(cJSON_IsTrue(get(get(ctx, "result"), "approved")));
    cJSON_Delete(ctx);
    free(id);
}

static void test_c_submitter_sees_the_id_and_is_not_rerun_on_replay(void **state)
{
    fixture *f = *state;
    char *id = start(f, "wfcc", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1-1");
    assert_string_equal(cb_submit_seen, cb);
    assert_string_equal(cb_submit_arg_id, cb);
    assert_int_equal(cb_submit_calls, 1);
    invoke(f, id); /* a replay that still waits */
    assert_status(f, id, "PENDING");
    answer(f, cb, "42", CAIRN_OK);
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_int_equal(get(s, "result")->valueint, 42);
    cJSON_Delete(s);
    assert_int_equal(cb_submit_calls, 1);
    free(cb);
    free(id);
}

static void test_failing_submitter_is_retried_then_submitter_failed(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "wfc", "{\"to\":\"nowhere\"}");
    invoke(f, id);
    cJSON *step = operation(f, id, "1-2");
    assert_string_equal(str(step, "status"), "PENDING"); /* a retry, not the end */
    cJSON_Delete(step);
    drive(f, id);

    cJSON *e = failure(f, id, "Submitter.Failed", NULL);
    assert_non_null(strstr(str(e, "message"), "Mail.Down"));
    const cJSON *cause = get(e, "data");
    assert_string_equal(str(cause, "type"), "Mail.Down");
    assert_string_equal(str(cause, "message"), "no route to nowhere");
    cJSON_Delete(e);
    step = operation(f, id, "1-2");
    assert_string_equal(str(step, "status"), "FAILED");
    assert_int_equal(get(step, "attempt")->valueint, 3);
    cJSON_Delete(step);
    assert_op_status(f, id, "1-1", "CANCELLED"); /* never left waiting */
    assert_op_status(f, id, "1", "FAILED");
    char *cb = callback_id(f, id, "1-1");
    answer(f, cb, "1", CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Callback.Closed", "its execution ended");
    free(cb);
    free(id);
}

static void test_submitter_failed_is_caught(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    cb_submit_fail = 1;
    char *id = start(f, "wfcc", "{}");
    drive(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    const cJSON *problem = get(s, "result");
    assert_string_equal(str(problem, "type"), "Submitter.Failed");
    assert_string_equal(str(get(problem, "data"), "type"), "Queue.Down");
    assert_int_equal(get(get(problem, "data"), "data")->valueint, 503);
    cJSON_Delete(s);
    assert_int_equal(cb_submit_calls, 2);
    assert_op_status(f, id, "1-1", "CANCELLED");
    free(id);
}

static void test_result_from_inside_the_submitter_wins(void **state)
{
    fixture *f = *state;
    cb_deliver_db = f->path;
    cb_deliver_payload = "\"right away\"";
    char *id = start(f, "wfcc", "{}");
    invoke(f, id);
    assert_int_equal(cb_deliver_rc, CAIRN_OK);
    assert_true(is_due(f, id));
    cb_deliver_db = NULL;
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_string_equal(str(s, "result"), "right away");
    cJSON_Delete(s);
    assert_int_equal(cb_submit_calls, 1);
    free(id);
}

/* ---- stop --------------------------------------------------------------------- */

/* Counts the operations of the execution's journal with type and status. */
static int count_ops(fixture *f, const char *id, const char *type, const char *st)
{
    cJSON *h = history(f, id);
    const cJSON *op;
    int n = 0;
    cJSON_ArrayForEach(op, get(h, "operations"))
    {
        if (!strcmp(str(op, "type"), type) && !strcmp(str(op, "status"), st))
            n++;
    }
    cJSON_Delete(h);
    return n;
}

static void test_stop_closes_callbacks_and_nothing_runs_again(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    int64_t at = 0;
    assert_int_equal(engine_stop(f->e, id, NULL, NULL, &at, &f->err), CAIRN_OK);
    assert_true(at > 0);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "STOPPED");
    assert_string_equal(str(get(s, "error"), "type"), "Execution.Stopped");
    cJSON_Delete(s);
    assert_op_status(f, id, "1", "CANCELLED");
    assert_op_status(f, id, "0", "STOPPED");
    answer(f, cb, "{}", CAIRN_ERR_CONFLICT); /* a later answer is refused as closed */
    assert_refusal(f, "Callback.Closed", "its execution ended");
    assert_false(is_due(f, id)); /* a worker never picks it up */
    assert_int_equal(engine_invoke(f->e, id, &f->err), CAIRN_ERR_CONFLICT);
    err_cleanup(&f->err);
    /* a second stop, and a stop of an unknown id, are refused and change nothing */
    assert_int_equal(engine_stop(f->e, id, "X", "y", NULL, &f->err), CAIRN_ERR_CONFLICT);
    assert_refusal(f, "Execution.Conflict", "already ended (STOPPED)");
    assert_int_equal(engine_stop(f->e, "nope", NULL, NULL, NULL, &f->err), CAIRN_ERR_NOT_FOUND);
    err_cleanup(&f->err);
    s = status(f, id);
    assert_string_equal(str(get(s, "error"), "type"), "Execution.Stopped");
    cJSON_Delete(s);
    free(cb);
    free(id);
}

/* A stop while an invocation runs elsewhere: that invocation writes nothing
 * more (its submitter's result is not journaled) and its end does not undo it. */
static void test_stop_while_in_flight_is_not_undone(void **state)
{
    fixture *f = *state;
    cb_stop_db = f->path;
    char *id = start(f, "wfcc", "{}");
    int rc = engine_invoke(f->e, id, &f->err);
    assert_int_equal(cb_stop_rc, CAIRN_OK);
    assert_int_equal(rc, CAIRN_ERR_CONFLICT);
    err_cleanup(&f->err);
    cb_stop_db = NULL;
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "STOPPED");
    assert_string_equal(str(get(s, "error"), "type"), "Ops.Halt");
    assert_string_equal(str(get(s, "error"), "message"), "halted");
    cJSON_Delete(s);
    assert_int_equal(count_ops(f, id, "STEP", "SUCCEEDED"), 0);
    assert_int_equal(count_ops(f, id, "CALLBACK", "STARTED"), 0);
    assert_false(is_due(f, id));
    assert_int_equal(cb_submit_calls, 1);
    free(id);
}

/* ---- ids, waking, the command ------------------------------------------------ */

static void test_callback_ids_are_random_url_safe_and_distinct(void **state)
{
    fixture *f = *state;
    enum { N = 8 };
    char *ids[N], *cbs[N];
    for (int i = 0; i < N; i++) {
        ids[i] = start(f, "cbj", "{}");
        invoke(f, ids[i]);
        cbs[i] = callback_id(f, ids[i], "1");
        assert_int_equal(strlen(cbs[i]), IDS_CALLBACK_LEN); /* 32 x 6 bits = 192 bits */
        assert_true(strspn(cbs[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_") == IDS_CALLBACK_LEN);
        assert_null(strstr(cbs[i], ids[i]));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(cbs[i], cbs[j]);
    }
    assert_true(IDS_CALLBACK_BYTES * 8 >= 128);
    for (int i = 0; i < N; i++) {
        free(ids[i]);
        free(cbs[i]);
    }
}

static void test_wait_change_wakes_on_commits_of_others_and_pokes(void **state)
{
    fixture *f = *state;
    engine *other = NULL;
    assert_int_equal(engine_open(&other, f->path, all_workflows, NWORKFLOWS, &f->err), CAIRN_OK);
    engine_wait_change(f->e, 0);                      /* take the current version */
    assert_int_equal(engine_wait_change(f->e, 5), 0); /* nothing happened */
    char *id = NULL;
    assert_int_equal(engine_start(other, "cbj", "{}", NULL, &id, NULL, &f->err), CAIRN_OK);
    assert_int_equal(engine_wait_change(f->e, 60000), 1);
    engine_poke(f->e);
    assert_int_equal(engine_wait_change(f->e, 60000), 1);
    assert_int_equal(engine_wait_change(f->e, 5), 0); /* the poke was taken */
    free(id);
    engine_close(other);
}

/* Runs `callback a1 a2 a3 a4 --db PATH`, the NULL words left out. */
static int run_cli(fixture *f, const char *a1, const char *a2, const char *a3, const char *a4)
{
    const char *words[] = {a1, a2, a3, a4};
    char *argv[8];
    int argc = 0;
    argv[argc++] = "callback";
    for (int i = 0; i < 4; i++)
        if (words[i])
            argv[argc++] = (char *)words[i];
    argv[argc++] = "--db";
    argv[argc++] = f->path;
    argv[argc] = NULL;
    return cli_callback_command("cairn", argc, argv);
}

static void test_callback_command_exit_codes(void **state)
{
    fixture *f = *state;
    char *id = start(f, "cbj", "{}");
    invoke(f, id);
    char *cb = callback_id(f, id, "1");
    assert_int_equal(run_cli(f, "succeed", NULL, NULL, NULL), 2);      /* no id */
    assert_int_equal(run_cli(f, "approve", cb, NULL, NULL), 2);        /* no such verb */
    assert_int_equal(run_cli(f, "fail", cb, "--error-type", "X"), 2);  /* no message */
    assert_int_equal(run_cli(f, "heartbeat", cb, "--result", "1"), 2); /* not for heartbeat */
    assert_int_equal(run_cli(f, "succeed", cb, "--result", "{\"a\":tru"), 2); /* not JSON */
    assert_op_status(f, id, "1", "STARTED");
    assert_int_equal(run_cli(f, "heartbeat", "nope", NULL, NULL), 1); /* unknown */
    assert_int_equal(run_cli(f, "heartbeat", cb, NULL, NULL), 0);
    assert_int_equal(run_cli(f, "succeed", cb, "--result", "{\"via\":\"cli\"}"), 0);
    assert_int_equal(run_cli(f, "succeed", cb, "--result", "2"), 1); /* closed */
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(get(s, "result"), "via"), "cli");
    cJSON_Delete(s);
    free(cb);
    free(id);

    /* --result-file sends the file's bytes as they are. */
    id = start(f, "cbt", "{}");
    invoke(f, id);
    cb = callback_id(f, id, "1");
    char file[96];
    snprintf(file, sizeof file, "%s.result", f->path);
    FILE *out = fopen(file, "wb");
    assert_non_null(out);
    fputs("line one\nline \"two\"\n", out);
    fclose(out);
    assert_int_equal(run_cli(f, "succeed", cb, "--result-file", file), 0);
    unlink(file);
    invoke(f, id);
    s = status(f, id);
    assert_string_equal(str(s, "result"), "line one\nline \"two\"\n");
    cJSON_Delete(s);
    free(cb);
    free(id);

    /* No store at --db: unknown, and no store is created. */
    char missing[96];
    snprintf(missing, sizeof missing, "%s-missing.db", f->path);
    char *argv[] = {"callback", "heartbeat", "abc", "--db", missing, NULL};
    assert_int_equal(cli_callback_command("cairn", 5, argv), 1);
    assert_int_not_equal(access(missing, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)
        T(test_callback_created_then_awaited_with_a_json_result),
        T(test_text_result_stays_a_string),
        T(test_empty_payload_is_null),
        T(test_invalid_json_is_refused_at_the_door),
        T(test_invalid_json_on_a_schema_1_callback_fails_the_await),
        T(test_failure_keeps_the_senders_error_in_data),
        T(test_failure_without_a_message_says_callback_failed),
        T(test_timeout_is_caught_under_skip_time),
        T(test_heartbeat_timeout_fails_the_execution),
        T(test_an_answer_never_ends_before_its_callback_started),
        T(test_heartbeats_keep_a_callback_alive_until_its_timeout),
        T(test_result_arriving_before_the_await_is_reached),
        T(test_result_during_the_invocation_is_not_lost_by_its_suspend),
        T(test_unknown_closed_and_oversize_are_refused_and_change_nothing),
        T(test_a_timed_out_callback_is_refused),
        T(test_callbacks_close_when_their_execution_ends),
        T(test_two_connections_resolving_one_callback_exactly_one_wins),
        T(test_wait_for_callback_journal_shape_and_lua_submitter),
        T(test_c_submitter_sees_the_id_and_is_not_rerun_on_replay),
        T(test_failing_submitter_is_retried_then_submitter_failed),
        T(test_submitter_failed_is_caught),
        T(test_result_from_inside_the_submitter_wins),
        T(test_stop_closes_callbacks_and_nothing_runs_again),
        T(test_stop_while_in_flight_is_not_undone),
        T(test_callback_ids_are_random_url_safe_and_distinct),
        T(test_wait_change_wakes_on_commits_of_others_and_pokes),
        T(test_callback_command_exit_codes),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
