/*
 * test_gen_emit.c — the emitter on workflows built by hand (no YAML): C
 * string literals, expressions, identifiers, #line numbering, callbacks and
 * http calls, templates from a folder, determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "emit.h"
#include "emit_expr.h"
#include "load.h"
#include "tpl.h"
#include "model.h"

/* ---- building models by hand ---- */

static expr *ex_path1(const char *root, const char *key)
{
    expr *e = calloc(1, sizeof *e);
    e->kind = EX_PATH;
    e->root = (char *)root;
    if (key) {
        e->segs = calloc(1, sizeof *e->segs);
        e->segs[0].key = (char *)key;
        e->nsegs = 1;
    }
    e->at = (pos){7, 9};
    return e;
}

static expr *ex_bin(expr_kind k, expr *a, expr *b)
{
    expr *e = calloc(1, sizeof *e);
    e->kind = k;
    e->a = a;
    e->bx = b;
    return e;
}

static expr *ex_num(const char *text, double v)
{
    expr *e = calloc(1, sizeof *e);
    e->kind = EX_NUM;
    e->str = (char *)text;
    e->num = v;
    return e;
}

static void ex_free(expr *e)
{
    if (!e)
        return;
    ex_free(e->a);
    ex_free(e->bx);
    free(e->segs);
    free(e);
}

static val *v_expr(expr *e, int line)
{
    val *v = calloc(1, sizeof *v);
    v->kind = V_EXPR;
    v->e = e;
    v->at = (pos){line, 5};
    v->has_expr = 1;
    return v;
}

static val *v_str(const char *s, int line)
{
    val *v = calloc(1, sizeof *v);
    v->kind = V_STR;
    v->text = (char *)s;
    v->at = (pos){line, 5};
    return v;
}

static val *v_map(int line, size_t n, const char **keys, val **items)
{
    val *v = calloc(1, sizeof *v);
    v->kind = V_MAP;
    v->at = (pos){line, 3};
    v->n = n;
    v->keys = calloc(n, sizeof *v->keys);
    v->items = calloc(n, sizeof *v->items);
    for (size_t i = 0; i < n; i++) {
        v->keys[i] = (char *)keys[i];
        v->items[i] = items[i];
        v->has_expr |= items[i]->has_expr;
    }
    return v;
}

static void v_free(val *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++)
        v_free(v->items[i]);
    free(v->items);
    free(v->keys);
    ex_free(v->e);
    free(v);
}

/* A workflow "t" with ops of the given kinds and names, steps as lua steps. */
static workflow *wf_new(size_t n, const op_kind *kinds, const char *const *names)
{
    workflow *wf = calloc(1, sizeof *wf);
    wf->path = "dir/t.yaml";
    wf->name = "t";
    memset(wf->sha256, 'a', 64);
    wf->ops = calloc(n, sizeof *wf->ops);
    wf->nops = n;
    for (size_t i = 0; i < n; i++) {
        op *o = &wf->ops[i];
        o->kind = kinds[i];
        o->name = (char *)names[i];
        o->at = (pos){10 + (int)i * 3, 5};
        o->for_ms = 1000;
        o->else_target = -1;
        if (o->kind == OP_STEP) {
            o->run.kind = RUN_LUA;
            o->run.fn = "f";
            o->retry.max_attempts = 3;
            o->retry.initial_ms = 1000;
            o->retry.max_ms = 60000;
            o->retry.rate = 1.5;
        }
    }
    return wf;
}

static void wf_free(workflow *wf)
{
    for (size_t i = 0; i < wf->nops; i++) {
        v_free(wf->ops[i].with);
        v_free(wf->ops[i].output);
        v_free(wf->ops[i].err_message);
        v_free(wf->ops[i].err_data);
        for (size_t k = 0; k < wf->ops[i].nwhens; k++)
            ex_free(wf->ops[i].whens[k].cond);
        free(wf->ops[i].whens);
    }
    v_free(wf->output);
    free(wf->ops);
    free(wf);
}

