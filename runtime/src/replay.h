/*
 * replay.h — one invocation of an execution: the cairn_exec that replay.c
 * owns, and what the operation files (op_step.c, op_callback.c) call of it.
 * Private to the engine's files.
 */
#ifndef CAIRN_REPLAY_H
#define CAIRN_REPLAY_H

#include <stdarg.h>
#include <stdint.h>

#include "cairn/cairn.h"
#include "engine_impl.h"
#include "clock.h"
#include "error.h"
#include "journal.h"
#include "scope.h"
#include "store.h"

/* Operation ids: "3", "3-2", "3-2-1" (AWS allows 64 characters). */
enum { OP_ID_MAX = 64 };

/*
 * A child context being run: a branch of a parallel, an item of a map, a
 * group (op_batch.c). Its operations are numbered under its id ("3-2" holds
 * "3-2-1", ...), its names live in its own scope, and it ends or blocks on
 * its own: an end (succeed, fail, an uncaught error) or a suspend inside it
 * is the context's, not the execution's.
 */
typedef enum frame_state { FRAME_RUNNING, FRAME_BLOCKED, FRAME_ENDED } frame_state;

typedef struct frame {
    struct frame *up; /* the enclosing context; NULL: the execution's */
    char id[OP_ID_MAX];
    long counter; /* the last operation number handed out inside */
    scope sc;     /* up: the enclosing scope */
    frame_state state;
    int64_t wake;        /* FRAME_BLOCKED: when it may go on (STORE_NO_TIME: a callback) */
    store_status status; /* FRAME_ENDED: SUCCEEDED or FAILED ... */
    char *result;        /* ... with its output (JSON text; owned) ... */
    char *error;         /* ... or its error (JSON text; owned) */
} frame;

/* An operation inside a context left open (STARTED, PENDING), as last written or loaded. */
typedef struct open_op {
    char id[OP_ID_MAX], parent[OP_ID_MAX];
    char name[80], sub_type[32];
    store_op_type type;
    store_status status;
    int attempt;
    int64_t seq, started_at;
} open_op;

/* A callback that this invocation reached, for the awaits after it and the wake-up time. */
typedef struct cb_seen {
    const char *name;    /* the `callback` operation's name (static data); NULL: a submitter's */
    char id[OP_ID_MAX];  /* its operation id */
    char ctx[OP_ID_MAX]; /* the context it was created in ("": the execution's) */
    const store_op *row; /* its journal row as loaded (borrowed), or NULL: created now */
    char callback_id[256]; /* cairn's are 43 characters; a service's (Lambda) may be longer */
    int64_t timeout_at, heartbeat_at; /* its deadlines, as last read or written */
    int open;                         /* STARTED, as last read or written: its deadlines wake */
} cb_seen;

struct cairn_exec {
    journal *j;               /* the journal backend; borrowed */
    clock_src *clk;           /* the engine's clock; borrowed */
    const cairn_workflow *wf; /* borrowed */
    const store_exec *row;    /* the execution as loaded; borrowed from j */
    const store_op *ops;      /* the journal, in journal order; borrowed from j */
    size_t nops;
    const store_op **by_num; /* top-level rows by numeric id ("1" at [1]); borrowed from ops */
    size_t nby_num;
    const store_op **by_id; /* every row, hashed by id (built when a child is first looked up) */
    size_t nby_id;          /* a power of two; 0: not built */
    int64_t next_seq;       /* seq of the next new row */
    long counter;           /* the last operation id handed out */
    char cur_id[OP_ID_MAX]; /* id of the operation being called */
    int64_t cur_seq;        /* its seq */
    /* Its row as this invocation last saw it (STORE_NONE: no row); a write
     * expects exactly that, so a concurrent invocation is caught, not undone. */
    store_status cur_status;
    int cur_attempt;
    const char *cur_parent;      /* parent id of the current operation; NULL: top level */
    const char *cur_callback_id; /* a submitter's callback id, for its hook */
    int in_submitter;            /* a step that gives up leaves the outcome to its caller */
    cb_seen *cbs;                /* the callbacks reached, in order; owned */
    size_t ncbs;
    scope sc0;             /* the execution's variables */
    scope *sc;             /* the current context's: sc0, or the innermost frame's */
    frame *fr;             /* the innermost child context being run; NULL: none */
    int ended;             /* the invocation is over: the execution suspended or ended */
    journal_update *batch; /* updates held for the next append (see replay_flush); owned */
    size_t nbatch, cap_batch;
    int rc;          /* CAIRN_OK, or why the invocation stopped without an outcome */
    cairn_error err; /* details of rc */
    open_op *open;   /* the operations inside contexts left open, callbacks but; owned */
    size_t nopen, capopen;
    struct http_set *hs;   /* HTTP calls of branches, made at once (NULL: each calls); borrowed */
    int batches;           /* parallels and maps being run, nested */
    journal_invoke invoke; /* the child the next checkpoint's START starts (op_invoke.c) */
};

