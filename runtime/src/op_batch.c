/*
 * op_batch.c — fan-out (DESIGN §3b): `parallel` and `map` run their branches
 * or items as child contexts under one CONTEXT operation until the
 * completion policy is met; `group` runs one child context.
 *
 * An invocation runs every runnable branch before it suspends: a branch that
 * waits (a timer, a callback, a retry delay) blocks itself only, and the
 * execution suspends until the earliest of the blocked branches' wake-ups.
 * Branches run one after another in this thread; each is a replay of its own
 * state machine, so one that blocked is simply run again next invocation.
 *
 * Journal (as AWS's): the parent CONTEXT (Parallel, Map) p; its items CONTEXT
 * (ParallelBranch, MapIteration) p-1, p-2, ... with their operations under
 * them; items never started have no row. The parent always SUCCEEDS, with
 * {"all": [...], "completionReason"} (a summary above PAYLOAD_MAX); on replay
 * the items are rebuilt from their own rows.
 *
 * Owns: nothing past one call.
 * Never: starts an item once the policy is met; leaves an item running after
 * it (it is CANCELLED, its open callbacks closed: AWS leaves them STARTED).
 */

#include <stdio.h>
#include <string.h>

#include "engine_impl.h"
#include "http_set.h"
#include "mem.h"
#include "replay.h"
#include "scope.h"
#include "store.h"

/* One branch or item, as this invocation knows it. */
typedef struct item {
    store_status status; /* STORE_NONE (not started), STARTED, SUCCEEDED, FAILED, CANCELLED */
    int64_t seq;         /* its row's (0: none yet) */
    int64_t started_at;
    int ran;                    /* run in this invocation */
    const char *result, *error; /* JSON text, borrowed from its row or from owned */
    char *owned_result, *owned_error;
    cJSON *value, *in; /* or its result or error in the batch's parsed payload, and the entry
                        * of `all` holding it, set on replay only: entry_in_place moves them */
} item;

typedef struct batch {
    const cairn_op *op;
    const cJSON *items; /* map: the array; NULL for a parallel */
    size_t n;
    const char *sub_type, *item_type; /* "Parallel" and "ParallelBranch", ... */
    char id[OP_ID_MAX];               /* the parent's */
    int64_t seq, started_at;
    store_status status; /* the parent's row as last seen */
    item *it;
    size_t succeeded, failed;
    int64_t wake;   /* the earliest wake-up of the blocked items */
    cJSON *payload; /* the finished batch's journaled payload, parsed (its items'); owned */
} batch;

/* ---- rows ---- */

/* Makes operation id (a child of parent, NULL: top) current as last seen, and gives its row. */
static store_op row_at(cairn_exec *x, const char *id, const char *parent, int64_t seq,
                       store_status seen, const char *name, const char *sub_type,
                       store_status status)
{
    snprintf(x->cur_id, sizeof x->cur_id, "%.*s", OP_ID_MAX - 1, id); /* checked to fit */
    x->cur_parent = parent;
    x->cur_seq = seq;
    x->cur_status = seen;
    x->cur_attempt = 0;
    cairn_op named = {.name = name};
    return replay_op_row(x, &named, STORE_OP_CONTEXT, sub_type, status);
}

static void item_id(const batch *b, size_t i, char *buf, size_t size)
{
    replay_join_number(buf, size, b->id, (long)i + 1);
}

/* The name of item i: the branch's, or map-item-<i>. */
static const char *item_name(const batch *b, size_t i, char *buf, size_t size)
{
    if (!b->items && b->op->branches[i].name)
        return b->op->branches[i].name;
    replay_join_number(buf, size, b->items ? "map-item" : "parallel-branch", (long)i);
    return buf;
}

/* Writes item i's row with status (result or error for an end). Returns 0 or -1 (stopped). */
static int item_write(cairn_exec *x, batch *b, size_t i, store_status status)
{
    item *t = &b->it[i];
    char id[OP_ID_MAX + 24], nbuf[40];
    item_id(b, i, id, sizeof id);
    if (!t->seq)
        t->seq = x->next_seq++;
    store_op r = row_at(x, id, b->id, t->seq, t->status, item_name(b, i, nbuf, sizeof nbuf),
                        b->item_type, status);
    int64_t now = clock_now(x->clk);
    if (t->status == STORE_NONE)
        t->started_at = now;
    r.started_at = t->started_at;
    if (status != STORE_STARTED)
        r.ended_at = now;
    r.result = status == STORE_SUCCEEDED ? t->result : NULL;
    r.error = status == STORE_FAILED ? t->error : NULL;
    if (replay_checkpoint_tx(x, &r, NULL, 1) != 0)
        return -1;
    t->status = status;
    return 0;
}

