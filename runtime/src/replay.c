/*
 * replay.c — one invocation's replay and checkpoints (DESIGN §5), on a
 * journal backend (journal.h): load, the journal index and the current
 * operation (replay_op_enter, replay_op_at, replay_op_row), checkpoints
 * (updates held until the next side effect, then appended as one unit), the
 * suspend and the end of the execution (succeed, fail, time out), the
 * catches, and the variables set from journaled results.
 *
 * Owns: for one invocation, the cairn_exec (scope, held updates, the
 * callbacks reached), freed when replay_invoke returns; the rows are the
 * backend's.
 * Never: touches the journal but through journal.h; moves past an operation
 * before the append holding its result has returned; writes an update that
 * does not expect the row it last saw (a concurrent invocation is caught,
 * not undone); leaves an invocation without an outcome (ended, suspended,
 * or an error returned to the caller).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#include "clock.h"
#include "mem.h"
#include "scope.h"
#include "store.h"
#include "engine_impl.h"
#include "journal.h"
#include "replay.h"
#include "duration.h"
#include "kinds.h"
#include "rfc3339.h"

scope *exec_scope(cairn_exec *x)
{
    return x->sc;
}

/* ------------------------------------------------------------------------ */
/* Checkpoints                                                               */
/* ------------------------------------------------------------------------ */

/* Stops the invocation without an outcome: the caller gets rc, nothing more is written. */
int replay_stop(cairn_exec *x, int rc, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(&x->err, type, fmt, ap);
    va_end(ap);
    if (x->rc == CAIRN_OK)
        x->rc = rc;
    x->ended = 1;
    return CAIRN_STOP;
}

/*
 * Stops the invocation because the journaled `what` (e.g. "error of
 * operation 3") could not be read back: out of memory when an allocation of
 * this thread failed since `failed_before` (mem_failures()), else a bad store.
 */
int replay_stop_unreadable(cairn_exec *x, long failed_before, const char *what, const char *id)
{
    if (mem_failures() != failed_before)
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    return replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                       "%s: execution %s: the journaled %s %s is unreadable", x->j->name,
                       x->row->id, what, id);
}

int replay_stop_store(cairn_exec *x, int rc, cairn_error *err)
{
    err_move(&x->err, err);
    if (x->rc == CAIRN_OK)
        x->rc = rc;
    x->ended = 1;
    return CAIRN_STOP;
}

/*
 * Keeps u for the next append: its strings are copied into one block
 * (u->op.mem), since the caller's go away. Returns 0, or -1 out of memory.
 */
static int batch_hold(cairn_exec *x, const journal_update *u)
{
    journal_update *v = mem_grow(x->batch, &x->cap_batch, x->nbatch + 1, sizeof *v);
    if (!v)
        return -1;
    x->batch = v;
    const char *const *src[] = {
        &u->op.id,    &u->op.parent_id,   &u->op.name,   &u->op.sub_type,     &u->op.result,
        &u->op.error, &u->op.callback_id, &u->invoke.id, &u->invoke.workflow, &u->invoke.input};
    enum { NSTR = sizeof src / sizeof src[0] };
    size_t len[NSTR], total = 1;
    for (size_t i = 0; i < NSTR; i++) {
        len[i] = *src[i] ? strlen(*src[i]) + 1 : 0;
        total += len[i];
    }
    char *mem = mem_malloc(total), *p = mem;
    if (!mem)
        return -1;
    journal_update *h = &x->batch[x->nbatch++];
    *h = *u;
    h->op.mem = mem;
    const char **dst[] = {
        &h->op.id,    &h->op.parent_id,   &h->op.name,   &h->op.sub_type,     &h->op.result,
        &h->op.error, &h->op.callback_id, &h->invoke.id, &h->invoke.workflow, &h->invoke.input};
    for (size_t i = 0; i < NSTR; i++) {
        if (!*src[i])
            continue;
        memcpy(p, *src[i], len[i]);
        *dst[i] = p;
        p += len[i];
    }
    return 0;
}

