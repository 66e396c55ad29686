/*
 * report.c — the read side: status, history, events (AWS-shaped) and list as
 * JSON (times as RFC 3339, through common/rfc3339).
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
#include "replay.h"
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

/* "parent": {"id", "operation_id"} of an invoked child, else null. */
static int add_parent(cJSON *o, const store_exec *r)
{
    if (!r->parent_id)
        return cJSON_AddNullToObject(o, "parent") != NULL;
    cJSON *p = cJSON_AddObjectToObject(o, "parent");
    return p && add_str(p, "id", r->parent_id) && add_str(p, "operation_id", r->parent_op_id);
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
        !add_time(o, "timeout_at", r->timeout_at) || !add_parent(o, r) ||
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
        !add_time(o, "heartbeat_at", r->heartbeat_at) ||
        /* how an answer is read: "json", "text" or "hook" (null: journaled before
         * schema 2, anything goes) */
        (r->type == STORE_OP_CALLBACK && !add_str(o, "result_mode", r->result_mode))) {
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

/* ---- events (AWS GetDurableExecutionHistory) ---- */

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Whole seconds from a to b, rounded up (AWS durations are seconds). */
static double seconds(int64_t a, int64_t b)
{
    return b > a ? (double)((b - a + 999) / 1000) : 0;
}

/* {"Payload": text, "Truncated": false} as AWS's EventInput and EventResult carry a payload. */
static int add_payload(cJSON *o, const char *key, const char *text)
{
    cJSON *p = cJSON_AddObjectToObject(o, key);
    return p && add_str(p, "Payload", text) && cJSON_AddFalseToObject(p, "Truncated");
}

/* {"Payload": {ErrorType, ErrorMessage, ErrorData}, "Truncated": false} (AWS's EventError)
 * from the journal's {type, message, data}. */
static int add_error(cJSON *o, const char *text)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    cJSON *p = cJSON_AddObjectToObject(o, "Error");
    cJSON *pl = p ? cJSON_AddObjectToObject(p, "Payload") : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    char *data = d && !cJSON_IsNull(d) ? cJSON_PrintUnformatted(d) : NULL;
    int ok = pl && add_str(pl, "ErrorType", cJSON_IsString(t) ? t->valuestring : NULL) &&
             add_str(pl, "ErrorMessage", cJSON_IsString(m) ? m->valuestring : NULL) &&
             add_str(pl, "ErrorData", data) && cJSON_AddFalseToObject(p, "Truncated");
    cJSON_free(data);
    cJSON_Delete(j);
    return ok;
}

/*
 * CallbackFailed's error is the one the outside system sent, as AWS shows it:
 * the journal keeps it in the data of the Callback.Failed the await raises.
 */
static int add_sent_error(cJSON *o, const char *text)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *sent = cJSON_GetObjectItemCaseSensitive(j, "data");
    if (!cJSON_IsString(t) || strcmp(t->valuestring, "Callback.Failed") != 0 ||
        !cJSON_IsObject(sent)) {
        cJSON_Delete(j);
        return add_error(o, text);
    }
    cJSON *p = cJSON_AddObjectToObject(o, "Error");
    cJSON *pl = p ? cJSON_AddObjectToObject(p, "Payload") : NULL;
    int ok = pl != NULL;
    static const char *const keys[] = {"ErrorType", "ErrorMessage", "ErrorData"};
    for (size_t i = 0; ok && i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sent, keys[i]);
        ok = add_str(pl, keys[i], cJSON_IsString(v) ? v->valuestring : NULL);
    }
    ok = ok && cJSON_AddFalseToObject(p, "Truncated");
    cJSON_Delete(j);
    return ok;
}

/* RetryDetails {CurrentAttempt, NextAttemptDelaySeconds, NextAttemptTimestamp (cairn's)}. */
static int add_retry(cJSON *o, const store_event *ev)
{
    cJSON *r = cJSON_AddObjectToObject(o, "RetryDetails");
    if (!r || !cJSON_AddNumberToObject(r, "CurrentAttempt", ev->op.attempt))
        return 0;
    if (ev->op.next_attempt_at == STORE_NO_TIME)
        return 1;
    return cJSON_AddNumberToObject(r, "NextAttemptDelaySeconds",
                                   seconds(ev->at, ev->op.next_attempt_at)) &&
           add_time(r, "NextAttemptTimestamp", ev->op.next_attempt_at);
}

