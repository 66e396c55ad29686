/*
 * model_read.c — the model builder's readers (model_int.h): keys, scalars
 * typed per the YAML 1.2 core schema, values with ${...} split and parsed,
 * durations, error types, and retries with their resolution.
 *
 * Owns: what a scalar, a value or a retry may be. Never: knows operation
 * kinds (model_op.c) or the workflow's top level (model.c).
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
#include "duration.h"
#include "expr.h"
#include "lex.h"

/* ---- the builder ---- */

void mb_err(builder *b, const char *code, pos at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_report(b->d, DIAG_ERROR, code, b->file, at, "%s", msg);
}

char *mb_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int mb_listed(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

/* Reports every key of map not in allowed (NULL-terminated), with a
 * suggestion for near misses; keys in skip (reported elsewhere) are passed
 * over. where: "a step", "the workflow", ... */
void mb_keys_but(builder *b, const yml_node *map, const char *const *allowed,
                 const char *const *skip, const char *where)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->text;
        if (mb_listed(skip, k))
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
            mb_err(b, DIAG_E_UNKNOWN_KEY, map->keys[i]->at,
                   "unknown key '%s' in %s (did you mean '%s'?)", k, where, best);
        else
            mb_err(b, DIAG_E_UNKNOWN_KEY, map->keys[i]->at, "unknown key '%s' in %s", k, where);
    }
}

void mb_keys(builder *b, const yml_node *map, const char *const *allowed, const char *where)
{
    mb_keys_but(b, map, allowed, NULL, where);
}

/* The position of key's name in map (for "missing" and "bad value" errors). */
pos mb_key_pos(const yml_node *map, const char *key)
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
const char *mb_scalar(builder *b, const yml_node *n, const char *key, const char *what)
{
    if (!n)
        return NULL;
    if (n->kind != YML_SCALAR) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be %s, not %s", key, what, yml_kind_name(n));
        return NULL;
    }
    if (has_expr_text(n)) {
        mb_err(b, DIAG_E_TYPE, n->at,
               "'%s' must be %s written out: expressions are not allowed here", key, what);
        return NULL;
    }
    return n->text;
}

int mb_null_plain(const yml_node *n)
{
    const char *s = n->text;
    return n->plain && (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
                        !strcmp(s, "NULL"));
}

int mb_bool_plain(const yml_node *n, int *out)
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
int mb_number_plain(const yml_node *n, double *out, char **json, int *is_int)
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
                mb_err(b, DIAG_E_EXPR, scalar_pos(n, i, &ex2), "unterminated '${': expected '}'");
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

val *mb_val(builder *b, const yml_node *n)
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
        } else if (mb_null_plain(n)) {
            v->kind = V_NULL;
        } else if (mb_bool_plain(n, &bl)) {
            v->kind = V_BOOL;
            v->b = bl;
        } else {
            int r = mb_number_plain(n, &v->num, &json, &is_int);
            if (r == 1) {
                v->kind = V_NUM;
                v->text = json;
            } else {
                if (r == 2)
                    mb_err(b, DIAG_E_TYPE, n->at,
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
        mb_val_free(v);
        return NULL;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (v->keys)
            v->keys[i] = strdup(n->keys[i]->text);
        v->items[i] = mb_val(b, n->items[i]);
        if (v->items[i] && v->items[i]->has_expr)
            v->has_expr = 1;
    }
    return v;
}

/* An optional duration under key; 1 when given and valid. */
int mb_duration(builder *b, const yml_node *map, const char *key, int64_t *ms)
{
    const yml_node *n = yml_get(map, key);
    if (!n)
        return 0;
    const char *s = mb_scalar(b, n, key, "a duration such as 30s, 10m or 1h30m");
    if (!s)
        return 0;
    const char *why;
    if (duration_parse(s, ms, &why) < 0) {
        mb_err(b, DIAG_E_DURATION, n->at, "bad duration '%s' for '%s': %s", s, key, why);
        return 0;
    }
    return 1;
}

void mb_error_type(builder *b, const yml_node *n, const char *s)
{
    if (!lex_error_type(s))
        mb_err(b, DIAG_E_NAME, n->at,
               "bad error type '%s': dot-separated words of letters, digits and '_', each starting "
               "with a letter (Payment.Declined), or ALL",
               s);
}

/* A list of error types (catch errors, retry on); a single scalar counts as
 * one; an empty list is refused with code empty_code. */
char **mb_error_types(builder *b, const yml_node *n, const char *key, const char *empty_code,
                      size_t *count)
{
    *count = 0;
    if (!n)
        return NULL;
    if (n->kind == YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be a list of error types, not a mapping", key);
        return NULL;
    }
    if (n->kind == YML_SEQ && n->n == 0) {
        mb_err(b, empty_code, n->at,
               "'%s' must list at least one error type (ALL for every error)%s", key,
               !strcmp(key, "on") ? "; leave 'on' out to retry every error" : "");
        return NULL;
    }
    size_t total = n->kind == YML_SEQ ? n->n : 1;
    char **out = calloc(total, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < total; i++) {
        const yml_node *it = n->kind == YML_SEQ ? n->items[i] : n;
        const char *s = mb_scalar(b, it, key, "a list of error types");
        if (!s)
            continue;
        mb_error_type(b, it, s);
        out[(*count)++] = strdup(s);
    }
    return out;
}

/* What a plain scalar that is not a string is, for messages. */
const char *mb_scalar_kind(const yml_node *n)
{
    int bl;
    if (mb_null_plain(n))
        return "null (quote it to make it a string)";
    if (mb_bool_plain(n, &bl))
        return "a boolean (quote it to make it a string)";
    return "a number (quote it to make it a string)";
}

/* Is n a scalar that YAML reads as a string (not null, a boolean or a number)? */
int mb_string_scalar(const yml_node *n)
{
    int bl, is_int;
    double d;
    char *json = NULL;
    if (n->kind != YML_SCALAR || mb_null_plain(n) || mb_bool_plain(n, &bl))
        return 0;
    int num = mb_number_plain(n, &d, &json, &is_int);
    free(json);
    return num == 0;
}

/* Reports a value under key that is not a string (what: "a string", ...). */
int mb_want_string(builder *b, const yml_node *n, const char *key, const char *what)
{
    if (mb_string_scalar(n))
        return 1;
    mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be %s, not %s", key, what,
           n->kind != YML_SCALAR ? yml_kind_name(n) : mb_scalar_kind(n));
    return 0;
}

