/*
 * emit.c — the emitter (emit.h): a checked workflow to NAME.c, NAME.h, main.c.
 *
 * Owns: the C text of every construct of one workflow (operation
 * descriptors, builder functions, state machine cases), C identifiers for
 * operation names, the code writer and the `#line` fix-up pass. The file
 * skeleton lives in templates/ (*.in); this file only builds the text of
 * their insertion points. Values and expressions are spelled by emit_expr.c,
 * laid out by layout.c, and templates filled by tpl.c.
 *
 * Never: writes a file, reads anything but templates, or consults hash
 * order, the clock or the environment (same input, same bytes).
 */
#include "emit.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/cairn.h>

#include "buf.h"
#include "emit_expr.h"
#include "layout.h"
#include "tpl.h"

/* The templates, embedded at build time by cmake/embed.cmake. */
struct cairn_embedded {
    const char *name;
    const char *text;
};
extern const struct cairn_embedded cairn_embedded_templates[];

/* Stands for "the number of the next line" in `#line` directives back to the
 * generated file, until fix_lines() knows the true numbers. */
#define LINE_HERE '\x01'

/* ------------------------------------------------------------------------ */
/* Text helpers                                                              */
/* ------------------------------------------------------------------------ */

/* A whole C string literal, quotes included. */
/* Text that is safe inside a C block comment on one line: no comment
 * delimiters, no trigraphs, no control characters. */
static void comment_text(buf *out, const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        char next = s[i + 1];
        if ((c == '/' && next == '*') || (c == '*' && next == '/') || (c == '?' && next == '?')) {
            buf_addc(out, c);
            buf_addc(out, ' ');
        } else if ((unsigned char)c < 0x20 || c == 0x7f) {
            buf_addc(out, ' ');
        } else {
            buf_addc(out, c);
        }
    }
}

/* 600000 -> "10m", 5400000 -> "1h30m", 250 -> "250ms". */
static void duration_text(buf *out, int64_t ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
    if (ms <= 0) {
        buf_add(out, "0ms");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ms >= units[i].ms) {
            buf_printf(out, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            ms %= units[i].ms;
        }
    }
}