/* ---- the policy ---- */

static const char *const REASON_TOLERANCE = "FAILURE_TOLERANCE_EXCEEDED";
static const char *const REASON_ALL = "ALL_COMPLETED";
static const char *const REASON_MIN = "MIN_SUCCESSFUL_REACHED";

/* Why the batch is complete, in AWS's order, or NULL while it is not. */
static const char *reason_of(const batch *b)
{
    const cairn_completion *c = &b->op->complete;
    int exceeded;
    if (!c->given)
        exceeded = b->failed > 0; /* fail fast */
    else
        exceeded =
            ((c->given & CAIRN_TOLERATED_FAILURES) && b->failed > (size_t)c->tolerated_failures) ||
            ((c->given & CAIRN_TOLERATED_PERCENT) && b->n > 0 &&
             100.0 * (double)b->failed / (double)b->n > c->tolerated_failure_percent);
    if (exceeded)
        return REASON_TOLERANCE;
    if (b->succeeded + b->failed == b->n)
        return REASON_ALL;
    if ((c->given & CAIRN_MIN_SUCCESSFUL) && b->succeeded >= (size_t)c->min_successful)
        return REASON_MIN;
    return NULL;
}

static void count(batch *b, store_status s)
{
    if (s == STORE_SUCCEEDED)
        b->succeeded++;
    else if (s == STORE_FAILED)
        b->failed++;
}

/* ---- running an item ---- */

/* Runs item i (starting it if new) in its own context. Returns 0, or -1 with the invocation over.
 */
static int item_run(cairn_exec *x, batch *b, size_t i)
{
    item *t = &b->it[i];
    t->ran = 1;
    if (t->status == STORE_NONE && item_write(x, b, i, STORE_STARTED) != 0)
        return -1;
    char id[OP_ID_MAX + 24];
    item_id(b, i, id, sizeof id);
    frame f;
    if (frame_open(x, &f, id) != 0)
        return -1;
    const cairn_branch *br = &b->op->branches[b->items ? 0 : i];
    if (b->items) {
        cJSON *index = cJSON_CreateNumber((double)i);
        if (!index ||
            scope_set(&f.sc, b->op->item_as ? b->op->item_as : "item",
                      cJSON_GetArrayItem(b->items, (int)i)) != 0 ||
            scope_set(&f.sc, "index", index) != 0)
            f.sc.oom = 1;
        cJSON_Delete(index);
        f.sc.last_as = NULL; /* only `as` values count as the default output */
    }
    br->run(x);
    frame_close(x, &f);
    int rc = 0;
    if (x->ended) {
        rc = -1;
    } else if (f.state == FRAME_ENDED) {
        t->result = t->owned_result = f.result;
        t->error = t->owned_error = f.error;
        f.result = f.error = NULL;
        rc = item_write(x, b, i, f.status);
        count(b, f.status);
    } else if (f.state == FRAME_BLOCKED) {
        b->wake = f.wake != STORE_NO_TIME && (b->wake == STORE_NO_TIME || f.wake < b->wake)
                      ? f.wake
                      : b->wake;
    } else {
        replay_fail(x, "Cairn.Internal",
                    "'%s' item %zu returned without ending or waiting (a bug in cairn)",
                    b->op->name, i);
        rc = -1;
    }
    mem_free(f.result);
    cJSON_free(f.error);
    return rc;
}

/* The next item to run: one started and not yet run now, else a new one if a slot is free. */
static long next_item(const batch *b)
{
    size_t active = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->it[i].status != STORE_STARTED)
            continue;
        if (!b->it[i].ran)
            return (long)i;
        active++;
    }
    int max = b->op->max_concurrency;
    if (max > 0 && active >= (size_t)max)
        return -1;
    for (size_t i = 0; i < b->n; i++)
        if (b->it[i].status == STORE_NONE)
            return (long)i;
    return -1;
}

/* ---- the outcome ---- */

