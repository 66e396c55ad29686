/*
 * graph.c — `cairn graph FILE [--format mermaid|dot] [-o OUT]` (graph.h).
 *
 * Owns: the drawing of a checked workflow model. The model is first turned
 * into a list of nodes and edges (build_graph), which is then printed in one
 * of two syntaxes, so both show the same picture:
 *   - a start node ●, one node per operation in YAML order (its kind, name
 *     and one line of detail; the shape tells the kind), SUCCEEDED, FAILED;
 *   - a parallel, map or group as a subgraph titled with its name, kind and
 *     policy, holding a fork bar, its body (a parallel's branches each in a
 *     subgraph of its own, named), drawn as the top level is, nested
 *     fan-outs included, and a join bar;
 *   - sequence edges (plain), each choice branch labelled with its
 *     condition and `else`, catches (dashed, labelled with their error
 *     types), retry self-loops ("retry ×N on …": N retries after the first
 *     attempt), callback timeout and heartbeat exits (dotted, to the catch
 *     that handles them or to FAILED), and the ends. The operation before a
 *     fan-out leads to its fork, the fork to the first operation of each
 *     branch, the end of each branch to the join, and the join (also the
 *     source of the fan-out's catches) to the operation after. Inside a
 *     branch, `succeed`, `fail` and uncaught callback exits lead to the join:
 *     they end the branch, not the execution (DESIGN 3b).
 * Errors a step may raise that no catch handles also end the execution
 * FAILED (or the branch); those edges are left out, as every step would have
 * one.
 *
 * Never: reads anything but the model, depends on hash order or memory
 * addresses (same YAML, same bytes), or lets a label break out of its quotes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "diag.h"
#include "duration.h"
#include "errmatch.h"
#include "graph.h"
#include "load.h"
#include "model.h"
#include "opid.h"

/* ---- expressions back to text ---- */

/* Binding strength: a child weaker than its context gets parentheses. */
enum { PREC_OR = 1, PREC_AND, PREC_CMP, PREC_DEFAULT, PREC_SUM, PREC_PROD, PREC_NOT, PREC_ATOM };

static int expr_prec(const expr *e)
{
    switch (e->kind) {
    case EX_OR:
        return PREC_OR;
    case EX_AND:
        return PREC_AND;
    case EX_CMP:
        return PREC_CMP;
    case EX_COALESCE:
        return PREC_DEFAULT;
    case EX_ARITH:
        return e->ar == AR_ADD || e->ar == AR_SUB ? PREC_SUM : PREC_PROD;
    case EX_NOT:
        return PREC_NOT;
    default:
        return PREC_ATOM;
    }
}

static void expr_text(buf *b, const expr *e);

static void expr_text_child(buf *b, const expr *e, int need)
{
    int paren = expr_prec(e) < need;
    if (paren)
        buf_addc(b, '(');
    expr_text(b, e);
    if (paren)
        buf_addc(b, ')');
}

static void expr_text(buf *b, const expr *e)
{
    static const char *const cmp_ops[] = {"==", "!=", "<", "<=", ">", ">="};
    switch (e->kind) {
    case EX_NULL:
        buf_add(b, "null");
        break;
    case EX_BOOL:
        buf_add(b, e->b ? "true" : "false");
        break;
    case EX_NUM:
        if (e->str)
            buf_add(b, e->str);
        else
            buf_printf(b, "%.17g", e->num);
        break;
    case EX_STR:
        buf_addc(b, '\'');
        for (const char *s = e->str ? e->str : ""; *s; s++) {
            switch (*s) {
            case '\'':
            case '\\':
                buf_addc(b, '\\');
                buf_addc(b, *s);
                break;
            case '\n':
                buf_add(b, "\\n");
                break;
            case '\t':
                buf_add(b, "\\t");
                break;
            case '\r':
                buf_add(b, "\\r");
                break;
            default:
                buf_addc(b, *s);
            }
        }
        buf_addc(b, '\'');
        break;
    case EX_PATH:
        buf_add(b, e->root ? e->root : "");
        for (size_t i = 0; i < e->nsegs; i++) {
            if (e->segs[i].key)
                buf_printf(b, ".%s", e->segs[i].key);
            else
                buf_printf(b, "[%ld]", e->segs[i].index);
        }
        break;
    case EX_NOT:
        buf_addc(b, '!');
        expr_text_child(b, e->a, PREC_NOT);
        break;
    case EX_AND:
    case EX_OR: {
        int p = expr_prec(e);
        /* Left-associative: the right operand at the same level needs
         * parentheses to keep the tree's shape. */
        expr_text_child(b, e->a, p);
        buf_add(b, e->kind == EX_AND ? " && " : " || ");
        expr_text_child(b, e->bx, p + 1);
        break;
    }
    case EX_CMP:
        /* Non-associative: both operands must bind tighter. */
        expr_text_child(b, e->a, PREC_DEFAULT);
        buf_printf(b, " %s ", cmp_ops[e->cmp]);
        expr_text_child(b, e->bx, PREC_DEFAULT);
        break;
    case EX_ARITH: {
        static const char *const ar_ops[] = {"+", "-", "*", "/", "%"};
        int p = expr_prec(e);
        expr_text_child(b, e->a, p); /* left-associative */
        buf_printf(b, " %s ", ar_ops[e->ar]);
        expr_text_child(b, e->bx, p + 1);
        break;
    }
    case EX_COALESCE:
        expr_text_child(b, e->a, PREC_DEFAULT + 1); /* right-associative */
        buf_add(b, " ?? ");
        expr_text_child(b, e->bx, PREC_DEFAULT);
        break;
    }
}

void graph_expr_text(buf *b, const expr *e)
{
    if (e)
        expr_text(b, e);
}

/* A value as a short text: an expression's source, or a plain scalar. */
static void val_text(buf *b, const val *v)
{
    if (!v)
        return;
    switch (v->kind) {
    case V_EXPR:
        buf_add(b, "${");
        graph_expr_text(b, v->e);
        buf_add(b, "}");
        break;
    case V_INTERP:
        for (size_t i = 0; i < v->nparts; i++) {
            if (v->parts[i].text) {
                buf_add(b, v->parts[i].text);
            } else {
                buf_add(b, "${");
                graph_expr_text(b, v->parts[i].e);
                buf_add(b, "}");
            }
        }
        break;
    case V_STR:
    case V_NUM:
        buf_add(b, v->text ? v->text : "");
        break;
    case V_BOOL:
        buf_add(b, v->b ? "true" : "false");
        break;
    default:
        buf_add(b, "…");
    }
}

