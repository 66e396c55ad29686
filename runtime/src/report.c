/*
 * report.c — the read side: status, history and list as JSON (times as
 * RFC 3339, through common/rfc3339).
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
#include "rfc3339.h"

/* ------------------------------------------------------------------------ */
/* Read side                                                                 */
/* ------------------------------------------------------------------------ */

static int add_time(cJSON *o, const char *key, int64_t t)
{
    if (t == STORE_NO_TIME)
        return cJSON_AddNullToObject(o, key) != NULL;
    char buf[40];
    rfc3339_format(t, buf, sizeof buf);
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

static cJSON *status_json(const engine *e, const store_exec *r)
{
    int held = engine_holds_definition(e, r->workflow, r->definition_sha256);
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_str(o, "id", r->id) || !add_str(o, "workflow", r->workflow) ||
        !cJSON_AddNumberToObject(o, "version", r->version) ||
        !add_str(o, "definition_sha256", r->definition_sha256) || !add_str(o, "name", r->name) ||
        !add_str(o, "status", store_status_name(r->status)) || !add_json(o, "input", r->input) ||
        !add_json(o, "result", r->result) || !add_json(o, "error", r->error) ||
        !add_time(o, "created_at", r->created_at) || !add_time(o, "updated_at", r->updated_at) ||
        !add_time(o, "ended_at", r->ended_at) || !add_time(o, "wake_at", r->wake_at) ||
        !add_time(o, "timeout_at", r->timeout_at) ||
        (held >= 0 && !cJSON_AddBoolToObject(o, "definition_held", held))) {
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
    cJSON *o = status_json(e, &r);
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
        cJSON *j = status_json(e, &rows[i]);
        if (!j || !cJSON_AddItemToArray(a, j)) {
            cJSON_Delete(j);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    store_execs_free(rows, n);
    return a ? a : nomem(rc, err);
}
