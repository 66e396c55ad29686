/*
 * value.c — the expression helpers: reading paths, making constants,
 * truthiness, comparisons, interpolated strings and structured values.
 *
 * Owns: nothing of its own; every value made here goes into the scope's
 * arena (scope_keep) and lives until the next scope_reset().
 * Never: returns NULL, frees or changes a value it did not make, or fails
 * loudly: a path that leads nowhere is null, an allocation failure is a
 * shared null plus the scope's oom flag.
 */
#include "value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Shared constants; nobody may change them (put/push refuse non-containers). */
static cJSON null_value = {.type = cJSON_NULL};
static cJSON true_value = {.type = cJSON_True, .valueint = 1};
static cJSON false_value = {.type = cJSON_False};

const cJSON *value_null(void)
{
    return &null_value;
}

const cJSON *value_bool(int b)
{
    return b ? &true_value : &false_value;
}

const cJSON *value_var(scope *s, const char *name)
{
    const cJSON *v = name ? cJSON_GetObjectItemCaseSensitive(s->vars, name) : NULL;
    return v ? v : &null_value;
}

const cJSON *value_get(const cJSON *v, const char *key)
{
    const cJSON *m = cJSON_IsObject(v) && key ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
    return m ? m : &null_value;
}

const cJSON *value_at(const cJSON *v, long index)
{
    if (!cJSON_IsArray(v) || index < 0)
        return &null_value;
    const cJSON *m = v->child;
    for (; m && index > 0; index--)
        m = m->next;
    return m ? m : &null_value;
}

const cJSON *value_num(scope *s, double n)
{
    return scope_keep(s, cJSON_CreateNumber(n));
}

const cJSON *value_str(scope *s, const char *str)
{
    return scope_keep(s, cJSON_CreateString(str ? str : ""));
}

const cJSON *value_json(scope *s, const char *json)
{
    cJSON *v = json ? cJSON_ParseWithOpts(json, NULL, 1) : NULL;
    return scope_keep(s, v); /* a bad text is NULL here: oom, and null */
}

int value_truthy(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v) || cJSON_IsInvalid(v))
        return 0;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0 && !isnan(v->valuedouble);
    if (cJSON_IsString(v))
        return v->valuestring && v->valuestring[0] != '\0';
    return 1;
}

int value_cmp(const cJSON *a, cairn_cmp op, const cJSON *b)
{
    if (op == CAIRN_EQ)
        return json_equal(a, b);
    if (op == CAIRN_NE)
        return !json_equal(a, b);
    int c; /* <0, 0, >0 as a is below, equal to, above b */
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
        double x = a->valuedouble, y = b->valuedouble;
        if (isnan(x) || isnan(y))
            return 0;
        c = (x > y) - (x < y);
    } else if (cJSON_IsString(a) && cJSON_IsString(b) && a->valuestring && b->valuestring) {
        c = strcmp(a->valuestring, b->valuestring); /* compares as unsigned char */
    } else {
        return 0;
    }
    switch (op) {
    case CAIRN_LT:
        return c < 0;
    case CAIRN_LE:
        return c <= 0;
    case CAIRN_GT:
        return c > 0;
    case CAIRN_GE:
        return c >= 0;
    default:
        return 0;
    }
}