static const char *kind_name(op_kind k)
{
    static const char *const names[] = {
        "step", "wait", "callback", "await", "wait_for_callback", "choice", "succeed", "fail"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* ------------------------------------------------------------------------ */
/* The code writer: indented lines, and #line directives                     */
/* ------------------------------------------------------------------------ */

typedef struct writer {
    buf *out; /* borrowed */
    int no_line;
    const char *yaml;  /* `"basic.yaml"`, a C literal (borrowed) */
    const char *cfile; /* `"basic.c"` */
    int in_yaml;       /* the last #line pointed into the YAML */
    int base;          /* columns the template indents this text by */
} writer;

static void w_indent(writer *w, int indent)
{
    for (int i = 0; i < indent; i++)
        buf_add(w->out, "    ");
}

/* Back to the generated file's own numbering, if a #line left it. */
static void w_back(writer *w)
{
    if (w->in_yaml && !w->no_line)
        buf_printf(w->out, "#line %c %s\n", LINE_HERE, w->cfile);
    w->in_yaml = 0;
}

/* The CASES point of templates/workflow.c.in sits this many columns in. */
#define CASES_INDENT 8

/* Writes statement text at indent (levels of 4 columns), laid out; with a
 * `#line` before it when yaml_line > 0 and lines are on. */
static void w_text(writer *w, int indent, int yaml_line, const char *text)
{
    buf lines;
    buf_init(&lines);
    size_t n = strlen(text);
    int col = w->base + 4 * indent;
    int flat = layout_flat(&lines, text, n, col, w->base) >= 0;
    if (!flat) {
        buf_reset(&lines);
        layout_deep(&lines, text, n, col, col, w->base);
        w_indent(w, indent);
        buf_add(w->out, "// clang-format off\n");
    }
    if (yaml_line > 0 && !w->no_line)
        buf_printf(w->out, "#line %d %s\n", yaml_line, w->yaml);
    w_indent(w, indent);
    buf_add(w->out, buf_str(&lines));
    buf_addc(w->out, '\n');
    if (!flat) {
        /* Back to the file's own numbering first: clang-format indents a
         * comment before a preprocessor line unlike one before code. */
        w_back(w);
        /* In the body an `if` or a `{` opens, as clang-format indents it. */
        w_indent(w, indent + (!strncmp(text, "if (", 4) || (n && text[n - 1] == '{')));
        buf_add(w->out, "// clang-format on\n");
    }
    if (!buf_ok(&lines))
        w->out->oom = 1;
    buf_cleanup(&lines);
}

/* A line of the generated file's own. */
static void w_line(writer *w, int indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void w_line(writer *w, int indent, const char *fmt, ...)
{
    w_back(w);
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof small) {
        w_text(w, indent, 0, small);
    } else if (n >= 0) {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            w->out->oom = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        w_text(w, indent, 0, big);
        free(big);
    }
}

/* A statement compiled from YAML line `line`: `#line` before it. */
static void w_yaml(writer *w, int line, int indent, const char *text)
{
    w->in_yaml = 1;
    w_text(w, indent, line > 0 ? line : 1, text);
}

/* A blank line (always the generated file's own). */
static void w_blank(writer *w)
{
    w_back(w);
    buf_addc(w->out, '\n');
}

/*
 * Replaces each `#line LINE_HERE` with the number of the line after it, now
 * that the whole text is known.
 */
static void fix_lines(const char *in, buf *out)
{
    long line = 1;
    for (const char *p = in; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (n > 7 && !strncmp(p, "#line ", 6) && p[6] == LINE_HERE) {
            buf_printf(out, "#line %ld", line + 1);
            buf_addn(out, p + 7, n - 7);
        } else {
            buf_addn(out, p, n);
        }
        p += n;
        line++;
    }
}

/* ------------------------------------------------------------------------ */
/* Templates                                                                 */
/* ------------------------------------------------------------------------ */

/* Reads a whole file; NULL on failure (errno set). Caller frees. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b;
    buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_addn(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_take(&b);
}

/*
 * The text of template `name` (caller frees) and the path to name it in
 * messages (written to where, at most wherelen bytes).
 */
static char *tpl_load(const emit_opts *o, const char *name, char *where, size_t wherelen, diag *d)
{
    if (o && o->template_dir) {
        snprintf(where, wherelen, "%s/%s", o->template_dir, name);
        char *text = read_file(where);
        if (!text)
            diag_report(d, DIAG_ERROR, DIAG_E_TEMPLATE, where, (pos){1, 1},
                        "cannot read the template: %s", strerror(errno));
        return text;
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
static int tpl_render(const emit_opts *o, const char *name, const tpl_var *vars, size_t nvars,
                      diag *d, char **text)
{
    char where[4096];
    char *tpl = tpl_load(o, name, where, sizeof where, d);
    if (!tpl)
        return -1;
    buf filled, tidied, fixed;
    buf_init(&filled);
    buf_init(&tidied);
    buf_init(&fixed);
    int rc = tpl_fill(where, tpl, vars, nvars, &filled, d);
    if (rc == 0) {
        layout_tidy(buf_str(&filled), &tidied);
        fix_lines(buf_str(&tidied), &fixed);
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

typedef struct emitter {
    const workflow *wf;
    const emit_opts *o;
    char **ids;    /* owned: per op, its unique lower-case C identifier part */
    char **states; /* owned: per op, its enum constant */
    char *end_state;
    char *upper; /* NAME in upper case */
    buf yaml_lit, cfile_lit;
} emitter;

/* Operation names to C identifiers: `-` and `.` become `_`, lower case, and
 * a numeric suffix where two names (or a name and `end`) would collide. */
static int make_ids(emitter *e)
{
    size_t n = e->wf->nops;
    e->ids = calloc(n + 1, sizeof *e->ids);
    e->states = calloc(n + 1, sizeof *e->states);
    if (!e->ids || !e->states)
        return -1;
    for (size_t i = 0; i < n; i++) {
        /* An await shares its callback's name: its own id says `await_`. */
        const op *op = &e->wf->ops[i];
        const char *prefix = op->kind == OP_AWAIT ? "await_" : "";
        const char *name = op->name ? op->name : "op";
        size_t plen = strlen(prefix), len = plen + strlen(name);
        char *base = malloc(len + 1);
        if (!base)
            return -1;
        memcpy(base, prefix, plen);
        for (size_t k = plen; k <= len; k++) {
            char c = name[k - plen];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            else if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
                c = '_';
            base[k] = c;
        }
        char *id = NULL;
        for (int suffix = 1; !id; suffix++) {
            buf cand;
            buf_init(&cand);
            buf_add(&cand, base);
            if (suffix > 1)
                buf_printf(&cand, "_%d", suffix);
            int taken = !strcmp(buf_str(&cand), "end");
            for (size_t j = 0; j < i && !taken; j++)
                taken = !strcmp(e->ids[j], buf_str(&cand));
            if (!taken)
                id = buf_take(&cand);
            else
                buf_cleanup(&cand);
            if (!id && !buf_ok(&cand)) {
                free(base);
                return -1;
            }
        }
        free(base);
        e->ids[i] = id;
        buf st;
        buf_init(&st);
        buf_printf(&st, "%s_", e->upper);
        for (const char *c = id; *c; c++)
            buf_addc(&st, (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c));
        e->states[i] = buf_take(&st);
        if (!e->states[i])
            return -1;
    }
    return 0;
}

static void emitter_cleanup(emitter *e)
{
    for (size_t i = 0; e->ids && i < e->wf->nops; i++)
        free(e->ids[i]);
    for (size_t i = 0; e->states && i < e->wf->nops; i++)
        free(e->states[i]);
    free(e->ids);
    free(e->states);
    free(e->end_state);
    free(e->upper);
    buf_cleanup(&e->yaml_lit);
    buf_cleanup(&e->cfile_lit);
}

static writer emitter_writer(emitter *e, buf *out)
{
    return (writer){.out = out,
                    .no_line = e->o && e->o->no_line,
                    .yaml = buf_str(&e->yaml_lit),
                    .cfile = buf_str(&e->cfile_lit)};
}

/* The state after op i when it completes normally. */
static const char *next_state(const emitter *e, size_t i)
{
    return i + 1 < e->wf->nops ? e->states[i + 1] : e->end_state;
}

static const char *target_state(const emitter *e, int target)
{
    return target >= 0 && (size_t)target < e->wf->nops ? e->states[target] : e->end_state;
}

/* "step reserve, basic.yaml:17" for comments. */
static void op_title(buf *out, const emitter *e, const op *op)
{
    buf_add(out, kind_name(op->kind));
    buf_addc(out, ' ');
    comment_text(out, op->name ? op->name : "");
    buf_add(out, ", ");
    comment_text(out, e->wf->path ? e->wf->path : "");
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
static void emit_builder(emitter *e, buf *out, const char *fn, const val *v)
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
static void val_ref(buf *out, const val *v, const char *fn)
{
    if (!v)
        buf_add(out, "NULL");
    else if (ex_needs_builder(v))
        buf_printf(out, "%s(x)", fn);
    else
        ex_val_inline(out, v);
}

/* Builder function names: NAME_<what>_<id>. */
static void fn_name(buf *out, const emitter *e, const char *what, size_t i)
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

/*
 * The request of an http call, {method, url, headers, body}, as one value to
 * build: a map whose items borrow the spec's values. The method defaults to
 * GET, or POST when there is a body; absent headers and body are left out.
 * Lives on the caller's stack; nothing in it is freed.
 */
typedef struct http_req {
    val map;
    val method; /* the default method, when the YAML has none */
    char *keys[4];
    val *items[4];
} http_req;

static void http_req_init(http_req *r, const run_spec *run)
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
    duration_text(&dur, ms);
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
    if (op->kind == OP_STEP)
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
    if (op->kind == OP_AWAIT && op->await_target >= 0 && (size_t)op->await_target < e->wf->nops)
        return &e->wf->ops[op->await_target];
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
    }
    if (op->kind == OP_AWAIT) {
        buf_reset(&name);
        ex_c_string(&name, op->await_of ? op->await_of : "");
        w_line(w, 1, ".callback = %s,", buf_str(&name));
    }
    w_line(w, 0, "};");
    if (!buf_ok(&name))
        w->out->oom = 1;
    buf_cleanup(&name);
}

/* Descriptors and builder functions of op i (the OPERATIONS point). */
static void emit_op_data(emitter *e, buf *out, size_t i)
{
    const op *op = &e->wf->ops[i];
    writer w = emitter_writer(e, out);
    buf title, name;
    buf_init(&title);
    buf_init(&name);
    op_title(&title, e, op);

    int journaled = op->kind == OP_STEP || op->kind == OP_WAIT || op->kind == OP_CALLBACK ||
                    op->kind == OP_AWAIT || op->kind == OP_WAIT_FOR_CALLBACK;
    int http = op->kind == OP_STEP && op->run.kind == RUN_HTTP;
    http_req req;
    if (http)
        http_req_init(&req, &op->run);
    const val *with = op->kind == OP_STEP && !http ? op->with : NULL;
    const val *request = http ? &req.map : NULL;
    const val *until = op->kind == OP_WAIT && op->for_ms < 0 ? op->until : NULL;
    const val *output = op->kind == OP_SUCCEED ? op->output : NULL;
    const val *message = op->kind == OP_FAIL ? op->err_message : NULL;
    const val *data = op->kind == OP_FAIL ? op->err_data : NULL;
    int builders = ex_needs_builder(with) || ex_needs_builder(request) || ex_needs_builder(until) ||
                   ex_needs_builder(output) || ex_needs_builder(message) || ex_needs_builder(data);
    if (!journaled && !builders)
        goto done;

    w_line(&w, 0, "/* %s */", buf_str(&title));
    if (journaled)
        emit_descriptor(&w, e, op, i);

    /* A submitter's args: built when the runtime asks, once `callback` is set. */
    if (op->kind == OP_WAIT_FOR_CALLBACK) {
        http_req sreq;
        const val *args = op->with;
        if (op->submitter.kind == RUN_HTTP) {
            http_req_init(&sreq, &op->submitter);
            args = &sreq.map;
        }
        w_blank(&w);
        fn_name(&name, e, "submit", i);
        emit_args_fn(e, out, buf_str(&name), args);
    }

    const struct {
        const val *v;
        const char *what;
    } fns[] = {{with, "with"},     {request, "request"}, {until, "until"},
               {output, "output"}, {message, "message"}, {data, "data"}};
    int blank = journaled;
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        if (!ex_needs_builder(fns[k].v))
            continue;
        if (blank)
            w_blank(&w);
        blank = 1;
        buf_reset(&name);
        fn_name(&name, e, fns[k].what, i);
        emit_builder(e, out, buf_str(&name), fns[k].v);
    }
    w_blank(&w);
done:
    if (!buf_ok(&title) || !buf_ok(&name))
        out->oom = 1;
    buf_cleanup(&title);
    buf_cleanup(&name);
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

/* The output a `succeed` (or the end) passes: its builder, inline, or NULL. */
static void output_ref(buf *out, const emitter *e, const val *v, size_t i, int own)
{
    if (!v) {
        buf_add(out, "NULL");
    } else if (ex_needs_builder(v)) {
        if (own)
            buf_printf(out, "%s_output_%s(x)", e->wf->name, e->ids[i]);
        else
            buf_printf(out, "%s_output(x)", e->wf->name);
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
            comment_text(&t, c->errors[j] ? c->errors[j] : "");
        }
        w_line(w, 1, "case CAIRN_CAUGHT + %zu: /* %s */", k, buf_str(&t));
        w_line(w, 2, "s = %s;", target_state(e, c->target));
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
    const op *op = &e->wf->ops[i];
    const char *wn = e->wf->name;
    const char *id = e->ids[i];
    writer w = emitter_writer(e, out);
    w.base = CASES_INDENT;
    buf t, call;
    buf_init(&t);
    buf_init(&call);
    op_title(&t, e, op);

    w_blank(&w);
    w_line(&w, 0, "/* %s */", buf_str(&t));
    w_line(&w, 0, "case %s:", e->states[i]);
    switch (op->kind) {
    case OP_STEP: {
        buf fn;
        buf_init(&fn);
        http_req req;
        const val *args = op->with;
        if (op->run.kind == RUN_HTTP) {
            http_req_init(&req, &op->run);
            args = &req.map;
        }
        fn_name(&fn, e, op->run.kind == RUN_HTTP ? "request" : "with", i);
        buf_printf(&call, "cairn_step(x, &%s_op_%s, ", wn, id);
        val_ref(&call, args, buf_str(&fn));
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
            duration_text(&dur, op->for_ms);
            w_line(&w, 1, "if (cairn_wait_for(x, &%s_op_%s, %" PRId64 ") != CAIRN_NEXT) /* %s */",
                   wn, id, op->for_ms, buf_str(&dur));
            buf_cleanup(&dur);
        } else {
            buf fn;
            buf_init(&fn);
            fn_name(&fn, e, "until", i);
            buf_printf(&t, "if (cairn_wait_until(x, &%s_op_%s, ", wn, id);
            val_ref(&t, op->until, buf_str(&fn));
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
            w_line(&w, 2, "s = %s;", target_state(e, c->target));
            w_line(&w, 2, "break;");
            w_line(&w, 1, "}");
        }
        w_line(&w, 1, "s = %s;", op->else_go ? target_state(e, op->else_target) : next_state(e, i));
        w_line(&w, 1, "break;");
        break;
    case OP_SUCCEED: {
        const val *v = op->output ? op->output : e->wf->output;
        buf_add(&call, "cairn_succeed(x, ");
        output_ref(&call, e, v, i, op->output != NULL);
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
        fn_name(&fn, e, "message", i);
        val_ref(&call, op->err_message, buf_str(&fn));
        buf_add(&call, ", ");
        buf_reset(&fn);
        fn_name(&fn, e, "data", i);
        val_ref(&call, op->err_data, buf_str(&fn));
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

/* The END case: succeed with the workflow's output. */
static void emit_end_case(emitter *e, buf *out)
{
    writer w = emitter_writer(e, out);
    w.base = CASES_INDENT;
    buf call;
    buf_init(&call);
    buf_add(&call, "cairn_succeed(x, ");
    output_ref(&call, e, e->wf->output, 0, 0);
    buf_add(&call, ");");
    w_blank(&w);
    w_line(&w, 0, "case %s:", e->end_state);
    w_stmt(&w, 1, e->wf->output, buf_str(&call));
    w_line(&w, 1, "return;");
    w_back(&w);
    if (!buf_ok(&call))
        out->oom = 1;
    buf_cleanup(&call);
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
            comment_text(out, line);
            free(line);
            p += nl ? n + 1 : n;
            if (*p)
                buf_add(out, "\n * ");
        }
    }
    buf_add(out, "\n *\n");
    size_t width = 0;
    for (size_t i = 0; i < wf->nops; i++) {
        size_t w = strlen(kind_name(wf->ops[i].kind)) + 1 + strlen(wf->ops[i].name);
        if (w > width)
            width = w;
    }
    for (size_t i = 0; i < wf->nops; i++) {
        const op *op = &wf->ops[i];
        buf t;
        buf_init(&t);
        buf_printf(&t, "%s ", kind_name(op->kind));
        comment_text(&t, op->name);
        buf_printf(out, " *   %-*s  ", (int)width, buf_str(&t));
        comment_text(out, wf->path);
        buf_printf(out, ":%d\n", op->at.line);
        if (!buf_ok(&t))
            out->oom = 1;
        buf_cleanup(&t);
    }
}

/* The enum constants, aligned, each with its operation in a comment. */
static void emit_states(emitter *e, buf *out)
{
    size_t width = strlen(e->end_state);
    for (size_t i = 0; i < e->wf->nops; i++)
        if (strlen(e->states[i]) + 1 > width)
            width = strlen(e->states[i]) + 1;
    for (size_t i = 0; i < e->wf->nops; i++) {
        const op *op = &e->wf->ops[i];
        buf t;
        buf_init(&t);
        buf_printf(&t, "%s,", e->states[i]);
        buf_printf(out, "%-*s /* %s ", (int)width, buf_str(&t), kind_name(op->kind));
        comment_text(out, op->name);
        buf_add(out, " */\n");
        buf_cleanup(&t);
    }
    buf_printf(out, "%-*s /* after the last operation: succeed with the output */\n", (int)width,
               e->end_state);
}

/* The embedded hooks source, one literal per source line. */
static void emit_hooks(emitter *e, buf *out)
{
    const workflow *wf = e->wf;
    if (!wf->hooks_source)
        return;
    buf_add(out, "/* ");
    comment_text(out, wf->hooks ? wf->hooks : "hooks");
    buf_add(out, ", embedded: the definition hash covers it. */\n");
    /* One literal per source line: aligned after `= ` when every line fits
     * there, else each on its own line indented once (clang-format's two
     * layouts); when even that is too wide, clang-format would split the
     * literals, so the block is marked to be left alone. */
    size_t len = wf->hooks_len ? wf->hooks_len : strlen(wf->hooks_source);
    buf decl, lits;
    buf_init(&decl);
    buf_init(&lits);
    buf_printf(&decl, "static const char %s_lua[] =", wf->name);
    size_t widest = 0, nlits = 0;
    for (size_t i = 0; i < len; nlits++) {
        const char *p = wf->hooks_source + i;
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

/* The C hooks a workflow names, once each, in document order. */
static void emit_c_hooks(const workflow *wf, buf *out)
{
    const char **seen = calloc(2 * wf->nops + 1, sizeof *seen);
    size_t nseen = 0;
    if (!seen) {
        out->oom = 1;
        return;
    }
    for (size_t i = 0; i < 2 * wf->nops; i++) {
        const op *o = &wf->ops[i / 2];
        const run_spec *r = i % 2 == 0 ? (o->kind == OP_STEP ? &o->run : NULL)
                                       : (o->kind == OP_WAIT_FOR_CALLBACK ? &o->submitter : NULL);
        if (!r || r->kind != RUN_C || !r->fn)
            continue;
        size_t k = 0;
        while (k < nseen && strcmp(seen[k], r->fn))
            k++;
        if (k < nseen)
            continue;
        if (nseen == 0) {
            buf_add(out, "/* C hooks named in ");
            comment_text(out, wf->path);
            buf_add(out, ": implement each one (cairn.h, \"Call API\"). */\n");
        }
        seen[nseen++] = r->fn;
        buf_printf(out, "int %s(cairn_call *call, const cJSON *args);\n", r->fn);
    }
    if (nseen)
        buf_addc(out, '\n');
    free(seen);
}

int emit_workflow(const workflow *wf, const emit_opts *o, diag *d, char **c_text, char **h_text)
{
    emitter e = {.wf = wf, .o = o};
    buf_init(&e.yaml_lit);
    buf_init(&e.cfile_lit);
    buf parts[16];
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
    buf end;
    buf_init(&end);
    buf_printf(&end, "%s_END", e.upper);
    e.end_state = buf_take(&end);
    if (!e.end_state || make_ids(&e) < 0)
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
        P_WF_VERSION
    };
    comment_text(&parts[P_SOURCE], wf->path);
    emit_summary(&e, &parts[P_SUMMARY]);
    emit_hooks(&e, &parts[P_HOOKS]);
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
    emit_states(&e, &parts[P_STATES]);
    for (size_t i = 0; i < wf->nops; i++)
        emit_op_data(&e, &parts[P_OPS], i);
    if (ex_needs_builder(wf->output)) {
        buf_add(&parts[P_OPS], "/* the workflow's output, ");
        comment_text(&parts[P_OPS], wf->path);
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
    emit_end_case(&e, &parts[P_CASES]);
    ex_c_string(&parts[P_SOURCE_STR], wf->path);
    if (wf->timeout_ms > 0)
        duration_text(&parts[P_TIMEOUT], wf->timeout_ms);
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
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!buf_ok(&parts[i]))
            goto oom;

    char abi[16], guard[256];
    snprintf(abi, sizeof abi, "%d", CAIRN_ABI);
    snprintf(guard, sizeof guard, "CAIRN_GEN_%s_H", e.upper);
    const char *first = wf->nops ? e.states[0] : e.end_state;
    const tpl_var vars[] = {
        {"VERSION", CAIRN_VERSION_STRING},
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
    };
    size_t nvars = sizeof vars / sizeof vars[0];
    if (tpl_render(o, "workflow.c.in", vars, nvars, d, &c) < 0 ||
        tpl_render(o, "workflow.h.in", vars, nvars, d, &h) < 0)
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
        comment_text(&sources, wfs[i]->path);
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
            {"VERSION", CAIRN_VERSION_STRING},
            {"SOURCES", buf_str(&sources)},
            {"INCLUDES", buf_str(&includes)},
            {"WORKFLOWS", buf_str(&list)},
        };
        rc = tpl_render(o, "main.c.in", vars, sizeof vars / sizeof vars[0], d, text);
    }
    buf_cleanup(&sources);
    buf_cleanup(&includes);
    buf_cleanup(&list);
    return rc;
}
