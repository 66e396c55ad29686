/*
 * model_op.c — the model builder's readers of operations (model_int.h): the
 * list item's kind, its keys, and the run, submitter, catch, when and error
 * of each kind.
 *
 * Owns: which keys each operation kind has and what they must hold. Never:
 * resolves names or targets (check.c does).
 */
#include "model_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "expr.h"
#include "lex.h"
#include "rfc3339.h"

/* ---- run / submitter ---- */

static const char *const run_keys[] = {"lua", "c", "http", NULL};
static const char *const http_keys[] = {"method", "url", "headers", "body", "timeout", "ok", NULL};

static void ok_of(builder *b, const yml_node *n, http_spec *h)
{
    size_t total = n->kind == YML_SEQ ? n->n : 1;
    h->ok = calloc(total ? total : 1, sizeof *h->ok);
    if (!h->ok)
        return;
    for (size_t i = 0; i < total; i++) {
        const yml_node *it = n->kind == YML_SEQ ? n->items[i] : n;
        const char *s = mb_scalar(b, it, "ok", "a status (200) or a range (200-299)");
        int lo, hi, used = 0;
        if (!s)
            continue;
        if (sscanf(s, "%d-%d%n", &lo, &hi, &used) == 2 && !s[used]) {
        } else if (sscanf(s, "%d%n", &lo, &used) == 1 && !s[used]) {
            hi = lo;
        } else {
            mb_err(b, DIAG_E_VALUE, it->at,
                   "bad status '%s' in 'ok': expected 200 or a range such as 200-299", s);
            continue;
        }
        if (lo < 100 || hi > 599 || lo > hi) {
            mb_err(b, DIAG_E_VALUE, it->at,
                   "bad status range '%s' in 'ok': statuses go from 100 to 599", s);
            continue;
        }
        h->ok[h->nok++] = (status_range){lo, hi};
    }
}

/* Header values are scalars (strings, numbers, booleans) or expressions. */
static int headers_ok(builder *b, const yml_node *map)
{
    int ok = 1;
    for (size_t i = 0; i < map->n; i++) {
        const yml_node *v = map->items[i];
        if (v->kind == YML_SCALAR && !mb_null_plain(v))
            continue;
        mb_err(b, DIAG_E_TYPE, v->at,
               "header '%s' must be a string, number or boolean (or an expression), not %s",
               map->keys[i]->text, v->kind == YML_SCALAR ? "null" : yml_kind_name(v));
        ok = 0;
    }
    return ok;
}

static void run_of(builder *b, const yml_node *n, const char *key, run_spec *r)
{
    r->at = n->at;
    if (n->kind != YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be a mapping with one of lua, c or http, not %s",
               key, yml_kind_name(n));
        return;
    }
    mb_keys(b, n, run_keys, key[0] == 'r' ? "a run" : "a submitter");
    int count = 0;
    for (size_t i = 0; run_keys[i]; i++)
        count += yml_get(n, run_keys[i]) != NULL;
    if (count != 1) {
        mb_err(b, count ? DIAG_E_KIND : DIAG_E_MISSING_KEY, n->at,
               "'%s' needs exactly one of lua, c or http (found %d)", key, count);
        if (!count)
            return;
    }
    const yml_node *x;
    if ((x = yml_get(n, "lua"))) {
        const char *s = mb_scalar(b, x, "lua", "a Lua function name");
        r->kind = RUN_LUA;
        r->fn = mb_dup(s);
        r->at = x->at;
    } else if ((x = yml_get(n, "c"))) {
        const char *s = mb_scalar(b, x, "c", "a C function name");
        r->kind = RUN_C;
        r->fn = mb_dup(s);
        r->at = x->at;
        if (s && !lex_c_ident(s))
            mb_err(b, DIAG_E_NAME, x->at, "'%s' is not a C identifier", s);
    } else if ((x = yml_get(n, "http"))) {
        r->kind = RUN_HTTP;
        r->at = x->at;
        if (x->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, x->at,
                   "'http' must be a mapping (method, url, headers, body, timeout, ok)");
            return;
        }
        mb_keys(b, x, http_keys, "an http call");
        http_spec *h = &r->http;
        const yml_node *f;
        if ((f = yml_get(x, "method"))) {
            if (f->kind != YML_SCALAR)
                mb_err(b, DIAG_E_TYPE, f->at, "'method' must be a string such as GET or POST");
            else
                h->method = mb_val(b, f);
            static const char *const methods[] = {"GET",    "POST", "PUT",     "PATCH",
                                                  "DELETE", "HEAD", "OPTIONS", NULL};
            int known = !h->method || h->method->kind != V_STR;
            for (size_t i = 0; !known && methods[i]; i++)
                known = !strcmp(h->method->text, methods[i]);
            if (!known)
                mb_err(b, DIAG_E_VALUE, f->at,
                       "unknown HTTP method '%s': expected GET, POST, PUT, PATCH, DELETE, HEAD or "
                       "OPTIONS",
                       h->method->text);
        }
        if ((f = yml_get(x, "url"))) {
            if (mb_want_string(b, f, "url", "a string (it may hold ${...})"))
                h->url = mb_val(b, f);
        } else {
            mb_err(b, DIAG_E_MISSING_KEY, x->at, "an http call needs 'url'");
        }
        if ((f = yml_get(x, "headers"))) {
            if (f->kind != YML_MAP)
                mb_err(b, DIAG_E_TYPE, f->at,
                       "'headers' must be a mapping of header names to values");
            else if (headers_ok(b, f))
                h->headers = mb_val(b, f);
        }
        if ((f = yml_get(x, "body")))
            h->body = mb_val(b, f);
        mb_duration(b, x, "timeout", &h->timeout_ms);
        if ((f = yml_get(x, "ok")))
            ok_of(b, f, h);
    }
}

