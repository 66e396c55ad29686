/*
 * model.c — the YAML tree into the typed model of model.h, and model_free.
 *
 * Owns: the shape of the v1 language (which keys exist where, their types,
 * durations, retry values and their resolution, scalar typing per the YAML
 * 1.2 core schema, ${...} splitting and parsing). It reports every problem
 * and keeps going; it never resolves names or targets (check.c does).
 */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "expr.h"
#include "lex.h"
#include "yml.h"

#define DIGIT_CHARS "0123456789"

/* The AWS SDK's default retry strategy. */
#define AWS_MAX_ATTEMPTS 6
#define AWS_INITIAL_MS 5000
#define AWS_MAX_MS 60000
#define AWS_RATE 2.0

static const char *const kind_names[] = {
    "step", "wait", "callback", "await", "wait_for_callback", "choice", "succeed", "fail"};

const char *model_kind_name(op_kind k)
{
    return kind_names[k];
}

/* ---- freeing ---- */

static void val_free(val *v)
{
    if (!v)
        return;
    free(v->text);
    expr_free(v->e);
    for (size_t i = 0; i < v->nparts; i++) {
        free(v->parts[i].text);
        expr_free(v->parts[i].e);
    }
    free(v->parts);
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        val_free(v->items[i]);
    }
    free(v->keys);
    free(v->items);
    free(v);
}

static void strs_free(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static void run_free(run_spec *r)
{
    free(r->fn);
    val_free(r->http.method);
    val_free(r->http.url);
    val_free(r->http.headers);
    val_free(r->http.body);
    free(r->http.ok);
}

static void op_free(op *o)
{
    free(o->name);
    run_free(&o->run);
    run_free(&o->submitter);
    val_free(o->with);
    strs_free(o->retry.on, o->retry.non);
    free(o->as);
    for (size_t i = 0; i < o->ncatches; i++) {
        strs_free(o->catches[i].errors, o->catches[i].nerrors);
        free(o->catches[i].go);
        free(o->catches[i].as);
    }
    free(o->catches);
    val_free(o->until);
    free(o->await_of);
    for (size_t i = 0; i < o->nwhens; i++) {
        expr_free(o->whens[i].cond);
        free(o->whens[i].go);
    }
    free(o->whens);
    free(o->else_go);
    val_free(o->output);
    free(o->err_type);
    val_free(o->err_message);
    val_free(o->err_data);
}

void model_free(workflow *wf)
{
    if (!wf)
        return;
    free(wf->path);
    free(wf->name);
    free(wf->description);
    free(wf->input_schema_json);
    free(wf->hooks);
    free(wf->hooks_path);
    free(wf->hooks_source);
    strs_free(wf->default_retry.on, wf->default_retry.non);
    val_free(wf->output);
    for (size_t i = 0; i < wf->nops; i++)
        op_free(&wf->ops[i]);
    free(wf->ops);
    free(wf);
}

/* ---- the builder ---- */

/* A retry as written: which fields were given, before resolution. */
typedef struct retry_raw {
    int given, none;
    int has_attempts, has_initial, has_max, has_rate, has_jitter, has_on;
    retry_spec v; /* the given fields' values; v.on owned */
} retry_raw;

typedef struct builder {
    const char *file; /* borrowed */
    diag *d;
    retry_raw defaults;
} builder;

static void err(builder *b, const char *code, pos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void err(builder *b, const char *code, pos at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_report(b->d, DIAG_ERROR, code, b->file, at, "%s", msg);
}

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int listed(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

/* Reports every key of map not in allowed (NULL-terminated), with a
 * suggestion for near misses; keys in skip (reported elsewhere) are passed
 * over. where: "a step", "the workflow", ... */
static void check_keys_but(builder *b, const yml_node *map, const char *const *allowed,
                           const char *const *skip, const char *where)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->text;
        if (listed(skip, k))
            continue;
        const char *best = NULL;
        int best_d = 3;
        int known = 0;
        for (size_t j = 0; allowed[j]; j++) {
            if (!strcmp(k, allowed[j])) {
                known = 1;
                break;
            }
            int dist = lex_edit_distance(k, allowed[j], 2);
            if (dist < best_d) {
                best_d = dist;
                best = allowed[j];
            }
        }
        if (known)
            continue;
        if (best)
            err(b, DIAG_E_UNKNOWN_KEY, map->keys[i]->at,
                "unknown key '%s' in %s (did you mean '%s'?)", k, where, best);
        else
            err(b, DIAG_E_UNKNOWN_KEY, map->keys[i]->at, "unknown key '%s' in %s", k, where);
    }
}

static void check_keys(builder *b, const yml_node *map, const char *const *allowed,
                       const char *where)
{
    check_keys_but(b, map, allowed, NULL, where);
}

/* The position of key's name in map (for "missing" and "bad value" errors). */
static pos key_pos(const yml_node *map, const char *key)
{
    for (size_t i = 0; i < map->n; i++)
        if (!strcmp(map->keys[i]->text, key))
            return map->keys[i]->at;
    return map->at;
}

static int has_expr_text(const yml_node *n)
{
    return n->kind == YML_SCALAR && strstr(n->text, "${") != NULL;
}

/* A scalar's text, or NULL after an error naming key when it is not one.
 * Expressions are refused where a literal is needed. */
static const char *scalar_of(builder *b, const yml_node *n, const char *key, const char *what)
{
    if (!n)
        return NULL;
    if (n->kind != YML_SCALAR) {
        err(b, DIAG_E_TYPE, n->at, "'%s' must be %s, not %s", key, what, yml_kind_name(n));
        return NULL;
    }
    if (has_expr_text(n)) {
        err(b, DIAG_E_TYPE, n->at, "'%s' must be %s written out: expressions are not allowed here",
            key, what);
        return NULL;
    }
    return n->text;
}

static int is_null_plain(const yml_node *n)
{
    const char *s = n->text;
    return n->plain && (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
                        !strcmp(s, "NULL"));
}

static int bool_plain(const yml_node *n, int *out)
{
    const char *s = n->text;
    if (!n->plain)
        return 0;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
        *out = 1;
        return 1;
    }
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
        *out = 0;
        return 1;
    }
    return 0;
}