/* The id of the current context's operation, or NULL at the top level. */
static inline const char *replay_parent(const cairn_exec *x)
{
    return x->fr ? x->fr->id : NULL;
}

/* A change of the execution row written with a checkpoint. */
typedef struct exec_change {
    store_status status;
    const char *result; /* JSON text */
    const char *error;  /* JSON text */
    int64_t wake_at;
} exec_change;

/* A submitter step failed for good (its row is written): the wait_for_callback decides. */
enum { STEP_GAVE_UP = -2 };

/* replay.c: stopping without an outcome (each returns CAIRN_STOP). */
int replay_stop(cairn_exec *x, int rc, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int replay_stop_unreadable(cairn_exec *x, long failed_before, const char *what, const char *id);
int replay_stop_store(cairn_exec *x, int rc, cairn_error *err);

/*
 * Runs one invocation of the execution that journal j holds, with the
 * workflow wf it is pinned to (checked by the caller, who also holds any
 * lease): load, replay, run until it ends or suspends. Uses j for every read
 * and write of the journal and clk for time; nothing else.
 */
int replay_invoke(journal *j, const cairn_workflow *wf, clock_src *clk, struct http_set *hs,
                  cairn_error *err);

/* replay.c: checkpoints. */
int replay_checkpoint_tx(cairn_exec *x, const store_op *op, const exec_change *c, int hold);
int replay_checkpoint(cairn_exec *x, const store_op *op, const exec_change *c);
int replay_flush(cairn_exec *x);
int replay_may_start(cairn_exec *x, const char *what, const char *name);
int replay_suspend(cairn_exec *x, const store_op *op, int64_t wake);
int replay_end(cairn_exec *x, const store_op *op, store_status status, const char *result,
               const cairn_error *error);
int replay_fail(cairn_exec *x, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int replay_timed_out(cairn_exec *x);

/* replay.c: the journal and the current operation. */
int replay_op_enter(cairn_exec *x, store_op_type type, const cairn_op *op, const store_op **row);
const store_op *replay_find(const cairn_exec *x, const char *id);
void replay_join_number(char *buf, size_t size, const char *prefix, long n);
void replay_op_at(cairn_exec *x, const char *id, const char *parent, const store_op *row);
store_op replay_op_row(const cairn_exec *x, const cairn_op *op, store_op_type type,
                       const char *sub_type, store_status status);
int replay_set_as(cairn_exec *x, const char *as, const char *text);
int replay_catch_or_fail(cairn_exec *x, const cairn_op *op, const store_op *row,
                         const cairn_error *e);
int replay_ended(cairn_exec *x, const cairn_op *op, const store_op *row);

/* replay.c: child contexts (op_batch.c runs them). */
int frame_open(cairn_exec *x, frame *f, const char *id);
void frame_close(cairn_exec *x, frame *f);

/* op_callback.c: closes (CANCELLED) every open callback created in context id or under it. */
int cb_cancel_under(cairn_exec *x, const char *id);

/* replay.c: CANCELS every other operation left open under context id (a wait, a
 * step between attempts, a context), so a cancelled branch leaves nothing open. */
int replay_cancel_under(cairn_exec *x, const char *id);

/* op_step.c: the body of a step (or a condition's check) run once. */
enum { STEP_BODY_NOMEM = -3 };
int op_step_body(cairn_exec *x, const cairn_op *op, const cJSON *args, int attempt, cJSON **result,
                 cairn_error *e);

/* op_step.c: a step's attempt, and a step found in the journal. */
int op_step_attempt(cairn_exec *x, const cairn_op *op, const cJSON *args, int attempt);
int op_step_replay(cairn_exec *x, const cairn_op *op, const cJSON *args, const store_op *row);

/*
 * op_invoke.c: the id of the child execution that operation op_id of
 * execution exec_id invokes: 22 base64url characters (as a random execution
 * id), the same every time, so a start that is replayed finds its child.
 */
enum { IDS_CHILD_LEN = 22 };
void op_invoke_child_id(const char *exec_id, const char *op_id, char *out, size_t size);

#endif
