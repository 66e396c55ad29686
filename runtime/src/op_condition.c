/*
 * op_condition.c — `wait_for_condition` (DESIGN §3b, AWS waitForCondition):
 * one STEP (WaitForCondition) whose check runs at once, then after each
 * backoff delay, each time with the state the previous one returned, until
 * `until` holds of the new state.
 *
 * Journal: each check that does not meet the condition leaves the row
 * PENDING with the new state as its result and the next attempt's time
 * (AWS's RETRY with the state as payload); the one that meets it SUCCEEDS
 * with that state; out of attempts it FAILS with Condition.Exhausted (data:
 * the last state); an error of the check is not retried: the row FAILS with
 * that error.
 *
 * Owns: nothing past one call.
 * Never: runs a check before what precedes it is durable, or with a state
 * other than the one journaled before it.
 */

#include <string.h>

#include "engine_impl.h"
#include "ids.h"
#include "mem.h"
#include "replay.h"
#include "retry.h"
#include "scope.h"
#include "store.h"

/* The check failed for good with e (its own error, or Condition.Exhausted): the row FAILS. */
static int condition_failed(cairn_exec *x, const cairn_op *op, int attempt, int64_t started,
                            const cairn_error *e)
{
    char *etext = engine_error_text(e);
    if (!etext)
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    store_op r = replay_op_row(x, op, STORE_OP_STEP, "WaitForCondition", STORE_FAILED);
    r.attempt = attempt;
    r.error = etext;
    r.started_at = started;
    r.ended_at = clock_now(x->clk);
    int out = replay_catch_or_fail(x, op, &r, e);
    cJSON_free(etext);
    return out;
}

/*
 * Makes tmp, a scope of its own over the current one holding `state`, the
 * current scope until state_leave (nothing of it stays). 0, or -1 out of
 * memory (tmp cleaned up, the current scope unchanged).
 */
static int state_enter(cairn_exec *x, scope *tmp, const cJSON *state, scope **outer)
{
    if (scope_init(tmp) != 0 || scope_set(tmp, "state", state) != 0) {
        scope_cleanup(tmp);
        return -1;
    }
    *outer = x->sc;
    tmp->up = x->sc;
    x->sc = tmp;
    return 0;
}

/* Back to the scope state_enter left; 0, or -1 when tmp ran out of memory meanwhile. */
static int state_leave(cairn_exec *x, scope *tmp, scope *outer)
{
    x->sc = outer;
    int oom = tmp->oom;
    scope_cleanup(tmp);
    return oom ? -1 : 0;
}

/* Does until(x) hold with `state` set to state? 1 or 0, or -1 out of memory. */
static int condition_met(cairn_exec *x, int (*until)(cairn_exec *), const cJSON *state)
{
    scope tmp, *outer;
    if (state_enter(x, &tmp, state, &outer) != 0)
        return -1;
    int met = until ? until(x) != 0 : 1;
    return state_leave(x, &tmp, outer) != 0 ? -1 : met;
}

/*
 * The check's arguments, built with `state` in scope: `with` plus `state`
 * for a hook; an http check's request as it is (its url, headers or body
 * say where the state goes). NULL: no memory.
 */
