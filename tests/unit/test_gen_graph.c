/*
 * test_gen_graph.c — `cairn graph`'s drawing (graph.c): expressions back to
 * their source text with only the parentheses they need, and the nodes and
 * edges drawn for the order example and the cases of tests/graph/cases/ in
 * both syntaxes (sequence, choice branches, else, catches, retry loops,
 * callback timeout exits by exact and family catch or to FAILED, ends),
 * fan-out bodies in nested subgraphs (fork and join, branch ends, catches
 * on the fan-out, node ids the generated C shares), label escaping, and
 * same model, same bytes.
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
#include "emit.h"
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
    has_line(m, "    op_validate[\"step<br/>validate<br/>lua validate_order\"]");
    has_line(m, "    op_charge_card[\"step<br/>charge-card<br/>c order_charge_card\"]");
    has_line(m, "    op_screen{\"choice<br/>screen\"}");
    has_line(m, "    op_fraud_review{{\"wait<br/>fraud-review<br/>for 30m\"}}");
    has_line(m, "    op_shipped([\"succeed<br/>shipped\"])");
    has_line(m, "    op_rejected([\"fail<br/>rejected<br/>Order.Rejected\"])");
    has_line(m, "    SUCCEEDED(((\"SUCCEEDED\")))");
    has_line(m, "    FAILED(((\"FAILED\")))");
    /* Edges: sequence, retries, catches, the choice, the ends. */
    has_line(m, "    start --> op_validate");
    has_line(m, "    op_validate --> op_reserve_stock");
    has_line(m, "    op_validate -.->|\"Order.Invalid\"| op_rejected");
    has_line(m, "    op_reserve_stock -->|\"retry ×3 on Inventory.Busy, Step.Interrupted\"| "
                "op_reserve_stock");
    has_line(m, "    op_reserve_stock -.->|\"Inventory.OutOfStock\"| op_rejected");
    has_line(m, "    op_charge_card -->|\"retry ×2 on Payment.Unavailable\"| op_charge_card");
    has_line(m, "    op_charge_card -.->|\"Payment.Declined\"| op_release_stock");
    has_line(m, "    op_screen -->|\"order.total #gt;= 1000\"| op_fraud_review");
    has_line(m, "    op_screen -->|\"else\"| op_ship");
    has_line(m, "    op_fraud_review --> op_ship");
    has_line(m, "    op_ship -->|\"retry ×2 on any error\"| op_ship");
    has_line(m, "    op_shipped --> SUCCEEDED");
    has_line(m, "    op_release_stock --> op_rejected");
    has_line(m, "    op_rejected --> FAILED");
    /* validate has `retry: none`: no loop; a choice has no sequence edge. */
    lacks(m, "op_validate -->|\"retry");
    lacks(m, "op_screen --> ");
    assert_int_equal(count_lines(m, "    op"), 9 + 17); /* 9 nodes, 17 edges from ops */
    free(m);
}

static void test_order_dot(void **state)
{
    (void)state;
    char *d = draw("examples/order/order.yaml", GRAPH_DOT);
    has_line(d, "digraph \"order\" {");
    has_line(d, "    op_screen [shape=diamond, label=\"choice\\nscreen\"];");
    has_line(d, "    op_fraud_review [shape=hexagon, label=\"wait\\nfraud-review\\nfor 30m\"];");
    has_line(d, "    start -> op_validate;");
    has_line(d, "    op_validate -> op_rejected [label=\"Order.Invalid\", style=dashed, "
                "color=\"#c62828\"];");
    has_line(d, "    op_reserve_stock -> op_reserve_stock [label=\"retry ×3 on Inventory.Busy, "
                "Step.Interrupted\", "
                "color=\"#6a6a6a\"];");
    has_line(d, "    op_screen -> op_fraud_review [label=\"order.total >= 1000\"];");
    has_line(d, "    op_screen -> op_ship [label=\"else\"];");
    has_line(d, "    op_rejected -> FAILED;");
    has_line(d, "}");
    free(d);
}

