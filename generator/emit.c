/*
 * emit.c — the emitter (emit.h): a checked workflow to NAME.c, NAME.h, main.c.
 *
 * Owns: C identifiers for operation names, the state machine (one case per
 * operation), the summary, the embedded hooks, and which template gets which
 * text. The file skeleton lives in templates/ (*.in); the emitter only builds
 * the text of their insertion points. Operation descriptors and builder
 * functions come from emit_data.c, lines and `#line`s from emit_writer.c,
 * values and expressions from emit_expr.c, the layout from layout.c, and
 * template filling from tpl.c.
 *
 * Never: reads or writes a file (the loader reads templates), or consults hash
 * order, the clock or the environment (same input, same bytes).
 */
#include "emit_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/workflow.h>

#include "buf.h"
#include "emit_expr.h"
#include "graph.h"
#include "layout.h"
#include "opid.h"
#include "tpl.h"

/* The templates, embedded at build time by cmake/embed.cmake. */
struct cairn_embedded {
    const char *name;
    const char *text;
};
extern const struct cairn_embedded cairn_embedded_templates[];

/* ------------------------------------------------------------------------ */
/* Templates                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * The text of template `name` (caller frees): the user's copy the loader read
 * (o->templates, from -T DIR), else the embedded one; and the path to name it
 * in messages (written to where, at most wherelen bytes).
 */
static char *template_text(const emit_opts *o, const char *name, char *where, size_t wherelen,
                           diag *d)
{
    if (o && o->templates) {
        for (const tpl_text *t = o->templates; t->name; t++) {
            if (strcmp(t->name, name))
                continue;
            snprintf(where, wherelen, "%s", t->where);
            if (t->text)
                return strdup(t->text);
            diag_report(d, DIAG_ERROR, DIAG_E_TEMPLATE, where, (pos){1, 1},
                        "cannot read the template: %s", strerror(t->err));
            return NULL;
        }
    }
    snprintf(where, wherelen, "<embedded>/%s", name);
    for (const struct cairn_embedded *t = cairn_embedded_templates; t->name; t++)
        if (!strcmp(t->name, name))
            return strdup(t->text);
    diag_report(d, DIAG_ERROR, DIAG_E_TEMPLATE, where, (pos){1, 1},
                "no such embedded template (a build problem)");
    return NULL;
}

/* Loads template `name`, fills it, fixes the #line numbers; result in *text. */
static int render(const emit_opts *o, const char *name, const tpl_var *vars, size_t nvars, diag *d,
                  char **text)
{
    char where[4096];
    char *tpl = template_text(o, name, where, sizeof where, d);
    if (!tpl)
        return -1;
    buf filled, tidied, fixed;
    buf_init(&filled);
    buf_init(&tidied);
    buf_init(&fixed);
    int rc = tpl_fill(where, tpl, vars, nvars, &filled, d);
    if (rc == 0) {
        layout_tidy(buf_str(&filled), &tidied);
        w_fix_lines(buf_str(&tidied), &fixed);
        if (!buf_ok(&filled) || !buf_ok(&tidied) || !buf_ok(&fixed)) {
            diag_report(d, DIAG_ERROR, DIAG_E_OUTPUT, where, (pos){1, 1}, "out of memory");
            rc = -1;
        }
    }
    if (rc == 0)
        *text = buf_take(&fixed);
    buf_cleanup(&filled);
    buf_cleanup(&tidied);
    buf_cleanup(&fixed);
    free(tpl);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* One workflow                                                              */
/* ------------------------------------------------------------------------ */

/* The CASES point of templates/workflow.c.in sits this many columns in. */
#define CASES_INDENT 8

/* How many lists ops holds, nested ones included. */
static size_t count_lists(const op *ops, size_t n)
{
    size_t nlists = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ops[i].nbranches; k++)
            nlists += count_lists(ops[i].branches[k].ops, ops[i].branches[k].nops);
    return nlists;
}

/* Adds a list, its operations contiguous in all (opid_walk calls it in the
 * order ids are given, which all follows). */
static void collect_list(void *ctx, const op *ops, size_t n, const val *output, long owner,
                         size_t branch)
{
    emitter *e = ctx;
    size_t li = e->nlists++, first = e->nall;
    e->lists[li] = (emit_list){
        .ops = ops, .nops = n, .first = first, .output = output, .owner = owner, .branch = branch};
    for (size_t i = 0; i < n; i++) {
        e->all[e->nall] = &ops[i];
        e->list_of[e->nall++] = li;
    }
}

/* NAME in upper case, for enum constants. */
static void add_upper(buf *b, const char *s)
{
    for (; *s; s++)
        buf_addc(b, (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s));
}

/*
 * Operation names to C identifiers (opid_assign, which the diagrams share),
 * their enum constants, then the functions and end states of the lists.
 */
