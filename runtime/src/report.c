/*
 * report.c — the read side (status, history and list as JSON) and time text
 * (RFC 3339 and durations).
 *
 * Owns: nothing past one call; the JSON it returns is the caller's.
 * Never: writes to the store.
 */
#include "engine.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "store.h"
#include "engine_impl.h"

void engine_format_duration(int64_t ms, char *buf, size_t len)
{
    if (ms % 86400000 == 0)
        snprintf(buf, len, "%" PRId64 "d", ms / 86400000);
    else if (ms % 3600000 == 0)
        snprintf(buf, len, "%" PRId64 "h", ms / 3600000);
    else if (ms % 60000 == 0)
        snprintf(buf, len, "%" PRId64 "m", ms / 60000);
    else if (ms % 1000 == 0)
        snprintf(buf, len, "%" PRId64 "s", ms / 1000);
    else
        snprintf(buf, len, "%" PRId64 "ms", ms);
}

/* ------------------------------------------------------------------------ */
/* Time text                                                                 */
/* ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void engine_format_time(int64_t ms, char *buf, size_t len)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int milli = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        snprintf(buf, len, "invalid");
        return;
    }
    /* The fields are in range already; the unsigned remainders tell the
     * compiler so, which bounds the output for -Wformat-truncation. */
    snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)tm.tm_mon % 12u + 1u,
             (unsigned)tm.tm_mday % 32u, (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u,
             (unsigned)tm.tm_sec % 61u, (unsigned)milli % 1000u);
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int engine_parse_time(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, frac = 0;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        int n = 0;
        for (; isdigit((unsigned char)*p); p++, n++)
            if (n < 3)
                frac = frac * 10 + (*p - '0');
        for (; n < 3; n++)
            frac *= 10;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap))
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    int64_t t = ((days * 24 + h) * 60 + mi - offset) * 60 + sec;
    *ms = t * 1000 + frac;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Read side                                                                 */
/* ------------------------------------------------------------------------ */

static int add_time(cJSON *o, const char *key, int64_t t)
{
    if (t == STORE_NO_TIME)
        return cJSON_AddNullToObject(o, key) != NULL;
    char buf[40];
    engine_format_time(t, buf, sizeof buf);
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

static int add_str(cJSON *o, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key)) != NULL;
}

/* A journaled JSON text as a value (null when absent; a string if it is not JSON). */
static int add_json(cJSON *o, const char *key, const char *text)
{
    long failed_before = mem_failures();
    cJSON *v = text ? cJSON_Parse(text) : cJSON_CreateNull();
    if (!v && text && mem_failures() == failed_before) /* not JSON, rather than out of memory */
        v = cJSON_CreateString(text);
    if (!v)
        return 0;
    if (!cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return 0;
    }
    return 1;
}

static cJSON *status_json(const store_exec *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_str(o, "id", r->id) || !add_str(o, "workflow", r->workflow) ||
        !cJSON_AddNumberToObject(o, "version", r->version) ||
        !add_str(o, "definition_sha256", r->definition_sha256) || !add_str(o, "name", r->name) ||
        !add_str(o, "status", store_status_name(r->status)) || !add_json(o, "input", r->input) ||
        !add_json(o, "result", r->result) || !add_json(o, "error", r->error) ||
        !add_time(o, "created_at", r->created_at) || !add_time(o, "updated_at", r->updated_at) ||
        !add_time(o, "ended_at", r->ended_at) || !add_time(o, "wake_at", r->wake_at) ||
        !add_time(o, "timeout_at", r->timeout_at)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *op_json(const store_op *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_str(o, "id", r->id) || !add_str(o, "parent_id", r->parent_id) ||
        !add_str(o, "name", r->name) || !add_str(o, "type", store_op_type_name(r->type)) ||
        !add_str(o, "sub_type", r->sub_type) ||
        !add_str(o, "status", store_status_name(r->status)) ||
        !(r->attempt > 0 ? cJSON_AddNumberToObject(o, "attempt", r->attempt)
                         : cJSON_AddNullToObject(o, "attempt")) ||
        !add_time(o, "started_at", r->started_at) || !add_time(o, "ended_at", r->ended_at) ||
        !add_time(o, "next_attempt_at", r->next_attempt_at) || !add_json(o, "result", r->result) ||
        !add_json(o, "error", r->error) || !add_str(o, "callback_id", r->callback_id) ||
        !add_time(o, "timeout_at", r->timeout_at) ||
        !add_time(o, "heartbeat_at", r->heartbeat_at)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *nomem(int *rc, cairn_error *err)
{
    err_set(err, "Cairn.NoMemory", "out of memory");
    *rc = CAIRN_ERR_NOMEM;
    return NULL;
}

cJSON *engine_status_json(engine *e, const char *id, int *rc, cairn_error *err)
{
    store_exec r;
    *rc = store_exec_get(e->st, id, &r, err);
    if (*rc != CAIRN_OK)
        return NULL;
    cJSON *o = status_json(&r);
    store_exec_cleanup(&r);
    return o ? o : nomem(rc, err);
}

cJSON *engine_history_json(engine *e, const char *id, int *rc, cairn_error *err)
{
    store_op *ops = NULL;
    size_t n = 0;
    cJSON *o = NULL, *list;
    cJSON *st = engine_status_json(e, id, rc, err);
    if (!st)
        return NULL;
    if ((*rc = store_ops_load(e->st, id, &ops, &n, err)) != CAIRN_OK) {
        cJSON_Delete(st);
        return NULL;
    }
    if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToObject(o, "execution", st))
        goto oom;
    st = NULL;
    if (!(list = cJSON_AddArrayToObject(o, "operations")))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        cJSON *j = op_json(&ops[i]);
        if (!j || !cJSON_AddItemToArray(list, j)) {
            cJSON_Delete(j);
            goto oom;
        }
    }
    store_ops_free(ops, n);
    return o;
oom:
    cJSON_Delete(st);
    cJSON_Delete(o);
    store_ops_free(ops, n);
    return nomem(rc, err);
}

cJSON *engine_list_json(engine *e, int *rc, cairn_error *err)
{
    store_exec *rows = NULL;
    size_t n = 0;
    if ((*rc = store_exec_list(e->st, &rows, &n, err)) != CAIRN_OK)
        return NULL;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *j = status_json(&rows[i]);
        if (!j || !cJSON_AddItemToArray(a, j)) {
            cJSON_Delete(j);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    store_execs_free(rows, n);
    return a ? a : nomem(rc, err);
}
