/*
 * test_rt_schema.c — the input schema subset (schema.c): each keyword passing
 * and failing, and the exact message naming the failing place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"

typedef struct scase {
    const char *schema, *value;
    const char *message; /* NULL: the value passes */
} scase;

static void run_cases(const scase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *schema = cJSON_Parse(cases[i].schema), *value = cJSON_Parse(cases[i].value);
        if (!schema || !value)
            fail_msg("case %zu: bad JSON in the test", i);
        char msg[256] = "untouched";
        int rc = schema_check(schema, value, msg, sizeof msg);
        if (!cases[i].message && rc != 0)
            fail_msg("%s against %s: rejected: %s", cases[i].value, cases[i].schema, msg);
        if (cases[i].message && (rc != -1 || strcmp(msg, cases[i].message) != 0))
            fail_msg("%s against %s: got %d \"%s\", expected \"%s\"", cases[i].value,
                     cases[i].schema, rc, msg, cases[i].message);
        cJSON_Delete(schema);
        cJSON_Delete(value);
    }
}

#define RUN(cases) run_cases(cases, sizeof cases / sizeof *cases)

static void test_type(void **state)
{
    (void)state;
    static const scase cases[] = {
        {"{\"type\":\"object\"}", "{}", NULL},
        {"{\"type\":\"object\"}", "[]", "input: expected object, got array"},
        {"{\"type\":\"array\"}", "[1]", NULL},
        {"{\"type\":\"array\"}", "{}", "input: expected array, got object"},
        {"{\"type\":\"string\"}", "\"x\"", NULL},
        {"{\"type\":\"string\"}", "3", "input: expected string, got number"},
        {"{\"type\":\"number\"}", "2.5", NULL},
        {"{\"type\":\"number\"}", "\"2.5\"", "input: expected number, got string"},
        {"{\"type\":\"integer\"}", "3", NULL},
        {"{\"type\":\"integer\"}", "3.0", NULL},
        {"{\"type\":\"integer\"}", "3.5", "input: expected integer, got number"},
        {"{\"type\":\"boolean\"}", "false", NULL},
        {"{\"type\":\"boolean\"}", "0", "input: expected boolean, got number"},
        {"{\"type\":\"null\"}", "null", NULL},
        {"{\"type\":\"null\"}", "false", "input: expected null, got boolean"},
        {"{\"type\":[\"string\",\"null\"]}", "null", NULL},
        {"{\"type\":[\"string\",\"null\"]}", "\"a\"", NULL},
        {"{\"type\":[\"string\",\"null\"]}", "1", "input: expected string or null, got number"},
        {"{\"type\":[\"string\",\"integer\",\"null\"]}", "[]",
         "input: expected string, integer or null, got array"},
    };
    RUN(cases);
}

static void test_objects(void **state)
{
    (void)state;
    static const char schema[] =
        "{\"type\":\"object\",\"required\":[\"request_id\",\"amount\"],"
        "\"properties\":{\"request_id\":{\"type\":\"string\"},\"amount\":{\"type\":\"number\"},"
        "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"qty\"],"
        "\"properties\":{\"qty\":{\"type\":\"integer\"}}}}}}";
    static const char closed[] = "{\"properties\":{\"a\":{}},\"additionalProperties\":false}";
    static const scase cases[] = {
        {schema, "{\"request_id\":\"r1\",\"amount\":5}", NULL},
        {schema, "{\"request_id\":\"r1\",\"amount\":5,\"items\":[{\"qty\":1},{\"qty\":2,\"x\":0}]}",
         NULL},
        {schema, "{\"request_id\":\"r1\"}", "input: missing required property 'amount'"},
        {schema, "{}", "input: missing required property 'request_id'"},
        {schema, "{\"request_id\":\"r1\",\"amount\":\"5\"}",
         "input.amount: expected number, got string"},
        {schema,
         "{\"request_id\":\"r1\",\"amount\":5,\"items\":[{\"qty\":1},{\"qty\":2},{\"qty\":\"3\"}]}",
         "input.items[2].qty: expected integer, got string"},
        {schema, "{\"request_id\":\"r1\",\"amount\":5,\"items\":[{\"qty\":1},{}]}",
         "input.items[1]: missing required property 'qty'"},
        {closed, "{\"a\":1}", NULL},
        {closed, "{\"a\":1,\"b\":2}", "input: unexpected property 'b'"},
        {"{\"additionalProperties\":true}", "{\"z\":1}", NULL},
        {"{\"properties\":{\"a\":{}},\"additionalProperties\":{\"type\":\"string\"}}",
         "{\"a\":1,\"b\":\"x\"}", NULL},
        {"{\"properties\":{\"a\":{}},\"additionalProperties\":{\"type\":\"string\"}}",
         "{\"a\":1,\"b\":2}", "input.b: expected string, got number"},
        /* names that are not plain identifiers are quoted in the path */
        {"{\"properties\":{\"first name\":{\"type\":\"string\"}}}", "{\"first name\":1}",
         "input[\"first name\"]: expected string, got number"},
        /* required and properties only apply to objects */
        {"{\"required\":[\"a\"],\"properties\":{\"a\":{\"type\":\"string\"}}}", "[1]", NULL},
        /* boolean schemas */
        {"{\"properties\":{\"x\":false}}", "{\"x\":1}", "input.x: no value is allowed here"},
        {"{\"properties\":{\"x\":true}}", "{\"x\":1}", NULL},
    };
    RUN(cases);
}