static int make_ids(emitter *e)
{
    size_t n = opid_walk(e->wf, NULL, NULL), nl = count_lists(e->wf->ops, e->wf->nops);
    e->all = calloc(n + 1, sizeof *e->all);
    e->list_of = calloc(n + 1, sizeof *e->list_of);
    e->lists = calloc(nl, sizeof *e->lists);
    e->ids = calloc(n + 1, sizeof *e->ids);
    e->states = calloc(n + 1, sizeof *e->states);
    if (!e->all || !e->list_of || !e->lists || !e->ids || !e->states)
        return -1;
    opid_walk(e->wf, collect_list, e);
    if (opid_assign(e->all, n, e->ids) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        buf st;
        buf_init(&st);
        buf_printf(&st, "%s_", e->upper);
        add_upper(&st, e->ids[i]);
        e->states[i] = buf_take(&st);
        if (!e->states[i])
            return -1;
    }
    for (size_t l = 0; l < e->nlists; l++) {
        emit_list *L = &e->lists[l];
        buf fn, end, out;
        buf_init(&fn);
        buf_init(&end);
        buf_init(&out);
        if (L->owner < 0) {
            buf_printf(&fn, "%s_run", e->wf->name);
            buf_printf(&end, "%s_END", e->upper);
            buf_printf(&out, "%s_output", e->wf->name);
        } else {
            const op *o = e->all[L->owner];
            const char *id = e->ids[L->owner];
            if (o->kind == OP_PARALLEL) {
                buf_printf(&fn, "%s_branch_%s_%zu", e->wf->name, id, L->branch + 1);
                buf_printf(&end, "%s_", e->upper);
                add_upper(&end, id);
                buf_printf(&end, "_%zu_END", L->branch + 1);
                buf_printf(&out, "%s_output_%s_%zu", e->wf->name, id, L->branch + 1);
            } else {
                buf_printf(&fn, "%s_body_%s", e->wf->name, id);
                buf_printf(&end, "%s_", e->upper);
                add_upper(&end, id);
                buf_add(&end, "_END");
                buf_printf(&out, "%s_output_%s", e->wf->name, id);
            }
        }
        L->fn = buf_take(&fn);
        L->end_state = buf_take(&end);
        L->output_fn = buf_take(&out);
        if (!L->fn || !L->end_state || !L->output_fn)
            return -1;
    }
    return 0;
}

static void emitter_cleanup(emitter *e)
{
    for (size_t i = 0; e->ids && i < e->nall; i++)
        free(e->ids[i]);
    for (size_t i = 0; e->states && i < e->nall; i++)
        free(e->states[i]);
    for (size_t l = 0; e->lists && l < e->nlists; l++) {
        free(e->lists[l].fn);
        free(e->lists[l].end_state);
        free(e->lists[l].output_fn);
    }
    free(e->lists);
    free(e->all);
    free(e->list_of);
    free(e->ids);
    free(e->states);
    free(e->upper);
    buf_cleanup(&e->yaml_lit);
    buf_cleanup(&e->cfile_lit);
}

size_t emit_list_of(const emitter *e, size_t i, size_t k)
{
    for (size_t l = 0; l < e->nlists; l++)
        if (e->lists[l].owner == (long)i && e->lists[l].branch == k)
            return l;
    return 0; /* never: every branch has its list */
}

/* The state after op i when it completes normally: the next of its list, or the list's end. */
static const char *next_state(const emitter *e, size_t i)
{
    const emit_list *L = &e->lists[e->list_of[i]];
    return i + 1 < L->first + L->nops ? e->states[i + 1] : L->end_state;
}

/* The state of target (an index in op i's list), or the list's end. */
static const char *target_state(const emitter *e, size_t i, int target)
{
    const emit_list *L = &e->lists[e->list_of[i]];
    return target >= 0 && (size_t)target < L->nops ? e->states[L->first + (size_t)target]
                                                   : L->end_state;
}

/*
 * Writes `STMT` where call is a C expression that may hold YAML expressions
 * (src: the value it came from, for #line): a #line first when it does.
 */
static void w_stmt(writer *w, int indent, const val *src, const char *stmt)
{
    if (ex_holds_expr(src) && !ex_needs_builder(src))
        w_yaml(w, src->at.line, indent, stmt);
    else
        w_line(w, indent, "%s", stmt);
}

/* The output a `succeed` (or the end) passes: its builder fn, inline, or NULL. */
static void output_ref(buf *out, const val *v, const char *fn)
{
    if (!v) {
        buf_add(out, "NULL");
    } else if (ex_needs_builder(v)) {
        buf_printf(out, "%s(x)", fn);
    } else {
        ex_val_inline(out, v);
    }
}

/*
 * The branch after an operation call (a step, an await, a wait_for_callback):
 * on CAIRN_NEXT to the next state, on CAIRN_CAUGHT + k to catch k's target,
 * else the invocation ends. src: the value the call's args come from (#line).
 */
static void emit_branch(writer *w, const emitter *e, const op *op, size_t i, const char *call,
                        const val *src)
{
    buf t;
    buf_init(&t);
    if (!op->ncatches) {
        buf_printf(&t, "if (%s != CAIRN_NEXT)", call);
        w_stmt(w, 1, src, buf_str(&t));
        w_line(w, 2, "return;");
        w_line(w, 1, "s = %s;", next_state(e, i));
        w_line(w, 1, "break;");
        goto done;
    }
    buf_printf(&t, "switch (%s) {", call);
    w_stmt(w, 1, src, buf_str(&t));
    w_line(w, 1, "case CAIRN_NEXT:");
    w_line(w, 2, "s = %s;", next_state(e, i));
    w_line(w, 2, "break;");
    for (size_t k = 0; k < op->ncatches; k++) {
        const catch_spec *c = &op->catches[k];
        buf_reset(&t);
        for (size_t j = 0; j < c->nerrors; j++) {
            if (j)
                buf_add(&t, ", ");
            w_comment(&t, c->errors[j] ? c->errors[j] : "");
        }
        w_line(w, 1, "case CAIRN_CAUGHT + %zu: /* %s */", k, buf_str(&t));
        w_line(w, 2, "s = %s;", target_state(e, i, c->target));
        w_line(w, 2, "break;");
    }
    w_line(w, 1, "default:");
    w_line(w, 2, "return;");
    w_line(w, 1, "}");
    w_line(w, 1, "break;");
done:
    if (!buf_ok(&t))
        w->out->oom = 1;
    buf_cleanup(&t);
}

