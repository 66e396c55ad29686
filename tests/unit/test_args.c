/*
 * Unit tests of args.c: the option parser of every command. args_parse (the
 * host and store commands: positionals may be ids starting with '-') and
 * args_parse_files (the tool's check, gen, graph: positionals are files, so
 * an unknown "-x" is refused), with long and short options.
 */
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
    const args_opt opts[] = {{"db", &p->db, NULL, NULL},
                             {"input", &p->input, NULL, NULL},
                             {"json", NULL, &p->json, NULL},
                             {"help", NULL, &p->help, NULL},
                             {NULL, NULL, NULL, NULL}};
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

typedef struct tool {
    const char *out, *templates, *format;
    int main_, help;
    const char *pos[3];
    int npos;
    char msg[128];
} tool;

/* The shape of `cairn gen`: short options with values, long ones, files. */
static int parse_tool(tool *t, int argc, char **argv)
{
    memset(t, 0, sizeof *t);
    const args_opt opts[] = {{"o", &t->out, NULL, "needs a directory"},
                             {"T", &t->templates, NULL, NULL},
                             {"format", &t->format, NULL, "takes text or json"},
                             {"main", NULL, &t->main_, NULL},
                             {"help", NULL, &t->help, NULL},
                             {NULL, NULL, NULL, NULL}};
    return args_parse_files(argc, argv, 1, opts, t->pos, 3, &t->npos, t->msg, sizeof t->msg);
}

static void short_options_take_the_next_argument(void **state)
{
    (void)state;
    char *argv[] = {"gen", "a.yaml", "-o", "out", "--main", "b.yaml", "-T", "-tpl", NULL};
    tool t;
    assert_int_equal(parse_tool(&t, 8, argv), 0);
    assert_string_equal(t.out, "out");
    assert_string_equal(t.templates, "-tpl"); /* not an option: a value */
    assert_int_equal(t.main_, 1);
    assert_int_equal(t.npos, 2);
    assert_string_equal(t.pos[0], "a.yaml");
    assert_string_equal(t.pos[1], "b.yaml");
    /* -h is --help here too; "-" alone is a file (stdin, by convention). */
    char *argv2[] = {"gen", "-", "-h", NULL};
    assert_int_equal(parse_tool(&t, 3, argv2), 0);
    assert_int_equal(t.help, 1);
    assert_int_equal(t.npos, 1);
    assert_string_equal(t.pos[0], "-");
}

static void a_missing_value_says_what_it_needs(void **state)
{
    (void)state;
    char *argv[] = {"gen", "a.yaml", "-o", NULL};
    tool t;
    assert_int_equal(parse_tool(&t, 3, argv), -1);
    assert_string_equal(t.msg, "-o needs a directory");
    /* The next option is not swallowed as the value. */
    char *argv2[] = {"gen", "-o", "-T", "x", NULL};
    assert_int_equal(parse_tool(&t, 4, argv2), -1);
    assert_string_equal(t.msg, "-o needs a directory");
    char *argv3[] = {"gen", "-T", "--main", NULL};
    assert_int_equal(parse_tool(&t, 3, argv3), -1);
    assert_string_equal(t.msg, "-T needs a value");
    char *argv4[] = {"check", "a.yaml", "--format", NULL};
    assert_int_equal(parse_tool(&t, 3, argv4), -1);
    assert_string_equal(t.msg, "--format takes text or json");
}

static void files_refuse_what_looks_like_an_unknown_option(void **state)
{
    (void)state;
    tool t;
    char *argv[] = {"gen", "a.yaml", "-x", NULL};
    assert_int_equal(parse_tool(&t, 3, argv), -1);
    assert_string_equal(t.msg, "unknown option '-x'");
    char *argv2[] = {"gen", "-oout", NULL}; /* no value glued to a short option */
    assert_int_equal(parse_tool(&t, 2, argv2), -1);
    assert_string_equal(t.msg, "unknown option '-oout'");
    char *argv3[] = {"gen", "--Main", NULL};
    assert_int_equal(parse_tool(&t, 2, argv3), -1);
    assert_string_equal(t.msg, "unknown option '--Main'");
    char *argv4[] = {"gen", "--o", "x", NULL}; /* a short option has no long form */
    assert_int_equal(parse_tool(&t, 3, argv4), -1);
    assert_string_equal(t.msg, "unknown option '--o'");
    char *argv5[] = {"gen", "--main=1", NULL};
    assert_int_equal(parse_tool(&t, 2, argv5), -1);
    assert_string_equal(t.msg, "--main takes no value");
    /* After --, even "-x" is a file. */
    char *argv6[] = {"gen", "--", "-x", "-o", NULL};
    assert_int_equal(parse_tool(&t, 4, argv6), 0);
    assert_int_equal(t.npos, 2);
    assert_string_equal(t.pos[0], "-x");
    assert_string_equal(t.pos[1], "-o");
    assert_null(t.out);
}

static void ids_mode_knows_no_short_options_unless_declared(void **state)
{
    (void)state;
    /* args_parse with the store commands' table: "-o" is an id-like argument. */
    char *argv[] = {"status", "-o", NULL};
    parsed p;
    assert_int_equal(parse(&p, 2, argv), 0);
    assert_int_equal(p.npos, 1);
    assert_string_equal(p.pos[0], "-o");
    /* ... and a value may look like one too. */
    char *argv2[] = {"list", "--db", "-h", NULL};
    assert_int_equal(parse(&p, 3, argv2), 0);
    assert_string_equal(p.db, "-h");
    assert_int_equal(p.help, 0);
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
        cmocka_unit_test(short_options_take_the_next_argument),
        cmocka_unit_test(a_missing_value_says_what_it_needs),
        cmocka_unit_test(files_refuse_what_looks_like_an_unknown_option),
        cmocka_unit_test(ids_mode_knows_no_short_options_unless_declared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