static void test_callback_exits(void **state)
{
    (void)state;
    char *m = draw("tests/graph/cases/callbacks.yaml", GRAPH_MERMAID);
    has_line(m, "    op_ask[[\"wait_for_callback<br/>ask<br/>submitter c callbacks_notify<br/>"
                "timeout 1h, heartbeat 10m\"]]");
    has_line(m, "    op_pay[/\"callback<br/>pay<br/>timeout 2h, heartbeat 15m\"/]");
    has_line(m, "    op_await_pay[\\\"await<br/>pay\"\\]");
    /* The submitter retries; Callback.Failed is caught; the timeouts are not. */
    has_line(m, "    op_ask -->|\"retry ×1 on Net.Down\"| op_ask");
    has_line(m, "    op_ask -.->|\"Callback.Failed\"| op_refused");
    has_line(m, "    op_ask -.->|\"Callback.Timeout\"| FAILED");
    has_line(m, "    op_ask -.->|\"Callback.Heartbeat\"| FAILED");
    /* The await takes its callback's limits; the family catch takes both. */
    has_line(m, "    op_await_pay -.->|\"Callback\"| op_refused");
    has_line(m, "    op_await_pay -.->|\"Callback.Timeout\"| op_refused");
    has_line(m, "    op_await_pay -.->|\"Callback.Heartbeat\"| op_refused");
    /* Creating a callback has no exits of its own. */
    has_line(m, "    op_pay --> op_await_pay");
    assert_int_equal(count_lines(m, "    op_pay "), 1);
    free(m);

    /* A catch naming the timeouts exactly carries them: no second edge. */
    m = draw("tests/schema/valid/approval.yaml", GRAPH_MERMAID);
    has_line(m,
             "    op_manager_approval -.->|\"Callback.Timeout, Callback.Heartbeat\"| op_escalate");
    lacks(m, "op_manager_approval -.->|\"Callback.Timeout\"|");
    /* The await of `payment` (timeout 1h, no heartbeat) is not caught. */
    has_line(m, "    op_await_payment -.->|\"Callback.Timeout\"| FAILED");
    lacks(m, "op_await_payment -.->|\"Callback.Heartbeat\"");
    has_line(m, "    op_decide -->|\"decision.approved == true #amp;#amp; input.amount #lt; "
                "10000\"| op_payment");
    has_line(m, "    op_decide -->|\"else\"| op_reject");
    free(m);
}

static void test_escapes(void **state)
{
    (void)state;
    char *m = draw("tests/graph/cases/escapes.yaml", GRAPH_MERMAID);
    has_line(m, "    op_pick -->|\"input.s == 'say #quot;hi#quot; #35;1 [x] {y} (z)'\"| op_a_b");
    has_line(m, "    op_pick -->|\"input.t != 'a #lt; b #amp; c #gt; d #124; e'\"| op_c_d");
    has_line(m, "    op_pick -->|\"!(input.u == 'back\\\\slash #96;tick#96; ;semi') #124;#124; "
                "input.v[0].w #lt;= -2.5e3\"| op_end_1");
    has_line(m, "    op_a_b{{\"wait<br/>a.b<br/>until ${input.when}\"}}");
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
    has_line(d, "    op_pick -> op_a_b [label=\"input.s == 'say \\\"hi\\\" #1 [x] {y} (z)'\"];");
    has_line(d,
             "    op_pick -> op_end_1 [label=\"!(input.u == 'back\\\\\\\\slash `tick` ;semi') || "
             "input.v[0].w <= -2.5e3\"];");
    free(d);
}

static void test_no_failed_end(void **state)
{
    (void)state;
    /* Nothing in alpha can fail: no FAILED node is drawn. */
    char *m = draw("tests/golden/host/alpha.yaml", GRAPH_MERMAID);
    has_line(m, "    op_rest{{\"wait<br/>rest<br/>for 250ms\"}}");
    has_line(m, "    op_rest --> SUCCEEDED");
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
    has_line(m, "    op_goto_check>\"goto<br/>check\"]");
    has_line(m, "    op_pause --> op_goto_check");
    has_line(m, "    op_goto_check --> op_check");
    lacks(m, "op_goto_check --> op_finish");
    lacks(m, "op_goto_check -->|");
    has_line(m, "    op_done_yet -->|\"poll.status ?? 'pending' == 'done'\"| op_finish");
    has_line(m, "    op_done_yet -->|\"poll.pass #gt;= input.max_passes * 2 - input.max_passes\"| "
                "op_give_up");
    /* op_goto_check is the source of exactly one edge */
    size_t from = 0;
    for (const char *p = m; (p = strstr(p, "\n    op_goto_check -->")); p++)
        from++;
    assert_int_equal(from, 1);
    free(m);
    char *d = draw("tests/golden/poll/poll.yaml", GRAPH_DOT);
    assert_non_null(strstr(d, "shape=cds"));
    free(d);
}

/* ---- fan-out ---- */

/*
 * The subgraphs around node id's declaration in text, outermost first,
 * joined by '/' ("" at the top level): Mermaid's `subgraph X[...]` ... `end`,
 * or DOT's `subgraph X {` ... `}`. Caller frees.
 */