/* The case of op i in the state machine (the CASES point). */
static void emit_case(emitter *e, buf *out, size_t i)
{
    const op *op = e->all[i];
    const emit_list *L = &e->lists[e->list_of[i]];
    const char *wn = e->wf->name;
    const char *id = e->ids[i];
    writer w = emitter_writer(e, out);
    w.base = CASES_INDENT;
    buf t, call;
    buf_init(&t);
    buf_init(&call);
    emit_op_title(&t, e, op);

    w_blank(&w);
    w_line(&w, 0, "/* %s */", buf_str(&t));
    w_line(&w, 0, "case %s:", e->states[i]);
    switch (op->kind) {
    case OP_STEP: {
        buf fn;
        buf_init(&fn);
        emit_http_req req;
        const val *args = op->with;
        if (op->run.kind == RUN_HTTP) {
            emit_http_req_init(&req, &op->run);
            args = &req.map;
        }
        emit_fn_name(&fn, e, op->run.kind == RUN_HTTP ? "request" : "with", i);
        buf_printf(&call, "cairn_step(x, &%s_op_%s, ", wn, id);
        emit_val_ref(&call, args, buf_str(&fn));
        buf_addc(&call, ')');
        buf_cleanup(&fn);
        emit_branch(&w, e, op, i, buf_str(&call), args);
        break;
    }
    case OP_CALLBACK:
        w_line(&w, 1, "if (cairn_callback(x, &%s_op_%s) != CAIRN_NEXT)", wn, id);
        w_line(&w, 2, "return;");
        w_line(&w, 1, "s = %s;", next_state(e, i));
        w_line(&w, 1, "break;");
        break;
    case OP_AWAIT:
        buf_printf(&call, "cairn_await(x, &%s_op_%s)", wn, id);
        emit_branch(&w, e, op, i, buf_str(&call), NULL);
        break;
    case OP_WAIT_FOR_CALLBACK:
        buf_printf(&call, "cairn_wait_for_callback(x, &%s_op_%s, %s_submit_%s)", wn, id, wn, id);
        emit_branch(&w, e, op, i, buf_str(&call), NULL);
        break;
    case OP_WAIT:
        buf_reset(&t);
        if (op->for_ms >= 0) {
            buf dur;
            buf_init(&dur);
            w_duration(&dur, op->for_ms);
            w_line(&w, 1, "if (cairn_wait_for(x, &%s_op_%s, %" PRId64 ") != CAIRN_NEXT) /* %s */",
                   wn, id, op->for_ms, buf_str(&dur));
            buf_cleanup(&dur);
        } else {
            buf fn;
            buf_init(&fn);
            emit_fn_name(&fn, e, "until", i);
            buf_printf(&t, "if (cairn_wait_until(x, &%s_op_%s, ", wn, id);
            emit_val_ref(&t, op->until, buf_str(&fn));
            buf_add(&t, ") != CAIRN_NEXT)");
            buf_cleanup(&fn);
            w_stmt(&w, 1, op->until, buf_str(&t));
        }
        w_line(&w, 2, "return;");
        w_line(&w, 1, "s = %s;", next_state(e, i));
        w_line(&w, 1, "break;");
        break;
    case OP_CHOICE:
        for (size_t k = 0; k < op->nwhens; k++) {
            const choice_when *c = &op->whens[k];
            buf_reset(&t);
            buf_add(&t, "if (");
            if (c->cond)
                ex_cond(&t, c->cond);
            else
                buf_addc(&t, '0');
            buf_add(&t, ") {");
            int line = c->at.line ? c->at.line : c->cond ? c->cond->at.line : op->at.line;
            w_yaml(&w, line, 1, buf_str(&t));
            w_line(&w, 2, "s = %s;", target_state(e, i, c->target));
            w_line(&w, 2, "break;");
            w_line(&w, 1, "}");
        }
        w_line(&w, 1, "s = %s;",
               op->else_go ? target_state(e, i, op->else_target) : next_state(e, i));
        w_line(&w, 1, "break;");
        break;
    case OP_GOTO: /* a jump: nothing runs, nothing is journaled */
        w_line(&w, 1, "s = %s;", target_state(e, i, op->else_target));
        w_line(&w, 1, "break;");
        break;
    case OP_WAIT_FOR_CONDITION: {
        buf fn;
        buf_init(&fn);
        emit_fn_name(&fn, e, "initial", i);
        buf_printf(&call, "cairn_wait_for_condition(x, &%s_op_%s, ", wn, id);
        emit_val_ref(&call, op->initial, buf_str(&fn));
        buf_addc(&call, ')');
        buf_cleanup(&fn);
        emit_branch(&w, e, op, i, buf_str(&call), op->initial);
        break;
    }
    case OP_INVOKE: {
        buf fn;
        buf_init(&fn);
        emit_fn_name(&fn, e, "input", i);
        buf_printf(&call, "cairn_invoke(x, &%s_op_%s, ", wn, id);
        emit_val_ref(&call, op->input, buf_str(&fn));
        buf_addc(&call, ')');
        buf_cleanup(&fn);
        emit_branch(&w, e, op, i, buf_str(&call), op->input);
        break;
    }
    case OP_PARALLEL:
        buf_printf(&call, "cairn_parallel(x, &%s_op_%s)", wn, id);
        emit_branch(&w, e, op, i, buf_str(&call), NULL);
        break;
    case OP_GROUP:
        buf_printf(&call, "cairn_group(x, &%s_op_%s)", wn, id);
        emit_branch(&w, e, op, i, buf_str(&call), NULL);
        break;
    case OP_MAP:
        buf_printf(&call, "cairn_map(x, &%s_op_%s, ", wn, id);
        emit_val_ref(&call, op->items, "NULL");
        buf_addc(&call, ')');
        emit_branch(&w, e, op, i, buf_str(&call), op->items);
        break;
    case OP_SUCCEED: {
        const val *v = op->output ? op->output : L->output;
        buf own;
        buf_init(&own);
        emit_fn_name(&own, e, "output", i);
        buf_add(&call, "cairn_succeed(x, ");
        output_ref(&call, v, op->output ? buf_str(&own) : L->output_fn);
        buf_cleanup(&own);
        buf_add(&call, ");");
        w_stmt(&w, 1, v, buf_str(&call));
        w_line(&w, 1, "return;");
        break;
    }
    case OP_FAIL: {
        buf fn;
        buf_init(&fn);
        buf_add(&call, "cairn_fail(x, ");
        ex_c_string(&call, op->err_type ? op->err_type : "");
        buf_add(&call, ", ");
        emit_fn_name(&fn, e, "message", i);
        emit_val_ref(&call, op->err_message, buf_str(&fn));
        buf_add(&call, ", ");
        buf_reset(&fn);
        emit_fn_name(&fn, e, "data", i);
        emit_val_ref(&call, op->err_data, buf_str(&fn));
        buf_add(&call, ");");
        buf_cleanup(&fn);
        const val *src = ex_holds_expr(op->err_message) && !ex_needs_builder(op->err_message)
                             ? op->err_message
                             : op->err_data;
        w_stmt(&w, 1, src, buf_str(&call));
        w_line(&w, 1, "return;");
        break;
    }
    default: /* refused before emission */
        w_line(&w, 1, "return;");
    }
    w_back(&w);
    if (!buf_ok(&t) || !buf_ok(&call))
        out->oom = 1;
    buf_cleanup(&t);
    buf_cleanup(&call);
}