static void batch_clear(cairn_exec *x)
{
    for (size_t i = 0; i < x->nbatch; i++)
        mem_free(x->batch[i].op.mem);
    x->nbatch = 0;
}

/*
 * One checkpoint: the update of operation op (may be NULL) and the outcome
 * of the invocation (c, may be NULL), appended to the journal as one unit
 * with the updates held before it. Returns 0, or -1 with the invocation
 * stopped.
 *
 * With hold, op is kept for the next append instead: replay_flush() appends
 * it before anything leaves the process (a hook, an HTTP call, a submitter)
 * and when the invocation ends. So a step's result and what follows it up to
 * the next side effect (a choice, the end) cost one commit, and no side
 * effect ever runs before what precedes it is durable.
 */
/* Notes op (a row just written or loaded) in x->open: added when it is open inside a
 * context, dropped when it is not. Callbacks are op_callback.c's. Returns 0 or -1 (no memory). */
static int open_note(cairn_exec *x, const store_op *op)
{
    if (!op->parent_id || op->type == STORE_OP_CALLBACK || !op->id)
        return 0;
    size_t i = 0;
    while (i < x->nopen && strcmp(x->open[i].id, op->id) != 0)
        i++;
    if (op->status != STORE_STARTED && op->status != STORE_PENDING) {
        if (i < x->nopen)
            x->open[i] = x->open[--x->nopen];
        return 0;
    }
    if (i == x->nopen) {
        open_op *v = mem_grow(x->open, &x->capopen, x->nopen + 1, sizeof *v);
        if (!v)
            return -1;
        x->open = v;
        x->nopen++;
    }
    open_op *o = &x->open[i];
    snprintf(o->id, sizeof o->id, "%s", op->id);
    snprintf(o->parent, sizeof o->parent, "%s", op->parent_id);
    snprintf(o->name, sizeof o->name, "%s", op->name ? op->name : "");
    snprintf(o->sub_type, sizeof o->sub_type, "%s", op->sub_type ? op->sub_type : "");
    o->type = op->type;
    o->status = op->status;
    o->attempt = op->attempt;
    o->seq = op->seq;
    o->started_at = op->started_at;
    return 0;
}

int replay_cancel_under(cairn_exec *x, const char *id)
{
    size_t n = strlen(id);
    for (size_t i = 0; i < x->nopen;) {
        open_op o = x->open[i];
        if (strncmp(o.id, id, n) != 0 || o.id[n] != '-') {
            i++;
            continue;
        }
        store_op r = {.seq = o.seq,
                      .id = o.id,
                      .parent_id = o.parent,
                      .name = o.name,
                      .type = o.type,
                      .sub_type = o.sub_type[0] ? o.sub_type : NULL,
                      .status = STORE_CANCELLED,
                      .attempt = o.attempt,
                      .started_at = o.started_at,
                      .ended_at = clock_now(x->clk),
                      .next_attempt_at = STORE_NO_TIME,
                      .timeout_at = STORE_NO_TIME,
                      .heartbeat_at = STORE_NO_TIME};
        x->cur_status = o.status; /* the write expects the row as it was left */
        x->cur_attempt = o.attempt;
        if (replay_checkpoint_tx(x, &r, NULL, 1) != 0) /* drops it from x->open */
            return -1;
    }
    return 0;
}

