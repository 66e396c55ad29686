/*
 * test_common.c — the rules the generator and the runtime share
 * (runtime/src/common/): durations, RFC 3339 times, error-type matching, the
 * retry defaults, kind names and the input-schema keyword table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "defaults.h"
#include "duration.h"
#include "errmatch.h"
#include "kinds.h"
#include "retry.h"
#include "rfc3339.h"
#include "schemakw.h"

static void test_duration_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {{"250ms", 250},
                {"30s", 30000},
                {"10m", 600000},
                {"24h", 86400000},
                {"7d", 604800000},
                {"1h30m", 5400000},
                {"1d2h3m4s5ms", 93784005},
                {"1000000000ms", 1000000000}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = -1;
        const char *why = NULL;
        assert_int_equal(duration_parse(good[i].text, &ms, &why), 0);
        assert_true(ms == good[i].ms);
    }
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "empty; write e.g. 30s, 10m, 24h or 1h30m"},
        {"s", "expected a number followed by ms, s, m, h or d"},
        {"10", "missing unit: use ms, s, m, h or d"},
        {"10y", "unknown unit: use ms, s, m, h or d"},
        {"30m1h", "units must go from largest to smallest, each at most once (1h30m)"},
        {"1h1h", "units must go from largest to smallest, each at most once (1h30m)"},
        {"0s", "must be longer than zero"},
        {"10000000000s", "too large"},
        {"1.5h", "unknown unit: use ms, s, m, h or d"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        const char *why = NULL;
        assert_int_equal(duration_parse(bad[i].text, &ms, &why), -1);
        assert_string_equal(why, bad[i].why);
        assert_true(ms == 42);
    }
}

static void test_duration_format(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(duration_format(5400000, buf, sizeof buf), "1h30m");
    assert_string_equal(duration_format(600000, buf, sizeof buf), "10m");
    assert_string_equal(duration_format(250, buf, sizeof buf), "250ms");
    assert_string_equal(duration_format(86400000, buf, sizeof buf), "1d");
    assert_string_equal(duration_format(93784005, buf, sizeof buf), "1d2h3m4s5ms");
    assert_string_equal(duration_format(0, buf, sizeof buf), "0ms");
    assert_string_equal(duration_format(-5, buf, sizeof buf), "0ms");
    assert_string_equal(duration_format(INT64_MAX, buf, sizeof buf), "106751991167d7h12m55s807ms");
    /* a short buffer is cut, never overrun */
    char small[6];
    memset(small, 'x', sizeof small);
    duration_format(5400000, small, 4);
    assert_string_equal(small, "1h3");
    assert_int_equal(small[4], 'x');

    /* every printed duration reads back as itself */
    static const int64_t samples[] = {1,       999,     1000,     1001,     59999,     60000,
                                      3599999, 5400000, 86400000, 90061001, 604800000, 1000000000};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        int64_t back = -1;
        const char *why;
        duration_format(samples[i], buf, sizeof buf);
        assert_int_equal(duration_parse(buf, &back, &why), 0);
        assert_true(back == samples[i]);
    }
}

static int64_t parse_ok(const char *s)
{
    int64_t ms = -1;
    if (rfc3339_parse(s, &ms) != 0)
        fail_msg("refused %s", s);
    return ms;
}

