/*
 * schema.c — checks an execution's input against the JSON Schema subset of
 * schema.h, and names the first failing place ("input.items[2].qty: ...").
 *
 * Owns: nothing; it reads the schema and the value and writes the message
 * into the caller's buffer.
 * Never: changes its arguments, or rejects on a keyword it does
 * not know (unknown and malformed keywords are ignored, as JSON Schema does;
 * which keywords exist and the type of each is common/schemakw.c's table).
 */
#include "schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mem.h"
#include "schemakw.h"

/* Where the check is, as text: "input.items[2]". */
typedef struct where {
    char path[256];
    char *msg; /* the caller's buffer */
    size_t msglen;
} where;

static int fail(where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(where *w, const char *fmt, ...)
{
    if (w->msg && w->msglen > 0) {
        int n = snprintf(w->msg, w->msglen, "%s: ", w->path);
        if (n >= 0 && (size_t)n < w->msglen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(w->msg + n, w->msglen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* Appends ".key" (or ["key"] when key is not a plain name); returns the old length. */
static size_t path_key(where *w, const char *key)
{
    size_t len = strlen(w->path);
    int plain = (isalpha((unsigned char)key[0]) || key[0] == '_');
    for (const char *p = key; plain && *p; p++)
        plain = isalnum((unsigned char)*p) || *p == '_';
    snprintf(w->path + len, sizeof w->path - len, plain ? ".%s" : "[\"%s\"]", key);
    return len;
}

static size_t path_index(where *w, int i)
{
    size_t len = strlen(w->path);
    snprintf(w->path + len, sizeof w->path - len, "[%d]", i);
    return len;
}

/* A value as short compact JSON, for messages. */
static void brief(const cJSON *v, char *buf, size_t len)
{
    char *text = json_print(v);
    if (!text) {
        snprintf(buf, len, "%s", json_type_name(v));
        return;
    }
    if (strlen(text) > 40)
        snprintf(buf, len, "%.37s...", text);
    else
        snprintf(buf, len, "%s", text);
    mem_free(text);
}

static int type_matches(const char *type, const cJSON *v)
{
    if (strcmp(type, "integer") == 0)
        return json_is_integer(v);
    if (strcmp(type, "boolean") == 0)
        return cJSON_IsBool(v);
    return strcmp(type, json_type_name(v)) == 0;
}

static int check_type(where *w, const cJSON *type, const cJSON *v)
{
    if (cJSON_IsString(type)) {
        if (type_matches(type->valuestring, v))
            return 0;
        return fail(w, "expected %s, got %s", type->valuestring, json_type_name(v));
    }
    if (!cJSON_IsArray(type))
        return 0;
    char list[200] = "";
    int n = cJSON_GetArraySize(type), i = 0;
    for (const cJSON *t = type->child; t; t = t->next, i++) {
        if (!cJSON_IsString(t))
            continue;
        if (type_matches(t->valuestring, v))
            return 0;
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s",
                 i == 0       ? ""
                 : i == n - 1 ? " or "
                              : ", ",
                 t->valuestring);
    }
    if (list[0] == '\0')
        return 0; /* no string among them: nothing to check */
    return fail(w, "expected %s, got %s", list, json_type_name(v));
}

static int check_enum(where *w, const cJSON *options, const cJSON *v)
{
    if (!cJSON_IsArray(options))
        return 0;
    char list[200] = "";
    for (const cJSON *o = options->child; o; o = o->next) {
        if (json_equal(o, v))
            return 0;
        char one[64];
        brief(o, one, sizeof one);
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", o == options->child ? "" : ", ", one);
    }
    char got[64];
    brief(v, got, sizeof got);
    return fail(w, "expected one of %s; got %s", list, got);
}

/* Code points of a UTF-8 string (bytes that do not continue a sequence). */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* v's type as one of schemakw.h's bits (0 for none of them). */
static unsigned value_type(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return SCHEMAKW_NULL;
    if (cJSON_IsBool(v))
        return SCHEMAKW_BOOL;
    if (cJSON_IsNumber(v))
        return SCHEMAKW_NUMBER;
    if (cJSON_IsString(v))
        return SCHEMAKW_STRING;
    if (cJSON_IsArray(v))
        return SCHEMAKW_ARRAY;
    if (cJSON_IsObject(v))
        return SCHEMAKW_OBJECT;
    return 0;
}

/* Keyword name of schema, or NULL when absent or when its value is not of a
 * type the keyword table (common/schemakw.h) gives it: such a keyword means
 * nothing and is ignored (`cairn check` refuses it in a workflow). */
static const cJSON *kw(const cJSON *schema, const char *name)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(schema, name);
    return k && schemakw_accepts(name, value_type(k)) ? k : NULL;
}

/* A keyword that must be a number to mean anything. */
static int kw_num(const cJSON *schema, const char *name, double *out)
{
    const cJSON *k = kw(schema, name);
    if (!cJSON_IsNumber(k))
        return 0;
    *out = k->valuedouble;
    return 1;
}

static int check(where *w, const cJSON *schema, const cJSON *v);

static int check_object(where *w, const cJSON *schema, const cJSON *v)
{
    const cJSON *required = kw(schema, "required");
    for (const cJSON *r = cJSON_IsArray(required) ? required->child : NULL; r; r = r->next)
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
            return fail(w, "missing required property '%s'", r->valuestring);

    const cJSON *props = kw(schema, "properties");
    if (!cJSON_IsObject(props))
        props = NULL;
    for (const cJSON *p = props ? props->child : NULL; p; p = p->next) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, p->string);
        if (!m)
            continue;
        size_t len = path_key(w, p->string);
        int rc = check(w, p, m);
        w->path[len] = '\0';
        if (rc != 0)
            return rc;
    }

    const cJSON *extra = kw(schema, "additionalProperties");
    if (!extra || cJSON_IsTrue(extra))
        return 0;
    for (const cJSON *m = v->child; m; m = m->next) {
        if (props && cJSON_GetObjectItemCaseSensitive(props, m->string))
            continue;
        if (cJSON_IsFalse(extra))
            return fail(w, "unexpected property '%s'", m->string);
        size_t len = path_key(w, m->string);
        int rc = check(w, extra, m);
        w->path[len] = '\0';
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int check_array(where *w, const cJSON *schema, const cJSON *v)
{
    int n = cJSON_GetArraySize(v);
    double bound;
    if (kw_num(schema, "minItems", &bound) && n < bound)
        return fail(w, "expected at least %g item%s, got %d", bound, bound == 1 ? "" : "s", n);
    if (kw_num(schema, "maxItems", &bound) && n > bound)
        return fail(w, "expected at most %g item%s, got %d", bound, bound == 1 ? "" : "s", n);
    const cJSON *items = kw(schema, "items");
    if (!cJSON_IsObject(items) && !cJSON_IsBool(items))
        return 0; /* the old tuple form and others: not in the subset */
    int i = 0;
    for (const cJSON *m = v->child; m; m = m->next, i++) {
        size_t len = path_index(w, i);
        int rc = check(w, items, m);
        w->path[len] = '\0';
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int check(where *w, const cJSON *schema, const cJSON *v)
{
    if (cJSON_IsTrue(schema) || !schema)
        return 0;
    if (cJSON_IsFalse(schema))
        return fail(w, "no value is allowed here");
    if (!cJSON_IsObject(schema))
        return 0;

    const cJSON *type = kw(schema, "type");
    if (type && check_type(w, type, v) != 0)
        return -1;
    const cJSON *options = kw(schema, "enum");
    if (options && check_enum(w, options, v) != 0)
        return -1;
    const cJSON *c = kw(schema, "const");
    if (c && !json_equal(c, v)) {
        char want[64], got[64];
        brief(c, want, sizeof want);
        brief(v, got, sizeof got);
        return fail(w, "expected %s, got %s", want, got);
    }

    double bound;
    if (cJSON_IsNumber(v)) {
        char num[32], lim[32];
        json_number_text(v->valuedouble, num, sizeof num);
        if (kw_num(schema, "minimum", &bound) && v->valuedouble < bound) {
            json_number_text(bound, lim, sizeof lim);
            return fail(w, "%s is less than the minimum %s", num, lim);
        }
        if (kw_num(schema, "maximum", &bound) && v->valuedouble > bound) {
            json_number_text(bound, lim, sizeof lim);
            return fail(w, "%s is greater than the maximum %s", num, lim);
        }
    } else if (cJSON_IsString(v)) {
        size_t n = utf8_length(v->valuestring);
        if (kw_num(schema, "minLength", &bound) && (double)n < bound)
            return fail(w, "expected at least %g character%s, got %zu", bound,
                        bound == 1 ? "" : "s", n);
        if (kw_num(schema, "maxLength", &bound) && (double)n > bound)
            return fail(w, "expected at most %g character%s, got %zu", bound, bound == 1 ? "" : "s",
                        n);
    } else if (cJSON_IsArray(v)) {
        return check_array(w, schema, v);
    } else if (cJSON_IsObject(v)) {
        return check_object(w, schema, v);
    }
    return 0;
}

int schema_check(const cJSON *schema, const cJSON *value, char *msg, size_t msglen)
{
    where w = {.path = "input", .msg = msg, .msglen = msglen};
    if (msg && msglen > 0)
        msg[0] = '\0';
    return check(&w, schema, value);
}