/*
 * Plain scalar as a number per the YAML 1.2 core schema. Returns 1 and the
 * value, with *json set to its JSON spelling (owned by the caller) and
 * *is_int; 2 for .inf/.nan (numbers JSON cannot hold); 0 when not a number.
 */
static int number_plain(const yml_node *n, double *out, char **json, int *is_int)
{
    const char *s = n->text;
    *json = NULL;
    *is_int = 0;
    if (!n->plain || !*s)
        return 0;
    const char *body = (*s == '+' || *s == '-') ? s + 1 : s;
    if (!strcmp(body, ".inf") || !strcmp(body, ".Inf") || !strcmp(body, ".INF") ||
        !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
        return 2;
    if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x') && s[2]) {
        const char *digits = s + 2;
        int base = s[1] == 'o' ? 8 : 16;
        if (strspn(digits, base == 8 ? "01234567" : "0123456789abcdefABCDEF") != strlen(digits))
            return 0;
        errno = 0;
        long long v = strtoll(digits, NULL, base);
        if (errno)
            return 0;
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", v);
        *out = (double)v;
        *is_int = 1;
        *json = strdup(buf);
        return 1;
    }
    /* [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
    const char *p = body;
    size_t int_digits = strspn(p, "0123456789");
    p += int_digits;
    int frac = 0;
    if (*p == '.') {
        frac = 1;
        size_t f = strspn(p + 1, "0123456789");
        if (!int_digits && !f)
            return 0;
        p += 1 + f;
    } else if (!int_digits) {
        return 0;
    }
    int exp = 0;
    if (*p == 'e' || *p == 'E') {
        exp = 1;
        p++;
        if (*p == '+' || *p == '-')
            p++;
        size_t e = strspn(p, "0123456789");
        if (!e)
            return 0;
        p += e;
    }
    if (*p)
        return 0;
    *out = strtod(s, NULL);
    *is_int = !frac && !exp;
    /* JSON's spelling: no '+', no leading zeros, digits around '.' */
    if (*is_int) {
        char buf[48];
        if (fabs(*out) < 9007199254740992.0)
            snprintf(buf, sizeof buf, "%.0f", *out);
        else
            snprintf(buf, sizeof buf, "%.17g", *out);
        *json = strdup(buf);
    } else {
        char buf[48];
        /* the shortest form that reads back the same */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, *out);
            if (strtod(buf, NULL) == *out)
                break;
        }
        *json = strdup(buf);
    }
    return 1;
}

/* The text of one part of an interpolated scalar into a val's parts. */
static int add_part(val *v, char *text, expr *e)
{
    interp_part *parts = realloc(v->parts, (v->nparts + 1) * sizeof *parts);
    if (!parts) {
        free(text);
        expr_free(e);
        return -1;
    }
    v->parts = parts;
    v->parts[v->nparts++] = (interp_part){text, e};
    return 0;
}

/* Where byte off of scalar n is in the YAML. */
static pos scalar_pos(const yml_node *n, size_t off, int *exact)
{
    pos at = n->at;
    *exact = n->one_line;
    if (n->one_line)
        at.col += (int)off + (n->quoted ? 1 : 0);
    return at;
}

/* Splits a scalar holding "${" into V_EXPR or V_INTERP. Errors leave v with
 * what parsed. */
static void split_exprs(builder *b, const yml_node *n, val *v)
{
    const char *s = n->text;
    size_t len = n->len, i = 0, lit = 0;
    v->has_expr = 1;
    v->kind = V_INTERP;
    while (i + 1 < len) {
        if (s[i] != '$' || s[i + 1] != '{') {
            i++;
            continue;
        }
        size_t start = i + 2;
        int exact;
        pos at = scalar_pos(n, start, &exact);
        long end = expr_find_end(s + start, len - start);
        if (end < 0) {
            /* let the parser name a broken string first; else the brace */
            expr *e = expr_parse(s + start, len - start, at, exact, b->file, b->d);
            if (e) {
                expr_free(e);
                int ex2;
                err(b, DIAG_E_EXPR, scalar_pos(n, i, &ex2), "unterminated '${': expected '}'");
            }
            return;
        }
        if (i > lit && add_part(v, strndup(s + lit, i - lit), NULL) < 0)
            return;
        expr *e = expr_parse(s + start, (size_t)end, at, exact, b->file, b->d);
        if (e && add_part(v, NULL, e) < 0)
            return;
        i = lit = start + (size_t)end + 1;
    }
    if (lit < len && add_part(v, strndup(s + lit, len - lit), NULL) < 0)
        return;
    if (v->nparts == 1 && v->parts[0].e) {
        v->kind = V_EXPR;
        v->e = v->parts[0].e;
        free(v->parts);
        v->parts = NULL;
        v->nparts = 0;
    }
}