int replay_checkpoint_tx(cairn_exec *x, const store_op *op, const exec_change *c, int hold)
{
    journal_update u = {.action = JOURNAL_START};
    if (op) {
        u.action = journal_action_of(op->status);
        u.op = *op;
        u.op.mem = NULL;
        if (op->type == STORE_OP_CONTEXT && store_status_ended(op->status))
            u.op.end_seq = x->next_seq - 1; /* every operation inside it has its seq by now */
        u.expect_status = x->cur_status;
        u.expect_attempt = x->cur_attempt;
        u.invoke = x->invoke; /* an invoke's START starts its child with it */
        x->invoke = (journal_invoke){0};
    }
    /* Held, or joining what is held: kept in the batch. Out of memory, what
     * was held before stays for the flush at the end of the invocation. */
    if (op && (hold || x->nbatch) && batch_hold(x, &u) != 0) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    if (!op || !hold || c) {
        cairn_error err;
        err_init(&err);
        journal_end end = {.status = STORE_NONE};
        if (c)
            end = (journal_end){.status = c->status,
                                .result = c->result,
                                .error = c->error,
                                .wake_at = c->wake_at,
                                .at = clock_now(x->clk)};
        int rc = x->nbatch ? journal_append(x->j, x->batch, x->nbatch, c ? &end : NULL, &err)
                           : journal_append(x->j, &u, op ? 1 : 0, c ? &end : NULL, &err);
        batch_clear(x);
        if (rc != CAIRN_OK) {
            replay_stop_store(x, rc, &err);
            return -1;
        }
    }
    if (op) {
        x->cur_status = op->status;
        x->cur_attempt = op->attempt;
        if (open_note(x, op) != 0) {
            replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            return -1;
        }
    }
    return 0;
}

int replay_checkpoint(cairn_exec *x, const store_op *op, const exec_change *c)
{
    return replay_checkpoint_tx(x, op, c, 0);
}

/* Appends the updates held, if any. Returns 0, or -1 with the invocation stopped. */
int replay_flush(cairn_exec *x)
{
    return x->nbatch ? replay_checkpoint(x, NULL, NULL) : 0;
}

/*
 * Before a body runs (what: "step", "check"; name: the operation's), and before
 * an at_most_once step's START: is there time left? The journal's
 * body_deadline says. 0, or -1 with the invocation stopped.
 */
int replay_may_start(cairn_exec *x, const char *what, const char *name)
{
    if (!x->j->body_deadline || clock_real_ms() < x->j->body_deadline)
        return 0;
    replay_stop(x, CAIRN_ERR_CONFLICT, "Lambda.Deadline",
                "%s: the invocation's time is nearly up: %s '%s' was not started "
                "(what is done is checkpointed; the next invocation goes on from it)",
                x->j->name, what, name);
    return -1;
}

/* The earlier of two times (STORE_NO_TIME: never). */
static int64_t earlier(int64_t a, int64_t b)
{
    return b != STORE_NO_TIME && (a == STORE_NO_TIME || b < a) ? b : a;
}

/*
 * Suspends the execution until wake (STORE_NO_TIME: until a callback
 * resolves), or the first deadline of an open callback (awaited or not: it
 * times out then, as AWS times it) or its timeout if that comes first,
 * writing op with it.
 */
int replay_suspend(cairn_exec *x, const store_op *op, int64_t wake)
{
    if (x->fr) {
        /* A child context blocks; the batch decides when the execution suspends. */
        if (op && replay_checkpoint_tx(x, op, NULL, 1) != 0)
            return CAIRN_STOP;
        x->fr->state = FRAME_BLOCKED;
        x->fr->wake = earlier(x->fr->wake, wake);
        return CAIRN_STOP;
    }
    for (size_t i = 0; i < x->ncbs; i++)
        if (x->cbs[i].open)
            wake = earlier(earlier(wake, x->cbs[i].timeout_at), x->cbs[i].heartbeat_at);
    wake = earlier(wake, x->row->timeout_at);
    exec_change c = {.status = STORE_PENDING, .wake_at = wake};
    if (replay_checkpoint(x, op, &c) == 0)
        x->ended = 1;
    return CAIRN_STOP;
}

/* Ends the execution with status and its result or error, writing op with it. */
static int exec_end(cairn_exec *x, const store_op *op, store_status status, const char *result,
                    const cairn_error *error)
{
    char *etext = NULL;
    if (error) {
        cJSON *j = err_to_json(error);
        etext = j ? engine_json_text(j) : NULL;
        cJSON_Delete(j);
        if (!etext)
            return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    }
    exec_change c = {.status = status, .result = result, .error = etext, .wake_at = STORE_NO_TIME};
    if (replay_checkpoint(x, op, &c) == 0)
        x->ended = 1;
    cJSON_free(etext);
    return CAIRN_STOP;
}