/*
 * A hook that encodes or decodes a value (`result: {lua: FN}`, `serdes:
 * {encode: {c: SYM}}`): exactly one of lua or c.
 */
static void hook_of(builder *b, const yml_node *n, const char *key, run_spec *r)
{
    static const char *const keys[] = {"lua", "c", NULL};
    r->at = n->at;
    if (n->kind != YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be a mapping with one of lua or c, not %s", key,
               yml_kind_name(n));
        return;
    }
    mb_keys(b, n, keys, "a hook");
    const yml_node *l = yml_get(n, "lua"), *c = yml_get(n, "c");
    if (!l == !c) {
        mb_err(b, l ? DIAG_E_KIND : DIAG_E_MISSING_KEY, n->at, "'%s' needs exactly one of lua or c",
               key);
        return;
    }
    const char *s =
        mb_scalar(b, l ? l : c, l ? "lua" : "c", l ? "a Lua function name" : "a C function name");
    r->kind = l ? RUN_LUA : RUN_C;
    r->fn = mb_dup(s);
    r->at = (l ? l : c)->at;
    if (c && s && !lex_c_ident(s))
        mb_err(b, DIAG_E_NAME, c->at, "'%s' is not a C identifier", s);
}

/* A step's `serdes: {encode, decode}`: at least one of them. */
static void serdes_of(builder *b, const yml_node *n, op *o)
{
    static const char *const keys[] = {"encode", "decode", NULL};
    if (n->kind != YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at,
               "'serdes' must be a mapping with encode and/or decode, not %s", yml_kind_name(n));
        return;
    }
    mb_keys(b, n, keys, "serdes");
    const yml_node *en = yml_get(n, "encode"), *de = yml_get(n, "decode");
    if (!en && !de)
        mb_err(b, DIAG_E_MISSING_KEY, n->at, "'serdes' needs encode, decode or both");
    if (en)
        hook_of(b, en, "encode", &o->encode);
    if (de)
        hook_of(b, de, "decode", &o->decode);
}

/* Is s a time the runtime can wait until (rfc3339_parse)? */
static int is_time(const char *s)
{
    int64_t ms;
    return rfc3339_parse(s, &ms) == 0;
}

/* ---- operations ---- */

static const char *const keys_step[] = {"step", "run",   "with",   "retry", "semantics",
                                        "as",   "catch", "serdes", NULL};