static val *val_of(builder *b, const yml_node *n)
{
    val *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->at = n->at;
    if (n->kind == YML_SCALAR) {
        int bl, is_int;
        char *json;
        if (has_expr_text(n)) {
            split_exprs(b, n, v);
        } else if (is_null_plain(n)) {
            v->kind = V_NULL;
        } else if (bool_plain(n, &bl)) {
            v->kind = V_BOOL;
            v->b = bl;
        } else {
            int r = number_plain(n, &v->num, &json, &is_int);
            if (r == 1) {
                v->kind = V_NUM;
                v->text = json;
            } else {
                if (r == 2)
                    err(b, DIAG_E_TYPE, n->at,
                        "'%s' has no JSON form: quote it to make it a string", n->text);
                v->kind = V_STR;
                v->text = strdup(n->text);
            }
        }
        return v;
    }
    v->kind = n->kind == YML_MAP ? V_MAP : V_LIST;
    v->n = n->n;
    v->items = calloc(n->n ? n->n : 1, sizeof *v->items);
    if (n->kind == YML_MAP)
        v->keys = calloc(n->n ? n->n : 1, sizeof *v->keys);
    if (!v->items || (n->kind == YML_MAP && !v->keys)) {
        v->n = 0;
        val_free(v);
        return NULL;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (v->keys)
            v->keys[i] = strdup(n->keys[i]->text);
        v->items[i] = val_of(b, n->items[i]);
        if (v->items[i] && v->items[i]->has_expr)
            v->has_expr = 1;
    }
    return v;
}

/* An optional duration under key; 1 when given and valid. */
static int duration_of(builder *b, const yml_node *map, const char *key, int64_t *ms)
{
    const yml_node *n = yml_get(map, key);
    if (!n)
        return 0;
    const char *s = scalar_of(b, n, key, "a duration such as 30s, 10m or 1h30m");
    if (!s)
        return 0;
    const char *why;
    if (lex_duration(s, ms, &why) < 0) {
        err(b, DIAG_E_DURATION, n->at, "bad duration '%s' for '%s': %s", s, key, why);
        return 0;
    }
    return 1;
}

static void check_error_type(builder *b, const yml_node *n, const char *s)
{
    if (!lex_error_type(s))
        err(b, DIAG_E_NAME, n->at,
            "bad error type '%s': dot-separated words of letters, digits and '_', each starting "
            "with a letter (Payment.Declined), or ALL",
            s);
}

/* A list of error types (catch errors, retry on); a single scalar counts as
 * one; an empty list is refused with code empty_code. */
static char **names_of(builder *b, const yml_node *n, const char *key, const char *empty_code,
                       size_t *count)
{
    *count = 0;
    if (!n)
        return NULL;
    if (n->kind == YML_MAP) {
        err(b, DIAG_E_TYPE, n->at, "'%s' must be a list of error types, not a mapping", key);
        return NULL;
    }
    if (n->kind == YML_SEQ && n->n == 0) {
        err(b, empty_code, n->at, "'%s' must list at least one error type (ALL for every error)%s",
            key, !strcmp(key, "on") ? "; leave 'on' out to retry every error" : "");
        return NULL;
    }
    size_t total = n->kind == YML_SEQ ? n->n : 1;
    char **out = calloc(total, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < total; i++) {
        const yml_node *it = n->kind == YML_SEQ ? n->items[i] : n;
        const char *s = scalar_of(b, it, key, "a list of error types");
        if (!s)
            continue;
        check_error_type(b, it, s);
        out[(*count)++] = strdup(s);
    }
    return out;
}

/* What a plain scalar that is not a string is, for messages. */
static const char *scalar_kind(const yml_node *n)
{
    int bl;
    if (is_null_plain(n))
        return "null (quote it to make it a string)";
    if (bool_plain(n, &bl))
        return "a boolean (quote it to make it a string)";
    return "a number (quote it to make it a string)";
}

/* Is n a scalar that YAML reads as a string (not null, a boolean or a number)? */
static int string_scalar(const yml_node *n)
{
    int bl, is_int;
    double d;
    char *json = NULL;
    if (n->kind != YML_SCALAR || is_null_plain(n) || bool_plain(n, &bl))
        return 0;
    int num = number_plain(n, &d, &json, &is_int);
    free(json);
    return num == 0;
}

/* Reports a value under key that is not a string (what: "a string", ...). */
static int want_string(builder *b, const yml_node *n, const char *key, const char *what)
{
    if (string_scalar(n))
        return 1;
    err(b, DIAG_E_TYPE, n->at, "'%s' must be %s, not %s", key, what,
        n->kind != YML_SCALAR ? yml_kind_name(n) : scalar_kind(n));
    return 0;
}

static const char *const retry_keys[] = {"max_attempts", "initial", "max", "rate",
                                         "jitter",       "on",      NULL};

static void retry_raw_of(builder *b, const yml_node *n, retry_raw *r)
{
    memset(r, 0, sizeof *r);
    if (!n)
        return;
    r->given = 1;
    r->v.at = n->at;
    if (n->kind == YML_SCALAR) {
        if (!strcmp(n->text, "none")) {
            r->none = 1;
            return;
        }
        err(b, DIAG_E_RETRY, n->at,
            "'retry' must be a mapping (max_attempts, initial, max, rate, jitter, on) or 'none'");
        return;
    }
    if (n->kind != YML_MAP) {
        err(b, DIAG_E_TYPE, n->at, "'retry' must be a mapping or 'none', not %s", yml_kind_name(n));
        return;
    }
    check_keys(b, n, retry_keys, "a retry");
    const yml_node *a = yml_get(n, "max_attempts");
    if (a) {
        double d;
        char *json = NULL;
        int is_int;
        if (a->kind == YML_SCALAR && number_plain(a, &d, &json, &is_int) == 1 && is_int && d >= 1 &&
            d <= INT_MAX) {
            r->has_attempts = 1;
            r->v.max_attempts = (int)d;
        } else {
            err(b, DIAG_E_RETRY, a->at,
                "max_attempts must be an integer of at least 1 (the first try included)");
        }
        free(json);
    }
    if (duration_of(b, n, "initial", &r->v.initial_ms))
        r->has_initial = 1;
    if (duration_of(b, n, "max", &r->v.max_ms))
        r->has_max = 1;
    const yml_node *rate = yml_get(n, "rate");
    if (rate) {
        double d;
        char *json = NULL;
        int is_int;
        if (rate->kind == YML_SCALAR && number_plain(rate, &d, &json, &is_int) == 1 && d >= 1) {
            r->has_rate = 1;
            r->v.rate = d;
        } else {
            err(b, DIAG_E_RETRY, rate->at, "rate must be a number of at least 1");
        }
        free(json);
    }
    const yml_node *j = yml_get(n, "jitter");
    if (j) {
        const char *s = scalar_of(b, j, "jitter", "full, half or none");
        if (s) {
            r->has_jitter = 1;
            if (!strcmp(s, "full"))
                r->v.jitter = JITTER_FULL;
            else if (!strcmp(s, "half"))
                r->v.jitter = JITTER_HALF;
            else if (!strcmp(s, "none"))
                r->v.jitter = JITTER_NONE;
            else {
                r->has_jitter = 0;
                err(b, DIAG_E_RETRY, j->at, "unknown jitter '%s': expected full, half or none", s);
            }
        }
    }
    const yml_node *on = yml_get(n, "on");
    if (on) {
        r->has_on = 1;
        r->v.on = names_of(b, on, "on", DIAG_E_RETRY, &r->v.non);
        if (!r->v.on)
            r->has_on = 0;
    }
}

