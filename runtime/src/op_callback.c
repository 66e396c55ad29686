/*
 * op_callback.c — the callback operations of the generated state machines:
 * cairn_callback (a new callback id, committed before anything can see it),
 * cairn_await, cairn_wait_for_callback (a CONTEXT with the callback and its
 * submitter step), and the cb_* helpers that read where a callback stands.
 *
 * Owns: nothing past one call; the invocation is replay.c's.
 * Never: delivers one callback result twice; leaves a wait_for_callback
 * waiting once its submitter gave up (the callback is cancelled).
 */

#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "mem.h"
#include "serdes.h"
#include "scope.h"
#include "store.h"
#include "engine_impl.h"
#include "replay.h"

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------ */

/* Sets variable var to {"id": callback_id} without making it the default output. */
static int set_callback_var(cairn_exec *x, const char *var, const char *callback_id)
{
    cJSON *last = x->sc->last_as;
    cJSON *v = cJSON_CreateObject();
    int rc = v && cJSON_AddStringToObject(v, "id", callback_id) ? scope_set(x->sc, var, v) : -1;
    cJSON_Delete(v);
    x->sc->last_as = last;
    if (rc != 0)
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    return rc;
}

static int cb_close_passed(cairn_exec *x, const char *opid);

/*
 * A backend that mints callback ids (Lambda) has the one it minted for the
 * CALLBACK just started at seen->id: it replaces the engine's own in seen.
 * Returns 0, or -1 with the invocation stopped.
 */
static int callback_minted(cairn_exec *x, cb_seen *seen)
{
    cairn_error err;
    err_init(&err);
    store_op r;
    memset(&r, 0, sizeof r);
    int rc = journal_refresh(x->j, seen->id, &r, &err);
    if (rc == CAIRN_OK &&
        (!r.callback_id || !*r.callback_id || strlen(r.callback_id) >= sizeof seen->callback_id)) {
        err_set(&err, "Store.Error",
                "%s: execution %s: the backend minted no usable callback id for callback %s",
                x->j->name, x->row->id, seen->id);
        rc = CAIRN_ERR_STORE;
    }
    if (rc == CAIRN_OK)
        snprintf(seen->callback_id, sizeof seen->callback_id, "%s", r.callback_id);
    store_op_cleanup(&r);
    if (rc != CAIRN_OK) {
        replay_stop_store(x, rc, &err);
        err_cleanup(&err);
        return -1;
    }
    err_cleanup(&err);
    return 0;
}

/*
 * The CALLBACK operation at the current id: replayed from row, or created
 * (a new callback id, committed STARTED with its deadlines before anything
 * can see it). One still STARTED whose deadline passed ends TIMED_OUT now,
 * awaited or not. Sets variable var to {"id": ...}, fills *seen and adds it
 * to the callbacks reached (named name: an await's; NULL: a submitter's).
 * Returns 0, or -1 with the invocation stopped.
 */
static int callback_enter(cairn_exec *x, const cairn_op *op, const store_op *row, const char *var,
                          const char *name, cb_seen *seen)
{
    memset(seen, 0, sizeof *seen);
    snprintf(seen->id, sizeof seen->id, "%s", x->cur_id);
    snprintf(seen->ctx, sizeof seen->ctx, "%s", x->fr ? x->fr->id : "");
    seen->name = name;
    seen->row = row;
    seen->timeout_at = row ? row->timeout_at : STORE_NO_TIME;
    seen->heartbeat_at = row ? row->heartbeat_at : STORE_NO_TIME;
    seen->open = !row || row->status == STORE_STARTED;
    if (row) {
        if (!row->callback_id || strlen(row->callback_id) >= sizeof seen->callback_id) {
            replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                        "%s: execution %s: callback operation %s has no valid callback id",
                        x->j->name, x->row->id, x->cur_id);
            return -1;
        }
        snprintf(seen->callback_id, sizeof seen->callback_id, "%s", row->callback_id);
    } else {
        if (ids_callback(seen->callback_id, sizeof seen->callback_id) != 0) {
            replay_stop(x, CAIRN_ERR_INTERNAL, "Cairn.Internal",
                        "no randomness for a callback id (getrandom failed)");
            return -1;
        }
        int64_t now = clock_now(x->clk);
        store_op r = replay_op_row(x, op, STORE_OP_CALLBACK, "Callback", STORE_STARTED);
        r.started_at = now;
        r.callback_id = seen->callback_id;
        /* journaled so the callback API can refuse a result the await could not read */
        r.result_mode = op->result_hook.run ? SERDES_HOOK_MODE : op->result_text ? "text" : "json";
        if (op->timeout_ms > 0)
            r.timeout_at = now + op->timeout_ms;
        if (op->heartbeat_ms > 0) {
            r.heartbeat_ms = op->heartbeat_ms;
            r.heartbeat_at = now + op->heartbeat_ms;
        }
        if (replay_checkpoint(x, &r, NULL) != 0)
            return -1;
        if (x->j->mints_callback_ids && callback_minted(x, seen) != 0)
            return -1;
        seen->timeout_at = r.timeout_at;
        seen->heartbeat_at = r.heartbeat_at;
    }
    cb_seen *v = mem_realloc(x->cbs, (x->ncbs + 1) * sizeof *v);
    if (!v) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    v[x->ncbs++] = *seen;
    x->cbs = v;
    if (row && seen->open && cb_close_passed(x, seen->id) != 0)
        return -1;
    return set_callback_var(x, var, seen->callback_id);
}

