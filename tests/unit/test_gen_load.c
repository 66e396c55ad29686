/*
 * test_gen_load.c — the front end on good files: basic.yaml into the model
 * (names, kinds, positions, resolved retries, durations, catches and their
 * targets, values and has_expr), durations, retry resolution and the
 * definition hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "duration.h"
#include "load.h"
#include "model.h"

#define BASIC CAIRN_SOURCE_DIR "/tests/golden/basic/basic.yaml"

/* Loads path; returns the model and the diagnostics text in *text. */
static workflow *load_text(const char *path, char **text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    diag *d = diag_new(out, 0);
    workflow *wf = load_workflow(path, d);
    diag_free(d);
    fclose(out);
    *text = buf;
    return wf;
}

/* Writes yaml into a fresh file and loads it. */
static workflow *load_yaml(const char *yaml, char **text)
{
    char path[] = "/tmp/cairn_test_load_XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    workflow *wf = load_text(path, text);
    unlink(path);
    return wf;
}

static const val *map_get(const val *m, const char *key)
{
    assert_int_equal(m->kind, V_MAP);
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key))
            return m->items[i];
    fail_msg("no key %s", key);
    return NULL;
}

static void assert_path(const expr *e, const char *root, const char *seg)
{
    assert_non_null(e);
    assert_int_equal(e->kind, EX_PATH);
    assert_string_equal(e->root, root);
    assert_int_equal(e->nsegs, 1);
    assert_string_equal(e->segs[0].key, seg);
}

static void test_basic_workflow(void **state)
{
    (void)state;
    char *text;
    workflow *wf = load_text(BASIC, &text);
    assert_string_equal(text, "");
    assert_non_null(wf);
    assert_string_equal(wf->name, "basic");
    assert_int_equal(wf->version, 2);
    assert_string_equal(wf->description, "Reserve, charge, cool off, decide.");
    assert_int_equal(wf->timeout_ms, 3600000);
    assert_string_equal(wf->input_schema_json, "{\"type\":\"object\",\"required\":[\"amount\"]}");
    assert_string_equal(wf->hooks, "basic.lua");
    assert_string_equal(wf->hooks_path, CAIRN_SOURCE_DIR "/tests/golden/basic/basic.lua");
    assert_non_null(wf->hooks_source);
    assert_int_equal(strncmp(wf->hooks_source, "function reserve(args, ctx)", 27), 0);
    assert_int_equal(wf->hooks_len, strlen(wf->hooks_source));

    assert_true(wf->default_retry.given);
    assert_int_equal(wf->default_retry.max_attempts, 3);
    assert_int_equal(wf->default_retry.initial_ms, 1000);
    assert_int_equal(wf->default_retry.max_ms, 10000);
    assert_int_equal(wf->default_retry.jitter, JITTER_NONE);

    static const struct {
        op_kind kind;
        const char *name;
        int line;
    } want[] = {{OP_STEP, "reserve", 17},  {OP_STEP, "charge", 29},  {OP_WAIT, "cool-off", 35},
                {OP_CHOICE, "decide", 37}, {OP_SUCCEED, "done", 42}, {OP_FAIL, "reject", 43}};
    assert_int_equal(wf->nops, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(wf->ops[i].kind, want[i].kind);
        assert_string_equal(wf->ops[i].name, want[i].name);
        assert_int_equal(wf->ops[i].at.line, want[i].line);
        assert_int_equal(wf->ops[i].name_at.line, want[i].line);
        assert_true(wf->ops[i].reachable);
    }
    assert_string_equal(model_kind_name(OP_WAIT_FOR_CALLBACK), "wait_for_callback");
    model_free(wf);
    free(text);
}