static char **strs_dup(char **s, size_t n)
{
    if (!s)
        return NULL;
    char **out = calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = strdup(s[i]);
    return out;
}

/* Resolves own over defaults over the AWS default, field by field. */
static void retry_resolve(builder *b, const retry_raw *own, const retry_raw *def, retry_spec *out)
{
    memset(out, 0, sizeof *out);
    out->given = own->given || def->given;
    out->at = own->given ? own->v.at : def->v.at;
    out->max_attempts = AWS_MAX_ATTEMPTS;
    out->initial_ms = AWS_INITIAL_MS;
    out->max_ms = AWS_MAX_MS;
    out->rate = AWS_RATE;
    out->jitter = JITTER_FULL;
    if (own->none || (!own->given && def->none)) {
        out->none = 1;
        out->max_attempts = 1;
        return;
    }
    const retry_raw *layers[2] = {def->none ? NULL : def, own};
    for (int i = 0; i < 2; i++) {
        const retry_raw *r = layers[i];
        if (!r)
            continue;
        if (r->has_attempts)
            out->max_attempts = r->v.max_attempts;
        if (r->has_initial)
            out->initial_ms = r->v.initial_ms;
        if (r->has_max)
            out->max_ms = r->v.max_ms;
        if (r->has_rate)
            out->rate = r->v.rate;
        if (r->has_jitter)
            out->jitter = r->v.jitter;
        if (r->has_on) {
            strs_free(out->on, out->non);
            out->on = strs_dup(r->v.on, r->v.non);
            out->non = r->v.non;
        }
    }
    /* report where the conflict is written, once: not at every inheritor */
    if (out->initial_ms > out->max_ms && (own->has_initial || own->has_max))
        err(b, DIAG_E_RETRY, out->at,
            "retry initial delay (%lldms) is longer than its max (%lldms)",
            (long long)out->initial_ms, (long long)out->max_ms);
}

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
        const char *s = scalar_of(b, it, "ok", "a status (200) or a range (200-299)");
        int lo, hi, used = 0;
        if (!s)
            continue;
        if (sscanf(s, "%d-%d%n", &lo, &hi, &used) == 2 && !s[used]) {
        } else if (sscanf(s, "%d%n", &lo, &used) == 1 && !s[used]) {
            hi = lo;
        } else {
            err(b, DIAG_E_VALUE, it->at,
                "bad status '%s' in 'ok': expected 200 or a range such as 200-299", s);
            continue;
        }
        if (lo < 100 || hi > 599 || lo > hi) {
            err(b, DIAG_E_VALUE, it->at,
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
        if (v->kind == YML_SCALAR && !is_null_plain(v))
            continue;
        err(b, DIAG_E_TYPE, v->at,
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
        err(b, DIAG_E_TYPE, n->at, "'%s' must be a mapping with one of lua, c or http, not %s", key,
            yml_kind_name(n));
        return;
    }
    check_keys(b, n, run_keys, key[0] == 'r' ? "a run" : "a submitter");
    int count = 0;
    for (size_t i = 0; run_keys[i]; i++)
        count += yml_get(n, run_keys[i]) != NULL;
    if (count != 1) {
        err(b, count ? DIAG_E_KIND : DIAG_E_MISSING_KEY, n->at,
            "'%s' needs exactly one of lua, c or http (found %d)", key, count);
        if (!count)
            return;
    }
    const yml_node *x;
    if ((x = yml_get(n, "lua"))) {
        const char *s = scalar_of(b, x, "lua", "a Lua function name");
        r->kind = RUN_LUA;
        r->fn = dup(s);
        r->at = x->at;
    } else if ((x = yml_get(n, "c"))) {
        const char *s = scalar_of(b, x, "c", "a C function name");
        r->kind = RUN_C;
        r->fn = dup(s);
        r->at = x->at;
        if (s && !lex_c_ident(s))
            err(b, DIAG_E_NAME, x->at, "'%s' is not a C identifier", s);
    } else if ((x = yml_get(n, "http"))) {
        r->kind = RUN_HTTP;
        r->at = x->at;
        if (x->kind != YML_MAP) {
            err(b, DIAG_E_TYPE, x->at,
                "'http' must be a mapping (method, url, headers, body, timeout, ok)");
            return;
        }
        check_keys(b, x, http_keys, "an http call");
        http_spec *h = &r->http;
        const yml_node *f;
        if ((f = yml_get(x, "method"))) {
            if (f->kind != YML_SCALAR)
                err(b, DIAG_E_TYPE, f->at, "'method' must be a string such as GET or POST");
            else
                h->method = val_of(b, f);
            static const char *const methods[] = {"GET",    "POST", "PUT",     "PATCH",
                                                  "DELETE", "HEAD", "OPTIONS", NULL};
            int known = !h->method || h->method->kind != V_STR;
            for (size_t i = 0; !known && methods[i]; i++)
                known = !strcmp(h->method->text, methods[i]);
            if (!known)
                err(b, DIAG_E_VALUE, f->at,
                    "unknown HTTP method '%s': expected GET, POST, PUT, PATCH, DELETE, HEAD or "
                    "OPTIONS",
                    h->method->text);
        }
        if ((f = yml_get(x, "url"))) {
            if (want_string(b, f, "url", "a string (it may hold ${...})"))
                h->url = val_of(b, f);
        } else {
            err(b, DIAG_E_MISSING_KEY, x->at, "an http call needs 'url'");
        }
        if ((f = yml_get(x, "headers"))) {
            if (f->kind != YML_MAP)
                err(b, DIAG_E_TYPE, f->at, "'headers' must be a mapping of header names to values");
            else if (headers_ok(b, f))
                h->headers = val_of(b, f);
        }
        if ((f = yml_get(x, "body")))
            h->body = val_of(b, f);
        duration_of(b, x, "timeout", &h->timeout_ms);
        if ((f = yml_get(x, "ok")))
            ok_of(b, f, h);
    }
}

/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), 't' and 'z' allowed too. */
static int is_rfc3339(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t i = 0;
    for (; shape[i]; i++) {
        char c = s[i];
        if (shape[i] == 'd'   ? !isdigit((unsigned char)c)
            : shape[i] == 'T' ? (c != 'T' && c != 't')
                              : c != shape[i])
            return 0;
    }
    if (s[i] == '.') {
        size_t f = strspn(s + i + 1, DIGIT_CHARS);
        if (!f)
            return 0;
        i += 1 + f;
    }
    if ((s[i] == 'Z' || s[i] == 'z') && !s[i + 1])
        return 1;
    return (s[i] == '+' || s[i] == '-') && isdigit((unsigned char)s[i + 1]) &&
           isdigit((unsigned char)s[i + 2]) && s[i + 3] == ':' &&
           isdigit((unsigned char)s[i + 4]) && isdigit((unsigned char)s[i + 5]) && !s[i + 6];
}