/* Emits wf; returns the .c text (caller frees) and the diag's error count. */
/*
 * text with the layout of long statements undone, to find a statement as
 * one line: a line break and the indentation after it become nothing after
 * an opening bracket, else one space. The caller frees the result.
 */
static char *joined(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    for (const char *p = text; *p;) {
        if (*p == '\n' && p[1] == ' ') {
            while (*++p == ' ')
                ;
            if (o > out && o[-1] != '(' && o[-1] != '{')
                *o++ = ' ';
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/*
 * The layout every generated text keeps: no line wider than 100 columns but
 * inside a `// clang-format off` ... `// clang-format on` region, and the
 * regions closed, never nested.
 */
static void assert_laid_out(const char *text)
{
    int off = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *t = p + strspn(p, " ");
        if (!strncmp(t, "// clang-format off", 19)) {
            assert_false(off);
            off = 1;
        } else if (!strncmp(t, "// clang-format on", 18)) {
            assert_true(off);
            off = 0;
        } else if (!off && n > 100) {
            fail_msg("a line of %zu columns: %.*s", n, (int)n, p);
        }
        p += nl ? n + 1 : n;
    }
    assert_false(off);
}

static char *gen(const workflow *wf, const emit_opts *o, int *errors, char **h)
{
    FILE *sink = tmpfile();
    diag *d = diag_new(sink, 0);
    char *c = NULL, *hh = NULL;
    int rc = emit_workflow(wf, o, d, &c, &hh);
    *errors = diag_errors(d);
    assert_int_equal(rc == 0, *errors == 0);
    diag_free(d);
    fclose(sink);
    if (c)
        assert_laid_out(c);
    if (hh)
        assert_laid_out(hh);
    if (h)
        *h = hh;
    else
        free(hh);
    return c;
}

/* ---- tests ---- */

static void escape_is_exact(void **state)
{
    (void)state;
    buf b;
    buf_init(&b);
    const char in[] = "a\"b\\c\nd\te\x01"
                      "1\xc3\xa9"
                      "7?\?=x?";
    ex_c_escape(&b, in, sizeof in - 1);
    /* \001 then "1": three octal digits, so the 1 stays a character;
     * the é bytes as octal; ?? broken so no trigraph forms. */
    assert_string_equal(buf_str(&b), "a\\\"b\\\\c\\nd\\te\\0011\\303\\2517?\\?=x?");
    buf_cleanup(&b);
}

static void expressions_compile(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_CHOICE, OP_STEP};
    static const char *const names[] = {"decide", "s"};
    workflow *wf = wf_new(2, kinds, names);
    op *ch = &wf->ops[0];
    ch->nwhens = 2;
    ch->whens = calloc(2, sizeof *ch->whens);
    /* a > 1.5e3 || (b && !(c || d)) */
    ch->whens[0].cond = ex_bin(
        EX_OR, ex_bin(EX_CMP, ex_path1("input", "a"), ex_num("1.5e3", 1500)),
        ex_bin(EX_AND, ex_path1("input", "b"),
               ex_bin(EX_NOT, ex_bin(EX_OR, ex_path1("input", "c"), ex_path1("d", NULL)), NULL)));
    ch->whens[0].cond->a->cmp = CMP_GT;
    ch->whens[0].at = (pos){11, 9};
    ch->whens[0].target = 1;
    /* (x && y) || z: the && gets parentheses for -Wparentheses */
    ch->whens[1].cond = ex_bin(EX_OR, ex_bin(EX_AND, ex_path1("x", NULL), ex_path1("y", NULL)),
                               ex_path1("z", NULL));
    ch->whens[1].at = (pos){13, 9};
    ch->whens[1].target = 1;
    /* with: { ok: ${input.a == 0x10} } — a boolean in a value position,
     * and a number not written as plain JSON */
    expr *cmp = ex_bin(EX_CMP, ex_path1("input", "a"), ex_num("0x10", 16));
    cmp->cmp = CMP_EQ;
    const char *keys[] = {"ok", "lit"};
    val *items[] = {v_expr(cmp, 20), v_str("t\"x", 21)};
    wf->ops[1].with = v_map(20, 2, keys, items);

    int errors;
    char *laid = gen(wf, NULL, &errors, NULL);
    assert_int_equal(errors, 0);
    /* Long statements are broken over lines: look for each as one line. */
    /* Too deep to bin-pack at its outermost call: one group a level, fenced. */
    assert_non_null(strstr(laid,
                           "    // clang-format off\n"
                           "#line 20 \"dir/t.yaml\"\n"
                           "    cairn_x_put(\n"
                           "        x, v, \"ok\",\n"
                           "        cairn_x_bool(\n"
                           "            x,\n"
                           "            cairn_x_cmp(\n"
                           "                cairn_x_get(x, cairn_x_var(x, \"input\"), \"a\"), "
                           "CAIRN_EQ, cairn_x_num(x, 16))));\n"
                           "#line "));
    /* One that fits stays on its line, unfenced. */
    assert_non_null(strstr(laid, "#line 21 \"dir/t.yaml\"\n"
                                 "    cairn_x_put(x, v, \"lit\", cairn_x_str(x, \"t\\\"x\"));\n"));
    char *c = joined(laid);
    assert_non_null(strstr(
        c, "if (cairn_x_cmp(cairn_x_get(x, cairn_x_var(x, \"input\"), \"a\"), CAIRN_GT, "
           "cairn_x_num(x, 1.5e3)) || (cairn_x_truthy(cairn_x_get(x, cairn_x_var(x, \"input\"), "
           "\"b\")) && !(cairn_x_truthy(cairn_x_get(x, cairn_x_var(x, \"input\"), \"c\")) || "
           "cairn_x_truthy(cairn_x_var(x, \"d\"))))) {"));
    assert_non_null(strstr(c, "if ((cairn_x_truthy(cairn_x_var(x, \"x\")) && "
                              "cairn_x_truthy(cairn_x_var(x, \"y\"))) || "
                              "cairn_x_truthy(cairn_x_var(x, \"z\"))) {"));
    assert_non_null(strstr(c, "cairn_x_put(x, v, \"ok\", cairn_x_bool(x, cairn_x_cmp(cairn_x_get("
                              "x, cairn_x_var(x, \"input\"), \"a\"), CAIRN_EQ, "
                              "cairn_x_num(x, 16))));"));
    assert_non_null(strstr(c, "cairn_x_put(x, v, \"lit\", cairn_x_str(x, \"t\\\"x\"));"));
    /* no else: falls through to the next operation */
    assert_non_null(strstr(laid, "    s = T_S;\n            break;\n\n"));
    assert_non_null(strstr(c, ".rate = 1.5,"));
    free(c);
    free(laid);
    wf_free(wf);
}

static void identifiers_are_unique(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_WAIT, OP_WAIT, OP_WAIT, OP_WAIT, OP_SUCCEED};
    static const char *const names[] = {"cool-off", "cool.off", "Cool_Off", "end", "9lives"};
    workflow *wf = wf_new(5, kinds, names);
    int errors;
    char *c = gen(wf, NULL, &errors, NULL);
    assert_int_equal(errors, 0);
    assert_non_null(strstr(c, "    T_COOL_OFF,   /* wait cool-off */\n"));
    assert_non_null(strstr(c, "    T_COOL_OFF_2, /* wait cool.off */\n"));
    assert_non_null(strstr(c, "    T_COOL_OFF_3, /* wait Cool_Off */\n"));
    assert_non_null(strstr(c, "    T_END_2,      /* wait end */\n"));
    assert_non_null(strstr(c, "    T_9LIVES,     /* succeed 9lives */\n"));
    assert_non_null(strstr(c, "static const cairn_op t_op_cool_off_3 = {"));
    assert_non_null(strstr(c, ".name = \"Cool_Off\","));
    free(c);
    wf_free(wf);
}

