/*
 * journal.h — the journal backend interface (DESIGN §8): everything the
 * replay engine (replay.c, op_step.c, op_callback.c) asks of a durable
 * journal, and nothing more. SQLite (journal_sqlite.c, over store.c) is the
 * first backend; AWS Lambda durable functions will be the second
 * (shared/reference/lambda-wire.md).
 *
 *   load     the execution and its operations, in journal order (AWS:
 *            InitialExecutionState and the pages of GetDurableExecutionState);
 *   append   a batch of updates shaped as AWS OperationUpdates, and the
 *            invocation's outcome, committed durably as one unit (SQLite: one
 *            transaction; Lambda: one CheckpointDurableExecution);
 *   refresh  an operation as it stands now, to learn what completed outside
 *            (a callback resolved, a timer fired: SQLite re-reads the row,
 *            Lambda takes it from the NewExecutionState a checkpoint returns).
 *   workflow, execution   `invoke` (op_invoke.c): whether a workflow can be
 *            started as a child, and a child execution as it stands now. A
 *            child starts with the START of its CHAINED_INVOKE operation
 *            (journal_update.invoke), in the same append (AWS: the START's
 *            ChainedInvokeOptions; the service starts the function).
 *
 * Rules every backend keeps: append is all or nothing; an update that does
 * not find its operation as the engine last saw it (expect_status,
 * expect_attempt) fails the whole append with CAIRN_ERR_CONFLICT (another
 * invocation got there first); nothing appended is lost once append returns
 * CAIRN_OK. The engine never runs a step's body before the append holding
 * what precedes it has returned.
 *
 * Leases, next-due, the callback API and the read side are not part of it:
 * they are the SQLite engine's (engine.c, callback_api.c, report.c on the
 * store), and the Lambda service does them itself.
 */
#ifndef CAIRN_JOURNAL_H
#define CAIRN_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/workflow.h"
#include "error.h"
#include "store.h"

/* AWS's OperationUpdate Action. */
typedef enum journal_action {
    JOURNAL_START,   /* STARTED: a step attempt, a wait, a callback, a context begins */
    JOURNAL_SUCCEED, /* SUCCEEDED, with the result (Payload) */
    JOURNAL_FAIL,    /* FAILED (or a callback TIMED_OUT), with the error */
    JOURNAL_RETRY,   /* PENDING: a step attempt failed and runs again at next_attempt_at */
    JOURNAL_CANCEL,  /* CANCELLED: a callback whose submitter gave up */
} journal_action;

/*
 * One update of one operation, as AWS's OperationUpdate: Action, and in op
 * Id, ParentId, Name, Type, SubType, Payload (result), Error (error, JSON
 * {type,message,data}) and the options as times of the engine's clock:
 * StepOptions (next_attempt_at), WaitOptions (timeout_at of a WAIT),
 * CallbackOptions (timeout_at, heartbeat_ms of a CALLBACK). The rest of op
 * (seq, status, attempt, started_at, ended_at, heartbeat_at, callback_id)
 * is what the SQLite journal keeps and a service stamps itself.
 * All strings are borrowed for the call.
 */
/*
 * The child execution a CHAINED_INVOKE's START starts (AWS
 * ChainedInvokeOptions{FunctionName} and the START's Payload). Strings
 * borrowed; id NULL: none.
 */
typedef struct journal_invoke {
    const char *id;       /* its execution id, derived from the caller's id and the operation's:
                           * a start that finds it already there leaves it as it is */
    const char *workflow; /* its workflow */
    const char *input;    /* its input, JSON text */
} journal_invoke;

typedef struct journal_update {
    journal_action action;
    store_op op;
    journal_invoke invoke; /* a CHAINED_INVOKE's START: the child it starts */
    /* The operation as the engine last saw it: STORE_NONE (no row yet), or
     * its status and attempt (0: none). */
    store_status expect_status;
    int expect_attempt;
} journal_update;

/* The outcome of an invocation, appended with its last updates. */
typedef struct journal_end {
    store_status status; /* PENDING: suspended; SUCCEEDED, FAILED, TIMED_OUT: ended */
    const char *result;  /* SUCCEEDED: JSON text */
    const char *error;   /* FAILED, TIMED_OUT: JSON text {type,message,data} */
    int64_t wake_at;     /* PENDING: when to invoke again (STORE_NO_TIME: on a callback) */
    int64_t at;          /* the engine's clock when it ended or suspended */
} journal_end;

typedef struct journal journal;

