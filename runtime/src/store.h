/*
 * store.h — the SQLite journal: executions and their operations.
 *
 * One store is one connection (WAL, synchronous=FULL unless CAIRN_SYNC=normal,
 * busy_timeout, foreign keys) with its statements prepared once. Times are
 * int64 ms since the epoch, STORE_NO_TIME for SQL NULL; JSON is text.
 *
 * Rows read back own their strings in one block (`mem`), freed by
 * store_*_cleanup(); rows written are borrowed views (mem NULL).
 */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "cairn/cairn.h"
#include "error.h"

/* 1: executions and operations; 2: events (store_events.c) and a callback's
 * result_mode; 3: an execution's parent (parent_id, parent_op_id: `invoke`);
 * 4: a context's end_seq; 5: an event row may hold its start too
 * (events.start_type), and operations.callback_id is unique by a partial
 * index (rows without a callback are not in it). */
#define STORE_SCHEMA_VERSION 5
#define STORE_NO_TIME INT64_C(-1)

typedef struct store store;

/*
 * The status of an execution (RUNNING PENDING SUCCEEDED FAILED TIMED_OUT STOPPED) or
 * of an operation (STARTED PENDING READY SUCCEEDED FAILED TIMED_OUT
 * CANCELLED), as AWS names them. Their text exists only in SQL (store.c maps
 * it, one table) and in JSON (printed through store_status_name).
 * STORE_NONE: no status (no row yet).
 */
typedef enum store_status {
    STORE_NONE = 0,
    STORE_RUNNING,
    STORE_STARTED,
    STORE_PENDING,
    STORE_READY,
    STORE_SUCCEEDED,
    STORE_FAILED,
    STORE_TIMED_OUT,
    STORE_CANCELLED,
    STORE_STOPPED, /* an execution stopped from outside (store_exec_stop) */
} store_status;

/* The type of an operation, as AWS names it (text: store_op_type_name). */
typedef enum store_op_type {
    STORE_OP_EXECUTION = 0,
    STORE_OP_STEP,
    STORE_OP_WAIT,
    STORE_OP_CALLBACK,
    STORE_OP_CONTEXT,
    STORE_OP_CHAINED_INVOKE, /* `invoke`: a child execution (sub-type ChainedInvoke) */
} store_op_type;

/* "SUCCEEDED", "STEP", ... (static strings; "" for a value out of range). */
const char *store_status_name(store_status s);
const char *store_op_type_name(store_op_type t);
/* SUCCEEDED, FAILED, TIMED_OUT or STOPPED: an execution that has ended. */
int store_status_ended(store_status s);

/* One row of `executions`. Strings may be NULL (SQL NULL). */
typedef struct store_exec {
    const char *id;
    const char *workflow;
    int version;
    const char *definition_sha256;
    const char *name;    /* idempotency key, or NULL */
    store_status status; /* RUNNING PENDING SUCCEEDED FAILED TIMED_OUT STOPPED */
    const char *input;   /* JSON text */
    const char *result;  /* JSON text or NULL */
    const char *error;   /* JSON text {type,message,data} or NULL */
    int64_t created_at, updated_at, ended_at, wake_at, timeout_at;
    /* The lease of the process running an invocation (real time); NULL/none when free. */
    const char *lease_owner;
    int64_t lease_until;
    /* The execution whose `invoke` operation started this one (schema 3), and
     * that operation's id; NULL for an execution started from outside. */
    const char *parent_id;
    const char *parent_op_id;
    void *mem; /* owned by rows read back; NULL in rows to write */
} store_exec;

/* One row of `operations` (the journal). */
typedef struct store_op {
    int64_t seq; /* journal order within the execution */
    const char *id;
    const char *parent_id;
    const char *name;
    store_op_type type;
    const char *sub_type; /* Step, Wait, ... or NULL */
    store_status status;  /* STARTED PENDING READY SUCCEEDED FAILED TIMED_OUT CANCELLED */
    int attempt;          /* 0: NULL (not a step) */
    const char *result;
    const char *error;
    int64_t started_at, ended_at, next_attempt_at;
    const char *callback_id;
    int64_t timeout_at, heartbeat_at;
    int64_t heartbeat_ms; /* callbacks: the heartbeat interval; 0: none */
    /* callbacks: how the awaiting operation reads the result, "json" or
     * "text" (schema 2); NULL: not a callback, or journaled by schema 1 */
    const char *result_mode;
    /* a context that ended: the execution's largest seq when it did, so a
     * replay's load can pass over its operations (schema 4); 0: not known */
    int64_t end_seq;
    void *mem;
} store_op;

void store_exec_cleanup(store_exec *r);
void store_op_cleanup(store_op *r);
/* Cleans up and frees an array of n rows (NULL ok). */
void store_ops_free(store_op *rows, size_t n);
void store_execs_free(store_exec *rows, size_t n);

