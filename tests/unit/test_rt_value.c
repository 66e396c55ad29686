/*
 * test_rt_value.c — the scope (variables, arena, oom) and the expression
 * helpers of value.h, which the cairn_x_* of cairn.h wrap one to one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "scope.h"
#include "value.h"

static int setup(void **state)
{
    scope *s = malloc(sizeof *s);
    assert_non_null(s);
    assert_int_equal(scope_init(s), 0);
    cJSON *input = cJSON_Parse("{\"a\":{\"b\":[10,20,{\"c\":\"deep\"}]},\"n\":3,\"name\":\"Ann\"}");
    assert_int_equal(scope_set(s, "input", input), 0);
    cJSON_Delete(input);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    scope *s = *state;
    scope_cleanup(s);
    free(s);
    return 0;
}

static void assert_json(const cJSON *v, const char *expected)
{
    char *text = cJSON_PrintUnformatted(v);
    assert_non_null(text);
    assert_string_equal(text, expected);
    cJSON_free(text);
}

/* ---- scope ------------------------------------------------------------- */

static void test_scope_set_copies_and_records_last_as(void **state)
{
    scope *s = *state;
    assert_ptr_equal(s->last_as, value_var(s, "input")); /* set by setup */
    cJSON *v = cJSON_Parse("{\"x\":1}");
    assert_int_equal(scope_set(s, "r", v), 0);
    cJSON_ReplaceItemInObject(v, "x", cJSON_CreateNumber(2)); /* the scope holds a copy */
    cJSON_Delete(v);
    assert_json(value_var(s, "r"), "{\"x\":1}");
    assert_ptr_equal(s->last_as, value_var(s, "r"));

    assert_int_equal(scope_set(s, "r", NULL), 0); /* replaced; NULL is null */
    assert_true(cJSON_IsNull(value_var(s, "r")));
    assert_ptr_equal(s->last_as, value_var(s, "r"));
    assert_int_equal(cJSON_GetArraySize(s->vars), 2);
    assert_int_equal(s->oom, 0);
}

static void test_scope_reset_frees_temps_keeps_vars(void **state)
{
    scope *s = *state;
    for (int i = 0; i < 100; i++) /* grows the arena past its first capacity */
        value_num(s, i);
    value_str(s, "x");
    assert_int_equal(s->ntemps, 101);
    scope_reset(s); /* LSan reports the 101 values if this leaks them */
    assert_int_equal(s->ntemps, 0);
    assert_json(value_var(s, "input"),
                "{\"a\":{\"b\":[10,20,{\"c\":\"deep\"}]},\"n\":3,\"name\":\"Ann\"}");
    value_str(s, "kept until cleanup"); /* freed by scope_cleanup in teardown */
}

static void test_scope_keep_null_is_oom(void **state)
{
    scope *s = *state;
    const cJSON *v = scope_keep(s, NULL);
    assert_non_null(v);
    assert_true(cJSON_IsNull(v));
    assert_int_equal(s->oom, 1);
}

/* cJSON allocations fail while this is installed. */
static void *failing_malloc(size_t n)
{
    (void)n;
    return NULL;
}