/* Every `#line N "t.c"` names the true number of the line after it. */
static void line_directives_are_true(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_STEP, OP_FAIL};
    static const char *const names[] = {"s", "f"};
    workflow *wf = wf_new(2, kinds, names);
    const char *keys[] = {"a", "b"};
    val *items[] = {v_expr(ex_path1("input", "a"), 30), v_expr(ex_path1("input", "b"), 31)};
    wf->ops[0].with = v_map(30, 2, keys, items);
    wf->ops[1].err_type = "Bad";
    wf->ops[1].err_message = v_expr(ex_path1("input", "why"), 40);
    wf->output = v_expr(ex_path1("s", NULL), 5);

    int errors;
    char *c = gen(wf, NULL, &errors, NULL);
    assert_int_equal(errors, 0);
    int line = 1, back = 0, into = 0;
    for (const char *p = c; *p; line++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        int n;
        char file[64];
        if (sscanf(p, "#line %d \"%63[^\"]\"", &n, file) == 2) {
            if (!strcmp(file, "t.c")) {
                assert_int_equal(n, line + 1);
                back++;
            } else {
                assert_string_equal(file, "dir/t.yaml");
                into++;
            }
        }
        p = nl + 1;
    }
    /* with: a, b; fail message; the end's output */
    assert_int_equal(into, 4);
    assert_int_equal(back, 3);
    assert_non_null(strstr(c, "#line 40 \"dir/t.yaml\"\n            cairn_fail(x, \"Bad\", "
                              "cairn_x_get(x, cairn_x_var(x, \"input\"), \"why\"), NULL);"));
    free(c);

    emit_opts o = {.no_line = 1};
    c = gen(wf, &o, &errors, NULL);
    assert_null(strstr(c, "#line"));
    free(c);
    wf_free(wf);
}