static void test_rfc3339_parse(void **state)
{
    (void)state;
    assert_true(parse_ok("1970-01-01T00:00:00Z") == 0);
    assert_true(parse_ok("2026-01-31T09:00:00Z") == INT64_C(1769850000000));
    /* lower case, a space, fractions (past the third digit dropped) */
    assert_true(parse_ok("2026-01-31t09:00:00z") == INT64_C(1769850000000));
    assert_true(parse_ok("2026-01-31 09:00:00Z") == INT64_C(1769850000000));
    assert_true(parse_ok("2026-01-31T09:00:00.5Z") == INT64_C(1769850000500));
    assert_true(parse_ok("2026-01-31T09:00:00.123456Z") == INT64_C(1769850000123));
    /* offsets: the same instant three ways */
    assert_true(parse_ok("2026-01-31T10:30:00+01:30") == INT64_C(1769850000000));
    assert_true(parse_ok("2026-01-31T04:00:00-05:00") == INT64_C(1769850000000));
    assert_true(parse_ok("2026-01-31T09:00:00+00:00") == INT64_C(1769850000000));
    /* an offset carries the day over */
    assert_true(parse_ok("2026-01-01T00:30:00+01:00") == parse_ok("2025-12-31T23:30:00Z"));
    /* leap years: 2024 and 2000 have a 29 February, 2026 and 1900 do not */
    assert_true(parse_ok("2024-02-29T00:00:00Z") + 86400000 == parse_ok("2024-03-01T00:00:00Z"));
    assert_true(parse_ok("2000-02-29T12:00:00Z") > 0);
    assert_true(parse_ok("2026-02-28T00:00:00Z") + 86400000 == parse_ok("2026-03-01T00:00:00Z"));
    /* a leap second, and before the epoch */
    assert_true(parse_ok("2016-12-31T23:59:60Z") == parse_ok("2017-01-01T00:00:00Z"));
    assert_true(parse_ok("1969-12-31T23:59:59Z") == -1000);

    static const char *const bad[] = {
        "2026-02-30T25:61:00Z", /* no such day, hour or minute */
        "2026-02-30T09:00:00Z",
        "2026-02-29T09:00:00Z",
        "1900-02-29T09:00:00Z",
        "2026-04-31T09:00:00Z",
        "2026-13-01T09:00:00Z",
        "2026-00-10T09:00:00Z",
        "2026-01-00T09:00:00Z",
        "2026-01-31T24:00:00Z",
        "2026-01-31T09:60:00Z",
        "2026-01-31T09:00:61Z",
        "2026-01-31T09:00:00", /* no zone */
        "2026-01-31T09:00:00+24:00",
        "2026-01-31T09:00:00+01:60",
        "2026-01-31T09:00:00+0100",
        "2026-01-31T09:00Z",
        "2026-01-31T09:00:00.Z",
        "2026-01-31X09:00:00Z",
        "26-01-31T09:00:00Z",
        "2026-01-31T09:00:00Z ",
        "tomorrow",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        if (rfc3339_parse(bad[i], &ms) != -1)
            fail_msg("accepted %s", bad[i]);
        assert_true(ms == 42);
    }
    int64_t ms;
    assert_int_equal(rfc3339_parse(NULL, &ms), -1);
}