static void test_basic_steps(void **state)
{
    (void)state;
    char *text;
    workflow *wf = load_text(BASIC, &text);
    assert_non_null(wf);

    const op *r = &wf->ops[0];
    assert_int_equal(r->run.kind, RUN_LUA);
    assert_string_equal(r->run.fn, "reserve");
    /* own fields 5 / 1s / on, the rest from defaults */
    assert_int_equal(r->retry.max_attempts, 5);
    assert_int_equal(r->retry.initial_ms, 1000);
    assert_int_equal(r->retry.max_ms, 10000);
    assert_true(r->retry.rate == 2.0);
    assert_int_equal(r->retry.jitter, JITTER_NONE);
    assert_int_equal(r->retry.non, 1);
    assert_string_equal(r->retry.on[0], "Budget.Busy");
    assert_true(r->at_most_once);
    assert_string_equal(r->as, "reservation");
    assert_int_equal(r->ncatches, 1);
    assert_int_equal(r->catches[0].nerrors, 1);
    assert_string_equal(r->catches[0].errors[0], "Budget.Exceeded");
    assert_string_equal(r->catches[0].go, "reject");
    assert_int_equal(r->catches[0].target, 5);
    assert_string_equal(r->catches[0].as, "problem");
    assert_int_equal(r->catches[0].at.line, 26);

    /* with: { amount: ${input.amount}, currency: EUR } */
    assert_true(r->with->has_expr);
    const val *amount = map_get(r->with, "amount");
    assert_int_equal(amount->kind, V_EXPR);
    assert_true(amount->has_expr);
    assert_path(amount->e, "input", "amount");
    assert_int_equal(amount->at.line, 20);
    assert_int_equal(amount->at.col, 15);
    assert_int_equal(amount->e->at.line, 20);
    assert_int_equal(amount->e->at.col, 17); /* after "${" */
    const val *cur = map_get(r->with, "currency");
    assert_int_equal(cur->kind, V_STR);
    assert_string_equal(cur->text, "EUR");
    assert_false(cur->has_expr);

    const op *c = &wf->ops[1];
    assert_int_equal(c->run.kind, RUN_C);
    assert_string_equal(c->run.fn, "basic_charge");
    assert_int_equal(c->retry.max_attempts, 3); /* all from defaults */
    assert_int_equal(c->retry.initial_ms, 1000);
    assert_int_equal(c->retry.max_ms, 10000);
    assert_null(c->retry.on);
    assert_false(c->at_most_once);
    assert_string_equal(c->as, "charge");
    const val *res = map_get(c->with, "reservation");
    assert_int_equal(res->kind, V_EXPR);
    assert_int_equal(res->e->kind, EX_PATH);
    assert_string_equal(res->e->root, "reservation");
    assert_int_equal(res->e->nsegs, 0);
    const val *items = map_get(c->with, "items");
    assert_int_equal(items->kind, V_LIST);
    assert_false(items->has_expr);
    assert_int_equal(items->n, 2);
    assert_int_equal(items->items[0]->kind, V_NUM);
    assert_string_equal(items->items[1]->text, "2");
    assert_true(items->items[1]->num == 2.0);

    assert_int_equal(wf->ops[2].for_ms, 600000);
    assert_null(wf->ops[2].until);
    model_free(wf);
    free(text);
}

static void test_basic_choice_fail_output(void **state)
{
    (void)state;
    char *text;
    workflow *wf = load_text(BASIC, &text);
    assert_non_null(wf);

    const op *ch = &wf->ops[3];
    assert_int_equal(ch->nwhens, 1);
    const expr *e = ch->whens[0].cond;
    /* ${charge.total > 100 && !input.vip} */
    assert_int_equal(e->kind, EX_AND);
    assert_int_equal(e->a->kind, EX_CMP);
    assert_int_equal(e->a->cmp, CMP_GT);
    assert_path(e->a->a, "charge", "total");
    assert_int_equal(e->a->bx->kind, EX_NUM);
    assert_string_equal(e->a->bx->str, "100");
    assert_int_equal(e->bx->kind, EX_NOT);
    assert_path(e->bx->a, "input", "vip");
    assert_int_equal(e->a->a->at.line, 39);
    assert_int_equal(e->a->a->at.col, 15);
    assert_int_equal(e->bx->at.col, 37); /* the '!' */
    assert_string_equal(ch->whens[0].go, "reject");
    assert_int_equal(ch->whens[0].target, 5);
    assert_string_equal(ch->else_go, "done");
    assert_int_equal(ch->else_target, 4);

    assert_null(wf->ops[4].output);

    const op *f = &wf->ops[5];
    assert_string_equal(f->err_type, "Rejected");
    const val *m = f->err_message;
    assert_int_equal(m->kind, V_INTERP);
    assert_true(m->has_expr);
    assert_int_equal(m->nparts, 3);
    assert_string_equal(m->parts[0].text, "amount ");
    assert_path(m->parts[1].e, "input", "amount");
    assert_int_equal(m->parts[1].e->at.col, 49); /* quoted: +1 for the quote */
    assert_string_equal(m->parts[2].text, " rejected");
    assert_null(f->err_data);

    const val *out = wf->output;
    assert_true(out->has_expr);
    assert_path(map_get(out, "total")->e, "charge", "total");
    const val *note = map_get(out, "note");
    assert_int_equal(note->kind, V_INTERP);
    assert_int_equal(note->nparts, 4);
    assert_string_equal(note->parts[0].text, "charged ");
    assert_path(note->parts[3].e, "input", "amount");
    model_free(wf);
    free(text);
}