/* callback, http step, await (same name as its callback), wait_for_callback. */
static void callbacks_generate(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_CALLBACK, OP_STEP, OP_AWAIT, OP_WAIT_FOR_CALLBACK};
    static const char *const names[] = {"pay", "web", "pay", "ask"};
    workflow *wf = wf_new(4, kinds, names);
    op *cb = &wf->ops[0], *web = &wf->ops[1], *aw = &wf->ops[2], *wfc = &wf->ops[3];
    cb->timeout_ms = 3600000;
    cb->heartbeat_ms = 60000;
    cb->result_text = 1;

    web->run.kind = RUN_HTTP;
    web->run.at = (pos){14, 10};
    web->run.http.url = v_expr(ex_path1("pay", "id"), 15);
    web->run.http.body = v_str("hello", 16);
    web->run.http.timeout_ms = 5000;
    status_range ok[] = {{200, 204}, {404, 404}};
    web->run.http.ok = ok;
    web->run.http.nok = 2;

    aw->kind = OP_AWAIT;
    aw->await_of = "pay";
    aw->await_target = 0;
    aw->await_cb = &wf->ops[0];
    aw->as = "paid";
    catch_spec c = {.errors = (char *[]){"Callback.Timeout"}, .nerrors = 1, .target = 3};
    aw->catches = &c;
    aw->ncatches = 1;

    wfc->submitter.kind = RUN_C;
    wfc->submitter.fn = "t_notify";
    wfc->retry.max_attempts = 4;
    wfc->retry.initial_ms = 1000;
    wfc->retry.max_ms = 8000;
    wfc->retry.rate = 2;
    wfc->timeout_ms = 600000;
    wfc->with = v_expr(ex_path1("callback", "id"), 21);

    int errors = 0;
    char *h = NULL;
    char *text = gen(wf, NULL, &errors, &h);
    assert_int_equal(errors, 0);
    assert_non_null(text);

    /* callback: its options on a static op, one call in its state. */
    assert_non_null(strstr(text, "static const cairn_op t_op_pay = {\n"
                                 "    .name = \"pay\",\n"
                                 "    .line = 10,\n"
                                 "    .timeout_ms = 3600000, // 1h\n"
                                 "    .heartbeat_ms = 60000, // 1m\n"
                                 "    .result_text = 1,\n"
                                 "};\n"));
    assert_non_null(strstr(text, "if (cairn_callback(x, &t_op_pay) != CAIRN_NEXT)\n"));

    /* http: the request object; POST because of the body; status ranges. */
    assert_non_null(strstr(text, "static const cairn_status_range t_ok_web[] = {{200, 204}, "
                                 "{404, 404}};\n"));
    assert_non_null(strstr(text, "    .run = CAIRN_RUN_HTTP,\n"));
    assert_non_null(strstr(text, "    .http_timeout_ms = 5000, // 5s\n"
                                 "    .http_ok = t_ok_web,\n"
                                 "    .nhttp_ok = 2,\n"));
    assert_non_null(strstr(text, "cairn_x_put(x, v, \"method\", cairn_x_str(x, \"POST\"));\n"));
    assert_non_null(strstr(text, "#line 15 \"dir/t.yaml\"\n    cairn_x_put(x, v, \"url\", "
                                 "cairn_x_get(x, cairn_x_var(x, \"pay\"), \"id\"));\n"));
    assert_non_null(strstr(text, "cairn_x_put(x, v, \"body\", cairn_x_str(x, \"hello\"));\n"));
    assert_null(strstr(text, "\"headers\""));
    assert_non_null(strstr(text, "cairn_step(x, &t_op_web, t_request_web(x))"));

    /* await: its own identifiers, the callback's options, a branch per catch. */
    assert_non_null(strstr(text, "static const cairn_op t_op_await_pay = {\n"
                                 "    .name = \"pay\",\n"));
    assert_non_null(strstr(text, "    .as = \"paid\",\n"
                                 "    .catches = t_catches_await_pay,\n"
                                 "    .ncatches = 1,\n"
                                 "    .timeout_ms = 3600000, // 1h\n"
                                 "    .heartbeat_ms = 60000, // 1m\n"
                                 "    .result_text = 1,\n"
                                 "    .callback = \"pay\",\n"));
    assert_non_null(strstr(text, "case T_AWAIT_PAY:\n"
                                 "            switch (cairn_await(x, &t_op_await_pay)) {\n"));
    assert_non_null(strstr(text, "case CAIRN_CAUGHT + 0: /* Callback.Timeout */\n"
                                 "                s = T_ASK;\n"));

    /* wait_for_callback: the submitter's run and retry, its args function;
     * the C hook under a #line to its `run:`, then back to the C file. */
    assert_non_null(strstr(text, "    .run = CAIRN_RUN_C,\n"
                                 "#line 1 \"dir/t.yaml\"\n"
                                 "    .c_fn = t_notify,\n"
                                 "#line "));
    assert_non_null(strstr(text, " \"t.c\"\n"
                                 "    .c_name = \"t_notify\",\n"
                                 "    .retry = {.max_attempts = 4,\n"));
    assert_non_null(strstr(text,
                           "static const cJSON *t_submit_ask(cairn_exec *x)\n{\n"
                           "#line 21 \"dir/t.yaml\"\n"
                           "    return cairn_x_get(x, cairn_x_var(x, \"callback\"), \"id\");\n"));
    assert_non_null(
        strstr(text, "cairn_wait_for_callback(x, &t_op_ask, t_submit_ask) != CAIRN_NEXT"));
    assert_non_null(strstr(h, "int t_notify(cairn_call *call, const cJSON *args);\n"));
    free(text);
    free(h);

    /* A submitter without `with` gets an empty object; GET without a body. */
    v_free(wfc->with);
    wfc->with = NULL;
    v_free(web->run.http.url);
    v_free(web->run.http.body);
    web->run.http.url = v_str("https://a.example/", 15);
    web->run.http.body = NULL;
    text = gen(wf, NULL, &errors, NULL);
    assert_non_null(strstr(text, "static const cJSON *t_submit_ask(cairn_exec *x)\n{\n"
                                 "    return cairn_x_object(x);\n}\n"));
    char *tj = joined(text);
    assert_non_null(strstr(tj, "cairn_step(x, &t_op_web, cairn_x_json(x, "
                               "\"{\\\"method\\\":\\\"GET\\\",\\\"url\\\":\\\"https://a.example/"
                               "\\\"}\"))"));
    free(tj);
    free(text);
    v_free(web->run.http.url);
    aw->catches = NULL;
    aw->ncatches = 0;
    web->run.http.ok = NULL;
    wf_free(wf);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* -T DIR: a user's templates, header comment dropped, block points indented. */