static const char *const keys_wait[] = {"wait", "for", "until", NULL};
static const char *const keys_callback[] = {"callback", "timeout", "heartbeat", "result", NULL};
static const char *const keys_await[] = {"await", "as", "catch", NULL};
static const char *const keys_wfc[] = {"wait_for_callback",
                                       "submitter",
                                       "with",
                                       "timeout",
                                       "heartbeat",
                                       "result",
                                       "retry",
                                       "as",
                                       "catch",
                                       NULL};
static const char *const keys_choice[] = {"choice", "when", "else", NULL};
static const char *const keys_succeed[] = {"succeed", "output", NULL};
static const char *const keys_fail[] = {"fail", "error", NULL};
static const char *const keys_goto[] = {"goto", NULL};
static const char *const keys_parallel[] = {
    "parallel", "branches", "max_concurrency", "complete", "as", "catch", NULL};
static const char *const keys_map[] = {"map",   "items",  "item_as", "max_concurrency", "complete",
                                       "steps", "output", "as",      "catch",           NULL};
static const char *const keys_group[] = {"group", "steps", "output", "as", "catch", NULL};
static const char *const keys_condition[] = {
    "wait_for_condition", "run", "with", "initial", "until", "backoff", "as", "catch", NULL};
static const char *const keys_invoke[] = {"invoke", "workflow", "input", "timeout",
                                          "as",     "catch",    NULL};
static const char *const *const kind_keys[] = {
    keys_step, keys_wait, keys_callback, keys_await, keys_wfc,   keys_choice,    keys_succeed,
    keys_fail, keys_goto, keys_parallel, keys_map,   keys_group, keys_condition, keys_invoke};
static const char *const kind_articles[] = {"a step",
                                            "a wait",
                                            "a callback",
                                            "an await",
                                            "a wait_for_callback",
                                            "a choice",
                                            "a succeed",
                                            "a fail",
                                            "a goto",
                                            "a parallel",
                                            "a map",
                                            "a group",
                                            "a wait_for_condition",
                                            "an invoke"};

static const char *const catch_keys[] = {"errors", "goto", "as", NULL};

static char *name_of(builder *b, const yml_node *map, const char *key, const char *what)
{
    const yml_node *n = yml_get(map, key);
    return n ? mb_dup(mb_scalar(b, n, key, what)) : NULL;
}

/* Where the value of key in map is, or dflt when it is absent. */
static pos value_at(const yml_node *map, const char *key, pos dflt)
{
    const yml_node *n = yml_get(map, key);
    return n ? n->at : dflt;
}

/* An `as` name (op or catch): [A-Za-z_][A-Za-z0-9_]*, not input, execution
 * or callback (what a submitter sees as callback.id). */
static char *as_of(builder *b, const yml_node *map)
{
    char *s = name_of(b, map, "as", "a name");
    if (!s)
        return NULL;
    pos at = yml_get(map, "as")->at;
    if (!lex_c_ident(s))
        mb_err(b, DIAG_E_NAME, at,
               "bad 'as' name '%s': letters, digits and '_', not starting with a digit", s);
    else if (!strcmp(s, "input") || !strcmp(s, "execution"))
        mb_err(b, DIAG_E_NAME, at, "'as: %s' would hide the built-in '%s': choose another name", s,
               s);
    else if (!strcmp(s, "callback"))
        mb_err(
            b, DIAG_E_NAME, at,
            "'as: callback' would be hidden by the callback a submitter sees (callback.id): choose "
            "another name");
    return s;
}

