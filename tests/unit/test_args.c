/* Unit tests of args.c: the option parser of the host and store commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "args.h"

typedef struct parsed {
    const char *db, *input;
    int json, help;
    const char *pos[2];
    int npos;
    char msg[128];
} parsed;

static int parse(parsed *p, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    const args_opt opts[] = {{"db", &p->db, NULL},
                             {"input", &p->input, NULL},
                             {"json", NULL, &p->json},
                             {"help", NULL, &p->help},
                             {NULL, NULL, NULL}};
    return args_parse(argc, argv, 1, opts, p->pos, 2, &p->npos, p->msg, sizeof p->msg);
}

static void values_flags_and_positionals(void **state)
{
    (void)state;
    char *argv[] = {"status", "abc", "--db", "x.db", "--json", "--input={\"a\":1}", NULL};
    parsed p;
    assert_int_equal(parse(&p, 6, argv), 0);
    assert_string_equal(p.db, "x.db");
    assert_string_equal(p.input, "{\"a\":1}");
    assert_int_equal(p.json, 1);
    assert_int_equal(p.help, 0);
    assert_int_equal(p.npos, 1);
    assert_string_equal(p.pos[0], "abc");
}

static void dash_h_is_help_and_double_dash_ends_options(void **state)
{
    (void)state;
    char *argv[] = {"list", "-h", "--", "--json", NULL};
    parsed p;
    assert_int_equal(parse(&p, 4, argv), 0);
    assert_int_equal(p.help, 1);
    assert_int_equal(p.json, 0);
    assert_int_equal(p.npos, 1);
    assert_string_equal(p.pos[0], "--json");
}

static void unknown_option(void **state)
{
    (void)state;
    char *argv[] = {"list", "--bogus=1", NULL};
    parsed p;
    assert_int_equal(parse(&p, 2, argv), -1);
    assert_string_equal(p.msg, "unknown option '--bogus'");
}

static void single_dash_is_an_argument(void **state)
{
    (void)state;
    char *argv[] = {"status", "-Ss2Ldecy", "--json", NULL};
    parsed p;
    assert_int_equal(parse(&p, 3, argv), 0);
    assert_int_equal(p.npos, 1);
    assert_string_equal(p.pos[0], "-Ss2Ldecy");
    assert_int_equal(p.json, 1);
    /* An id may even start with "--": not an option unless [a-z-] follows. */
    char *argv3[] = {"status", "--Ab3_xY", "--json", NULL};
    assert_int_equal(parse(&p, 3, argv3), 0);
    assert_int_equal(p.npos, 1);
    assert_string_equal(p.pos[0], "--Ab3_xY");
    /* ... also as a value: --db -x takes "-x". */
    char *argv2[] = {"list", "--db", "-x.db", NULL};
    assert_int_equal(parse(&p, 3, argv2), 0);
    assert_string_equal(p.db, "-x.db");
}

static void missing_value(void **state)
{
    (void)state;
    char *argv[] = {"list", "--db", NULL};
    parsed p;
    assert_int_equal(parse(&p, 2, argv), -1);
    assert_string_equal(p.msg, "--db needs a value");
    /* The next option is not swallowed as the value. */
    char *argv2[] = {"list", "--db", "--json", NULL};
    assert_int_equal(parse(&p, 3, argv2), -1);
    assert_string_equal(p.msg, "--db needs a value");
}

static void flag_with_value_and_too_many_positionals(void **state)
{
    (void)state;
    char *argv[] = {"list", "--json=yes", NULL};
    parsed p;
    assert_int_equal(parse(&p, 2, argv), -1);
    assert_string_equal(p.msg, "--json takes no value");
    char *argv2[] = {"x", "a", "b", "c", NULL};
    assert_int_equal(parse(&p, 4, argv2), -1);
    assert_string_equal(p.msg, "unexpected argument 'c'");
}

static void prefix_is_not_a_match(void **state)
{
    (void)state;
    char *argv[] = {"list", "--js", NULL};
    parsed p;
    assert_int_equal(parse(&p, 2, argv), -1);
    char *argv2[] = {"list", "--jsonx", NULL};
    assert_int_equal(parse(&p, 2, argv2), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_flags_and_positionals),
        cmocka_unit_test(dash_h_is_help_and_double_dash_ends_options),
        cmocka_unit_test(unknown_option),
        cmocka_unit_test(single_dash_is_an_argument),
        cmocka_unit_test(missing_value),
        cmocka_unit_test(flag_with_value_and_too_many_positionals),
        cmocka_unit_test(prefix_is_not_a_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