static void templates_from_a_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn_tpl_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char c_in[256], h_in[256];
    snprintf(c_in, sizeof c_in, "%s/workflow.c.in", dir);
    snprintf(h_in, sizeof h_in, "%s/workflow.h.in", dir);
    write_file(c_in, "/*%\n * my header: @@NOPE@@ is not a point here\n %*/\n"
                     "// @@NAME@@ from @@SOURCE@@\n"
                     "  @@STATES@@\n"
                     "@@HOOKS@@\n"
                     "end @@@@ @@ @@TIMEOUT@@\n");
    write_file(h_in, "h @@GUARD@@\n");

    static const op_kind kinds[] = {OP_SUCCEED};
    static const char *const names[] = {"ok"};
    workflow *wf = wf_new(1, kinds, names);
    tpl_text *tt = load_templates(dir);
    assert_non_null(tt);
    emit_opts o = {.template_dir = dir, .templates = tt};
    int errors;
    char *h = NULL;
    char *c = gen(wf, &o, &errors, &h);
    assert_int_equal(errors, 0);
    assert_string_equal(c, "// t from dir/t.yaml\n"
                           "  T_OK, /* succeed ok */\n"
                           "  T_END /* after the last operation: succeed with the output */\n"
                           "end @@@@ @@ none\n");
    assert_string_equal(h, "h CAIRN_GEN_T_H\n");
    free(c);
    free(h);

    /* An unknown point is an error at its place in the template. */
    write_file(h_in, "ok\n  x @@NOPE@@\n");
    load_templates_free(tt);
    tt = load_templates(dir);
    assert_non_null(tt);
    o.templates = tt;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    diag *d = diag_new(out, 0);
    c = h = NULL;
    assert_int_equal(emit_workflow(wf, &o, d, &c, &h), -1);
    assert_null(c);
    diag_free(d);
    fclose(out);
    char want[512];
    snprintf(want, sizeof want, "%s:2:5: error: unknown insertion point @@NOPE@@", h_in);
    assert_non_null(strstr(text, want));
    free(text);

    /* The folder has no main.c.in: reported when main.c is wanted, not before. */
    text = NULL;
    out = open_memstream(&text, &len);
    d = diag_new(out, 0);
    const workflow *wfs[] = {wf};
    char *m = NULL;
    assert_int_equal(emit_main(wfs, 1, &o, d, &m), -1);
    assert_null(m);
    diag_free(d);
    fclose(out);
    snprintf(want, sizeof want, "%s/main.c.in:1:1: error: cannot read the template: ", dir);
    assert_non_null(strstr(text, want));
    free(text);
    load_templates_free(tt);
    unlink(c_in);
    unlink(h_in);
    rmdir(dir);
    wf_free(wf);
}

