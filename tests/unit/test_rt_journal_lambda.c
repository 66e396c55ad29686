/*
 * test_rt_journal_lambda.c — the Lambda backend's shapes without a network
 * (journal_lambda.c): wire ids as the JS SDK's (md5 of "1", "2-1"), an
 * invocation event read back into engine ids (children under their parent,
 * READY as due, a STARTED wait out of the engine's reach, a callback's raw
 * result as a JSON string), OperationUpdates of each action with their
 * options, and the outcome {Status, Result | Error}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journal_lambda.h"
#include "json.h"

static const cairn_workflow wf = {.abi = CAIRN_ABI, .name = "w", .version = 1, .sha256 = "x"};

/* Event ev (taken) read into jl (journal_lambda_cleanup after), with no API and no deadline. */
static void init_from(journal_lambda *jl, cJSON *ev)
{
    assert_non_null(ev);
    cairn_error err;
    err_init(&err);
    assert_int_equal(journal_lambda_init(jl, NULL, &wf, NULL, 0, ev, 0, &err), CAIRN_OK);
    cJSON_Delete(ev); /* what jl keeps of it, it copied */
    err_cleanup(&err);
}

/* Event text read into jl; its operations as the engine loads them. */
static void load_event(const char *text, journal_lambda *jl, const store_op **ops, size_t *n)
{
    init_from(jl, cJSON_Parse(text));
    const store_exec *ex;
    cairn_error err;
    err_init(&err);
    assert_int_equal(journal_load(&jl->j, &ex, ops, n, &err), CAIRN_OK);
    err_cleanup(&err);
}

static void test_wire_ids_are_the_js_sdks(void **state)
{
    (void)state;
    char h[17];
    assert_int_equal(journal_lambda_wire_id("1", h), 0);
    assert_string_equal(h, "c4ca4238a0b92382"); /* md5("1") = c4ca4238a0b923820dcc509a6f75849b */
    assert_int_equal(journal_lambda_wire_id("2-1", h), 0);
    assert_int_equal(strlen(h), 16);
}

static cJSON *event(void)
{
    char one[17], two[17], two1[17], three[17];
    journal_lambda_wire_id("1", one);
    journal_lambda_wire_id("2", two);
    journal_lambda_wire_id("2-1", two1);
    journal_lambda_wire_id("3", three);
    char text[2048];
    snprintf(
        text, sizeof text,
        "{\"DurableExecutionArn\":\"arn:x\",\"CheckpointToken\":\"t1\","
        "\"InitialExecutionState\":{\"Operations\":["
        "{\"Id\":\"ex\",\"Type\":\"EXECUTION\",\"Status\":\"STARTED\","
        "\"StartTimestamp\":1700000000000,\"ExecutionDetails\":{\"InputPayload\":\"{\\\"a\\\":1}\"}"
        "},"
        "{\"Id\":\"%s\",\"Type\":\"STEP\",\"SubType\":\"Step\",\"Name\":\"s\",\"Status\":\"READY\","
        "\"StepDetails\":{\"Attempt\":1}},"
        "{\"Id\":\"%s\",\"Type\":\"CONTEXT\",\"SubType\":\"WaitForCallback\",\"Name\":\"c\","
        "\"Status\":\"STARTED\"},"
        "{\"Id\":\"%s\",\"ParentId\":\"%s\",\"Type\":\"CALLBACK\",\"SubType\":\"Callback\","
        "\"Name\":\"c\",\"Status\":\"SUCCEEDED\",\"CallbackDetails\":{\"CallbackId\":\"ab+/=\","
        "\"Result\":\"{\\\"ok\\\":true}\"}},"
        "{\"Id\":\"%s\",\"Type\":\"WAIT\",\"SubType\":\"Wait\",\"Name\":\"w\",\"Status\":"
        "\"STARTED\","
        "\"StartTimestamp\":\"2026-01-01T00:00:00Z\",\"WaitDetails\":{\"ScheduledEndTimestamp\":1."
        "5e9}}"
        "]}}",
        one, two, two1, two, three);
    cJSON *ev = cJSON_Parse(text);
    assert_non_null(ev);
    return ev;
}

static const store_op *find(const store_op *ops, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ops[i].id, id))
            return &ops[i];
    fail_msg("no operation %s", id);
    return NULL;
}