static void catches_of(builder *b, const yml_node *n, op *o)
{
    if (n->kind != YML_SEQ) {
        mb_err(b, DIAG_E_TYPE, n->at, "'catch' must be a list of {errors, goto, as}, not %s",
               yml_kind_name(n));
        return;
    }
    if (n->n == 0) {
        mb_err(
            b, DIAG_E_VALUE, n->at,
            "'catch' must hold at least one entry {errors, goto}; leave it out to catch nothing");
        return;
    }
    o->catches = calloc(n->n ? n->n : 1, sizeof *o->catches);
    if (!o->catches)
        return;
    for (size_t i = 0; i < n->n; i++) {
        const yml_node *c = n->items[i];
        if (c->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, c->at,
                   "a catch entry must be a mapping {errors, goto, as}, not %s", yml_kind_name(c));
            continue;
        }
        mb_keys(b, c, catch_keys, "a catch entry");
        catch_spec *cs = &o->catches[o->ncatches++];
        cs->at = c->at;
        cs->target = -1;
        const yml_node *e = yml_get(c, "errors");
        if (e)
            cs->errors = mb_error_types(b, e, "errors", DIAG_E_VALUE, &cs->nerrors);
        else
            mb_err(b, DIAG_E_MISSING_KEY, c->at,
                   "a catch entry needs 'errors' (a list of error types, or [ALL])");
        cs->go = name_of(b, c, "goto", "an operation name");
        cs->go_at = value_at(c, "goto", c->at);
        cs->errors_at = value_at(c, "errors", c->at);
        if (!yml_get(c, "goto"))
            mb_err(b, DIAG_E_MISSING_KEY, c->at, "a catch entry needs 'goto'");
        cs->as = as_of(b, c);
    }
}

/* One ${...} under key (a choice's `if`, a condition's `until`), or NULL after an error. */
static expr *cond_of(builder *b, const yml_node *n, const char *key)
{
    expr *e = NULL;
    val *v = mb_val(b, n);
    if (v && v->kind == V_EXPR) {
        e = v->e;
        v->e = NULL;
    } else if (v && v->kind != V_INTERP) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be one expression: ${...}", key);
    } else if (v && v->nparts) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be exactly one ${...}, with no text around it",
               key);
    }
    mb_val_free(v);
    return e;
}

static void whens_of(builder *b, const yml_node *n, op *o)
{
    if (n->kind != YML_SEQ || !n->n) {
        mb_err(b, DIAG_E_TYPE, n->at, "'when' must be a non-empty list of {if, goto}");
        return;
    }
    o->whens = calloc(n->n, sizeof *o->whens);
    if (!o->whens)
        return;
    static const char *const when_keys[] = {"if", "goto", NULL};
    for (size_t i = 0; i < n->n; i++) {
        const yml_node *w = n->items[i];
        if (w->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, w->at, "a when entry must be a mapping {if, goto}, not %s",
                   yml_kind_name(w));
            continue;
        }
        mb_keys(b, w, when_keys, "a when entry");
        choice_when *cw = &o->whens[o->nwhens++];
        cw->at = w->at;
        cw->target = -1;
        const yml_node *c = yml_get(w, "if");
        if (!c)
            mb_err(b, DIAG_E_MISSING_KEY, w->at, "a when entry needs 'if'");
        else
            cw->cond = cond_of(b, c, "if");
        cw->go = name_of(b, w, "goto", "an operation name");
        cw->go_at = value_at(w, "goto", w->at);
        if (!yml_get(w, "goto"))
            mb_err(b, DIAG_E_MISSING_KEY, w->at, "a when entry needs 'goto'");
    }
}

static void error_of(builder *b, const yml_node *n, op *o)
{
    static const char *const error_keys[] = {"type", "message", "data", NULL};
    if (n->kind != YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at, "'error' must be a mapping {type, message, data}, not %s",
               yml_kind_name(n));
        return;
    }
    mb_keys(b, n, error_keys, "an error");
    const yml_node *t = yml_get(n, "type");
    if (!t) {
        mb_err(b, DIAG_E_MISSING_KEY, n->at, "'error' needs 'type' (a name such as Rejected)");
    } else {
        const char *s = mb_scalar(b, t, "type", "an error type name");
        if (s)
            mb_error_type(b, t, s);
        o->err_type = mb_dup(s);
    }
    const yml_node *m = yml_get(n, "message");
    if (m && mb_want_string(b, m, "message", "a string (it may hold ${...})"))
        o->err_message = mb_val(b, m);
    const yml_node *dt = yml_get(n, "data");
    if (dt)
        o->err_data = mb_val(b, dt);
}

/* ---- fan-out ---- */

