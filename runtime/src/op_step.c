/*
 * op_step.c — the step and wait operations of the generated state machines:
 * cairn_step (attempts, retries, at_most_once, replay) and cairn_wait_for,
 * cairn_wait_until.
 *
 * Owns: nothing past one call; the invocation is replay.c's.
 * Never: runs a step's body before what precedes it is durable; runs the
 * body of an at_most_once attempt twice.
 */

#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "hook.h"
#include "http.h"
#include "ids.h"
#include "http_set.h"
#include "mem.h"
#include "retry.h"
#include "scope.h"
#include "serdes.h"
#include "store.h"
#include "engine_impl.h"
#include "replay.h"
#include "rfc3339.h"

/* ------------------------------------------------------------------------ */
/* Steps                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * The one line on stderr for a failed attempt of a step, printed only when
 * the attempt ran in this invocation (a replay reads the journal and prints
 * nothing): next_in is the delay before the next attempt, or -1 for none.
 */
static void log_failed(const cairn_exec *x, const cairn_op *op, int attempt, const cairn_error *e,
                       int64_t next_in)
{
    char delay[32] = "";
    if (next_in >= 0)
        duration_format(next_in, delay, sizeof delay);
    int max = retry_effective(&op->retry).max_attempts;
    fprintf(stderr, "cairn: execution %s: step '%s' attempt %d of %d failed: %s: %.200s; %s%s\n",
            x->row->id, op->name, attempt, max > attempt ? max : attempt, e->type,
            e->message ? e->message : "", next_in >= 0 ? "next in " : "no more attempts", delay);
}

/*
 * Attempt `attempt` failed with e: retry later (the row goes PENDING and the
 * execution suspends), or fail the step for good.
 */
static int step_failed(cairn_exec *x, const cairn_op *op, int attempt, int64_t started_at,
                       const cairn_error *e, int may_retry)
{
    char *etext = engine_error_text(e);
    if (!etext)
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    int64_t now = clock_now(x->clk);
    store_op r = replay_op_row(x, op, STORE_OP_STEP, "Step", STORE_FAILED);
    r.attempt = attempt;
    r.error = etext;
    r.started_at = started_at;
    int out;
    if (may_retry && retry_should(&op->retry, attempt, e->type)) {
        r.status = STORE_PENDING;
        r.next_attempt_at = now + retry_delay_ms(&op->retry, attempt, ids_random_unit());
        out = replay_suspend(x, &r, r.next_attempt_at);
        if (x->ended) /* journaled: a replay would not print it again */
            log_failed(x, op, attempt, e, r.next_attempt_at - now);
    } else if (x->in_submitter) {
        log_failed(x, op, attempt, e, -1);
        r.ended_at = now;
        out = replay_checkpoint(x, &r, NULL) == 0 ? STEP_GAVE_UP : CAIRN_STOP;
    } else {
        log_failed(x, op, attempt, e, -1);
        r.ended_at = now;
        out = replay_catch_or_fail(x, op, &r, e);
    }
    cJSON_free(etext);
    return out;
}

/*
 * Runs the body of op (its Lua, C or http call) once with args: 0 with
 * *result (owned by the caller), -1 with e set, or STEP_BODY_NOMEM with the
 * invocation stopped (an allocation failed meanwhile: whatever the body made
 * of it, its outcome is not the step's; it runs again later). What precedes
 * it must be durable already (replay_flush).
 */
int op_step_body(cairn_exec *x, const cairn_op *op, const cJSON *args, int attempt, cJSON **result,
                 cairn_error *e)
{
    hook_ctx ctx = {.execution_id = x->row->id,
                    .operation = op->name,
                    .attempt = attempt,
                    .callback_id = x->cur_callback_id};
    int hrc;
    long failed_before = mem_failures(); /* this thread's failed allocations */
    if (op->run == CAIRN_RUN_HTTP) {
        hrc = http_call(args, op->http_timeout_ms, op->http_ok, op->nhttp_ok, result, e);
    } else if (op->run == CAIRN_RUN_LUA) {
        if (!x->wf->lua_source) {
            err_set(e, "Lua.Error", "step '%s': workflow '%s' has no Lua hooks", op->name,
                    x->wf->name);
            hrc = -1;
        } else {
            hrc = hook_lua_call(x->wf->lua_source, x->wf->lua_chunkname, op->lua_fn, args, &ctx,
                                NULL, result, e);
        }
    } else {
        hrc = hook_c_call(op->c_fn, op->c_name, args, &ctx, result, e);
    }
    if (mem_failures() != failed_before) {
        cJSON_Delete(*result);
        *result = NULL;
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory in step '%s'", op->name);
        return STEP_BODY_NOMEM;
    }
    if (hrc != 0 && !err_isset(e))
        err_set(e, "Step.Failed", "step '%s' failed without an error", op->name);
    return hrc != 0 ? -1 : 0;
}