/* 5400000 -> "1h30m", 250 -> "250ms" (duration_format). */
static void duration_text(buf *b, int64_t ms)
{
    char text[32];
    buf_add(b, duration_format(ms, text, sizeof text));
}

/* ---- the graph: nodes and edges, independent of the syntax ---- */

typedef enum node_shape {
    SH_START,
    SH_SUCCEEDED,
    SH_FAILED,
    SH_STEP,
    SH_WAIT,
    SH_CALLBACK,
    SH_AWAIT,
    SH_WAIT_FOR_CALLBACK,
    SH_CHOICE,
    SH_SUCCEED,
    SH_FAIL,
    SH_GOTO,
    SH_FORK, /* a fan-out's entry: its branches start */
    SH_JOIN  /* its exit: the branches have ended */
} node_shape;

typedef enum edge_style {
    ED_FLOW,   /* sequence, goto, choice branch, end */
    ED_RETRY,  /* a self-loop: the operation runs again */
    ED_CATCH,  /* an error handled by a catch */
    ED_TIMEOUT /* a callback's timeout or heartbeat exit */
} edge_style;

typedef struct edge {
    int from, to; /* node indices */
    char *label;  /* owned; NULL: none */
    edge_style style;
} edge;

/* One list of operations: the workflow's, a parallel's branch, or a map's or
 * group's body. Its operations are nodes first .. first + n - 1. */
typedef struct glist {
    const op *ops;
    size_t n;
    int first;
    long owner;    /* the node of its parallel, map or group; -1: the workflow's */
    size_t branch; /* which branch of the owner */
} glist;

typedef struct graph {
    const workflow *wf;
    int nops;       /* every operation, nested ones included, in walk order (opid.h) */
    const op **all; /* owned array: the operations in that order */
    char **ids;     /* owned: their ids (opid_assign), the same as in the generated C */
    glist *lists;   /* owned: in walk order */
    size_t nlists;
    int nnodes;    /* ops, a fork and a join per op (used by fan-outs), start, SUCCEEDED, FAILED */
    char **labels; /* owned, one per node (NULL: none; a fan-out's: its subgraph's title);
                      lines separated by '\n' */
    edge *edges;   /* owned */
    size_t nedges, cap;
    int used_failed; /* some edge reaches FAILED */
    int oom;
} graph;

#define NODE_FORK(g, i) ((g)->nops + (i))
#define NODE_JOIN(g, i) (2 * (g)->nops + (i))
#define NODE_START(g) (3 * (g)->nops)
#define NODE_SUCCEEDED(g) (3 * (g)->nops + 1)
#define NODE_FAILED(g) (3 * (g)->nops + 2)

static int is_fanout(op_kind k)
{
    return k == OP_PARALLEL || k == OP_MAP || k == OP_GROUP;
}

/* Where the flow enters operation i: a fan-out at its fork. */
static int node_in(const graph *g, int i)
{
    return is_fanout(g->all[i]->kind) ? NODE_FORK(g, i) : i;
}

/* Where the flow leaves operation i (to the next one, or to a catch): a
 * fan-out from its join, once its branches have ended. */
static int node_out(const graph *g, int i)
{
    return is_fanout(g->all[i]->kind) ? NODE_JOIN(g, i) : i;
}

/* Adds an edge; takes label (may be NULL). */
static void add_edge(graph *g, int from, int to, char *label, edge_style style)
{
    if (g->nedges == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 32;
        edge *e = realloc(g->edges, cap * sizeof *e);
        if (!e) {
            g->oom = 1;
            free(label);
            return;
        }
        g->edges = e;
        g->cap = cap;
    }
    if (to == NODE_FAILED(g))
        g->used_failed = 1;
    g->edges[g->nedges++] = (edge){from, to, label, style};
}

/* A copy of s for a label, or NULL (and oom) when allocation fails. */
static char *label_dup(graph *g, const char *s)
{
    char *t = strdup(s);
    if (!t)
        g->oom = 1;
    return t;
}

static char *label_take(graph *g, buf *b)
{
    char *t = buf_take(b);
    if (!t)
        g->oom = 1;
    return t;
}

static node_shape shape_of(op_kind k)
{
    switch (k) {
    case OP_STEP:
    case OP_INVOKE: /* a node like a step's: it runs, then goes on */
        return SH_STEP;
    case OP_WAIT:
    case OP_WAIT_FOR_CONDITION:
        return SH_WAIT;
    case OP_CALLBACK:
        return SH_CALLBACK;
    case OP_AWAIT:
        return SH_AWAIT;
    case OP_WAIT_FOR_CALLBACK:
        return SH_WAIT_FOR_CALLBACK;
    case OP_CHOICE:
        return SH_CHOICE;
    case OP_SUCCEED:
        return SH_SUCCEED;
    case OP_FAIL:
        return SH_FAIL;
    case OP_GOTO:
        return SH_GOTO;
    case OP_PARALLEL:
    case OP_MAP:
    case OP_GROUP:
        break; /* a subgraph, not a node: drawn by its fork and join */
    }
    return SH_STEP;
}

static node_shape node_shape_of(const graph *g, int n)
{
    if (n == NODE_START(g))
        return SH_START;
    if (n == NODE_SUCCEEDED(g))
        return SH_SUCCEEDED;
    if (n == NODE_FAILED(g))
        return SH_FAILED;
    if (n >= NODE_JOIN(g, 0))
        return SH_JOIN;
    if (n >= NODE_FORK(g, 0))
        return SH_FORK;
    return shape_of(g->all[n]->kind);
}