/* Where a callback stands. */
typedef struct cb_state {
    store_status status; /* STARTED SUCCEEDED FAILED TIMED_OUT CANCELLED */
    char *result;      /* SUCCEEDED: the journaled result (a JSON string of the raw text); owned */
    cairn_error error; /* FAILED, TIMED_OUT, CANCELLED */
    int64_t timeout_at, heartbeat_at;
} cb_state;

static void cb_state_cleanup(cb_state *s)
{
    mem_free(s->result);
    err_cleanup(&s->error);
    memset(s, 0, sizeof *s);
}

/* From a journal row. Returns 0, or -1 (out of memory, or an unreadable error). */
static int cb_state_from_row(cb_state *s, const store_op *r)
{
    memset(s, 0, sizeof *s);
    err_init(&s->error);
    s->status = r->status;
    s->timeout_at = r->timeout_at;
    s->heartbeat_at = r->heartbeat_at;
    if (r->result && !(s->result = mem_strdup(r->result)))
        return -1;
    if (s->status == STORE_SUCCEEDED || s->status == STORE_STARTED)
        return 0;
    if (r->error) {
        cJSON *j = cJSON_Parse(r->error);
        int rc = j ? err_from_json(&s->error, j) : -1;
        cJSON_Delete(j);
        return rc;
    }
    if (s->status == STORE_CANCELLED)
        err_set(&s->error, "Callback.Cancelled", "Callback cancelled");
    else
        err_set(&s->error, "Callback.Failed", "Callback failed");
    return err_isset(&s->error) ? 0 : -1;
}

static int cb_state_from_seen(cb_state *s, const cb_seen *c)
{
    if (c->row)
        return cb_state_from_row(s, c->row);
    memset(s, 0, sizeof *s);
    err_init(&s->error);
    s->status = STORE_STARTED;
    s->timeout_at = c->timeout_at;
    s->heartbeat_at = c->heartbeat_at;
    return 0;
}

/*
 * The deadline error of a STARTED callback at now (Callback.Timeout first),
 * if one passed; *at (may be NULL) gets that deadline, when it timed out.
 */
static int cb_deadline_passed(int64_t timeout_at, int64_t heartbeat_at, int64_t now, cairn_error *e,
                              int64_t *at)
{
    if (timeout_at != STORE_NO_TIME && now >= timeout_at) {
        if (at)
            *at = timeout_at;
        return err_set(e, "Callback.Timeout", "Callback timed out");
    }
    if (heartbeat_at != STORE_NO_TIME && now >= heartbeat_at) {
        if (at)
            *at = heartbeat_at;
        return err_set(e, "Callback.Heartbeat", "Callback timed out on heartbeat");
    }
    return 0;
}

/* The callback reached as operation opid now stands as r says (its deadlines wake while open). */
static void cb_seen_update(cairn_exec *x, const char *opid, const store_op *r)
{
    for (size_t i = 0; i < x->ncbs; i++) {
        cb_seen *c = &x->cbs[i];
        if (strcmp(c->id, opid) != 0)
            continue;
        c->open = r->status == STORE_STARTED;
        c->timeout_at = r->timeout_at;
        c->heartbeat_at = r->heartbeat_at;
    }
}

