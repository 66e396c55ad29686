/*
 * callback_api.c — the callback API (DESIGN §5, engine_callback_*): resolves
 * or heartbeats a callback from any process, in one transaction with its
 * history event (CallbackSucceeded, CallbackFailed; a heartbeat has none, as
 * in AWS's history), without workflow code.
 *
 * Owns: nothing past one call.
 * Never: resolves a callback twice, or one that is closed; changes anything
 * when it refuses.
 */
#include "engine.h"

#include <string.h>

#include "journal_events.h"
#include "mem.h"
#include "store.h"
#include "engine_impl.h"

/* ------------------------------------------------------------------------ */
/* The callback API                                                          */
/* ------------------------------------------------------------------------ */

typedef enum cb_action { CB_SUCCEED, CB_FAIL, CB_HEARTBEAT } cb_action;

/* Why callback row r of execution ex refuses everything at now, or NULL when it
 * is open. branch_cancelled: the context holding r was cancelled (a batch's
 * completion policy, not its execution's end, closed it). */
static const char *closed_reason(const store_op *r, const store_exec *ex, int64_t now,
                                 int branch_cancelled)
{
    int open = r->status == STORE_STARTED;
    if (r->status == STORE_CANCELLED && branch_cancelled)
        return "it was cancelled with its branch, which its parallel or map no longer needed";
    if (store_status_ended(ex->status) && (open || r->status == STORE_CANCELLED))
        return "its execution ended";
    if (r->status == STORE_SUCCEEDED)
        return "it already succeeded";
    if (r->status == STORE_FAILED)
        return "it already failed";
    if (r->status == STORE_TIMED_OUT)
        return "it timed out";
    if (!open)
        return "it was cancelled";
    if (r->timeout_at != STORE_NO_TIME && now >= r->timeout_at)
        return "it timed out";
    if (r->heartbeat_at != STORE_NO_TIME && now >= r->heartbeat_at)
        return "it timed out on heartbeat";
    return NULL;
}

/*
 * Refuses result (the journaled JSON string of the raw text) for callback id
 * when its await reads JSON (result_mode "json") and the text is not JSON,
 * naming the position where parsing stopped. An empty text is null. Schema 1
 * rows (result_mode NULL) and `result: text` take anything.
 */
static int check_result(const char *id, const char *result_mode, const char *result,
                        cairn_error *err)
{
    if (!result_mode || strcmp(result_mode, "json") != 0 || !result)
        return CAIRN_OK;
    long failed_before = mem_failures();
    cJSON *s = cJSON_Parse(result);
    const char *raw = cJSON_IsString(s) ? s->valuestring : NULL;
    int rc = CAIRN_OK;
    if (!s || !raw) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
    } else if (*raw) {
        const char *end = NULL;
        cJSON *v = cJSON_ParseWithOpts(raw, &end, 1);
        if (!v && mem_failures() != failed_before) {
            err_set(err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
        } else if (!v) {
            size_t at = end && end >= raw ? (size_t)(end - raw) : 0;
            err_set(err, "Callback.InvalidResult",
                    "callback %.100s: the result is not JSON (at byte %zu: %.20s); this "
                    "callback expects JSON (`result: json`); it stays open",
                    id, at + 1, raw + at);
            rc = CAIRN_ERR_INPUT;
        }
        cJSON_Delete(v);
    }
    cJSON_Delete(s);
    return rc;
}

/*
 * One transaction: find callback id, refuse it when closed or when its
 * result is not what its await reads, then record the result (SUCCEEDED) or
 * error (FAILED) and make its execution due, or re-arm its heartbeat deadline.
 */
static int callback_api(engine *e, const char *id, cb_action act, const char *result,
                        const char *error, cairn_error *err)
{
    char *exec_id = NULL, *op_id = NULL;
    store_op r;
    store_exec ex;
    memset(&r, 0, sizeof r);
    memset(&ex, 0, sizeof ex);
    int64_t now = engine_now(e);
    int rc = store_begin(e->st, err);
    if (rc != CAIRN_OK)
        return rc;
    rc = store_callback_find(e->st, id, &exec_id, &op_id, err);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        err_cleanup(err);
        err_set(err, "Callback.NotFound", "callback %.100s: unknown callback", id);
    }
    if (rc == CAIRN_OK)
        rc = store_op_get(e->st, exec_id, op_id, &r, err);
    if (rc == CAIRN_OK)
        rc = store_exec_get(e->st, exec_id, &ex, err);
    /* The process that made the callback may run on a virtual clock ahead of
     * ours (--skip-time): an answer never ends before its callback started. */
    if (rc == CAIRN_OK && now < r.started_at)
        now = r.started_at;
    int branch_cancelled = 0;
    if (rc == CAIRN_OK && r.status == STORE_CANCELLED && r.parent_id) {
        store_op parent;
        if (store_op_get(e->st, exec_id, r.parent_id, &parent, err) == CAIRN_OK)
            branch_cancelled = parent.status == STORE_CANCELLED;
        store_op_cleanup(&parent);
        err_cleanup(err); /* the reason only: the callback is closed either way */
    }
    const char *why = rc == CAIRN_OK ? closed_reason(&r, &ex, now, branch_cancelled) : NULL;
    if (why) {
        err_set(err, "Callback.Closed", "callback %s is closed: %s", id, why);
        rc = CAIRN_ERR_CONFLICT;
    }
    if (rc == CAIRN_OK && act == CB_SUCCEED)
        rc = check_result(id, r.result_mode, result, err);
    store_op w = r;
    w.mem = NULL;
    if (rc == CAIRN_OK && act != CB_HEARTBEAT) {
        w.status = act == CB_SUCCEED ? STORE_SUCCEEDED : STORE_FAILED;
        w.result = result;
        w.error = error;
        w.ended_at = now;
        rc = store_op_write(e->st, exec_id, &w, STORE_STARTED, r.attempt, err);
        if (rc == CAIRN_OK)
            rc = journal_events_add(e->st, exec_id,
                                    act == CB_SUCCEED ? "CallbackSucceeded" : "CallbackFailed", now,
                                    &w, err);
        if (rc == CAIRN_OK)
            rc = store_exec_poke(e->st, exec_id, now, err);
    } else if (rc == CAIRN_OK) {
        if (r.heartbeat_ms > 0) {
            w.heartbeat_at = now + r.heartbeat_ms; /* the overall timeout stays */
            rc = store_op_write(e->st, exec_id, &w, STORE_STARTED, r.attempt, err);
        }
    }
    if (rc == CAIRN_OK)
        rc = store_commit(e->st, err);
    if (rc != CAIRN_OK)
        store_rollback(e->st);
    store_op_cleanup(&r);
    store_exec_cleanup(&ex);
    mem_free(exec_id);
    mem_free(op_id);
    return rc;
}

