/*
 * test_rt_call.c — C hooks through the call API (hook_c.c): results, typed
 * errors with data, failures without an error, and what the hook sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "hook.h"
#include "json.h"

static const hook_ctx ctx = {
    .execution_id = "exec-9",
    .operation = "charge",
    .attempt = 3,
    .callback_id = "cb-1",
};

static int hook_echo_ctx(cairn_call *call, const cJSON *args)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "execution_id", cairn_call_execution_id(call));
    cJSON_AddStringToObject(out, "operation", cairn_call_operation(call));
    cJSON_AddNumberToObject(out, "attempt", cairn_call_attempt(call));
    const char *cb = cairn_call_callback_id(call);
    cJSON_AddItemToObject(out, "callback_id", cb ? cJSON_CreateString(cb) : cJSON_CreateNull());
    cJSON_AddItemToObject(out, "args", cJSON_Duplicate(args, 1));
    return cairn_call_return(call, out);
}

static int hook_return_null(cairn_call *call, const cJSON *args)
{
    (void)args;
    return cairn_call_return(call, NULL);
}

static int hook_return_nothing(cairn_call *call, const cJSON *args)
{
    (void)call;
    (void)args;
    return 0;
}

static int hook_return_twice(cairn_call *call, const cJSON *args)
{
    (void)args;
    cairn_call_return(call, cJSON_CreateString("first")); /* freed by the second */
    return cairn_call_return(call, cJSON_CreateString("second"));
}

static int hook_fail_with_data(cairn_call *call, const cJSON *args)
{
    (void)args;
    cairn_call_return(call, cJSON_CreateString("dropped")); /* the error wins */
    return cairn_call_fail(call, "Budget.Exceeded", "over by 30", cJSON_Parse("{\"over\":30}"));
}

static int hook_fail_then_return_zero(cairn_call *call, const cJSON *args)
{
    (void)args;
    cairn_call_fail(call, "Charge.Declined", NULL, NULL);
    cairn_call_fail(call, "Second.Ignored", "no", cJSON_CreateTrue()); /* first wins; data freed */
    return 0;
}

static int hook_nonzero(cairn_call *call, const cJSON *args)
{
    (void)args;
    cairn_call_return(call, cJSON_CreateNumber(1)); /* a failing hook has no result */
    return 7;
}

static int hook_fail_untyped(cairn_call *call, const cJSON *args)
{
    (void)args;
    return cairn_call_fail(call, NULL, "no type given", NULL);
}

typedef struct outcome {
    int rc;
    cJSON *result;
    cairn_error err;
} outcome;

static outcome run(cairn_c_fn fn, const char *name, const char *args_json, const hook_ctx *c)
{
    outcome o = {.result = NULL};
    err_init(&o.err);
    cJSON *args = args_json ? cJSON_Parse(args_json) : NULL;
    o.rc = hook_c_call(fn, name, args, c, &o.result, &o.err);
    cJSON_Delete(args);
    if (o.rc == 0) {
        assert_non_null(o.result);
        assert_false(err_isset(&o.err));
    } else {
        assert_int_equal(o.rc, -1);
        assert_null(o.result);
        assert_true(err_isset(&o.err));
    }
    return o;
}

static void cleanup(outcome *o)
{
    cJSON_Delete(o->result);
    err_cleanup(&o->err);
}

static void assert_json_eq(const cJSON *v, const char *expected)
{
    cJSON *want = cJSON_Parse(expected);
    assert_non_null(want);
    if (!json_equal(v, want)) {
        char *got = cJSON_PrintUnformatted(v);
        fail_msg("got %s, expected %s", got, expected);
    }
    cJSON_Delete(want);
}

static void test_return_value_and_ctx(void **state)
{
    (void)state;
    outcome o = run(hook_echo_ctx, "echo", "{\"amount\":5}", &ctx);
    assert_int_equal(o.rc, 0);
    assert_json_eq(o.result, "{\"execution_id\":\"exec-9\",\"operation\":\"charge\",\"attempt\":3,"
                             "\"callback_id\":\"cb-1\",\"args\":{\"amount\":5}}");
    cleanup(&o);

    /* no args: the hook sees an empty object; no submitter: no callback id */
    hook_ctx plain = ctx;
    plain.callback_id = NULL;
    o = run(hook_echo_ctx, "echo", NULL, &plain);
    assert_json_eq(o.result, "{\"execution_id\":\"exec-9\",\"operation\":\"charge\",\"attempt\":3,"
                             "\"callback_id\":null,\"args\":{}}");
    cleanup(&o);
}

static void test_return_null_or_nothing(void **state)
{
    (void)state;
    outcome o = run(hook_return_null, "n", NULL, &ctx);
    assert_true(cJSON_IsNull(o.result));
    cleanup(&o);
    o = run(hook_return_nothing, "n", NULL, &ctx);
    assert_int_equal(o.rc, 0);
    assert_true(cJSON_IsNull(o.result));
    cleanup(&o);
    o = run(hook_return_twice, "t", NULL, &ctx);
    assert_string_equal(o.result->valuestring, "second");
    cleanup(&o);
}

static void test_fail_with_data(void **state)
{
    (void)state;
    outcome o = run(hook_fail_with_data, "budget", NULL, &ctx);
    assert_string_equal(o.err.type, "Budget.Exceeded");
    assert_string_equal(o.err.message, "over by 30");
    assert_json_eq(o.err.data, "{\"over\":30}");
    cleanup(&o);
}

static void test_fail_wins_over_zero(void **state)
{
    (void)state;
    outcome o = run(hook_fail_then_return_zero, "declined", NULL, &ctx);
    assert_int_equal(o.rc, -1);
    assert_string_equal(o.err.type, "Charge.Declined");
    assert_string_equal(o.err.message, "");
    assert_null(o.err.data);
    cleanup(&o);
}

static void test_nonzero_without_fail(void **state)
{
    (void)state;
    outcome o = run(hook_nonzero, "page_director", NULL, &ctx);
    assert_string_equal(o.err.type, "C.Error");
    assert_string_equal(o.err.message, "C hook page_director failed without an error");
    cleanup(&o);
    o = run(hook_fail_untyped, "untyped", NULL, &ctx);
    assert_string_equal(o.err.type, "C.Error");
    assert_string_equal(o.err.message, "no type given");
    cleanup(&o);
}

static void test_no_ctx_gives_defaults(void **state)
{
    (void)state;
    outcome o = run(hook_return_null, "n", NULL, NULL); /* no ctx: safe defaults */
    assert_int_equal(o.rc, 0);
    cleanup(&o);
    o = run(hook_echo_ctx, "echo", NULL, NULL);
    assert_json_eq(o.result, "{\"execution_id\":\"\",\"operation\":\"\",\"attempt\":1,"
                             "\"callback_id\":null,\"args\":{}}");
    cleanup(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_return_value_and_ctx), cmocka_unit_test(test_return_null_or_nothing),
        cmocka_unit_test(test_fail_with_data),       cmocka_unit_test(test_fail_wins_over_zero),
        cmocka_unit_test(test_nonzero_without_fail), cmocka_unit_test(test_no_ctx_gives_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