static void test_allocation_failure_gives_null_and_oom(void **state)
{
    scope *s = *state;
    cJSON_Hooks hooks = {.malloc_fn = failing_malloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
    const cJSON *n = value_num(s, 1);
    int oom_after_num = s->oom;
    cJSON *o = value_object(s);
    value_put(s, o, "k", value_var(s, "input")); /* on the shared null: nothing */
    const cJSON *c = value_concat(s, (const cJSON *const[]){value_var(s, "input"), NULL});
    int set_rc = scope_set(s, "y", NULL);
    cJSON_InitHooks(NULL);

    assert_non_null(n);
    assert_true(cJSON_IsNull(n));
    assert_int_equal(oom_after_num, 1);
    assert_non_null(o);
    assert_true(cJSON_IsNull(o));
    assert_true(cJSON_IsNull(c));
    assert_int_equal(set_rc, -1);
    assert_int_equal(s->ntemps, 0);
}

/* ---- paths ------------------------------------------------------------- */

static void test_paths(void **state)
{
    scope *s = *state;
    const cJSON *in = value_var(s, "input");
    assert_int_equal(value_get(in, "n")->valuedouble, 3);
    assert_string_equal(
        value_get(value_at(value_get(value_get(in, "a"), "b"), 2), "c")->valuestring, "deep");
    assert_int_equal(value_at(value_get(value_get(in, "a"), "b"), 0)->valuedouble, 10);

    /* every way of leading nowhere is null, never NULL */
    const cJSON *nowhere[] = {
        value_var(s, "unset"),
        value_get(in, "missing"),
        value_get(value_get(in, "missing"), "deeper"),
        value_get(value_get(in, "n"), "x"),                 /* a number is not an object */
        value_get(value_get(value_get(in, "a"), "b"), "0"), /* nor is an array */
        value_get(NULL, "x"),
        value_at(value_get(value_get(in, "a"), "b"), 3),  /* out of range */
        value_at(value_get(value_get(in, "a"), "b"), -1), /* negative */
        value_at(value_get(in, "a"), 0),                  /* an object is not an array */
        value_at(value_get(in, "name"), 0),
        value_at(NULL, 0),
    };
    for (size_t i = 0; i < sizeof nowhere / sizeof *nowhere; i++) {
        assert_non_null(nowhere[i]);
        assert_true(cJSON_IsNull(nowhere[i]));
    }
    assert_int_equal(s->oom, 0);
}

/* ---- constants --------------------------------------------------------- */

static void test_constants(void **state)
{
    scope *s = *state;
    assert_true(cJSON_IsNull(value_null()));
    assert_true(cJSON_IsTrue(value_bool(7)));
    assert_true(cJSON_IsFalse(value_bool(0)));
    assert_int_equal(s->ntemps, 0); /* shared constants: no allocation */
    assert_true(value_num(s, -2.5)->valuedouble == -2.5);
    assert_string_equal(value_str(s, "héllo")->valuestring, "héllo");
    assert_string_equal(value_str(s, NULL)->valuestring, "");
    assert_json(value_json(s, "{\"a\":[1,2,{\"b\":null}],\"t\":true}"),
                "{\"a\":[1,2,{\"b\":null}],\"t\":true}");
    assert_int_equal(s->ntemps, 4);
    assert_int_equal(s->oom, 0);
}

static void test_json_bad_text_flags_failure(void **state)
{
    scope *s = *state;
    const cJSON *v = value_json(s, "{\"a\":");
    assert_true(cJSON_IsNull(v));
    assert_int_equal(s->oom, 1);
    s->oom = 0;
    v = value_json(s, "[1] trailing");
    assert_true(cJSON_IsNull(v));
    assert_int_equal(s->oom, 1);
}

/* ---- truthiness -------------------------------------------------------- */

static void test_truthy(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int truthy;
    } cases[] = {
        {"false", 0}, {"null", 0}, {"0", 0},     {"-0", 0},
        {"\"\"", 0},  {"0.0", 0},  {"true", 1},  {"1", 1},
        {"-1", 1},    {"0.5", 1},  {"\"0\"", 1}, {"\"false\"", 1},
        {"{}", 1},    {"[]", 1},   {"[0]", 1},   {"{\"a\":false}", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *v = cJSON_Parse(cases[i].json);
        assert_non_null(v);
        if (value_truthy(v) != cases[i].truthy)
            fail_msg("truthy(%s) should be %d", cases[i].json, cases[i].truthy);
        cJSON_Delete(v);
    }
    assert_int_equal(value_truthy(NULL), 0);
}

/* ---- comparisons ------------------------------------------------------- */

static void test_cmp_table(void **state)
{
    (void)state;
    /* expected results for EQ NE LT LE GT GE */
    static const struct {
        const char *a, *b;
        int r[6];
    } cases[] = {
        {"1", "1.0", {1, 0, 0, 1, 0, 1}},
        {"1", "2", {0, 1, 1, 1, 0, 0}},
        {"2.5", "-3", {0, 1, 0, 0, 1, 1}},
        {"\"a\"", "\"b\"", {0, 1, 1, 1, 0, 0}},
        {"\"b\"", "\"a\"", {0, 1, 0, 0, 1, 1}},
        {"\"abc\"", "\"abc\"", {1, 0, 0, 1, 0, 1}},
        {"\"Z\"", "\"a\"", {0, 1, 1, 1, 0, 0}},       /* bytewise: 'Z' < 'a' */
        {"\"\\u00e9\"", "\"z\"", {0, 1, 0, 0, 1, 1}}, /* UTF-8 bytes above ASCII */
        {"\"ab\"", "\"abc\"", {0, 1, 1, 1, 0, 0}},
        /* mixed types: never equal, never ordered */
        {"1", "\"1\"", {0, 1, 0, 0, 0, 0}},
        {"0", "false", {0, 1, 0, 0, 0, 0}},
        {"null", "false", {0, 1, 0, 0, 0, 0}},
        {"\"\"", "null", {0, 1, 0, 0, 0, 0}},
        {"[1]", "1", {0, 1, 0, 0, 0, 0}},
        {"true", "true", {1, 0, 0, 0, 0, 0}},
        {"true", "false", {0, 1, 0, 0, 0, 0}},
        {"null", "null", {1, 0, 0, 0, 0, 0}},
        /* deep */
        {"{\"a\":1,\"b\":[1,{\"c\":2}]}", "{\"b\":[1.0,{\"c\":2}],\"a\":1}", {1, 0, 0, 0, 0, 0}},
        {"{\"a\":1}", "{\"a\":1,\"b\":2}", {0, 1, 0, 0, 0, 0}},
        {"{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":2}", {0, 1, 0, 0, 0, 0}},
        {"[1,2]", "[2,1]", {0, 1, 0, 0, 0, 0}},
        {"[1,2]", "[1,2,3]", {0, 1, 0, 0, 0, 0}},
        {"[]", "{}", {0, 1, 0, 0, 0, 0}},
    };
    static const cairn_cmp ops[] = {CAIRN_EQ, CAIRN_NE, CAIRN_LT, CAIRN_LE, CAIRN_GT, CAIRN_GE};
    static const char *const names[] = {"==", "!=", "<", "<=", ">", ">="};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *a = cJSON_Parse(cases[i].a), *b = cJSON_Parse(cases[i].b);
        assert_non_null(a);
        assert_non_null(b);
        for (int k = 0; k < 6; k++)
            if (value_cmp(a, ops[k], b) != cases[i].r[k])
                fail_msg("%s %s %s should be %d", cases[i].a, names[k], cases[i].b, cases[i].r[k]);
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
    /* NULL counts as null; the shared null of a missing path equals null */
    cJSON *n = cJSON_CreateNull();
    assert_true(value_cmp(NULL, CAIRN_EQ, n));
    assert_true(value_cmp(value_get(n, "x"), CAIRN_EQ, n));
    assert_false(value_cmp(NULL, CAIRN_LT, n));
    cJSON_Delete(n);
}

/* ---- interpolation ----------------------------------------------------- */

static void test_concat_formatting(void **state)
{
    scope *s = *state;
    const cJSON *in = value_var(s, "input");
    const cJSON *v =
        value_concat(s, (const cJSON *const[]){value_str(s, "n="), value_get(in, "n"),
                                               value_str(s, " x="), value_num(s, 2.5),
                                               value_str(s, " nothing=["), value_get(in, "missing"),
                                               value_str(s, "] "), value_bool(1), value_str(s, ","),
                                               value_bool(0), value_str(s, " "), value_get(in, "a"),
                                               value_str(s, " "), value_json(s, "[1,\"x\",null]"),
                                               value_str(s, " "), value_json(s, "{}"), NULL});
    assert_string_equal(
        v->valuestring,
        "n=3 x=2.5 nothing=[] true,false {\"b\":[10,20,{\"c\":\"deep\"}]} [1,\"x\",null] {}");

    /* nested values are printed the same way: numbers, escapes, member order */
    v = value_concat(
        s, (const cJSON *const[]){
               value_json(
                   s, "{\"z\":0.1,\"a\":[1e15,-0.0,3.0],\"s\":\"q\\\"\\\\\\n\\t\\u0001\u00e9\"}"),
               NULL});
    assert_string_equal(
        v->valuestring,
        "{\"z\":0.1,\"a\":[1000000000000000,0,3],\"s\":\"q\\\"\\\\\\n\\t\\u0001\u00e9\"}");
    char *third = json_print(value_json(s, "[0.3333333333333333]"));
    assert_string_equal(third, "[0.3333333333333333]");
    free(third);

    static const struct {
        double d;
        const char *text;
    } nums[] = {
        {3.0, "3"},
        {-0.0, "0"},
        {-17, "-17"},
        {0.1, "0.1"},
        {1.0 / 3, "0.3333333333333333"},
        {1e15, "1000000000000000"},
        {1e300, "1e+300"},
        {123456789012, "123456789012"},
        {-2.25, "-2.25"},
    };
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        v = value_concat(s, (const cJSON *const[]){value_num(s, nums[i].d), NULL});
        assert_string_equal(v->valuestring, nums[i].text);
    }
    v = value_concat(s, (const cJSON *const[]){NULL});
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "");
    assert_int_equal(s->oom, 0);
}