/* ---- operations ---- */

static const char *const keys_step[] = {"step",      "run", "with",  "retry",
                                        "semantics", "as",  "catch", NULL};
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
static const char *const *const kind_keys[] = {keys_step, keys_wait,   keys_callback, keys_await,
                                               keys_wfc,  keys_choice, keys_succeed,  keys_fail};
static const char *const kind_articles[] = {
    "a step",   "a wait",    "a callback", "an await", "a wait_for_callback",
    "a choice", "a succeed", "a fail"};

static const char *const catch_keys[] = {"errors", "goto", "as", NULL};

static char *name_of(builder *b, const yml_node *map, const char *key, const char *what)
{
    const yml_node *n = yml_get(map, key);
    return n ? dup(scalar_of(b, n, key, what)) : NULL;
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
        err(b, DIAG_E_NAME, at,
            "bad 'as' name '%s': letters, digits and '_', not starting with a digit", s);
    else if (!strcmp(s, "input") || !strcmp(s, "execution"))
        err(b, DIAG_E_NAME, at, "'as: %s' would hide the built-in '%s': choose another name", s, s);
    else if (!strcmp(s, "callback"))
        err(b, DIAG_E_NAME, at,
            "'as: callback' would be hidden by the callback a submitter sees (callback.id): choose "
            "another name");
    return s;
}

static void catches_of(builder *b, const yml_node *n, op *o)
{
    if (n->kind != YML_SEQ) {
        err(b, DIAG_E_TYPE, n->at, "'catch' must be a list of {errors, goto, as}, not %s",
            yml_kind_name(n));
        return;
    }
    if (n->n == 0) {
        err(b, DIAG_E_VALUE, n->at,
            "'catch' must hold at least one entry {errors, goto}; leave it out to catch nothing");
        return;
    }
    o->catches = calloc(n->n ? n->n : 1, sizeof *o->catches);
    if (!o->catches)
        return;
    for (size_t i = 0; i < n->n; i++) {
        const yml_node *c = n->items[i];
        if (c->kind != YML_MAP) {
            err(b, DIAG_E_TYPE, c->at, "a catch entry must be a mapping {errors, goto, as}, not %s",
                yml_kind_name(c));
            continue;
        }
        check_keys(b, c, catch_keys, "a catch entry");
        catch_spec *cs = &o->catches[o->ncatches++];
        cs->at = c->at;
        cs->target = -1;
        const yml_node *e = yml_get(c, "errors");
        if (e)
            cs->errors = names_of(b, e, "errors", DIAG_E_VALUE, &cs->nerrors);
        else
            err(b, DIAG_E_MISSING_KEY, c->at,
                "a catch entry needs 'errors' (a list of error types, or [ALL])");
        cs->go = name_of(b, c, "goto", "an operation name");
        if (!yml_get(c, "goto"))
            err(b, DIAG_E_MISSING_KEY, c->at, "a catch entry needs 'goto'");
        cs->as = as_of(b, c);
    }
}