static void run_text(buf *b, const run_spec *r)
{
    switch (r->kind) {
    case RUN_LUA:
        buf_printf(b, "lua %s", r->fn);
        break;
    case RUN_C:
        buf_printf(b, "c %s", r->fn);
        break;
    case RUN_HTTP:
        buf_add(b, "http ");
        if (r->http.method)
            val_text(b, r->http.method);
        else
            buf_add(b, r->http.body ? "POST" : "GET");
        break;
    case RUN_NONE:
        break;
    }
}

static void callback_limits_text(buf *b, const op *o)
{
    const char *sep = "";
    if (o->timeout_ms) {
        buf_add(b, "timeout ");
        duration_text(b, o->timeout_ms);
        sep = ", ";
    }
    if (o->heartbeat_ms) {
        buf_printf(b, "%sheartbeat ", sep);
        duration_text(b, o->heartbeat_ms);
    }
}

/* "kind\nname" and a third line of detail when there is one. */
static char *op_label(graph *g, const op *o)
{
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s\n%s", model_kind_name(o->kind), o->name);
    buf d;
    buf_init(&d);
    switch (o->kind) {
    case OP_STEP:
        run_text(&d, &o->run);
        if (o->at_most_once)
            buf_add(&d, ", at_most_once");
        break;
    case OP_WAIT:
        if (o->until) {
            buf_add(&d, "until ");
            val_text(&d, o->until);
        } else {
            buf_add(&d, "for ");
            duration_text(&d, o->for_ms);
        }
        break;
    case OP_CALLBACK:
        callback_limits_text(&d, o);
        break;
    case OP_WAIT_FOR_CONDITION:
        buf_add(&d, "check ");
        run_text(&d, &o->run);
        buf_add(&d, "\nuntil ");
        graph_expr_text(&d, o->cond);
        break;
    case OP_WAIT_FOR_CALLBACK:
        buf_add(&d, "submitter ");
        run_text(&d, &o->submitter);
        if (o->timeout_ms || o->heartbeat_ms) {
            buf_add(&d, "\n");
            callback_limits_text(&d, o);
        }
        break;
    case OP_FAIL:
        if (o->err_type)
            buf_add(&d, o->err_type);
        break;
    case OP_INVOKE:
        buf_printf(&d, "workflow %s", o->workflow ? o->workflow : "?");
        if (o->timeout_ms) {
            buf_add(&d, ", timeout ");
            duration_text(&d, o->timeout_ms);
        }
        break;
    default:
        break;
    }
    if (d.len)
        buf_printf(&b, "\n%s", buf_str(&d));
    if (!buf_ok(&d))
        b.oom = 1;
    buf_cleanup(&d);
    return label_take(g, &b);
}

/* The failures a parallel or map tolerates and how many run at once, e.g.
 * ", tolerates 1 failure and 10% failed, max 4 at a time"; nothing for the
 * defaults (fail fast, all at once). */
static void complete_text(buf *b, const op *o)
{
    const char *sep = ", tolerates ";
    if (o->complete & COMPLETE_FAILURES) {
        buf_printf(b, "%s%d failure%s", sep, o->tolerated_failures,
                   o->tolerated_failures == 1 ? "" : "s");
        sep = " and ";
    }
    if (o->complete & COMPLETE_PERCENT)
        buf_printf(b, "%s%g%% failed", sep, o->tolerated_percent);
    if (o->max_concurrency)
        buf_printf(b, ", max %d at a time", o->max_concurrency);
}

/* A fan-out's subgraph title: "approvals (parallel, min 2 of 3)",
 * "charges (map over ${input.lines}, max 4 at a time)", "shipping (group)". */
