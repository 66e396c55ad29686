/*
 * json.c — small cJSON helpers shared by the runtime (value.c, schema.c,
 * hook_lua.c, and every --json printer). Pure functions: never prints,
 * never changes a tree; only json_print and json_print_indented allocate
 * (the string they return).
 */
#include "json.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int type_of(const cJSON *v)
{
    return v ? (v->type & 0xFF) : cJSON_NULL;
}

int json_equal(const cJSON *a, const cJSON *b)
{
    int t = type_of(a);
    if (t != type_of(b))
        return 0;
    switch (t) {
    case cJSON_NULL:
    case cJSON_True:
    case cJSON_False:
        return 1;
    case cJSON_Number:
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
    case cJSON_Raw:
        return a->valuestring && b->valuestring && strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return 0;
        return !x && !y;
    }
    case cJSON_Object: {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = x->string ? cJSON_GetObjectItemCaseSensitive(b, x->string) : NULL;
            if (!y || !json_equal(x, y))
                return 0;
        }
        return 1;
    }
    default:
        return 0;
    }
}

void json_number_text(double d, char *buf, size_t len)
{
    if (!isfinite(d)) {
        snprintf(buf, len, "null");
        return;
    }
    if (d == floor(d) && fabs(d) < 9007199254740992.0) { /* 2^53: exact integers */
        snprintf(buf, len, "%.0f", d == 0 ? 0.0 : d);    /* no "-0" */
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

const char *json_type_name(const cJSON *v)
{
    switch (type_of(v)) {
    case cJSON_True:
    case cJSON_False:
        return "boolean";
    case cJSON_Number:
        return "number";
    case cJSON_String:
        return "string";
    case cJSON_Array:
        return "array";
    case cJSON_Object:
        return "object";
    default:
        return "null";
    }
}

int json_is_integer(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble);
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
        char *p = mem_realloc(b->p, cap);
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

static void sb_str(strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void print_string(strbuf *b, const char *s)
{
    sb_add(b, "\"", 1);
    const char *run = s; /* bytes copied as they are */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sb_add(b, run, (size_t)(s - run));
        run = s + 1;
        char esc[8];
        switch (c) {
        case '"':
            sb_str(b, "\\\"");
            break;
        case '\\':
            sb_str(b, "\\\\");
            break;
        case '\b':
            sb_str(b, "\\b");
            break;
        case '\f':
            sb_str(b, "\\f");
            break;
        case '\n':
            sb_str(b, "\\n");
            break;
        case '\r':
            sb_str(b, "\\r");
            break;
        case '\t':
            sb_str(b, "\\t");
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_str(b, esc);
        }
    }
    sb_add(b, run, (size_t)(s - run));
    sb_add(b, "\"", 1);
}

/* A line break and two spaces per level; nothing when compact (depth < 0). */
static void newline(strbuf *b, int depth)
{
    if (depth < 0)
        return;
    sb_add(b, "\n", 1);
    for (int i = 0; i < depth; i++)
        sb_add(b, "  ", 2);
}

/* v as JSON text: compact when depth < 0, else indented from that level. */
static void print_value(strbuf *b, const cJSON *v, int depth)
{
    char num[32];
    int inner = depth < 0 ? -1 : depth + 1;
    switch (type_of(v)) {
    case cJSON_True:
        sb_str(b, "true");
        break;
    case cJSON_False:
        sb_str(b, "false");
        break;
    case cJSON_Number:
        json_number_text(v->valuedouble, num, sizeof num);
        sb_str(b, num);
        break;
    case cJSON_String:
        print_string(b, v->valuestring ? v->valuestring : "");
        break;
    case cJSON_Raw:
        sb_str(b, v->valuestring ? v->valuestring : "null");
        break;
    case cJSON_Array:
        sb_add(b, "[", 1);
        for (const cJSON *m = v->child; m; m = m->next) {
            newline(b, inner);
            print_value(b, m, inner);
            if (m->next)
                sb_add(b, ",", 1);
        }
        if (v->child)
            newline(b, depth);
        sb_add(b, "]", 1);
        break;
    case cJSON_Object:
        sb_add(b, "{", 1);
        for (const cJSON *m = v->child; m; m = m->next) {
            newline(b, inner);
            print_string(b, m->string ? m->string : "");
            sb_str(b, depth < 0 ? ":" : ": ");
            print_value(b, m, inner);
            if (m->next)
                sb_add(b, ",", 1);
        }
        if (v->child)
            newline(b, depth);
        sb_add(b, "}", 1);
        break;
    default:
        sb_str(b, "null");
        break;
    }
}

static char *print_doc(const cJSON *v, int depth)
{
    strbuf b = {0};
    print_value(&b, v, depth);
    if (b.failed) {
        mem_free(b.p);
        return NULL;
    }
    return b.p;
}

char *json_print(const cJSON *v)
{
    return print_doc(v, -1);
}

char *json_print_indented(const cJSON *v)
{
    return print_doc(v, 0);
}