static char *subgraph_path(const char *text, const char *id)
{
    char *stack[16];
    int depth = 0;
    size_t idlen = strlen(id);
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *t = p;
        while (*t == ' ')
            t++;
        size_t tl = len - (size_t)(t - p);
        if (!strncmp(t, "subgraph ", 9)) {
            size_t n = strcspn(t + 9, "[ {\n");
            assert_true(depth < 16);
            stack[depth] = strndup(t + 9, n);
            assert_non_null(stack[depth]);
            depth++;
        } else if (depth && ((tl == 3 && !strncmp(t, "end", 3)) || (tl == 1 && *t == '}'))) {
            free(stack[--depth]);
        } else if (tl > idlen && !strncmp(t, id, idlen) && strchr("[({/\\>@ ", t[idlen]) &&
                   strncmp(t + idlen, " -", 2)) {
            /* the declaration: the id, then a shape or attributes, not an edge */
            buf b;
            buf_init(&b);
            for (int k = 0; k < depth; k++)
                buf_printf(&b, "%s%s", k ? "/" : "", stack[k]);
            while (depth)
                free(stack[--depth]);
            char *path = buf_take(&b);
            assert_non_null(path);
            return path;
        }
        p = eol ? eol + 1 : p + len;
    }
    fail_msg("no node %s in:\n%s", id, text);
    return NULL;
}

static void in_subgraph(const char *text, const char *id, const char *want)
{
    char *got = subgraph_path(text, id);
    if (strcmp(got, want))
        fail_msg("%s is in '%s', not '%s'", id, got, want);
    free(got);
}

static void test_fanout_mermaid(void **state)
{
    (void)state;
    char *m = draw("tests/graph/cases/fanout.yaml", GRAPH_MERMAID);
    /* A fan-out is a subgraph titled with its name and kind, holding a fork
     * and a join; a parallel's branches are subgraphs of their own. */
    has_line(m, "    subgraph op_approvals[\"approvals (parallel, min 2 of 3, max 2 at a time)\"]");
    has_line(m, "        op_approvals_FORK@{ shape: fork }");
    has_line(m, "        subgraph op_approvals_B1[\"manager\"]");
    has_line(m, "        subgraph op_approvals_B3[\"parallel-branch-2\"]");
    has_line(m, "        op_approvals_JOIN@{ shape: fork }");
    has_line(m, "    subgraph op_charges[\"charges (map over ${input.lines}, tolerates 10% failed, "
                "max 4 at a time)\"]");
    has_line(m, "    subgraph op_shipping[\"shipping (group)\"]");
    has_line(m, "        subgraph op_labels[\"labels (parallel, 2 branches)\"]");
    /* Each operation in the subgraph of its branch or body. */
    in_subgraph(m, "op_payment", "");
    in_subgraph(m, "op_approvals_FORK", "op_approvals");
    in_subgraph(m, "op_approvals_JOIN", "op_approvals");
    in_subgraph(m, "op_ask_manager", "op_approvals/op_approvals_B1");
    in_subgraph(m, "op_goto_ask_manager", "op_approvals/op_approvals_B1");
    in_subgraph(m, "op_notify", "op_approvals/op_approvals_B2");
    in_subgraph(m, "op_notify_2", "op_approvals/op_approvals_B3"); /* same name, own id */
    in_subgraph(m, "op_charge", "op_charges");
    in_subgraph(m, "op_flag", "op_charges");
    in_subgraph(m, "op_carrier_label", "op_shipping/op_labels/op_labels_B1");
    in_subgraph(m, "op_customs_form", "op_shipping/op_labels/op_labels_B2");
    in_subgraph(m, "op_settle", "op_shipping");
    in_subgraph(m, "op_shipped", "");
    /* In through the fork to the first operation of each branch, out of
     * each branch's end to the join, on from the join. */
    has_line(m, "    op_payment --> op_approvals_FORK");
    has_line(m, "    op_approvals_FORK --> op_ask_manager");
    has_line(m, "    op_approvals_FORK --> op_notify");
    has_line(m, "    op_approvals_FORK --> op_notify_2");
    has_line(m, "    op_ask_director --> op_approvals_JOIN");
    has_line(m, "    op_await_payment --> op_approvals_JOIN");
    has_line(m, "    op_approvals_JOIN --> op_charges_FORK");
    has_line(m, "    op_charges_FORK --> op_charge");
    has_line(m, "    op_charges_JOIN --> op_shipping_FORK");
    /* Nested: a fan-out as the first operation of a body. */
    has_line(m, "    op_shipping_FORK --> op_labels_FORK");
    has_line(m, "    op_labels_FORK --> op_carrier_label");
    has_line(m, "    op_customs_form --> op_labels_JOIN");
    has_line(m, "    op_labels_JOIN --> op_settle");
    has_line(m, "    op_settle --> op_shipping_JOIN");
    has_line(m, "    op_shipping_JOIN --> op_shipped");
    /* Inside a branch: its catches and gotos, and succeed/fail end only
     * the branch or item (to the join, never SUCCEEDED or FAILED). */
    has_line(m, "    op_await_ask_manager -.->|\"Callback.Timeout\"| op_nudge");
    has_line(m, "    op_goto_ask_manager --> op_ask_manager");
    has_line(m, "    op_approved --> op_approvals_JOIN");
    has_line(m, "    op_flag --> op_charges_JOIN");
    has_line(m, "    op_charged_ok --> op_charges_JOIN");
    has_line(m, "    op_charge -->|\"retry ×2 on Card.Busy\"| op_charge");
    lacks(m, "op_approved --> SUCCEEDED");
    lacks(m, "op_flag --> FAILED");
    /* Uncaught callback exits end the branch; an await of a callback made
     * outside the parallel takes that callback's timeout. */
    has_line(m, "    op_ask_director -.->|\"Callback.Timeout\"| op_approvals_JOIN");
    has_line(m, "    op_await_payment -.->|\"Callback.Timeout\"| op_approvals_JOIN");
    /* A catch on a fan-out leaves from its join. */
    has_line(m, "    op_approvals_JOIN -.->|\"Parallel.ToleranceExceeded\"| op_rejected");
    has_line(m, "    op_shipping_JOIN -.->|\"Step.Failed\"| op_rejected");
    /* A fan-out is no node: nothing goes to or from its subgraph's id. */
    lacks(m, " op_approvals\n");
    lacks(m, "    op_approvals -");
    free(m);
}

