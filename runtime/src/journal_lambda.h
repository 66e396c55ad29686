/*
 * journal_lambda.h — the AWS Lambda durable functions backend of the journal
 * interface (journal.h, DESIGN §8; wire facts: shared/reference/lambda-wire.md).
 *
 * One invocation: the event's InitialExecutionState (and the pages of
 * GetDurableExecutionState) is the journal; each append is one or more
 * CheckpointDurableExecution requests (≤ 250 updates, ≤ 750 KiB each, one in
 * flight, each answer's CheckpointToken replacing the last); what the
 * answers' NewExecutionState brings (a callback id the service minted, a
 * completion) is what refresh gives. The invocation's outcome is kept for the
 * runtime loop (lambda_runtime.c) to return as {Status, Result | Error}.
 *
 * A call that gets no answer, a 429 or a 500/502/503/504 is sent again as it
 * was (same body, same ClientToken), at most 3 times in all, after the
 * answer's Retry-After (at most 10 s) or a short backoff (100 ms, 200 ms;
 * 500 ms, 1 s after a 429), never past deadline_ms; then the invocation
 * fails for Lambda to retry (LAMBDA_FAILURE_RETRY). A stale checkpoint token
 * is not sent again: only a new invocation has a good one.
 *
 * Ids: the engine's ids ("1", "2-1", ...) are the JS SDK's unhashed ones; on
 * the wire each is the first 16 hex digits of its md5, as the JS SDK sends
 * them, so traces compare. Loaded ids are mapped back by hashing the
 * candidates of each parent ("P-1", "P-2", ...) until they match.
 *
 * The service, not the engine, completes WAITs, CALLBACKs, CHAINED_INVOKEs
 * and makes a retried STEP READY: a STARTED wait is lent with no end in
 * reach, a STARTED callback with no deadlines, a PENDING step with its next
 * attempt out of reach, so the engine suspends on them and never completes
 * them itself; an engine update that would (a WAIT SUCCEED) is not sent.
 */
#ifndef CAIRN_JOURNAL_LAMBDA_H
#define CAIRN_JOURNAL_LAMBDA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws_lambda.h"
#include "journal.h"

/* How an error of the backend is to be handled by the runtime loop. */
typedef enum lambda_failure {
    LAMBDA_FAILURE_NONE = 0,
    LAMBDA_FAILURE_RETRY, /* invalid checkpoint token; 429, 5xx, transport once the call's own
                           * resends ran out: /error, Lambda retries */
    LAMBDA_FAILURE_FATAL, /* any other refusal (4xx): the execution FAILS */
} lambda_failure;

typedef struct lambda_idmap lambda_idmap; /* private to journal_lambda.c */

/* Caller storage: journal_lambda_init, then journal_lambda_cleanup. */
typedef struct journal_lambda {
    journal j;
    const aws_config *cfg;            /* borrowed; NULL: no API calls (a test of shapes) */
    const cairn_workflow *wf;         /* borrowed */
    const cairn_workflow *const *wfs; /* the host's workflows, for `invoke`; borrowed */
    size_t nwfs;
    char *arn, *token; /* owned */
    char *exec_op_id;  /* the EXECUTION operation's id on the wire; owned */
    store_exec exec;   /* strings in the arena */
    store_op *loaded;  /* what load lends (the engine holds pointers into it); owned */
    size_t nloaded;
    store_op *cur; /* the journal now, engine ids; strings in the arena; owned */
    size_t ncur, capcur;
    lambda_idmap *ids;
    char **arena; /* every string lent, freed at cleanup only; owned */
    size_t narena, caparena;
    int64_t now_override; /* tests: the time delays are measured from (0: the real clock) */
    int max_updates;      /* per request: 250 (tests may lower it) */
    size_t max_bytes;     /* per request: 750 KiB (tests may lower it) */
    int64_t deadline_ms;  /* the invocation's deadline, epoch ms (0: unknown): a call is not
                           * sent again after a wait that would end within a second of it */
    /* What happened, for the runtime loop and the tests. */
    lambda_failure failure;
    int requests; /* checkpoint requests answered */
    int ended;    /* an end was appended: */
    store_status end_status;
    char *end_result, *end_error; /* owned */
} journal_lambda;

/*
 * Reads invocation event ev ({DurableExecutionArn, CheckpointToken,
 * InitialExecutionState {Operations, NextMarker}}) for workflow wf, paging
 * with GetDurableExecutionState through cfg while NextMarker is set;
 * deadline_ms is the invocation's (epoch ms; 0: unknown).
 * Returns CAIRN_OK, or an error with err (type Lambda.BadEvent for an event
 * that is not one; jl->failure says how to treat an API error). jl is ready
 * for journal_lambda_cleanup either way.
 */
int journal_lambda_init(journal_lambda *jl, const aws_config *cfg, const cairn_workflow *wf,
                        const cairn_workflow *const *wfs, size_t nwfs, const cJSON *ev,
                        int64_t deadline_ms, cairn_error *err);
void journal_lambda_cleanup(journal_lambda *jl);

/* The wire id of engine id: the first 16 hex digits of md5(id), into out (17 bytes). */
int journal_lambda_wire_id(const char *id, char out[17]);

/*
 * The OperationUpdates for engine updates u[0..n) (0, 1 or 2 each: a START
 * is put before the end of an attempt the service has not seen start; a
 * completion the service makes itself is left out), appended to array arr.
 * Returns CAIRN_OK, or CAIRN_ERR_NOMEM.
 */
int journal_lambda_updates(journal_lambda *jl, const journal_update *u, size_t n, cJSON *arr,
                           cairn_error *err);

/*
 * The invocation's answer to Lambda: {"Status":"SUCCEEDED","Result"},
 * {"Status":"FAILED","Error"} or {"Status":"PENDING"} from the appended end;
 * NULL when none was appended (or out of memory). Caller frees.
 */
cJSON *journal_lambda_output(const journal_lambda *jl);

/* An ErrorObject {ErrorType, ErrorMessage, ErrorData} from cairn's error JSON text. */
cJSON *journal_lambda_error_object(const char *error_json);

#endif