static const char *status_word(store_status s)
{
    return s == STORE_NONE ? "NOT_STARTED" : store_status_name(s);
}

/*
 * Adds v to o under key, a string constant that is not copied; 1, or 0 when
 * v is NULL or could not be added (then it is freed). A finished batch's
 * value is rebuilt on every replay that reads it: fewer copies, less time.
 */
static int put(cJSON *o, const char *key, cJSON *v)
{
    if (v && cJSON_AddItemToObjectCS(o, key, v))
        return 1;
    cJSON_Delete(v);
    return 0;
}

/* Item i's name as a JSON string; a branch's own name is referenced, not copied. */
static cJSON *item_name_json(const batch *b, size_t i)
{
    if (!b->items && b->op->branches[i].name)
        return cJSON_CreateStringReference(b->op->branches[i].name);
    char buf[40];
    return cJSON_CreateString(item_name(b, i, buf, sizeof buf));
}

/*
 * On replay, item t's entry of the batch's items from its entry of the parsed
 * payload, {index, status, result | error}: those members are moved, not
 * copied, with its name put second, as outcome() would have built it; only
 * the result for results is a copy. Returns 1, or 0 out of memory.
 */
static int entry_in_place(const batch *b, size_t i, const item *t, cJSON *items, cJSON *results)
{
    cJSON *el = t->in, *one = cJSON_CreateObject();
    const char *key = t->status == STORE_SUCCEEDED ? "result" : "error";
    cJSON *val = t->value                       ? cJSON_DetachItemViaPointer(el, t->value)
                 : t->status == STORE_SUCCEEDED ? cJSON_CreateNull()
                                                : NULL;
    int ok = one && put(one, "index", cJSON_DetachItemFromObjectCaseSensitive(el, "index")) &&
             put(one, "name", item_name_json(b, i)) &&
             put(one, "status", cJSON_DetachItemFromObjectCaseSensitive(el, "status"));
    if (ok && val) {
        ok = put(one, key, val); /* it owns val now, or freed it */
        val = NULL;
    }
    if (ok && t->status == STORE_SUCCEEDED) {
        cJSON *res = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(one, "result"), 1);
        if (!(ok = res && cJSON_AddItemToArray(results, res)))
            cJSON_Delete(res);
    }
    if (ok)
        ok = cJSON_AddItemToArray(items, one);
    if (!ok) {
        cJSON_Delete(one);
        cJSON_Delete(val);
    }
    return ok;
}

/*
 * The batch's value as `as` sees it and, when payload is not NULL, its
 * journal payload, from the items. Returns 0, or -1 out of memory or with an
 * item's journaled text unreadable (mem_failures() tells which).
 */
