/*
 * pool.h — the threads of a worker that drives many executions at once: each
 * runs one invocation at a time on an engine of its own (engine_open_like),
 * its appends committed together with the others' (group.h). The worker's
 * own thread finds what is due and hands it out (worker.c).
 */
#ifndef CAIRN_POOL_H
#define CAIRN_POOL_H

#include <stdint.h>

#include "engine.h"
#include "error.h"

typedef struct pool pool;

/* Up to n threads over like's store (like outlives the pool), each with its
 * own engine, committing through a group of their own whose leader waits at
 * most window_us for the others. A thread starts when an execution first
 * finds no free one: an idle worker holds no thread and no engine of them. */
int pool_open(pool **out, const engine *like, int n, int64_t window_us, cairn_error *err);
/* Waits for the invocations in flight, then stops the threads. NULL is fine. */
void pool_close(pool *p);

/* Threads started so far (at most n). */
int pool_threads(const pool *p);
/* Invocations in flight, and whether a thread is free. */
int pool_busy(const pool *p);
int pool_has_room(const pool *p);
/* The ids in flight, NULL-terminated; valid until the next pool call. */
const char *const *pool_ids(pool *p);

/* Hands execution id to a free thread (there is one: pool_has_room), which
 * takes it (freed with mem_free); starts that thread first if need be. An
 * error when it cannot: the caller keeps id. */
int pool_start(pool *p, char *id, cairn_error *err);

/*
 * Waits up to wait_ms (0: not at all) for an invocation to finish; 1 with its
 * id (the caller's, mem_free it), rc and err (the caller cleans it up), or 0.
 */
int pool_finished(pool *p, int64_t wait_ms, char **id, int *rc, cairn_error *err);

/* Commits so far and appends they held (group_stats). */
void pool_stats(pool *p, uint64_t *commits, uint64_t *appends);

#endif