/* Runs attempt `attempt` of the step's body and journals what it gave. */
int op_step_attempt(cairn_exec *x, const cairn_op *op, const cJSON *args, int attempt)
{
    int out = CAIRN_STOP;
    cJSON *result = NULL;
    char *text = NULL;
    cairn_error e;
    err_init(&e);
    int64_t started = clock_now(x->clk);

    if (op->run != CAIRN_RUN_LUA && op->run != CAIRN_RUN_C && op->run != CAIRN_RUN_HTTP) {
        out = replay_fail(x, "Step.Unsupported", "step '%s': unknown run kind %d", op->name,
                          (int)op->run);
        goto done;
    }
    if (replay_may_start(x, "step", op->name) != 0)
        goto done;
    if (op->at_most_once) {
        store_op r = replay_op_row(x, op, STORE_OP_STEP, "Step", STORE_STARTED);
        r.attempt = attempt;
        r.started_at = started;
        if (replay_checkpoint(x, &r, NULL) != 0)
            goto done;
    }
    if (!args) {
        args = scope_keep(x->sc, cJSON_CreateObject());
        if (x->sc->oom) {
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
    }
    if (replay_flush(x) != 0) /* what came before is durable before the body runs */
        goto done;
    int hrc;
    http_pending *call = NULL;
    if (op->run == CAIRN_RUN_HTTP && !op->at_most_once && !x->in_submitter && x->hs &&
        x->batches > 0) {
        /* in a branch: the call is made with the other branches' (http_set.h) */
        call = http_set_find(x->hs, x->cur_id, attempt);
        if (!call || !call->gen) {
            if (!call && http_set_add(x->hs, x->cur_id, attempt, started, args, op->http_timeout_ms,
                                      op->http_ok, op->nhttp_ok) != 0)
                out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            else
                out = replay_suspend(x, NULL, clock_now(x->clk)); /* due once it is made */
            goto done;
        }
        if (call->job.oom) {
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory in step '%s'",
                              op->name);
            goto done;
        }
        call->taken = 1;
        started = call->started_at;
        hrc = call->job.rc;
        result = call->job.result;
        call->job.result = NULL;
        err_move(&e, &call->job.err);
    } else {
        hrc = op_step_body(x, op, args, attempt, &result, &e);
    }
    if (hrc == STEP_BODY_NOMEM) {
        out = CAIRN_STOP;
        goto done;
    }
    if (hrc != 0) {
        out = step_failed(x, op, attempt, started, &e, 1);
        goto done;
    }
    int serdes = op->encode.run || op->decode.run;
    if (serdes) {
        /* The text journaled is encode's; the value the workflow sees is decode's. */
        char *raw = NULL;
        cJSON *value = NULL;
        if (serdes_step(x, op, result, &raw, &value, &e) != 0) {
            out = step_failed(x, op, attempt, started, &e, 1);
            goto done;
        }
        cJSON_Delete(result);
        result = value;
        cJSON *s = cJSON_CreateString(raw);
        cJSON_free(raw);
        text = s ? cJSON_PrintUnformatted(s) : NULL;
        cJSON_Delete(s);
    } else {
        text = engine_json_text(result);
    }
    if (!text) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    size_t len = strlen(text);
    if (len > PAYLOAD_MAX) {
        err_set(&e, "Payload.TooLarge",
                "step '%s' returned %zu bytes of JSON; an operation result holds at most %d",
                op->name, len, PAYLOAD_MAX);
        out = step_failed(x, op, attempt, started, &e, 0);
        goto done;
    }
    store_op r = replay_op_row(x, op, STORE_OP_STEP, "Step", STORE_SUCCEEDED);
    r.attempt = attempt;
    r.result = text;
    if (serdes)
        r.result_mode = SERDES_STEP_MODE;
    r.started_at = started;
    r.ended_at = clock_now(x->clk);
    /* Held: appended with the next side effect, or the end. */
    if (replay_checkpoint_tx(x, &r, NULL, 1) != 0)
        goto done;
    if (op->as && scope_set(x->sc, op->as, result) != 0) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    out = CAIRN_NEXT;
done:
    cJSON_free(text);
    cJSON_Delete(result);
    err_cleanup(&e);
    return out;
}

