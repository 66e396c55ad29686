/*
 * worker.c — the worker loop: find what is due, invoke it, and otherwise
 * sleep until a change (a commit of another connection, an engine_poke())
 * or the next wake-up, with no timer of its own (engine_wait_change). `HOST worker` and serve's
 * worker thread run it with their policies (worker.h): what ends the loop, how long it waits, what
 * it says.
 *
 * Owns: the skip list of executions this host will not invoke again, the
 * count of those that wait for a definition it does not hold (said in one
 * line when it changes, never once per execution or per pass), and the
 * count of store errors in a row.
 * Never: touches the store other than through engine.h, stops in the middle
 * of an invocation, or invokes again an execution it reported as skipped.
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "mem.h"
#include "pool.h"
#include "skiplist.h"

/* A signal handler may set the stop flag only if it is lock-free. */
#if ATOMIC_INT_LOCK_FREE != 2
#error "the worker's stop flag needs a lock-free atomic_int"
#endif

/* An invocation failed with rc (not a store error): report it once, skip it from now on. */
static int skip_execution(const worker_policy *p, skiplist *skip, char *id, int rc,
                          const cairn_error *err)
{
    const char *m = err->message ? err->message : cairn_strerror(rc);
    if (strstr(m, id)) /* the message names the execution already */
        fprintf(stderr, "%s: %s (skipped)\n", p->exec_who, m);
    else
        fprintf(stderr, "%s: execution %s: %s (skipped)\n", p->exec_who, id, m);
    if (skiplist_add(skip, id) != 0) { /* takes id */
        fprintf(stderr, "%s: out of memory\n", p->who);
        return -1;
    }
    return 0;
}

/* Executions that wait for a definition this host does not hold. */
typedef struct waiting {
    size_t n, said; /* how many; how many the last line said */
    char first[64]; /* the first one's id, for the message */
} waiting;

/* Says once how many executions wait for another definition, when that changed. */
static void say_waiting(const worker_policy *p, waiting *w)
{
    if (w->n == w->said)
        return;
    fprintf(stderr,
            "%s: %zu execution%s wait%s for a definition this host does not hold (first: %s); "
            "`list` marks them (not held): run the host built from it, or stop them\n",
            p->who, w->n, w->n == 1 ? "" : "s", w->n == 1 ? "s" : "", w->first);
    w->said = w->n;
}

/* The loop's state across passes. */
typedef struct loop {
    waiting held_elsewhere;
    int store_errors; /* invocations failed by the store, in a row */
    skiplist skip;
} loop;

/* What the loop does after an invocation. */
enum { GO_ON, WAIT_RETRY, WAIT_IDLE, GIVE_UP };

/* After the invocation of id ended with rc (and err): says what happened, and
 * what to do next. Takes id. */
static int after_invoke(const worker_policy *p, loop *l, char *id, int rc, const cairn_error *err)
{
    if (rc == CAIRN_OK || rc == CAIRN_ERR_CONFLICT) {
        mem_free(id); /* done, or completed meanwhile by another process */
        l->store_errors = 0;
        return GO_ON;
    }
    if (rc == CAIRN_ERR_STORE) {
        /* Perhaps another process holds the database: try again soon. */
        int give_up = !p->retry_forever && p->max_store_errors > 0 &&
                      ++l->store_errors >= p->max_store_errors;
        fprintf(stderr, "%s: execution %s: %s (%s)\n", p->exec_who, id,
                err->message ? err->message : cairn_strerror(rc),
                give_up ? "giving up" : "will retry");
        mem_free(id);
        return give_up ? GIVE_UP : WAIT_RETRY;
    }
    if (rc == CAIRN_ERR_DEFINITION) {
        /* Pinned elsewhere: counted, said in one line once idle. */
        if (l->held_elsewhere.n++ == 0)
            snprintf(l->held_elsewhere.first, sizeof l->held_elsewhere.first, "%s", id);
        if (skiplist_add(&l->skip, id) != 0) { /* takes id */
            fprintf(stderr, "%s: out of memory\n", p->who);
            return GIVE_UP;
        }
        return GO_ON;
    }
    if (skip_execution(p, &l->skip, id, rc, err) != 0)
        return p->retry_forever ? WAIT_IDLE : GIVE_UP;
    return GO_ON;
}

/* The ids not to invoke now, in *out: the skipped ones and those in flight
 * (NULL-terminated, or NULL for none). -1 when out of memory. */
static int not_now(loop *l, pool *pl, const char ***buf, size_t *cap, const char *const **out)
{
    const char *const *busy = pl ? pool_ids(pl) : NULL;
    size_t nb = 0;
    while (busy && busy[nb])
        nb++;
    *out = (const char *const *)l->skip.ids;
    if (nb == 0)
        return 0;
    size_t ns = l->skip.n, need = ns + nb + 1;
    if (need > *cap) {
        const char **b = mem_realloc(*buf, need * sizeof *b);
        if (!b)
            return -1;
        *buf = b;
        *cap = need;
    }
    for (size_t i = 0; i < ns; i++)
        (*buf)[i] = l->skip.ids[i];
    for (size_t i = 0; i < nb; i++)
        (*buf)[ns + i] = busy[i];
    (*buf)[ns + nb] = NULL;
    *out = *buf;
    return 0;
}

