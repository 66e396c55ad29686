/*
 * engine.h — executions: start, invoke (replay + run), find what is due,
 * and read the journal back. The host CLI (host.c) and the `cairn` tool sit
 * on this; the generated state machines call into it through cairn.h.
 *
 * Times are milliseconds since the Unix epoch, read from the engine's one
 * clock (real, or virtual with skip-time).
 */
#ifndef CAIRN_ENGINE_H
#define CAIRN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cairn/cairn.h"
#include "error.h"

typedef struct engine engine;

/*
 * Opens (creating if needed) the store at db_path and holds the n workflows
 * (n may be 0: the `cairn` tool reads stores without workflow code).
 * Returns CAIRN_OK, or an error code with err set (type "Store.Error" and a
 * message naming the file and the cause).
 */
int engine_open(engine **out, const char *db_path, const cairn_workflow *const *wfs, size_t n,
                cairn_error *err);
void engine_close(engine *e);

/*
 * Another engine on like's store file, with its workflows and clock, a
 * connection and a lease owner of its own: one per thread of a worker's
 * pool (worker.c). engine_set_group makes its appends go through group
 * commit g (group.h; borrowed, NULL: each append commits alone).
 */
struct group;
int engine_open_like(engine **out, const engine *like, cairn_error *err);
const char *engine_store_path(const engine *e); /* borrowed */
void engine_set_group(engine *e, struct group *g);

/* Virtual clock: now() starts at the real time and jumps when asked. */
void engine_set_skip_time(engine *e, int on);
int64_t engine_now(engine *e);

/*
 * Starts an execution of `workflow` with input JSON text. name may be NULL;
 * with a name, a second start with the same workflow and name returns the
 * first execution's id and *created = 0. Bad JSON or input failing the
 * workflow's input schema: CAIRN_ERR_INPUT, nothing created.
 * *id_out is malloc'd (caller frees).
 */
int engine_start(engine *e, const char *workflow, const char *input_json, const char *name,
                 char **id_out, int *created, cairn_error *err);

/*
 * Runs one invocation of execution id: replay, then run until it completes
 * or suspends. CAIRN_ERR_DEFINITION when this host lacks the definition the
 * execution is pinned to (nothing changes); CAIRN_ERR_CONFLICT when it is
 * already complete.
 */
int engine_invoke(engine *e, const char *id, cairn_error *err);

/*
 * Invokes id until it completes, or suspends with nothing due. With skip-time
 * the clock jumps to its wake-up time and it goes on, so it always completes
 * (or waits on something no clock can bring: a callback).
 */
int engine_drive(engine *e, const char *id, cairn_error *err);

/*
 * The execution that is due first (running, or suspended with wake_at <= now),
 * skipping ids in `skip` (NULL-terminated, may be NULL). Returns 1 and
 * *id_out (caller frees) when one is due; 0 when none is, with *next_wake the
 * earliest future wake-up time or -1 when nothing will ever wake; -1 on error.
 */
int engine_next_due(engine *e, const char *const *skip, char **id_out, int64_t *next_wake,
                    cairn_error *err);

/*
 * The callback API (DESIGN §5): resolve or heartbeat callback `id`, in one
 * transaction, from any process (no workflow code needed).
 *   CAIRN_OK             recorded durably; the waiting execution is due now
 *   CAIRN_ERR_NOT_FOUND  no such callback (err type Callback.NotFound)
 *   CAIRN_ERR_CONFLICT   the callback is closed (err type Callback.Closed; the
 *                        message says why: succeeded, failed, timed out,
 *                        cancelled, or its execution ended)
 *   CAIRN_ERR_INPUT      payload over 256 KiB, or a bad error (Callback.Invalid)
 * Of two concurrent resolutions exactly one succeeds. Nothing changes on error.
 * succeed: payload is the raw result (may be empty; len bytes, not
 * necessarily NUL-terminated). fail: type and message may be NULL; data is
 * the sender's ErrorData as text (or NULL).
 */
int engine_callback_succeed(engine *e, const char *id, const char *payload, size_t len,
                            cairn_error *err);
/* CAIRN_OK when a callback result of len bytes fits; else CAIRN_ERR_INPUT with
 * the message engine_callback_succeed gives (for a caller that knows a size
 * before it has the bytes). */
int engine_callback_result_fits(const char *id, size_t len, cairn_error *err);
int engine_callback_fail(engine *e, const char *id, const char *type, const char *message,
                         const char *data, cairn_error *err);
int engine_callback_heartbeat(engine *e, const char *id, cairn_error *err);

