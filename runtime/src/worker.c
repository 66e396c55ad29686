/*
 * worker.c — the worker loop: find what is due, invoke it, and otherwise
 * wait for a change (a commit of another process, an engine_poke()) or the
 * next wake-up. `HOST worker` and serve's worker thread run it with their
 * policies (worker.h): what ends the loop, how long it waits, what it says.
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

int worker_run(engine *e, const worker_policy *p)
{
    waiting held_elsewhere = {0, 0, ""};
    int code = 1;
    int store_errors = 0; /* invocations failed by the store, in a row */
    skiplist skip = {NULL, 0};
    cairn_error err;
    err_init(&err);

    while (!atomic_load(p->stop)) {
        char *id = NULL;
        int64_t next_wake = -1;
        int due = engine_next_due(e, (const char *const *)skip.ids, &id, &next_wake, &err);
        if (due < 0) {
            const char *m = err.message ? err.message : "store error";
            if (!p->retry_forever) {
                fprintf(stderr, "%s: %s\n", p->who, m);
                goto done;
            }
            fprintf(stderr, "%s: %s (will retry)\n", p->who, m);
            err_cleanup(&err);
            engine_wait_change(e, p->retry_ms);
            continue;
        }
        if (due == 1) {
            int rc = engine_invoke(e, id, &err);
            if (rc == CAIRN_OK || rc == CAIRN_ERR_CONFLICT) {
                mem_free(id); /* done, or completed meanwhile by another process */
                store_errors = 0;
            } else if (rc == CAIRN_ERR_STORE) {
                /* Perhaps another process holds the database: try again soon. */
                int give_up = !p->retry_forever && p->max_store_errors > 0 &&
                              ++store_errors >= p->max_store_errors;
                fprintf(stderr, "%s: execution %s: %s (%s)\n", p->exec_who, id,
                        err.message ? err.message : cairn_strerror(rc),
                        give_up ? "giving up" : "will retry");
                mem_free(id);
                if (give_up)
                    goto done;
                engine_wait_change(e, p->retry_ms);
            } else if (rc == CAIRN_ERR_DEFINITION) {
                /* Pinned elsewhere: counted, said in one line once idle. */
                if (held_elsewhere.n++ == 0)
                    snprintf(held_elsewhere.first, sizeof held_elsewhere.first, "%s", id);
                if (skiplist_add(&skip, id) != 0) { /* takes id */
                    fprintf(stderr, "%s: out of memory\n", p->who);
                    goto done;
                }
            } else if (skip_execution(p, &skip, id, rc, &err) != 0) {
                if (!p->retry_forever)
                    goto done;
                engine_wait_change(e, p->idle_ms);
            }
            err_cleanup(&err);
            continue;
        }
        say_waiting(p, &held_elsewhere);
        int64_t now = engine_now(e);
        if (p->skip_time && next_wake > now) {
            engine_advance_clock(e, next_wake);
            if (p->on_advance)
                p->on_advance(p->ctx, next_wake);
            continue;
        }
        if (p->until_idle)
            break;
        int64_t wait = p->idle_ms;
        if (next_wake >= 0 && next_wake - now < wait)
            wait = next_wake - now;
        /* Woken early by a commit of another process (a start, a callback), by
         * engine_poke(), or by a signal. */
        engine_wait_change(e, wait > 1 ? wait : 1);
    }
    code = 0;
done:
    skiplist_cleanup(&skip);
    err_cleanup(&err);
    return code;
}
