/*
 * journal_events.c — derives the history events (journal_events.h) from the
 * journal's writes: the SQLite backend's appends, an execution's start and
 * end, the callback API's answers.
 *
 * Owns: nothing past one call.
 * Never: opens or commits a transaction (an event commits with its update),
 * or writes anything but events.
 */
#include "journal_events.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

/* "Step", "Wait", ... as AWS prefixes its event types. */
static const char *type_prefix(store_op_type t)
{
    switch (t) {
    case STORE_OP_STEP:
        return "Step";
    case STORE_OP_WAIT:
        return "Wait";
    case STORE_OP_CALLBACK:
        return "Callback";
    case STORE_OP_CONTEXT:
        return "Context";
    case STORE_OP_CHAINED_INVOKE:
        return "ChainedInvoke";
    default:
        return "Execution";
    }
}

/*
 * A callback's result, and a serdes step's, are journaled as the JSON string
 * of a raw text; AWS's history shows the text itself as the payload.
 */
static int raw_text_result(const store_op *op)
{
    return op->result && (op->type == STORE_OP_CALLBACK ||
                          (op->result_mode && !strcmp(op->result_mode, "serdes")));
}

/* journal_events_add, with the start before it (start_type, or NULL) in the same row. */
static int add_event(store *st, const char *exec_id, const char *type, int64_t at,
                     const store_op *op, const char *start_type, cairn_error *err)
{
    store_event e = {.type = type, .at = at, .op = *op, .start_type = start_type};
    e.op.mem = NULL;
    cJSON *raw = raw_text_result(op) ? cJSON_Parse(op->result) : NULL;
    if (cJSON_IsString(raw))
        e.op.result = raw->valuestring;
    int rc = store_event_add(st, exec_id, &e, err);
    cJSON_Delete(raw);
    return rc;
}

int journal_events_add(store *st, const char *exec_id, const char *type, int64_t at,
                       const store_op *op, cairn_error *err)
{
    return add_event(st, exec_id, type, at, op, NULL, err);
}

static int add(store *st, const char *exec_id, store_op_type t, const char *what, int64_t at,
               const store_op *op, const char *start_type, cairn_error *err)
{
    char type[40];
    snprintf(type, sizeof type, "%s%s", type_prefix(t), what);
    return add_event(st, exec_id, type, at, op, start_type, err);
}

int journal_events_update(store *st, const char *exec_id, const journal_update *u, int64_t at,
                          cairn_error *err)
{
    const store_op *o = &u->op;
    int64_t end = o->ended_at != STORE_NO_TIME ? o->ended_at
                  : at != STORE_NO_TIME        ? at
                                               : o->started_at;
    if (u->action == JOURNAL_START)
        return add(st, exec_id, o->type, "Started", o->started_at, o, NULL, err);
    if (u->action == JOURNAL_CANCEL)
        return CAIRN_OK;
    /* An outcome whose start is not in the journal: the attempt ran, then was journaled. */
    int started = o->type == STORE_OP_STEP
                      ? u->expect_status == STORE_STARTED && u->expect_attempt == o->attempt
                      : u->expect_status != STORE_NONE;
    const char *what;
    switch (u->action) {
    case JOURNAL_SUCCEED:
        what = "Succeeded";
        break;
    case JOURNAL_RETRY:
        /* A condition's check that did not meet it (no error, the state in the row):
         * as AWS's requirements (6-1, 6-5), StepSucceeded with the state and the delay. */
        what = o->error ? "Failed" : "Succeeded";
        break;
    default:
        what = o->status == STORE_TIMED_OUT ? "TimedOut" : "Failed";
        break;
    }
    char start[40];
    snprintf(start, sizeof start, "%sStarted", type_prefix(o->type));
    return add(st, exec_id, o->type, what, end, o, started ? NULL : start, err);
}

/* The execution's operation "0" as the events carry it. */
static store_op exec_op(const store_exec *x)
{
    store_op o = {
        .id = "0",
        .name = x->workflow,
        .type = STORE_OP_EXECUTION,
        .status = x->status,
        .result = x->input,
        .started_at = x->created_at,
        .ended_at = STORE_NO_TIME,
        .next_attempt_at = STORE_NO_TIME,
        .timeout_at = x->timeout_at,
        .heartbeat_at = STORE_NO_TIME,
    };
    return o;
}

int journal_events_started(store *st, const store_exec *x, cairn_error *err)
{
    store_op o = exec_op(x);
    return journal_events_add(st, x->id, "ExecutionStarted", x->created_at, &o, err);
}

int journal_events_end(store *st, const store_exec *x, const journal_end *end, cairn_error *err)
{
    if (!store_status_ended(end->status))
        return CAIRN_OK;
    store_op o = exec_op(x);
    o.result = end->result;
    o.error = end->error;
    const char *type = end->status == STORE_SUCCEEDED   ? "ExecutionSucceeded"
                       : end->status == STORE_TIMED_OUT ? "ExecutionTimedOut"
                       : end->status == STORE_STOPPED   ? "ExecutionStopped"
                                                        : "ExecutionFailed";
    return journal_events_add(st, x->id, type, end->at, &o, err);
}
