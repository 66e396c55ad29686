/*
 * test_gen_graph.c — `cairn graph`'s drawing (graph.c): expressions back to
 * their source text with only the parentheses they need, and the nodes and
 * edges drawn for the order example and the cases of tests/graph/cases/ in
 * both syntaxes (sequence, choice branches, else, catches, retry loops,
 * callback timeout exits by exact and family catch or to FAILED, ends),
 * label escaping, and same model, same bytes.
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
#include "diag.h"
#include "expr.h"
#include "graph.h"
#include "load.h"
#include "model.h"

/* ---- expressions ---- */

/* The text graph_expr_text gives for the expression src (caller frees). */
static char *expr_back(const char *src)
{
    char msg[256] = "";
    size_t off = 0;
    expr *e = expr_parse_msg(src, strlen(src), msg, sizeof msg, &off);
    if (!e)
        fail_msg("'%s' did not parse: %s", src, msg);
    buf b;
    buf_init(&b);
    graph_expr_text(&b, e);
    expr_free(e);
    char *text = buf_take(&b);
    assert_non_null(text);
    return text;
}

static void check_expr(const char *src, const char *want)
{
    char *got = expr_back(src);
    assert_string_equal(got, want);
    /* The text means the same: drawn again, it is the same text. */
    char *again = expr_back(got);
    assert_string_equal(again, got);
    free(again);
    free(got);
}

static void test_expr_text(void **state)
{
    (void)state;
    check_expr("order.total >= 1000", "order.total >= 1000");
    check_expr("input.list[2].name != null", "input.list[2].name != null");
    check_expr("!(input.a && input.b) && input.list[2].name != null",
               "!(input.a && input.b) && input.list[2].name != null");
    /* Parentheses only where the tree needs them. */
    check_expr("((a)) || (b && c)", "a || b && c");
    check_expr("(a || b) && c", "(a || b) && c");
    check_expr("a && (b && c)", "a && (b && c)");
    check_expr("(a && b) && c", "a && b && c");
    check_expr("!(a == b)", "!(a == b)");
    check_expr("!!a", "!!a");
    check_expr("(a == b) == c", "(a == b) == c");
    /* Literals: numbers as written, strings single-quoted and escaped. */
    check_expr("x <= 2.50 && y == 1e3", "x <= 2.50 && y == 1e3");
    check_expr("\"it's\" == 'a\\\\b' || true != false", "'it\\'s' == 'a\\\\b' || true != false");
    check_expr("'tab\\tnl\\n' == null", "'tab\\tnl\\n' == null");
    /* Since 0.2: arithmetic and ??, with their own binding strengths. */
    check_expr("(a + b) * c - d / (e % f)", "(a + b) * c - d / (e % f)");
    check_expr("a - (b - c)", "a - (b - c)");
    check_expr("(a - b) - c", "a - b - c");
    check_expr("a ?? (b ?? c)", "a ?? b ?? c");
    check_expr("(a ?? b) ?? c", "(a ?? b) ?? c");
    check_expr("(n ?? 0) + 1", "(n ?? 0) + 1");
    check_expr("s.status ?? 'pending' == 'done'", "s.status ?? 'pending' == 'done'");
    check_expr("(a == b) ?? c", "(a == b) ?? c");
    check_expr("-n + -1", "0 - n + -1");
}

/* ---- diagrams ---- */

static workflow *load(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CAIRN_SOURCE_DIR, rel);
    diag *d = diag_new(stderr, 0);
    assert_non_null(d);
    workflow *wf = load_workflow(path, d);
    diag_free(d);
    if (!wf)
        fail_msg("%s did not load", path);
    return wf;
}

static char *draw(const char *rel, graph_format fmt)
{
    workflow *wf = load(rel);
    char *a = graph_render(wf, fmt);
    char *b = graph_render(wf, fmt);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b); /* same model, same bytes */
    free(b);
    model_free(wf);
    return a;
}

/* text holds line as a whole line (with its indentation). */
static void has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return;
    fail_msg("no line '%s' in:\n%s", line, text);
}

static void lacks(const char *text, const char *part)
{
    if (strstr(text, part))
        fail_msg("'%s' should not be in:\n%s", part, text);
}

/* Lines starting with prefix. */
static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, len))
            n++;
    return n;
}

