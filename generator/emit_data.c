/*
 * emit_data.c — the static data of each operation (emit_int.h): its
 * cairn_op descriptor (retry, error lists, run, http, callback options) and
 * the builder functions of the values it passes.
 *
 * Owns: the OPERATIONS insertion point's text for one operation. Never:
 * writes the state machine (emit.c) or reads a file.
 */
#include "emit_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_expr.h"
#include "layout.h"

/* "step reserve, basic.yaml:17" for comments. */
void emit_op_title(buf *out, const emitter *e, const op *op)
{
    buf_add(out, model_kind_name(op->kind));
    buf_addc(out, ' ');
    w_comment(out, op->name ? op->name : "");
    buf_add(out, ", ");
    w_comment(out, e->wf->path ? e->wf->path : "");
    buf_printf(out, ":%d", op->at.line);
}

/* Statements that fill the object or array `var` with v's items. */
static void build_items(writer *w, const val *v, const char *var, int depth, int indent)
{
    for (size_t i = 0; i < v->n; i++) {
        const val *it = v->items[i];
        buf key, stmt;
        buf_init(&key);
        buf_init(&stmt);
        if (v->kind == V_MAP) {
            buf_add(&key, ", ");
            ex_c_string(&key, v->keys[i] ? v->keys[i] : "");
        }
        const char *fn = v->kind == V_MAP ? "cairn_x_put" : "cairn_x_push";
        if (ex_needs_builder(it)) {
            char sub[24];
            snprintf(sub, sizeof sub, "v%d", depth + 1);
            w_line(w, indent, "{");
            w_line(w, indent + 1, "cJSON *%s = cairn_x_%s(x);", sub,
                   it->kind == V_MAP ? "object" : "array");
            build_items(w, it, sub, depth + 1, indent + 1);
            w_line(w, indent + 1, "%s(x, %s%s, %s);", fn, var, buf_str(&key), sub);
            w_line(w, indent, "}");
        } else {
            buf_printf(&stmt, "%s(x, %s%s, ", fn, var, buf_str(&key));
            ex_val_inline(&stmt, it);
            buf_add(&stmt, ");");
            w_yaml(w, it->at.line, indent, buf_str(&stmt));
        }
        if (!buf_ok(&key) || !buf_ok(&stmt))
            w->out->oom = 1;
        buf_cleanup(&key);
        buf_cleanup(&stmt);
    }
}

/* A static function that builds v (a map or list holding expressions). */
void emit_builder(emitter *e, buf *out, const char *fn, const val *v)
{
    writer w = emitter_writer(e, out);
    w_line(&w, 0, "static const cJSON *%s(cairn_exec *x)", fn);
    w_line(&w, 0, "{");
    w_line(&w, 1, "cJSON *v = cairn_x_%s(x);", v->kind == V_MAP ? "object" : "array");
    build_items(&w, v, "v", 0, 1);
    w_line(&w, 1, "return v;");
    w_line(&w, 0, "}");
}

/*
 * The C expression for value v at a use site: NULL when absent, a call of
 * its builder function fn when it needs one, else inline.
 */
void emit_val_ref(buf *out, const val *v, const char *fn)
{
    if (!v)
        buf_add(out, "NULL");
    else if (ex_needs_builder(v))
        buf_printf(out, "%s(x)", fn);
    else
        ex_val_inline(out, v);
}

/* `static int FN(cairn_exec *x)`: whether cond holds (a condition's `until`). */
static void emit_until_fn(emitter *e, buf *out, const char *fn, const expr *cond)
{
    writer w = emitter_writer(e, out);
    buf t;
    buf_init(&t);
    buf_add(&t, "return ");
    if (cond)
        ex_cond(&t, cond);
    else
        buf_addc(&t, '1');
    buf_addc(&t, ';');
    w_line(&w, 0, "static int %s(cairn_exec *x)", fn);
    w_line(&w, 0, "{");
    if (cond)
        w_yaml(&w, cond->at.line, 1, buf_str(&t));
    else
        w_line(&w, 1, "%s", buf_str(&t));
    w_line(&w, 0, "}");
    if (!buf_ok(&t))
        out->oom = 1;
    buf_cleanup(&t);
}

