/*
 * journal_events.h — which history events (AWS GetDurableExecutionHistory:
 * StepStarted, StepFailed, ...) a journal write causes, written through
 * store_event_add in the caller's transaction, so an event exists exactly
 * when its update committed.
 */
#ifndef CAIRN_JOURNAL_EVENTS_H
#define CAIRN_JOURNAL_EVENTS_H

#include "error.h"
#include "journal.h"
#include "store.h"

/*
 * The events of update u of execution exec_id: <Type>Started for a START
 * (and before an outcome whose start was never appended: a step attempt
 * runs before its outcome is journaled), then <Type>Succeeded, Failed,
 * TimedOut, or StepFailed for a RETRY (with its next attempt's time). A
 * CANCEL has no AWS event and writes none. at: the engine's clock when the
 * batch was appended (the time of an outcome the row does not stamp, as a
 * retry's failure), or STORE_NO_TIME.
 */
int journal_events_update(store *st, const char *exec_id, const journal_update *u, int64_t at,
                          cairn_error *err);
/* ExecutionStarted (x as just inserted), or the end: ExecutionSucceeded, Failed, TimedOut. */
int journal_events_started(store *st, const store_exec *x, cairn_error *err);
int journal_events_end(store *st, const store_exec *x, const journal_end *end, cairn_error *err);
/* One event of type of operation op at `at` (the callback API's answers and heartbeats). */
int journal_events_add(store *st, const char *exec_id, const char *type, int64_t at,
                       const store_op *op, cairn_error *err);

#endif