/*
 * The end of the current context (status SUCCEEDED with result, or FAILED
 * with error), writing op with it: the execution's, or a child context's
 * (its batch writes the context's row).
 */
int replay_end(cairn_exec *x, const store_op *op, store_status status, const char *result,
               const cairn_error *error)
{
    frame *f = x->fr;
    if (!f)
        return exec_end(x, op, status, result, error);
    if (op && replay_checkpoint_tx(x, op, NULL, 1) != 0)
        return CAIRN_STOP;
    f->status = status;
    if ((result && !(f->result = mem_strdup(result))) ||
        (error && !(f->error = engine_error_text(error))))
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    f->state = FRAME_ENDED;
    return CAIRN_STOP;
}

/* Ends the execution with status (FAILED, TIMED_OUT) and a new error. */
static int end_error(cairn_exec *x, store_status status, const char *type, const char *fmt,
                     va_list ap)
{
    cairn_error e;
    err_init(&e);
    err_vset(&e, type, fmt, ap);
    if (!err_isset(&e))
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    exec_end(x, NULL, status, NULL, &e); /* the execution's, even inside a child context */
    err_cleanup(&e);
    return CAIRN_STOP;
}

int replay_fail(cairn_exec *x, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    end_error(x, STORE_FAILED, type, fmt, ap);
    va_end(ap);
    return CAIRN_STOP;
}