/* ---- arithmetic and ?? ------------------------------------------------- */

static void test_arith(void **state)
{
    scope *s = *state;
    const cJSON *in = value_var(s, "input");
    const cJSON *n = value_get(in, "n"); /* 3 */
    assert_json(value_arith(s, n, CAIRN_ADD, value_num(s, 1)), "4");
    assert_json(value_arith(s, n, CAIRN_SUB, value_num(s, 5)), "-2");
    assert_json(value_arith(s, n, CAIRN_MUL, value_num(s, 2.5)), "7.5");
    assert_json(value_arith(s, n, CAIRN_DIV, value_num(s, 2)), "1.5");
    assert_json(value_arith(s, value_num(s, 7), CAIRN_MOD, n), "1");
    assert_json(value_arith(s, value_num(s, -7), CAIRN_MOD, n), "-1"); /* sign of a */
    assert_json(value_arith(s, value_num(s, 7.5), CAIRN_MOD, value_num(s, 2)), "1.5");

    /* by zero: null, for / and % alike; so is a result that is not finite */
    assert_true(cJSON_IsNull(value_arith(s, n, CAIRN_DIV, value_num(s, 0))));
    assert_true(cJSON_IsNull(value_arith(s, n, CAIRN_MOD, value_num(s, 0))));
    assert_true(cJSON_IsNull(value_arith(s, value_num(s, 1e308), CAIRN_MUL, value_num(s, 10))));

    /* + joins when either side is a string, the way ${a}${b} would */
    assert_json(value_arith(s, value_get(in, "name"), CAIRN_ADD, value_str(s, "!")), "\"Ann!\"");
    assert_json(value_arith(s, value_str(s, "n="), CAIRN_ADD, n), "\"n=3\"");
    assert_json(value_arith(s, value_get(in, "missing"), CAIRN_ADD, value_str(s, "x")), "\"x\"");
    assert_json(value_arith(s, value_str(s, "a="), CAIRN_ADD, value_json(s, "[1]")), "\"a=[1]\"");

    /* anything else is null: no string arithmetic, no null as zero */
    assert_true(cJSON_IsNull(value_arith(s, value_str(s, "a"), CAIRN_SUB, value_str(s, "b"))));
    assert_true(cJSON_IsNull(value_arith(s, value_get(in, "missing"), CAIRN_ADD, n)));
    assert_true(cJSON_IsNull(value_arith(s, value_bool(1), CAIRN_ADD, n)));
    assert_true(cJSON_IsNull(value_arith(s, n, CAIRN_MUL, value_json(s, "{}"))));
    assert_true(cJSON_IsNull(value_arith(s, n, (cairn_arith)99, n)));
    assert_int_equal(s->oom, 0);
}

