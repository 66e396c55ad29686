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
    int taken; /* in a batch being written: it waits for that batch, it never leads */
    int done;
    int64_t renew_to;
    struct item *next;
} item;

struct group {
    pthread_mutex_t m;
    /* Three conditions, so that a change wakes only who it concerns. */
    pthread_cond_t queue;  /* the gathering leader's: an item queued, an invocation left */
    pthread_cond_t lead;   /* queued items': no leader is gathering now */
    pthread_cond_t done;   /* taken items' (and the next leader's): a batch was written */
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
    pthread_cond_init(&g->lead, NULL);
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
    pthread_cond_destroy(&g->lead);
    pthread_cond_destroy(&g->done);
    pthread_mutex_destroy(&g->write);
    pthread_mutex_destroy(&g->m);
    mem_free(g);
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
 * With g->m held: gather the queue until every running invocation not
 * waiting on the commit under way has queued (or the window has passed),
 * wait for that commit to end, then commit what was gathered. While one
 * batch is being written, the invocations it does not hold queue the next:
 * two cohorts alternate instead of one waiting for the other's bodies.
 */
static void lead(group *g)
{
    g->gathering = 1;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)(g->window_us % 1000000) * 1000;
    until.tv_sec += g->window_us / 1000000 + until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    while (g->queued + g->in_commit < g->active &&
           pthread_cond_timedwait(&g->queue, &g->m, &until) != ETIMEDOUT) {
    }
    while (g->in_commit > 0)
        pthread_cond_wait(&g->done, &g->m);
    item *batch = g->head;
    for (item *it = batch; it; it = it->next)
        it->taken = 1;
    g->head = NULL;
    g->tail = &g->head;
    int n = g->queued;
    g->queued = 0;
    g->in_commit = n;
    g->gathering = 0;
    pthread_cond_signal(&g->lead); /* the next cohort may gather */
    pthread_mutex_unlock(&g->m);

    commit_batch(g, batch);

    pthread_mutex_lock(&g->m);
    for (item *it = batch; it; it = it->next)
        it->done = 1;
    g->commits++;
    g->appends += (uint64_t)n;
    g->in_commit = 0;
    pthread_cond_broadcast(&g->done);
    pthread_cond_broadcast(&g->lead); /* items taken while they waited to lead */
}

int group_append(group *g, journal_sqlite *js, const journal_update *u, size_t n,
                 const journal_end *end, cairn_error *err)
{
    item it = {.js = js, .u = u, .n = n, .end = end, .err = err, .rc = CAIRN_OK};
    pthread_mutex_lock(&g->m);
    *g->tail = &it;
    g->tail = &it.next;
    g->queued++;
    pthread_cond_signal(&g->queue); /* a leader counting the queue */
    while (!it.done) {
        if (!it.taken && !g->gathering)
            lead(g);
        else
            pthread_cond_wait(it.taken ? &g->done : &g->lead, &g->m);
    }
    pthread_mutex_unlock(&g->m);
    if (it.rc == CAIRN_OK && it.renew_to)
        js->lease_until = it.renew_to;
    return it.rc;
}
