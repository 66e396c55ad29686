/*
 * group.h — group commit for the SQLite engine: the appends of many
 * invocations running at once (a worker's pool, worker.c) committed
 * together, one transaction and one fsync for all of them.
 *
 * Each append still keeps journal.h's rules: it is all or nothing (a
 * savepoint of its own inside the shared transaction: one that conflicts is
 * undone alone and the others commit), and it returns only once durable, so
 * no step's body runs before the result it depends on is on disk.
 *
 * The first appender that finds no commit under way leads: it waits until
 * every running invocation has queued its append, or a short window has
 * passed, then commits the queue on the group's own connection while the
 * others wait. A lone invocation is never kept waiting: the one running
 * invocation has queued, so its leader commits at once.
 */
#ifndef CAIRN_GROUP_H
#define CAIRN_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "journal.h"

typedef struct group group;

/* A group committing to the store at path through a connection of its own;
 * window_us bounds how long a leader waits for the others. */
int group_open(group **out, const char *path, int64_t window_us, cairn_error *err);
void group_close(group *g); /* NULL is fine; nothing may be appending */

/* An invocation starts / ends: the leader waits for the running ones only. */
void group_enter(group *g);
void group_leave(group *g);

/* journal.h's append, committed with whatever else is queued (journal_sqlite.c). */
int group_append(group *g, journal_sqlite *js, const journal_update *u, size_t n,
                 const journal_end *end, cairn_error *err);

/*
 * The pool's other writes (a lease taken, one freed) take this lock, which
 * a commit holds, so that they queue here rather than in SQLite's busy
 * handler, whose sleeps are milliseconds long.
 */
void group_write_lock(group *g);
void group_write_unlock(group *g);

/* Commits so far and appends they held, for benchmarks. */
void group_stats(group *g, uint64_t *commits, uint64_t *appends);

#endif