static void test_coalesce(void **state)
{
    scope *s = *state;
    const cJSON *in = value_var(s, "input");
    const cJSON *zero = value_num(s, 0);
    /* null or nowhere: the default */
    assert_ptr_equal(value_coalesce(value_get(in, "missing"), zero), zero);
    assert_ptr_equal(value_coalesce(value_var(s, "not_set_yet"), zero), zero);
    assert_ptr_equal(value_coalesce(value_null(), zero), zero);
    assert_ptr_equal(value_coalesce(NULL, zero), zero);
    /* anything else, falsy or not, is kept */
    assert_ptr_equal(value_coalesce(value_get(in, "n"), zero), value_get(in, "n"));
    const cJSON *f = value_bool(0), *empty = value_str(s, "");
    assert_ptr_equal(value_coalesce(f, zero), f);
    assert_ptr_equal(value_coalesce(empty, zero), empty);
    assert_ptr_equal(value_coalesce(zero, value_num(s, 5)), zero);
    assert_true(cJSON_IsNull(value_coalesce(value_null(), NULL)));
}

/* ---- structured values ------------------------------------------------- */

static void test_put_push_deep_copy(void **state)
{
    scope *s = *state;
    cJSON *src = cJSON_Parse("{\"k\":[1,2]}");
    cJSON *o = value_object(s);
    value_put(s, o, "src", src);
    value_put(s, o, "nothing", NULL);
    value_put(s, o, "n", value_num(s, 1));
    value_put(s, o, "n", value_str(s, "replaced")); /* a key appears once */
    cJSON *a = value_array(s);
    value_push(s, a, src);
    value_push(s, a, NULL);
    value_push(s, a, value_bool(1));
    value_put(s, o, "list", a);

    cJSON_AddNumberToObject(src, "later", 9); /* o and a hold copies */
    cJSON_AddItemToArray(cJSON_GetObjectItem(src, "k"), cJSON_CreateNumber(3));
    cJSON_Delete(src);
    value_push(s, a, value_num(s, 4)); /* o holds a copy of a, too */

    assert_json(o, "{\"src\":{\"k\":[1,2]},\"nothing\":null,\"n\":\"replaced\","
                   "\"list\":[{\"k\":[1,2]},null,true]}");
    assert_json(a, "[{\"k\":[1,2]},null,true,4]");

    /* not a container: nothing happens, and the shared constants stay intact */
    value_put(s, (cJSON *)value_null(), "x", a);
    value_push(s, (cJSON *)value_bool(1), a);
    value_push(s, o, a);
    value_put(s, a, "x", a);
    assert_true(cJSON_IsNull(value_null()));
    assert_null(value_null()->child);
    assert_null(value_bool(1)->child);
    assert_int_equal(cJSON_GetArraySize(a), 4);
    assert_int_equal(s->oom, 0);
}