static int outcome(const batch *b, const char *reason, cJSON **value, char **payload)
{
    cJSON *v = cJSON_CreateObject(), *results = cJSON_CreateArray(), *items = cJSON_CreateArray();
    cJSON *all = payload ? cJSON_CreateArray() : NULL; /* replay needs no payload */
    /* AWS's counts: startedCount the items still running when the batch completed,
     * totalCount the items started (the length of `all`) */
    size_t in_flight = 0, started = 0;
    int ok = v && results && items && (all || !payload);
    for (size_t i = 0; ok && i < b->n; i++) {
        const item *t = &b->it[i];
        if (t->status == STORE_NONE)
            continue;
        in_flight += t->status == STORE_STARTED || t->status == STORE_CANCELLED;
        started++;
        if (!payload && t->in) { /* a replay: the payload's entry serves as it is */
            ok = entry_in_place(b, i, t, items, results);
            continue;
        }
        const char *word = status_word(t->status);
        cJSON *one = cJSON_CreateObject(), *rec = payload ? cJSON_CreateObject() : NULL;
        ok = one && put(one, "index", cJSON_CreateNumber((double)i)) &&
             put(one, "name", item_name_json(b, i)) &&
             put(one, "status", cJSON_CreateStringReference(word)) &&
             (!payload || (rec && put(rec, "index", cJSON_CreateNumber((double)i)) &&
                           put(rec, "status", cJSON_CreateStringReference(word))));
        const char *text = t->status == STORE_SUCCEEDED ? t->result
                           : t->status == STORE_FAILED  ? t->error
                                                        : NULL;
        const char *key = t->status == STORE_SUCCEEDED ? "result" : "error";
        if (ok && text) {
            /* up to three copies: the item's, the payload's and, succeeded, the results' */
            cJSON *val = cJSON_Parse(text);
            ok = put(one, key, val) && (!payload || put(rec, key, cJSON_Duplicate(val, 1)));
            if (ok && t->status == STORE_SUCCEEDED) {
                cJSON *res = cJSON_Duplicate(val, 1);
                if (!(ok = res && cJSON_AddItemToArray(results, res)))
                    cJSON_Delete(res);
            }
        } else if (ok && t->status == STORE_SUCCEEDED) {
            ok = cJSON_AddItemToArray(results, cJSON_CreateNull()) &&
                 put(one, "result", cJSON_CreateNull()) &&
                 (!payload || put(rec, "result", cJSON_CreateNull()));
        }
        if (ok) {
            cJSON_AddItemToArray(items, one);
            if (rec)
                cJSON_AddItemToArray(all, rec);
        } else {
            cJSON_Delete(one);
            cJSON_Delete(rec);
        }
    }
    const char *status = b->failed ? "FAILED" : "SUCCEEDED";
    ok = ok && cJSON_AddStringToObject(v, "status", status) &&
         cJSON_AddStringToObject(v, "completion_reason", reason) &&
         cJSON_AddNumberToObject(v, "success_count", (double)b->succeeded) &&
         cJSON_AddNumberToObject(v, "failure_count", (double)b->failed) &&
         cJSON_AddNumberToObject(v, "started_count", (double)in_flight) &&
         cJSON_AddNumberToObject(v, "total_count", (double)started);
    /* an item added is owned by v: NULL it at once, so the deletes below skip it */
    if (ok && (ok = cJSON_AddItemToObject(v, "results", results)))
        results = NULL;
    if (ok && (ok = cJSON_AddItemToObject(v, "items", items)))
        items = NULL;
    cJSON_Delete(results);
    cJSON_Delete(items);
    char *text = NULL;
    if (ok && payload) {
        cJSON *p = cJSON_CreateObject();
        ok = p && cJSON_AddItemToObject(p, "all", all);
        if (ok)
            all = NULL;
        ok = ok && cJSON_AddStringToObject(p, "completionReason", reason);
        text = ok ? engine_json_text(p) : NULL;
        cJSON_Delete(p);
        if (text && strlen(text) > PAYLOAD_MAX) {
            /* too large for one operation: a summary; replay rebuilds the items from their rows */
            cJSON_free(text);
            cJSON *s = cJSON_CreateObject();
            ok = s &&
                 cJSON_AddStringToObject(s, "type", b->items ? "MapResult" : "ParallelResult") &&
                 cJSON_AddNumberToObject(s, "totalCount", (double)b->n) &&
                 cJSON_AddNumberToObject(s, "successCount", (double)b->succeeded) &&
                 cJSON_AddNumberToObject(s, "failureCount", (double)b->failed) &&
                 cJSON_AddStringToObject(s, "completionReason", reason) &&
                 cJSON_AddStringToObject(s, "status", status);
            text = ok ? engine_json_text(s) : NULL;
            cJSON_Delete(s);
        }
        ok = ok && text;
    }
    cJSON_Delete(all);
    if (!ok) {
        cJSON_Delete(v);
        cJSON_free(text);
        return -1;
    }
    *value = v;
    if (payload)
        *payload = text;
    return 0;
}

/* The batch's value goes to `as`, or its tolerance error through the catches. Takes v. */
static int deliver(cairn_exec *x, const batch *b, const char *reason, cJSON *v)
{
    int out;
    if (reason != REASON_TOLERANCE) {
        if (!b->op->as) {
            cJSON_Delete(v);
            return CAIRN_NEXT;
        }
        return scope_take(x->sc, b->op->as, v) == 0
                   ? CAIRN_NEXT
                   : replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    }
    cairn_error e;
    err_init(&e);
    err_set_data(&e, b->items ? "Map.ToleranceExceeded" : "Parallel.ToleranceExceeded", v,
                 "%zu of %zu %s of '%s' failed, more than its completion policy tolerates",
                 b->failed, b->n, b->items ? "items" : "branches", b->op->name);
    out = err_isset(&e) ? replay_catch_or_fail(x, b->op, NULL, &e)
                        : replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    err_cleanup(&e);
    return out;
}