/* An integer under key in map, at least min; 1 when given and valid. */
static int int_of(builder *b, const yml_node *map, const char *key, int min, int *out)
{
    const yml_node *n = yml_get(map, key);
    if (!n)
        return 0;
    double d;
    char *json = NULL;
    int is_int, ok = n->kind == YML_SCALAR && mb_number_plain(n, &d, &json, &is_int) == 1 &&
                     is_int && d >= min && d <= INT_MAX;
    free(json);
    if (!ok) {
        mb_err(b, DIAG_E_VALUE, n->at, "'%s' must be an integer of at least %d", key, min);
        return 0;
    }
    *out = (int)d;
    return 1;
}

static void complete_of(builder *b, const yml_node *n, op *o)
{
    static const char *const keys[] = {"min_successful", "tolerated_failures",
                                       "tolerated_failure_percent", NULL};
    if (n->kind != YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at,
               "'complete' must be a mapping of min_successful, tolerated_failures, "
               "tolerated_failure_percent, not %s",
               yml_kind_name(n));
        return;
    }
    mb_keys(b, n, keys, "complete");
    if (int_of(b, n, "min_successful", 1, &o->min_successful))
        o->complete |= COMPLETE_MIN;
    if (int_of(b, n, "tolerated_failures", 0, &o->tolerated_failures))
        o->complete |= COMPLETE_FAILURES;
    const yml_node *p = yml_get(n, "tolerated_failure_percent");
    if (p) {
        char *json = NULL;
        int is_int;
        if (p->kind == YML_SCALAR &&
            mb_number_plain(p, &o->tolerated_percent, &json, &is_int) == 1 &&
            o->tolerated_percent >= 0 && o->tolerated_percent <= 100)
            o->complete |= COMPLETE_PERCENT;
        else
            mb_err(b, DIAG_E_VALUE, p->at,
                   "'tolerated_failure_percent' must be a number from 0 to 100");
        free(json);
    }
}

/* The `steps` of a branch or body (map n) into s; what names the list in messages. */
static void body_of(builder *b, const yml_node *n, const char *what, pos owner, seq *s)
{
    const yml_node *steps = yml_get(n, "steps");
    s->at = steps ? steps->at : owner;
    if (!steps)
        mb_err(b, DIAG_E_MISSING_KEY, owner, "%s needs 'steps' (its list of operations)", what);
    else if (steps->kind != YML_SEQ || !steps->n)
        mb_err(b, DIAG_E_TYPE, steps->at, "the 'steps' of %s must be a non-empty list", what);
    else
        mb_ops(b, steps, &s->ops, &s->nops);
    const yml_node *out = yml_get(n, "output");
    if (out)
        s->output = mb_val(b, out);
}

static void branches_of(builder *b, const yml_node *n, op *o)
{
    static const char *const keys[] = {"name", "steps", "output", NULL};
    if (n->kind != YML_SEQ || !n->n) {
        mb_err(b, DIAG_E_TYPE, n->at,
               "'branches' must be a non-empty list of {name, steps, output}, not %s",
               n->kind == YML_SEQ ? "an empty list" : yml_kind_name(n));
        return;
    }
    o->branches = calloc(n->n, sizeof *o->branches);
    for (size_t i = 0; o->branches && i < n->n; i++) {
        const yml_node *br = n->items[i];
        seq *s = &o->branches[o->nbranches++];
        s->at = br->at;
        if (br->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, br->at, "a branch is a mapping {name, steps, output}, not %s",
                   yml_kind_name(br));
            continue;
        }
        mb_keys(b, br, keys, "a branch");
        s->name = name_of(b, br, "name", "a branch name");
        if (s->name && !lex_op_name(s->name))
            mb_err(b, DIAG_E_NAME, yml_get(br, "name")->at,
                   "bad branch name '%s': 1 to 64 letters, digits, '_', '.' or '-'", s->name);
        body_of(b, br, "a branch", br->at, s);
    }
}