static char *fanout_label(graph *g, const op *o)
{
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s (%s", o->name, model_kind_name(o->kind));
    if (o->kind == OP_PARALLEL) {
        if (o->complete & COMPLETE_MIN)
            buf_printf(&b, ", min %d of %zu", o->min_successful, o->nbranches);
        else
            buf_printf(&b, ", %zu branches", o->nbranches);
    } else if (o->kind == OP_MAP) {
        buf_add(&b, " over ");
        val_text(&b, o->items);
        if (o->complete & COMPLETE_MIN)
            buf_printf(&b, ", min %d", o->min_successful);
    }
    complete_text(&b, o);
    buf_addc(&b, ')');
    return label_take(g, &b);
}

/* The title of branch k of parallel o: its name, or the one the journal
 * gives it (parallel-branch-<k>, from 0). */
static void branch_title(buf *b, const op *o, size_t k)
{
    if (o->branches[k].name)
        buf_add(b, o->branches[k].name);
    else
        buf_printf(b, "parallel-branch-%zu", k);
}

/* The first catch of o that handles type t, or NULL. */
static const catch_spec *catch_for(const op *o, const char *t)
{
    for (size_t i = 0; i < o->ncatches; i++)
        for (size_t j = 0; j < o->catches[i].nerrors; j++)
            if (errmatch(t, o->catches[i].errors[j]))
                return &o->catches[i];
    return NULL;
}

static int lists_exactly(const catch_spec *c, const char *t)
{
    for (size_t j = 0; j < c->nerrors; j++)
        if (!strcmp(c->errors[j], t))
            return 1;
    return 0;
}

/*
 * Where the edges of one list lead: its operations are nodes first + i
 * (targets of gotos and catches are indices into the list); falling off its
 * end or `succeed` leads to done, `fail` and an uncaught callback exit to
 * failed. For the workflow's list those are SUCCEEDED and FAILED; for a
 * branch or body both are its fan-out's join, since a branch that ends,
 * either way, ends only itself (DESIGN 3b) and the fan-out's policy decides.
 */
typedef struct scope {
    int first;
    int done, failed;
} scope;

/* The node where target t of the list (an index in it) is entered. */
static int target_node(const graph *g, const scope *s, int t)
{
    return node_in(g, s->first + t);
}

static void add_retry_loop(graph *g, int i, const retry_spec *r)
{
    if (r->none || r->max_attempts <= 1)
        return;
    buf b;
    buf_init(&b);
    buf_printf(&b, "retry ×%d on ", r->max_attempts - 1);
    if (!r->on)
        buf_add(&b, "any error");
    for (size_t j = 0; r->on && j < r->non; j++)
        buf_printf(&b, "%s%s", j ? ", " : "", r->on[j]);
    add_edge(g, i, i, label_take(g, &b), ED_RETRY);
}

/* A callback's timeout and heartbeat exits from operation i, where lim
 * holds the limits (the callback itself, or the one an await waits for).
 * An exit a catch lists by name is already on that catch's edge. */
static void add_callback_exits(graph *g, const scope *s, int i, const op *o, const op *lim)
{
    static const char *const types[] = {"Callback.Timeout", "Callback.Heartbeat"};
    int64_t limits[] = {lim->timeout_ms, lim->heartbeat_ms};
    for (int k = 0; k < 2; k++) {
        if (!limits[k])
            continue;
        const catch_spec *c = catch_for(o, types[k]);
        if (c && lists_exactly(c, types[k]))
            continue;
        add_edge(g, i, c ? target_node(g, s, c->target) : s->failed, label_dup(g, types[k]),
                 ED_TIMEOUT);
    }
}

/* The catches of operation i: from its node, or from a fan-out's join. */
static void add_catches(graph *g, const scope *s, int i, const op *o)
{
    for (size_t c = 0; c < o->ncatches; c++) {
        buf b;
        buf_init(&b);
        for (size_t j = 0; j < o->catches[c].nerrors; j++)
            buf_printf(&b, "%s%s", j ? ", " : "", o->catches[c].errors[j]);
        add_edge(g, node_out(g, i), target_node(g, s, o->catches[c].target), label_take(g, &b),
                 ED_CATCH);
    }
}

/* The edges that leave operation o, node i of the list s; next is the node
 * the flow goes on to. */
static void add_op_edges(graph *g, const scope *s, int i, const op *o, int next)
{
    switch (o->kind) {
    case OP_STEP:
    case OP_WAIT_FOR_CONDITION: /* its backoff loops as a step's retry does */
        add_edge(g, i, next, NULL, ED_FLOW);
        add_retry_loop(g, i, &o->retry);
        add_catches(g, s, i, o);
        break;
    case OP_WAIT_FOR_CALLBACK:
        add_edge(g, i, next, NULL, ED_FLOW);
        add_retry_loop(g, i, &o->retry);
        add_catches(g, s, i, o);
        add_callback_exits(g, s, i, o, o);
        break;
    case OP_AWAIT:
        add_edge(g, i, next, NULL, ED_FLOW);
        add_catches(g, s, i, o);
        /* The callback may be in an enclosing list: the checker found it. */
        if (o->await_cb)
            add_callback_exits(g, s, i, o, o->await_cb);
        break;
    case OP_WAIT:
    case OP_CALLBACK:
    case OP_PARALLEL:
    case OP_MAP:
    case OP_GROUP:
    case OP_INVOKE:
        add_edge(g, node_out(g, i), next, NULL, ED_FLOW);
        add_catches(g, s, i, o);
        break;
    case OP_CHOICE:
        for (size_t w = 0; w < o->nwhens; w++) {
            buf b;
            buf_init(&b);
            graph_expr_text(&b, o->whens[w].cond);
            add_edge(g, i, target_node(g, s, o->whens[w].target), label_take(g, &b), ED_FLOW);
        }
        add_edge(g, i, o->else_go ? target_node(g, s, o->else_target) : next, label_dup(g, "else"),
                 ED_FLOW);
        break;
    case OP_SUCCEED:
        add_edge(g, i, s->done, NULL, ED_FLOW);
        break;
    case OP_FAIL:
        add_edge(g, i, s->failed, NULL, ED_FLOW);
        break;
    case OP_GOTO: /* only its target: it never falls through */
        add_edge(g, i, target_node(g, s, o->else_target), NULL, ED_FLOW);
        break;
    }
}

/* The edges of list L: in from its start (the workflow's start, or its
 * fan-out's fork), each operation's, and out at its end. */
static void add_list_edges(graph *g, const glist *L)
{
    int top = L->owner < 0;
    int owner = (int)L->owner;
    scope s = {.first = L->first,
               .done = top ? NODE_SUCCEEDED(g) : NODE_JOIN(g, owner),
               .failed = top ? NODE_FAILED(g) : NODE_JOIN(g, owner)};
    add_edge(g, top ? NODE_START(g) : NODE_FORK(g, owner), L->n ? node_in(g, L->first) : s.done,
             NULL, ED_FLOW);
    for (size_t i = 0; i < L->n; i++) {
        int n = L->first + (int)i;
        int next = i + 1 < L->n ? node_in(g, n + 1) : s.done;
        add_op_edges(g, &s, n, &L->ops[i], next);
    }
}

/* opid_walk's visitor: records a list and its operations, in walk order. */
static void collect_list(void *ctx, const op *ops, size_t n, const val *output, long owner,
                         size_t branch)
{
    graph *g = ctx;
    (void)output;
    glist *L = &g->lists[g->nlists++];
    *L = (glist){.ops = ops, .n = n, .first = g->nops, .owner = owner, .branch = branch};
    for (size_t i = 0; i < n; i++)
        g->all[g->nops++] = &ops[i];
}

static void count_list(void *ctx, const op *ops, size_t n, const val *output, long owner,
                       size_t branch)
{
    (void)ops, (void)n, (void)output, (void)owner, (void)branch;
    ++*(size_t *)ctx;
}

static void build_graph(graph *g)
{
    size_t nlists = 0, n = opid_walk(g->wf, count_list, &nlists);
    g->all = calloc(n + 1, sizeof *g->all);
    g->ids = calloc(n + 1, sizeof *g->ids);
    g->lists = calloc(nlists, sizeof *g->lists);
    g->labels = calloc(3 * n + 3, sizeof *g->labels);
    if (!g->all || !g->ids || !g->lists || !g->labels) {
        g->oom = 1;
        return;
    }
    opid_walk(g->wf, collect_list, g);
    g->nnodes = 3 * g->nops + 3;
    if (opid_assign(g->all, n, g->ids) < 0) {
        g->oom = 1;
        return;
    }
    for (int i = 0; i < g->nops; i++)
        g->labels[i] =
            is_fanout(g->all[i]->kind) ? fanout_label(g, g->all[i]) : op_label(g, g->all[i]);
    g->labels[NODE_START(g)] = label_dup(g, "●");
    g->labels[NODE_SUCCEEDED(g)] = label_dup(g, "SUCCEEDED");
    g->labels[NODE_FAILED(g)] = label_dup(g, "FAILED");
    for (size_t l = 0; l < g->nlists; l++)
        add_list_edges(g, &g->lists[l]);
}

static void graph_cleanup(graph *g)
{
    for (int i = 0; g->labels && i < g->nnodes; i++)
        free(g->labels[i]);
    free(g->labels);
    for (int i = 0; g->ids && i < g->nops; i++)
        free(g->ids[i]);
    free(g->ids);
    free(g->all);
    free(g->lists);
    for (size_t i = 0; i < g->nedges; i++)
        free(g->edges[i].label);
    free(g->edges);
}

/* The list of branch k of fan-out node i. */
static const glist *branch_list(const graph *g, int i, size_t k)
{
    for (size_t l = 0; l < g->nlists; l++)
        if (g->lists[l].owner == i && g->lists[l].branch == k)
            return &g->lists[l];
    return NULL;
}

/* ---- ids, shared by both syntaxes ---- */

/*
 * An operation's node is op_<id>: the prefix keeps ids clear of each
 * syntax's keywords (Mermaid's `style`, `class`, DOT's `node`, `graph`), and
 * the ids are unique across nesting. A fan-out has no node of its own but
 * a subgraph (op_<id>; a DOT cluster must be named cluster_<id>) holding its
 * fork op_<id>_FORK and join op_<id>_JOIN and, for a parallel, one nested
 * subgraph per branch, op_<id>_B<k> / cluster_<id>_B<k> (k from 1, as the
 * generated C numbers branches). Ids are lower case, so the upper-case
 * suffixes never meet another operation's id.
 */
static void node_id(buf *b, const graph *g, int n)
{
    if (n == NODE_START(g))
        buf_add(b, "start");
    else if (n == NODE_SUCCEEDED(g))
        buf_add(b, "SUCCEEDED");
    else if (n == NODE_FAILED(g))
        buf_add(b, "FAILED");
    else if (n >= NODE_JOIN(g, 0))
        buf_printf(b, "op_%s_JOIN", g->ids[n - NODE_JOIN(g, 0)]);
    else if (n >= NODE_FORK(g, 0))
        buf_printf(b, "op_%s_FORK", g->ids[n - NODE_FORK(g, 0)]);
    else
        buf_printf(b, "op_%s", g->ids[n]);
}

/* The subgraph of fan-out node i (branch < 0), or of its branch. */
static void subgraph_id(buf *b, const graph *g, int i, long branch, graph_format fmt)
{
    buf_printf(b, fmt == GRAPH_DOT ? "cluster_%s" : "op_%s", g->ids[i]);
    if (branch >= 0)
        buf_printf(b, "_B%ld", branch + 1);
}

static void indent(buf *b, int depth)
{
    for (int k = 0; k <= depth; k++)
        buf_add(b, "    ");
}

/*
 * The nodes of list L at nesting depth, in one syntax: node() draws one
 * node, open() opens a subgraph with its id and title, close() ends it.
 * A fan-out is its subgraph: fork, then its body (a parallel's branches in
 * subgraphs of their own; a map's or group's body as it is), then join.
 */
typedef struct syntax {
    void (*node)(buf *b, const graph *g, int n, int depth);
    void (*open)(buf *b, const graph *g, int i, long branch, const char *title, int depth);
    void (*close)(buf *b, int depth);
} syntax;

static void draw_list(buf *b, const graph *g, const syntax *sx, const glist *L, int depth);

static void draw_fanout(buf *b, const graph *g, const syntax *sx, int i, int depth)
{
    const op *o = g->all[i];
    sx->open(b, g, i, -1, g->labels[i], depth);
    sx->node(b, g, NODE_FORK(g, i), depth + 1);
    for (size_t k = 0; k < o->nbranches; k++) {
        const glist *L = branch_list(g, i, k);
        if (!L)
            continue;
        if (o->kind != OP_PARALLEL) {
            draw_list(b, g, sx, L, depth + 1);
            continue;
        }
        buf title;
        buf_init(&title);
        branch_title(&title, o, k);
        if (!buf_ok(&title))
            b->oom = 1;
        sx->open(b, g, i, (long)k, buf_str(&title), depth + 1);
        draw_list(b, g, sx, L, depth + 2);
        sx->close(b, depth + 1);
        buf_cleanup(&title);
    }
    sx->node(b, g, NODE_JOIN(g, i), depth + 1);
    sx->close(b, depth);
}

static void draw_list(buf *b, const graph *g, const syntax *sx, const glist *L, int depth)
{
    for (size_t i = 0; i < L->n; i++) {
        int n = L->first + (int)i;
        if (is_fanout(g->all[n]->kind))
            draw_fanout(b, g, sx, n, depth);
        else
            sx->node(b, g, n, depth);
    }
}

/* Every node: start, the workflow's list (nested ones within), the ends. */
static void draw_nodes(buf *b, const graph *g, const syntax *sx)
{
    sx->node(b, g, NODE_START(g), 0);
    draw_list(b, g, sx, &g->lists[0], 0);
    sx->node(b, g, NODE_SUCCEEDED(g), 0);
    if (g->used_failed)
        sx->node(b, g, NODE_FAILED(g), 0);
}

/* ---- Mermaid ---- */

/* A Mermaid "…" string: entities for what the parser or the HTML would
 * take as syntax, <br/> for new lines. */
static void mermaid_text(buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        switch (*s) {
        case '"':
            buf_add(b, "#quot;");
            break;
        case '#':
            buf_add(b, "#35;");
            break;
        case '&':
            buf_add(b, "#amp;");
            break;
        case '<':
            buf_add(b, "#lt;");
            break;
        case '>':
            buf_add(b, "#gt;");
            break;
        case '|':
            buf_add(b, "#124;");
            break;
        case '`':
            buf_add(b, "#96;");
            break;
        case '\n':
            buf_add(b, "<br/>");
            break;
        case '\r':
        case '\t':
            buf_addc(b, ' ');
            break;
        default:
            buf_addc(b, *s);
        }
    }
    buf_addc(b, '"');
}