typedef struct journal_ops {
    /*
     * The execution and its operations in journal order (*ops may be NULL
     * when n is 0). Borrowed: valid until the backend is cleaned up.
     */
    int (*load)(journal *j, const store_exec **exec, const store_op **ops, size_t *n,
                cairn_error *err);
    /* Appends n updates in order (n may be 0) and end (NULL: the invocation
     * goes on) as one unit. */
    int (*append)(journal *j, const journal_update *u, size_t n, const journal_end *end,
                  cairn_error *err);
    /*
     * Operation op_id as it stands now: CAIRN_OK, CAIRN_ERR_NOT_FOUND or
     * another error. *out is cleaned up by the caller (store_op_cleanup); a
     * backend may lend strings that live as long as it does (mem NULL).
     */
    int (*refresh)(journal *j, const char *op_id, store_op *out, cairn_error *err);
    /*
     * The workflow named name that an `invoke` can start as a child (SQLite:
     * the host links it), or NULL. NULL itself: a backend without `invoke`.
     */
    const cairn_workflow *(*workflow)(journal *j, const char *name);
    /*
     * Execution id (an invoked child) as it stands now: CAIRN_OK,
     * CAIRN_ERR_NOT_FOUND or another error; *out cleaned up by the caller
     * (store_exec_cleanup). NULL: a backend without `invoke`.
     */
    int (*execution)(journal *j, const char *id, store_exec *out, cairn_error *err);
} journal_ops;

/* A backend embeds this first. */
struct journal {
    const journal_ops *ops;
    const char *name; /* how messages name it (the SQLite file's path); borrowed */
    /* After load: the largest seq of the execution's operations, with those a
     * backend did not load (0: the loaded ones tell). */
    int64_t last_seq;
    /* The backend, not the engine, mints callback ids (Lambda): after a
     * CALLBACK's START is appended, the engine reads its id back (refresh). */
    int mints_callback_ids;
    /* Real time (epoch ms) from which no step body or check starts: the
     * invocation stops (Lambda.Deadline) for its backend to run it again
     * rather than be killed in the middle of one (0: no deadline). */
    int64_t body_deadline;
};

static inline int journal_load(journal *j, const store_exec **exec, const store_op **ops, size_t *n,
                               cairn_error *err)
{
    return j->ops->load(j, exec, ops, n, err);
}

static inline int journal_append(journal *j, const journal_update *u, size_t n,
                                 const journal_end *end, cairn_error *err)
{
    return j->ops->append(j, u, n, end, err);
}

static inline int journal_refresh(journal *j, const char *op_id, store_op *out, cairn_error *err)
{
    return j->ops->refresh(j, op_id, out, err);
}

/* The action that takes an operation to status. */
static inline journal_action journal_action_of(store_status status)
{
    switch (status) {
    case STORE_SUCCEEDED:
        return JOURNAL_SUCCEED;
    case STORE_FAILED:
    case STORE_TIMED_OUT:
        return JOURNAL_FAIL;
    case STORE_PENDING:
        return JOURNAL_RETRY;
    case STORE_CANCELLED:
        return JOURNAL_CANCEL;
    default:
        return JOURNAL_START;
    }
}

/*
 * The SQLite backend (journal_sqlite.c): one execution of store st, whose
 * lease owner holds until lease_until (real time). exec is the row engine.c
 * read before it took the lease (borrowed; it outlives the journal). Each
 * append is one transaction; one that goes on renews the lease past its half.
 * Caller storage: journal_sqlite_init, then journal_sqlite_cleanup.
 */
typedef struct journal_sqlite {
    journal j;
    store *st;              /* borrowed */
    const store_exec *exec; /* borrowed */
    store_op *ops;          /* loaded; owned */
    size_t nops;
    const char *owner; /* the lease owner; borrowed */
    int64_t lease_ms, lease_until;
    struct group *group; /* NULL, or the group commit appends go through (group.c); borrowed */
    const cairn_workflow *const *wfs; /* the host's workflows, children of `invoke`; borrowed */
    size_t nwfs;
} journal_sqlite;

void journal_sqlite_init(journal_sqlite *js, store *st, const store_exec *exec, const char *owner,
                         int64_t lease_ms, int64_t lease_until);
void journal_sqlite_cleanup(journal_sqlite *js);

/* A new execution, row r, in the open transaction: its row, its operation "0"
 * (EXECUTION STARTED, with its input) and its ExecutionStarted event. */
int journal_sqlite_begin(store *st, const store_exec *r, cairn_error *err);

/*
 * One append's writes, on st inside a transaction the caller opened and
 * commits (sqlite_append alone; group.c with other appends). *renew_to is
 * the lease's new end when it renewed it (0: not renewed), for the caller to
 * set in js->lease_until once the transaction has committed.
 */
int journal_sqlite_apply(journal_sqlite *js, store *st, const journal_update *u, size_t n,
                         const journal_end *end, int64_t *renew_to, cairn_error *err);

#endif