static void test_an_event_reads_back_into_engine_ids(void **state)
{
    (void)state;
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    init_from(&jl, event());
    const store_exec *ex;
    const store_op *ops;
    size_t n;
    assert_int_equal(journal_load(&jl.j, &ex, &ops, &n, &err), CAIRN_OK);
    assert_string_equal(ex->id, "arn:x");
    assert_string_equal(ex->input, "{\"a\":1}");
    assert_int_equal(ex->created_at, 1700000000000);
    assert_int_equal(n, 4); /* not the EXECUTION */
    const store_op *s = find(ops, n, "1");
    assert_int_equal(s->status, STORE_PENDING); /* READY: due now */
    assert_int_equal(s->next_attempt_at, STORE_NO_TIME);
    assert_int_equal(s->attempt, 1);
    const store_op *cb = find(ops, n, "2-1");
    assert_string_equal(cb->parent_id, "2");
    assert_string_equal(cb->callback_id, "ab+/=");
    assert_string_equal(cb->result, "\"{\\\"ok\\\":true}\"");
    const store_op *w = find(ops, n, "3");
    assert_true(w->timeout_at > INT64_C(1) << 60); /* the service ends it, not the engine */
    assert_int_equal(w->started_at, 1767225600000);
    journal_lambda_cleanup(&jl);
    err_cleanup(&err);
}

/* A callback AWS timed out says only "Callback timed out [on heartbeat]": it reads back with
 * the types the engine raises on SQLite, so a workflow's catch of them works on Lambda too. */
static void test_a_timed_out_callback_has_cairns_types(void **state)
{
    (void)state;
    const char *msgs[] = {"Callback timed out", "Callback timed out on heartbeat"};
    const char *types[] = {"Callback.Timeout", "Callback.Heartbeat"};
    for (int k = 0; k < 2; k++) {
        char one[17], text[1024];
        journal_lambda_wire_id("1", one);
        snprintf(text, sizeof text,
                 "{\"DurableExecutionArn\":\"arn:x\",\"CheckpointToken\":\"t1\","
                 "\"InitialExecutionState\":{\"Operations\":["
                 "{\"Id\":\"ex\",\"Type\":\"EXECUTION\",\"Status\":\"STARTED\","
                 "\"StartTimestamp\":1700000000000,\"ExecutionDetails\":{\"InputPayload\":\"{}\"}},"
                 "{\"Id\":\"%s\",\"Type\":\"CALLBACK\",\"SubType\":\"Callback\",\"Name\":\"c\","
                 "\"Status\":\"TIMED_OUT\",\"CallbackDetails\":{\"CallbackId\":\"id1\","
                 "\"Error\":{\"ErrorMessage\":\"%s\"}}}]}}",
                 one, msgs[k]);
        journal_lambda jl;
        const store_op *ops;
        size_t n;
        load_event(text, &jl, &ops, &n);
        const store_op *cb = find(ops, n, "1");
        assert_int_equal(cb->status, STORE_TIMED_OUT);
        cJSON *e = cJSON_Parse(cb->error);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")), types[k]);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")), msgs[k]);
        cJSON_Delete(e);
        journal_lambda_cleanup(&jl);
    }
}

static void test_a_bad_event_is_refused(void **state)
{
    (void)state;
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    cJSON *ev = cJSON_Parse("{\"DurableExecutionArn\":\"arn:x\",\"CheckpointToken\":\"t\","
                            "\"InitialExecutionState\":{\"Operations\":[{\"Id\":\"zz\","
                            "\"Type\":\"STEP\",\"Status\":\"STARTED\"}]}}");
    assert_int_not_equal(journal_lambda_init(&jl, NULL, &wf, NULL, 0, ev, 0, &err), CAIRN_OK);
    assert_non_null(strstr(err.message, "never makes"));
    journal_lambda_cleanup(&jl);
    cJSON_Delete(ev);
    err_cleanup(&err);
    cJSON *no = cJSON_Parse("{\"x\":1}");
    assert_int_equal(journal_lambda_init(&jl, NULL, &wf, NULL, 0, no, 0, &err), CAIRN_ERR_USAGE);
    assert_string_equal(err.type, "Lambda.BadEvent");
    journal_lambda_cleanup(&jl);
    cJSON_Delete(no);
    err_cleanup(&err);
}