static void mermaid_node(buf *b, const graph *g, int n, int depth)
{
    static const char *const open[] = {[SH_START] = "((",   [SH_SUCCEEDED] = "(((",
                                       [SH_FAILED] = "(((", [SH_STEP] = "[",
                                       [SH_WAIT] = "{{",    [SH_CALLBACK] = "[/",
                                       [SH_AWAIT] = "[\\",  [SH_WAIT_FOR_CALLBACK] = "[[",
                                       [SH_CHOICE] = "{",   [SH_SUCCEED] = "([",
                                       [SH_FAIL] = "([",    [SH_GOTO] = ">"};
    static const char *const close[] = {[SH_START] = "))",   [SH_SUCCEEDED] = ")))",
                                        [SH_FAILED] = ")))", [SH_STEP] = "]",
                                        [SH_WAIT] = "}}",    [SH_CALLBACK] = "/]",
                                        [SH_AWAIT] = "\\]",  [SH_WAIT_FOR_CALLBACK] = "]]",
                                        [SH_CHOICE] = "}",   [SH_SUCCEED] = "])",
                                        [SH_FAIL] = "])",    [SH_GOTO] = "]"};
    node_shape sh = node_shape_of(g, n);
    indent(b, depth);
    node_id(b, g, n);
    if (sh == SH_FORK || sh == SH_JOIN) {
        /* A bar (Mermaid 11.3+; mermaid-cli in tests/graph renders it). */
        buf_add(b, "@{ shape: fork }\n");
        return;
    }
    buf_add(b, open[sh]);
    mermaid_text(b, g->labels[n]);
    buf_add(b, close[sh]);
    buf_addc(b, '\n');
}