static void fanout_of(builder *b, const yml_node *item, op *o)
{
    const yml_node *n;
    if (o->kind == OP_PARALLEL) {
        if ((n = yml_get(item, "branches")))
            branches_of(b, n, o);
        else
            mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
                   "a parallel needs 'branches' (a list of {name, steps, output})");
    } else {
        o->branches = calloc(1, sizeof *o->branches);
        if (o->branches) {
            o->nbranches = 1;
            body_of(b, item, o->kind == OP_MAP ? "a map" : "a group", o->name_at, o->branches);
        }
    }
    if (o->kind == OP_MAP) {
        if (!(n = yml_get(item, "items")))
            mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
                   "a map needs 'items' (an expression yielding an array, such as ${input.lines})");
        else if (!(o->items = mb_val(b, n)) || o->items->kind != V_EXPR)
            mb_err(b, DIAG_E_TYPE, n->at,
                   "'items' must be one expression yielding an array, such as ${input.lines}");
        o->item_as = name_of(b, item, "item_as", "a name");
        if (o->item_as && !lex_c_ident(o->item_as))
            mb_err(b, DIAG_E_NAME, yml_get(item, "item_as")->at,
                   "bad 'item_as' name '%s': letters, digits and '_', not starting with a digit",
                   o->item_as);
        else if (o->item_as && (!strcmp(o->item_as, "input") || !strcmp(o->item_as, "execution") ||
                                !strcmp(o->item_as, "index") || !strcmp(o->item_as, "callback")))
            mb_err(b, DIAG_E_NAME, yml_get(item, "item_as")->at,
                   "'item_as: %s' would hide the built-in '%s': choose another name", o->item_as,
                   o->item_as);
    }
    if (o->kind != OP_GROUP) {
        int_of(b, item, "max_concurrency", 1, &o->max_concurrency);
        if ((n = yml_get(item, "complete")))
            complete_of(b, n, o);
    }
}

/* The backoff between a condition's checks: a retry's keys but `on`, over AWS's defaults. */
static void backoff_of(builder *b, const yml_node *n, op *o)
{
    retry_raw own,
        def = {.has_attempts = 1, .has_initial = 1, .has_max = 1, .has_rate = 1, .has_jitter = 1};
    def.v.max_attempts = DEFAULTS_CONDITION_ATTEMPTS;
    def.v.initial_ms = DEFAULTS_CONDITION_INITIAL_MS;
    def.v.max_ms = DEFAULTS_CONDITION_MAX_MS;
    def.v.rate = DEFAULTS_CONDITION_RATE;
    def.v.jitter = JITTER_FULL;
    if (n && n->kind != YML_MAP) {
        mb_err(b, DIAG_E_RETRY, n->at,
               "'backoff' must be a mapping (max_attempts, initial, max, rate, jitter), not %s",
               n->kind == YML_SCALAR ? "a scalar" : yml_kind_name(n));
        n = NULL;
    } else if (n && yml_get(n, "on")) {
        mb_err(b, DIAG_E_RETRY, mb_key_pos(n, "on"),
               "a backoff has no 'on': an error in the check is not retried, it fails the "
               "wait_for_condition");
    }
    mb_retry_raw(b, n, "backoff", &own);
    mb_strs_free(own.v.on, own.v.non);
    own.v.on = NULL;
    own.has_on = 0;
    mb_retry_resolve(b, &own, &def, &o->retry);
}

static void condition_of(builder *b, const yml_node *item, op *o)
{
    const yml_node *n;
    if ((n = yml_get(item, "run")))
        run_of(b, n, "run", &o->run);
    else
        mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
               "a wait_for_condition needs 'run' (the check: one of lua, c or http)");
    const yml_node *w = yml_get(item, "with");
    if (w && w->kind == YML_MAP && yml_get(w, "state"))
        mb_err(b, DIAG_E_VALUE, mb_key_pos(w, "state"),
               "the check gets the state as 'state': 'with' cannot hold a key of that name");
    if ((n = yml_get(item, "initial")))
        o->initial = mb_val(b, n);
    if ((n = yml_get(item, "until")))
        o->cond = cond_of(b, n, "until");
    else
        mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
               "a wait_for_condition needs 'until' (an expression of state, such as "
               "${state.ready == true})");
    backoff_of(b, yml_get(item, "backoff"), o);
}