int engine_callback_result_fits(const char *id, size_t len, cairn_error *err)
{
    if (len <= PAYLOAD_MAX)
        return CAIRN_OK;
    err_set(
        err, "Callback.Invalid",
        "callback %.100s: the result is %zu bytes; a callback result holds at most %d (256 KiB)",
        id, len, PAYLOAD_MAX);
    return CAIRN_ERR_INPUT;
}

int engine_callback_succeed(engine *e, const char *id, const char *payload, size_t len,
                            cairn_error *err)
{
    if (engine_callback_result_fits(id, len, err) != CAIRN_OK)
        return CAIRN_ERR_INPUT;
    if (len && memchr(payload, '\0', len)) {
        err_set(err, "Callback.Invalid", "callback %.100s: the result holds a NUL byte", id);
        return CAIRN_ERR_INPUT;
    }
    /* Journaled as a JSON string of the raw text; the await decides how to read it. */
    char *raw = mem_malloc(len + 1);
    cJSON *s = NULL;
    char *text = NULL;
    if (raw) {
        if (len)
            memcpy(raw, payload, len);
        raw[len] = '\0';
        s = cJSON_CreateString(raw);
        text = s ? engine_json_text(s) : NULL;
    }
    int rc = CAIRN_ERR_NOMEM;
    if (text)
        rc = callback_api(e, id, CB_SUCCEED, text, NULL, err);
    else
        err_set(err, "Cairn.NoMemory", "out of memory");
    mem_free(raw);
    cJSON_Delete(s);
    cJSON_free(text);
    return rc;
}

/* Adds v to o as key, taking ownership of v (NULL: out of memory). 1, or 0 with v freed. */
static int add_item(cJSON *o, const char *key, cJSON *v)
{
    if (v && cJSON_AddItemToObject(o, key, v))
        return 1;
    cJSON_Delete(v);
    return 0;
}

int engine_callback_fail(engine *e, const char *id, const char *type, const char *message,
                         const char *data, cairn_error *err)
{
    size_t len =
        (type ? strlen(type) : 0) + (message ? strlen(message) : 0) + (data ? strlen(data) : 0);
    if (len > PAYLOAD_MAX) {
        err_set(err, "Callback.Invalid",
                "callback %.100s: the error is %zu bytes; a callback error holds at most %d "
                "(256 KiB)",
                id, len, PAYLOAD_MAX);
        return CAIRN_ERR_INPUT;
    }
    /* Journaled as the error the await raises: Callback.Failed, the sender's error in data. */
    cJSON *sent = cJSON_CreateObject();
    if (sent &&
        (!add_item(sent, "ErrorType", type ? cJSON_CreateString(type) : cJSON_CreateNull()) ||
         !add_item(sent, "ErrorMessage",
                   message ? cJSON_CreateString(message) : cJSON_CreateNull()) ||
         !add_item(sent, "ErrorData", data ? cJSON_CreateString(data) : cJSON_CreateNull()))) {
        cJSON_Delete(sent);
        sent = NULL;
    }
    cairn_error failed;
    err_init(&failed);
    err_set_data(&failed, "Callback.Failed", sent, "%s",
                 message && *message ? message : "Callback failed");
    char *text = sent ? engine_error_text(&failed) : NULL;
    int rc = CAIRN_ERR_NOMEM;
    if (text)
        rc = callback_api(e, id, CB_FAIL, NULL, text, err);
    else
        err_set(err, "Cairn.NoMemory", "out of memory");
    cJSON_free(text);
    err_cleanup(&failed);
    return rc;
}

int engine_callback_heartbeat(engine *e, const char *id, cairn_error *err)
{
    return callback_api(e, id, CB_HEARTBEAT, NULL, NULL, err);
}