/*
 * Opens or creates the store at path. A file that is not SQLite, not a cairn
 * store, or of a newer schema version is refused (CAIRN_ERR_STORE, err names
 * the file and the cause) and left unchanged. A file of an older schema
 * version is migrated in place, in one transaction (1 -> 2: the column
 * operations.result_mode; 2 -> 3: executions.parent_id and parent_op_id). *out is freed by
 * store_close().
 */
int store_open(store **out, const char *path, cairn_error *err);
void store_close(store *s);
const char *store_path(const store *s);
/* The database's absolute file name (SQLite's; "" for a temporary one); borrowed. */
const char *store_file(store *s);
/* The connection, for tests and pragmas; borrowed. */
sqlite3 *store_db(store *s);

/* One checkpoint: BEGIN IMMEDIATE ... COMMIT. Each returns a cairn_rc. A
 * commit that succeeds wakes the workers waiting on this store (store_notify). */
int store_begin(store *s, cairn_error *err);
int store_commit(store *s, cairn_error *err);
/* Tells the workers that wait on this store, in any process, that it changed:
 * touches its WAL (watch.h). After every commit, and after a lease is freed. */
void store_notify(store *s);
void store_rollback(store *s); /* harmless when no transaction is open */
/* Inside a transaction, one part that can be undone alone (group commit,
 * group.c): store_savepoint, then store_release, undoing the part first when
 * undo is set. Not nested. */
int store_savepoint(store *s, cairn_error *err);
int store_release(store *s, int undo, cairn_error *err);

/* Execution rows. get/find: CAIRN_OK, CAIRN_ERR_NOT_FOUND, or CAIRN_ERR_STORE. */
int store_exec_insert(store *s, const store_exec *r, cairn_error *err);
int store_exec_get(store *s, const char *id, store_exec *out, cairn_error *err);
int store_exec_find_name(store *s, const char *workflow, const char *name, char **id_out,
                         cairn_error *err);
/*
 * Writes status, result, error, updated_at, ended_at, wake_at of row r->id,
 * if it has not ended: CAIRN_ERR_CONFLICT when it has (or is gone). It ends
 * an invocation, so it also frees the lease. A suspend (ended_at none) of an
 * execution poked since its lease was taken sets wake_at to updated_at
 * instead: a callback resolved meanwhile is never slept past.
 */
int store_exec_update(store *s, const store_exec *r, cairn_error *err);
/* All executions, newest first; *rows freed with store_execs_free. */
int store_exec_list(store *s, store_exec **rows, size_t *n, cairn_error *err);
/*
 * One page of the executions, newest first: those with status (STORE_NONE:
 * any) of workflow (NULL: any), skipping offset, at most limit; *total is
 * how many there are in all with those filters. *rows freed with
 * store_execs_free.
 */
int store_exec_page(store *s, store_status status, const char *workflow, int64_t offset,
                    int limit, store_exec **rows, size_t *n, int64_t *total, cairn_error *err);
/*
 * The ids of the running (RUNNING or PENDING) executions whose parent is
 * parent_id, oldest first: *ids (each and the array freed with mem_free), *n.
 */
int store_exec_children(store *s, const char *parent_id, char ***ids, size_t *n, cairn_error *err);

/*
 * Takes (or renews) the lease on a running execution for owner until `until`
 * (real time): granted when it is free, expired at `now`, or owner's already.
 * CAIRN_ERR_CONFLICT when another live process holds it, or it has ended.
 * A lease makes sure one invocation of an execution runs at a time, and lets
 * another process take over once a crashed one's lease runs out.
 */
int store_exec_claim(store *s, const char *id, const char *owner, int64_t until, int64_t now,
                     cairn_error *err);
/*
 * store_exec_claim for a new invocation: also clears the execution's poke
 * flag, so a callback resolved from now on is seen by this invocation's
 * suspend (it reads the journal after this).
 */
int store_exec_take(store *s, const char *id, const char *owner, int64_t until, int64_t now,
                    cairn_error *err);
/*
 * A callback of running execution id resolved: it becomes due at `now` (or
 * stays due earlier), and the flag `poked` is set, so that the suspend of an
 * invocation in flight (store_exec_update) makes it due at once instead of
 * sleeping past the result. No change (and CAIRN_OK) when it has ended.
 */
int store_exec_poke(store *s, const char *id, int64_t now, cairn_error *err);
/*
 * Stops running execution id at now (inside the caller's transaction):
 * STOPPED with error (JSON text), ended, not due, its lease freed, so the
 * end of an invocation in flight finds it ended (CAIRN_ERR_CONFLICT) and
 * changes nothing. CAIRN_ERR_CONFLICT when it has ended (or is gone).
 */
int store_exec_stop(store *s, const char *id, const char *error, int64_t now, cairn_error *err);
/*
 * CAIRN_OK while execution id is RUNNING or PENDING; CAIRN_ERR_CONFLICT
 * (Execution.Conflict) once it has ended or is gone: an invocation in flight
 * asks before each append, so a stop is never written past.
 */
