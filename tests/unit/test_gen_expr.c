/*
 * test_gen_expr.c — the ${...} parser: precedence, paths with keys and
 * indexes, literals, node positions, and every error with its column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "expr.h"

static expr *parse(const char *s)
{
    char msg[256] = "";
    size_t off = 0;
    expr *e = expr_parse_msg(s, strlen(s), msg, sizeof msg, &off);
    if (!e)
        fail_msg("'%s' did not parse: %s (offset %zu)", s, msg, off);
    return e;
}

/* A compact rendering of the AST, to compare shapes. */
static void render(const expr *e, char *out, size_t cap)
{
    char a[256] = "", b[256] = "";
    static const char *const cmps[] = {"==", "!=", "<", "<=", ">", ">="};
    switch (e->kind) {
    case EX_NULL:
        snprintf(out, cap, "null");
        break;
    case EX_BOOL:
        snprintf(out, cap, "%s", e->b ? "true" : "false");
        break;
    case EX_NUM:
        snprintf(out, cap, "#%s", e->str);
        break;
    case EX_STR:
        snprintf(out, cap, "'%s'", e->str);
        break;
    case EX_PATH: {
        size_t n = (size_t)snprintf(out, cap, "%s", e->root);
        for (size_t i = 0; i < e->nsegs && n < cap; i++)
            n += e->segs[i].key ? (size_t)snprintf(out + n, cap - n, ".%s", e->segs[i].key)
                                : (size_t)snprintf(out + n, cap - n, "[%ld]", e->segs[i].index);
        break;
    }
    case EX_NOT:
        render(e->a, a, sizeof a);
        snprintf(out, cap, "!(%s)", a);
        break;
    case EX_ARITH:
        render(e->a, a, sizeof a);
        render(e->bx, b, sizeof b);
        snprintf(out, cap, "(%s %c %s)", a, "+-*/%"[e->ar], b);
        break;
    case EX_COALESCE:
        render(e->a, a, sizeof a);
        render(e->bx, b, sizeof b);
        snprintf(out, cap, "(%s ?? %s)", a, b);
        break;
    case EX_AND:
    case EX_OR:
    case EX_CMP:
        render(e->a, a, sizeof a);
        render(e->bx, b, sizeof b);
        snprintf(out, cap, "(%s %s %s)", a,
                 e->kind == EX_AND  ? "&&"
                 : e->kind == EX_OR ? "||"
                                    : cmps[e->cmp],
                 b);
        break;
    }
}

static void assert_shape(const char *src, const char *want)
{
    expr *e = parse(src);
    char got[512];
    render(e, got, sizeof got);
    expr_free(e);
    assert_string_equal(got, want);
}

static void test_precedence(void **state)
{
    (void)state;
    assert_shape("a || b && c", "(a || (b && c))");
    assert_shape("a && b || c", "((a && b) || c)");
    assert_shape("a && b && c", "((a && b) && c)");
    assert_shape("a || b || c", "((a || b) || c)");
    assert_shape("(a || b) && c", "((a || b) && c)");
    assert_shape("!a == b", "(!(a) == b)");
    assert_shape("!!a", "!(!(a))");
    assert_shape("a == 1 && b != 'x' || !c", "(((a == #1) && (b != 'x')) || !(c))");
    assert_shape("a < 1 || a <= 2 || a > 3 || a >= 4",
                 "((((a < #1) || (a <= #2)) || (a > #3)) || (a >= #4))");
    assert_shape("!(a < b)", "!((a < b))");
    assert_shape("  ( ( a ) )  ", "a");
}

/* Since 0.2: arithmetic and ??. Tighter than comparisons: * / % over + -
 * over ?? (right-associative) over == and the like. */