static void test_json_number_text_nonfinite(void **state)
{
    (void)state;
    char buf[32];
    json_number_text(0.0 / 0.0, buf, sizeof buf);
    assert_string_equal(buf, "null");
    json_number_text(1e308 * 10, buf, sizeof buf);
    assert_string_equal(buf, "null");
}

/* --json's text: two spaces a level, "key": value, empty containers inline,
 * strings escaped as in the compact form; the compact form is unchanged. */
static void test_json_print_indented(void **state)
{
    (void)state;
    cJSON *v = cJSON_Parse("{\"a\":1,\"s\":\"t\\tx\",\"e\":{},\"l\":[],"
                           "\"ops\":[{\"id\":\"0\",\"r\":null},2.5]}");
    assert_non_null(v);
    char *text = json_print_indented(v);
    assert_non_null(text);
    assert_string_equal(text, "{\n"
                              "  \"a\": 1,\n"
                              "  \"s\": \"t\\tx\",\n"
                              "  \"e\": {},\n"
                              "  \"l\": [],\n"
                              "  \"ops\": [\n"
                              "    {\n"
                              "      \"id\": \"0\",\n"
                              "      \"r\": null\n"
                              "    },\n"
                              "    2.5\n"
                              "  ]\n"
                              "}");
    free(text);
    text = json_print(v);
    assert_string_equal(text, "{\"a\":1,\"s\":\"t\\tx\",\"e\":{},\"l\":[],"
                              "\"ops\":[{\"id\":\"0\",\"r\":null},2.5]}");
    free(text);
    text = json_print_indented(cJSON_GetObjectItem(v, "a"));
    assert_string_equal(text, "1");
    free(text);
    cJSON_Delete(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scope_set_copies_and_records_last_as, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_reset_frees_temps_keeps_vars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_keep_null_is_oom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failure_gives_null_and_oom, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_text_flags_failure, setup, teardown),
        cmocka_unit_test(test_truthy),
        cmocka_unit_test(test_cmp_table),
        cmocka_unit_test_setup_teardown(test_concat_formatting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coalesce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_push_deep_copy, setup, teardown),
        cmocka_unit_test(test_json_number_text_nonfinite),
        cmocka_unit_test(test_json_print_indented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
