/*
 * test_rt_retry.c — retry decisions and delays (retry.h): each jitter, the
 * cap, the 1 s floor, the AWS defaults, and the `on` filters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "retry.h"

static const cairn_retry none_jitter = {
    .max_attempts = 5, .initial_ms = 2000, .max_ms = 10000, .rate = 2, .jitter = CAIRN_JITTER_NONE};

static void test_none_grows_by_rate_until_the_cap(void **state)
{
    (void)state;
    assert_int_equal(retry_delay_ms(&none_jitter, 1, 0.3), 2000);
    assert_int_equal(retry_delay_ms(&none_jitter, 2, 0.3), 4000);
    assert_int_equal(retry_delay_ms(&none_jitter, 3, 0.3), 8000);
    assert_int_equal(retry_delay_ms(&none_jitter, 4, 0.3), 10000);  /* 16 s capped */
    assert_int_equal(retry_delay_ms(&none_jitter, 60, 0.3), 10000); /* no overflow */
}

static void test_full_jitter_scales_the_whole_delay(void **state)
{
    (void)state;
    cairn_retry r = none_jitter;
    r.jitter = CAIRN_JITTER_FULL;
    assert_int_equal(retry_delay_ms(&r, 2, 0.5), 2000);  /* 0.5 * 4 s */
    assert_int_equal(retry_delay_ms(&r, 3, 0.75), 6000); /* 0.75 * 8 s */
    assert_int_equal(retry_delay_ms(&r, 4, 0.5), 5000);  /* 0.5 * cap */
}

static void test_half_jitter_keeps_half(void **state)
{
    (void)state;
    cairn_retry r = none_jitter;
    r.jitter = CAIRN_JITTER_HALF;
    assert_int_equal(retry_delay_ms(&r, 2, 0.0), 2000); /* 4 s / 2 */
    assert_int_equal(retry_delay_ms(&r, 2, 0.5), 3000); /* 2 s + 0.5 * 2 s */
    assert_int_equal(retry_delay_ms(&r, 3, 0.25), 5000);
}

static void test_never_less_than_one_second(void **state)
{
    (void)state;
    cairn_retry r = none_jitter;
    r.jitter = CAIRN_JITTER_FULL;
    assert_int_equal(retry_delay_ms(&r, 1, 0.0), 1000);  /* 0 -> 1 s */
    assert_int_equal(retry_delay_ms(&r, 1, 0.25), 1000); /* 500 ms -> 1 s */
    r.initial_ms = 200;
    r.jitter = CAIRN_JITTER_NONE;
    assert_int_equal(retry_delay_ms(&r, 1, 0.9), 1000);
    assert_int_equal(retry_delay_ms(&r, 4, 0.9), 1600); /* 200 ms * 2^3 */
}

static void test_zero_fields_take_the_aws_defaults(void **state)
{
    (void)state;
    cairn_retry r = {.jitter = CAIRN_JITTER_NONE};
    cairn_retry e = retry_effective(&r);
    assert_int_equal(e.max_attempts, 6);
    assert_int_equal(e.initial_ms, 5000);
    assert_int_equal(e.max_ms, 60000);
    assert_true(e.rate == 2.0);
    assert_int_equal(retry_delay_ms(&r, 1, 0.5), 5000);
    assert_int_equal(retry_delay_ms(&r, 4, 0.5), 40000);
    assert_int_equal(retry_delay_ms(&r, 5, 0.5), 60000);
    assert_true(retry_should(&r, 5, "Any.Error"));
    assert_false(retry_should(&r, 6, "Any.Error"));
}

static void test_attempts_are_counted_with_the_first_try(void **state)
{
    (void)state;
    cairn_retry r = none_jitter;
    r.max_attempts = 3;
    assert_true(retry_should(&r, 1, "X"));
    assert_true(retry_should(&r, 2, "X"));
    assert_false(retry_should(&r, 3, "X"));
    r.max_attempts = 1; /* retry: none */
    assert_false(retry_should(&r, 1, "X"));
}

static void test_on_filters_by_type_family_and_all(void **state)
{
    (void)state;
    static const char *const on[] = {"Budget.Busy", "Http", NULL};
    cairn_retry r = none_jitter;
    r.on = on;
    assert_true(retry_should(&r, 1, "Budget.Busy"));
    assert_false(retry_should(&r, 1, "Budget.Exceeded"));
    assert_true(retry_should(&r, 1, "Http.Status"));
    assert_true(retry_should(&r, 1, "Http"));
    assert_false(retry_should(&r, 1, "HttpX.Status"));
    assert_false(retry_should(&r, 5, "Budget.Busy")); /* exhausted anyway */

    static const char *const all[] = {"ALL", NULL};
    r.on = all;
    assert_true(retry_should(&r, 1, "Anything.At.All"));

    r.on = NULL; /* no filter: every error */
    assert_true(retry_should(&r, 1, "Lua.Error"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_grows_by_rate_until_the_cap),
        cmocka_unit_test(test_full_jitter_scales_the_whole_delay),
        cmocka_unit_test(test_half_jitter_keeps_half),
        cmocka_unit_test(test_never_less_than_one_second),
        cmocka_unit_test(test_zero_fields_take_the_aws_defaults),
        cmocka_unit_test(test_attempts_are_counted_with_the_first_try),
        cmocka_unit_test(test_on_filters_by_type_family_and_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