/* The END case of list L: succeed with its output. */
static void emit_end_case(emitter *e, buf *out, const emit_list *L)
{
    writer w = emitter_writer(e, out);
    w.base = CASES_INDENT;
    buf call;
    buf_init(&call);
    buf_add(&call, "cairn_succeed(x, ");
    output_ref(&call, L->output, L->output_fn);
    buf_add(&call, ");");
    w_blank(&w);
    w_line(&w, 0, "case %s:", L->end_state);
    w_stmt(&w, 1, L->output, buf_str(&call));
    w_line(&w, 1, "return;");
    w_back(&w);
    if (!buf_ok(&call))
        out->oom = 1;
    buf_cleanup(&call);
}

/* The width of the widest "kind name" of ops, indented 2 per level of nesting. */
static size_t summary_width(const op *ops, size_t n, size_t indent)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = indent + strlen(model_kind_name(ops[i].kind)) + 1 + strlen(ops[i].name);
        if (w > width)
            width = w;
        for (size_t k = 0; k < ops[i].nbranches; k++) {
            size_t in = summary_width(ops[i].branches[k].ops, ops[i].branches[k].nops,
                                      indent + (ops[i].kind == OP_PARALLEL ? 4 : 2));
            if (in > width)
                width = in;
        }
    }
    return width;
}

/* One line per operation, nested ones indented under theirs (a parallel's under each branch). */
static void summary_lines(emitter *e, buf *out, const op *ops, size_t n, size_t indent,
                          size_t width)
{
    const workflow *wf = e->wf;
    for (size_t i = 0; i < n; i++) {
        const op *op = &ops[i];
        buf t;
        buf_init(&t);
        buf_printf(&t, "%*s%s ", (int)indent, "", model_kind_name(op->kind));
        w_comment(&t, op->name);
        buf_printf(out, " *   %-*s  ", (int)width, buf_str(&t));
        w_comment(out, wf->path);
        buf_printf(out, ":%d\n", op->at.line);
        for (size_t k = 0; k < op->nbranches; k++) {
            const seq *b = &op->branches[k];
            if (op->kind == OP_PARALLEL) {
                buf_printf(out, " *   %*sbranch ", (int)indent + 2, "");
                if (b->name)
                    w_comment(out, b->name);
                else
                    buf_printf(out, "parallel-branch-%zu", k);
                buf_addc(out, '\n');
            }
            summary_lines(e, out, b->ops, b->nops, indent + (op->kind == OP_PARALLEL ? 4 : 2),
                          width);
        }
        if (!buf_ok(&t))
            out->oom = 1;
        buf_cleanup(&t);
    }
}

/* The summary comment: what the workflow is and its operations. */
static void emit_summary(emitter *e, buf *out)
{
    const workflow *wf = e->wf;
    buf_printf(out, " * Workflow %s", wf->name);
    if (wf->version)
        buf_printf(out, ", version %d", wf->version);
    if (wf->description && *wf->description) {
        buf_add(out, ": ");
        /* One comment line per description line. */
        const char *p = wf->description;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char *line = strndup(p, n);
            if (!line) {
                out->oom = 1;
                return;
            }
            w_comment(out, line);
            free(line);
            p += nl ? n + 1 : n;
            if (*p)
                buf_add(out, "\n * ");
        }
    }
    buf_add(out, "\n *\n");
    size_t width = summary_width(wf->ops, wf->nops, 0);
    summary_lines(e, out, wf->ops, wf->nops, 0, width);
}