static void test_arith_and_default(void **state)
{
    (void)state;
    assert_shape("n + 1", "(n + #1)");
    assert_shape("n+1", "(n + #1)");
    assert_shape("n-1", "(n - #1)");
    assert_shape("a - b - c", "((a - b) - c)");
    assert_shape("a + b * c", "(a + (b * c))");
    assert_shape("a * b + c % d / e", "((a * b) + ((c % d) / e))");
    assert_shape("(a + b) * c", "((a + b) * c)");
    assert_shape("-x", "(#0 - x)");
    assert_shape("-(a + 1)", "(#0 - (a + #1))");
    assert_shape("a - -1", "(a - #-1)");
    assert_shape("'a' + name + '!'", "(('a' + name) + '!')");
    assert_shape("a ?? b", "(a ?? b)");
    assert_shape("a ?? b ?? c", "(a ?? (b ?? c))");
    assert_shape("n ?? 0 + 1", "(n ?? (#0 + #1))");
    assert_shape("(n ?? 0) + 1", "((n ?? #0) + #1)");
    assert_shape("s.status ?? 'pending' == 'done'", "((s.status ?? 'pending') == 'done')");
    assert_shape("a + 1 < b * 2 && c ?? true", "(((a + #1) < (b * #2)) && (c ?? true))");
    assert_shape("!a ?? b", "(!(a) ?? b)");

    static const struct {
        const char *src;
        size_t off;
        const char *msg;
    } bad[] = {
        {"a ?", 2, "'?' is not an operator: use '?\?' for a default (a ?\? b)"},
        {"a ??", 4,
         "expected a value (a path, a number, a string, true, false, null or '('), found the end "
         "of the expression"},
        {"a +", 3,
         "expected a value (a path, a number, a string, true, false, null or '('), found the end "
         "of the expression"},
        {"* a", 0,
         "expected a value (a path, a number, a string, true, false, null or '('), found '*'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[256] = "";
        size_t off = 999;
        expr *e = expr_parse_msg(bad[i].src, strlen(bad[i].src), msg, sizeof msg, &off);
        if (e)
            fail_msg("'%s' parsed but should not", bad[i].src);
        if (strcmp(msg, bad[i].msg) || off != bad[i].off)
            fail_msg("'%s': got \"%s\" at %zu, want \"%s\" at %zu", bad[i].src, msg, off,
                     bad[i].msg, bad[i].off);
    }
    expr *e = parse("-2.5");
    assert_int_equal(e->kind, EX_NUM);
    assert_string_equal(e->str, "-2.5");
    expr_free(e);
}

static void test_paths(void **state)
{
    (void)state;
    assert_shape("input", "input");
    assert_shape("input.a.b", "input.a.b");
    assert_shape("decision.items[0]", "decision.items[0]");
    assert_shape("x[1][22].y_2", "x[1][22].y_2");
    assert_shape("execution.id", "execution.id");
    assert_shape("a . b [ 3 ]", "a.b[3]");
}

static void test_literals(void **state)
{
    (void)state;
    assert_shape("1", "#1");
    assert_shape("-2.5", "#-2.5");
    assert_shape("1e3", "#1e3");
    assert_shape("0.5E-2", "#0.5E-2");
    assert_shape("true", "true");
    assert_shape("false", "false");
    assert_shape("null", "null");
    assert_shape("'single'", "'single'");
    assert_shape("\"double\"", "'double'");
    assert_shape("'it\\'s'", "'it's'");
    assert_shape("\"a\\\"b\\\\c\"", "'a\"b\\c'");
    assert_shape("'}'", "'}'");
    assert_shape("truth", "truth"); /* a name that starts like a keyword */

    expr *e = parse("-2.5");
    assert_true(e->num == -2.5);
    expr_free(e);
    e = parse("'a\\nb\\t'");
    assert_string_equal(e->str, "a\nb\t");
    expr_free(e);
}

/* Node positions: at.col + offset in the source. */
static void test_positions(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    diag *d = diag_new(out, 0);
    const char *src = "a.b == 'x' && !c";
    expr *e = expr_parse(src, strlen(src), (pos){7, 10}, 1, "f.yaml", d);
    assert_non_null(e);
    assert_int_equal(e->kind, EX_AND);
    assert_int_equal(e->a->a->at.line, 7);
    assert_int_equal(e->a->a->at.col, 10);  /* a.b */
    assert_int_equal(e->a->bx->at.col, 17); /* 'x' */
    assert_int_equal(e->bx->at.col, 24);    /* ! */
    assert_int_equal(e->bx->a->at.col, 25); /* c */
    expr_free(e);

    /* not exact (multi-line scalars): everything at the scalar's start */
    e = expr_parse(src, strlen(src), (pos){3, 5}, 0, "f.yaml", d);
    assert_int_equal(e->bx->a->at.col, 5);
    expr_free(e);

    /* an error goes to the sink at its column */
    assert_null(expr_parse("a &&", 4, (pos){2, 20}, 1, "f.yaml", d));
    assert_null(expr_parse("a &&", 4, (pos){4, 20}, 0, "f.yaml", d));
    assert_int_equal(diag_errors(d), 2);
    diag_free(d);
    fclose(out);
    assert_string_equal(
        buf, "f.yaml:2:24: error: expected a value (a path, a number, a string, true, false, null "
             "or '('), found the end of the expression\n"
             "f.yaml:4:20: error: expected a value (a path, a number, a string, true, false, null "
             "or '('), found the end of the expression\n");
    free(buf);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        size_t off;
        const char *msg;
    } cases[] = {
        {"", 0, "empty expression: write a path or a value inside ${ }"},
        {"   ", 0, "empty expression: write a path or a value inside ${ }"},
        {"a ==", 4,
         "expected a value (a path, a number, a string, true, false, null or '('), found the end "
         "of the expression"},
        {"&& a", 0,
         "expected a value (a path, a number, a string, true, false, null or '('), found '&&'"},
        {"(a || b", 7,
         "expected ')' to close the '(' at column 1, found the end of the expression"},
        {"x && (a b)", 8, "expected ')' to close the '(' at column 6, found 'b'"},
        {"'abc", 0, "unterminated string: expected a closing '"},
        {"a == \"abc", 5, "unterminated string: expected a closing \""},
        {"'\\q'", 1, "unknown escape '\\q' in a string (use \\\\, \\', \\\", \\n, \\t, \\r)"},
        {"a == b == c", 7,
         "comparisons do not chain: '==' cannot follow a comparison; add parentheses or '&&'"},
        {"a < b > c", 6,
         "comparisons do not chain: '>' cannot follow a comparison; add parentheses or '&&'"},
        {"a = b", 2, "'=' is not an operator: compare with '=='"},
        {"a & b", 2, "'&' is not an operator: use '&&'"},
        {"a | b", 2, "'|' is not an operator: use '||'"},
        {"a.", 2, "expected a name after '.', found the end of the expression"},
        {"a.1", 2, "expected a name after '.', found '1'"},
        {"a[x]", 2, "expected a list index (0, 1, ...) after '[', found 'x'"},
        {"a[-1]", 2, "expected a list index (0, 1, ...) after '[', found '-'"},
        {"a[1.5]", 2, "expected a list index (0, 1, ...) after '[', found '1.5'"},
        {"a[1", 3, "expected ']' after the index, found the end of the expression"},
        {"a b", 2, "unexpected 'b' after the expression (missing '&&' or '||'?)"},
        {"a)", 1, "unexpected ')' after the expression (missing '&&' or '||'?)"},
        {"1.", 2, "expected a digit after '.' in a number"},
        {"1e", 2, "expected a digit in the exponent of a number"},
        {"12ab", 0, "malformed number '12a'"},
        {"a # b", 2, "unexpected character '#'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[256] = "";
        size_t off = 999;
        expr *e = expr_parse_msg(cases[i].src, strlen(cases[i].src), msg, sizeof msg, &off);
        if (e)
            fail_msg("'%s' parsed but should not", cases[i].src);
        if (strcmp(msg, cases[i].msg) || off != cases[i].off)
            fail_msg("'%s': got \"%s\" at %zu, want \"%s\" at %zu", cases[i].src, msg, off,
                     cases[i].msg, cases[i].off);
    }
}

static void test_find_end(void **state)
{
    (void)state;
    assert_int_equal(expr_find_end("a}", 2), 1);
    assert_int_equal(expr_find_end("'}'} x", 6), 3);
    assert_int_equal(expr_find_end("\"\\\"}\"}", 6), 5);
    assert_int_equal(expr_find_end("'abc", 4), -1);
    assert_int_equal(expr_find_end("abc", 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence), cmocka_unit_test(test_arith_and_default),
        cmocka_unit_test(test_paths),      cmocka_unit_test(test_literals),
        cmocka_unit_test(test_positions),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_find_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
