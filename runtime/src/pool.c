/*
 * pool.c — a worker's threads (pool.h).
 *
 * Owns: the threads, their engines and the group they commit through; the
 * id each runs until the worker collects its result. A thread and its engine
 * start when an execution first finds no free one (an idle worker holds none).
 * Never: runs two invocations on one thread at once, or receives a signal
 * (the worker's thread handles them: the pool's threads block them all).
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "group.h"
#include "mem.h"

typedef enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_DONE } slot_state;

typedef struct slot {
    struct pool *pool;
    pthread_t thread;
    int started;
    engine *e;           /* owned */
    pthread_cond_t work; /* this slot was handed an id, or the pool quits */
    slot_state state;    /* under pool.m */
    char *id;         /* owned while RUNNING or DONE */
    int rc;
    cairn_error err;
} slot;

struct pool {
    pthread_mutex_t m;
    pthread_cond_t done; /* a slot finished */
    int quit;
    group *g;
    const engine *like; /* borrowed: what each slot's engine is opened like */
    slot *slots;
    int n;
    const char **ids; /* n + 1, for pool_ids */
};

static void *slot_main(void *arg)
{
    slot *s = arg;
    pool *p = s->pool;
    pthread_mutex_lock(&p->m);
    for (;;) {
        while (!p->quit && s->state != SLOT_RUNNING)
            pthread_cond_wait(&s->work, &p->m);
        if (s->state != SLOT_RUNNING)
            break; /* quit, and nothing to finish */
        pthread_mutex_unlock(&p->m);
        err_init(&s->err);
        int rc = engine_invoke(s->e, s->id, &s->err);
        pthread_mutex_lock(&p->m);
        s->rc = rc;
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

int pool_open(pool **out, const engine *like, int n, int64_t window_us, cairn_error *err)
{
    *out = NULL;
    pool *p = mem_calloc(1, sizeof *p);
    if (!p || !(p->slots = mem_calloc((size_t)n, sizeof *p->slots)) ||
        !(p->ids = mem_calloc((size_t)n + 1, sizeof *p->ids))) {
        if (p)
            mem_free(p->slots);
        mem_free(p);
        err_set(err, "Cairn.NoMemory", "out of memory");
        return CAIRN_ERR_NOMEM;
    }
    pthread_mutex_init(&p->m, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->done, &ca);
    pthread_condattr_destroy(&ca);
    p->n = n;
    p->like = like;
    for (int i = 0; i < n; i++) {
        p->slots[i].pool = p;
        pthread_cond_init(&p->slots[i].work, NULL);
    }
    int rc = group_open(&p->g, engine_store_path(like), window_us, err);
    if (rc != CAIRN_OK) {
        pool_close(p);
        return rc;
    }
    *out = p;
    return CAIRN_OK;
}

/* Starts slot s's engine and thread (signals blocked in it: the worker's
 * thread takes them). With p->m not held. */
static int slot_start(pool *p, slot *s, cairn_error *err)
{
    int rc = engine_open_like(&s->e, p->like, err);
    if (rc != CAIRN_OK)
        return rc;
    engine_set_group(s->e, p->g);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* the thread inherits it */
    int failed = pthread_create(&s->thread, NULL, slot_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (failed) {
        engine_close(s->e);
        s->e = NULL;
        err_set(err, "Cairn.Internal", "cannot start a worker thread: %s", strerror(failed));
        return CAIRN_ERR_INTERNAL;
    }
    s->started = 1;
    return CAIRN_OK;
}

void pool_close(pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->m);
    p->quit = 1;
    for (int i = 0; i < p->n; i++)
        pthread_cond_signal(&p->slots[i].work);
    pthread_mutex_unlock(&p->m);
    for (int i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        if (s->started)
            pthread_join(s->thread, NULL);
        if (s->state == SLOT_DONE)
            err_cleanup(&s->err);
        mem_free(s->id);
        engine_close(s->e); /* NULL for a slot never started */
        pthread_cond_destroy(&s->work);
    }
    group_close(p->g);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->m);
    mem_free(p->ids);
    mem_free(p->slots);
    mem_free(p);
}

int pool_threads(const pool *p)
{
    int n = 0;
    for (int i = 0; i < p->n; i++)
        n += p->slots[i].started; /* written by the caller's thread only */
    return n;
}

int pool_busy(const pool *p)
{
    int busy = 0;
    pthread_mutex_lock((pthread_mutex_t *)&p->m);
    for (int i = 0; i < p->n; i++)
        busy += p->slots[i].state != SLOT_FREE;
    pthread_mutex_unlock((pthread_mutex_t *)&p->m);
    return busy;
}

int pool_has_room(const pool *p)
{
    return pool_busy(p) < p->n;
}

const char *const *pool_ids(pool *p)
{
    int k = 0;
    pthread_mutex_lock(&p->m);
    for (int i = 0; i < p->n; i++)
        if (p->slots[i].state != SLOT_FREE)
            p->ids[k++] = p->slots[i].id;
    p->ids[k] = NULL;
    pthread_mutex_unlock(&p->m);
    return p->ids;
}

int pool_start(pool *p, char *id, cairn_error *err)
{
    /* a free thread that runs already, else the first not started yet */
    slot *s = NULL;
    pthread_mutex_lock(&p->m);
    for (int i = 0; i < p->n; i++) {
        slot *t = &p->slots[i];
        if (t->state == SLOT_FREE && (t->started || !s))
            s = t;
        if (s && s->started)
            break;
    }
    pthread_mutex_unlock(&p->m);
    if (!s) {
        err_set(err, "Cairn.Internal", "no free thread in the pool");
        return CAIRN_ERR_INTERNAL;
    }
    if (!s->started) { /* only this thread starts slots: nobody else touches s meanwhile */
        int rc = slot_start(p, s, err);
        if (rc != CAIRN_OK)
            return rc;
    }
    pthread_mutex_lock(&p->m);
    s->id = id;
    s->state = SLOT_RUNNING;
    pthread_cond_signal(&s->work); /* that thread alone */
    pthread_mutex_unlock(&p->m);
    return CAIRN_OK;
}

/* With p->m held: a DONE slot, or NULL. */
static slot *done_slot(pool *p)
{
    for (int i = 0; i < p->n; i++)
        if (p->slots[i].state == SLOT_DONE)
            return &p->slots[i];
    return NULL;
}

int pool_finished(pool *p, int64_t wait_ms, char **id, int *rc, cairn_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
    until.tv_sec += until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    pthread_mutex_lock(&p->m);
    slot *s;
    while (!(s = done_slot(p)) && wait_ms > 0 &&
           pthread_cond_timedwait(&p->done, &p->m, &until) != ETIMEDOUT) {
    }
    if (s) {
        *id = s->id;
        *rc = s->rc;
        *err = s->err; /* moved */
        s->id = NULL;
        s->state = SLOT_FREE;
    }
    pthread_mutex_unlock(&p->m);
    return s != NULL;
}

void pool_stats(pool *p, uint64_t *commits, uint64_t *appends)
{
    group_stats(p->g, commits, appends);
}