/* The definition hash is sha256(YAML bytes || hooks bytes), checked against
 * the system's sha256sum. */
/* The definition hash of basic.yaml is the one its golden C holds (the
 * canonical form is stable), and not the hash of the file's bytes. */
static void test_basic_sha256(void **state)
{
    (void)state;
    char *text;
    workflow *wf = load_text(BASIC, &text);
    assert_non_null(wf);
    FILE *p = popen("sed -n 's/^ *\\.sha256 = \"\\([0-9a-f]*\\)\",$/\\1/p' '" CAIRN_SOURCE_DIR
                    "/tests/golden/basic/basic.c.expected'",
                    "r");
    assert_non_null(p);
    char want[65] = "";
    assert_int_equal(fscanf(p, "%64s", want), 1);
    pclose(p);
    assert_int_equal(strlen(want), 64);
    assert_string_equal(wf->sha256, want);
    p = popen("cat '" BASIC "' '" CAIRN_SOURCE_DIR "/tests/golden/basic/basic.lua' | sha256sum",
              "r");
    assert_non_null(p);
    char bytes[65] = "";
    assert_int_equal(fscanf(p, "%64s", bytes), 1);
    pclose(p);
    assert_string_not_equal(wf->sha256, bytes);
    model_free(wf);
    free(text);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {{"250ms", 250},    {"30s", 30000},     {"10m", 600000},           {"24h", 86400000},
                {"7d", 604800000}, {"1h30m", 5400000}, {"1d2h3m4s5ms", 93784005}, {"1m1ms", 60001}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = -1;
        const char *why = NULL;
        assert_int_equal(duration_parse(good[i].text, &ms, &why), 0);
        assert_int_equal(ms, good[i].ms);
    }
    static const char *const bad[] = {"",   "10",   "5x", "30m1h", "1h1h",
                                      "0s", "1.5h", "h",  "-1s",   "1s 2ms"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = -1;
        const char *why = NULL;
        assert_int_equal(duration_parse(bad[i], &ms, &why), -1);
        assert_non_null(why);
    }
}