static void mermaid_open(buf *b, const graph *g, int i, long branch, const char *title, int depth)
{
    indent(b, depth);
    buf_add(b, "subgraph ");
    subgraph_id(b, g, i, branch, GRAPH_MERMAID);
    buf_addc(b, '[');
    mermaid_text(b, title);
    buf_add(b, "]\n");
}

static void mermaid_close(buf *b, int depth)
{
    indent(b, depth);
    buf_add(b, "end\n");
}

static void render_mermaid(buf *b, const graph *g)
{
    static const char *const arrow[] = {
        [ED_FLOW] = "-->", [ED_RETRY] = "-->", [ED_CATCH] = "-.->", [ED_TIMEOUT] = "-.->"};
    static const syntax sx = {mermaid_node, mermaid_open, mermaid_close};

    buf_printf(b, "%%%% cairn graph: workflow %s (sha256 %s)\n", g->wf->name, g->wf->sha256);
    buf_add(b, "flowchart TD\n");
    /* Nodes first, edges after: a node belongs to the subgraph it is first
     * named in. */
    draw_nodes(b, g, &sx);
    for (size_t i = 0; i < g->nedges; i++) {
        const edge *e = &g->edges[i];
        buf_add(b, "    ");
        node_id(b, g, e->from);
        buf_printf(b, " %s", arrow[e->style]);
        if (e->label) {
            buf_addc(b, '|');
            mermaid_text(b, e->label);
            buf_addc(b, '|');
        }
        buf_addc(b, ' ');
        node_id(b, g, e->to);
        buf_addc(b, '\n');
    }
    buf_add(b, "    classDef ok fill:#d8f0dc,stroke:#2e7d32\n"
               "    classDef ko fill:#fadadd,stroke:#c62828\n"
               "    class SUCCEEDED ok\n");
    if (g->used_failed)
        buf_add(b, "    class FAILED ko\n");
}

/* ---- DOT ---- */

/* A DOT "…" string: \" and \\ escaped, \n for new lines. */
static void dot_text(buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        switch (*s) {
        case '"':
        case '\\':
            buf_addc(b, '\\');
            buf_addc(b, *s);
            break;
        case '\n':
            buf_add(b, "\\n");
            break;
        case '\r':
        case '\t':
            buf_addc(b, ' ');
            break;
        default:
            buf_addc(b, *s);
        }
    }
    buf_addc(b, '"');
}

#define DOT_BAR "shape=box, style=filled, fillcolor=black, width=1.2, height=0.06, fixedsize=true"

static void dot_node(buf *b, const graph *g, int n, int depth)
{
    static const char *const attrs[] = {
        [SH_START] = "shape=circle, style=filled, fillcolor=black, width=0.25, fixedsize=true",
        [SH_SUCCEEDED] = "shape=doublecircle, style=filled, fillcolor=\"#d8f0dc\", "
                         "color=\"#2e7d32\"",
        [SH_FAILED] = "shape=doublecircle, style=filled, fillcolor=\"#fadadd\", "
                      "color=\"#c62828\"",
        [SH_STEP] = "shape=box",
        [SH_WAIT] = "shape=hexagon",
        [SH_CALLBACK] = "shape=parallelogram",
        [SH_AWAIT] = "shape=trapezium",
        [SH_WAIT_FOR_CALLBACK] = "shape=box, peripheries=2",
        [SH_CHOICE] = "shape=diamond",
        [SH_SUCCEED] = "shape=box, style=rounded, color=\"#2e7d32\"",
        [SH_FAIL] = "shape=box, style=rounded, color=\"#c62828\"",
        [SH_GOTO] = "shape=cds",
        [SH_FORK] = DOT_BAR,
        [SH_JOIN] = DOT_BAR};
    indent(b, depth);
    node_id(b, g, n);
    buf_printf(b, " [%s, label=", attrs[node_shape_of(g, n)]);
    /* start and the bars show no text */
    dot_text(b, n == NODE_START(g) || !g->labels[n] ? "" : g->labels[n]);
    buf_add(b, "];\n");
}

static void dot_open(buf *b, const graph *g, int i, long branch, const char *title, int depth)
{
    indent(b, depth);
    buf_add(b, "subgraph ");
    subgraph_id(b, g, i, branch, GRAPH_DOT);
    buf_add(b, " {\n");
    indent(b, depth + 1);
    buf_add(b, "label=");
    dot_text(b, title);
    buf_add(b, ";\n");
    indent(b, depth + 1);
    buf_add(b, "style=rounded;\n");
    indent(b, depth + 1);
    buf_add(b, "color=\"#8a8a8a\";\n");
}