static void whens_of(builder *b, const yml_node *n, op *o)
{
    if (n->kind != YML_SEQ || !n->n) {
        err(b, DIAG_E_TYPE, n->at, "'when' must be a non-empty list of {if, goto}");
        return;
    }
    o->whens = calloc(n->n, sizeof *o->whens);
    if (!o->whens)
        return;
    static const char *const when_keys[] = {"if", "goto", NULL};
    for (size_t i = 0; i < n->n; i++) {
        const yml_node *w = n->items[i];
        if (w->kind != YML_MAP) {
            err(b, DIAG_E_TYPE, w->at, "a when entry must be a mapping {if, goto}, not %s",
                yml_kind_name(w));
            continue;
        }
        check_keys(b, w, when_keys, "a when entry");
        choice_when *cw = &o->whens[o->nwhens++];
        cw->at = w->at;
        cw->target = -1;
        const yml_node *c = yml_get(w, "if");
        if (!c) {
            err(b, DIAG_E_MISSING_KEY, w->at, "a when entry needs 'if'");
        } else {
            val *v = val_of(b, c);
            if (v && v->kind == V_EXPR) {
                cw->cond = v->e;
                v->e = NULL;
            } else if (v && v->kind != V_INTERP) {
                err(b, DIAG_E_TYPE, c->at, "'if' must be one expression: ${...}");
            } else if (v && v->nparts) {
                err(b, DIAG_E_TYPE, c->at,
                    "'if' must be exactly one ${...}, with no text around it");
            }
            val_free(v);
        }
        cw->go = name_of(b, w, "goto", "an operation name");
        if (!yml_get(w, "goto"))
            err(b, DIAG_E_MISSING_KEY, w->at, "a when entry needs 'goto'");
    }
}

static void error_of(builder *b, const yml_node *n, op *o)
{
    static const char *const error_keys[] = {"type", "message", "data", NULL};
    if (n->kind != YML_MAP) {
        err(b, DIAG_E_TYPE, n->at, "'error' must be a mapping {type, message, data}, not %s",
            yml_kind_name(n));
        return;
    }
    check_keys(b, n, error_keys, "an error");
    const yml_node *t = yml_get(n, "type");
    if (!t) {
        err(b, DIAG_E_MISSING_KEY, n->at, "'error' needs 'type' (a name such as Rejected)");
    } else {
        const char *s = scalar_of(b, t, "type", "an error type name");
        if (s)
            check_error_type(b, t, s);
        o->err_type = dup(s);
    }
    const yml_node *m = yml_get(n, "message");
    if (m && want_string(b, m, "message", "a string (it may hold ${...})"))
        o->err_message = val_of(b, m);
    const yml_node *dt = yml_get(n, "data");
    if (dt)
        o->err_data = val_of(b, dt);
}

static void op_of(builder *b, const yml_node *item, const yml_node *kind_node, op_kind k, op *o)
{
    const char *kname = kind_names[k];
    o->kind = k;
    o->at = item->at;
    o->name_at = kind_node->at;
    o->await_target = o->else_target = -1;
    o->name = dup(scalar_of(b, kind_node, kname, "an operation name"));
    if (o->name && !lex_op_name(o->name))
        err(b, DIAG_E_NAME, kind_node->at,
            "bad operation name '%s': 1 to 64 letters, digits, '_', '.' or '-'", o->name);

    /* submitter anywhere but wait_for_callback gets its own message */
    for (size_t i = 0; i < item->n; i++)
        if (!strcmp(item->keys[i]->text, "submitter") && k != OP_WAIT_FOR_CALLBACK)
            err(b, DIAG_E_CALLBACK, item->keys[i]->at,
                "'submitter' belongs to wait_for_callback; %s has none", kind_articles[k]);
    /* the other kind keys and submitter have had their own message */
    static const char *const reported[] = {
        "step",   "wait",    "callback", "await",     "wait_for_callback",
        "choice", "succeed", "fail",     "submitter", NULL};
    check_keys_but(b, item, kind_keys[k], reported, kind_articles[k]);

    const yml_node *n;
    if (k == OP_STEP || k == OP_WAIT_FOR_CALLBACK) {
        const char *rk = k == OP_STEP ? "run" : "submitter";
        run_spec *r = k == OP_STEP ? &o->run : &o->submitter;
        if ((n = yml_get(item, rk)))
            run_of(b, n, rk, r);
        else
            err(b, DIAG_E_MISSING_KEY, o->name_at, "%s needs '%s' (one of lua, c or http)",
                kind_articles[k], rk);
        retry_raw own;
        retry_raw_of(b, yml_get(item, "retry"), &own);
        retry_resolve(b, &own, &b->defaults, &o->retry);
        strs_free(own.v.on, own.v.non);
    }
    if ((n = yml_get(item, "with")))
        o->with = val_of(b, n);
    if ((n = yml_get(item, "semantics"))) {
        const char *s = scalar_of(b, n, "semantics", "at_least_once or at_most_once");
        if (s && !strcmp(s, "at_most_once"))
            o->at_most_once = 1;
        else if (s && strcmp(s, "at_least_once"))
            err(b, DIAG_E_VALUE, n->at,
                "unknown semantics '%s': expected at_least_once or at_most_once", s);
    }
    o->as = as_of(b, item);
    if ((n = yml_get(item, "catch")))
        catches_of(b, n, o);

    if (k == OP_WAIT) {
        const yml_node *f = yml_get(item, "for"), *u = yml_get(item, "until");
        o->for_ms = -1;
        if (f && u)
            err(b, DIAG_E_KIND, key_pos(item, "until"), "a wait takes 'for' or 'until', not both");
        else if (!f && !u)
            err(b, DIAG_E_MISSING_KEY, o->name_at,
                "a wait needs 'for' (a duration) or 'until' (a time)");
        if (f) {
            o->for_ms = 0;
            duration_of(b, item, "for", &o->for_ms);
        } else if (u) {
            if (u->kind != YML_SCALAR)
                err(b, DIAG_E_TYPE, u->at,
                    "'until' must be an RFC 3339 time or an expression, not %s", yml_kind_name(u));
            else
                o->until = val_of(b, u);
            if (o->until && o->until->kind == V_STR && !is_rfc3339(o->until->text))
                err(b, DIAG_E_VALUE, u->at,
                    "'until' must be an RFC 3339 time such as 2026-01-31T09:00:00Z, or an "
                    "expression");
        }
    }
    if (k == OP_CALLBACK || k == OP_WAIT_FOR_CALLBACK) {
        duration_of(b, item, "timeout", &o->timeout_ms);
        duration_of(b, item, "heartbeat", &o->heartbeat_ms);
        if ((n = yml_get(item, "result"))) {
            const char *s = scalar_of(b, n, "result", "json or text");
            if (s && !strcmp(s, "text"))
                o->result_text = 1;
            else if (s && strcmp(s, "json"))
                err(b, DIAG_E_VALUE, n->at, "unknown result '%s': expected json or text", s);
        }
    }
    if (k == OP_AWAIT)
        o->await_of = dup(o->name);
    if (k == OP_CHOICE) {
        if ((n = yml_get(item, "when")))
            whens_of(b, n, o);
        else
            err(b, DIAG_E_MISSING_KEY, o->name_at, "a choice needs 'when' (a list of {if, goto})");
        o->else_go = name_of(b, item, "else", "an operation name");
    }
    if (k == OP_SUCCEED && (n = yml_get(item, "output")))
        o->output = val_of(b, n);
    if (k == OP_FAIL) {
        if ((n = yml_get(item, "error")))
            error_of(b, n, o);
        else
            err(b, DIAG_E_MISSING_KEY, o->name_at, "a fail needs 'error' with at least 'type'");
    }
}