static cJSON *condition_args(cairn_exec *x, const cairn_op *op, const cJSON *state)
{
    scope tmp, *outer;
    if (state_enter(x, &tmp, state, &outer) != 0)
        return NULL;
    const cJSON *with = op->check_args ? op->check_args(x) : NULL;
    cJSON *a = cJSON_IsObject(with) ? cJSON_Duplicate(with, 1) : cJSON_CreateObject();
    int oom = state_leave(x, &tmp, outer) != 0; /* `with` lived in tmp: copied before */
    cJSON *s = op->run == CAIRN_RUN_HTTP ? NULL : cJSON_Duplicate(state, 1);
    if (oom || !a || (op->run != CAIRN_RUN_HTTP && (!s || !cJSON_AddItemToObject(a, "state", s)))) {
        cJSON_Delete(s);
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

/* Check number `attempt` with state: the row as its outcome says, then on or suspend. */
static int condition_attempt(cairn_exec *x, const cairn_op *op, const cJSON *state, int attempt)
{
    int out = CAIRN_STOP;
    cJSON *result = NULL, *call = NULL;
    char *text = NULL;
    cairn_error e;
    err_init(&e);
    int64_t started = clock_now(x->clk);
    if (!(call = condition_args(x, op, state))) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (replay_may_start(x, "check", op->name) != 0 ||
        replay_flush(x) != 0) /* what came before is durable before the check runs */
        goto done;
    int rc = op_step_body(x, op, call, attempt, &result, &e);
    if (rc == STEP_BODY_NOMEM)
        goto done;
    if (rc != 0) { /* an error of the check is not retried */
        out = condition_failed(x, op, attempt, started, &e);
        goto done;
    }
    if (!result && !(result = cJSON_CreateNull())) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (!(text = engine_json_text(result))) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (strlen(text) > PAYLOAD_MAX) {
        err_set(&e, "Payload.TooLarge",
                "the check of '%s' returned a state of %zu bytes of JSON; it may hold at most %d",
                op->name, strlen(text), PAYLOAD_MAX);
        out = condition_failed(x, op, attempt, started, &e);
        goto done;
    }
    int met = condition_met(x, op->until, result);
    if (met < 0) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory",
                          "out of memory while evaluating the `until` of '%s'", op->name);
        goto done;
    }
    store_op r = replay_op_row(x, op, STORE_OP_STEP, "WaitForCondition", STORE_SUCCEEDED);
    r.attempt = attempt;
    r.result = text;
    r.started_at = started;
    if (met) {
        r.ended_at = clock_now(x->clk);
        if (replay_checkpoint_tx(x, &r, NULL, 1) == 0)
            out = op->as && scope_set(x->sc, op->as, result) != 0
                      ? replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory")
                      : CAIRN_NEXT;
        goto done;
    }
    int max = retry_effective(&op->retry).max_attempts;
    if (attempt >= max) {
        err_set_data(&e, "Condition.Exhausted", cJSON_Duplicate(result, 1),
                     "wait_for_condition '%s' exceeded its maximum attempts (%d)", op->name, max);
        out = condition_failed(x, op, attempt, started, &e);
        goto done;
    }
    r.status = STORE_PENDING;
    r.next_attempt_at = clock_now(x->clk) + retry_delay_ms(&op->retry, attempt, ids_random_unit());
    out = replay_suspend(x, &r, r.next_attempt_at);
done:
    cJSON_free(text);
    cJSON_Delete(result);
    cJSON_Delete(call);
    err_cleanup(&e);
    return out;
}

int cairn_wait_for_condition(cairn_exec *x, const cairn_op *op, const cJSON *initial)
{
    const store_op *row;
    int out = CAIRN_STOP;
    cJSON *state = NULL;
    if (replay_op_enter(x, STORE_OP_STEP, op, &row) != 0)
        goto done;
    if (row && (row->status == STORE_SUCCEEDED || row->status == STORE_FAILED)) {
        out = replay_ended(x, op, row);
        goto done;
    }
    if (row && row->status == STORE_PENDING) {
        if (row->next_attempt_at != STORE_NO_TIME && row->next_attempt_at > clock_now(x->clk)) {
            out = replay_suspend(x, NULL, row->next_attempt_at);
            goto done;
        }
        long failed_before = mem_failures();
        if (!row->result || !(state = cJSON_Parse(row->result))) {
            out = replay_stop_unreadable(x, failed_before, "state of operation", x->cur_id);
            goto done;
        }
        out = condition_attempt(x, op, state, row->attempt + 1);
        goto done;
    }
    if (row && row->status != STORE_STARTED) {
        out = replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                          "%s: execution %s: operation %s has status %s, which a "
                          "wait_for_condition never has",
                          x->j->name, x->row->id, x->cur_id, store_status_name(row->status));
        goto done;
    }
    /* new (or STARTED by an older writer: its check runs again from the initial state) */
    if (!(state = initial ? cJSON_Duplicate(initial, 1) : cJSON_CreateNull())) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    out = condition_attempt(x, op, state, row && row->attempt > 0 ? row->attempt : 1);
done:
    cJSON_Delete(state);
    scope_reset(x->sc);
    return out;
}