int worker_run(engine *e, const worker_policy *p)
{
    loop l = {.held_elsewhere = {0, 0, ""}, .store_errors = 0, .skip = {NULL, 0}};
    int code = 1;
    pool *pl = NULL;
    const char **buf = NULL;
    size_t cap = 0;
    cairn_error err;
    err_init(&err);
    /* Many executions at once, their appends committed together: not on a
     * virtual clock, which moves one execution's time at a time. */
    if (p->batch > 1 && !p->skip_time &&
        pool_open(&pl, e, p->batch, p->batch_window_us, &err) != CAIRN_OK) {
        fprintf(stderr, "%s: %s\n", p->who, err.message ? err.message : "cannot start the pool");
        goto done;
    }

    while (!atomic_load(p->stop)) {
        int next = GO_ON;
        /* Collect what the pool finished. */
        char *fid;
        int frc;
        cairn_error ferr;
        while (pl && next != GIVE_UP && pool_finished(pl, 0, &fid, &frc, &ferr)) {
            int n = after_invoke(p, &l, fid, frc, &ferr);
            err_cleanup(&ferr);
            if (n > next)
                next = n;
        }
        if (next == GIVE_UP)
            goto done;
        char *id = NULL;
        int64_t next_wake = -1;
        int due = 0;
        if (!pl || pool_has_room(pl)) {
            const char *const *skip = NULL;
            if (not_now(&l, pl, &buf, &cap, &skip) != 0) {
                fprintf(stderr, "%s: out of memory\n", p->who);
                goto done;
            }
            due = engine_next_due(e, skip, &id, &next_wake, &err);
        }
        if (due < 0) {
            /* Counted with the invocations' store errors: another process may
             * hold the database, or the disk be slow to give it back. */
            int give_up = !p->retry_forever && p->max_store_errors > 0 &&
                          ++l.store_errors >= p->max_store_errors;
            fprintf(stderr, "%s: %s (%s)\n", p->who, err.message ? err.message : "store error",
                    give_up ? "giving up" : "will retry");
            err_cleanup(&err);
            if (give_up)
                goto done;
            engine_wait_change(e, p->retry_ms);
            continue;
        }
        if (due == 1 && pl) {
            if (pool_start(pl, id, &err) == CAIRN_OK)
                continue;
            /* no thread for it: this one runs it (and the pool what it has) */
            fprintf(stderr, "%s: %s\n", p->who, err.message ? err.message : "pool error");
            err_cleanup(&err);
        }
        if (due == 1) {
            int rc = engine_invoke(e, id, &err);
            next = after_invoke(p, &l, id, rc, &err);
            err_cleanup(&err);
        }
        if (next == GIVE_UP)
            goto done;
        if (next == WAIT_RETRY || next == WAIT_IDLE) {
            engine_wait_change(e, next == WAIT_RETRY || p->idle_ms < 0 ? p->retry_ms : p->idle_ms);
            continue;
        }
        if (due == 1)
            continue;
        if (pl && pool_busy(pl) > 0) {
            /* Nothing more to hand out now: wait for one to finish (or, with
             * room, look again soon for what other processes started). */
            if (pool_finished(pl, pool_has_room(pl) ? 2 : 1000, &fid, &frc, &ferr)) {
                next = after_invoke(p, &l, fid, frc, &ferr);
                err_cleanup(&ferr);
                if (next == GIVE_UP)
                    goto done;
            }
            continue;
        }
        say_waiting(p, &l.held_elsewhere);
        int64_t now = engine_now(e);
        if (next_wake >= 0 && next_wake <= now)
            continue; /* due since it was looked for (the clock moved on): look again */
        if (p->skip_time && next_wake > now) {
            engine_advance_clock(e, next_wake);
            if (p->on_advance)
                p->on_advance(p->ctx, next_wake);
            continue;
        }
        if (p->until_idle)
            break;
        /* Until the next wake-up (none: no limit), unless a commit of another
         * connection (a start, a callback), engine_poke() or a signal comes first. */
        int64_t wait = p->idle_ms;
        if (next_wake >= 0 && (wait < 0 || next_wake - now < wait))
            wait = next_wake - now > 1 ? next_wake - now : 1;
        engine_wait_change(e, wait);
    }
    code = 0;
done:
    pool_close(pl); /* lets the invocations in flight finish */
    mem_free(buf);
    skiplist_cleanup(&l.skip);
    err_cleanup(&err);
    return code;
}