/* An invoke: the workflow it starts, its input, its timeout. */
static void invoke_of(builder *b, const yml_node *item, op *o)
{
    const yml_node *n = yml_get(item, "workflow");
    if (!n) {
        mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
               "an invoke needs 'workflow' (the name of a workflow linked into the same host)");
    } else {
        o->workflow_at = n->at;
        o->workflow = name_of(b, item, "workflow", "a workflow name");
        if (o->workflow && !lex_workflow_name(o->workflow))
            mb_err(b, DIAG_E_NAME, n->at,
                   "bad workflow name '%s': a lowercase letter, then lowercase letters, digits or "
                   "'_' (the `name:` of the workflow to invoke)",
                   o->workflow);
    }
    if ((n = yml_get(item, "input")))
        o->input = mb_val(b, n);
    mb_duration(b, item, "timeout", &o->timeout_ms);
    o->timeout_at = value_at(item, "timeout", o->name_at);
}

void mb_op(builder *b, const yml_node *item, const yml_node *kind_node, op_kind k, op *o)
{
    const char *kname = model_kind_name(k);
    o->kind = k;
    o->at = item->at;
    o->name_at = kind_node->at;
    o->await_target = o->else_target = -1;
    o->name = mb_dup(mb_scalar(b, kind_node, kname, "an operation name"));
    if (o->name && !lex_op_name(o->name))
        mb_err(b, DIAG_E_NAME, kind_node->at,
               "bad operation name '%s': 1 to 64 letters, digits, '_', '.' or '-'", o->name);

    /* submitter anywhere but wait_for_callback gets its own message */
    for (size_t i = 0; i < item->n; i++)
        if (!strcmp(item->keys[i]->text, "submitter") && k != OP_WAIT_FOR_CALLBACK)
            mb_err(b, DIAG_E_CALLBACK, item->keys[i]->at,
                   "'submitter' belongs to wait_for_callback; %s has none", kind_articles[k]);
    /* the other kind keys and submitter have had their own message */
    static const char *const reported[] = {"step",
                                           "wait",
                                           "callback",
                                           "await",
                                           "wait_for_callback",
                                           "choice",
                                           "succeed",
                                           "fail",
                                           "goto",
                                           "parallel",
                                           "map",
                                           "group",
                                           "wait_for_condition",
                                           "invoke",
                                           "submitter",
                                           NULL};
    mb_keys_but(b, item, kind_keys[k], reported, kind_articles[k]);

    const yml_node *n;
    if (k == OP_STEP || k == OP_WAIT_FOR_CALLBACK) {
        const char *rk = k == OP_STEP ? "run" : "submitter";
        run_spec *r = k == OP_STEP ? &o->run : &o->submitter;
        if ((n = yml_get(item, rk)))
            run_of(b, n, rk, r);
        else
            mb_err(b, DIAG_E_MISSING_KEY, o->name_at, "%s needs '%s' (one of lua, c or http)",
                   kind_articles[k], rk);
        retry_raw own;
        mb_retry_raw(b, yml_get(item, "retry"), "retry", &own);
        mb_retry_resolve(b, &own, &b->defaults, &o->retry);
        mb_strs_free(own.v.on, own.v.non);
    }
    if (k == OP_STEP && (n = yml_get(item, "serdes")))
        serdes_of(b, n, o);
    if ((n = yml_get(item, "with")))
        o->with = mb_val(b, n);
    if ((n = yml_get(item, "semantics"))) {
        const char *s = mb_scalar(b, n, "semantics", "at_least_once or at_most_once");
        if (s && !strcmp(s, "at_most_once"))
            o->at_most_once = 1;
        else if (s && strcmp(s, "at_least_once"))
            mb_err(b, DIAG_E_VALUE, n->at,
                   "unknown semantics '%s': expected at_least_once or at_most_once", s);
    }
    o->as = as_of(b, item);
    if ((n = yml_get(item, "catch")))
        catches_of(b, n, o);

    if (k == OP_WAIT) {
        const yml_node *f = yml_get(item, "for"), *u = yml_get(item, "until");
        o->for_ms = -1;
        if (f && u)
            mb_err(b, DIAG_E_KIND, mb_key_pos(item, "until"),
                   "a wait takes 'for' or 'until', not both");
        else if (!f && !u)
            mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
                   "a wait needs 'for' (a duration) or 'until' (a time)");
        if (f) {
            o->for_ms = 0;
            mb_duration(b, item, "for", &o->for_ms);
        } else if (u) {
            if (u->kind != YML_SCALAR)
                mb_err(b, DIAG_E_TYPE, u->at,
                       "'until' must be an RFC 3339 time or an expression, not %s",
                       yml_kind_name(u));
            else
                o->until = mb_val(b, u);
            if (o->until && o->until->kind == V_STR && !is_time(o->until->text))
                mb_err(b, DIAG_E_VALUE, u->at,
                       "'until' must be an RFC 3339 time such as 2026-01-31T09:00:00Z, or an "
                       "expression");
        }
    }
    if (k == OP_CALLBACK || k == OP_WAIT_FOR_CALLBACK) {
        mb_duration(b, item, "timeout", &o->timeout_ms);
        mb_duration(b, item, "heartbeat", &o->heartbeat_ms);
        o->timeout_at = value_at(item, "timeout", o->name_at);
        o->heartbeat_at = value_at(item, "heartbeat", o->name_at);
        if ((n = yml_get(item, "result")) && n->kind == YML_MAP) {
            hook_of(b, n, "result", &o->result_hook);
        } else if (n) {
            const char *s = mb_scalar(b, n, "result", "json, text, or a hook {lua: FN} / {c: SYM}");
            if (s && !strcmp(s, "text"))
                o->result_text = 1;
            else if (s && strcmp(s, "json"))
                mb_err(b, DIAG_E_VALUE, n->at,
                       "unknown result '%s': expected json, text, or a hook {lua: FN} / {c: SYM}",
                       s);
        }
    }
    if (k == OP_AWAIT)
        o->await_of = mb_dup(o->name);
    if (k == OP_GOTO) { /* its name is its target */
        o->else_go = mb_dup(o->name);
        o->else_at = kind_node->at;
    }
    if (k == OP_CHOICE) {
        if ((n = yml_get(item, "when")))
            whens_of(b, n, o);
        else
            mb_err(b, DIAG_E_MISSING_KEY, o->name_at,
                   "a choice needs 'when' (a list of {if, goto})");
        o->else_go = name_of(b, item, "else", "an operation name");
        o->else_at = value_at(item, "else", o->name_at);
    }
    if (k == OP_PARALLEL || k == OP_MAP || k == OP_GROUP)
        fanout_of(b, item, o);
    if (k == OP_WAIT_FOR_CONDITION)
        condition_of(b, item, o);
    if (k == OP_INVOKE)
        invoke_of(b, item, o);
    if (k == OP_SUCCEED && (n = yml_get(item, "output")))
        o->output = mb_val(b, n);
    if (k == OP_FAIL) {
        if ((n = yml_get(item, "error")))
            error_of(b, n, o);
        else
            mb_err(b, DIAG_E_MISSING_KEY, o->name_at, "a fail needs 'error' with at least 'type'");
    }
}