/* Builder function names: NAME_<what>_<id>. */
void emit_fn_name(buf *out, const emitter *e, const char *what, size_t i)
{
    buf_printf(out, "%s_%s_%s", e->wf->name, what, e->ids[i]);
}

static void emit_retry(writer *w, const emitter *e, const op *op, size_t i)
{
    static const char *const jitters[] = {"CAIRN_JITTER_FULL", "CAIRN_JITTER_HALF",
                                          "CAIRN_JITTER_NONE"};
    const retry_spec *r = &op->retry;
    if (r->none) {
        w_line(w, 1, ".retry = {.max_attempts = 1}, // retry: none");
        return;
    }
    buf rate;
    buf_init(&rate);
    ex_double(&rate, r->rate);
    const char *jitter = jitters[r->jitter <= JITTER_NONE ? r->jitter : 0];
    /* One field a line, aligned as clang-format lays out a list that does not fit. */
    w_line(w, 1, ".retry = {.max_attempts = %d,", r->max_attempts);
    w_line(w, 0, "              .initial_ms = %" PRId64 ",", r->initial_ms);
    w_line(w, 0, "              .max_ms = %" PRId64 ",", r->max_ms);
    w_line(w, 0, "              .rate = %s,", buf_str(&rate));
    if (r->on && r->non) {
        w_line(w, 0, "              .jitter = %s,", jitter);
        w_line(w, 0, "              .on = %s_retry_on_%s},", e->wf->name, e->ids[i]);
    } else {
        w_line(w, 0, "              .jitter = %s},", jitter);
    }
    buf_cleanup(&rate);
}

/* A NULL-terminated array of strings: `static const char *const NAME[] = {...};` */
static void emit_string_list(writer *w, const char *name, char *const *items, size_t n)
{
    buf list;
    buf_init(&list);
    for (size_t k = 0; k < n; k++) {
        ex_c_string(&list, items[k] ? items[k] : "");
        buf_add(&list, ", ");
    }
    w_line(w, 0, "static const char *const %s[] = {%sNULL};", name, buf_str(&list));
    if (!buf_ok(&list))
        w->out->oom = 1;
    buf_cleanup(&list);
}

void emit_http_req_init(emit_http_req *r, const run_spec *run)
{
    const http_spec *h = &run->http;
    memset(r, 0, sizeof *r);
    r->method.kind = V_STR;
    r->method.at = run->at;
    r->method.text = h->body ? "POST" : "GET";
    /* The values stay the spec's: the builder only reads them. */
    val *const parts[4] = {h->method ? (val *)h->method : &r->method, (val *)h->url,
                           (val *)h->headers, (val *)h->body};
    static char *const names[4] = {"method", "url", "headers", "body"};
    for (size_t k = 0; k < 4; k++) {
        if (!parts[k])
            continue;
        r->keys[r->map.n] = names[k];
        r->items[r->map.n++] = parts[k];
    }
    r->map.kind = V_MAP;
    r->map.at = run->at;
    r->map.keys = r->keys;
    r->map.items = r->items;
    r->map.has_expr = ex_holds_expr(&r->map);
}

/*
 * A static function that returns v as the args of a body: built by
 * statements when it needs them, else one return (an empty object for NULL).
 */
static void emit_args_fn(emitter *e, buf *out, const char *fn, const val *v)
{
    if (ex_needs_builder(v)) {
        emit_builder(e, out, fn, v);
        return;
    }
    writer w = emitter_writer(e, out);
    w_line(&w, 0, "static const cJSON *%s(cairn_exec *x)", fn);
    w_line(&w, 0, "{");
    if (!v) {
        w_line(&w, 1, "return cairn_x_object(x);");
    } else {
        buf t;
        buf_init(&t);
        buf_add(&t, "return ");
        ex_val_inline(&t, v);
        buf_addc(&t, ';');
        if (ex_holds_expr(v))
            w_yaml(&w, v->at.line, 1, buf_str(&t));
        else
            w_line(&w, 1, "%s", buf_str(&t));
        if (!buf_ok(&t))
            out->oom = 1;
        buf_cleanup(&t);
    }
    w_line(&w, 0, "}");
}