/* The kind key of a list item; reports none or several. */
static int item_kind(builder *b, const yml_node *item, const yml_node **kind_node)
{
    int found = -1;
    for (size_t i = 0; i < item->n; i++) {
        for (int k = 0; k < 8; k++) {
            if (strcmp(item->keys[i]->text, kind_names[k]))
                continue;
            if (found < 0) {
                found = k;
                *kind_node = item->items[i];
            } else {
                err(b, DIAG_E_KIND, item->keys[i]->at,
                    "'%s' and '%s' in one item: each item is exactly one operation",
                    kind_names[found], kind_names[k]);
            }
        }
    }
    if (found >= 0)
        return found;
    for (size_t i = 0; i < item->n; i++)
        for (int k = 0; k < 8; k++)
            if (lex_edit_distance(item->keys[i]->text, kind_names[k], 2) <= 2) {
                err(b, DIAG_E_KIND, item->keys[i]->at, "unknown key '%s' (did you mean '%s'?)",
                    item->keys[i]->text, kind_names[k]);
                return -1;
            }
    err(b, DIAG_E_KIND, item->at,
        "this item has no kind: expected one of step, wait, callback, await, wait_for_callback, "
        "choice, "
        "succeed, fail");
    return -1;
}

/* ---- the workflow ---- */

static cJSON *json_of(const yml_node *n)
{
    if (n->kind == YML_SCALAR) {
        int bl, is_int;
        double d;
        char *text;
        if (is_null_plain(n))
            return cJSON_CreateNull();
        if (bool_plain(n, &bl))
            return cJSON_CreateBool(bl);
        if (number_plain(n, &d, &text, &is_int) == 1) {
            free(text);
            return cJSON_CreateNumber(d);
        }
        return cJSON_CreateString(n->text);
    }
    cJSON *o = n->kind == YML_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
    for (size_t i = 0; o && i < n->n; i++) {
        cJSON *c = json_of(n->items[i]);
        if (n->kind == YML_MAP)
            cJSON_AddItemToObject(o, n->keys[i]->text, c);
        else
            cJSON_AddItemToArray(o, c);
    }
    return o;
}

/*
 * The parts of an `input:` schema the runtime reads by name: `type` (a JSON
 * type name or a non-empty list of them) and `required` (a list of strings),
 * in it and in its nested `properties` and `items` schemas.
 */
static void input_schema_check(builder *b, const yml_node *n)
{
    static const char *const types[] = {"object",  "array",   "string", "number",
                                        "integer", "boolean", "null",   NULL};
    const yml_node *t = yml_get(n, "type");
    if (t) {
        size_t total = t->kind == YML_SEQ ? t->n : 1;
        if (t->kind == YML_MAP || total == 0)
            err(b, DIAG_E_TYPE, t->at,
                "'type' in the input schema must be a type name or a non-empty list of them");
        for (size_t i = 0; t->kind != YML_MAP && i < total; i++) {
            const yml_node *it = t->kind == YML_SEQ ? t->items[i] : t;
            if (it->kind != YML_SCALAR)
                err(b, DIAG_E_TYPE, it->at, "a type in the input schema must be a name, not %s",
                    yml_kind_name(it));
            else if (!listed(types, it->text))
                err(b, DIAG_E_VALUE, it->at,
                    "unknown type '%s' in the input schema: expected object, array, string, "
                    "number, integer, boolean or null",
                    it->text);
        }
    }
    const yml_node *r = yml_get(n, "required");
    if (r && r->kind != YML_SEQ) {
        err(b, DIAG_E_TYPE, r->at, "'required' in the input schema must be a list of names, not %s",
            r->kind == YML_SCALAR ? "a scalar" : yml_kind_name(r));
    } else if (r) {
        for (size_t i = 0; i < r->n; i++)
            if (!string_scalar(r->items[i]))
                err(b, DIAG_E_TYPE, r->items[i]->at,
                    "'required' in the input schema must list member names (strings), not %s",
                    r->items[i]->kind != YML_SCALAR ? yml_kind_name(r->items[i])
                                                    : scalar_kind(r->items[i]));
    }
    const yml_node *p = yml_get(n, "properties");
    if (p && p->kind != YML_MAP) {
        err(b, DIAG_E_TYPE, p->at,
            "'properties' in the input schema must map member names to schemas, not %s",
            yml_kind_name(p));
    } else if (p) {
        for (size_t i = 0; i < p->n; i++) {
            if (p->items[i]->kind == YML_MAP)
                input_schema_check(b, p->items[i]);
            else
                err(b, DIAG_E_TYPE, p->items[i]->at,
                    "the schema of property '%s' must be a mapping, not %s", p->keys[i]->text,
                    yml_kind_name(p->items[i]));
        }
    }
    const yml_node *items = yml_get(n, "items");
    if (items && items->kind == YML_MAP)
        input_schema_check(b, items);
    else if (items)
        err(b, DIAG_E_TYPE, items->at,
            "'items' in the input schema must be a schema (a mapping), not %s",
            yml_kind_name(items));
}