/* The kind key of a list item; reports none or several. */
int mb_item_kind(builder *b, const yml_node *item, const yml_node **kind_node)
{
    int found = -1;
    for (size_t i = 0; i < item->n; i++) {
        for (int k = 0; k < KIND_COUNT; k++) {
            if (strcmp(item->keys[i]->text, model_kind_name(k)))
                continue;
            if (found < 0) {
                found = k;
                *kind_node = item->items[i];
            } else {
                mb_err(b, DIAG_E_KIND, item->keys[i]->at,
                       "'%s' and '%s' in one item: each item is exactly one operation",
                       model_kind_name(found), model_kind_name(k));
            }
        }
    }
    if (found >= 0)
        return found;
    for (size_t i = 0; i < item->n; i++)
        for (int k = 0; k < KIND_COUNT; k++)
            if (lex_edit_distance(item->keys[i]->text, model_kind_name(k), 2) <= 2) {
                mb_err(b, DIAG_E_KIND, item->keys[i]->at, "unknown key '%s' (did you mean '%s'?)",
                       item->keys[i]->text, model_kind_name(k));
                return -1;
            }
    mb_err(b, DIAG_E_KIND, item->at,
           "this item has no kind: expected one of step, wait, callback, await, wait_for_callback, "
           "choice, succeed, fail, goto, parallel, map, group, wait_for_condition, invoke");
    return -1;
}