/*
 * ChainedInvokeStartedDetails {FunctionName, Input, ExecutedVersion,
 * DurableExecutionArn}, as AWS's: those of the child execution the operation
 * started (its id derived from the caller's and the operation's), which never
 * change. ExecutedVersion is the child's `version`, "$LATEST" without one. An
 * invoke refused before its child started (not linked, input refused) has
 * none of them.
 */
static int add_invoke_started(engine *e, const char *exec_id, cJSON *d, const store_op *op, int *rc,
                              cairn_error *err)
{
    char child[IDS_CHILD_LEN + 1];
    op_invoke_child_id(exec_id, op->id, child, sizeof child);
    store_exec ch;
    cairn_error none;
    err_init(&none);
    int got = store_exec_get(e->st, child, &ch, &none);
    if (got != CAIRN_OK) {
        if (got != CAIRN_ERR_NOT_FOUND) {
            *rc = got;
            err_move(err, &none);
        }
        err_cleanup(&none);
        return got == CAIRN_ERR_NOT_FOUND;
    }
    char version[24];
    if (ch.version > 0)
        snprintf(version, sizeof version, "%d", ch.version);
    else
        snprintf(version, sizeof version, "$LATEST");
    int ok = add_str(d, "FunctionName", ch.workflow) && add_payload(d, "Input", ch.input) &&
             add_str(d, "ExecutedVersion", version) && add_str(d, "DurableExecutionArn", ch.id);
    store_exec_cleanup(&ch);
    return ok;
}

/* The <EventType>Details of ev. */
static int add_details(engine *e, const char *exec_id, cJSON *o, const store_event *ev, int *rc,
                       cairn_error *err)
{
    char key[64];
    snprintf(key, sizeof key, "%sDetails", ev->type);
    cJSON *d = cJSON_AddObjectToObject(o, key);
    const store_op *op = &ev->op;
    int step = strncmp(ev->type, "Step", 4) == 0;
    if (!d)
        return 0;
    if (!strcmp(ev->type, "ExecutionStarted"))
        return add_payload(d, "Input", op->result) &&
               (op->timeout_at == STORE_NO_TIME ||
                cJSON_AddNumberToObject(d, "ExecutionTimeout",
                                        seconds(op->started_at, op->timeout_at)));
    if (!strcmp(ev->type, "ChainedInvokeStarted"))
        return add_invoke_started(e, exec_id, d, op, rc, err);
    if (!strcmp(ev->type, "StepStarted"))
        return cJSON_AddNumberToObject(d, "Attempt", op->attempt) != NULL;
    if (!strcmp(ev->type, "WaitStarted") || !strcmp(ev->type, "WaitSucceeded"))
        return cJSON_AddNumberToObject(d, "Duration", seconds(op->started_at, op->timeout_at)) &&
               (strcmp(ev->type, "WaitStarted") ||
                add_time(d, "ScheduledEndTimestamp", op->timeout_at));
    if (!strcmp(ev->type, "CallbackStarted"))
        return add_str(d, "CallbackId", op->callback_id) &&
               (op->timeout_at == STORE_NO_TIME ||
                cJSON_AddNumberToObject(d, "Timeout", seconds(op->started_at, op->timeout_at))) &&
               (op->heartbeat_ms <= 0 ||
                cJSON_AddNumberToObject(d, "HeartbeatTimeout", seconds(0, op->heartbeat_ms)));
    if (ends_with(ev->type, "Succeeded"))
        return add_payload(d, "Result", op->result) && (!step || add_retry(d, ev));
    if (!strcmp(ev->type, "CallbackFailed"))
        return add_sent_error(d, op->error);
    if (ends_with(ev->type, "Failed") || ends_with(ev->type, "TimedOut") ||
        ends_with(ev->type, "Stopped"))
        return add_error(d, op->error) && (!step || add_retry(d, ev));
    return 1; /* ContextStarted: nothing more */
}