/* The enum constants of list L, aligned, each with its operation in a comment. */
static void emit_states(emitter *e, buf *out, const emit_list *L)
{
    size_t width = strlen(L->end_state);
    for (size_t i = L->first; i < L->first + L->nops; i++)
        if (strlen(e->states[i]) + 1 > width)
            width = strlen(e->states[i]) + 1;
    for (size_t i = L->first; i < L->first + L->nops; i++) {
        const op *op = e->all[i];
        buf t;
        buf_init(&t);
        buf_printf(&t, "%s,", e->states[i]);
        buf_printf(out, "%-*s /* %s ", (int)width, buf_str(&t), model_kind_name(op->kind));
        w_comment(out, op->name);
        buf_add(out, " */\n");
        buf_cleanup(&t);
    }
    buf_printf(out, "%-*s /* after the last operation: succeed with the output */\n", (int)width,
               L->end_state);
}

static void emit_list_data(emitter *e, buf *out, size_t l);

/*
 * The state machine of a nested list l (a branch, a body), after the data of
 * its operations: its enum, its output's builder, its function.
 */
static void emit_list_fn(emitter *e, buf *out, size_t l)
{
    const emit_list *L = &e->lists[l];
    const op *owner = e->all[L->owner];
    writer w = emitter_writer(e, out);
    buf t;
    buf_init(&t);
    emit_op_title(&t, e, owner);
    if (owner->kind == OP_PARALLEL) {
        buf_add(&t, ", branch ");
        if (owner->branches[L->branch].name)
            w_comment(&t, owner->branches[L->branch].name);
        else
            buf_printf(&t, "parallel-branch-%zu", L->branch);
    } else {
        buf_add(&t, owner->kind == OP_MAP ? ", the steps of each item" : ", its steps");
    }
    w_line(&w, 0, "/*");
    w_line(&w, 0, " * %s:", buf_str(&t));
    w_line(&w, 0, " * a state machine of its own, run in a child context.");
    w_line(&w, 0, " */");
    w_line(&w, 0, "enum %s_state {", L->fn);
    buf states;
    buf_init(&states);
    emit_states(e, &states, L);
    for (const char *p = buf_str(&states); *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        buf_printf(out, "    %.*s\n", (int)len, p);
        p += len + (nl != NULL);
    }
    if (!buf_ok(&states))
        out->oom = 1;
    buf_cleanup(&states);
    w_line(&w, 0, "};");
    w_blank(&w);
    if (ex_needs_builder(L->output)) {
        buf_reset(&t);
        buf_add(&t, "/* its output, ");
        w_comment(&t, e->wf->path);
        buf_printf(&t, ":%d */", L->output->at.line);
        w_line(&w, 0, "%s", buf_str(&t));
        emit_builder(e, out, L->output_fn, L->output);
        w_blank(&w);
    }
    w_line(&w, 0, "static void %s(cairn_exec *x)", L->fn);
    w_line(&w, 0, "{");
    w_line(&w, 1, "int s = %s;", L->nops ? e->states[L->first] : L->end_state);
    w_line(&w, 1, "for (;;) {");
    w_line(&w, 2, "switch (s) {");
    /* the cases, laid out for CASES_INDENT columns in, as the template's */
    buf cases;
    buf_init(&cases);
    for (size_t i = L->first; i < L->first + L->nops; i++)
        emit_case(e, &cases, i);
    emit_end_case(e, &cases, L);
    for (const char *p = buf_str(&cases); *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        buf_printf(out, "%s%.*s\n", len && *p != '#' ? "        " : "", (int)len, p);
        p += len + (nl != NULL);
    }
    if (!buf_ok(&cases))
        out->oom = 1;
    buf_cleanup(&cases);
    w_line(&w, 2, "}");
    w_line(&w, 1, "}");
    w_line(&w, 0, "}");
    w_blank(&w);
    if (!buf_ok(&t))
        out->oom = 1;
    buf_cleanup(&t);
}

/* The data of list l's operations, each nested list's state machine before its owner's data. */
static void emit_list_data(emitter *e, buf *out, size_t l)
{
    const emit_list *L = &e->lists[l];
    for (size_t i = L->first; i < L->first + L->nops; i++) {
        for (size_t k = 0; k < e->all[i]->nbranches; k++) {
            size_t nested = emit_list_of(e, i, k);
            emit_list_data(e, out, nested);
            emit_list_fn(e, out, nested);
        }
        emit_op_data(e, out, i);
    }
}

/* The embedded hooks source, one literal per source line. */
/*
 * `static const char NAME[] =` and text (len bytes) as one literal per line
 * of it: aligned after `= ` when every line fits there, else each on its own
 * line indented once (clang-format's two layouts); when even that is too
 * wide, clang-format would split the literals, so the block is marked to be
 * left alone.
 */