static void test_retry_resolution(void **state)
{
    (void)state;
    char *text;
    workflow *wf = load_yaml("cairn: 1\n"
                             "name: r\n"
                             "defaults:\n"
                             "  retry: { max_attempts: 3, jitter: half, on: [A.B] }\n"
                             "steps:\n"
                             "  - step: own\n"
                             "    run: { c: f }\n"
                             "    retry: { initial: 2s, rate: 1.5 }\n"
                             "  - step: inherit\n"
                             "    run: { c: f }\n"
                             "  - step: single\n"
                             "    run: { c: f }\n"
                             "    retry: none\n"
                             "  - wait_for_callback: cb\n"
                             "    submitter: { c: g }\n"
                             "    retry: { max_attempts: 9, on: [X] }\n",
                             &text);
    assert_string_equal(text, "");
    assert_non_null(wf);
    const retry_spec *own = &wf->ops[0].retry;
    assert_int_equal(own->max_attempts, 3);
    assert_int_equal(own->initial_ms, 2000);
    assert_int_equal(own->max_ms, 60000); /* AWS default */
    assert_true(own->rate == 1.5);
    assert_int_equal(own->jitter, JITTER_HALF);
    assert_string_equal(own->on[0], "A.B");
    const retry_spec *inh = &wf->ops[1].retry;
    assert_true(inh->given);
    assert_int_equal(inh->max_attempts, 3);
    assert_int_equal(inh->initial_ms, 5000);
    assert_true(inh->rate == 2.0);
    const retry_spec *one = &wf->ops[2].retry;
    assert_true(one->none);
    assert_int_equal(one->max_attempts, 1);
    const retry_spec *sub = &wf->ops[3].retry;
    assert_int_equal(sub->max_attempts, 9);
    assert_int_equal(sub->jitter, JITTER_HALF);
    assert_int_equal(sub->non, 1);
    assert_string_equal(sub->on[0], "X");
    model_free(wf);
    free(text);

    /* no retry anywhere: the AWS SDK default */
    wf = load_yaml("cairn: 1\nname: r\nsteps:\n  - step: a\n    run: { c: f }\n", &text);
    assert_non_null(wf);
    const retry_spec *aws = &wf->ops[0].retry;
    assert_false(aws->given);
    assert_false(aws->none);
    assert_int_equal(aws->max_attempts, 6);
    assert_int_equal(aws->initial_ms, 5000);
    assert_int_equal(aws->max_ms, 60000);
    assert_true(aws->rate == 2.0);
    assert_int_equal(aws->jitter, JITTER_FULL);
    assert_null(aws->on);
    model_free(wf);
    free(text);
}

/* Core-schema typing of plain scalars; quoted scalars stay strings. */
static void test_scalar_typing(void **state)
{
    (void)state;
    char *text;
    workflow *wf = load_yaml(
        "cairn: 1\nname: t\nsteps:\n  - step: a\n    run: { c: f }\n    with:\n"
        "      n: ~\n      t: true\n      f: False\n      i: +12\n      h: 0x1F\n"
        "      x: 1.50\n      e: 1e3\n      s: \"12\"\n      q: 'true'\n      w: hello world\n"
        "      one: \"${input.a}\"\n      nested: { k: [1, \"${input.b[2].c}\"] }\n",
        &text);
    assert_string_equal(text, "");
    assert_non_null(wf);
    const val *w = wf->ops[0].with;
    assert_int_equal(map_get(w, "n")->kind, V_NULL);
    assert_int_equal(map_get(w, "t")->kind, V_BOOL);
    assert_true(map_get(w, "t")->b);
    assert_int_equal(map_get(w, "f")->kind, V_BOOL);
    assert_false(map_get(w, "f")->b);
    assert_string_equal(map_get(w, "i")->text, "12");
    assert_string_equal(map_get(w, "h")->text, "31");
    assert_string_equal(map_get(w, "x")->text, "1.5");
    assert_true(map_get(w, "e")->num == 1000.0);
    assert_int_equal(map_get(w, "s")->kind, V_STR);
    assert_string_equal(map_get(w, "s")->text, "12");
    assert_int_equal(map_get(w, "q")->kind, V_STR);
    assert_string_equal(map_get(w, "w")->text, "hello world");
    assert_int_equal(map_get(w, "one")->kind, V_EXPR);
    const val *nested = map_get(w, "nested");
    assert_true(nested->has_expr);
    const val *k = map_get(nested, "k");
    assert_true(k->has_expr);
    assert_false(k->items[0]->has_expr);
    const expr *e = k->items[1]->e;
    assert_int_equal(e->kind, EX_PATH);
    assert_int_equal(e->nsegs, 3);
    assert_string_equal(e->segs[0].key, "b");
    assert_null(e->segs[1].key);
    assert_int_equal(e->segs[1].index, 2);
    assert_string_equal(e->segs[2].key, "c");
    model_free(wf);
    free(text);
}