int store_exec_live(store *s, const char *id, cairn_error *err);
/* Frees owner's lease on id, if it still holds it. */
int store_exec_release(store *s, const char *id, const char *owner, cairn_error *err);
/* Calls fn for every live lease at now (real time); fn must not use the store. */
typedef void (*store_lease_fn)(void *arg, const char *id, const char *owner);
int store_leases(store *s, int64_t now, store_lease_fn fn, void *arg, cairn_error *err);

/*
 * The due execution (RUNNING or PENDING, wake_at <= now, no live lease at
 * real_now) with the earliest wake_at, skipping ids in skip (NULL-terminated,
 * may be NULL). Returns 1 with *id_out (caller frees), 0 with *next_wake
 * (earliest future wake_at, or -1), or -1 on error. *lease_until (may be
 * NULL): the earliest end of a live lease (real time) among the executions
 * looked at on the way, those not due after the one found or *next_wake; -1
 * for none. Such an execution runs elsewhere: it may be due again when its
 * holder ends, dies or lets its lease run out.
 */
int store_next_due(store *s, int64_t now, int64_t real_now, const char *const *skip, char **id_out,
                   int64_t *next_wake, int64_t *lease_until, cairn_error *err);

/* Inserts or replaces the operation (execution_id, r->id). */
int store_op_put(store *s, const char *execution_id, const store_op *r, cairn_error *err);
/*
 * Writes the operation only if the journal still holds what the caller last
 * saw: no row (expect_status STORE_NONE: an insert), or a row with
 * expect_status and expect_attempt (0: NULL). Else CAIRN_ERR_CONFLICT: another invocation
 * got there first.
 */
int store_op_write(store *s, const char *execution_id, const store_op *r,
                   store_status expect_status, int expect_attempt, cairn_error *err);
/* Operation id of the execution: CAIRN_OK, CAIRN_ERR_NOT_FOUND or CAIRN_ERR_STORE. */
int store_op_get(store *s, const char *execution_id, const char *id, store_op *out,
                 cairn_error *err);
/*
 * The operation holding callback_id: *execution_id_out and *op_id_out
 * (caller frees both). CAIRN_OK, CAIRN_ERR_NOT_FOUND or CAIRN_ERR_STORE.
 */
int store_callback_find(store *s, const char *callback_id, char **execution_id_out,
                        char **op_id_out, cairn_error *err);
/* Closes (CANCELLED, ended_at now) every STARTED callback of the execution: it ended. */
int store_callbacks_close(store *s, const char *execution_id, int64_t now, cairn_error *err);
/*
 * SQLite's data_version of this connection: it changes when another
 * connection commits. -1 on error.
 */
int64_t store_data_version(store *s);
/* Every operation of the execution in journal order (one query). */
int store_ops_load(store *s, const char *execution_id, store_op **rows, size_t *n,
                   cairn_error *err);

/*
 * What a replay reads, in journal order: as store_ops_load but for the
 * operations inside a context that has ended (SUCCEEDED, FAILED, CANCELLED),
 * which no replay reaches and the scan seeks past; a Parallel or Map that
 * ended with a summary instead of its `all` keeps its items, which its
 * replay rebuilds from.
 * *last_seq: the largest seq of all the execution's operations, read or not.
 */
int store_ops_load_live(store *s, const char *execution_id, store_op **rows, size_t *n,
                        int64_t *last_seq, cairn_error *err);

/*
 * One row of `events` (store_events.c): the execution's history as AWS's
 * GetDurableExecutionHistory gives it, append-only. op is the operation as
 * the event left it: id, parent_id, name, sub_type, attempt, result, error,
 * started_at, next_attempt_at, callback_id, timeout_at, heartbeat_ms (the
 * rest is not kept). Written in the transaction of the update that causes
 * it; a store upgraded from version 1 has no events before the upgrade.
 */
typedef struct store_event {
    int64_t seq;      /* order within the execution, from 1 (AWS EventId) */
    const char *type; /* AWS EventType: "StepStarted", "StepFailed", ... */
    int64_t at;       /* EventTimestamp */
    store_op op;      /* strings owned by op.mem in rows read back */
    /*
     * When adding: the type of an event that comes just before this one,
     * of the same operation at op.started_at, without its result, error and
     * next attempt ("StepStarted" before the StepSucceeded of an attempt
     * journaled only once it ended). Both are one row (one insert, seq - 1
     * and seq); reading it back gives two events. NULL: none. Always NULL in
     * rows read back.
     */
    const char *start_type;
} store_event;

/* Appends e, and the event of e->start_type before it (e->seq is ignored:
 * the next ones of the execution). Inside a transaction. */
int store_event_add(store *s, const char *execution_id, const store_event *e, cairn_error *err);
/* Every event of the execution in order; *rows freed with store_events_free. */
int store_events_load(store *s, const char *execution_id, store_event **rows, size_t *n,
                      cairn_error *err);
void store_events_free(store_event *rows, size_t n);

#endif