static void emit_text_literal(buf *out, const char *name, const char *text, size_t len)
{
    buf decl, lits;
    buf_init(&decl);
    buf_init(&lits);
    buf_printf(&decl, "static const char %s[] =", name);
    size_t widest = 0, nlits = 0;
    for (size_t i = 0; i < len; nlits++) {
        const char *p = text + i;
        const char *nl = memchr(p, '\n', len - i);
        size_t n = nl ? (size_t)(nl - p) + 1 : len - i;
        size_t before = lits.len;
        buf_addc(&lits, '"');
        ex_c_escape(&lits, p, n);
        buf_add(&lits, "\"\n");
        if (lits.len - before - 1 > widest)
            widest = lits.len - before - 1;
        i += n;
    }
    if (nlits == 0) {
        buf_add(&lits, "\"\"\n");
        widest = 2;
        nlits = 1;
    }
    size_t pad = decl.len + 1;
    /* + 1: the `;` after the last literal */
    int aligned = pad + widest + 1 <= LAYOUT_COLUMNS;
    int off = !aligned && 4 + widest + 1 > LAYOUT_COLUMNS;
    if (off)
        buf_add(out, "// clang-format off\n");
    buf_add(out, buf_str(&decl));
    const char *p = buf_str(&lits);
    for (size_t k = 0; k < nlits; k++) {
        const char *nl = strchr(p, '\n');
        if (aligned && k == 0)
            buf_addc(out, ' ');
        else if (aligned)
            buf_printf(out, "\n%*s", (int)pad, "");
        else
            buf_add(out, "\n    ");
        buf_addn(out, p, (size_t)(nl - p));
        p = nl + 1;
    }
    buf_add(out, ";\n");
    if (off)
        buf_add(out, "// clang-format on\n");
    buf_addc(out, '\n');
    if (!buf_ok(&decl) || !buf_ok(&lits))
        out->oom = 1;
    buf_cleanup(&decl);
    buf_cleanup(&lits);
}

static void emit_hooks(emitter *e, buf *out)
{
    const workflow *wf = e->wf;
    if (!wf->hooks_source)
        return;
    buf_add(out, "/* ");
    w_comment(out, wf->hooks ? wf->hooks : "hooks");
    buf_add(out, ", embedded: the definition hash covers it. */\n");
    buf name;
    buf_init(&name);
    buf_printf(&name, "%s_lua", wf->name);
    emit_text_literal(out, buf_str(&name), wf->hooks_source,
                      wf->hooks_len ? wf->hooks_len : strlen(wf->hooks_source));
    if (!buf_ok(&name))
        out->oom = 1;
    buf_cleanup(&name);
}

/* The diagram as `cairn graph --format json` draws it, for serve's console. */
static void emit_graph(emitter *e, buf *out)
{
    const workflow *wf = e->wf;
    char *json = graph_render(wf, GRAPH_JSON);
    buf name;
    buf_init(&name);
    buf_printf(&name, "%s_graph", wf->name);
    if (!json) {
        out->oom = 1;
    } else {
        buf_add(out, "/* The diagram (cairn graph --format json), for serve's web console. */\n");
        emit_text_literal(out, buf_str(&name), json, strlen(json));
    }
    if (!buf_ok(&name))
        out->oom = 1;
    buf_cleanup(&name);
    free(json);
}

/* The C hooks of ops (and of the lists nested in them), in document order, each once. */
static void c_hooks_in(const workflow *wf, const op *ops, size_t n, const char ***seen,
                       size_t *nseen, size_t *cap, buf *out)
{
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        const run_spec *all[] = {
            o->kind == OP_STEP || o->kind == OP_WAIT_FOR_CONDITION ? &o->run : NULL,
            o->kind == OP_WAIT_FOR_CALLBACK ? &o->submitter : NULL,
            o->kind != OP_AWAIT ? &o->result_hook : NULL, &o->encode, &o->decode};
        for (size_t h = 0; h < sizeof all / sizeof all[0]; h++) {
            const run_spec *r = all[h];
            if (!r || r->kind != RUN_C || !r->fn)
                continue;
            size_t k = 0;
            while (k < *nseen && strcmp((*seen)[k], r->fn))
                k++;
            if (k < *nseen)
                continue;
            if (*nseen == *cap) {
                size_t c = *cap ? 2 * *cap : 16;
                const char **v = realloc(*seen, c * sizeof *v);
                if (!v) {
                    out->oom = 1;
                    return;
                }
                *seen = v;
                *cap = c;
            }
            if (*nseen == 0) {
                buf_add(out, "/* C hooks named in ");
                w_comment(out, wf->path);
                buf_add(out, ": implement each one (cairn.h, \"Call API\"). */\n");
            }
            (*seen)[(*nseen)++] = r->fn;
            buf_printf(out, "int %s(cairn_call *call, const cJSON *args);\n", r->fn);
        }
        for (size_t k = 0; k < o->nbranches; k++)
            c_hooks_in(wf, o->branches[k].ops, o->branches[k].nops, seen, nseen, cap, out);
    }
}

/* The prototypes of the C hooks the workflow names (the header's C_HOOKS point). */
static void emit_c_hooks(const workflow *wf, buf *out)
{
    const char **seen = NULL;
    size_t nseen = 0, cap = 0;
    c_hooks_in(wf, wf->ops, wf->nops, &seen, &nseen, &cap, out);
    if (nseen)
        buf_addc(out, '\n');
    free(seen);
}