static void output_is_deterministic(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_STEP, OP_WAIT, OP_SUCCEED};
    static const char *const names[] = {"a", "b", "c"};
    workflow *wf = wf_new(3, kinds, names);
    wf->hooks = "t.lua";
    wf->hooks_source = "print('?\?!')\n\"x\"";
    wf->hooks_len = strlen(wf->hooks_source);
    wf->ops[0].run.kind = RUN_C;
    wf->ops[0].run.fn = "t_hook";
    int errors;
    char *h1 = NULL, *h2 = NULL;
    char *c1 = gen(wf, NULL, &errors, &h1);
    char *c2 = gen(wf, NULL, &errors, &h2);
    assert_string_equal(c1, c2);
    assert_string_equal(h1, h2);
    /* One literal a line, aligned after `= ` (they fit there), as clang-format does. */
    assert_non_null(strstr(c1, "static const char t_lua[] = \"print('?\\?!')\\n\"\n"
                               "                            \"\\\"x\\\"\";\n"));
    assert_non_null(strstr(c1, ".lua_chunkname = \"@t.lua\","));
    assert_non_null(strstr(h1, "int t_hook(cairn_call *call, const cJSON *args);\n"));
    assert_non_null(strstr(c1, "if (cairn_wait_for(x, &t_op_b, 1000) != CAIRN_NEXT) /* 1s */"));
    free(c1);
    free(c2);
    free(h1);
    free(h2);
    wf_free(wf);
}