static void test_updates_have_aws_shapes(void **state)
{
    (void)state;
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    init_from(&jl, event());
    jl.now_override = 1000000;
    store_op step = {
        .id = "4", .name = "s4", .type = STORE_OP_STEP, .sub_type = "Step", .result = "{\"r\":1}"};
    store_op fail = step;
    fail.error = "{\"type\":\"E.T\",\"message\":\"m\",\"data\":{\"k\":2}}";
    store_op retry = fail;
    retry.result = NULL;
    retry.next_attempt_at = 1000000 + 2500;
    store_op wait = {.id = "5-1",
                     .parent_id = "5",
                     .name = "w",
                     .type = STORE_OP_WAIT,
                     .sub_type = "Wait",
                     .started_at = 0,
                     .timeout_at = 90000};
    store_op cb = {.id = "6",
                   .name = "c",
                   .type = STORE_OP_CALLBACK,
                   .sub_type = "Callback",
                   .started_at = 0,
                   .timeout_at = 3600000,
                   .heartbeat_ms = 60000};
    store_op done_wait = wait;
    journal_update u[] = {
        {.action = JOURNAL_SUCCEED, .op = step, .expect_status = STORE_NONE},
        {.action = JOURNAL_FAIL, .op = fail, .expect_status = STORE_STARTED, .expect_attempt = 1},
        {.action = JOURNAL_RETRY, .op = retry, .expect_status = STORE_PENDING},
        {.action = JOURNAL_START, .op = wait},
        {.action = JOURNAL_START, .op = cb},
        {.action = JOURNAL_SUCCEED, .op = done_wait, .expect_status = STORE_STARTED},
    };
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(journal_lambda_updates(&jl, u, 6, arr, &err), CAIRN_OK);
    char h4[17], h5[17], h51[17], h6[17], want[2048];
    journal_lambda_wire_id("4", h4);
    journal_lambda_wire_id("5", h5);
    journal_lambda_wire_id("5-1", h51);
    journal_lambda_wire_id("6", h6);
    snprintf(
        want, sizeof want,
        "["
        "{\"Id\":\"%s\",\"Name\":\"s4\",\"Type\":\"STEP\",\"SubType\":\"Step\",\"Action\":"
        "\"START\"},"
        "{\"Id\":\"%s\",\"Name\":\"s4\",\"Type\":\"STEP\",\"SubType\":\"Step\",\"Action\":"
        "\"SUCCEED\","
        "\"Payload\":\"{\\\"r\\\":1}\"},"
        "{\"Id\":\"%s\",\"Name\":\"s4\",\"Type\":\"STEP\",\"SubType\":\"Step\",\"Action\":\"FAIL\","
        "\"Error\":{\"ErrorType\":\"E.T\",\"ErrorMessage\":\"m\",\"ErrorData\":\"{\\\"k\\\":2}\"}},"
        "{\"Id\":\"%s\",\"Name\":\"s4\",\"Type\":\"STEP\",\"SubType\":\"Step\",\"Action\":"
        "\"START\"},"
        "{\"Id\":\"%s\",\"Name\":\"s4\",\"Type\":\"STEP\",\"SubType\":\"Step\",\"Action\":"
        "\"RETRY\","
        "\"Error\":{\"ErrorType\":\"E.T\",\"ErrorMessage\":\"m\",\"ErrorData\":\"{\\\"k\\\":2}\"},"
        "\"StepOptions\":{\"NextAttemptDelaySeconds\":3}},"
        "{\"Id\":\"%s\",\"ParentId\":\"%s\",\"Name\":\"w\",\"Type\":\"WAIT\",\"SubType\":\"Wait\","
        "\"Action\":\"START\",\"WaitOptions\":{\"WaitSeconds\":90}},"
        "{\"Id\":\"%s\",\"Name\":\"c\",\"Type\":\"CALLBACK\",\"SubType\":\"Callback\",\"Action\":"
        "\"START\","
        "\"CallbackOptions\":{\"TimeoutSeconds\":3600,\"HeartbeatTimeoutSeconds\":60}}"
        "]",
        h4, h4, h4, h4, h4, h51, h5, h6);
    cJSON *expect = cJSON_Parse(want);
    assert_non_null(expect);
    if (!json_equal(arr, expect)) {
        char *got = json_print(arr);
        fail_msg("got %s", got);
    }
    cJSON_Delete(expect);
    cJSON_Delete(arr);
    journal_lambda_cleanup(&jl);
    err_cleanup(&err);
}

/* No timeout, no heartbeat: both left out, as the JS SDK does (AWS's local service arms a
 * timer for any number given: a 0 timed the callback out at once, tests/aws/test_bridge.sh). */
