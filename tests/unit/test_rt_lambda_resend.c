/*
 * test_rt_lambda_resend.c — when the Lambda backend (journal_lambda.c) sends
 * a checkpoint again, against a libmicrohttpd server started inside the test
 * on a free loopback port that answers from a script (status, Retry-After):
 * a 5xx, a 429 with Retry-After (seconds or an HTTP date) are sent again as
 * they were, at most 3 times in all; a stale token never; a Retry-After that
 * would end past the invocation's deadline is not waited for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <cmocka.h>
#include <microhttpd.h>

#include "http_fixture.h"

#include "clock.h"
#include "journal_lambda.h"

enum { MAX_SCRIPT = 8 };

/* What the server answers, in order, and what it was sent. */
typedef struct answer {
    unsigned status;
    const char *retry_after; /* NULL: no header */
    const char *message;
} answer;

static struct MHD_Daemon *daemon_;
static unsigned port_;
static answer script[MAX_SCRIPT];
static int nscript, served;
static char *bodies[MAX_SCRIPT]; /* the checkpoint requests' bodies */
static char last_token[32];      /* the backend's token after the append */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    if (upload_collect(con_cls, data, size))
        return MHD_YES;
    upload *u = *con_cls;
    answer a = {500, NULL, "the script ran out"};
    if (served < nscript)
        a = script[served];
    if (served < MAX_SCRIPT)
        bodies[served] = strdup(u->data ? u->data : "");
    served++;
    char body[256];
    if (a.status == 200)
        snprintf(body, sizeof body,
                 "{\"CheckpointToken\":\"t%d\",\"NewExecutionState\":{\"Operations\":[]}}",
                 served + 1);
    else
        snprintf(body, sizeof body, "{\"Message\":\"%s\"}", a.message);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (a.status != 200)
        MHD_add_response_header(r, "x-amzn-ErrorType",
                                a.status == 429   ? "TooManyRequestsException"
                                : a.status == 400 ? "InvalidParameterValueException"
                                                  : "ServiceException");
    if (a.retry_after)
        MHD_add_response_header(r, "Retry-After", a.retry_after);
    enum MHD_Result ret = MHD_queue_response(c, a.status, r);
    MHD_destroy_response(r);
    return ret;
}

static int setup(void **state)
{
    (void)state;
    daemon_ = loopback_daemon(0, handler, &port_);
    return daemon_ ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    return 0;
}

static const cairn_workflow wf = {.abi = CAIRN_ABI, .name = "w", .version = 1, .sha256 = "x"};

/* Runs script a[0..n) against one append of a STEP START, the deadline given (0: none);
 * returns the append's result code, with the backend's failure in *failure. */
static int append_against(const answer *a, int n, int64_t deadline_ms, lambda_failure *failure)
{
    memcpy(script, a, (size_t)n * sizeof *a);
    nscript = n;
    served = 0;
    for (int i = 0; i < MAX_SCRIPT; i++) {
        free(bodies[i]);
        bodies[i] = NULL;
    }
    char endpoint[64], authority[32];
    snprintf(authority, sizeof authority, "127.0.0.1:%u", port_);
    snprintf(endpoint, sizeof endpoint, "http://%s", authority);
    aws_config cfg = {.region = "us-east-1",
                      .endpoint = endpoint,
                      .authority = authority,
                      .prefix = "",
                      .access_key_id = "AKIDEXAMPLE",
                      .secret_access_key = "secret"};
    cJSON *ev = cJSON_Parse("{\"DurableExecutionArn\":\"arn:x\",\"CheckpointToken\":\"t1\","
                            "\"InitialExecutionState\":{\"Operations\":[{\"Id\":\"ex\",\"Type\":"
                            "\"EXECUTION\",\"Status\":\"STARTED\",\"ExecutionDetails\":{}}]}}");
    assert_non_null(ev);
    journal_lambda jl;
    cairn_error err;
    err_init(&err);
    assert_int_equal(journal_lambda_init(&jl, &cfg, &wf, NULL, 0, ev, 0, &err), CAIRN_OK);
    jl.deadline_ms = deadline_ms;
    journal_update u = {.action = JOURNAL_START,
                        .op = {.id = "1",
                               .name = "s",
                               .type = STORE_OP_STEP,
                               .sub_type = "Step",
                               .status = STORE_STARTED,
                               .attempt = 1},
                        .expect_status = STORE_NONE};
    int rc = journal_append(&jl.j, &u, 1, NULL, &err);
    *failure = jl.failure;
    snprintf(last_token, sizeof last_token, "%s", jl.token);
    journal_lambda_cleanup(&jl);
    cJSON_Delete(ev);
    err_cleanup(&err);
    return rc;
}