static int time_out_exec(cairn_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int time_out_exec(cairn_exec *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    end_error(x, STORE_TIMED_OUT, "Execution.Timeout", fmt, ap);
    va_end(ap);
    return CAIRN_STOP;
}

/* Ends the execution TIMED_OUT when its timeout has passed. Returns 1 if so. */
int replay_timed_out(cairn_exec *x)
{
    if (x->row->timeout_at == STORE_NO_TIME || clock_now(x->clk) < x->row->timeout_at)
        return 0;
    char d[32], at[32];
    duration_format(x->row->timeout_at - x->row->created_at, d, sizeof d);
    rfc3339_format(x->row->timeout_at, at, sizeof at);
    time_out_exec(x, "execution timed out: its timeout of %s passed at %s", d, at);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Replay                                                                    */
/* ------------------------------------------------------------------------ */

/* How an error message names an operation of type t (common/kinds). */
static const char *kind_word(store_op_type t)
{
    return kind_of_journal_type(store_op_type_name(t));
}

/* n (>= 0) in decimal into buf (as snprintf "%ld" would, without its cost
 * on every operation of a long replay). */
static void format_number(char *buf, size_t size, long n)
{
    char tmp[24];
    size_t k = 0;
    do
        tmp[k++] = (char)('0' + n % 10);
    while ((n /= 10) > 0 && k < sizeof tmp);
    size_t i = 0;
    for (; i < k && i + 1 < size; i++)
        buf[i] = tmp[k - 1 - i];
    buf[i] = '\0';
}

/* prefix, a dash and n (>= 0) into buf, as snprintf "%s-%ld" would, cut to
 * fit (size > 0), without its cost on every item of a long batch. */
void replay_join_number(char *buf, size_t size, const char *prefix, long n)
{
    size_t len = strlen(prefix);
    if (len > size - 1)
        len = size - 1;
    memcpy(buf, prefix, len);
    if (len + 1 < size) {
        buf[len] = '-';
        format_number(buf + len + 1, size - len - 1, n);
    } else {
        buf[len] = '\0';
    }
}

/* The number of a top-level id ("12"), or 0 for a child ("12-1") or another id. */
static long top_number(const store_op *o)
{
    if (o->parent_id)
        return 0;
    long n = 0;
    const char *p = o->id;
    for (; *p >= '0' && *p <= '9' && n < LONG_MAX / 10 - 9; p++)
        n = n * 10 + (*p - '0');
    return *p == '\0' && p != o->id ? n : 0;
}

/* Top-level rows of the journal indexed by their numeric id. */
static int index_journal(cairn_exec *x)
{
    size_t max = 0;
    int64_t max_seq = 0;
    for (size_t i = 0; i < x->nops; i++) {
        const store_op *o = &x->ops[i];
        if (o->seq > max_seq)
            max_seq = o->seq;
        long n = top_number(o);
        if (n > 0 && (size_t)n > max)
            max = (size_t)n;
    }
    if (x->j->last_seq > max_seq) /* operations the backend did not load (inside ended contexts) */
        max_seq = x->j->last_seq;
    x->next_seq = max_seq + 1;
    x->nby_num = max + 1;
    x->by_num = mem_calloc(x->nby_num, sizeof *x->by_num);
    if (!x->by_num)
        return -1;
    for (size_t i = 0; i < x->nops; i++) {
        long n = top_number(&x->ops[i]);
        if (n > 0)
            x->by_num[n] = &x->ops[i];
    }
    return 0;
}

static const store_op *journal_at(const cairn_exec *x, long n)
{
    return n > 0 && (size_t)n < x->nby_num ? x->by_num[n] : NULL;
}

/* FNV-1a, for the id index. */
static size_t hash_id(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Every row indexed by id (open addressing), for child lookups. Returns 0 or -1 (no memory). */
static int index_ids(cairn_exec *x)
{
    size_t n = 16;
    while (n < 2 * x->nops)
        n *= 2;
    x->by_id = mem_calloc(n, sizeof *x->by_id);
    if (!x->by_id)
        return -1;
    x->nby_id = n;
    for (size_t i = 0; i < x->nops; i++) {
        size_t k = hash_id(x->ops[i].id) & (n - 1);
        while (x->by_id[k])
            k = (k + 1) & (n - 1);
        x->by_id[k] = &x->ops[i];
    }
    return 0;
}

/* Takes the next operation id of the current context into cur_id; returns its row or NULL. */
static const store_op *next_op(cairn_exec *x)
{
    frame *f = x->fr;
    if (!f) {
        x->counter++;
        format_number(x->cur_id, sizeof x->cur_id, x->counter);
        return journal_at(x, x->counter);
    }
    f->counter++;
    char n[24];
    format_number(n, sizeof n, f->counter);
    if (strlen(f->id) + 1 + strlen(n) >= sizeof x->cur_id) {
        replay_fail(x, "Execution.TooDeep",
                    "operation ids under %s would pass %d characters: fan-out is nested too deep",
                    f->id, OP_ID_MAX - 1);
        return NULL;
    }
    size_t len = strlen(f->id);
    memcpy(x->cur_id, f->id, len);
    x->cur_id[len] = '-';
    memcpy(x->cur_id + len + 1, n, strlen(n) + 1); /* fits: checked above */
    return replay_find(x, x->cur_id);
}

/*
 * Every operation call starts here: takes the next id and finds its journal
 * row (*row, or NULL when the operation is new). Returns 0 to go on, or -1
 * when the invocation is over (it was already, the execution timed out, or
 * the journal does not match the code).
 */
int replay_op_enter(cairn_exec *x, store_op_type type, const cairn_op *op, const store_op **row)
{
    *row = NULL;
    if (x->ended)
        return -1;
    if (x->sc->oom) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory",
                    "out of memory while evaluating the expressions of '%s'", op->name);
        return -1;
    }
    if (replay_timed_out(x))
        return -1;
    const store_op *r = next_op(x);
    if (!r && x->ended)
        return -1;
    if (r && (r->type != type || !r->name || strcmp(r->name, op->name) != 0)) {
        replay_fail(x, "Execution.NonDeterministic",
                    "Non-deterministic execution detected: operation %s was %s '%s' in the "
                    "journal, is %s '%s' now",
                    x->cur_id, kind_word(r->type), r->name ? r->name : "", kind_word(type),
                    op->name);
        return -1;
    }
    x->cur_seq = r ? r->seq : x->next_seq++;
    x->cur_status = r ? r->status : STORE_NONE;
    x->cur_attempt = r ? r->attempt : 0;
    x->cur_parent = replay_parent(x);
    *row = r;
    return 0;
}

/* An operation of the journal by its id ("4-1"); NULL when new (or the index cannot be made). */
const store_op *replay_find(const cairn_exec *x, const char *id)
{
    if (!x->nby_id && x->nops && index_ids((cairn_exec *)x) != 0) {
        /* out of memory: search it through */
        for (size_t i = 0; i < x->nops; i++)
            if (strcmp(x->ops[i].id, id) == 0)
                return &x->ops[i];
        return NULL;
    }
    for (size_t k = hash_id(id) & (x->nby_id - 1); x->nby_id && x->by_id[k];
         k = (k + 1) & (x->nby_id - 1))
        if (strcmp(x->by_id[k]->id, id) == 0)
            return x->by_id[k];
    return NULL;
}

/* Makes operation id (a child of parent, or top level) current, as row holds it (NULL: new). */
void replay_op_at(cairn_exec *x, const char *id, const char *parent, const store_op *row)
{
    snprintf(x->cur_id, sizeof x->cur_id, "%s", id);
    x->cur_parent = parent;
    x->cur_seq = row ? row->seq : x->next_seq++;
    x->cur_status = row ? row->status : STORE_NONE;
    x->cur_attempt = row ? row->attempt : 0;
}

/* The row of the current operation, with what every write shares. */
store_op replay_op_row(const cairn_exec *x, const cairn_op *op, store_op_type type,
                       const char *sub_type, store_status status)
{
    store_op r = {
        .seq = x->cur_seq,
        .id = x->cur_id,
        .parent_id = x->cur_parent,
        .name = op->name,
        .type = type,
        .sub_type = sub_type,
        .status = status,
        .started_at = STORE_NO_TIME,
        .ended_at = STORE_NO_TIME,
        .next_attempt_at = STORE_NO_TIME,
        .timeout_at = STORE_NO_TIME,
        .heartbeat_at = STORE_NO_TIME,
    };
    return r;
}

/* Sets `as` to the JSON text (NULL: null). Returns 0 or -1 (invocation stopped). */
int replay_set_as(cairn_exec *x, const char *as, const char *text)
{
    if (!as)
        return 0;
    long failed_before = mem_failures();
    cJSON *v = text ? cJSON_Parse(text) : cJSON_CreateNull();
    if (!v && mem_failures() != failed_before) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    if (!v) {
        replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                    "%s: execution %s: the journaled result of operation %s is not JSON",
                    x->j->name, x->row->id, x->cur_id);
        return -1;
    }
    int rc = scope_set(x->sc, as, v);
    cJSON_Delete(v);
    if (rc != 0) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    return 0;
}