static void test_a_callback_without_deadlines_sends_none(void **state)
{
    (void)state;
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    init_from(&jl, event());
    store_op cb = {.id = "7",
                   .name = "c",
                   .type = STORE_OP_CALLBACK,
                   .sub_type = "Callback",
                   .started_at = 0,
                   .timeout_at = STORE_NO_TIME,
                   .heartbeat_ms = 0};
    journal_update u[] = {{.action = JOURNAL_START, .op = cb}};
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(journal_lambda_updates(&jl, u, 1, arr, &err), CAIRN_OK);
    const cJSON *opt =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(arr, 0), "CallbackOptions");
    assert_true(cJSON_IsObject(opt));
    assert_int_equal(cJSON_GetArraySize(opt), 0);
    cJSON_Delete(arr);
    journal_lambda_cleanup(&jl);
    err_cleanup(&err);
}

/* A cancelled branch: AWS's service refuses CANCEL of a context or a step, and records none
 * of a callback (tests/aws/test_bridge.sh's quorum): only a wait's CANCEL is sent. */
static void test_cancel_is_sent_where_the_service_takes_it(void **state)
{
    (void)state;
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    init_from(&jl, event());
    store_op ctx = {.id = "1-2",
                    .parent_id = "1",
                    .name = "b",
                    .type = STORE_OP_CONTEXT,
                    .sub_type = "ParallelBranch",
                    .status = STORE_CANCELLED};
    store_op step = {.id = "1-2-1",
                     .parent_id = "1-2",
                     .name = "s",
                     .type = STORE_OP_STEP,
                     .sub_type = "Step",
                     .status = STORE_CANCELLED,
                     .attempt = 1};
    store_op cb = {.id = "1-2-2",
                   .parent_id = "1-2",
                   .name = "c",
                   .type = STORE_OP_CALLBACK,
                   .sub_type = "Callback",
                   .status = STORE_CANCELLED};
    store_op wait = {.id = "1-2-3",
                     .parent_id = "1-2",
                     .name = "w",
                     .type = STORE_OP_WAIT,
                     .sub_type = "Wait",
                     .status = STORE_CANCELLED};
    journal_update u[] = {
        {.action = JOURNAL_CANCEL, .op = ctx, .expect_status = STORE_STARTED},
        {.action = JOURNAL_CANCEL, .op = step, .expect_status = STORE_PENDING, .expect_attempt = 1},
        {.action = JOURNAL_CANCEL, .op = cb, .expect_status = STORE_STARTED},
        {.action = JOURNAL_CANCEL, .op = wait, .expect_status = STORE_STARTED},
    };
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(journal_lambda_updates(&jl, u, 4, arr, &err), CAIRN_OK);
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    const cJSON *o = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "Type")), "WAIT");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "Action")), "CANCEL");
    cJSON_Delete(arr);
    journal_lambda_cleanup(&jl);
    err_cleanup(&err);
}

/* An invoked execution that failed: the service completes the CHAINED_INVOKE with that
 * execution's own Error; it reads back as what the invoke raises on SQLite (op_invoke.c):
 * Invoke.Failed, the child's {type, message, data} whole in data. A child that succeeded
 * reads back with its result. */
static void test_a_failed_invoke_reads_back_as_invoke_failed(void **state)
{
    (void)state;
    char one[17], two[17], text[2048];
    journal_lambda_wire_id("1", one);
    journal_lambda_wire_id("2", two);
    snprintf(text, sizeof text,
             "{\"DurableExecutionArn\":\"arn:x\",\"CheckpointToken\":\"t1\","
             "\"InitialExecutionState\":{\"Operations\":["
             "{\"Id\":\"ex\",\"Type\":\"EXECUTION\",\"Status\":\"STARTED\","
             "\"ExecutionDetails\":{\"InputPayload\":\"{}\"}},"
             "{\"Id\":\"%s\",\"Type\":\"CHAINED_INVOKE\",\"SubType\":\"ChainedInvoke\","
             "\"Name\":\"ship\",\"Status\":\"FAILED\",\"ChainedInvokeDetails\":{\"Error\":"
             "{\"ErrorType\":\"Ship.Refused\",\"ErrorMessage\":\"no carrier\","
             "\"ErrorData\":\"{\\\"order\\\":\\\"B2\\\"}\"}}},"
             "{\"Id\":\"%s\",\"Type\":\"CHAINED_INVOKE\",\"SubType\":\"ChainedInvoke\","
             "\"Name\":\"ok\",\"Status\":\"SUCCEEDED\",\"ChainedInvokeDetails\":"
             "{\"Result\":\"{\\\"label\\\":\\\"L\\\"}\"}}]}}",
             one, two);
    journal_lambda jl;
    const store_op *ops;
    size_t n;
    load_event(text, &jl, &ops, &n);
    const store_op *f = find(ops, n, "1");
    assert_int_equal(f->status, STORE_FAILED);
    cJSON *e = cJSON_Parse(f->error);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")), "Invoke.Failed");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")), "no carrier"));
    cJSON *want = cJSON_Parse(
        "{\"type\":\"Ship.Refused\",\"message\":\"no carrier\",\"data\":{\"order\":\"B2\"}}");
    assert_true(cJSON_Compare(cJSON_GetObjectItem(e, "data"), want, 1));
    cJSON_Delete(want);
    cJSON_Delete(e);
    const store_op *ok = find(ops, n, "2");
    assert_int_equal(ok->status, STORE_SUCCEEDED);
    assert_string_equal(ok->result, "{\"label\":\"L\"}");
    journal_lambda_cleanup(&jl);
}

