/*
 * value.c — the expression helpers: reading paths, making constants,
 * truthiness, comparisons, arithmetic, defaults (??), interpolated strings
 * and structured values.
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
#include "mem.h"

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
    const cJSON *v = scope_get(s, name);
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

const cJSON *value_concat(scope *s, const cJSON *const *parts)
{
    /* Two passes: the text of each part, then one string of the right size. */
    size_t n = 0, total = 0;
    while (parts && parts[n])
        n++;
    char **texts = mem_calloc(n ? n : 1, sizeof *texts); /* NULL for strings and nulls */
    cJSON *r = NULL;
    if (!texts)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = parts[i];
        if (cJSON_IsString(v)) {
            total += v->valuestring ? strlen(v->valuestring) : 0;
        } else if (!cJSON_IsNull(v) && !cJSON_IsInvalid(v)) {
            if (!(texts[i] = json_print(v)))
                goto done;
            total += strlen(texts[i]);
        }
    }
    char *out = mem_malloc(total + 1), *p = out;
    if (!out)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i]                   ? texts[i]
                        : cJSON_IsString(parts[i]) ? parts[i]->valuestring
                                                   : NULL;
        size_t len = t ? strlen(t) : 0;
        memcpy(p, t ? t : "", len);
        p += len;
    }
    *p = '\0';
    r = cJSON_CreateString(out);
    mem_free(out);
done:
    for (size_t i = 0; texts && i < n; i++)
        mem_free(texts[i]);
    mem_free(texts);
    return scope_keep(s, r); /* NULL: oom, and null */
}

const cJSON *value_arith(scope *s, const cJSON *a, cairn_arith op, const cJSON *b)
{
    if (op == CAIRN_ADD && (cJSON_IsString(a) || cJSON_IsString(b)))
        return value_concat(s, (const cJSON *const[]){a, b, NULL});
    if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b))
        return &null_value;
    double x = a->valuedouble, y = b->valuedouble, r;
    switch (op) {
    case CAIRN_ADD:
        r = x + y;
        break;
    case CAIRN_SUB:
        r = x - y;
        break;
    case CAIRN_MUL:
        r = x * y;
        break;
    case CAIRN_DIV:
        if (y == 0)
            return &null_value;
        r = x / y;
        break;
    case CAIRN_MOD:
        if (y == 0)
            return &null_value;
        r = fmod(x, y);
        break;
    default:
        return &null_value;
    }
    if (!isfinite(r))
        return &null_value;
    return value_num(s, r);
}

const cJSON *value_coalesce(const cJSON *a, const cJSON *b)
{
    if (!a || cJSON_IsNull(a) || cJSON_IsInvalid(a))
        return b ? b : &null_value;
    return a;
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

const cJSON *cairn_x_arith(cairn_exec *x, const cJSON *a, cairn_arith op, const cJSON *b)
{
    return value_arith(exec_scope(x), a, op, b);
}

const cJSON *cairn_x_coalesce(cairn_exec *x, const cJSON *a, const cJSON *b)
{
    (void)x;
    return value_coalesce(a, b);
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