/*
 * The step failed for good (row, FAILED, is written, may be NULL on replay):
 * the first catch that matches sets its `as` and is taken; else the
 * execution fails with the error.
 */
int replay_catch_or_fail(cairn_exec *x, const cairn_op *op, const store_op *row,
                         const cairn_error *e)
{
    for (int i = 0; i < op->ncatches; i++) {
        const cairn_catch *c = &op->catches[i];
        if (!err_matches_any(e->type, c->errors))
            continue;
        if (row && replay_checkpoint(x, row, NULL) != 0)
            return CAIRN_STOP;
        if (c->as) {
            cJSON *j = err_to_json(e);
            if (j && !cJSON_HasObjectItem(j, "data"))
                cJSON_AddNullToObject(j, "data");
            int rc = j ? scope_set(x->sc, c->as, j) : -1;
            cJSON_Delete(j);
            if (rc != 0)
                return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        }
        return CAIRN_CAUGHT + i;
    }
    return replay_end(x, row, STORE_FAILED, NULL, e);
}

/*
 * An operation the journal holds as ended (row SUCCEEDED or FAILED), replayed:
 * its result becomes its `as` (CAIRN_NEXT), or its journaled error is caught
 * or fails the execution, as when it happened.
 */
int replay_ended(cairn_exec *x, const cairn_op *op, const store_op *row)
{
    if (row->status == STORE_SUCCEEDED)
        return replay_set_as(x, op->as, row->result) == 0 ? CAIRN_NEXT : CAIRN_STOP;
    cairn_error e;
    err_init(&e);
    long failed_before = mem_failures();
    cJSON *j = row->error ? cJSON_Parse(row->error) : NULL;
    int out;
    if (!j || err_from_json(&e, j) != 0)
        out = replay_stop_unreadable(x, failed_before, "error of operation", x->cur_id);
    else
        out = replay_catch_or_fail(x, op, NULL, &e);
    cJSON_Delete(j);
    err_cleanup(&e);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Ends                                                                      */
/* ------------------------------------------------------------------------ */

/* The code ends here: the journal must not hold an operation past this point. */
static int end_reached(cairn_exec *x)
{
    if (x->ended)
        return -1;
    if (x->sc->oom) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory",
                    "out of memory while evaluating the execution's output");
        return -1;
    }
    if (replay_timed_out(x))
        return -1;
    const store_op *r = next_op(x);
    if (r) {
        replay_fail(x, "Execution.NonDeterministic",
                    "Non-deterministic execution detected: operation %s was %s '%s' in the "
                    "journal, is the end of %s now",
                    x->cur_id, kind_word(r->type), r->name ? r->name : "",
                    x->fr ? "its context" : "the execution");
        return -1;
    }
    return x->ended ? -1 : 0;
}