int emit_workflow(const workflow *wf, const emit_opts *o, diag *d, char **c_text, char **h_text)
{
    emitter e = {.wf = wf, .o = o};
    buf_init(&e.yaml_lit);
    buf_init(&e.cfile_lit);
    buf parts[18];
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        buf_init(&parts[i]);
    char *c = NULL, *h = NULL;
    int rc = -1;

    if (!wf->path || !wf->name) {
        diag_report(d, DIAG_ERROR, DIAG_E_OUTPUT, wf->path ? wf->path : "?", (pos){1, 1},
                    "the workflow has no %s (a bug in the front end)", wf->path ? "name" : "path");
        goto done;
    }

    e.upper = strdup(wf->name);
    if (!e.upper)
        goto oom;
    for (char *p = e.upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    if (make_ids(&e) < 0)
        goto oom;
    ex_c_string(&e.yaml_lit, wf->path);
    buf cname;
    buf_init(&cname);
    buf_printf(&cname, "%s.c", wf->name);
    ex_c_string(&e.cfile_lit, buf_str(&cname));
    buf_cleanup(&cname);

    enum {
        P_SOURCE,
        P_SUMMARY,
        P_HOOKS,
        P_SCHEMA,
        P_STATES,
        P_OPS,
        P_CASES,
        P_SOURCE_STR,
        P_TIMEOUT,
        P_TIMEOUT_MS,
        P_SCHEMA_REF,
        P_LUA_REF,
        P_CHUNK,
        P_VERSION_NOTE,
        P_CHOOKS,
        P_WF_VERSION,
        P_INVOKES,
        P_GRAPH
    };
    w_comment(&parts[P_SOURCE], wf->path);
    emit_summary(&e, &parts[P_SUMMARY]);
    emit_hooks(&e, &parts[P_HOOKS]);
    emit_graph(&e, &parts[P_GRAPH]);
    if (wf->input_schema_json) {
        buf lit;
        buf_init(&lit);
        ex_c_string(&lit, wf->input_schema_json);
        buf_printf(&parts[P_SCHEMA], "static const char %s_input_schema[] =", wf->name);
        /* On the next line when it would not fit in 100 columns (clang-format's
         * way); marked when even there it would not: clang-format would split it. */
        size_t width = strlen(buf_str(&parts[P_SCHEMA])) + 1 + lit.len + 1;
        int off = 4 + lit.len + 1 > LAYOUT_COLUMNS;
        buf_add(&parts[P_SCHEMA], width > LAYOUT_COLUMNS ? "\n    " : " ");
        buf_add(&parts[P_SCHEMA], buf_str(&lit));
        buf_add(&parts[P_SCHEMA], ";\n");
        if (off) {
            buf tmp;
            buf_init(&tmp);
            buf_printf(&tmp, "// clang-format off\n%s// clang-format on\n",
                       buf_str(&parts[P_SCHEMA]));
            buf_reset(&parts[P_SCHEMA]);
            buf_add(&parts[P_SCHEMA], buf_str(&tmp));
            if (!buf_ok(&tmp))
                parts[P_SCHEMA].oom = 1;
            buf_cleanup(&tmp);
        }
        buf_addc(&parts[P_SCHEMA], '\n');
        if (!buf_ok(&lit))
            parts[P_SCHEMA].oom = 1;
        buf_cleanup(&lit);
        buf_printf(&parts[P_SCHEMA_REF], "%s_input_schema", wf->name);
    } else {
        buf_add(&parts[P_SCHEMA_REF], "NULL");
    }
    emit_states(&e, &parts[P_STATES], &e.lists[0]);
    emit_list_data(&e, &parts[P_OPS], 0);
    if (ex_needs_builder(wf->output)) {
        buf_add(&parts[P_OPS], "/* the workflow's output, ");
        w_comment(&parts[P_OPS], wf->path);
        buf_printf(&parts[P_OPS], ":%d */\n", wf->output->at.line);
        buf fn;
        buf_init(&fn);
        buf_printf(&fn, "%s_output", wf->name);
        emit_builder(&e, &parts[P_OPS], buf_str(&fn), wf->output);
        buf_cleanup(&fn);
        buf_addc(&parts[P_OPS], '\n');
    }
    for (size_t i = 0; i < wf->nops; i++)
        emit_case(&e, &parts[P_CASES], i);
    emit_end_case(&e, &parts[P_CASES], &e.lists[0]);
    ex_c_string(&parts[P_SOURCE_STR], wf->path);
    if (wf->timeout_ms > 0)
        w_duration(&parts[P_TIMEOUT], wf->timeout_ms);
    else
        buf_add(&parts[P_TIMEOUT], "none");
    buf_printf(&parts[P_TIMEOUT_MS], "%" PRId64, wf->timeout_ms > 0 ? wf->timeout_ms : 0);
    if (wf->hooks_source) {
        buf_printf(&parts[P_LUA_REF], "%s_lua", wf->name);
        buf chunk;
        buf_init(&chunk);
        buf_printf(&chunk, "@%s", wf->hooks ? wf->hooks : "hooks");
        ex_c_string(&parts[P_CHUNK], buf_str(&chunk));
        buf_cleanup(&chunk);
    } else {
        buf_add(&parts[P_LUA_REF], "NULL");
        buf_add(&parts[P_CHUNK], "NULL");
    }
    if (wf->version)
        buf_printf(&parts[P_VERSION_NOTE], ", version %d", wf->version);
    buf_printf(&parts[P_WF_VERSION], "%d", wf->version);
    emit_c_hooks(wf, &parts[P_CHOOKS]);
    /* the workflows its invokes start, each once: the host checks it links them */
    buf names;
    buf_init(&names);
    size_t ninvokes = 0;
    for (size_t i = 0; i < e.nall; i++) {
        const op *o = e.all[i];
        if (o->kind != OP_INVOKE || !o->workflow)
            continue;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = e.all[k]->kind == OP_INVOKE && e.all[k]->workflow &&
                   !strcmp(e.all[k]->workflow, o->workflow);
        if (seen)
            continue;
        ninvokes++;
        ex_c_string(&names, o->workflow);
        buf_addc(&names, '\n');
    }
    if (ninvokes) {
        buf one;
        buf_init(&one);
        buf_printf(&one, "static const char *const %s_invokes[] = {", wf->name);
        size_t head = one.len;
        for (const char *p = buf_str(&names); *p;) {
            const char *nl = strchr(p, '\n');
            buf_printf(&one, "%.*s, ", (int)(nl - p), p);
            p = nl + 1;
        }
        buf_add(&one, "NULL};");
        buf_add(&parts[P_OPS], "/* the workflows this one invokes */\n");
        if (one.len <= LAYOUT_COLUMNS) {
            buf_printf(&parts[P_OPS], "%s\n\n", buf_str(&one));
        } else { /* one a line, as clang-format lays out a list with a trailing comma */
            buf_printf(&parts[P_OPS], "%.*s\n", (int)head, buf_str(&one));
            for (const char *p = buf_str(&names); *p;) {
                const char *nl = strchr(p, '\n');
                buf_printf(&parts[P_OPS], "    %.*s,\n", (int)(nl - p), p);
                p = nl + 1;
            }
            buf_add(&parts[P_OPS], "    NULL,\n};\n\n");
        }
        if (!buf_ok(&one))
            parts[P_OPS].oom = 1;
        buf_cleanup(&one);
        buf_printf(&parts[P_INVOKES], ".invokes = %s_invokes,", wf->name);
    }
    if (!buf_ok(&names))
        parts[P_OPS].oom = 1;
    buf_cleanup(&names);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!buf_ok(&parts[i]))
            goto oom;

    char abi[16], guard[256];
    snprintf(abi, sizeof abi, "%d", CAIRN_ABI);
    snprintf(guard, sizeof guard, "CAIRN_GEN_%s_H", e.upper);
    const char *first = wf->nops ? e.states[0] : e.lists[0].end_state;
    const tpl_var vars[] = {
        {"VERSION", CAIRN_VERSION},
        {"ABI", abi},
        {"NAME", wf->name},
        {"UPPER", e.upper},
        {"GUARD", guard},
        {"SOURCE", buf_str(&parts[P_SOURCE])},
        {"SHA256", wf->sha256},
        {"SUMMARY", buf_str(&parts[P_SUMMARY])},
        {"HOOKS", buf_str(&parts[P_HOOKS])},
        {"INPUT_SCHEMA", buf_str(&parts[P_SCHEMA])},
        {"STATES", buf_str(&parts[P_STATES])},
        {"OPERATIONS", buf_str(&parts[P_OPS])},
        {"FIRST_STATE", first},
        {"CASES", buf_str(&parts[P_CASES])},
        {"SOURCE_STRING", buf_str(&parts[P_SOURCE_STR])},
        {"WF_VERSION", buf_str(&parts[P_WF_VERSION])},
        {"VERSION_NOTE", buf_str(&parts[P_VERSION_NOTE])},
        {"TIMEOUT_MS", buf_str(&parts[P_TIMEOUT_MS])},
        {"TIMEOUT", buf_str(&parts[P_TIMEOUT])},
        {"INPUT_SCHEMA_REF", buf_str(&parts[P_SCHEMA_REF])},
        {"LUA_REF", buf_str(&parts[P_LUA_REF])},
        {"LUA_CHUNKNAME", buf_str(&parts[P_CHUNK])},
        {"C_HOOKS", buf_str(&parts[P_CHOOKS])},
        {"INVOKES", buf_str(&parts[P_INVOKES])},
        {"GRAPH", buf_str(&parts[P_GRAPH])},
    };
    size_t nvars = sizeof vars / sizeof vars[0];
    if (render(o, "workflow.c.in", vars, nvars, d, &c) < 0 ||
        render(o, "workflow.h.in", vars, nvars, d, &h) < 0)
        goto done;
    *c_text = c;
    *h_text = h;
    c = h = NULL;
    rc = 0;
    goto done;
oom:
    diag_report(d, DIAG_ERROR, DIAG_E_OUTPUT, wf->path, (pos){1, 1}, "out of memory");
done:
    free(c);
    free(h);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        buf_cleanup(&parts[i]);
    emitter_cleanup(&e);
    return rc;
}