/* The service completes a CHAINED_INVOKE: the function never sends its SUCCEED or FAIL, not
 * even one refused before a child started (AWS's logic refuses "Invalid CHAINED_INVOKE
 * action"); its START carries FunctionName and the input as Payload. */
static void test_an_invoke_sends_its_start_only(void **state)
{
    (void)state;
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    init_from(&jl, event());
    store_op start = {.id = "8",
                      .name = "ship",
                      .type = STORE_OP_CHAINED_INVOKE,
                      .sub_type = "ChainedInvoke",
                      .status = STORE_STARTED,
                      .timeout_at = STORE_NO_TIME};
    store_op refused = start;
    refused.id = "9";
    refused.status = STORE_FAILED;
    refused.error = "{\"type\":\"Invoke.Failed\",\"message\":\"input rejected\"}";
    store_op done = start;
    done.status = STORE_SUCCEEDED;
    done.result = "{}";
    journal_update u[] = {
        {.action = JOURNAL_START,
         .op = start,
         .invoke = {.id = "c", .workflow = "fo_ship", .input = "{\"order\":\"A\"}"}},
        {.action = JOURNAL_FAIL, .op = refused, .expect_status = STORE_NONE},
        {.action = JOURNAL_SUCCEED, .op = done, .expect_status = STORE_STARTED},
    };
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(journal_lambda_updates(&jl, u, 3, arr, &err), CAIRN_OK);
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    const cJSON *o = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "Action")), "START");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "Type")), "CHAINED_INVOKE");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "Payload")),
                        "{\"order\":\"A\"}");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
                            cJSON_GetObjectItem(o, "ChainedInvokeOptions"), "FunctionName")),
                        "fo_ship");
    cJSON_Delete(arr);
    journal_lambda_cleanup(&jl);
    err_cleanup(&err);
}

static void test_the_outcome_is_status_and_result_or_error(void **state)
{
    (void)state;
    journal_lambda jl;
    memset(&jl, 0, sizeof jl);
    jl.ended = 1;
    jl.end_status = STORE_SUCCEEDED;
    jl.end_result = "{\"x\":1}";
    cJSON *o = journal_lambda_output(&jl);
    cJSON *want = cJSON_Parse("{\"Status\":\"SUCCEEDED\",\"Result\":\"{\\\"x\\\":1}\"}");
    assert_true(json_equal(o, want));
    cJSON_Delete(o);
    cJSON_Delete(want);
    jl.end_status = STORE_TIMED_OUT;
    jl.end_error = "{\"type\":\"Execution.Timeout\",\"message\":\"late\"}";
    o = journal_lambda_output(&jl);
    want = cJSON_Parse("{\"Status\":\"FAILED\",\"Error\":{\"ErrorType\":\"Execution.Timeout\","
                       "\"ErrorMessage\":\"late\"}}");
    assert_true(json_equal(o, want));
    cJSON_Delete(o);
    cJSON_Delete(want);
    jl.end_status = STORE_PENDING;
    o = journal_lambda_output(&jl);
    want = cJSON_Parse("{\"Status\":\"PENDING\"}");
    assert_true(json_equal(o, want));
    cJSON_Delete(o);
    cJSON_Delete(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_ids_are_the_js_sdks),
        cmocka_unit_test(test_an_event_reads_back_into_engine_ids),
        cmocka_unit_test(test_a_bad_event_is_refused),
        cmocka_unit_test(test_updates_have_aws_shapes),
        cmocka_unit_test(test_a_callback_without_deadlines_sends_none),
        cmocka_unit_test(test_cancel_is_sent_where_the_service_takes_it),
        cmocka_unit_test(test_a_timed_out_callback_has_cairns_types),
        cmocka_unit_test(test_the_outcome_is_status_and_result_or_error),
        cmocka_unit_test(test_a_failed_invoke_reads_back_as_invoke_failed),
        cmocka_unit_test(test_an_invoke_sends_its_start_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
