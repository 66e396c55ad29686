/*
 * test_rt_cli_tree.c — the tree order of `history` (cli_tree.h): a fan-out
 * journal prints depth-first with children in journal order; a flat journal
 * is unchanged; a missing parent, a row its own parent, duplicate ids and
 * parent cycles print every row exactly once; 10,000 rows (siblings or one
 * deep chain) in one call; names indented two spaces per level, capped; the
 * cJSON form of engine_history_json; out of memory at every allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_tree.h"
#include "mem.h"

/* Orders the n rows ids/parents into out, which must hold n. */
static void order(const char *const *ids, const char *const *parents, size_t n, cli_tree_row *out)
{
    assert_int_equal(cli_tree_order(ids, parents, n, out), 0);
}

/* out[] has every index of 0..n) exactly once. */
static void assert_permutation(const cli_tree_row *out, size_t n)
{
    unsigned char *seen = mem_calloc(n ? n : 1, 1);
    assert_non_null(seen);
    for (size_t i = 0; i < n; i++) {
        assert_true(out[i].index < n);
        assert_false(seen[out[i].index]);
        seen[out[i].index] = 1;
    }
    mem_free(seen);
}

/* out, as "index:depth index:depth ..." */
static void assert_rows(const cli_tree_row *out, size_t n, const char *want)
{
    char got[512];
    size_t len = 0;
    got[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof got; i++)
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%zu:%zu", i ? " " : "",
                                out[i].index, out[i].depth);
    assert_string_equal(got, want);
}

static void test_flat_journal_keeps_its_order(void **state)
{
    (void)state;
    const char *ids[] = {"0", "1", "2", "3"};
    const char *parents[] = {NULL, NULL, NULL, NULL};
    cli_tree_row out[4];
    order(ids, parents, 4, out);
    assert_rows(out, 4, "0:0 1:0 2:0 3:0");
}

/* The journal of tests/fanout/fo_waits.yaml, in its journal order: two
 * branches interleaved, a map of groups inside the second, a third branch
 * started late. */
static void test_fanout_prints_depth_first(void **state)
{
    (void)state;
    const char *ids[] = {"0",       "1",         "1-1",         "1-1-1",   "1-2",
                         "1-2-1",   "1-1-2",     "1-3",         "1-3-1",   "1-2-2",
                         "1-2-2-1", "1-2-2-1-1", "1-2-2-1-1-1", "1-2-2-2", "2"};
    const char *parents[] = {NULL,  NULL,  "1",     "1-1",     "1",         "1-2",   "1-1", "1",
                             "1-3", "1-2", "1-2-2", "1-2-2-1", "1-2-2-1-1", "1-2-2", NULL};
    enum { N = sizeof ids / sizeof ids[0] };
    cli_tree_row out[N];
    order(ids, parents, N, out);
    assert_rows(out, N, "0:0 1:0 2:1 3:2 6:2 4:1 5:2 9:2 10:3 11:4 12:5 13:3 7:1 8:2 14:0");
}

/* Children come in journal order (the order they started), not id order:
 * "1-10" started before "1-2" here. */
static void test_children_in_journal_order_not_id_order(void **state)
{
    (void)state;
    const char *ids[] = {"1", "1-10", "1-2", "1-2-1", "1-10-1"};
    const char *parents[] = {NULL, "1", "1", "1-2", "1-10"};
    cli_tree_row out[5];
    order(ids, parents, 5, out);
    assert_rows(out, 5, "0:0 1:1 4:2 2:1 3:2");
}

/* A parent not in the set: the row is top level, where the journal has it,
 * with its own children under it; NULL ids never match. */
static void test_orphans_are_top_level(void **state)
{
    (void)state;
    const char *ids[] = {"0", "7-1", "1", "7-1-1", NULL, "2"};
    const char *parents[] = {NULL, "7", NULL, "7-1", "1", "gone"};
    cli_tree_row out[6];
    order(ids, parents, 6, out);
    assert_rows(out, 6, "0:0 1:0 3:1 2:0 4:1 5:0");
}

/* A row its own parent, a cycle of two and one of three under which a row
 * hangs: every row once, the cycles after the tree, each from its first
 * row in journal order. */
static void test_cycles_print_every_row_once(void **state)
{
    (void)state;
    const char *ids[] = {"a", "self", "b", "x", "c", "y", "z", "under-z", "ok"};
    const char *parents[] = {NULL, "self", "x", "b", "z", "c", "y", "z", "a"};
    enum { N = sizeof ids / sizeof ids[0] };
    cli_tree_row out[N];
    order(ids, parents, N, out);
    assert_permutation(out, N);
    assert_rows(out, N, "0:0 8:1 1:0 2:0 3:1 4:0 5:1 6:2 7:3");
}

/* Two rows with one id (not in a real journal): children go to the first. */
static void test_duplicate_ids(void **state)
{
    (void)state;
    const char *ids[] = {"1", "1", "1-1"};
    const char *parents[] = {NULL, NULL, "1"};
    cli_tree_row out[3];
    order(ids, parents, 3, out);
    assert_rows(out, 3, "0:0 2:1 1:0");
}

static void test_empty(void **state)
{
    (void)state;
    cli_tree_row out[1] = {{99, 99}};
    assert_int_equal(cli_tree_order(NULL, NULL, 0, out), 0);
    assert_int_equal(out[0].index, 99);
}

enum { MANY = 10000, ID_LEN = 16 };

/* Sets ids[i] to "r<i>", the strings in one block returned (mem_free). */
static char *many_ids(const char **ids)
{
    char *buf = mem_calloc(MANY, ID_LEN);
    assert_non_null(buf);
    for (size_t i = 0; i < MANY; i++) {
        snprintf(buf + i * ID_LEN, ID_LEN, "r%zu", i);
        ids[i] = buf + i * ID_LEN;
    }
    return buf;
}