static cJSON *event_json(engine *e, const char *exec_id, const store_event *ev, int *rc,
                         cairn_error *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "EventId", (double)ev->seq) ||
        !add_str(o, "EventType", ev->type) ||
        (ev->op.sub_type && !add_str(o, "SubType", ev->op.sub_type)) ||
        !add_str(o, "Id", ev->op.id) || !add_str(o, "Name", ev->op.name) ||
        (ev->op.parent_id && !add_str(o, "ParentId", ev->op.parent_id)) ||
        !add_time(o, "EventTimestamp", ev->at) || !add_details(e, exec_id, o, ev, rc, err)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *engine_events_json(engine *e, const char *id, int *rc, cairn_error *err)
{
    store_exec x;
    store_event *evs = NULL;
    size_t n = 0;
    if ((*rc = store_exec_get(e->st, id, &x, err)) != CAIRN_OK)
        return NULL;
    store_exec_cleanup(&x);
    if ((*rc = store_events_load(e->st, id, &evs, &n, err)) != CAIRN_OK)
        return NULL;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *j = event_json(e, id, &evs[i], rc, err);
        if (!j || !cJSON_AddItemToArray(a, j)) {
            cJSON_Delete(j);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    store_events_free(evs, n);
    if (!a && *rc != CAIRN_OK) /* a child's row could not be read: err says why */
        return NULL;
    return a ? a : nomem(rc, err);
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

/* A row of a page: what a table of executions shows, without the input, the
 * result and the error's data, which may each be 256 KiB. */
static cJSON *summary_json(const store_exec *r)
{
    cJSON *err = r->error ? cJSON_Parse(r->error) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(err, "type");
    cJSON *o = cJSON_CreateObject();
    int ok = o && add_str(o, "id", r->id) && add_str(o, "workflow", r->workflow) &&
             cJSON_AddNumberToObject(o, "version", r->version) && add_str(o, "name", r->name) &&
             add_str(o, "status", store_status_name(r->status)) &&
             add_str(o, "error_type", cJSON_IsString(t) ? t->valuestring : NULL) &&
             add_time(o, "created_at", r->created_at) && add_time(o, "updated_at", r->updated_at) &&
             add_time(o, "ended_at", r->ended_at) && add_time(o, "wake_at", r->wake_at) &&
             add_parent(o, r);
    cJSON_Delete(err);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* An execution's status from its word; STORE_NONE for none of them. */
static store_status exec_status(const char *word)
{
    static const store_status all[] = {STORE_RUNNING, STORE_PENDING,   STORE_SUCCEEDED,
                                       STORE_FAILED,  STORE_TIMED_OUT, STORE_STOPPED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(word, store_status_name(all[i])))
            return all[i];
    return STORE_NONE;
}

cJSON *engine_list_page_json(engine *e, const char *status, const char *workflow, int64_t offset,
                             int limit, int *rc, cairn_error *err)
{
    store_status st = status ? exec_status(status) : STORE_NONE;
    if (status && st == STORE_NONE) {
        err_set(err, "Cairn.Input",
                "status must be RUNNING, PENDING, SUCCEEDED, FAILED, TIMED_OUT or STOPPED");
        *rc = CAIRN_ERR_INPUT;
        return NULL;
    }
    store_exec *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    if ((*rc = store_exec_page(e->st, st, workflow, offset, limit, &rows, &n, &total, err)) !=
        CAIRN_OK)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *a = o ? cJSON_AddArrayToObject(o, "executions") : NULL;
    int ok = a && cJSON_AddNumberToObject(o, "total", (double)total) &&
             cJSON_AddNumberToObject(o, "offset", (double)offset) &&
             cJSON_AddNumberToObject(o, "limit", limit);
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *j = summary_json(&rows[i]);
        ok = j && cJSON_AddItemToArray(a, j);
        if (!ok)
            cJSON_Delete(j);
    }
    store_execs_free(rows, n);
    if (!ok) {
        cJSON_Delete(o);
        return nomem(rc, err);
    }
    return o;
}