/* The policy is met: cancel what runs, journal the parent's outcome, deliver it. */
static int finish(cairn_exec *x, batch *b, const char *reason)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->it[i].status != STORE_STARTED)
            continue;
        char id[OP_ID_MAX + 24];
        item_id(b, i, id, sizeof id);
        if (cb_cancel_under(x, id) != 0 || replay_cancel_under(x, id) != 0 ||
            item_write(x, b, i, STORE_CANCELLED) != 0)
            return CAIRN_STOP;
    }
    cJSON *v = NULL;
    char *payload = NULL;
    long failed_before = mem_failures();
    if (outcome(b, reason, &v, &payload) != 0)
        return replay_stop_unreadable(x, failed_before, "items of operation", b->id);
    store_op r = row_at(x, b->id, replay_parent(x), b->seq, b->status, b->op->name, b->sub_type,
                        STORE_SUCCEEDED);
    r.started_at = b->started_at;
    r.ended_at = clock_now(x->clk);
    r.result = payload;
    int rc = replay_checkpoint_tx(x, &r, NULL, 1);
    cJSON_free(payload);
    if (rc != 0) {
        cJSON_Delete(v);
        return CAIRN_STOP;
    }
    return deliver(x, b, reason, v);
}

/* The completion reason journaled with a finished batch, or NULL. */
static const char *journaled_reason(const store_op *row)
{
    /* The reason is the payload's last member, after any item's text (which could hold the
     * same words): found from the end, without parsing every item again on each replay. */
    static const char key[] = "\"completionReason\":\"";
    const char *at = NULL;
    for (const char *q = row->result; q && (q = strstr(q, key)); q++)
        at = q;
    if (at) {
        at += sizeof key - 1;
        const char *const known[] = {REASON_TOLERANCE, REASON_ALL, REASON_MIN};
        for (size_t k = 0; k < 3; k++) {
            size_t len = strlen(known[k]);
            if (!strncmp(at, known[k], len) && at[len] == '"')
                return known[k];
        }
    }
    cJSON *p = row->result ? cJSON_Parse(row->result) : NULL;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, "completionReason");
    const char *reason = NULL;
    if (cJSON_IsString(r)) {
        const char *const known[] = {REASON_TOLERANCE, REASON_ALL, REASON_MIN};
        for (size_t k = 0; k < 3; k++)
            if (!strcmp(r->valuestring, known[k]))
                reason = known[k];
    }
    cJSON_Delete(p);
    return reason;
}

/*
 * A finished batch's items from its own payload {"all": [{index, status,
 * result | error}]}: the journal load leaves their rows out. Returns 0; 1
 * when the payload is a summary (the items' rows are loaded: they tell); -1
 * out of memory or unreadable (mem_failures() tells which).
 */
static int items_from_payload(batch *b, const store_op *row)
{
    cJSON *p = b->payload = row->result ? cJSON_Parse(row->result) : NULL;
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(p, "all");
    int rc = p && !all ? 1 : cJSON_IsArray(all) ? 0 : -1;
    cJSON *list = rc == 0 ? (cJSON *)all : NULL, *el;
    cJSON_ArrayForEach(el, list)
    {
        const cJSON *ix = cJSON_GetObjectItemCaseSensitive(el, "index");
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "status"));
        cJSON *res = cJSON_GetObjectItemCaseSensitive(el, "result");
        cJSON *er = cJSON_GetObjectItemCaseSensitive(el, "error");
        store_status s = !st                        ? STORE_NONE
                         : !strcmp(st, "SUCCEEDED") ? STORE_SUCCEEDED
                         : !strcmp(st, "FAILED")    ? STORE_FAILED
                         : !strcmp(st, "CANCELLED") ? STORE_CANCELLED
                                                    : STORE_NONE;
        if (!cJSON_IsNumber(ix) || ix->valuedouble < 0 || ix->valuedouble >= (double)b->n ||
            s == STORE_NONE) {
            rc = -1;
            break;
        }
        item *t = &b->it[(size_t)ix->valuedouble];
        t->status = s;
        t->value = s == STORE_SUCCEEDED ? res : s == STORE_FAILED ? er : NULL;
        t->in = el;
        count(b, s);
    }
    return rc;
}