/* 10,000 rows: a fan-out of 9,999 branches in journal order, then one chain
 * 10,000 deep (a recursive walk would use the C stack that deep), then one
 * cycle through all of them. */
static void test_ten_thousand_rows(void **state)
{
    (void)state;
    const char **ids = mem_calloc(MANY, sizeof *ids);
    const char **parents = mem_calloc(MANY, sizeof *parents);
    cli_tree_row *out = mem_calloc(MANY, sizeof *out);
    assert_true(ids && parents && out);
    char *buf = many_ids(ids);

    for (size_t i = 1; i < MANY; i++)
        parents[i] = ids[0];
    order(ids, parents, MANY, out);
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(out[i].index, i);
        assert_int_equal(out[i].depth, i ? 1 : 0);
    }

    for (size_t i = 1; i < MANY; i++)
        parents[i] = ids[i - 1];
    order(ids, parents, MANY, out);
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(out[i].index, i);
        assert_int_equal(out[i].depth, i);
    }

    parents[0] = ids[MANY - 1];
    order(ids, parents, MANY, out);
    assert_permutation(out, MANY);
    assert_int_equal(out[0].index, 0);
    assert_int_equal(out[MANY - 1].depth, MANY - 1);

    mem_free(buf);
    mem_free(ids);
    mem_free(parents);
    mem_free(out);
}

static void test_indent_two_spaces_per_level(void **state)
{
    (void)state;
    char *s = cli_tree_indent("charge", 0);
    assert_string_equal(s, "charge");
    mem_free(s);
    s = cli_tree_indent("charge", 2);
    assert_string_equal(s, "    charge");
    mem_free(s);
    s = cli_tree_indent("", 1);
    assert_string_equal(s, "  ");
    mem_free(s);
    /* A deep (or damaged) journal does not print thousands of spaces. */
    s = cli_tree_indent("x", 5000);
    assert_int_equal(strlen(s), 2 * CLI_TREE_MAX_INDENT + 1);
    assert_int_equal(s[2 * CLI_TREE_MAX_INDENT], 'x');
    mem_free(s);
}

/* The "operations" of a history document: rows point into it, in tree
 * order; members missing or not strings are no id / no parent. */
static void test_ops_of_a_history_document(void **state)
{
    (void)state;
    cJSON *ops = cJSON_Parse("[{\"id\":\"0\",\"parent_id\":null,\"name\":\"wf\"},"
                             "{\"id\":\"1\",\"parent_id\":null,\"name\":\"fan\"},"
                             "{\"id\":\"1-1\",\"parent_id\":\"1\",\"name\":\"b0\"},"
                             "{\"id\":\"1-2\",\"parent_id\":\"1\",\"name\":\"b1\"},"
                             "{\"id\":\"1-1-1\",\"parent_id\":\"1-1\",\"name\":\"s0\"},"
                             "{\"id\":7,\"name\":\"odd\"}]");
    assert_non_null(ops);
    cli_tree_op *rows;
    size_t n;
    assert_int_equal(cli_tree_ops(ops, &rows, &n), 0);
    assert_int_equal(n, 6);
    const char *names[] = {"wf", "fan", "b0", "s0", "b1", "odd"};
    const size_t depths[] = {0, 0, 1, 2, 1, 0};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(cJSON_GetObjectItem(rows[i].op, "name")->valuestring, names[i]);
        assert_int_equal(rows[i].depth, depths[i]);
    }
    mem_free(rows);
    cJSON_Delete(ops);

    cJSON *none = cJSON_CreateArray();
    rows = (cli_tree_op *)1;
    assert_int_equal(cli_tree_ops(none, &rows, &n), 0);
    assert_null(rows);
    assert_int_equal(n, 0);
    assert_int_equal(cli_tree_ops(NULL, &rows, &n), 0); /* no "operations" member */
    assert_int_equal(n, 0);
    cJSON_Delete(none);
}

#ifdef CAIRN_TEST_HOOKS
/* Each allocation failing in turn: -1 and nothing leaked (ASan, valgrind). */
static void test_out_of_memory(void **state)
{
    (void)state;
    cJSON *ops = cJSON_Parse("[{\"id\":\"1\"},{\"id\":\"1-1\",\"parent_id\":\"1\"}]");
    assert_non_null(ops);
    int failed = 0;
    for (long at = 1; at < 50; at++) {
        cli_tree_op *rows = NULL;
        size_t n = 0;
        mem_fail_at(at);
        int rc = cli_tree_ops(ops, &rows, &n);
        mem_fail_at(0);
        if (rc == 0) {
            assert_int_equal(n, 2);
            mem_free(rows);
            break;
        }
        assert_int_equal(rc, -1);
        assert_null(rows);
        failed++;
    }
    assert_true(failed > 0);
    mem_fail_at(1);
    assert_null(cli_tree_indent("x", 1));
    mem_fail_at(0);
    cJSON_Delete(ops);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_journal_keeps_its_order),
        cmocka_unit_test(test_fanout_prints_depth_first),
        cmocka_unit_test(test_children_in_journal_order_not_id_order),
        cmocka_unit_test(test_orphans_are_top_level),
        cmocka_unit_test(test_cycles_print_every_row_once),
        cmocka_unit_test(test_duplicate_ids),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_ten_thousand_rows),
        cmocka_unit_test(test_indent_two_spaces_per_level),
        cmocka_unit_test(test_ops_of_a_history_document),
#ifdef CAIRN_TEST_HOOKS
        cmocka_unit_test(test_out_of_memory),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