/* Every request served was the first, byte for byte (the same ClientToken). */
static void assert_all_the_same(void)
{
    assert_true(served >= 1 && served <= MAX_SCRIPT);
    assert_non_null(strstr(bodies[0], "\"ClientToken\""));
    for (int i = 1; i < served; i++)
        assert_string_equal(bodies[i], bodies[0]);
}

static void test_5xx_and_429_are_sent_again_as_they_were(void **state)
{
    (void)state;
    lambda_failure f;
    const answer a[] = {{503, NULL, "busy"}, {429, "0", "slow down"}, {200, NULL, NULL}};
    assert_int_equal(append_against(a, 3, 0, &f), CAIRN_OK);
    assert_int_equal(served, 3);
    assert_all_the_same();
    assert_int_equal(f, LAMBDA_FAILURE_NONE);
    assert_string_equal(last_token, "t4"); /* the third answer's */
}

static void test_a_past_http_date_is_no_wait(void **state)
{
    (void)state;
    lambda_failure f;
    const answer a[] = {{429, "Sun, 06 Nov 1994 08:49:37 GMT", "slow down"}, {200, NULL, NULL}};
    assert_int_equal(append_against(a, 2, 0, &f), CAIRN_OK);
    assert_int_equal(served, 2);
    assert_all_the_same();
}

static void test_three_tries_in_all(void **state)
{
    (void)state;
    lambda_failure f;
    const answer a[] = {
        {500, NULL, "down"}, {502, NULL, "down"}, {504, NULL, "down"}, {200, NULL, NULL}};
    assert_int_not_equal(append_against(a, 4, 0, &f), CAIRN_OK);
    assert_int_equal(served, 3);
    assert_all_the_same();
    assert_int_equal(f, LAMBDA_FAILURE_RETRY); /* /error: Lambda invokes again */
    assert_string_equal(last_token, "t1");
}

static void test_a_stale_token_is_not_sent_again(void **state)
{
    (void)state;
    lambda_failure f;
    const answer a[] = {{400, NULL, "Invalid Checkpoint Token"}, {200, NULL, NULL}};
    assert_int_not_equal(append_against(a, 2, 0, &f), CAIRN_OK);
    assert_int_equal(served, 1);
    assert_int_equal(f, LAMBDA_FAILURE_RETRY);
}

static void test_another_refusal_is_not_sent_again(void **state)
{
    (void)state;
    lambda_failure f;
    const answer a[] = {{400, NULL, "Payload too large"}, {501, NULL, "no"}, {200, NULL, NULL}};
    assert_int_not_equal(append_against(a, 3, 0, &f), CAIRN_OK);
    assert_int_equal(served, 1);
    assert_int_equal(f, LAMBDA_FAILURE_FATAL); /* the execution fails */
    assert_int_not_equal(append_against(a + 1, 2, 0, &f), CAIRN_OK);
    assert_int_equal(served, 1); /* 501: not one of the five */
    assert_int_equal(f, LAMBDA_FAILURE_RETRY);
}

/* A Retry-After that would end within a second of the deadline is not waited for. */
static void test_no_wait_past_the_deadline(void **state)
{
    (void)state;
    lambda_failure f;
    const answer a[] = {{429, "5", "slow down"}, {200, NULL, NULL}};
    assert_int_not_equal(append_against(a, 2, clock_real_ms() + 3000, &f), CAIRN_OK);
    assert_int_equal(served, 1);
    assert_int_equal(f, LAMBDA_FAILURE_RETRY);
    const answer b[] = {{503, "1", "busy"}, {200, NULL, NULL}}; /* a wait that fits */
    int64_t t0 = clock_real_ms();
    assert_int_equal(append_against(b, 2, clock_real_ms() + 60000, &f), CAIRN_OK);
    assert_int_equal(served, 2);
    assert_true(clock_real_ms() - t0 >= 1000); /* Retry-After: 1 was waited for */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_5xx_and_429_are_sent_again_as_they_were),
        cmocka_unit_test(test_a_past_http_date_is_no_wait),
        cmocka_unit_test(test_three_tries_in_all),
        cmocka_unit_test(test_a_stale_token_is_not_sent_again),
        cmocka_unit_test(test_another_refusal_is_not_sent_again),
        cmocka_unit_test(test_no_wait_past_the_deadline),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    for (int i = 0; i < MAX_SCRIPT; i++)
        free(bodies[i]);
    return rc;
}