static void dot_close(buf *b, int depth)
{
    indent(b, depth);
    buf_add(b, "}\n");
}

static void render_dot(buf *b, const graph *g)
{
    static const char *const styles[] = {[ED_FLOW] = "",
                                         [ED_RETRY] = ", color=\"#6a6a6a\"",
                                         [ED_CATCH] = ", style=dashed, color=\"#c62828\"",
                                         [ED_TIMEOUT] = ", style=dotted, color=\"#c62828\""};
    static const syntax sx = {dot_node, dot_open, dot_close};

    buf_printf(b, "// cairn graph: workflow %s (sha256 %s)\n", g->wf->name, g->wf->sha256);
    buf_add(b, "digraph ");
    dot_text(b, g->wf->name);
    buf_add(b, " {\n"
               "    graph [fontname=\"Helvetica\"];\n"
               "    node [fontname=\"Helvetica\", fontsize=11];\n"
               "    edge [fontname=\"Helvetica\", fontsize=9];\n");
    /* Nodes first, edges after: a node belongs to the cluster it is first
     * named in. */
    draw_nodes(b, g, &sx);
    for (size_t i = 0; i < g->nedges; i++) {
        const edge *e = &g->edges[i];
        buf_add(b, "    ");
        node_id(b, g, e->from);
        buf_add(b, " -> ");
        node_id(b, g, e->to);
        if (e->label) {
            buf_add(b, " [label=");
            dot_text(b, e->label);
            buf_printf(b, "%s]", styles[e->style]);
        } else if (*styles[e->style]) {
            buf_printf(b, " [%s]", styles[e->style] + 2);
        }
        buf_add(b, ";\n");
    }
    buf_add(b, "}\n");
}

/* ---- JSON (the web console of serve draws it) ---- */

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_text(buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c == '\n')
            buf_add(b, "\\n");
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_addc(b, (char)c);
    }
    buf_addc(b, '"');
}

/* The subgraph (as json_group's ids) that holds operation i's node, or none:
 * the fan-out of its list, and for a parallel the branch. */
static void group_of_op(buf *b, const graph *g, int i)
{
    for (size_t l = 0; l < g->nlists; l++) {
        const glist *L = &g->lists[l];
        if (i < L->first || i >= L->first + (int)L->n)
            continue;
        if (L->owner < 0)
            break;
        int owner = (int)L->owner;
        subgraph_id(b, g, owner, g->all[owner]->kind == OP_PARALLEL ? (long)L->branch : -1,
                    GRAPH_MERMAID);
        return;
    }
    buf_add(b, "null");
}

static void json_group_ref(buf *b, const graph *g, int n)
{
    buf id;
    buf_init(&id);
    if (n == NODE_START(g) || n == NODE_SUCCEEDED(g) || n == NODE_FAILED(g))
        buf_add(&id, "null");
    else if (n >= NODE_JOIN(g, 0))
        subgraph_id(&id, g, n - NODE_JOIN(g, 0), -1, GRAPH_MERMAID);
    else if (n >= NODE_FORK(g, 0))
        subgraph_id(&id, g, n - NODE_FORK(g, 0), -1, GRAPH_MERMAID);
    else
        group_of_op(&id, g, n);
    if (!strcmp(buf_str(&id), "null"))
        buf_add(b, "null");
    else
        json_text(b, buf_str(&id));
    if (!buf_ok(&id))
        b->oom = 1;
    buf_cleanup(&id);
}

static void json_node(buf *b, const graph *g, int n, int depth)
{
    static const char *const shapes[] = {
        [SH_START] = "start",       [SH_SUCCEEDED] = "succeeded", [SH_FAILED] = "failed",
        [SH_STEP] = "step",         [SH_WAIT] = "wait",           [SH_CALLBACK] = "callback",
        [SH_AWAIT] = "await",       [SH_WAIT_FOR_CALLBACK] = "wait_for_callback",
        [SH_CHOICE] = "choice",     [SH_SUCCEED] = "succeed",     [SH_FAIL] = "fail",
        [SH_GOTO] = "goto",         [SH_FORK] = "fork",           [SH_JOIN] = "join"};
    (void)depth;
    node_shape sh = node_shape_of(g, n);
    buf_add(b, "{\"id\": ");
    buf id;
    buf_init(&id);
    node_id(&id, g, n);
    json_text(b, buf_str(&id));
    if (!buf_ok(&id))
        b->oom = 1;
    buf_cleanup(&id);
    buf_printf(b, ", \"shape\": \"%s\", \"name\": ", shapes[sh]);
    if (n < g->nops)
        json_text(b, g->all[n]->name);
    else
        buf_add(b, "null");
    buf_add(b, ", \"label\": ");
    if (sh == SH_FORK || sh == SH_JOIN || !g->labels[n])
        buf_add(b, "null");
    else
        json_text(b, g->labels[n]);
    buf_add(b, ", \"group\": ");
    json_group_ref(b, g, n);
    buf_add(b, "},\n");
}

static void json_group(buf *b, const graph *g, int i, long branch, const char *title, int depth)
{
    (void)depth;
    buf id;
    buf_init(&id);
    subgraph_id(&id, g, i, branch, GRAPH_MERMAID);
    buf_add(b, "{\"id\": ");
    json_text(b, buf_str(&id));
    buf_add(b, ", \"title\": ");
    json_text(b, title);
    buf_add(b, ", \"parent\": ");
    buf_reset(&id);
    if (branch >= 0)
        subgraph_id(&id, g, i, -1, GRAPH_MERMAID);
    else
        group_of_op(&id, g, i);
    if (!strcmp(buf_str(&id), "null"))
        buf_add(b, "null");
    else
        json_text(b, buf_str(&id));
    buf_add(b, "},\n");
    if (!buf_ok(&id))
        b->oom = 1;
    buf_cleanup(&id);
}

static void json_none_node(buf *b, const graph *g, int n, int depth)
{
    (void)b, (void)g, (void)n, (void)depth;
}

static void json_none_open(buf *b, const graph *g, int i, long branch, const char *title,
                           int depth)
{
    (void)b, (void)g, (void)i, (void)branch, (void)title, (void)depth;
}