static const char *const top_keys[] = {"cairn",   "name",  "version", "description",
                                       "timeout", "input", "hooks",   "defaults",
                                       "output",  "steps", NULL};

workflow *model_build(const yml_node *root, const char *path, diag *d)
{
    builder b = {.file = path, .d = d};
    if (root->kind != YML_MAP) {
        err(&b, DIAG_E_TYPE, root->at, "a workflow is a mapping (cairn, name, steps, ...), not %s",
            yml_kind_name(root));
        return NULL;
    }
    workflow *wf = calloc(1, sizeof *wf);
    if (!wf)
        return NULL;
    wf->path = strdup(path);
    check_keys(&b, root, top_keys, "the workflow");

    const yml_node *n;
    if (!(n = yml_get(root, "cairn"))) {
        err(&b, DIAG_E_MISSING_KEY, root->at, "missing 'cairn: 1' (the language version)");
    } else if (n->kind != YML_SCALAR || !n->plain || strcmp(n->text, "1")) {
        err(&b, DIAG_E_VALUE, n->at,
            "unsupported language version '%s': this cairn reads 'cairn: 1'",
            n->kind == YML_SCALAR ? n->text : yml_kind_name(n));
    }
    if ((n = yml_get(root, "name"))) {
        wf->name = dup(scalar_of(&b, n, "name", "a name"));
        if (wf->name && !lex_workflow_name(wf->name))
            err(&b, DIAG_E_NAME, n->at,
                "bad workflow name '%s': a lowercase letter, then lowercase letters, digits or '_' "
                "(it names C symbols)",
                wf->name);
    } else {
        err(&b, DIAG_E_MISSING_KEY, root->at,
            "missing 'name' (the workflow's name, [a-z][a-z0-9_]*)");
    }
    if ((n = yml_get(root, "version"))) {
        double v;
        char *json = NULL;
        int is_int;
        if (n->kind == YML_SCALAR && number_plain(n, &v, &json, &is_int) == 1 && is_int && v >= 1 &&
            v <= INT_MAX)
            wf->version = (int)v;
        else
            err(&b, DIAG_E_TYPE, n->at, "'version' must be a positive integer");
        free(json);
    }
    if ((n = yml_get(root, "description")) && want_string(&b, n, "description", "a string"))
        wf->description = dup(scalar_of(&b, n, "description", "a string"));
    duration_of(&b, root, "timeout", &wf->timeout_ms);
    if ((n = yml_get(root, "input"))) {
        if (n->kind != YML_MAP) {
            err(&b, DIAG_E_TYPE, n->at, "'input' must be a JSON Schema (a mapping), not %s",
                yml_kind_name(n));
        } else {
            input_schema_check(&b, n);
            cJSON *j = json_of(n);
            wf->input_schema_json = j ? cJSON_PrintUnformatted(j) : NULL;
            cJSON_Delete(j);
        }
    }
    if ((n = yml_get(root, "hooks")))
        wf->hooks = dup(scalar_of(&b, n, "hooks", "a file path"));
    if ((n = yml_get(root, "defaults"))) {
        static const char *const defaults_keys[] = {"retry", NULL};
        if (n->kind != YML_MAP) {
            err(&b, DIAG_E_TYPE, n->at, "'defaults' must be a mapping, not %s", yml_kind_name(n));
        } else {
            check_keys(&b, n, defaults_keys, "defaults");
            retry_raw_of(&b, yml_get(n, "retry"), &b.defaults);
        }
    }
    retry_raw none = {0};
    retry_resolve(&b, &b.defaults, &none, &wf->default_retry);
    if ((n = yml_get(root, "output")))
        wf->output = val_of(&b, n);

    const yml_node *steps = yml_get(root, "steps");
    if (!steps) {
        err(&b, DIAG_E_MISSING_KEY, root->at, "missing 'steps' (the list of operations)");
    } else if (steps->kind != YML_SEQ || !steps->n) {
        err(&b, DIAG_E_TYPE, steps->at, "'steps' must be a non-empty list of operations");
    } else {
        wf->ops = calloc(steps->n, sizeof *wf->ops);
        for (size_t i = 0; wf->ops && i < steps->n; i++) {
            const yml_node *item = steps->items[i], *kind_node = NULL;
            if (item->kind != YML_MAP) {
                err(&b, DIAG_E_TYPE, item->at,
                    "an operation is a mapping such as '- step: NAME', not %s",
                    yml_kind_name(item));
                continue;
            }
            int k = item_kind(&b, item, &kind_node);
            if (k < 0)
                continue;
            op_of(&b, item, kind_node, (op_kind)k, &wf->ops[wf->nops++]);
        }
    }
    strs_free(b.defaults.v.on, b.defaults.v.non);
    return wf;
}