/* The items as their own rows stand (a batch running, or one whose payload is a summary). */
static void items_from_rows(cairn_exec *x, batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        char id[OP_ID_MAX + 24];
        item_id(b, i, id, sizeof id);
        const store_op *r = replay_find(x, id);
        if (!r)
            continue;
        b->it[i] = (item){.status = r->status,
                          .seq = r->seq,
                          .started_at = r->started_at,
                          .result = r->result,
                          .error = r->error};
        count(b, r->status);
    }
}

/* A batch found finished in the journal: its value (or its error) again, its items
 * rebuilt only when something reads them. */
static int replayed(cairn_exec *x, batch *b, const store_op *row)
{
    long failed_before = mem_failures();
    const char *reason = journaled_reason(row);
    if (!reason && mem_failures() != failed_before)
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory",
                           "out of memory reading operation %s", b->id);
    if (!reason)
        return replay_stop(x, CAIRN_ERR_STORE, "Store.Error",
                           "%s: execution %s: operation %s has no completion reason", x->j->name,
                           x->row->id, b->id);
    if (!b->op->as && reason != REASON_TOLERANCE) /* nothing reads the value */
        return deliver(x, b, reason, NULL);
    int got = items_from_payload(b, row);
    if (got == 1)
        items_from_rows(x, b);
    cJSON *v = NULL;
    if (got < 0 || outcome(b, reason, &v, NULL) != 0)
        return replay_stop_unreadable(x, failed_before, "items of operation", b->id);
    return deliver(x, b, reason, v);
}

static int run_batch(cairn_exec *x, const cairn_op *op, const cJSON *items, size_t n,
                     const char *sub_type, const char *item_type)
{
    const store_op *row;
    if (replay_op_enter(x, STORE_OP_CONTEXT, op, &row) != 0)
        return CAIRN_STOP;
    batch b = {.op = op,
               .items = items,
               .n = n,
               .sub_type = sub_type,
               .item_type = item_type,
               .seq = x->cur_seq,
               .status = x->cur_status,
               .started_at = row ? row->started_at : clock_now(x->clk),
               .wake = STORE_NO_TIME};
    snprintf(b.id, sizeof b.id, "%s", x->cur_id);
    const char *parent = replay_parent(x);
    int out = CAIRN_STOP;
    char last[OP_ID_MAX + 24];
    item_id(&b, n, last, sizeof last);
    if (strlen(last) >= OP_ID_MAX)
        return replay_fail(x, "Execution.TooDeep",
                           "operation ids under %s would pass %d characters: fan-out is nested "
                           "too deep",
                           b.id, OP_ID_MAX - 1);
    if (n && !(b.it = mem_calloc(n, sizeof *b.it)))
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    if (row && row->status == STORE_FAILED) {
        out = replay_ended(x, op, row);
        goto done;
    }
    if (row && row->status == STORE_SUCCEEDED) {
        out = replayed(x, &b, row);
        goto done;
    }
    items_from_rows(x, &b);
    if (!row) {
        store_op r = row_at(x, b.id, parent, b.seq, STORE_NONE, op->name, sub_type, STORE_STARTED);
        r.started_at = b.started_at;
        if (replay_checkpoint_tx(x, &r, NULL, 1) != 0)
            goto done;
        b.status = STORE_STARTED;
    }
    const char *reason = reason_of(&b);
    x->batches++;
    for (long i; !reason && (i = next_item(&b)) >= 0;) {
        if (item_run(x, &b, (size_t)i) != 0) {
            x->batches--;
            goto done;
        }
        reason = reason_of(&b);
    }
    x->batches--;
    if (reason) {
        out = finish(x, &b, reason);
    } else {
        /* the outermost batch makes the HTTP calls its branches asked for, all at once */
        if (!x->batches && x->hs && http_set_waiting(x->hs))
            http_set_perform(x->hs);
        x->cur_parent = parent;
        out = replay_suspend(x, NULL, b.wake);
    }
done:
    for (size_t i = 0; i < n; i++) {
        mem_free(b.it[i].owned_result);
        cJSON_free(b.it[i].owned_error);
    }
    mem_free(b.it);
    cJSON_Delete(b.payload);
    x->cur_parent = parent;
    scope_reset(x->sc);
    return out;
}