static void test_rfc3339_format(void **state)
{
    (void)state;
    char buf[40];
    rfc3339_format(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    rfc3339_format(INT64_C(1769850000250), buf, sizeof buf);
    assert_string_equal(buf, "2026-01-31T09:00:00.250Z");
    rfc3339_format(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    rfc3339_format(parse_ok("2024-02-29T23:59:59.999+00:00"), buf, sizeof buf);
    assert_string_equal(buf, "2024-02-29T23:59:59.999Z");
    rfc3339_format(parse_ok("2026-03-01T01:00:00+02:00"), buf, sizeof buf);
    assert_string_equal(buf, "2026-02-28T23:00:00.000Z");
    /* years past 9999 cannot be written in four digits */
    rfc3339_format(parse_ok("9999-12-31T23:59:59Z") + 1000, buf, sizeof buf);
    assert_string_equal(buf, "invalid");
    /* what it prints reads back */
    static const int64_t samples[] = {
        0, 1, -1, INT64_C(951782400000), INT64_C(1769850000123), INT64_C(253402300799999)};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        rfc3339_format(samples[i], buf, sizeof buf);
        assert_true(parse_ok(buf) == samples[i]);
    }
}

static void test_errmatch(void **state)
{
    (void)state;
    assert_true(errmatch("Callback.Timeout", "Callback.Timeout"));
    assert_true(errmatch("Callback.Timeout", "Callback"));
    /* Callback.HeartbeatTimeout, the old name of Callback.Heartbeat: the same
     * error in a workflow's catch and in a journal written before the rename. */
    assert_true(errmatch("Callback.Heartbeat", "Callback.HeartbeatTimeout"));
    assert_true(errmatch("Callback.HeartbeatTimeout", "Callback.Heartbeat"));
    assert_true(errmatch("Callback.HeartbeatTimeout", "Callback"));
    assert_false(errmatch("Callback.HeartbeatTimeout", "Callback.Timeout"));
    assert_false(errmatch("Callback.Heartbeats", "Callback.Heartbeat"));
    assert_true(errmatch("Http.Status.503", "Http.Status"));
    assert_true(errmatch("Anything.At.All", "ALL"));
    assert_true(errmatch("Budget", "Budget"));
    assert_false(errmatch("CallbackX", "Callback"));
    assert_false(errmatch("CallbackX.Timeout", "Callback"));
    assert_false(errmatch("Callback", "Callback.Timeout"));
    assert_false(errmatch("Call", "Callback"));
    assert_false(errmatch("Other.Timeout", "Callback"));
    assert_false(errmatch("all", "All"));

    /* classes: a last word of one digit and "xx" (DESIGN §4) */
    assert_true(errmatch("Http.Status.503", "Http.Status.5xx"));
    assert_true(errmatch("Http.Status.500", "Http.Status.5xx"));
    assert_true(errmatch("Http.Status.599", "Http.Status.5xx"));
    assert_true(errmatch("Http.Status.402", "Http.Status.4xx"));
    assert_true(errmatch("Http.Status.402", "Http.Status.402"));
    assert_false(errmatch("Http.Status.402", "Http.Status.5xx"));
    assert_false(errmatch("Http.Status.503", "Http.Status.4xx"));
    assert_false(errmatch("Http.Status.5000", "Http.Status.5xx"));
    assert_false(errmatch("Http.Status.50", "Http.Status.5xx"));
    assert_false(errmatch("Http.Status.5ab", "Http.Status.5xx"));
    assert_false(errmatch("Http.Status", "Http.Status.5xx"));
    assert_false(errmatch("Http.Other.503", "Http.Status.5xx"));
    assert_false(errmatch("Http.StatusX.503", "Http.Status.5xx"));
    assert_false(errmatch("Http.Status.503", "Http.Status.50x"));
    assert_false(errmatch("Http.Status.503", "5xx"));

    static const char *const list[] = {"Budget.Busy", "Http", NULL};
    assert_true(errmatch_any("Http.Status", list));
    assert_true(errmatch_any("Budget.Busy", list));
    assert_false(errmatch_any("Budget.Exceeded", list));
    static const char *const classes[] = {"Http.Status.5xx", "Http.Transport", NULL};
    assert_true(errmatch_any("Http.Status.503", classes));
    assert_false(errmatch_any("Http.Status.402", classes));
    assert_false(errmatch_any("Http", NULL));
    static const char *const none[] = {NULL};
    assert_false(errmatch_any("Http", none));
}

static void test_defaults(void **state)
{
    (void)state;
    /* the AWS SDK's default retry strategy */
    assert_int_equal(DEFAULTS_RETRY_ATTEMPTS, 6);
    assert_int_equal(DEFAULTS_RETRY_INITIAL_MS, 5000);
    assert_int_equal(DEFAULTS_RETRY_MAX_MS, 60000);
    assert_true(DEFAULTS_RETRY_RATE == 2.0);
    assert_int_equal(DEFAULTS_RETRY_MIN_DELAY_MS, 1000);
    /* and the runtime fills a zero policy with them */
    cairn_retry zero;
    memset(&zero, 0, sizeof zero);
    cairn_retry e = retry_effective(&zero);
    assert_int_equal(e.max_attempts, DEFAULTS_RETRY_ATTEMPTS);
    assert_true(e.initial_ms == DEFAULTS_RETRY_INITIAL_MS);
    assert_true(e.max_ms == DEFAULTS_RETRY_MAX_MS);
    assert_true(e.rate == DEFAULTS_RETRY_RATE);
    assert_int_equal(e.jitter, CAIRN_JITTER_FULL);
    assert_true(retry_delay_ms(&zero, 1, 0.0) == DEFAULTS_RETRY_MIN_DELAY_MS);
}

static void test_kinds(void **state)
{
    (void)state;
    static const char *const names[] = {
        "step", "wait",     "callback", "await", "wait_for_callback",  "choice", "succeed", "fail",
        "goto", "parallel", "map",      "group", "wait_for_condition", "invoke"};
    assert_int_equal(KIND_COUNT, sizeof names / sizeof names[0]);
    for (int k = 0; k < KIND_COUNT; k++) {
        assert_string_equal(kind_name((kind)k), names[k]);
        assert_int_equal(kind_from_name(names[k]), k);
    }
    assert_string_equal(kind_name(KIND_COUNT), "?");
    assert_int_equal(kind_from_name("Step"), -1);
    assert_int_equal(kind_from_name("Parallel"), -1);
    assert_string_equal(kind_of_journal_type("STEP"), "step");
    assert_string_equal(kind_of_journal_type("WAIT"), "wait");
    assert_string_equal(kind_of_journal_type("CALLBACK"), "callback");
    assert_string_equal(kind_of_journal_type("CONTEXT"), "context");
    assert_string_equal(kind_of_journal_type("EXECUTION"), "EXECUTION");
}

static void test_schema_keywords(void **state)
{
    (void)state;
    /* the thirteen keywords the runtime enforces, and no other */
    static const char *const all[] = {"type",    "properties", "required",  "additionalProperties",
                                      "items",   "enum",       "const",     "minimum",
                                      "maximum", "minLength",  "maxLength", "minItems",
                                      "maxItems"};
    size_t n = 0;
    while (schemakw_table[n].name)
        n++;
    assert_int_equal(n, sizeof all / sizeof all[0]);
    for (size_t i = 0; i < n; i++)
        assert_non_null(schemakw_find(all[i]));
    assert_null(schemakw_find("pattern"));
    assert_null(schemakw_find("Minimum"));

    assert_true(schemakw_accepts("minimum", SCHEMAKW_NUMBER));
    assert_false(schemakw_accepts("minimum", SCHEMAKW_STRING));
    assert_false(schemakw_accepts("maxItems", SCHEMAKW_ARRAY));
    assert_true(schemakw_accepts("type", SCHEMAKW_STRING));
    assert_true(schemakw_accepts("type", SCHEMAKW_ARRAY));
    assert_false(schemakw_accepts("type", SCHEMAKW_OBJECT));
    assert_true(schemakw_accepts("additionalProperties", SCHEMAKW_BOOL));
    assert_true(schemakw_accepts("additionalProperties", SCHEMAKW_OBJECT));
    assert_false(schemakw_accepts("additionalProperties", SCHEMAKW_NUMBER));
    assert_false(schemakw_accepts("enum", SCHEMAKW_STRING));
    assert_true(schemakw_accepts("const", SCHEMAKW_NULL));
    assert_false(schemakw_accepts("pattern", SCHEMAKW_STRING));
    assert_string_equal(schemakw_find("minimum")->what, "a number");

    static const char *const types[] = {"object",  "array",   "string", "number",
                                        "integer", "boolean", "null"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        assert_string_equal(schemakw_type_names[i], types[i]);
    assert_null(schemakw_type_names[sizeof types / sizeof types[0]]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_parse), cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_rfc3339_parse),  cmocka_unit_test(test_rfc3339_format),
        cmocka_unit_test(test_errmatch),       cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_kinds),          cmocka_unit_test(test_schema_keywords),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