int emit_main(const workflow *const *wfs, size_t n, const emit_opts *o, diag *d, char **text)
{
    buf sources, includes, list;
    buf_init(&sources);
    buf_init(&includes);
    buf_init(&list);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_add(&sources, ", ");
        w_comment(&sources, wfs[i]->path);
        buf_add(&includes, "#include ");
        buf sub;
        buf_init(&sub);
        buf_printf(&sub, "%s.h", wfs[i]->name);
        ex_c_string(&includes, buf_str(&sub));
        buf_cleanup(&sub);
        buf_addc(&includes, '\n');
        buf_printf(&list, "&%s_workflow,\n", wfs[i]->name);
    }
    int rc = -1;
    if (!buf_ok(&sources) || !buf_ok(&includes) || !buf_ok(&list)) {
        diag_report(d, DIAG_ERROR, DIAG_E_OUTPUT, "main.c", (pos){1, 1}, "out of memory");
    } else {
        const tpl_var vars[] = {
            {"VERSION", CAIRN_VERSION},
            {"SOURCES", buf_str(&sources)},
            {"INCLUDES", buf_str(&includes)},
            {"WORKFLOWS", buf_str(&list)},
        };
        rc = render(o, "main.c.in", vars, sizeof vars / sizeof vars[0], d, text);
    }
    buf_cleanup(&sources);
    buf_cleanup(&includes);
    buf_cleanup(&list);
    return rc;
}