static void test_order_mermaid(void **state)
{
    (void)state;
    char *m = draw("examples/order/order.yaml", GRAPH_MERMAID);
    assert_int_equal(strncmp(m, "%% cairn graph: workflow order (sha256 ", 39), 0);
    has_line(m, "flowchart TD");
    /* Nodes: kind and name, the shape telling the kind. */
    has_line(m, "    start((\"●\"))");
    has_line(m, "    op1[\"step<br/>validate<br/>lua validate_order\"]");
    has_line(m, "    op3[\"step<br/>charge-card<br/>c order_charge_card\"]");
    has_line(m, "    op4{\"choice<br/>screen\"}");
    has_line(m, "    op5{{\"wait<br/>fraud-review<br/>for 30m\"}}");
    has_line(m, "    op7([\"succeed<br/>shipped\"])");
    has_line(m, "    op9([\"fail<br/>rejected<br/>Order.Rejected\"])");
    has_line(m, "    SUCCEEDED(((\"SUCCEEDED\")))");
    has_line(m, "    FAILED(((\"FAILED\")))");
    /* Edges: sequence, retries, catches, the choice, the ends. */
    has_line(m, "    start --> op1");
    has_line(m, "    op1 --> op2");
    has_line(m, "    op1 -.->|\"Order.Invalid\"| op9");
    has_line(m, "    op2 -->|\"retry ×3 on Inventory.Busy, Step.Interrupted\"| op2");
    has_line(m, "    op2 -.->|\"Inventory.OutOfStock\"| op9");
    has_line(m, "    op3 -->|\"retry ×2 on Payment.Unavailable\"| op3");
    has_line(m, "    op3 -.->|\"Payment.Declined\"| op8");
    has_line(m, "    op4 -->|\"order.total #gt;= 1000\"| op5");
    has_line(m, "    op4 -->|\"else\"| op6");
    has_line(m, "    op5 --> op6");
    has_line(m, "    op6 -->|\"retry ×2 on any error\"| op6");
    has_line(m, "    op7 --> SUCCEEDED");
    has_line(m, "    op8 --> op9");
    has_line(m, "    op9 --> FAILED");
    /* validate has `retry: none`: no loop; a choice has no sequence edge. */
    lacks(m, "op1 -->|\"retry");
    lacks(m, "op4 --> ");
    assert_int_equal(count_lines(m, "    op"), 9 + 17); /* 9 nodes, 17 edges from ops */
    free(m);
}

static void test_order_dot(void **state)
{
    (void)state;
    char *d = draw("examples/order/order.yaml", GRAPH_DOT);
    has_line(d, "digraph \"order\" {");
    has_line(d, "    op4 [shape=diamond, label=\"choice\\nscreen\"];");
    has_line(d, "    op5 [shape=hexagon, label=\"wait\\nfraud-review\\nfor 30m\"];");
    has_line(d, "    start -> op1;");
    has_line(d, "    op1 -> op9 [label=\"Order.Invalid\", style=dashed, color=\"#c62828\"];");
    has_line(d, "    op2 -> op2 [label=\"retry ×3 on Inventory.Busy, Step.Interrupted\", "
                "color=\"#6a6a6a\"];");
    has_line(d, "    op4 -> op5 [label=\"order.total >= 1000\"];");
    has_line(d, "    op4 -> op6 [label=\"else\"];");
    has_line(d, "    op9 -> FAILED;");
    has_line(d, "}");
    free(d);
}

static void test_callback_exits(void **state)
{
    (void)state;
    char *m = draw("tests/graph/cases/callbacks.yaml", GRAPH_MERMAID);
    has_line(m, "    op1[[\"wait_for_callback<br/>ask<br/>submitter c callbacks_notify<br/>"
                "timeout 1h, heartbeat 10m\"]]");
    has_line(m, "    op2[/\"callback<br/>pay<br/>timeout 2h, heartbeat 15m\"/]");
    has_line(m, "    op3[\\\"await<br/>pay\"\\]");
    /* The submitter retries; Callback.Failed is caught; the timeouts are not. */
    has_line(m, "    op1 -->|\"retry ×1 on Net.Down\"| op1");
    has_line(m, "    op1 -.->|\"Callback.Failed\"| op5");
    has_line(m, "    op1 -.->|\"Callback.Timeout\"| FAILED");
    has_line(m, "    op1 -.->|\"Callback.Heartbeat\"| FAILED");
    /* The await takes its callback's limits; the family catch takes both. */
    has_line(m, "    op3 -.->|\"Callback\"| op5");
    has_line(m, "    op3 -.->|\"Callback.Timeout\"| op5");
    has_line(m, "    op3 -.->|\"Callback.Heartbeat\"| op5");
    /* Creating a callback has no exits of its own. */
    has_line(m, "    op2 --> op3");
    assert_int_equal(count_lines(m, "    op2 "), 1);
    free(m);

    /* A catch naming the timeouts exactly carries them: no second edge. */
    m = draw("tests/schema/valid/approval.yaml", GRAPH_MERMAID);
    has_line(m, "    op2 -.->|\"Callback.Timeout, Callback.Heartbeat\"| op10");
    lacks(m, "op2 -.->|\"Callback.Timeout\"|");
    /* The await of `payment` (timeout 1h, no heartbeat) is not caught. */
    has_line(m, "    op6 -.->|\"Callback.Timeout\"| FAILED");
    lacks(m, "op6 -.->|\"Callback.Heartbeat\"");
    has_line(m,
             "    op3 -->|\"decision.approved == true #amp;#amp; input.amount #lt; 10000\"| op4");
    has_line(m, "    op3 -->|\"else\"| op9");
    free(m);
}