static void test_arrays(void **state)
{
    (void)state;
    static const scase cases[] = {
        {"{\"minItems\":1}", "[0]", NULL},
        {"{\"minItems\":1}", "[]", "input: expected at least 1 item, got 0"},
        {"{\"minItems\":2}", "[0]", "input: expected at least 2 items, got 1"},
        {"{\"maxItems\":2}", "[0,1]", NULL},
        {"{\"maxItems\":2}", "[0,1,2]", "input: expected at most 2 items, got 3"},
        {"{\"items\":{\"type\":\"number\"}}", "[1,2.5]", NULL},
        {"{\"items\":{\"type\":\"number\"}}", "[1,null]", "input[1]: expected number, got null"},
        {"{\"items\":{\"items\":{\"minimum\":0}}}", "[[0],[1,-1]]",
         "input[1][1]: -1 is less than the minimum 0"},
        {"{\"minItems\":5}", "\"abc\"", NULL}, /* array keywords only apply to arrays */
    };
    RUN(cases);
}

static void test_enum_const(void **state)
{
    (void)state;
    static const scase cases[] = {
        {"{\"enum\":[\"red\",\"green\",1,null]}", "\"green\"", NULL},
        {"{\"enum\":[\"red\",\"green\",1,null]}", "1.0", NULL},
        {"{\"enum\":[\"red\",\"green\",1,null]}", "null", NULL},
        {"{\"enum\":[\"red\",\"green\"]}", "\"blue\"",
         "input: expected one of \"red\", \"green\"; got \"blue\""},
        {"{\"enum\":[{\"a\":[1]}]}", "{\"a\":[1]}", NULL},
        {"{\"enum\":[{\"a\":[1]}]}", "{\"a\":[2]}",
         "input: expected one of {\"a\":[1]}; got {\"a\":[2]}"},
        {"{\"const\":\"order\"}", "\"order\"", NULL},
        {"{\"const\":\"order\"}", "\"refund\"", "input: expected \"order\", got \"refund\""},
        {"{\"const\":{\"b\":1,\"a\":2}}", "{\"a\":2,\"b\":1}", NULL},
        {"{\"const\":3}", "\"3\"", "input: expected 3, got \"3\""},
    };
    RUN(cases);
}

static void test_numbers_and_strings(void **state)
{
    (void)state;
    static const scase cases[] = {
        {"{\"minimum\":1}", "1", NULL},
        {"{\"minimum\":1}", "0.5", "input: 0.5 is less than the minimum 1"},
        {"{\"maximum\":10000}", "10000", NULL},
        {"{\"maximum\":10000}", "20000", "input: 20000 is greater than the maximum 10000"},
        {"{\"minimum\":1}", "\"0\"", NULL}, /* number keywords only apply to numbers */
        {"{\"minLength\":3}", "\"abc\"", NULL},
        {"{\"minLength\":3}", "\"ab\"", "input: expected at least 3 characters, got 2"},
        {"{\"minLength\":1}", "\"\"", "input: expected at least 1 character, got 0"},
        {"{\"maxLength\":3}", "\"h\\u00e9\\u00e9\"", NULL}, /* code points, not bytes */
        {"{\"maxLength\":3}", "\"abcd\"", "input: expected at most 3 characters, got 4"},
        {"{\"maxLength\":3}", "4444", NULL},
    };
    RUN(cases);
}

static void test_ignored_and_edge(void **state)
{
    (void)state;
    static const scase cases[] = {
        {"{\"pattern\":\"^a$\",\"format\":\"email\",\"title\":\"x\"}", "\"zzz\"", NULL},
        {"{\"type\":5}", "1", NULL},
        /* a keyword whose value has the wrong type (common/schemakw.c) is ignored,
           never enforced: why `cairn check` refuses it */
        {"{\"minimum\":\"ten\"}", "1", NULL},
        {"{\"maxItems\":[1]}", "[1,2,3]", NULL},
        {"{\"enum\":\"red\"}", "\"blue\"", NULL},
        {"{\"required\":\"amount\"}", "{}", NULL},
        {"{\"additionalProperties\":5}", "{\"x\":1}", NULL},
        /* additionalProperties as a schema checks each other member */
        {"{\"additionalProperties\":{\"type\":\"string\"}}", "{\"x\":\"a\"}", NULL},
        {"{\"additionalProperties\":{\"type\":\"string\"}}", "{\"x\":1}",
         "input.x: expected string, got number"},
        {"{}", "{\"anything\":[1]}", NULL},
        {"true", "1", NULL},
        {"false", "1", "input: no value is allowed here"},
        /* the first failing place is reported: type before the rest */
        {"{\"type\":\"string\",\"minLength\":5}", "7", "input: expected string, got number"},
    };
    RUN(cases);

    /* NULL schema passes; a short buffer is cut, never overrun */
    cJSON *v = cJSON_Parse("{}");
    assert_int_equal(schema_check(NULL, v, NULL, 0), 0);
    cJSON *s = cJSON_Parse("{\"required\":[\"amount\"]}");
    char small[12];
    memset(small, 'x', sizeof small);
    assert_int_equal(schema_check(s, v, small, 8), -1);
    assert_string_equal(small, "input: ");
    assert_int_equal(small[9], 'x');
    assert_int_equal(schema_check(s, v, NULL, 0), -1);
    cJSON_Delete(s);
    cJSON_Delete(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_enum_const),
        cmocka_unit_test(test_numbers_and_strings),
        cmocka_unit_test(test_ignored_and_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