int cairn_parallel(cairn_exec *x, const cairn_op *op)
{
    return run_batch(x, op, NULL, (size_t)(op->nbranches > 0 ? op->nbranches : 0), "Parallel",
                     "ParallelBranch");
}

int cairn_map(cairn_exec *x, const cairn_op *op, const cJSON *items)
{
    if (!x->ended && !cJSON_IsArray(items)) {
        cairn_error e;
        err_init(&e);
        const char *what = cJSON_IsNull(items)     ? "null"
                           : cJSON_IsObject(items) ? "an object"
                           : cJSON_IsString(items) ? "a string"
                           : cJSON_IsNumber(items) ? "a number"
                                                   : "a boolean";
        err_set(&e, "Map.InvalidItems", "map '%s': `items` must be an array, got %s", op->name,
                what);
        /* journaled as the map's own failure, so a replay reads the same */
        const store_op *row;
        int out = CAIRN_STOP;
        if (replay_op_enter(x, STORE_OP_CONTEXT, op, &row) == 0) {
            if (row) {
                out = replay_ended(x, op, row);
            } else {
                char *text = engine_error_text(&e);
                store_op r = replay_op_row(x, op, STORE_OP_CONTEXT, "Map", STORE_FAILED);
                r.started_at = r.ended_at = clock_now(x->clk);
                r.error = text;
                out = text ? replay_catch_or_fail(x, op, &r, &e)
                           : replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
                cJSON_free(text);
            }
        }
        err_cleanup(&e);
        scope_reset(x->sc);
        return out;
    }
    return run_batch(x, op, items, (size_t)cJSON_GetArraySize(items), "Map", "MapIteration");
}

int cairn_group(cairn_exec *x, const cairn_op *op)
{
    const store_op *row;
    int out = CAIRN_STOP;
    if (replay_op_enter(x, STORE_OP_CONTEXT, op, &row) != 0)
        goto done;
    const char *parent = replay_parent(x);
    char id[OP_ID_MAX];
    snprintf(id, sizeof id, "%s", x->cur_id);
    int64_t seq = x->cur_seq, started_at = row ? row->started_at : clock_now(x->clk);
    store_status seen = x->cur_status;
    if (row && (row->status == STORE_SUCCEEDED || row->status == STORE_FAILED)) {
        out = replay_ended(x, op, row);
        goto done;
    }
    if (!row) {
        store_op r =
            row_at(x, id, parent, seq, STORE_NONE, op->name, "RunInChildContext", STORE_STARTED);
        r.started_at = started_at;
        if (replay_checkpoint_tx(x, &r, NULL, 1) != 0)
            goto done;
        seen = STORE_STARTED;
    }
    frame f;
    if (frame_open(x, &f, id) != 0)
        goto done;
    op->branches[0].run(x);
    frame_close(x, &f);
    if (x->ended) {
        /* the execution ended or stopped inside */
    } else if (f.state == FRAME_BLOCKED) {
        x->cur_parent = parent;
        out = replay_suspend(x, NULL, f.wake);
    } else if (f.state == FRAME_ENDED) {
        store_op r = row_at(x, id, parent, seq, seen, op->name, "RunInChildContext", f.status);
        r.started_at = started_at;
        r.ended_at = clock_now(x->clk);
        if (f.status == STORE_SUCCEEDED) {
            r.result = f.result ? f.result : "null";
            if (replay_checkpoint_tx(x, &r, NULL, 1) == 0)
                out = replay_set_as(x, op->as, r.result) == 0 ? CAIRN_NEXT : CAIRN_STOP;
        } else {
            r.error = f.error;
            cairn_error e;
            err_init(&e);
            long failed_before = mem_failures();
            cJSON *j = f.error ? cJSON_Parse(f.error) : NULL;
            if (!j || err_from_json(&e, j) != 0)
                out = replay_stop_unreadable(x, failed_before, "error of operation", id);
            else
                out = replay_catch_or_fail(x, op, &r, &e);
            cJSON_Delete(j);
            err_cleanup(&e);
        }
    } else {
        replay_fail(x, "Cairn.Internal",
                    "group '%s' returned without ending or waiting (a bug in cairn)", op->name);
    }
    mem_free(f.result);
    cJSON_free(f.error);
    x->cur_parent = parent;
done:
    scope_reset(x->sc);
    return out;
}