static void test_fanout_dot(void **state)
{
    (void)state;
    char *d = draw("tests/graph/cases/fanout.yaml", GRAPH_DOT);
    has_line(d, "    subgraph cluster_approvals {");
    has_line(d, "        label=\"approvals (parallel, min 2 of 3, max 2 at a time)\";");
    has_line(d, "        subgraph cluster_approvals_B1 {");
    has_line(d, "            label=\"manager\";");
    has_line(d, "        op_approvals_FORK [shape=box, style=filled, fillcolor=black, width=1.2, "
                "height=0.06, fixedsize=true, label=\"\"];");
    in_subgraph(d, "op_payment", "");
    in_subgraph(d, "op_ask_manager", "cluster_approvals/cluster_approvals_B1");
    in_subgraph(d, "op_notify_2", "cluster_approvals/cluster_approvals_B3");
    in_subgraph(d, "op_charge", "cluster_charges");
    in_subgraph(d, "op_carrier_label", "cluster_shipping/cluster_labels/cluster_labels_B1");
    in_subgraph(d, "op_shipping_JOIN", "cluster_shipping");
    has_line(d, "    op_payment -> op_approvals_FORK;");
    has_line(d, "    op_approvals_FORK -> op_ask_manager;");
    has_line(d, "    op_approved -> op_approvals_JOIN;");
    has_line(d, "    op_approvals_JOIN -> op_charges_FORK;");
    has_line(d, "    op_approvals_JOIN -> op_rejected [label=\"Parallel.ToleranceExceeded\", "
                "style=dashed, color=\"#c62828\"];");
    has_line(d, "    op_shipping_FORK -> op_labels_FORK;");
    free(d);
}

/* Every operation's node id is op_<id> with the id the generated C gives
 * it (NAME_<ID>), nested operations included. */
static void test_fanout_ids_match_c(void **state)
{
    (void)state;
    char *m = draw("tests/graph/cases/fanout.yaml", GRAPH_MERMAID);
    workflow *wf = load("tests/graph/cases/fanout.yaml");
    diag *dg = diag_new(stderr, 0);
    char *c = NULL, *h = NULL;
    assert_int_equal(emit_workflow(wf, NULL, dg, &c, &h), 0);
    int n = 0;
    for (const char *p = m; (p = strstr(p, "\n    ")); p++) {
        const char *t = p + 1;
        while (*t == ' ')
            t++;
        size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (strncmp(t, "op_", 3) || !strchr("[({/\\>", t[len]))
            continue; /* not an operation's declaration */
        char want[128] = "FANOUT_GRAPH_";
        size_t w = strlen(want);
        for (size_t k = 3; k < len && w + 1 < sizeof want; k++)
            want[w++] = (char)(t[k] >= 'a' && t[k] <= 'z' ? t[k] - 'a' + 'A' : t[k]);
        want[w] = '\0';
        if (!strstr(c, want))
            fail_msg("node %.*s: no %s in the generated C", (int)len, t, want);
        n++;
    }
    assert_int_equal(n, 19); /* all 23 operations but the 4 fan-outs */
    free(c);
    free(h);
    diag_free(dg);
    model_free(wf);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_text),  cmocka_unit_test(test_order_mermaid),
        cmocka_unit_test(test_order_dot),  cmocka_unit_test(test_callback_exits),
        cmocka_unit_test(test_escapes),    cmocka_unit_test(test_no_failed_end),
        cmocka_unit_test(test_goto_loop),  cmocka_unit_test(test_fanout_mermaid),
        cmocka_unit_test(test_fanout_dot), cmocka_unit_test(test_fanout_ids_match_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