int cairn_succeed(cairn_exec *x, const cJSON *output)
{
    if (end_reached(x) != 0)
        goto done;
    if (!output)
        output = x->sc->last_as;
    char *text = engine_json_text(output);
    if (!text) {
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    size_t len = strlen(text);
    if (len > PAYLOAD_MAX)
        replay_fail(x, "Payload.TooLarge",
                    "the %s output is %zu bytes of JSON; it may hold at most %d",
                    x->fr ? "context's" : "execution's", len, PAYLOAD_MAX);
    else
        replay_end(x, NULL, STORE_SUCCEEDED, text, NULL);
    cJSON_free(text);
done:
    scope_reset(x->sc);
    return CAIRN_STOP;
}

int cairn_fail(cairn_exec *x, const char *type, const cJSON *message, const cJSON *data)
{
    cairn_error e;
    err_init(&e);
    char *printed = NULL; /* a message that is not a string is shown as JSON */
    if (end_reached(x) != 0)
        goto done;
    const char *msg = "";
    if (cJSON_IsString(message))
        msg = message->valuestring;
    else if (message && !cJSON_IsNull(message) && !(msg = printed = engine_json_text(message)))
        goto nomem;
    cJSON *d = data ? cJSON_Duplicate(data, 1) : NULL;
    if (data && !d)
        goto nomem;
    err_set_data(&e, type, d, "%s", msg);
    replay_end(x, NULL, STORE_FAILED, NULL, &e);
    goto done;
nomem:
    replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
done:
    cJSON_free(printed);
    err_cleanup(&e);
    scope_reset(x->sc);
    return CAIRN_STOP;
}

/* ------------------------------------------------------------------------ */
/* Child contexts                                                            */
/* ------------------------------------------------------------------------ */

/*
 * Enters child context id (a CONTEXT operation's): its operations are
 * numbered under it, its names live in f->sc over the current scope. Returns
 * 0, or -1 with the invocation stopped (no memory).
 */
int frame_open(cairn_exec *x, frame *f, const char *id)
{
    memset(f, 0, sizeof *f);
    snprintf(f->id, sizeof f->id, "%s", id);
    f->wake = STORE_NO_TIME;
    if (scope_init(&f->sc) != 0) {
        scope_cleanup(&f->sc);
        replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    f->sc.up = x->sc;
    f->up = x->fr;
    x->fr = f;
    x->sc = &f->sc;
    return 0;
}

/* Leaves child context f (the innermost) and frees what it held; its outcome
 * (result, error) stays for the caller, who frees it with frame_outcome_free. */
void frame_close(cairn_exec *x, frame *f)
{
    if (f->sc.oom)
        x->sc0.oom = 1; /* a failed allocation fails the invocation, as at the top */
    x->fr = f->up;
    x->sc = x->fr ? &x->fr->sc : &x->sc0;
    scope_cleanup(&f->sc);
}

static void replay_free(cairn_exec *x)
{
    if (!x)
        return;
    scope_cleanup(&x->sc0);
    batch_clear(x);
    mem_free(x->batch);
    mem_free(x->by_num);
    mem_free(x->by_id);
    mem_free(x->cbs);
    mem_free(x->open);
    err_cleanup(&x->err);
    mem_free(x);
}

/* The variables every expression sees from the start: input and execution. */
static int build_scope(cairn_exec *x)
{
    x->sc = &x->sc0;
    if (scope_init(x->sc) != 0)
        return -1;
    cJSON *input = cJSON_Parse(x->row->input);
    cJSON *ex = cJSON_CreateObject();
    int rc = -1;
    if (!input || !ex || !cJSON_AddStringToObject(ex, "id", x->row->id) ||
        !cJSON_AddStringToObject(ex, "workflow", x->row->workflow) ||
        !cJSON_AddNumberToObject(ex, "version", x->row->version) ||
        !(x->row->name ? cJSON_AddStringToObject(ex, "name", x->row->name)
                       : cJSON_AddNullToObject(ex, "name")))
        goto done;
    if (scope_set(x->sc, "input", input) != 0 || scope_set(x->sc, "execution", ex) != 0)
        goto done;
    x->sc->last_as = NULL; /* only `as` values count as the default output */
    rc = 0;
done:
    cJSON_Delete(input);
    cJSON_Delete(ex);
    return rc;
}

int replay_invoke(journal *j, const cairn_workflow *wf, clock_src *clk, struct http_set *hs,
                  cairn_error *err)
{
    int rc;
    cairn_exec *x = mem_calloc(1, sizeof *x);
    if (!x) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        return CAIRN_ERR_NOMEM;
    }
    x->j = j; /* calloc: the scope is empty, safe to clean up before build_scope() */
    x->wf = wf;
    x->clk = clk;
    x->hs = hs;
    err_init(&x->err);
    if ((rc = journal_load(j, &x->row, &x->ops, &x->nops, err)) != CAIRN_OK)
        goto done;
    int open_ok = 0;
    for (size_t i = 0; i < x->nops && open_ok == 0; i++)
        open_ok = open_note(x, &x->ops[i]);
    if (open_ok != 0 || index_journal(x) != 0 || build_scope(x) != 0) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
        goto done;
    }

    if (!replay_timed_out(x))
        wf->run(x);
    replay_flush(x); /* an invocation stopped short (a store error, no memory) keeps what it did */

    if (x->rc != CAIRN_OK) {
        rc = x->rc;
        err_move(err, &x->err);
    } else if (!x->ended) {
        /* The state machine returned without an outcome: a bug. Never leave it RUNNING. */
        replay_fail(x, "Cairn.Internal",
                    "the state machine of workflow '%s' returned without ending or suspending "
                    "the execution (a bug in cairn)",
                    wf->name);
        err_set(err, "Cairn.Internal",
                "execution %s: the state machine of workflow '%s' returned without ending or "
                "suspending it (a bug in cairn); the execution is marked FAILED",
                x->row->id, wf->name);
        rc = CAIRN_ERR_INTERNAL;
    }
done:
    replay_free(x);
    return rc;
}