/* `.field = MS, // duration` for a non-zero duration. A line comment: after
 * the last field of an initializer, a block comment would hide its trailing
 * comma from clang-format, which would then pack the fields on one line. */
static void emit_ms_field(writer *w, const char *field, int64_t ms)
{
    if (ms <= 0)
        return;
    buf dur;
    buf_init(&dur);
    w_duration(&dur, ms);
    w_line(w, 1, ".%s = %" PRId64 ", // %s", field, ms, buf_str(&dur));
    if (!buf_ok(&dur))
        w->out->oom = 1;
    buf_cleanup(&dur);
}

/* The fields of a body that runs: a step's run or a submitter. */
static void emit_run_fields(writer *w, const run_spec *r)
{
    buf name;
    buf_init(&name);
    ex_c_string(&name, r->fn ? r->fn : "");
    if (r->kind == RUN_LUA) {
        w_line(w, 1, ".run = CAIRN_RUN_LUA,");
        w_line(w, 1, ".lua_fn = %s,", buf_str(&name));
    } else if (r->kind == RUN_C) {
        w_line(w, 1, ".run = CAIRN_RUN_C,");
        /* Under a #line to the `run:`, so a hook of the wrong type is
         * reported at the YAML line that names it. */
        buf fn;
        buf_init(&fn);
        buf_printf(&fn, ".c_fn = %s,", r->fn ? r->fn : "NULL");
        w_yaml(w, r->at.line, 1, buf_str(&fn));
        if (!buf_ok(&fn))
            w->out->oom = 1;
        buf_cleanup(&fn);
        w_line(w, 1, ".c_name = %s,", buf_str(&name));
    } else if (r->kind == RUN_HTTP) {
        w_line(w, 1, ".run = CAIRN_RUN_HTTP,");
    }
    if (!buf_ok(&name))
        w->out->oom = 1;
    buf_cleanup(&name);
}

/* A hook reference field (`result:` or `serdes:`): {kind, lua_fn, c_fn, c_name}. */
static void emit_hook_field(writer *w, const char *field, const run_spec *r)
{
    if (r->kind != RUN_LUA && r->kind != RUN_C)
        return;
    buf name, line;
    buf_init(&name);
    buf_init(&line);
    ex_c_string(&name, r->fn ? r->fn : "");
    if (r->kind == RUN_LUA)
        buf_printf(&line, ".%s = {CAIRN_RUN_LUA, %s, NULL, NULL},", field, buf_str(&name));
    else
        buf_printf(&line, ".%s = {CAIRN_RUN_C, NULL, %s, %s},", field, r->fn ? r->fn : "NULL",
                   buf_str(&name));
    w_yaml(w, r->at.line, 1, buf_str(&line));
    if (!buf_ok(&name) || !buf_ok(&line))
        w->out->oom = 1;
    buf_cleanup(&name);
    buf_cleanup(&line);
}

/* The fields of an http call that are not its request. */
static void emit_http_fields(writer *w, const emitter *e, const run_spec *r, size_t i)
{
    if (r->kind != RUN_HTTP)
        return;
    emit_ms_field(w, "http_timeout_ms", r->http.timeout_ms);
    if (r->http.ok && r->http.nok) {
        w_line(w, 1, ".http_ok = %s_ok_%s,", e->wf->name, e->ids[i]);
        w_line(w, 1, ".nhttp_ok = %zu,", r->http.nok);
    }
}

/* The run of op (a step's or a submitter's), or NULL. */
static const run_spec *op_run(const op *op)
{
    if (op->kind == OP_STEP || op->kind == OP_WAIT_FOR_CONDITION)
        return &op->run;
    if (op->kind == OP_WAIT_FOR_CALLBACK)
        return &op->submitter;
    return NULL;
}

