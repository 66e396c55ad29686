/*
 * error.c — typed errors. Owns the strings and data of a cairn_error; never
 * prints anything.
 */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmatch.h"
#include "mem.h"

void err_init(cairn_error *e)
{
    e->type = NULL;
    e->message = NULL;
    e->data = NULL;
}

/* What an error holds when reporting it ran out of memory: static, never freed. */
static char oom_type[] = "Cairn.NoMemory";
static char oom_message[] = "out of memory";

void err_cleanup(cairn_error *e)
{
    if (e->type != oom_type)
        mem_free(e->type);
    if (e->message != oom_message)
        mem_free(e->message);
    cJSON_Delete(e->data);
    err_init(e);
}

int err_isset(const cairn_error *e)
{
    return e->type != NULL;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

int err_vset(cairn_error *e, const char *type, const char *fmt, va_list ap)
{
    if (err_isset(e))
        return 1;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = mem_malloc(n < 0 ? 1 : (size_t)n + 1);
    char *t = dup_str(type);
    if (!msg || !t) {
        /* Out of memory while reporting: a static error, so one is always set. */
        mem_free(msg);
        mem_free(t);
        e->type = oom_type;
        e->message = oom_message;
        return 1;
    }
    if (n < 0)
        msg[0] = '\0';
    else
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
    e->type = t;
    e->message = msg;
    return 1;
}

int err_set(cairn_error *e, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, type, fmt, ap);
    va_end(ap);
    return 1;
}

int err_set_data(cairn_error *e, const char *type, cJSON *data, const char *fmt, ...)
{
    if (err_isset(e)) {
        cJSON_Delete(data);
        return 1;
    }
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, type, fmt, ap);
    va_end(ap);
    if (err_isset(e))
        e->data = data;
    else
        cJSON_Delete(data);
    return 1;
}

void err_move(cairn_error *dst, cairn_error *src)
{
    if (!err_isset(dst))
        *dst = *src;
    else
        err_cleanup(src);
    err_init(src);
}

cJSON *err_to_json(const cairn_error *e)
{
    if (e->type == oom_type)
        return NULL; /* not the error that was meant: never let it be journaled */
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (!cJSON_AddStringToObject(o, "type", e->type ? e->type : "") ||
        !cJSON_AddStringToObject(o, "message", e->message ? e->message : ""))
        goto fail;
    if (e->data) {
        cJSON *d = cJSON_Duplicate(e->data, 1);
        if (!d || !cJSON_AddItemToObject(o, "data", d)) {
            cJSON_Delete(d);
            goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

int err_from_json(cairn_error *e, const cJSON *j)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    if (!cJSON_IsObject(j) || !cJSON_IsString(t))
        return -1;
    cJSON *dd = NULL;
    if (d && !(dd = cJSON_Duplicate(d, 1)))
        return -1;
    err_set_data(e, t->valuestring, dd, "%s", cJSON_IsString(m) ? m->valuestring : "");
    return err_isset(e) && e->type != oom_type ? 0 : -1;
}

int err_matches(const char *type, const char *pattern)
{
    return errmatch(type, pattern);
}

int err_matches_any(const char *type, const char *const *patterns)
{
    return errmatch_any(type, patterns);
}
