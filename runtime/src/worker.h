/*
 * worker.h — the loop that runs due invocations, one at a time, on one
 * engine: `HOST worker` (host.c) and the worker thread of `HOST serve`
 * (serve.c) are this loop with two policies.
 */
#ifndef CAIRN_WORKER_H
#define CAIRN_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine.h"

/* What a worker does when there is nothing to run, or something fails. */
typedef struct worker_policy {
    /* Messages go to stderr as "WHO: MSG" for the loop's own errors and
     * "EXEC_WHO: execution ID: MSG (what happens next)" for one execution's.
     * Borrowed. */
    const char *who;
    const char *exec_who;
    /* Set (to non-zero) by a signal handler or another thread: the loop
     * returns 0 before its next invocation; the one in flight finishes.
     * Borrowed; must stay valid while the loop runs. */
    const atomic_int *stop;
    int skip_time;  /* jump the engine's clock to the next wake-up instead of waiting */
    int until_idle; /* return 0 once nothing is due (with skip_time: nothing will wake) */
    /*
     * retry_forever: every error is retried (a failed look-up after retry_ms,
     * running out of memory after idle_ms, or retry_ms if idle_ms < 0), so the loop ends only on
     * *stop. Otherwise running out of memory ends it with 1.
     */
    int retry_forever;
    /* Store errors in a row (of invocations, or of looking up what is due)
     * that end the loop with 1 ("giving up"); 0: retried for ever after
     * retry_ms ("will retry"). Ignored with retry_forever. */
    int max_store_errors;
    int64_t retry_ms; /* the wait after a store error (another process may hold the lock) */
    /* The longest wait for a change when nothing is due; < 0: no limit (the
     * next wake-up, a commit or a poke ends the wait: engine_wait_change). */
    int64_t idle_ms;
    /*
     * batch > 1: up to batch invocations at once, on threads of their own,
     * their appends committed together (group commit, group.h), a commit's
     * leader waiting at most batch_window_us for the others. 0 or 1: one at
     * a time. Ignored with skip_time.
     */
    int batch;
    int64_t batch_window_us;
    /* skip_time: called after each jump of the clock, with the new time. May be NULL. */
    void (*on_advance)(void *ctx, int64_t now_ms);
    void *ctx;
} worker_policy;

/*
 * Runs due invocations on e (borrowed; used by this thread only) until
 * *p->stop, or until idle with p->until_idle. An execution whose invocation
 * fails other than by a store error (its definition is missing from this
 * host, say) is reported once and skipped from then on. Returns 0 when the
 * loop ended as asked, 1 when it gave up (see the policy).
 */
int worker_run(engine *e, const worker_policy *p);

#endif