/* The callback whose options op carries: itself, or an await's callback. */
static const op *op_callback(const emitter *e, const op *op)
{
    if (op->kind == OP_CALLBACK || op->kind == OP_WAIT_FOR_CALLBACK)
        return op;
    (void)e;
    if (op->kind == OP_AWAIT && op->await_cb)
        return op->await_cb;
    return NULL;
}

/* The static cairn_op of a journaled op i, and the arrays it points to. */
static void emit_descriptor(writer *w, emitter *e, const op *op, size_t i)
{
    const char *wn = e->wf->name;
    const char *id = e->ids[i];
    const run_spec *run = op_run(op);
    const struct op *cb = op_callback(e, op);
    buf name;
    buf_init(&name);

    if (run && !op->retry.none && op->retry.on && op->retry.non) {
        buf_printf(&name, "%s_retry_on_%s", wn, id);
        emit_string_list(w, buf_str(&name), op->retry.on, op->retry.non);
    }
    if (op->ncatches) {
        for (size_t k = 0; k < op->ncatches; k++) {
            buf_reset(&name);
            buf_printf(&name, "%s_catch_%s_%zu", wn, id, k);
            emit_string_list(w, buf_str(&name), op->catches[k].errors, op->catches[k].nerrors);
        }
        w_line(w, 0, "static const cairn_catch %s_catches_%s[] = {", wn, id);
        for (size_t k = 0; k < op->ncatches; k++) {
            buf as;
            buf_init(&as);
            if (op->catches[k].as)
                ex_c_string(&as, op->catches[k].as);
            else
                buf_add(&as, "NULL");
            w_line(w, 1, "{%s_catch_%s_%zu, %s},", wn, id, k, buf_str(&as));
            buf_cleanup(&as);
        }
        w_line(w, 0, "};");
    }
    if (op->nbranches) {
        w_line(w, 0, "static const cairn_branch %s_branches_%s[] = {", wn, id);
        for (size_t k = 0; k < op->nbranches; k++) {
            const emit_list *L = &e->lists[emit_list_of(e, i, k)];
            buf_reset(&name);
            if (op->kind != OP_PARALLEL)
                buf_add(&name, "NULL");
            else if (op->branches[k].name)
                ex_c_string(&name, op->branches[k].name);
            else
                buf_printf(&name, "\"parallel-branch-%zu\"", k);
            w_line(w, 1, "{%s, %d, %s},", buf_str(&name), op->branches[k].at.line, L->fn);
        }
        w_line(w, 0, "};");
    }
    if (run && run->kind == RUN_HTTP && run->http.ok && run->http.nok) {
        buf list;
        buf_init(&list);
        for (size_t k = 0; k < run->http.nok; k++)
            buf_printf(&list, "%s{%d, %d}", k ? ", " : "", run->http.ok[k].lo, run->http.ok[k].hi);
        w_line(w, 0, "static const cairn_status_range %s_ok_%s[] = {%s};", wn, id, buf_str(&list));
        if (!buf_ok(&list))
            w->out->oom = 1;
        buf_cleanup(&list);
    }

    w_line(w, 0, "static const cairn_op %s_op_%s = {", wn, id);
    buf_reset(&name);
    ex_c_string(&name, op->name ? op->name : "");
    w_line(w, 1, ".name = %s,", buf_str(&name));
    w_line(w, 1, ".line = %d,", op->at.line);
    if (run) {
        emit_run_fields(w, run);
        emit_retry(w, e, op, i);
    }
    emit_hook_field(w, "encode", &op->encode);
    emit_hook_field(w, "decode", &op->decode);
    if (op->at_most_once)
        w_line(w, 1, ".at_most_once = 1,");
    if (op->as) {
        buf_reset(&name);
        ex_c_string(&name, op->as);
        w_line(w, 1, ".as = %s,", buf_str(&name));
    }
    if (op->ncatches) {
        w_line(w, 1, ".catches = %s_catches_%s,", wn, id);
        w_line(w, 1, ".ncatches = %zu,", op->ncatches);
    }
    if (run)
        emit_http_fields(w, e, run, i);
    if (cb) {
        emit_ms_field(w, "timeout_ms", cb->timeout_ms);
        emit_ms_field(w, "heartbeat_ms", cb->heartbeat_ms);
        if (cb->result_text)
            w_line(w, 1, ".result_text = 1,");
        emit_hook_field(w, "result_hook", &cb->result_hook);
    }
    if (op->kind == OP_AWAIT) {
        buf_reset(&name);
        ex_c_string(&name, op->await_of ? op->await_of : "");
        w_line(w, 1, ".callback = %s,", buf_str(&name));
    }
    if (op->nbranches) {
        w_line(w, 1, ".branches = %s_branches_%s,", wn, id);
        w_line(w, 1, ".nbranches = %zu,", op->nbranches);
    }
    if (op->max_concurrency)
        w_line(w, 1, ".max_concurrency = %d,", op->max_concurrency);
    if (op->complete) {
        buf_reset(&name);
        const char *sep = "";
        if (op->complete & COMPLETE_MIN) {
            buf_printf(&name, "CAIRN_MIN_SUCCESSFUL");
            sep = " | ";
        }
        if (op->complete & COMPLETE_FAILURES) {
            buf_printf(&name, "%sCAIRN_TOLERATED_FAILURES", sep);
            sep = " | ";
        }
        if (op->complete & COMPLETE_PERCENT)
            buf_printf(&name, "%sCAIRN_TOLERATED_PERCENT", sep);
        /* laid out as clang-format lays out .retry: fields aligned, the brace closing the last */
        char fields[4][64];
        int nf = 0;
        snprintf(fields[nf++], sizeof fields[0], ".given = %s", buf_str(&name));
        if (op->complete & COMPLETE_MIN)
            snprintf(fields[nf++], sizeof fields[0], ".min_successful = %d", op->min_successful);
        if (op->complete & COMPLETE_FAILURES)
            snprintf(fields[nf++], sizeof fields[0], ".tolerated_failures = %d",
                     op->tolerated_failures);
        if (op->complete & COMPLETE_PERCENT)
            snprintf(fields[nf++], sizeof fields[0], ".tolerated_failure_percent = %.17g",
                     op->tolerated_percent);
        buf one;
        buf_init(&one);
        for (int k = 0; k < nf; k++)
            buf_printf(&one, "%s%s", k ? ", " : ".complete = {", fields[k]);
        buf_add(&one, "},");
        if (4 + one.len <= LAYOUT_COLUMNS)
            w_line(w, 1, "%s", buf_str(&one));
        else
            for (int k = 0; k < nf; k++)
                w_line(w, 1, "%s%s%s", k ? "             " : ".complete = {", fields[k],
                       k + 1 < nf ? "," : "},");
        if (!buf_ok(&one))
            w->out->oom = 1;
        buf_cleanup(&one);
    }
    if (op->kind == OP_WAIT_FOR_CONDITION) {
        w_line(w, 1, ".check_args = %s_check_%s,", wn, id);
        w_line(w, 1, ".until = %s_until_%s,", wn, id);
    }
    if (op->kind == OP_INVOKE) {
        buf_reset(&name);
        ex_c_string(&name, op->workflow ? op->workflow : "");
        w_line(w, 1, ".workflow = %s,", buf_str(&name));
        emit_ms_field(w, "timeout_ms", op->timeout_ms);
    }
    if (op->kind == OP_MAP && op->item_as) {
        buf_reset(&name);
        ex_c_string(&name, op->item_as);
        w_line(w, 1, ".item_as = %s,", buf_str(&name));
    }
    w_line(w, 0, "};");
    if (!buf_ok(&name))
        w->out->oom = 1;
    buf_cleanup(&name);
}

