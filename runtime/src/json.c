/*
 * json.c — small cJSON helpers shared by the runtime (value.c, schema.c,
 * hook_lua.c). Pure functions: never allocates, never prints.
 */
#include "json.h"

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
        snprintf(buf, len, "%.0f", d == 0 ? 0.0 : d);   /* no "-0" */
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