static const char *const retry_keys[] = {"max_attempts", "initial", "max", "rate",
                                         "jitter",       "on",      NULL};

void mb_retry_raw(builder *b, const yml_node *n, const char *key, retry_raw *r)
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
        mb_err(b, DIAG_E_RETRY, n->at,
               "'%s' must be a mapping (max_attempts, initial, max, rate, jitter, on) or 'none'",
               key);
        return;
    }
    if (n->kind != YML_MAP) {
        mb_err(b, DIAG_E_TYPE, n->at, "'%s' must be a mapping or 'none', not %s", key,
               yml_kind_name(n));
        return;
    }
    mb_keys(b, n, retry_keys, strcmp(key, "retry") ? "a backoff" : "a retry");
    const yml_node *a = yml_get(n, "max_attempts");
    if (a) {
        double d;
        char *json = NULL;
        int is_int;
        if (a->kind == YML_SCALAR && mb_number_plain(a, &d, &json, &is_int) == 1 && is_int &&
            d >= 1 && d <= INT_MAX) {
            r->has_attempts = 1;
            r->v.max_attempts = (int)d;
        } else {
            mb_err(b, DIAG_E_RETRY, a->at,
                   "max_attempts must be an integer of at least 1 (the first try included)");
        }
        free(json);
    }
    if (mb_duration(b, n, "initial", &r->v.initial_ms))
        r->has_initial = 1;
    if (mb_duration(b, n, "max", &r->v.max_ms))
        r->has_max = 1;
    const yml_node *rate = yml_get(n, "rate");
    if (rate) {
        double d;
        char *json = NULL;
        int is_int;
        if (rate->kind == YML_SCALAR && mb_number_plain(rate, &d, &json, &is_int) == 1 && d >= 1) {
            r->has_rate = 1;
            r->v.rate = d;
        } else {
            mb_err(b, DIAG_E_RETRY, rate->at, "rate must be a number of at least 1");
        }
        free(json);
    }
    const yml_node *j = yml_get(n, "jitter");
    if (j) {
        const char *s = mb_scalar(b, j, "jitter", "full, half or none");
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
                mb_err(b, DIAG_E_RETRY, j->at, "unknown jitter '%s': expected full, half or none",
                       s);
            }
        }
    }
    const yml_node *on = yml_get(n, "on");
    if (on) {
        r->has_on = 1;
        r->v.on = mb_error_types(b, on, "on", DIAG_E_RETRY, &r->v.non);
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
void mb_retry_resolve(builder *b, const retry_raw *own, const retry_raw *def, retry_spec *out)
{
    memset(out, 0, sizeof *out);
    out->given = own->given || def->given;
    out->at = own->given ? own->v.at : def->v.at;
    out->max_attempts = DEFAULTS_RETRY_ATTEMPTS;
    out->initial_ms = DEFAULTS_RETRY_INITIAL_MS;
    out->max_ms = DEFAULTS_RETRY_MAX_MS;
    out->rate = DEFAULTS_RETRY_RATE;
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
            mb_strs_free(out->on, out->non);
            out->on = strs_dup(r->v.on, r->v.non);
            out->non = r->v.non;
        }
    }
    /* report where the conflict is written, once: not at every inheritor */
    if (out->initial_ms > out->max_ms && (own->has_initial || own->has_max))
        mb_err(b, DIAG_E_RETRY, out->at,
               "retry initial delay (%lldms) is longer than its max (%lldms)",
               (long long)out->initial_ms, (long long)out->max_ms);
}
