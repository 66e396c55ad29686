/*
 * group.c — group commit (group.h): a queue of appends, a leader that
 * commits them in one transaction, the others waiting for it.
 *
 * Owns: its connection and the queue's links (the items live on the
 * appenders' stacks while they wait).
 * Never: lets an append return before the transaction holding it has
 * committed; commits part of one append; holds its mutex while it writes.
 */
#include "group.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <time.h>

#include "mem.h"
#include "store.h"

typedef struct item {
    journal_sqlite *js;
    const journal_update *u;
    size_t n;
    const journal_end *end;
    cairn_error *err; /* the appender's; written by the leader while it waits */
    int rc;
    atomic_int done;  /* its batch was written: rc, err and renew_to are final */
    sem_t woken;      /* posted once done: the appender wakes alone, without g->m */
    int64_t renew_to;
    struct item *next;
} item;

struct group {
    pthread_mutex_t m;
    /* Three conditions, so that a change wakes only who it concerns. */
    pthread_cond_t queue;  /* the gathering leader's: the last item it waits for queued, or
                              an invocation left */
    pthread_cond_t done;   /* the next leader's: the batch being written was written */
    pthread_mutex_t write; /* the database's write lock, among this process's connections */
    store *st;             /* the connection commits go through; the leader's alone */
    int64_t window_us;
    int active;    /* invocations running (group_enter .. group_leave) */
    int queued;    /* items in the queue */
    int gathering; /* a leader is gathering the queue */
    int in_commit; /* items of the batch being written (0: none) */
    item *head, **tail;
    uint64_t commits, appends;
};

int group_open(group **out, const char *path, int64_t window_us, cairn_error *err)
{
    *out = NULL;
    group *g = mem_calloc(1, sizeof *g);
    if (!g) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        return CAIRN_ERR_NOMEM;
    }
    int rc = store_open(&g->st, path, err);
    if (rc != CAIRN_OK) {
        mem_free(g);
        return rc;
    }
    pthread_mutex_init(&g->m, NULL);
    pthread_mutex_init(&g->write, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->queue, &ca);
    pthread_cond_init(&g->done, NULL);
    pthread_condattr_destroy(&ca);
    g->window_us = window_us;
    g->tail = &g->head;
    *out = g;
    return CAIRN_OK;
}

void group_close(group *g)
{
    if (!g)
        return;
    store_close(g->st);
    pthread_cond_destroy(&g->queue);
    pthread_cond_destroy(&g->done);
    pthread_mutex_destroy(&g->write);
    pthread_mutex_destroy(&g->m);
    mem_free(g);
}

/* With g->m held: whether the gathering leader has what it waits for. */
static int gathered(const group *g)
{
    return g->queued + g->in_commit >= g->active;
}

void group_enter(group *g)
{
    pthread_mutex_lock(&g->m);
    g->active++;
    pthread_mutex_unlock(&g->m);
}

void group_leave(group *g)
{
    pthread_mutex_lock(&g->m);
    g->active--;
    if (g->gathering && gathered(g))
        pthread_cond_signal(&g->queue); /* a leader waiting for it waits no more */
    pthread_mutex_unlock(&g->m);
}

void group_write_lock(group *g)
{
    pthread_mutex_lock(&g->write);
}

void group_write_unlock(group *g)
{
    pthread_mutex_unlock(&g->write);
}

void group_stats(group *g, uint64_t *commits, uint64_t *appends)
{
    pthread_mutex_lock(&g->m);
    *commits = g->commits;
    *appends = g->appends;
    pthread_mutex_unlock(&g->m);
}

/* The appends of batch, one savepoint each, in one transaction on g->st. */
static void commit_batch(group *g, item *batch)
{
    cairn_error tx;
    err_init(&tx);
    pthread_mutex_lock(&g->write);
    int rc = store_begin(g->st, &tx);
    for (item *it = batch; rc == CAIRN_OK && it; it = it->next) {
        if ((rc = store_savepoint(g->st, &tx)) != CAIRN_OK)
            break;
        it->rc = journal_sqlite_apply(it->js, g->st, it->u, it->n, it->end, &it->renew_to, it->err);
        /* Undo this append alone; a store error breaks the transaction itself. */
        if (it->rc == CAIRN_ERR_STORE || it->rc == CAIRN_ERR_NOMEM)
            rc = it->rc;
        else
            rc = store_release(g->st, it->rc != CAIRN_OK, &tx);
    }
    if (rc == CAIRN_OK)
        rc = store_commit(g->st, &tx);
    if (rc != CAIRN_OK)
        store_rollback(g->st);
    pthread_mutex_unlock(&g->write);
    if (rc != CAIRN_OK) {
        for (item *it = batch; it; it = it->next) {
            if (it->rc == CAIRN_OK || it->rc == CAIRN_ERR_CONFLICT || !it->err->message) {
                err_cleanup(it->err);
                err_set(it->err, tx.type ? tx.type : "Store.Error", "%s",
                        tx.message ? tx.message : "the group commit failed");
            }
            it->rc = rc;
        }
    }
    err_cleanup(&tx);
}

/*
 * With g->m held (and released on return): gather the queue until every
 * running invocation not waiting on the commit under way has queued (or the
 * window has passed), wait for that commit to end, then commit what was
 * gathered and wake each appender in it. While one batch is being written,
 * the invocations it does not hold queue the next: two cohorts alternate
 * instead of one waiting for the other's bodies.
 */
static void lead(group *g)
{
    g->gathering = 1;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)(g->window_us % 1000000) * 1000;
    until.tv_sec += g->window_us / 1000000 + until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    while (!gathered(g) && pthread_cond_timedwait(&g->queue, &g->m, &until) != ETIMEDOUT) {
    }
    while (g->in_commit > 0)
        pthread_cond_wait(&g->done, &g->m);
    item *batch = g->head;
    g->head = NULL;
    g->tail = &g->head;
    int n = g->queued;
    g->queued = 0;
    g->in_commit = n;
    g->gathering = 0; /* the next one to queue gathers the next batch */
    pthread_mutex_unlock(&g->m);

    commit_batch(g, batch);

    pthread_mutex_lock(&g->m);
    g->commits++;
    g->appends += (uint64_t)n;
    g->in_commit = 0;
    pthread_cond_signal(&g->done); /* a leader gathering meanwhile */
    pthread_mutex_unlock(&g->m);
    /* Each appender wakes alone (no herd on g->m); its item is gone once woken. */
    for (item *it = batch, *next; it; it = next) {
        next = it->next;
        atomic_store(&it->done, 1);
        sem_post(&it->woken);
    }
}

int group_append(group *g, journal_sqlite *js, const journal_update *u, size_t n,
                 const journal_end *end, cairn_error *err)
{
    item it = {.js = js, .u = u, .n = n, .end = end, .err = err, .rc = CAIRN_OK};
    atomic_init(&it.done, 0);
    sem_init(&it.woken, 0, 0);
    pthread_mutex_lock(&g->m);
    *g->tail = &it;
    g->tail = &it.next;
    g->queued++;
    /* Nobody gathering: this one leads (its item is the first of the queue).
     * Else the leader takes it; it is woken only by the last one it waits for. */
    if (!g->gathering)
        lead(g);
    else {
        if (gathered(g))
            pthread_cond_signal(&g->queue);
        pthread_mutex_unlock(&g->m);
    }
    while (!atomic_load(&it.done))
        sem_wait(&it.woken); /* EINTR: look again */
    sem_destroy(&it.woken);
    if (it.rc == CAIRN_OK && it.renew_to)
        js->lease_until = it.renew_to;
    return it.rc;
}