/* A step found in the journal: replay it, or go on with it where it stands. */
int op_step_replay(cairn_exec *x, const cairn_op *op, const cJSON *args, const store_op *row)
{
    int out = CAIRN_STOP;
    cairn_error e;
    err_init(&e);
    if (row->status == STORE_SUCCEEDED && row->result_mode &&
        !strcmp(row->result_mode, SERDES_STEP_MODE)) {
        /* decode again what was journaled; a decode that fails now fails the step */
        cJSON *value = NULL;
        if (serdes_step_replay(x, op, row->result, &value, &e) != 0)
            out = replay_catch_or_fail(x, op, NULL, &e);
        else if (op->as && scope_set(x->sc, op->as, value) != 0)
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        else
            out = CAIRN_NEXT;
        cJSON_Delete(value);
    } else if (row->status == STORE_SUCCEEDED || row->status == STORE_FAILED) {
        out = replay_ended(x, op, row);
    } else if (row->status == STORE_PENDING) {
        if (row->next_attempt_at != STORE_NO_TIME && row->next_attempt_at > clock_now(x->clk))
            out = replay_suspend(x, NULL, row->next_attempt_at);
        else
            out = op_step_attempt(x, op, args, row->attempt + 1);
    } else if (row->status == STORE_STARTED) {
        int attempt = row->attempt > 0 ? row->attempt : 1;
        if (op->at_most_once) {
            err_set(&e, "Step.Interrupted",
                    "step '%s' attempt %d was interrupted before its result was recorded "
                    "(at_most_once: it is not run again)",
                    op->name, attempt);
            out = step_failed(x, op, attempt, row->started_at, &e, 1);
        } else {
            out = op_step_attempt(x, op, args, attempt);
        }
    } else {
        out = replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                          "%s: execution %s: operation %s has status %s, which a step never has",
                          x->j->name, x->row->id, x->cur_id, store_status_name(row->status));
    }
    err_cleanup(&e);
    return out;
}

int cairn_step(cairn_exec *x, const cairn_op *op, const cJSON *args)
{
    const store_op *row;
    int out = CAIRN_STOP;
    if (replay_op_enter(x, STORE_OP_STEP, op, &row) == 0)
        out = row ? op_step_replay(x, op, args, row) : op_step_attempt(x, op, args, 1);
    scope_reset(x->sc);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Waits                                                                     */
/* ------------------------------------------------------------------------ */

/* A wait that ends at `end` (new), or as its journal row says; now is the clock's time. */
static int wait_op(cairn_exec *x, const cairn_op *op, const store_op *row, int64_t now, int64_t end)
{
    if (row) {
        if (row->status == STORE_SUCCEEDED)
            return CAIRN_NEXT;
        if (row->status != STORE_STARTED || row->timeout_at == STORE_NO_TIME)
            return replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                               "%s: execution %s: wait %s has status %s and no scheduled end",
                               x->j->name, x->row->id, x->cur_id, store_status_name(row->status));
        if (now < row->timeout_at)
            return replay_suspend(x, NULL, row->timeout_at);
        store_op r = *row;
        r.mem = NULL;
        r.status = STORE_SUCCEEDED;
        r.ended_at = now;
        return replay_checkpoint(x, &r, NULL) == 0 ? CAIRN_NEXT : CAIRN_STOP;
    }
    store_op r = replay_op_row(x, op, STORE_OP_WAIT, "Wait", STORE_STARTED);
    r.started_at = now;
    r.timeout_at = end;
    if (end > now)
        return replay_suspend(x, &r, end);
    r.status = STORE_SUCCEEDED;
    r.ended_at = now;
    return replay_checkpoint(x, &r, NULL) == 0 ? CAIRN_NEXT : CAIRN_STOP;
}

int cairn_wait_for(cairn_exec *x, const cairn_op *op, int64_t ms)
{
    const store_op *row;
    int out = CAIRN_STOP;
    if (replay_op_enter(x, STORE_OP_WAIT, op, &row) == 0) {
        int64_t now = clock_now(x->clk);
        int64_t end = ms > INT64_MAX - now ? INT64_MAX : now + (ms > 0 ? ms : 0);
        out = wait_op(x, op, row, now, end);
    }
    scope_reset(x->sc);
    return out;
}

int cairn_wait_until(cairn_exec *x, const cairn_op *op, const cJSON *when)
{
    const store_op *row;
    int out = CAIRN_STOP;
    int64_t end;
    if (replay_op_enter(x, STORE_OP_WAIT, op, &row) != 0)
        goto done;
    if (row) {
        out = wait_op(x, op, row, clock_now(x->clk), 0);
    } else if (cJSON_IsString(when) && rfc3339_parse(when->valuestring, &end) == 0) {
        out = wait_op(x, op, NULL, clock_now(x->clk), end);
    } else {
        char *shown = engine_json_text(when);
        out = replay_fail(x, "Wait.InvalidTime",
                          "wait '%s': `until` must be an RFC 3339 timestamp string such as "
                          "\"2026-11-28T13:05:00Z\", got %s",
                          op->name, shown ? shown : "null");
        cJSON_free(shown);
    }
done:
    scope_reset(x->sc);
    return out;
}