static void json_none_close(buf *b, int depth)
{
    (void)b, (void)depth;
}

/* Drops the ",\n" after the last item of a list, if there is one. */
static void json_end_list(buf *b, size_t start)
{
    if (b->len > start + 1 && buf_ok(b)) {
        b->len -= 2;
        b->data[b->len] = '\0';
        buf_addc(b, '\n');
    }
}

/*
 * {"workflow", "sha256", "nodes": [{id, shape, name, label, group}],
 *  "groups": [{id, title, parent}], "edges": [{from, to, style, label}]}:
 * the nodes in the order the other syntaxes draw them, one item a line.
 */
static void render_json(buf *b, const graph *g)
{
    static const char *const styles[] = {
        [ED_FLOW] = "flow", [ED_RETRY] = "retry", [ED_CATCH] = "catch", [ED_TIMEOUT] = "timeout"};
    static const syntax nodes = {json_node, json_none_open, json_none_close};
    static const syntax groups = {json_none_node, json_group, json_none_close};
    buf_add(b, "{\"workflow\": ");
    json_text(b, g->wf->name);
    buf_printf(b, ", \"sha256\": \"%s\",\n\"nodes\": [\n", g->wf->sha256);
    size_t start = b->len;
    draw_nodes(b, g, &nodes);
    json_end_list(b, start);
    buf_add(b, "],\n\"groups\": [\n");
    start = b->len;
    draw_nodes(b, g, &groups);
    json_end_list(b, start);
    buf_add(b, "],\n\"edges\": [\n");
    start = b->len;
    for (size_t i = 0; i < g->nedges; i++) {
        const edge *e = &g->edges[i];
        buf id;
        buf_init(&id);
        buf_add(b, "{\"from\": ");
        node_id(&id, g, e->from);
        json_text(b, buf_str(&id));
        buf_add(b, ", \"to\": ");
        buf_reset(&id);
        node_id(&id, g, e->to);
        json_text(b, buf_str(&id));
        buf_printf(b, ", \"style\": \"%s\", \"label\": ", styles[e->style]);
        if (e->label)
            json_text(b, e->label);
        else
            buf_add(b, "null");
        buf_add(b, "},\n");
        if (!buf_ok(&id))
            b->oom = 1;
        buf_cleanup(&id);
    }
    json_end_list(b, start);
    buf_add(b, "]}\n");
}

char *graph_render(const workflow *wf, graph_format fmt)
{
    graph g = {.wf = wf};
    buf b;
    buf_init(&b);
    build_graph(&g);
    if (!g.oom) {
        if (fmt == GRAPH_DOT)
            render_dot(&b, &g);
        else if (fmt == GRAPH_JSON)
            render_json(&b, &g);
        else
            render_mermaid(&b, &g);
    }
    char *text = g.oom ? NULL : buf_take(&b);
    buf_cleanup(&b);
    graph_cleanup(&g);
    return text;
}

/* ---- the command ---- */

static void graph_usage(FILE *f)
{
    fputs("usage: cairn graph FILE [--format mermaid|dot|json] [-o OUT]\n"
          "\n"
          "Draws the state machine of a workflow: one node per operation (kind and\n"
          "name), one edge per transition (sequence, choice conditions, catches,\n"
          "retries, callback timeouts, the ends); a parallel, map or group is a\n"
          "subgraph from a fork bar to a join bar, each parallel branch a subgraph\n"
          "inside. Mermaid by default; DOT renders with `dot -Tsvg`; JSON lists the\n"
          "nodes, subgraphs and edges (what serve's web console draws).\n"
          "Exit status: 0 drawn, 1 the file has an error, 2 usage.\n"
          "\n"
          "  --format F   mermaid (default), dot or json\n"
          "  -o OUT       write to OUT instead of stdout\n"
          "  -h, --help   this help\n",
          f);
}

int cmd_graph(int argc, char **argv)
{
    graph_format fmt = GRAPH_MERMAID;
    const char *format = NULL, *out = NULL;
    int help = 0, npos = 0;
    const args_opt opts[] = {{"format", &format, NULL, "takes mermaid, dot or json"},
                             {"o", &out, NULL, "needs a file"},
                             {"help", NULL, &help, NULL},
                             {NULL, NULL, NULL, NULL}};
    const char *pos[2];
    char msg[256];
    if (args_parse_files(argc, argv, 1, opts, pos, 2, &npos, msg, sizeof msg) != 0) {
        fprintf(stderr, "cairn graph: %s\n", msg);
        goto usage;
    }
    if (help) {
        graph_usage(stdout);
        return 0;
    }
    if (format && !strcmp(format, "dot")) {
        fmt = GRAPH_DOT;
    } else if (format && !strcmp(format, "json")) {
        fmt = GRAPH_JSON;
    } else if (format && strcmp(format, "mermaid")) {
        fputs("cairn graph: --format takes mermaid, dot or json\n", stderr);
        goto usage;
    }
    if (npos > 1) {
        fputs("cairn graph: one workflow file at a time\n", stderr);
        goto usage;
    }
    if (npos == 0) {
        fputs("cairn graph: no workflow file given\n", stderr);
        goto usage;
    }
    const char *file = pos[0];

    int rc = 1;
    diag *d = diag_new(stderr, 0);
    workflow *wf = d ? load_workflow(file, d) : NULL;
    char *text = wf ? graph_render(wf, fmt) : NULL;
    if (wf && !text)
        fputs("cairn graph: out of memory\n", stderr);
    if (text) {
        FILE *f = out ? fopen(out, "wb") : stdout;
        if (!f) {
            fprintf(stderr, "cairn graph: cannot write %s: %s\n", out, strerror(errno));
        } else {
            size_t len = strlen(text);
            int ok = fwrite(text, 1, len, f) == len;
            ok = (out ? fclose(f) : fflush(f)) == 0 && ok;
            if (ok)
                rc = 0;
            else
                fprintf(stderr, "cairn graph: cannot write %s: %s\n", out ? out : "stdout",
                        strerror(errno));
        }
    }
    free(text);
    model_free(wf);
    diag_free(d);
    return rc;

usage:
    graph_usage(stderr);
    return 2;
}
