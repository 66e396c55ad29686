/*
 * stop_api.c — stopping an execution from any process (DESIGN §6, AWS
 * StopDurableExecution, engine_stop): one transaction, with its ExecutionStopped
 * event, without workflow code.
 *
 * Owns: nothing past one call.
 * Never: stops an execution that has ended, or changes anything when it
 * refuses; lets the invocation in flight write past the stop (the store
 * refuses its next append: store_exec_live, store_exec_update).
 */
#include "engine.h"

#include <string.h>

#include "engine_impl.h"
#include "journal_events.h"
#include "mem.h"
#include "store.h"

int engine_stop(engine *e, const char *id, const char *type, const char *message,
                int64_t *stopped_at, cairn_error *err)
{
    store_exec ex;
    memset(&ex, 0, sizeof ex);
    cairn_error stop;
    err_init(&stop);
    char *text = NULL;
    int64_t now = engine_now(e);
    size_t len = (type ? strlen(type) : 0) + (message ? strlen(message) : 0);
    if (len > PAYLOAD_MAX) {
        err_set(err, "Execution.Invalid",
                "execution %.100s: the error is %zu bytes; it holds at most %d (256 KiB)", id, len,
                PAYLOAD_MAX);
        return CAIRN_ERR_INPUT;
    }
    err_set(&stop, type && *type ? type : "Execution.Stopped", "%s",
            message && *message ? message : "Execution stopped");
    if (!(text = engine_error_text(&stop))) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        err_cleanup(&stop);
        return CAIRN_ERR_NOMEM;
    }
    int rc = store_begin(e->st, err);
    if (rc != CAIRN_OK)
        goto done;
    rc = store_exec_get(e->st, id, &ex, err);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        err_cleanup(err);
        err_set(err, "Execution.NotFound", "no execution '%.100s' in %s", id, store_path(e->st));
    } else if (rc == CAIRN_OK && store_status_ended(ex.status)) {
        err_set(err, "Execution.Conflict", "execution %s has already ended (%s)", id,
                store_status_name(ex.status));
        rc = CAIRN_ERR_CONFLICT;
    }
    /* The virtual clock of the process that ran it may be ahead (--skip-time). */
    if (rc == CAIRN_OK && now < ex.updated_at)
        now = ex.updated_at;
    if (rc == CAIRN_OK)
        rc = store_exec_stop(e->st, id, text, now, err);
    if (rc == CAIRN_OK) {
        store_op o = {
            .id = "0",
            .name = ex.workflow,
            .type = STORE_OP_EXECUTION,
            .status = STORE_STOPPED,
            .error = text,
            .started_at = ex.created_at,
            .ended_at = now,
            .next_attempt_at = STORE_NO_TIME,
            .timeout_at = ex.timeout_at,
            .heartbeat_at = STORE_NO_TIME,
        };
        rc = store_op_put(e->st, id, &o, err);
        if (rc == CAIRN_OK)
            rc = journal_events_add(e->st, id, "ExecutionStopped", now, &o, err);
    }
    if (rc == CAIRN_OK)
        rc = store_callbacks_close(e->st, id, now, err);
    /* an invoked child stopped: its caller is due now, to read that */
    if (rc == CAIRN_OK && ex.parent_id)
        rc = store_exec_poke(e->st, ex.parent_id, now, err);
    if (rc == CAIRN_OK)
        rc = store_commit(e->st, err);
    if (rc != CAIRN_OK)
        store_rollback(e->st);
    else if (stopped_at)
        *stopped_at = now;
done:
    store_exec_cleanup(&ex);
    err_cleanup(&stop);
    cJSON_free(text);
    return rc;
}