/* A growing string; `failed` once an allocation failed. */
typedef struct strbuf {
    char *p; /* owned */
    size_t len, cap;
    int failed;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

const cJSON *value_concat(scope *s, const cJSON *const *parts)
{
    strbuf b = {0};
    sb_add(&b, "", 0); /* an empty result is "" too */
    for (; parts && *parts; parts++) {
        const cJSON *v = *parts;
        if (cJSON_IsNull(v) || cJSON_IsInvalid(v)) {
            continue;
        } else if (cJSON_IsString(v)) {
            if (v->valuestring)
                sb_add(&b, v->valuestring, strlen(v->valuestring));
        } else if (cJSON_IsNumber(v)) {
            char num[32];
            json_number_text(v->valuedouble, num, sizeof num);
            sb_add(&b, num, strlen(num));
        } else if (cJSON_IsBool(v)) {
            const char *t = cJSON_IsTrue(v) ? "true" : "false";
            sb_add(&b, t, strlen(t));
        } else {
            char *text = cJSON_PrintUnformatted(v);
            if (!text)
                b.failed = 1;
            else
                sb_add(&b, text, strlen(text));
            cJSON_free(text);
        }
    }
    cJSON *r = b.failed ? NULL : cJSON_CreateString(b.p);
    free(b.p);
    return scope_keep(s, r);
}

cJSON *value_object(scope *s)
{
    return (cJSON *)scope_keep(s, cJSON_CreateObject());
}

cJSON *value_array(scope *s)
{
    return (cJSON *)scope_keep(s, cJSON_CreateArray());
}

void value_put(scope *s, cJSON *object, const char *key, const cJSON *v)
{
    if (!cJSON_IsObject(object) || !key)
        return;
    cJSON *copy = v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
    if (!copy)
        goto oom;
    if (cJSON_GetObjectItemCaseSensitive(object, key)) {
        if (!cJSON_ReplaceItemInObjectCaseSensitive(object, key, copy))
            goto oom;
    } else if (!cJSON_AddItemToObject(object, key, copy)) {
        goto oom;
    }
    return;
oom:
    cJSON_Delete(copy);
    s->oom = 1;
}

void value_push(scope *s, cJSON *array, const cJSON *v)
{
    if (!cJSON_IsArray(array))
        return;
    cJSON *copy = v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
    if (!copy || !cJSON_AddItemToArray(array, copy)) {
        cJSON_Delete(copy);
        s->oom = 1;
    }
}

/* ------------------------------------------------------------------------ */
/* The public helpers of cairn.h: the same, on the invocation's scope.       */
/* ------------------------------------------------------------------------ */

const cJSON *cairn_x_var(cairn_exec *x, const char *name)
{
    return value_var(exec_scope(x), name);
}

const cJSON *cairn_x_get(cairn_exec *x, const cJSON *v, const char *key)
{
    (void)x;
    return value_get(v, key);
}

const cJSON *cairn_x_at(cairn_exec *x, const cJSON *v, long index)
{
    (void)x;
    return value_at(v, index);
}

const cJSON *cairn_x_null(cairn_exec *x)
{
    (void)x;
    return value_null();
}

const cJSON *cairn_x_bool(cairn_exec *x, int b)
{
    (void)x;
    return value_bool(b);
}

const cJSON *cairn_x_num(cairn_exec *x, double n)
{
    return value_num(exec_scope(x), n);
}

const cJSON *cairn_x_str(cairn_exec *x, const char *s)
{
    return value_str(exec_scope(x), s);
}

const cJSON *cairn_x_json(cairn_exec *x, const char *json)
{
    return value_json(exec_scope(x), json);
}

int cairn_x_truthy(const cJSON *v)
{
    return value_truthy(v);
}

int cairn_x_cmp(const cJSON *a, cairn_cmp op, const cJSON *b)
{
    return value_cmp(a, op, b);
}

const cJSON *cairn_x_concat(cairn_exec *x, const cJSON *const *parts)
{
    return value_concat(exec_scope(x), parts);
}

cJSON *cairn_x_object(cairn_exec *x)
{
    return value_object(exec_scope(x));
}

cJSON *cairn_x_array(cairn_exec *x)
{
    return value_array(exec_scope(x));
}

void cairn_x_put(cairn_exec *x, cJSON *object, const char *key, const cJSON *v)
{
    value_put(exec_scope(x), object, key, v);
}

void cairn_x_push(cairn_exec *x, cJSON *array, const cJSON *v)
{
    value_push(exec_scope(x), array, v);
}
