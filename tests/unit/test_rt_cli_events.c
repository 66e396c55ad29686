/*
 * test_rt_cli_events.c — the retry delays `history --timeline` notes
 * (cli_gaps_*, cli_events.c): each StepFailed to the next StepStarted of the
 * same operation, in order, with the events of other operations
 * interleaved; a failure not yet retried adds nothing; an operation without
 * events has none; 10,000 operations in one index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli.h"

/* An events array as engine_events_json builds it, from "Type Id second" triples. */
static cJSON *events_of(const char *const *spec, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    assert_non_null(a);
    for (size_t i = 0; i < n; i++) {
        char type[32], id[32], at[40];
        int sec;
        assert_int_equal(sscanf(spec[i], "%31s %31s %d", type, id, &sec), 3);
        snprintf(at, sizeof at, "2026-01-01T00:%02d:%02d.000Z", sec / 60, sec % 60);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "EventType", type);
        cJSON_AddStringToObject(e, "Id", id);
        cJSON_AddStringToObject(e, "EventTimestamp", at);
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

static void assert_gaps(const cli_gaps *g, const char *id, const char *want)
{
    char buf[128];
    cli_gaps_of(g, id, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_delays_in_order_per_operation(void **state)
{
    (void)state;
    static const char *const spec[] = {
        "ExecutionStarted 0 0", "StepStarted 1 0", "StepFailed 1 0",    "StepStarted 2 1",
        "StepFailed 2 1",       "StepStarted 1 2", "StepFailed 1 2",    "StepStarted 2 4",
        "StepSucceeded 2 4",    "StepStarted 1 6", "StepSucceeded 1 6", "StepStarted 3 7",
        "StepFailed 3 7",       "WaitStarted 4 7",
    };
    cJSON *ev = events_of(spec, sizeof spec / sizeof spec[0]);
    cli_gaps *g = cli_gaps_new(ev);
    assert_non_null(g);
    assert_gaps(g, "1", "retried after 2s, 4s");
    assert_gaps(g, "2", "retried after 3s");
    assert_gaps(g, "3", ""); /* failed, next attempt not started yet */
    assert_gaps(g, "4", "");
    assert_gaps(g, "0", "");
    assert_gaps(g, "9", "");
    cli_gaps_free(g);
    cJSON_Delete(ev);
}

static void test_no_events(void **state)
{
    (void)state;
    cJSON *ev = cJSON_CreateArray();
    cli_gaps *g = cli_gaps_new(ev);
    assert_non_null(g);
    assert_gaps(g, "1", "");
    cli_gaps_free(g);
    cli_gaps_free(NULL);
    cJSON_Delete(ev);
}

/* 10,000 operations each failing once: every one finds its own delay. */
static void test_ten_thousand_operations(void **state)
{
    (void)state;
    enum { N = 10000 };
    cJSON *ev = cJSON_CreateArray();
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "1-%d", i);
        const char *types[] = {"StepStarted", "StepFailed", "StepStarted"};
        const char *at[] = {"2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z",
                            "2026-01-01T00:00:05.000Z"};
        for (int k = 0; k < 3; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "EventType", types[k]);
            cJSON_AddStringToObject(e, "Id", id);
            cJSON_AddStringToObject(e, "EventTimestamp", at[k]);
            cJSON_AddItemToArray(ev, e);
        }
    }
    cli_gaps *g = cli_gaps_new(ev);
    assert_non_null(g);
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "1-%d", i);
        assert_gaps(g, id, "retried after 5s");
    }
    cli_gaps_free(g);
    cJSON_Delete(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delays_in_order_per_operation),
        cmocka_unit_test(test_no_events),
        cmocka_unit_test(test_ten_thousand_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
