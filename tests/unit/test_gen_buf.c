/*
 * test_gen_buf.c — the generator's string builder (generator/buf.c): every
 * append lands whole and NUL-terminated, whatever the room left. buf_printf
 * formats into the room left and, only when that was too small, again into
 * more: the cases are a text that fits, one of exactly the room left (the
 * NUL then does not fit), one byte more, and one far longer than the block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

/* n bytes of a repeating alphabet, NUL-terminated (caller frees). */
static char *pattern(size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    s[n] = '\0';
    return s;
}

static void printf_fits_and_grows(void **state)
{
    (void)state;
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s=%d", "x", 42);
    assert_string_equal(buf_str(&b), "x=42");
    assert_int_equal(b.len, 4);

    /* After heads of many lengths, texts around the room left, each against
     * snprintf: n == room - 1 fits with its NUL, n == room does not. */
    for (size_t at = 0; at < 3 * 256; at += 37) {
        for (long extra = -2; extra <= 2; extra++) {
            buf c;
            buf_init(&c);
            char *head = pattern(at);
            buf_add(&c, head);
            buf_printf(&c, "%s", ""); /* makes the room buf_printf starts with */
            size_t room = c.cap - c.len;
            size_t n = (size_t)((long)room + extra);
            char *tail = pattern(n);
            buf_printf(&c, "%s", tail);
            char *want = malloc(at + n + 1);
            assert_non_null(want);
            snprintf(want, at + n + 1, "%s%s", head, tail);
            assert_true(buf_ok(&c));
            assert_int_equal(c.len, at + n);
            assert_string_equal(buf_str(&c), want);
            free(want);
            free(tail);
            free(head);
            buf_cleanup(&c);
        }
    }

    /* Far longer than the block it starts in. */
    buf_reset(&b);
    char *big = pattern(100000);
    buf_printf(&b, "%s%s", big, "!");
    assert_int_equal(b.len, 100001);
    assert_memory_equal(buf_str(&b), big, 100000);
    assert_string_equal(buf_str(&b) + 100000, "!");
    free(big);
    buf_cleanup(&b);
}

static void addc_across_growth(void **state)
{
    (void)state;
    buf b;
    buf_init(&b);
    char *want = pattern(5000);
    for (size_t i = 0; i < 5000; i++) {
        buf_addc(&b, want[i]);
        assert_int_equal(buf_str(&b)[i + 1], '\0');
    }
    assert_int_equal(b.len, 5000);
    assert_string_equal(buf_str(&b), want);
    char *s = buf_take(&b);
    assert_string_equal(s, want);
    assert_null(b.data);
    free(s);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printf_fits_and_grows),
        cmocka_unit_test(addc_across_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