/* Descriptors and builder functions of op i (the OPERATIONS point). */
void emit_op_data(emitter *e, buf *out, size_t i)
{
    const op *op = e->all[i];
    writer w = emitter_writer(e, out);
    buf title, name;
    buf_init(&title);
    buf_init(&name);
    emit_op_title(&title, e, op);

    int journaled = op->kind == OP_STEP || op->kind == OP_WAIT || op->kind == OP_CALLBACK ||
                    op->kind == OP_AWAIT || op->kind == OP_WAIT_FOR_CALLBACK ||
                    op->kind == OP_PARALLEL || op->kind == OP_MAP || op->kind == OP_GROUP ||
                    op->kind == OP_WAIT_FOR_CONDITION || op->kind == OP_INVOKE;
    int http = op->kind == OP_STEP && op->run.kind == RUN_HTTP;
    emit_http_req req;
    if (http)
        emit_http_req_init(&req, &op->run);
    const val *with = op->kind == OP_STEP && !http ? op->with : NULL;
    const val *request = http ? &req.map : NULL;
    const val *until = op->kind == OP_WAIT && op->for_ms < 0 ? op->until : NULL;
    const val *output = op->kind == OP_SUCCEED ? op->output : NULL;
    const val *message = op->kind == OP_FAIL ? op->err_message : NULL;
    const val *data = op->kind == OP_FAIL ? op->err_data : NULL;
    const val *initial = op->kind == OP_WAIT_FOR_CONDITION ? op->initial : NULL;
    const val *input = op->kind == OP_INVOKE ? op->input : NULL;
    int builders = ex_needs_builder(with) || ex_needs_builder(request) || ex_needs_builder(until) ||
                   ex_needs_builder(output) || ex_needs_builder(message) ||
                   ex_needs_builder(data) || ex_needs_builder(initial) || ex_needs_builder(input);
    if (!journaled && !builders)
        goto done;

    w_line(&w, 0, "/* %s */", buf_str(&title));
    /* A condition's check: its args (built with `state` set), and `until` of the new state;
     * its descriptor points to both. */
    if (op->kind == OP_WAIT_FOR_CONDITION) {
        emit_http_req creq;
        const val *args = op->with;
        if (op->run.kind == RUN_HTTP) {
            emit_http_req_init(&creq, &op->run);
            args = &creq.map;
        }
        emit_fn_name(&name, e, "check", i);
        emit_args_fn(e, out, buf_str(&name), args);
        w_blank(&w);
        buf_reset(&name);
        emit_fn_name(&name, e, "until", i);
        emit_until_fn(e, out, buf_str(&name), op->cond);
        w_blank(&w);
    }
    if (journaled)
        emit_descriptor(&w, e, op, i);

    /* A submitter's args: built when the runtime asks, once `callback` is set. */
    if (op->kind == OP_WAIT_FOR_CALLBACK) {
        emit_http_req sreq;
        const val *args = op->with;
        if (op->submitter.kind == RUN_HTTP) {
            emit_http_req_init(&sreq, &op->submitter);
            args = &sreq.map;
        }
        w_blank(&w);
        emit_fn_name(&name, e, "submit", i);
        emit_args_fn(e, out, buf_str(&name), args);
    }

    const struct {
        const val *v;
        const char *what;
    } fns[] = {{with, "with"},       {request, "request"}, {until, "until"},     {output, "output"},
               {message, "message"}, {data, "data"},       {initial, "initial"}, {input, "input"}};
    int blank = journaled;
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        if (!ex_needs_builder(fns[k].v))
            continue;
        if (blank)
            w_blank(&w);
        blank = 1;
        buf_reset(&name);
        emit_fn_name(&name, e, fns[k].what, i);
        emit_builder(e, out, buf_str(&name), fns[k].v);
    }
    w_blank(&w);
done:
    if (!buf_ok(&title) || !buf_ok(&name))
        out->oom = 1;
    buf_cleanup(&title);
    buf_cleanup(&name);
}