static void test_escapes(void **state)
{
    (void)state;
    char *m = draw("tests/graph/cases/escapes.yaml", GRAPH_MERMAID);
    has_line(m, "    op1 -->|\"input.s == 'say #quot;hi#quot; #35;1 [x] {y} (z)'\"| op2");
    has_line(m, "    op1 -->|\"input.t != 'a #lt; b #amp; c #gt; d #124; e'\"| op3");
    has_line(m, "    op1 -->|\"!(input.u == 'back\\\\slash #96;tick#96; ;semi') #124;#124; "
                "input.v[0].w #lt;= -2.5e3\"| op4");
    has_line(m, "    op2{{\"wait<br/>a.b<br/>until ${input.when}\"}}");
    /* Every label is one "…" string: quotes come in pairs on each line. */
    for (const char *p = m; *p;) {
        int quotes = 0;
        for (; *p && *p != '\n'; p++)
            quotes += *p == '"';
        assert_int_equal(quotes % 2, 0);
        if (*p)
            p++;
    }
    free(m);

    char *d = draw("tests/graph/cases/escapes.yaml", GRAPH_DOT);
    has_line(d, "    op1 -> op2 [label=\"input.s == 'say \\\"hi\\\" #1 [x] {y} (z)'\"];");
    has_line(d, "    op1 -> op4 [label=\"!(input.u == 'back\\\\\\\\slash `tick` ;semi') || "
                "input.v[0].w <= -2.5e3\"];");
    free(d);
}

static void test_no_failed_end(void **state)
{
    (void)state;
    /* Nothing in alpha can fail: no FAILED node is drawn. */
    char *m = draw("tests/golden/host/alpha.yaml", GRAPH_MERMAID);
    has_line(m, "    op1{{\"wait<br/>rest<br/>for 250ms\"}}");
    has_line(m, "    op1 --> SUCCEEDED");
    lacks(m, "FAILED");
    free(m);
    char *d = draw("tests/golden/host/alpha.yaml", GRAPH_DOT);
    lacks(d, "FAILED");
    free(d);
}

/* The polling loop of tests/golden/poll: a goto is drawn with one edge, to
 * its target (never to the operation after it), and a choice whose branches
 * use ?? and arithmetic keeps their text. */
static void test_goto_loop(void **state)
{
    (void)state;
    char *m = draw("tests/golden/poll/poll.yaml", GRAPH_MERMAID);
    has_line(m, "    op4>\"goto<br/>check\"]");
    has_line(m, "    op3 --> op4");
    has_line(m, "    op4 --> op1");
    lacks(m, "op4 --> op5");
    lacks(m, "op4 -->|");
    has_line(m, "    op2 -->|\"poll.status ?? 'pending' == 'done'\"| op5");
    has_line(m, "    op2 -->|\"poll.pass #gt;= input.max_passes * 2 - input.max_passes\"| op6");
    /* op4 is the source of exactly one edge */
    size_t from = 0;
    for (const char *p = m; (p = strstr(p, "\n    op4 -->")); p++)
        from++;
    assert_int_equal(from, 1);
    free(m);
    char *d = draw("tests/golden/poll/poll.yaml", GRAPH_DOT);
    assert_non_null(strstr(d, "shape=cds"));
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_text), cmocka_unit_test(test_order_mermaid),
        cmocka_unit_test(test_order_dot), cmocka_unit_test(test_callback_exits),
        cmocka_unit_test(test_escapes),   cmocka_unit_test(test_no_failed_end),
        cmocka_unit_test(test_goto_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