/* Callbacks and awaits: names in scope, targets, durations. */
static void test_callbacks(void **state)
{
    (void)state;
    char *text;
    workflow *wf =
        load_yaml("cairn: 1\nname: cb\ntimeout: 2d\nsteps:\n"
                  "  - callback: pay\n    timeout: 1h\n    heartbeat: 5m\n    result: text\n"
                  "  - step: send\n    run:\n      http:\n        method: POST\n"
                  "        url: https://x.example/${pay.id}\n        ok: [200-299, 302]\n"
                  "        timeout: 10s\n"
                  "  - await: pay\n    as: paid\n"
                  "  - wait_for_callback: ask\n    submitter: { c: ask_fn }\n"
                  "    with: { id: \"${callback.id}\", paid: \"${paid}\" }\n    timeout: 1d\n"
                  "output: ${paid}\n",
                  &text);
    assert_string_equal(text, "");
    assert_non_null(wf);
    assert_int_equal(wf->timeout_ms, 172800000);
    const op *cb = &wf->ops[0];
    assert_int_equal(cb->kind, OP_CALLBACK);
    assert_int_equal(cb->timeout_ms, 3600000);
    assert_int_equal(cb->heartbeat_ms, 300000);
    assert_true(cb->result_text);
    const http_spec *h = &wf->ops[1].run.http;
    assert_int_equal(wf->ops[1].run.kind, RUN_HTTP);
    assert_string_equal(h->method->text, "POST");
    assert_int_equal(h->url->kind, V_INTERP);
    assert_int_equal(h->nok, 2);
    assert_int_equal(h->ok[0].lo, 200);
    assert_int_equal(h->ok[0].hi, 299);
    assert_int_equal(h->ok[1].lo, 302);
    assert_int_equal(h->ok[1].hi, 302);
    assert_int_equal(h->timeout_ms, 10000);
    const op *aw = &wf->ops[2];
    assert_int_equal(aw->kind, OP_AWAIT);
    assert_string_equal(aw->await_of, "pay");
    assert_int_equal(aw->await_target, 0);
    assert_string_equal(aw->as, "paid");
    assert_int_equal(wf->ops[3].submitter.kind, RUN_C);
    assert_int_equal(wf->ops[3].timeout_ms, 86400000);
    assert_int_equal(wf->output->kind, V_EXPR);
    model_free(wf);
    free(text);
}

/* The sink holds diagnostics until a flush and sorts them by file (first
 * reported first), line, column; a note stays after its diagnostic; a place
 * with no column prints file:line. */
static void test_diag_sorted(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    diag *d = diag_new(out, 0);
    diag_report(d, DIAG_ERROR, "E010", "w.yaml", (pos){9, 3}, "late");
    diag_report(d, DIAG_NOTE, "E010", "w.yaml", (pos){2, 1}, "note of late");
    diag_report(d, DIAG_WARNING, "W002", "w.yaml", (pos){4, 7}, "middle");
    diag_report(d, DIAG_ERROR, "E018", "h.lua", (pos){1, DIAG_NO_COL}, "in the hooks");
    diag_report(d, DIAG_ERROR, "E010", "w.yaml", (pos){4, 2}, "middle, left");
    fflush(out);
    assert_int_equal(len, 0); /* nothing before the flush */
    diag_flush(d);
    diag_report(d, DIAG_ERROR, "E001", "a.yaml", (pos){1, 1}, "next batch");
    assert_int_equal(diag_errors(d), 4);
    assert_int_equal(diag_warnings(d), 1);
    diag_free(d); /* flushes the rest */
    fclose(out);
    assert_string_equal(buf, "w.yaml:4:2: error: middle, left\n"
                             "w.yaml:4:7: warning: middle\n"
                             "w.yaml:9:3: error: late\n"
                             "w.yaml:2:1: note: note of late\n"
                             "h.lua:1: error: in the hooks\n"
                             "a.yaml:1:1: error: next batch\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_sorted),      cmocka_unit_test(test_basic_workflow),
        cmocka_unit_test(test_basic_steps),      cmocka_unit_test(test_basic_choice_fail_output),
        cmocka_unit_test(test_basic_sha256),     cmocka_unit_test(test_durations),
        cmocka_unit_test(test_retry_resolution), cmocka_unit_test(test_scalar_typing),
        cmocka_unit_test(test_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