/*
 * Reads callback opid afresh (journal_refresh: what completed outside) and
 * closes it if it is still STARTED: TIMED_OUT when a deadline has passed
 * (ended at that deadline, as AWS times it, not when it was noticed), else
 * CANCELLED when cancel is set. The close expects the row it read, so a
 * result or heartbeat that got there first wins: it is read again and taken.
 * *s gets the outcome. Returns 0, or -1 with the invocation stopped.
 */
static int cb_settle(cairn_exec *x, const char *opid, int cancel, cb_state *s)
{
    if (replay_flush(x) != 0) /* what is held goes first */
        return -1;
    cairn_error err, e;
    err_init(&err);
    err_init(&e);
    store_op r;
    memset(&r, 0, sizeof r);
    char *etext = NULL;
    int64_t now = clock_now(x->clk);
    int rc = CAIRN_OK;
    for (int tries = 0; rc == CAIRN_OK; tries++) {
        store_op_cleanup(&r);
        err_cleanup(&e);
        int64_t at = now;
        rc = journal_refresh(x->j, opid, &r, &err);
        if (rc != CAIRN_OK || r.status != STORE_STARTED ||
            !(cb_deadline_passed(r.timeout_at, r.heartbeat_at, now, &e, &at) || cancel))
            break;
        if (err_isset(&e) && !etext && !(etext = engine_error_text(&e))) {
            err_set(&err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
            break;
        }
        journal_update u = {.op = r, .expect_status = STORE_STARTED, .expect_attempt = r.attempt};
        u.op.mem = NULL;
        u.op.status = err_isset(&e) ? STORE_TIMED_OUT : STORE_CANCELLED;
        u.op.error = err_isset(&e) ? etext : NULL;
        u.op.ended_at = at;
        u.action = journal_action_of(u.op.status);
        rc = journal_append(x->j, &u, 1, NULL, &err);
        if (rc == CAIRN_ERR_CONFLICT && tries < 2) {
            err_cleanup(&err); /* it changed meanwhile: read it again */
            rc = CAIRN_OK;
            continue;
        }
        if (rc == CAIRN_OK) {
            r.status = u.op.status;
            r.error = u.op.error;
        }
        break;
    }
    if (rc == CAIRN_OK)
        cb_seen_update(x, opid, &r);
    long failed_before = mem_failures();
    if (rc == CAIRN_OK && cb_state_from_row(s, &r) != 0) {
        cb_state_cleanup(s);
        if (mem_failures() != failed_before) {
            err_set(&err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
        } else {
            err_set(&err, "Store.Error",
                    "%s: execution %s: the journaled error of operation %s is unreadable",
                    x->j->name, x->row->id, opid);
            rc = CAIRN_ERR_STORE;
        }
    }
    if (rc != CAIRN_OK)
        replay_stop_store(x, rc, &err);
    store_op_cleanup(&r);
    cJSON_free(etext);
    err_cleanup(&e);
    err_cleanup(&err);
    return rc == CAIRN_OK ? 0 : -1;
}

/*
 * Replay passes callback opid, STARTED when loaded: if a deadline of it has
 * passed, it ends TIMED_OUT now, whether or not the code is at its await (an
 * await after it raises the journaled error). Returns 0, or -1 with the
 * invocation stopped.
 */
static int cb_close_passed(cairn_exec *x, const char *opid)
{
    const cb_seen *c = NULL;
    for (size_t i = 0; i < x->ncbs && !c; i++)
        if (strcmp(x->cbs[i].id, opid) == 0)
            c = &x->cbs[i];
    cairn_error e;
    err_init(&e);
    int passed =
        c && cb_deadline_passed(c->timeout_at, c->heartbeat_at, clock_now(x->clk), &e, NULL);
    err_cleanup(&e);
    if (!passed)
        return 0;
    cb_state s;
    if (cb_settle(x, opid, 0, &s) != 0)
        return -1;
    cb_state_cleanup(&s);
    return 0;
}

/*
 * The value of a SUCCEEDED callback: the raw text that was sent, kept a
 * string (`result: text`) or parsed as JSON (empty: null). NULL with e set
 * (Callback.InvalidResult), or NULL alone when out of memory.
 */
static cJSON *cb_value(cairn_exec *x, const cairn_op *op, const char *journaled, cairn_error *e)
{
    long failed_before = mem_failures();
    cJSON *j = journaled ? cJSON_Parse(journaled) : NULL;
    const char *raw = cJSON_IsString(j) ? j->valuestring : "";
    cJSON *v = NULL;
    if (mem_failures() != failed_before) {
        /* out of memory: NULL alone */
    } else if (op->result_hook.run) {
        if (serdes_decode(x, op, &op->result_hook, raw, "Callback.InvalidResult", &v, e) != 0)
            v = NULL;
    } else if (op->result_text) {
        v = cJSON_CreateString(raw);
    } else if (*raw == '\0') {
        v = cJSON_CreateNull();
    } else if (!(v = cJSON_ParseWithOpts(raw, NULL, 1)) && mem_failures() == failed_before) {
        err_set(e, "Callback.InvalidResult",
                "the callback result is not JSON (use `result: text` to take it as text): %.60s",
                raw);
    }
    cJSON_Delete(j);
    return v;
}

/* A wait_for_callback's CONTEXT operation, as this invocation knows it. */
typedef struct ctx_ref {
    char id[OP_ID_MAX];
    int64_t seq;
    store_status status; /* as last written or loaded; STORE_NONE: no row */
    int64_t started_at;
} ctx_ref;

/* Makes the CONTEXT current again and gives its row with status. */
static store_op ctx_row(cairn_exec *x, const cairn_op *op, const ctx_ref *c, store_status status)
{
    snprintf(x->cur_id, sizeof x->cur_id, "%s", c->id);
    x->cur_parent = replay_parent(x);
    x->cur_seq = c->seq;
    x->cur_status = c->status;
    x->cur_attempt = 0;
    store_op r = replay_op_row(x, op, STORE_OP_CONTEXT, "WaitForCallback", status);
    r.started_at = c->started_at;
    return r;
}

/*
 * The end of an await (ctx NULL) or of a wait_for_callback (ctx: its
 * CONTEXT, which ends with the callback): suspend while callback opid is
 * open, else its result (`as`, CAIRN_NEXT) or its error through the catches.
 * Takes s (cleans it up).
 */
static int cb_outcome(cairn_exec *x, const cairn_op *op, const char *opid, cb_state *s,
                      const ctx_ref *ctx)
{
    int out = CAIRN_STOP;
    cJSON *v = NULL;
    char *text = NULL;
    cairn_error e;
    err_init(&e);
    int64_t now = clock_now(x->clk);
    if (s->status == STORE_STARTED &&
        cb_deadline_passed(s->timeout_at, s->heartbeat_at, now, &e, NULL)) {
        err_cleanup(&e);
        cb_state_cleanup(s);
        if (cb_settle(x, opid, 0, s) != 0)
            goto done;
    }
    if (s->status == STORE_STARTED) {
        int64_t wake = s->timeout_at;
        if (s->heartbeat_at != STORE_NO_TIME && (wake == STORE_NO_TIME || s->heartbeat_at < wake))
            wake = s->heartbeat_at;
        out = replay_suspend(x, NULL, wake);
        goto done;
    }
    if (s->status == STORE_SUCCEEDED) {
        if (!(v = cb_value(x, op, s->result, &e)) && !err_isset(&e)) {
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
    } else {
        err_move(&e, &s->error);
    }
    if (v) {
        if (ctx) {
            if (!(text = engine_json_text(v))) {
                out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
                goto done;
            }
            store_op r = ctx_row(x, op, ctx, STORE_SUCCEEDED);
            r.result = text;
            r.ended_at = now;
            if (replay_checkpoint(x, &r, NULL) != 0)
                goto done;
        }
        if (op->as && scope_set(x->sc, op->as, v) != 0) {
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
        out = CAIRN_NEXT;
    } else if (ctx) {
        if (!(text = engine_error_text(&e))) {
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
        store_op r = ctx_row(x, op, ctx, STORE_FAILED);
        r.error = text;
        r.ended_at = now;
        out = replay_catch_or_fail(x, op, &r, &e);
    } else {
        out = replay_catch_or_fail(x, op, NULL, &e);
    }
done:
    cJSON_Delete(v);
    cJSON_free(text);
    err_cleanup(&e);
    cb_state_cleanup(s);
    return out;
}

int cairn_callback(cairn_exec *x, const cairn_op *op)
{
    const store_op *row;
    int out = CAIRN_STOP;
    cb_seen seen;
    if (replay_op_enter(x, STORE_OP_CALLBACK, op, &row) != 0 ||
        callback_enter(x, op, row, op->name, op->name, &seen) != 0)
        goto done;
    out = CAIRN_NEXT;
done:
    scope_reset(x->sc);
    return out;
}

/* Is context id ctx (an operation id, "" for the execution) id itself or one enclosing it? */
static int within(const char *id, const char *ctx)
{
    size_t n = strlen(ctx);
    return n == 0 || (strncmp(id, ctx, n) == 0 && (id[n] == '\0' || id[n] == '-'));
}

int cb_cancel_under(cairn_exec *x, const char *id)
{
    for (size_t i = 0; i < x->ncbs; i++) {
        if (!x->cbs[i].open || !within(x->cbs[i].id, id))
            continue;
        char opid[OP_ID_MAX];
        snprintf(opid, sizeof opid, "%s", x->cbs[i].id); /* cb_settle may move x->cbs */
        cb_state s;
        if (cb_settle(x, opid, 1, &s) != 0)
            return -1;
        cb_state_cleanup(&s);
    }
    return 0;
}

int cairn_await(cairn_exec *x, const cairn_op *op)
{
    int out = CAIRN_STOP;
    const cb_seen *c = NULL;
    cb_state s;
    if (x->ended)
        goto done;
    if (x->sc->oom) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (replay_timed_out(x))
        goto done;
    /* the callback of that name created in this context or an enclosing one */
    const char *here = x->fr ? x->fr->id : "";
    for (size_t i = x->ncbs; i-- > 0 && !c;)
        if (op->callback && x->cbs[i].name && strcmp(x->cbs[i].name, op->callback) == 0 &&
            within(here, x->cbs[i].ctx))
            c = &x->cbs[i];
    if (!c) {
        replay_fail(x, "Cairn.Internal",
                    "await '%s': callback '%s' was not created before it in this execution "
                    "(a bug in the generated code)",
                    op->name, op->callback ? op->callback : "");
        goto done;
    }
    long failed_before = mem_failures();
    if (cb_state_from_seen(&s, c) != 0) {
        cb_state_cleanup(&s);
        replay_stop_unreadable(x, failed_before, "callback", c->id);
        goto done;
    }
    out = cb_outcome(x, op, c->id, &s, NULL);
done:
    scope_reset(x->sc);
    return out;
}

/* The submitter (STEP sid) gave up: the CONTEXT fails with Submitter.Failed and the cause. */
static int submitter_failed(cairn_exec *x, const cairn_op *op, const ctx_ref *ctx, const char *sid)
{
    int out = CAIRN_STOP;
    store_op step;
    cairn_error err, cause, e;
    err_init(&err);
    err_init(&cause);
    err_init(&e);
    char *text = NULL;
    cJSON *j = NULL;
    memset(&step, 0, sizeof step);
    if (replay_flush(x) != 0)
        goto done;
    int rc = journal_refresh(x->j, sid, &step, &err);
    if (rc != CAIRN_OK) {
        out = replay_stop_store(x, rc, &err);
        goto done;
    }
    long failed_before = mem_failures();
    j = step.error ? cJSON_Parse(step.error) : NULL;
    int read = j && err_from_json(&cause, j) == 0;
    if (!read && mem_failures() != failed_before) { /* out of memory, not a missing error */
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (!read)
        err_set(&cause, "Step.Failed", "the submitter failed without an error");
    cJSON *data = err_to_json(&cause);
    if (data && !cJSON_HasObjectItem(data, "data") && !cJSON_AddNullToObject(data, "data")) {
        cJSON_Delete(data);
        data = NULL;
    }
    err_set_data(&e, "Submitter.Failed", data,
                 "the submitter of '%s' failed after %d attempt%s: %s: %s", op->name, step.attempt,
                 step.attempt == 1 ? "" : "s", cause.type, cause.message);
    if (!data || !(text = engine_error_text(&e))) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    store_op r = ctx_row(x, op, ctx, STORE_FAILED);
    r.error = text;
    r.ended_at = clock_now(x->clk);
    out = replay_catch_or_fail(x, op, &r, &e);
done:
    cJSON_Delete(j);
    cJSON_free(text);
    store_op_cleanup(&step);
    err_cleanup(&err);
    err_cleanup(&cause);
    err_cleanup(&e);
    return out;
}

int cairn_wait_for_callback(cairn_exec *x, const cairn_op *op, cairn_args_fn args)
{
    const store_op *row;
    int out = CAIRN_STOP;
    cairn_error e;
    err_init(&e);
    if (replay_op_enter(x, STORE_OP_CONTEXT, op, &row) != 0)
        goto done;
    ctx_ref ctx = {.seq = x->cur_seq,
                   .status = x->cur_status,
                   .started_at = row ? row->started_at : clock_now(x->clk)};
    snprintf(ctx.id, sizeof ctx.id, "%s", x->cur_id);

    /* A finished wait_for_callback returns its journaled outcome. */
    if (row && (row->status == STORE_SUCCEEDED || row->status == STORE_FAILED)) {
        out = replay_ended(x, op, row);
        goto done;
    }
    if (!row) {
        store_op r = ctx_row(x, op, &ctx, STORE_STARTED);
        if (replay_checkpoint(x, &r, NULL) != 0)
            goto done;
        ctx.status = STORE_STARTED;
    }

    /* Child N-1: the callback; its id is the variable `callback`. */
    char cid[OP_ID_MAX + 2], sid[OP_ID_MAX + 2];
    snprintf(cid, sizeof cid, "%s-1", ctx.id);
    snprintf(sid, sizeof sid, "%s-2", ctx.id);
    if (strlen(cid) >= OP_ID_MAX) {
        replay_fail(x, "Execution.TooDeep",
                    "operation ids under %s would pass %d characters: fan-out is nested too deep",
                    ctx.id, OP_ID_MAX - 1);
        goto done;
    }
    cb_seen seen;
    const store_op *crow = replay_find(x, cid);
    replay_op_at(x, cid, ctx.id, crow);
    if (callback_enter(x, op, crow, "callback", NULL, &seen) != 0)
        goto done;

    /* Child N-2: the submitter, a step retried as any other. */
    const store_op *srow = replay_find(x, sid);
    replay_op_at(x, sid, ctx.id, srow);
    int sub;
    if (srow && srow->status == STORE_SUCCEEDED) {
        sub = CAIRN_NEXT;
    } else if (srow && srow->status == STORE_FAILED) {
        sub = STEP_GAVE_UP;
    } else {
        cairn_op step = *op; /* its result and errors are not the operation's */
        step.as = NULL;
        step.catches = NULL;
        step.ncatches = 0;
        const cJSON *a = args ? args(x) : NULL;
        x->in_submitter = 1;
        x->cur_callback_id = seen.callback_id;
        sub = srow ? op_step_replay(x, &step, a, srow) : op_step_attempt(x, &step, a, 1);
        x->in_submitter = 0;
        x->cur_callback_id = NULL;
    }

    cb_state s;
    long failed_before = mem_failures();
    if (sub == STEP_GAVE_UP) {
        /* Never left waiting: the callback is cancelled, unless it resolved already. */
        if (cb_settle(x, cid, 1, &s) != 0)
            goto done;
        if (s.status == STORE_CANCELLED) {
            cb_state_cleanup(&s);
            out = submitter_failed(x, op, &ctx, sid);
            goto done;
        }
    } else if (sub != CAIRN_NEXT) {
        goto done; /* suspended for a retry, or stopped */
    } else if (cb_state_from_seen(&s, &seen) != 0) {
        cb_state_cleanup(&s);
        out = replay_stop_unreadable(x, failed_before, "callback", cid);
        goto done;
    }
    out = cb_outcome(x, op, cid, &s, &ctx);
done:
    x->cur_parent = replay_parent(x);
    err_cleanup(&e);
    scope_reset(x->sc);
    return out;
}