/* A constant subtree is one compact JSON text, escaped twice (JSON, then C). */
static void constants_are_json(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_STEP};
    static const char *const names[] = {"s"};
    workflow *wf = wf_new(1, kinds, names);
    val *num = calloc(1, sizeof *num);
    num->kind = V_NUM;
    num->text = "2.50";
    num->num = 2.5;
    const char *keys[] = {"t\"k", "n"};
    val *items[] = {v_str("a\nb\x01\xc3\xa9", 3), num};
    wf->ops[0].with = v_map(3, 2, keys, items);
    int errors;
    char *laid = gen(wf, NULL, &errors, NULL);
    assert_int_equal(errors, 0);
    char *c = joined(laid);
    free(laid);
    assert_non_null(
        strstr(c, "cairn_step(x, &t_op_s, cairn_x_json(x, "
                  "\"{\\\"t\\\\\\\"k\\\":\\\"a\\\\nb\\\\u0001\\303\\251\\\",\\\"n\\\":2.50}\"))"));
    free(c);
    wf_free(wf);
}

/* main.c: every workflow's header and descriptor, in the order given. */
static void main_lists_every_workflow(void **state)
{
    (void)state;
    static const op_kind kinds[] = {OP_SUCCEED};
    static const char *const names[] = {"ok"};
    workflow *a = wf_new(1, kinds, names);
    workflow *b = wf_new(1, kinds, names);
    b->name = "b2";
    b->path = "b2.yaml";
    const workflow *const wfs[] = {a, b};
    FILE *sink = tmpfile();
    diag *d = diag_new(sink, 0);
    char *m = NULL;
    assert_int_equal(emit_main(wfs, 2, NULL, d, &m), 0);
    diag_free(d);
    fclose(sink);
    assert_non_null(strstr(m, "from dir/t.yaml, b2.yaml."));
    assert_non_null(strstr(m, "#include \"t.h\"\n#include \"b2.h\"\n"));
    assert_non_null(strstr(m, "    &t_workflow,\n    &b2_workflow,\n};"));
    assert_non_null(strstr(m, "cairn_host_main(argc, argv, workflows,"));
    free(m);
    wf_free(a);
    wf_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_is_exact),           cmocka_unit_test(expressions_compile),
        cmocka_unit_test(identifiers_are_unique),    cmocka_unit_test(line_directives_are_true),
        cmocka_unit_test(callbacks_generate),        cmocka_unit_test(templates_from_a_folder),
        cmocka_unit_test(output_is_deterministic),   cmocka_unit_test(constants_are_json),
        cmocka_unit_test(main_lists_every_workflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