/*
 * Stops execution id from any process (AWS StopDurableExecution), in one
 * transaction: STOPPED with the error type (default Execution.Stopped) and
 * message (default "Execution stopped"), its open callbacks closed
 * (CANCELLED); nothing of it runs again, and an invocation in flight writes
 * nothing more. *stopped_at (may be NULL): when, on the engine's clock.
 *   CAIRN_ERR_NOT_FOUND  no such execution (Execution.NotFound)
 *   CAIRN_ERR_CONFLICT   it has already ended (Execution.Conflict)
 * Nothing changes on error.
 */
int engine_stop(engine *e, const char *id, const char *type, const char *message,
                int64_t *stopped_at, cairn_error *err);

/*
 * Sleeps until something may have become due — another connection, of this
 * process or another, committed to the store (a start, a callback, an
 * invocation that ended), or engine_poke() was called, or a signal came —
 * or max_ms passes (max_ms < 0: no limit of the caller's). Returns 1 when
 * woken by a change or a poke, 0 on timeout or a signal.
 *
 * It blocks in poll() with no timer of its own: on Linux a commit's touch of
 * the WAL wakes it (watch.h, set up at the first wait). While a lease is held
 * elsewhere (as engine_next_due last saw) it wakes by the lease's end, and at
 * least once a second to free a dead local holder's. Without inotify
 * ($CAIRN_WAIT=poll, another system) it looks at the store's data_version
 * every 2 ms instead.
 */
int engine_wait_change(engine *e, int64_t max_ms);
/* Wakes engine_wait_change() on e; safe from another thread (not a signal handler). */
void engine_poke(engine *e);
/* A descriptor a signal handler may write(2) one byte to, to wake
 * engine_wait_change() as engine_poke() does. Borrowed; valid until engine_close. */
int engine_wake_fd(engine *e);

/* Moves the virtual clock forward to t (skip-time only; never backwards). */
void engine_advance_clock(engine *e, int64_t t);

/*
 * Read side, as the JSON that `--json` prints (new objects, caller frees;
 * NULL with err set, CAIRN_ERR_NOT_FOUND in *rc, for an unknown id).
 *
 * status: {"id","workflow","version","definition_sha256","name","status",
 *          "input","result","error","created_at","updated_at","ended_at",
 *          "wake_at","timeout_at","parent"[,"definition_held"]}
 *   status is RUNNING | PENDING | SUCCEEDED | FAILED | TIMED_OUT | STOPPED;
 *   definition_held (only when the engine holds workflows, as a host's does):
 *   whether it holds the definition the execution is pinned to;
 *   input/result are JSON values, error is {type,message,data} or null,
 *   times are RFC 3339 UTC strings with milliseconds, or null;
 *   parent is {"id","operation_id"} of the execution whose `invoke` started
 *   this one, or null.
 * history: {"execution": <status>, "operations": [
 *          {"id","parent_id","name","type","sub_type","status","attempt",
 *           "started_at","ended_at","next_attempt_at","result","error",
 *           "callback_id","timeout_at","heartbeat_at"}, ...]}  in journal order;
 *   the first is the EXECUTION operation (id "0").
 * list: [<status>, ...], newest first.
 */
cJSON *engine_status_json(engine *e, const char *id, int *rc, cairn_error *err);
cJSON *engine_history_json(engine *e, const char *id, int *rc, cairn_error *err);
/*
 * The execution's events in order, as AWS GetDurableExecutionHistory's
 * Events: an array of {EventId, EventType, SubType, Id, Name, ParentId,
 * EventTimestamp, <EventType>Details}. NULL with *rc CAIRN_ERR_NOT_FOUND
 * for an unknown execution.
 */
cJSON *engine_events_json(engine *e, const char *id, int *rc, cairn_error *err);
cJSON *engine_list_json(engine *e, int *rc, cairn_error *err);
/*
 * One page of the list, newest first, for a table (serve's console):
 * {"executions": [{"id","workflow","version","name","status","error_type",
 * "created_at","updated_at","ended_at","wake_at","parent"}, ...],
 * "total", "offset", "limit"}: the executions whose status is `status`
 * (NULL: any) and workflow `workflow` (NULL: any), after skipping offset, at
 * most limit; total counts all that match. An unknown status word:
 * CAIRN_ERR_INPUT in *rc, NULL.
 */
cJSON *engine_list_page_json(engine *e, const char *status, const char *workflow, int64_t offset,
                             int limit, int *rc, cairn_error *err);

/*
 * Whether e holds the definition (workflow and sha256) an execution is
 * pinned to: 1 yes, 0 no, -1 when e holds no workflows at all (the `cairn`
 * tool: nothing to compare with).
 */
int engine_holds_definition(const engine *e, const char *workflow, const char *sha256);

#endif
