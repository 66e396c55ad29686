/*
 * exec.c — the replay engine (DESIGN §5): starts executions, runs one
 * invocation of one by replaying its journal, and implements the operation
 * calls of the generated state machines (cairn_step, cairn_wait_*,
 * cairn_succeed, cairn_fail), the callbacks (cairn_callback, cairn_await,
 * cairn_wait_for_callback) and the callback API that resolves them from any
 * process (engine_callback_*), and the idle wait of workers.
 *
 * Owns: the engine (store, clock, the host's workflow table) and, for one
 * invocation, the cairn_exec (execution row, journal, scope), all freed when
 * engine_invoke returns.
 * Never: moves past an operation before its result is committed; runs the
 * body of an at_most_once attempt twice; replays an execution with code other
 * than the definition it is pinned to; overwrites what a concurrent
 * invocation of the same execution wrote (every write expects the row it
 * last saw); leaves an invocation without an outcome (ended, suspended, or
 * an error returned to the caller); lets a suspend sleep past a callback
 * result that arrived during its invocation (the `poked` flag); resolves a
 * callback twice, or one that is closed.
 */
#include "engine.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hook.h"
#include "http.h"
#include "ids.h"
#include "retry.h"
#include "schema.h"
#include "scope.h"
#include "store.h"
#include "mem.h"

/* AWS's limit on one operation payload. */
#define PAYLOAD_MAX (256 * 1024)

/* How long an invocation's lease lasts (real time) before another process
 * may take the execution over; renewed at each checkpoint past its half.
 * $CAIRN_LEASE_MS overrides it (tests of crashed workers). */
#define LEASE_MS_DEFAULT 60000

/* How often an idle worker looks at the store for commits of other processes. */
#define WATCH_MS 2

struct engine {
    store *st;
    char host[64];              /* this machine's name, as lease owners spell it */
    char owner[160];            /* this engine's lease owner id: "host/pid/random" */
    int64_t lease_ms;           /* lease length */
    int64_t reaped_at;          /* real time of the last look for dead local owners */
    const cairn_workflow **wfs; /* the host's table, copied; the descriptors are borrowed */
    size_t nwfs;
    clock_src clk;
    int wake_pipe[2];     /* engine_poke() writes, engine_wait_change() reads; owned */
    int64_t data_version; /* the store's data_version when last looked at */
};

/* A callback that this invocation reached, for the awaits after it. */
typedef struct cb_seen {
    const char *name;    /* the `callback` operation's name (static data); NULL: a submitter's */
    char id[32];         /* its operation id */
    const store_op *row; /* its journal row as loaded (borrowed), or NULL: created now */
    char callback_id[64];
    int64_t timeout_at, heartbeat_at; /* deadlines of one created now */
} cb_seen;

struct cairn_exec {
    engine *e;
    const cairn_workflow *wf;
    store_exec row; /* the execution as loaded; owned */
    store_op *ops;  /* the journal, in journal order; owned */
    size_t nops;
    store_op **by_num; /* top-level rows by numeric id ("1" at [1]); borrowed from ops */
    size_t nby_num;
    int64_t next_seq; /* seq of the next new row */
    long counter;     /* the last operation id handed out */
    char cur_id[32];  /* id of the operation being called */
    int64_t cur_seq;  /* its seq */
    /* Its row as this invocation last saw it (status NULL: no row); a write
     * expects exactly that, so a concurrent invocation is caught, not undone. */
    const char *cur_status;
    int cur_attempt;
    const char *cur_parent;      /* parent id of the current operation; NULL: top level */
    const char *cur_callback_id; /* a submitter's callback id, for its hook */
    int in_submitter;            /* a step that gives up leaves the outcome to its caller */
    cb_seen *cbs;                /* the callbacks reached, in order; owned */
    size_t ncbs;
    scope sc;
    int64_t lease_until; /* real time our lease on the execution runs out */
    int ended;           /* the invocation is over: the execution suspended or ended */
    int pending;         /* a transaction holds checkpoints not committed yet (see flush) */
    int rc;              /* CAIRN_OK, or why the invocation stopped without an outcome */
    cairn_error err;     /* details of rc */
};

scope *exec_scope(cairn_exec *x)
{
    return &x->sc;
}

static int is_terminal(const char *status)
{
    return strcmp(status, "SUCCEEDED") == 0 || strcmp(status, "FAILED") == 0 ||
           strcmp(status, "TIMED_OUT") == 0;
}

/* ------------------------------------------------------------------------ */
/* Engine                                                                    */
/* ------------------------------------------------------------------------ */

int engine_open(engine **out, const char *db_path, const cairn_workflow *const *wfs, size_t n,
                cairn_error *err)
{
    *out = NULL;
    mem_init();
    engine *e = mem_calloc(1, sizeof *e);
    if (!e || (n && !(e->wfs = mem_malloc(n * sizeof *e->wfs)))) {
        mem_free(e);
        err_set(err, "Store.Error", "%s: out of memory", db_path);
        return CAIRN_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (wfs[i]->abi != CAIRN_ABI) {
            err_set(err, "Definition.Abi",
                    "workflow '%s' was generated for libcairn ABI %d, this is ABI %d: "
                    "regenerate it with cairn gen",
                    wfs[i]->name, wfs[i]->abi, CAIRN_ABI);
            mem_free(e->wfs);
            mem_free(e);
            return CAIRN_ERR_DEFINITION;
        }
        e->wfs[i] = wfs[i];
    }
    e->nwfs = n;
    clock_init(&e->clk);
    const char *lease = getenv("CAIRN_LEASE_MS");
    e->lease_ms = lease && atoll(lease) > 0 ? atoll(lease) : LEASE_MS_DEFAULT;
    char rnd[32];
    if (ids_execution(rnd, sizeof rnd) != 0) {
        err_set(err, "Cairn.Internal", "no randomness for a lease owner id (getrandom failed)");
        mem_free(e->wfs);
        mem_free(e);
        return CAIRN_ERR_INTERNAL;
    }
    if (gethostname(e->host, sizeof e->host) != 0)
        snprintf(e->host, sizeof e->host, "localhost");
    e->host[sizeof e->host - 1] = '\0';
    for (char *c = e->host; *c; c++)
        if (*c == '/')
            *c = '_';
    snprintf(e->owner, sizeof e->owner, "%s/%ld/%s", e->host, (long)getpid(), rnd);
    if (pipe(e->wake_pipe) != 0) {
        err_set(err, "Cairn.Internal", "cannot create a pipe: %s", strerror(errno));
        mem_free(e->wfs);
        mem_free(e);
        return CAIRN_ERR_INTERNAL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(e->wake_pipe[i], F_SETFL, fcntl(e->wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(e->wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    int rc = store_open(&e->st, db_path, err);
    if (rc != CAIRN_OK) {
        close(e->wake_pipe[0]);
        close(e->wake_pipe[1]);
        mem_free(e->wfs);
        mem_free(e);
        return rc;
    }
    e->data_version = store_data_version(e->st);
    *out = e;
    return CAIRN_OK;
}

void engine_close(engine *e)
{
    if (!e)
        return;
    store_close(e->st);
    close(e->wake_pipe[0]);
    close(e->wake_pipe[1]);
    mem_free(e->wfs);
    mem_free(e);
}

void engine_set_skip_time(engine *e, int on)
{
    clock_set_skip(&e->clk, on);
}

int64_t engine_now(engine *e)
{
    return clock_now(&e->clk);
}

void engine_advance_clock(engine *e, int64_t t)
{
    clock_advance(&e->clk, t);
}

/* ------------------------------------------------------------------------ */
/* Leases                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A lease owned by a process of this machine that no longer exists was left
 * by a crash: free it at once rather than wait for it to run out, so a
 * worker restarted after a SIGKILL goes on without delay. (A recycled pid
 * only looks alive: then the lease simply runs out.)
 */
typedef struct dead_lease {
    char *id, *owner;
} dead_lease;

typedef struct reap {
    engine *e;
    dead_lease *v;
    size_t n, cap;
} reap;

static int owner_is_dead_here(const engine *e, const char *owner)
{
    size_t hl = strlen(e->host);
    if (strncmp(owner, e->host, hl) != 0 || owner[hl] != '/' || strcmp(owner, e->owner) == 0)
        return 0;
    char *end;
    long pid = strtol(owner + hl + 1, &end, 10);
    if (pid <= 0 || *end != '/')
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void collect_dead(void *arg, const char *id, const char *owner)
{
    reap *r = arg;
    if (!owner_is_dead_here(r->e, owner))
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        dead_lease *v = mem_realloc(r->v, cap * sizeof *v);
        if (!v)
            return; /* best effort: the lease still runs out */
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n].id = mem_strdup(id);
    r->v[r->n].owner = mem_strdup(owner);
    r->n++;
}

static void reap_dead_leases(engine *e)
{
    reap r = {.e = e};
    cairn_error err;
    err_init(&err);
    int64_t real = clock_real_ms();
    e->reaped_at = real;
    store_leases(e->st, real, collect_dead, &r, &err);
    for (size_t i = 0; i < r.n; i++) {
        if (r.v[i].id && r.v[i].owner)
            store_exec_release(e->st, r.v[i].id, r.v[i].owner, &err);
        mem_free(r.v[i].id);
        mem_free(r.v[i].owner);
    }
    mem_free(r.v);
    err_cleanup(&err);
}

/* Takes the lease on id for this engine, freeing it first if a dead local process holds it. */
static int take_lease(engine *e, const char *id, int64_t *until, cairn_error *err)
{
    int64_t real = clock_real_ms();
    *until = real + e->lease_ms;
    int rc = store_exec_take(e->st, id, e->owner, *until, real, err);
    if (rc == CAIRN_ERR_CONFLICT) {
        reap_dead_leases(e);
        err_cleanup(err);
        rc = store_exec_take(e->st, id, e->owner, *until, real, err);
    }
    return rc;
}

static const cairn_workflow *find_workflow(engine *e, const char *name)
{
    for (size_t i = 0; i < e->nwfs; i++)
        if (strcmp(e->wfs[i]->name, name) == 0)
            return e->wfs[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* JSON text                                                                 */
/* ------------------------------------------------------------------------ */

static cJSON json_null = {.type = cJSON_NULL};

/* Compact JSON text of v (NULL: "null"); free with cJSON_free(), as everything cJSON prints. */
static char *json_text(const cJSON *v)
{
    return cJSON_PrintUnformatted(v ? v : &json_null);
}

/* ------------------------------------------------------------------------ */
/* Checkpoints                                                               */
/* ------------------------------------------------------------------------ */

/* Stops the invocation without an outcome: the caller gets rc, nothing more is written. */
static int stop_with(cairn_exec *x, int rc, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int stop_with(cairn_exec *x, int rc, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(&x->err, type, fmt, ap);
    va_end(ap);
    if (x->rc == CAIRN_OK)
        x->rc = rc;
    x->ended = 1;
    return CAIRN_STOP;
}

/*
 * Stops the invocation because the journaled `what` (e.g. "error of
 * operation 3") could not be read back: out of memory when an allocation of
 * this thread failed since `failed_before` (mem_failures()), else a bad store.
 */
static int stop_unreadable(cairn_exec *x, long failed_before, const char *what, const char *id)
{
    if (mem_failures() != failed_before)
        return stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    return stop_with(x, CAIRN_ERR_STORE, "Store.Error",
                     "%s: execution %s: the journaled %s %s is unreadable", store_path(x->e->st),
                     x->row.id, what, id);
}

static int stop_store(cairn_exec *x, int rc, cairn_error *err)
{
    err_move(&x->err, err);
    if (x->rc == CAIRN_OK)
        x->rc = rc;
    x->ended = 1;
    return CAIRN_STOP;
}

/* A change of the execution row written with a checkpoint. */
typedef struct exec_change {
    const char *status; /* NULL: the execution row does not change */
    const char *result; /* JSON text */
    const char *error;  /* JSON text */
    int64_t wake_at;
} exec_change;

/* Opens the invocation's transaction, or takes over the one held open (see checkpoint_tx). */
static int begin_tx(cairn_exec *x, cairn_error *err)
{
    int held = x->pending;
    x->pending = 0;
    return held ? CAIRN_OK : store_begin(x->e->st, err);
}

/*
 * One transaction: the operation row op (may be NULL) and the change of the
 * execution (may be NULL). An execution that ends also ends its EXECUTION
 * operation "0". Returns 0, or -1 with the invocation stopped.
 *
 * With hold, the transaction stays open: the next checkpoint joins it, and
 * flush() commits it before anything leaves the process (a hook, an HTTP
 * call, a submitter) and when the invocation ends. So a step's result and
 * what follows it up to the next side effect (a choice, the end) cost one
 * commit, and no side effect ever runs before what precedes it is durable.
 */
static int checkpoint_tx(cairn_exec *x, const store_op *op, const exec_change *c, int hold)
{
    store *st = x->e->st;
    cairn_error err;
    err_init(&err);
    int64_t now = engine_now(x->e);
    int rc = begin_tx(x, &err);
    int64_t real = clock_real_ms();
    int64_t renew_to = 0;
    if (rc == CAIRN_OK && !c && x->lease_until - real < x->e->lease_ms / 2) {
        renew_to = real + x->e->lease_ms;
        rc = store_exec_claim(st, x->row.id, x->e->owner, renew_to, real, &err);
    }
    if (rc == CAIRN_OK && op)
        rc = store_op_write(st, x->row.id, op, x->cur_status, x->cur_attempt, &err);
    if (rc == CAIRN_OK && c) {
        int ends = is_terminal(c->status);
        store_exec r = x->row;
        r.mem = NULL;
        r.status = c->status;
        r.result = c->result;
        r.error = c->error;
        r.updated_at = now;
        r.ended_at = ends ? now : STORE_NO_TIME;
        r.wake_at = ends ? STORE_NO_TIME : c->wake_at;
        rc = store_exec_update(st, &r, &err);
        if (rc == CAIRN_OK && ends) {
            store_op o = {
                .seq = 0,
                .id = "0",
                .name = x->wf->name,
                .type = "EXECUTION",
                .status = c->status,
                .result = c->result,
                .error = c->error,
                .started_at = x->row.created_at,
                .ended_at = now,
                .next_attempt_at = STORE_NO_TIME,
                .timeout_at = x->row.timeout_at,
                .heartbeat_at = STORE_NO_TIME,
            };
            rc = store_op_put(st, x->row.id, &o, &err);
        }
        /* Its callbacks close with it: the callback API refuses them from now on. */
        if (rc == CAIRN_OK && ends)
            rc = store_callbacks_close(st, x->row.id, now, &err);
    }
    if (rc == CAIRN_OK && hold)
        x->pending = 1;
    else if (rc == CAIRN_OK)
        rc = store_commit(st, &err);
    if (rc != CAIRN_OK) {
        store_rollback(st);
        stop_store(x, rc, &err);
        return -1;
    }
    if (renew_to)
        x->lease_until = renew_to;
    if (op) {
        x->cur_status = op->status; /* string literals, or the loaded journal's */
        x->cur_attempt = op->attempt;
    }
    return 0;
}

static int checkpoint(cairn_exec *x, const store_op *op, const exec_change *c)
{
    return checkpoint_tx(x, op, c, 0);
}

/* Commits the checkpoints held open, if any, as an empty checkpoint that joins
 * them. Returns 0, or -1 with the invocation stopped. */
static int flush(cairn_exec *x)
{
    return x->pending ? checkpoint(x, NULL, NULL) : 0;
}

/*
 * Suspends the execution until wake (STORE_NO_TIME: until a callback
 * resolves), or its timeout if that comes first, writing op with it.
 */
static int suspend(cairn_exec *x, const store_op *op, int64_t wake)
{
    if (x->row.timeout_at != STORE_NO_TIME && (wake == STORE_NO_TIME || x->row.timeout_at < wake))
        wake = x->row.timeout_at;
    exec_change c = {.status = "PENDING", .wake_at = wake};
    if (checkpoint(x, op, &c) == 0)
        x->ended = 1;
    return CAIRN_STOP;
}

/* Ends the execution with status and its result or error, writing op with it. */
static int end_exec(cairn_exec *x, const store_op *op, const char *status, const char *result,
                    const cairn_error *error)
{
    char *etext = NULL;
    if (error) {
        cJSON *j = err_to_json(error);
        etext = j ? json_text(j) : NULL;
        cJSON_Delete(j);
        if (!etext)
            return stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    }
    exec_change c = {.status = status, .result = result, .error = etext, .wake_at = STORE_NO_TIME};
    if (checkpoint(x, op, &c) == 0)
        x->ended = 1;
    cJSON_free(etext);
    return CAIRN_STOP;
}

/* Ends the execution with status (FAILED, TIMED_OUT) and a new error. */
static int end_error(cairn_exec *x, const char *status, const char *type, const char *fmt,
                     va_list ap)
{
    cairn_error e;
    err_init(&e);
    err_vset(&e, type, fmt, ap);
    if (!err_isset(&e))
        return stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    end_exec(x, NULL, status, NULL, &e);
    err_cleanup(&e);
    return CAIRN_STOP;
}

static int fail_exec(cairn_exec *x, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_exec(cairn_exec *x, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    end_error(x, "FAILED", type, fmt, ap);
    va_end(ap);
    return CAIRN_STOP;
}

static int time_out_exec(cairn_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int time_out_exec(cairn_exec *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    end_error(x, "TIMED_OUT", "Execution.Timeout", fmt, ap);
    va_end(ap);
    return CAIRN_STOP;
}

static void format_duration(int64_t ms, char *buf, size_t len)
{
    if (ms % 86400000 == 0)
        snprintf(buf, len, "%" PRId64 "d", ms / 86400000);
    else if (ms % 3600000 == 0)
        snprintf(buf, len, "%" PRId64 "h", ms / 3600000);
    else if (ms % 60000 == 0)
        snprintf(buf, len, "%" PRId64 "m", ms / 60000);
    else if (ms % 1000 == 0)
        snprintf(buf, len, "%" PRId64 "s", ms / 1000);
    else
        snprintf(buf, len, "%" PRId64 "ms", ms);
}

/* Ends the execution TIMED_OUT when its timeout has passed. Returns 1 if so. */
static int timed_out(cairn_exec *x)
{
    if (x->row.timeout_at == STORE_NO_TIME || engine_now(x->e) < x->row.timeout_at)
        return 0;
    char d[32], at[32];
    format_duration(x->row.timeout_at - x->row.created_at, d, sizeof d);
    engine_format_time(x->row.timeout_at, at, sizeof at);
    time_out_exec(x, "execution timed out: its timeout of %s passed at %s", d, at);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Replay                                                                    */
/* ------------------------------------------------------------------------ */

static const char *kind_word(const char *type)
{
    if (strcmp(type, "STEP") == 0)
        return "step";
    if (strcmp(type, "WAIT") == 0)
        return "wait";
    if (strcmp(type, "CALLBACK") == 0)
        return "callback";
    if (strcmp(type, "CONTEXT") == 0)
        return "context";
    return type;
}

/* Top-level rows of the journal indexed by their numeric id. */
static int index_journal(cairn_exec *x)
{
    size_t max = 0;
    int64_t max_seq = 0;
    for (size_t i = 0; i < x->nops; i++) {
        const store_op *o = &x->ops[i];
        if (o->seq > max_seq)
            max_seq = o->seq;
        char *end;
        long n = strtol(o->id, &end, 10);
        if (!o->parent_id && *end == '\0' && n > 0 && (size_t)n > max)
            max = (size_t)n;
    }
    x->next_seq = max_seq + 1;
    x->nby_num = max + 1;
    x->by_num = mem_calloc(x->nby_num, sizeof *x->by_num);
    if (!x->by_num)
        return -1;
    for (size_t i = 0; i < x->nops; i++) {
        store_op *o = &x->ops[i];
        char *end;
        long n = strtol(o->id, &end, 10);
        if (!o->parent_id && *end == '\0' && n > 0)
            x->by_num[n] = o;
    }
    return 0;
}

static const store_op *journal_at(const cairn_exec *x, long n)
{
    return n > 0 && (size_t)n < x->nby_num ? x->by_num[n] : NULL;
}

/*
 * Every operation call starts here: takes the next id and finds its journal
 * row (*row, or NULL when the operation is new). Returns 0 to go on, or -1
 * when the invocation is over (it was already, the execution timed out, or
 * the journal does not match the code).
 */
static int op_enter(cairn_exec *x, const char *type, const cairn_op *op, const store_op **row)
{
    *row = NULL;
    if (x->ended)
        return -1;
    if (x->sc.oom) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory",
                  "out of memory while evaluating the expressions of '%s'", op->name);
        return -1;
    }
    if (timed_out(x))
        return -1;
    x->counter++;
    snprintf(x->cur_id, sizeof x->cur_id, "%ld", x->counter);
    const store_op *r = journal_at(x, x->counter);
    if (r && (strcmp(r->type, type) != 0 || !r->name || strcmp(r->name, op->name) != 0)) {
        fail_exec(x, "Execution.NonDeterministic",
                  "Non-deterministic execution detected: operation %ld was %s '%s' in the "
                  "journal, is %s '%s' now",
                  x->counter, kind_word(r->type), r->name ? r->name : "", kind_word(type),
                  op->name);
        return -1;
    }
    x->cur_seq = r ? r->seq : x->next_seq++;
    x->cur_status = r ? r->status : NULL;
    x->cur_attempt = r ? r->attempt : 0;
    x->cur_parent = NULL;
    *row = r;
    return 0;
}

/* A child operation of the current journal, by its id ("4-1"); NULL when new. */
static const store_op *journal_find(const cairn_exec *x, const char *id)
{
    for (size_t i = 0; i < x->nops; i++)
        if (strcmp(x->ops[i].id, id) == 0)
            return &x->ops[i];
    return NULL;
}

/* Makes operation id (a child of parent, or top level) current, as row holds it (NULL: new). */
static void op_at(cairn_exec *x, const char *id, const char *parent, const store_op *row)
{
    snprintf(x->cur_id, sizeof x->cur_id, "%s", id);
    x->cur_parent = parent;
    x->cur_seq = row ? row->seq : x->next_seq++;
    x->cur_status = row ? row->status : NULL;
    x->cur_attempt = row ? row->attempt : 0;
}

/* The row of the current operation, with what every write shares. */
static store_op op_row(const cairn_exec *x, const cairn_op *op, const char *type,
                       const char *sub_type, const char *status)
{
    store_op r = {
        .seq = x->cur_seq,
        .id = x->cur_id,
        .parent_id = x->cur_parent,
        .name = op->name,
        .type = type,
        .sub_type = sub_type,
        .status = status,
        .started_at = STORE_NO_TIME,
        .ended_at = STORE_NO_TIME,
        .next_attempt_at = STORE_NO_TIME,
        .timeout_at = STORE_NO_TIME,
        .heartbeat_at = STORE_NO_TIME,
    };
    return r;
}

/* Sets `as` to the JSON text (NULL: null). Returns 0 or -1 (invocation stopped). */
static int set_as_text(cairn_exec *x, const char *as, const char *text)
{
    if (!as)
        return 0;
    long failed_before = mem_failures();
    cJSON *v = text ? cJSON_Parse(text) : cJSON_CreateNull();
    if (!v && mem_failures() != failed_before) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    if (!v) {
        stop_with(x, CAIRN_ERR_STORE, "Store.Error",
                  "%s: execution %s: the journaled result of operation %s is not JSON",
                  store_path(x->e->st), x->row.id, x->cur_id);
        return -1;
    }
    int rc = scope_set(&x->sc, as, v);
    cJSON_Delete(v);
    if (rc != 0) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Steps                                                                     */
/* ------------------------------------------------------------------------ */

static char *error_text(const cairn_error *e)
{
    cJSON *j = err_to_json(e);
    char *t = j ? json_text(j) : NULL;
    cJSON_Delete(j);
    return t;
}

/*
 * The step failed for good (row, FAILED, is written, may be NULL on replay):
 * the first catch that matches sets its `as` and is taken; else the
 * execution fails with the error.
 */
static int catch_or_fail(cairn_exec *x, const cairn_op *op, const store_op *row,
                         const cairn_error *e)
{
    for (int i = 0; i < op->ncatches; i++) {
        const cairn_catch *c = &op->catches[i];
        if (!err_matches_any(e->type, c->errors))
            continue;
        if (row && checkpoint(x, row, NULL) != 0)
            return CAIRN_STOP;
        if (c->as) {
            cJSON *j = err_to_json(e);
            if (j && !cJSON_HasObjectItem(j, "data"))
                cJSON_AddNullToObject(j, "data");
            int rc = j ? scope_set(&x->sc, c->as, j) : -1;
            cJSON_Delete(j);
            if (rc != 0)
                return stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        }
        return CAIRN_CAUGHT + i;
    }
    return end_exec(x, row, "FAILED", NULL, e);
}

/* A submitter step failed for good (its row is written): the wait_for_callback decides. */
enum { STEP_GAVE_UP = -2 };

/*
 * Attempt `attempt` failed with e: retry later (the row goes PENDING and the
 * execution suspends), or fail the step for good.
 */
static int step_failed(cairn_exec *x, const cairn_op *op, int attempt, int64_t started_at,
                       const cairn_error *e, int may_retry)
{
    char *etext = error_text(e);
    if (!etext)
        return stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    int64_t now = engine_now(x->e);
    store_op r = op_row(x, op, "STEP", "Step", "FAILED");
    r.attempt = attempt;
    r.error = etext;
    r.started_at = started_at;
    int out;
    if (may_retry && retry_should(&op->retry, attempt, e->type)) {
        r.status = "PENDING";
        r.next_attempt_at = now + retry_delay_ms(&op->retry, attempt, ids_random_unit());
        out = suspend(x, &r, r.next_attempt_at);
    } else if (x->in_submitter) {
        r.ended_at = now;
        out = checkpoint(x, &r, NULL) == 0 ? STEP_GAVE_UP : CAIRN_STOP;
    } else {
        r.ended_at = now;
        out = catch_or_fail(x, op, &r, e);
    }
    cJSON_free(etext);
    return out;
}

/* Runs attempt `attempt` of the step's body and journals what it gave. */
static int step_attempt(cairn_exec *x, const cairn_op *op, const cJSON *args, int attempt)
{
    int out = CAIRN_STOP;
    cJSON *result = NULL;
    char *text = NULL;
    cairn_error e;
    err_init(&e);
    int64_t started = engine_now(x->e);

    if (op->run != CAIRN_RUN_LUA && op->run != CAIRN_RUN_C && op->run != CAIRN_RUN_HTTP) {
        out = fail_exec(x, "Step.Unsupported", "step '%s': unknown run kind %d", op->name,
                        (int)op->run);
        goto done;
    }
    if (op->at_most_once) {
        store_op r = op_row(x, op, "STEP", "Step", "STARTED");
        r.attempt = attempt;
        r.started_at = started;
        if (checkpoint(x, &r, NULL) != 0)
            goto done;
    }
    if (!args) {
        args = scope_keep(&x->sc, cJSON_CreateObject());
        if (x->sc.oom) {
            out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
    }
    if (flush(x) != 0) /* what came before is durable before the body runs */
        goto done;
    hook_ctx ctx = {.execution_id = x->row.id,
                    .operation = op->name,
                    .attempt = attempt,
                    .callback_id = x->cur_callback_id};
    int hrc;
    long failed_before = mem_failures(); /* this thread's failed allocations */
    if (op->run == CAIRN_RUN_HTTP) {
        hrc = http_call(args, op->http_timeout_ms, op->http_ok, op->nhttp_ok, &result, &e);
    } else if (op->run == CAIRN_RUN_LUA) {
        if (!x->wf->lua_source) {
            err_set(&e, "Lua.Error", "step '%s': workflow '%s' has no Lua hooks", op->name,
                    x->wf->name);
            hrc = -1;
        } else {
            hrc = hook_lua_call(x->wf->lua_source, x->wf->lua_chunkname, op->lua_fn, args, &ctx,
                                NULL, &result, &e);
        }
    } else {
        hrc = hook_c_call(op->c_fn, op->c_name, args, &ctx, &result, &e);
    }
    if (mem_failures() != failed_before) {
        /* Whatever the body made of it, its outcome is not the step's: run it again later. */
        out =
            stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory in step '%s'", op->name);
        goto done;
    }
    if (hrc != 0) {
        if (!err_isset(&e))
            err_set(&e, "Step.Failed", "step '%s' failed without an error", op->name);
        out = step_failed(x, op, attempt, started, &e, 1);
        goto done;
    }
    text = json_text(result);
    if (!text) {
        out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    size_t len = strlen(text);
    if (len > PAYLOAD_MAX) {
        err_set(&e, "Payload.TooLarge",
                "step '%s' returned %zu bytes of JSON; an operation result holds at most %d",
                op->name, len, PAYLOAD_MAX);
        out = step_failed(x, op, attempt, started, &e, 0);
        goto done;
    }
    store_op r = op_row(x, op, "STEP", "Step", "SUCCEEDED");
    r.attempt = attempt;
    r.result = text;
    r.started_at = started;
    r.ended_at = engine_now(x->e);
    if (checkpoint_tx(x, &r, NULL, 1) != 0) /* committed by the next side effect, or the end */
        goto done;
    if (op->as && scope_set(&x->sc, op->as, result) != 0) {
        out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    out = CAIRN_NEXT;
done:
    cJSON_free(text);
    cJSON_Delete(result);
    err_cleanup(&e);
    return out;
}

/* A step found in the journal: replay it, or go on with it where it stands. */
static int step_replay(cairn_exec *x, const cairn_op *op, const cJSON *args, const store_op *row)
{
    int out = CAIRN_STOP;
    cairn_error e;
    err_init(&e);
    if (strcmp(row->status, "SUCCEEDED") == 0) {
        out = set_as_text(x, op->as, row->result) == 0 ? CAIRN_NEXT : CAIRN_STOP;
    } else if (strcmp(row->status, "FAILED") == 0) {
        long failed_before = mem_failures();
        cJSON *j = row->error ? cJSON_Parse(row->error) : NULL;
        if (!j || err_from_json(&e, j) != 0)
            out = stop_unreadable(x, failed_before, "error of operation", x->cur_id);
        else
            out = catch_or_fail(x, op, NULL, &e);
        cJSON_Delete(j);
    } else if (strcmp(row->status, "PENDING") == 0) {
        if (row->next_attempt_at != STORE_NO_TIME && row->next_attempt_at > engine_now(x->e))
            out = suspend(x, NULL, row->next_attempt_at);
        else
            out = step_attempt(x, op, args, row->attempt + 1);
    } else if (strcmp(row->status, "STARTED") == 0) {
        int attempt = row->attempt > 0 ? row->attempt : 1;
        if (op->at_most_once) {
            err_set(&e, "Step.Interrupted",
                    "step '%s' attempt %d was interrupted before its result was recorded "
                    "(at_most_once: it is not run again)",
                    op->name, attempt);
            out = step_failed(x, op, attempt, row->started_at, &e, 1);
        } else {
            out = step_attempt(x, op, args, attempt);
        }
    } else {
        out = stop_with(x, CAIRN_ERR_STORE, "Store.Error",
                        "%s: execution %s: operation %s has status %s, which a step never has",
                        store_path(x->e->st), x->row.id, x->cur_id, row->status);
    }
    err_cleanup(&e);
    return out;
}

int cairn_step(cairn_exec *x, const cairn_op *op, const cJSON *args)
{
    const store_op *row;
    int out = CAIRN_STOP;
    if (op_enter(x, "STEP", op, &row) == 0)
        out = row ? step_replay(x, op, args, row) : step_attempt(x, op, args, 1);
    scope_reset(&x->sc);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Waits                                                                     */
/* ------------------------------------------------------------------------ */

/* A wait that ends at `end` (new), or as its journal row says; now is the clock's time. */
static int wait_op(cairn_exec *x, const cairn_op *op, const store_op *row, int64_t now, int64_t end)
{
    if (row) {
        if (strcmp(row->status, "SUCCEEDED") == 0)
            return CAIRN_NEXT;
        if (strcmp(row->status, "STARTED") != 0 || row->timeout_at == STORE_NO_TIME)
            return stop_with(x, CAIRN_ERR_STORE, "Store.Error",
                             "%s: execution %s: wait %s has status %s and no scheduled end",
                             store_path(x->e->st), x->row.id, x->cur_id, row->status);
        if (now < row->timeout_at)
            return suspend(x, NULL, row->timeout_at);
        store_op r = *row;
        r.mem = NULL;
        r.status = "SUCCEEDED";
        r.ended_at = now;
        return checkpoint(x, &r, NULL) == 0 ? CAIRN_NEXT : CAIRN_STOP;
    }
    store_op r = op_row(x, op, "WAIT", "Wait", "STARTED");
    r.started_at = now;
    r.timeout_at = end;
    if (end > now)
        return suspend(x, &r, end);
    r.status = "SUCCEEDED";
    r.ended_at = now;
    return checkpoint(x, &r, NULL) == 0 ? CAIRN_NEXT : CAIRN_STOP;
}

int cairn_wait_for(cairn_exec *x, const cairn_op *op, int64_t ms)
{
    const store_op *row;
    int out = CAIRN_STOP;
    if (op_enter(x, "WAIT", op, &row) == 0) {
        int64_t now = engine_now(x->e);
        int64_t end = ms > INT64_MAX - now ? INT64_MAX : now + (ms > 0 ? ms : 0);
        out = wait_op(x, op, row, now, end);
    }
    scope_reset(&x->sc);
    return out;
}

int cairn_wait_until(cairn_exec *x, const cairn_op *op, const cJSON *when)
{
    const store_op *row;
    int out = CAIRN_STOP;
    int64_t end;
    if (op_enter(x, "WAIT", op, &row) != 0)
        goto done;
    if (row) {
        out = wait_op(x, op, row, engine_now(x->e), 0);
    } else if (cJSON_IsString(when) && engine_parse_time(when->valuestring, &end) == 0) {
        out = wait_op(x, op, NULL, engine_now(x->e), end);
    } else {
        char *shown = json_text(when);
        out = fail_exec(x, "Wait.InvalidTime",
                        "wait '%s': `until` must be an RFC 3339 timestamp string such as "
                        "\"2026-11-28T13:05:00Z\", got %s",
                        op->name, shown ? shown : "null");
        cJSON_free(shown);
    }
done:
    scope_reset(&x->sc);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------ */

static const char *status_literal(const char *status)
{
    static const char *const all[] = {"STARTED", "PENDING",   "READY",    "SUCCEEDED",
                                      "FAILED",  "TIMED_OUT", "CANCELLED"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(status, all[i]) == 0)
            return all[i];
    return "UNKNOWN";
}

/* Sets variable var to {"id": callback_id} without making it the default output. */
static int set_callback_var(cairn_exec *x, const char *var, const char *callback_id)
{
    cJSON *last = x->sc.last_as;
    cJSON *v = cJSON_CreateObject();
    int rc = v && cJSON_AddStringToObject(v, "id", callback_id) ? scope_set(&x->sc, var, v) : -1;
    cJSON_Delete(v);
    x->sc.last_as = last;
    if (rc != 0)
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    return rc;
}

/*
 * The CALLBACK operation at the current id: replayed from row, or created
 * (a new callback id, committed STARTED with its deadlines before anything
 * can see it). Sets variable var to {"id": ...} and fills *seen.
 * Returns 0, or -1 with the invocation stopped.
 */
static int callback_enter(cairn_exec *x, const cairn_op *op, const store_op *row, const char *var,
                          cb_seen *seen)
{
    memset(seen, 0, sizeof *seen);
    snprintf(seen->id, sizeof seen->id, "%s", x->cur_id);
    seen->row = row;
    seen->timeout_at = seen->heartbeat_at = STORE_NO_TIME;
    if (row) {
        if (!row->callback_id || strlen(row->callback_id) >= sizeof seen->callback_id) {
            stop_with(x, CAIRN_ERR_STORE, "Store.Error",
                      "%s: execution %s: callback operation %s has no valid callback id",
                      store_path(x->e->st), x->row.id, x->cur_id);
            return -1;
        }
        snprintf(seen->callback_id, sizeof seen->callback_id, "%s", row->callback_id);
    } else {
        if (ids_callback(seen->callback_id, sizeof seen->callback_id) != 0) {
            stop_with(x, CAIRN_ERR_INTERNAL, "Cairn.Internal",
                      "no randomness for a callback id (getrandom failed)");
            return -1;
        }
        int64_t now = engine_now(x->e);
        store_op r = op_row(x, op, "CALLBACK", "Callback", "STARTED");
        r.started_at = now;
        r.callback_id = seen->callback_id;
        if (op->timeout_ms > 0)
            r.timeout_at = now + op->timeout_ms;
        if (op->heartbeat_ms > 0) {
            r.heartbeat_ms = op->heartbeat_ms;
            r.heartbeat_at = now + op->heartbeat_ms;
        }
        if (checkpoint(x, &r, NULL) != 0)
            return -1;
        seen->timeout_at = r.timeout_at;
        seen->heartbeat_at = r.heartbeat_at;
    }
    return set_callback_var(x, var, seen->callback_id);
}

/* Where a callback stands. */
typedef struct cb_state {
    const char *status; /* a literal: STARTED SUCCEEDED FAILED TIMED_OUT CANCELLED */
    char *result;       /* SUCCEEDED: the journaled result (a JSON string of the raw text); owned */
    cairn_error error;  /* FAILED, TIMED_OUT, CANCELLED */
    int64_t timeout_at, heartbeat_at;
} cb_state;

static void cb_state_cleanup(cb_state *s)
{
    mem_free(s->result);
    err_cleanup(&s->error);
    memset(s, 0, sizeof *s);
}

/* From a journal row. Returns 0, or -1 (out of memory, or an unreadable error). */
static int cb_state_from_row(cb_state *s, const store_op *r)
{
    memset(s, 0, sizeof *s);
    err_init(&s->error);
    s->status = status_literal(r->status);
    s->timeout_at = r->timeout_at;
    s->heartbeat_at = r->heartbeat_at;
    if (r->result && !(s->result = mem_strdup(r->result)))
        return -1;
    if (strcmp(s->status, "SUCCEEDED") == 0 || strcmp(s->status, "STARTED") == 0)
        return 0;
    if (r->error) {
        cJSON *j = cJSON_Parse(r->error);
        int rc = j ? err_from_json(&s->error, j) : -1;
        cJSON_Delete(j);
        return rc;
    }
    if (strcmp(s->status, "CANCELLED") == 0)
        err_set(&s->error, "Callback.Cancelled", "Callback cancelled");
    else
        err_set(&s->error, "Callback.Failed", "Callback failed");
    return err_isset(&s->error) ? 0 : -1;
}

static int cb_state_from_seen(cb_state *s, const cb_seen *c)
{
    if (c->row)
        return cb_state_from_row(s, c->row);
    memset(s, 0, sizeof *s);
    err_init(&s->error);
    s->status = "STARTED";
    s->timeout_at = c->timeout_at;
    s->heartbeat_at = c->heartbeat_at;
    return 0;
}

/* The deadline error of a STARTED callback at now (Callback.Timeout first), if one passed. */
static int cb_deadline_passed(int64_t timeout_at, int64_t heartbeat_at, int64_t now, cairn_error *e)
{
    if (timeout_at != STORE_NO_TIME && now >= timeout_at)
        return err_set(e, "Callback.Timeout", "Callback timed out");
    if (heartbeat_at != STORE_NO_TIME && now >= heartbeat_at)
        return err_set(e, "Callback.HeartbeatTimeout", "Callback timed out on heartbeat");
    return 0;
}

/*
 * Reads callback opid afresh and, in the same transaction, closes it if it is
 * still STARTED: TIMED_OUT when a deadline has passed, else CANCELLED when
 * cancel is set. A result or heartbeat that got there first wins. *s gets
 * the outcome. Returns 0, or -1 with the invocation stopped.
 */
static int cb_settle(cairn_exec *x, const char *opid, int cancel, cb_state *s)
{
    store *st = x->e->st;
    cairn_error err, e;
    err_init(&err);
    err_init(&e);
    store_op r;
    memset(&r, 0, sizeof r);
    char *etext = NULL;
    int64_t now = engine_now(x->e);
    int rc = begin_tx(x, &err); /* joins what is held open */
    if (rc == CAIRN_OK)
        rc = store_op_get(st, x->row.id, opid, &r, &err);
    if (rc == CAIRN_OK && strcmp(r.status, "STARTED") == 0 &&
        (cb_deadline_passed(r.timeout_at, r.heartbeat_at, now, &e) || cancel)) {
        if (err_isset(&e) && !(etext = error_text(&e))) {
            err_set(&err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
        } else {
            store_op w = r;
            w.mem = NULL;
            w.status = err_isset(&e) ? "TIMED_OUT" : "CANCELLED";
            w.error = etext;
            w.ended_at = now;
            rc = store_op_write(st, x->row.id, &w, "STARTED", r.attempt, &err);
            r.status = w.status;
            r.error = etext;
        }
    }
    if (rc == CAIRN_OK)
        rc = store_commit(st, &err);
    long failed_before = mem_failures();
    if (rc == CAIRN_OK && cb_state_from_row(s, &r) != 0) {
        cb_state_cleanup(s);
        if (mem_failures() != failed_before) {
            err_set(&err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
        } else {
            err_set(&err, "Store.Error",
                    "%s: execution %s: the journaled error of operation %s is unreadable",
                    store_path(st), x->row.id, opid);
            rc = CAIRN_ERR_STORE;
        }
    }
    if (rc != CAIRN_OK) {
        store_rollback(st);
        stop_store(x, rc, &err);
    }
    store_op_cleanup(&r);
    cJSON_free(etext);
    err_cleanup(&e);
    err_cleanup(&err);
    return rc == CAIRN_OK ? 0 : -1;
}

/*
 * The value of a SUCCEEDED callback: the raw text that was sent, kept a
 * string (`result: text`) or parsed as JSON (empty: null). NULL with e set
 * (Callback.InvalidResult), or NULL alone when out of memory.
 */
static cJSON *cb_value(const char *journaled, int as_text, cairn_error *e)
{
    long failed_before = mem_failures();
    cJSON *j = journaled ? cJSON_Parse(journaled) : NULL;
    const char *raw = cJSON_IsString(j) ? j->valuestring : "";
    cJSON *v = NULL;
    if (mem_failures() != failed_before) {
        /* out of memory: NULL alone */
    } else if (as_text) {
        v = cJSON_CreateString(raw);
    } else if (*raw == '\0') {
        v = cJSON_CreateNull();
    } else if (!(v = cJSON_ParseWithOpts(raw, NULL, 1)) && mem_failures() == failed_before) {
        err_set(e, "Callback.InvalidResult",
                "the callback result is not JSON (use `result: text` to take it as text): %.60s",
                raw);
    }
    cJSON_Delete(j);
    return v;
}

/* A wait_for_callback's CONTEXT operation, as this invocation knows it. */
typedef struct ctx_ref {
    char id[32];
    int64_t seq;
    const char *status; /* as last written or loaded; NULL: no row */
    int64_t started_at;
} ctx_ref;

/* Makes the CONTEXT current again and gives its row with status. */
static store_op ctx_row(cairn_exec *x, const cairn_op *op, const ctx_ref *c, const char *status)
{
    snprintf(x->cur_id, sizeof x->cur_id, "%s", c->id);
    x->cur_parent = NULL;
    x->cur_seq = c->seq;
    x->cur_status = c->status;
    x->cur_attempt = 0;
    store_op r = op_row(x, op, "CONTEXT", "WaitForCallback", status);
    r.started_at = c->started_at;
    return r;
}

/*
 * The end of an await (ctx NULL) or of a wait_for_callback (ctx: its
 * CONTEXT, which ends with the callback): suspend while callback opid is
 * open, else its result (`as`, CAIRN_NEXT) or its error through the catches.
 * Takes s (cleans it up).
 */
static int cb_outcome(cairn_exec *x, const cairn_op *op, const char *opid, cb_state *s,
                      const ctx_ref *ctx)
{
    int out = CAIRN_STOP;
    cJSON *v = NULL;
    char *text = NULL;
    cairn_error e;
    err_init(&e);
    int64_t now = engine_now(x->e);
    if (strcmp(s->status, "STARTED") == 0 &&
        cb_deadline_passed(s->timeout_at, s->heartbeat_at, now, &e)) {
        err_cleanup(&e);
        cb_state_cleanup(s);
        if (cb_settle(x, opid, 0, s) != 0)
            goto done;
    }
    if (strcmp(s->status, "STARTED") == 0) {
        int64_t wake = s->timeout_at;
        if (s->heartbeat_at != STORE_NO_TIME && (wake == STORE_NO_TIME || s->heartbeat_at < wake))
            wake = s->heartbeat_at;
        out = suspend(x, NULL, wake);
        goto done;
    }
    if (strcmp(s->status, "SUCCEEDED") == 0) {
        if (!(v = cb_value(s->result, op->result_text, &e)) && !err_isset(&e)) {
            out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
    } else {
        err_move(&e, &s->error);
    }
    if (v) {
        if (ctx) {
            if (!(text = json_text(v))) {
                out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
                goto done;
            }
            store_op r = ctx_row(x, op, ctx, "SUCCEEDED");
            r.result = text;
            r.ended_at = now;
            if (checkpoint(x, &r, NULL) != 0)
                goto done;
        }
        if (op->as && scope_set(&x->sc, op->as, v) != 0) {
            out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
        out = CAIRN_NEXT;
    } else if (ctx) {
        if (!(text = error_text(&e))) {
            out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
        store_op r = ctx_row(x, op, ctx, "FAILED");
        r.error = text;
        r.ended_at = now;
        out = catch_or_fail(x, op, &r, &e);
    } else {
        out = catch_or_fail(x, op, NULL, &e);
    }
done:
    cJSON_Delete(v);
    cJSON_free(text);
    err_cleanup(&e);
    cb_state_cleanup(s);
    return out;
}

int cairn_callback(cairn_exec *x, const cairn_op *op)
{
    const store_op *row;
    int out = CAIRN_STOP;
    cb_seen seen;
    if (op_enter(x, "CALLBACK", op, &row) != 0 || callback_enter(x, op, row, op->name, &seen) != 0)
        goto done;
    cb_seen *v = mem_realloc(x->cbs, (x->ncbs + 1) * sizeof *v);
    if (!v) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    seen.name = op->name;
    v[x->ncbs++] = seen;
    x->cbs = v;
    out = CAIRN_NEXT;
done:
    scope_reset(&x->sc);
    return out;
}

int cairn_await(cairn_exec *x, const cairn_op *op)
{
    int out = CAIRN_STOP;
    const cb_seen *c = NULL;
    cb_state s;
    if (x->ended)
        goto done;
    if (x->sc.oom) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (timed_out(x))
        goto done;
    for (size_t i = x->ncbs; i-- > 0 && !c;)
        if (op->callback && strcmp(x->cbs[i].name, op->callback) == 0)
            c = &x->cbs[i];
    if (!c) {
        fail_exec(x, "Cairn.Internal",
                  "await '%s': callback '%s' was not created before it in this execution "
                  "(a bug in the generated code)",
                  op->name, op->callback ? op->callback : "");
        goto done;
    }
    long failed_before = mem_failures();
    if (cb_state_from_seen(&s, c) != 0) {
        cb_state_cleanup(&s);
        stop_unreadable(x, failed_before, "callback", c->id);
        goto done;
    }
    out = cb_outcome(x, op, c->id, &s, NULL);
done:
    scope_reset(&x->sc);
    return out;
}

/* The submitter (STEP sid) gave up: the CONTEXT fails with Submitter.Failed and the cause. */
static int submitter_failed(cairn_exec *x, const cairn_op *op, const ctx_ref *ctx, const char *sid)
{
    int out = CAIRN_STOP;
    store_op step;
    cairn_error err, cause, e;
    err_init(&err);
    err_init(&cause);
    err_init(&e);
    char *text = NULL;
    cJSON *j = NULL;
    int rc = store_op_get(x->e->st, x->row.id, sid, &step, &err);
    if (rc != CAIRN_OK) {
        out = stop_store(x, rc, &err);
        goto done;
    }
    long failed_before = mem_failures();
    j = step.error ? cJSON_Parse(step.error) : NULL;
    int read = j && err_from_json(&cause, j) == 0;
    if (!read && mem_failures() != failed_before) { /* out of memory, not a missing error */
        out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (!read)
        err_set(&cause, "Step.Failed", "the submitter failed without an error");
    cJSON *data = err_to_json(&cause);
    if (data && !cJSON_HasObjectItem(data, "data") && !cJSON_AddNullToObject(data, "data")) {
        cJSON_Delete(data);
        data = NULL;
    }
    err_set_data(&e, "Submitter.Failed", data,
                 "the submitter of '%s' failed after %d attempt%s: %s: %s", op->name, step.attempt,
                 step.attempt == 1 ? "" : "s", cause.type, cause.message);
    if (!data || !(text = error_text(&e))) {
        out = stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    store_op r = ctx_row(x, op, ctx, "FAILED");
    r.error = text;
    r.ended_at = engine_now(x->e);
    out = catch_or_fail(x, op, &r, &e);
done:
    cJSON_Delete(j);
    cJSON_free(text);
    store_op_cleanup(&step);
    err_cleanup(&err);
    err_cleanup(&cause);
    err_cleanup(&e);
    return out;
}

int cairn_wait_for_callback(cairn_exec *x, const cairn_op *op, cairn_args_fn args)
{
    const store_op *row;
    int out = CAIRN_STOP;
    cairn_error e;
    err_init(&e);
    if (op_enter(x, "CONTEXT", op, &row) != 0)
        goto done;
    ctx_ref ctx = {.seq = x->cur_seq,
                   .status = x->cur_status,
                   .started_at = row ? row->started_at : engine_now(x->e)};
    snprintf(ctx.id, sizeof ctx.id, "%s", x->cur_id);

    /* A finished wait_for_callback returns its journaled outcome. */
    if (row && strcmp(row->status, "SUCCEEDED") == 0) {
        out = set_as_text(x, op->as, row->result) == 0 ? CAIRN_NEXT : CAIRN_STOP;
        goto done;
    }
    if (row && strcmp(row->status, "FAILED") == 0) {
        long failed_before = mem_failures();
        cJSON *j = row->error ? cJSON_Parse(row->error) : NULL;
        if (!j || err_from_json(&e, j) != 0)
            out = stop_unreadable(x, failed_before, "error of operation", x->cur_id);
        else
            out = catch_or_fail(x, op, NULL, &e);
        cJSON_Delete(j);
        goto done;
    }
    if (!row) {
        store_op r = ctx_row(x, op, &ctx, "STARTED");
        if (checkpoint(x, &r, NULL) != 0)
            goto done;
        ctx.status = "STARTED";
    }

    /* Child N-1: the callback; its id is the variable `callback`. (Operation
     * ids are decimal counters, far shorter than the bound the compiler sees.) */
    char cid[32], sid[32];
    snprintf(cid, sizeof cid, "%.29s-1", ctx.id);
    snprintf(sid, sizeof sid, "%.29s-2", ctx.id);
    cb_seen seen;
    const store_op *crow = journal_find(x, cid);
    op_at(x, cid, ctx.id, crow);
    if (callback_enter(x, op, crow, "callback", &seen) != 0)
        goto done;

    /* Child N-2: the submitter, a step retried as any other. */
    const store_op *srow = journal_find(x, sid);
    op_at(x, sid, ctx.id, srow);
    int sub;
    if (srow && strcmp(srow->status, "SUCCEEDED") == 0) {
        sub = CAIRN_NEXT;
    } else if (srow && strcmp(srow->status, "FAILED") == 0) {
        sub = STEP_GAVE_UP;
    } else {
        cairn_op step = *op; /* its result and errors are not the operation's */
        step.as = NULL;
        step.catches = NULL;
        step.ncatches = 0;
        const cJSON *a = args ? args(x) : NULL;
        x->in_submitter = 1;
        x->cur_callback_id = seen.callback_id;
        sub = srow ? step_replay(x, &step, a, srow) : step_attempt(x, &step, a, 1);
        x->in_submitter = 0;
        x->cur_callback_id = NULL;
    }

    cb_state s;
    long failed_before = mem_failures();
    if (sub == STEP_GAVE_UP) {
        /* Never left waiting: the callback is cancelled, unless it resolved already. */
        if (cb_settle(x, cid, 1, &s) != 0)
            goto done;
        if (strcmp(s.status, "CANCELLED") == 0) {
            cb_state_cleanup(&s);
            out = submitter_failed(x, op, &ctx, sid);
            goto done;
        }
    } else if (sub != CAIRN_NEXT) {
        goto done; /* suspended for a retry, or stopped */
    } else if (cb_state_from_seen(&s, &seen) != 0) {
        cb_state_cleanup(&s);
        out = stop_unreadable(x, failed_before, "callback", cid);
        goto done;
    }
    out = cb_outcome(x, op, cid, &s, &ctx);
done:
    x->cur_parent = NULL;
    err_cleanup(&e);
    scope_reset(&x->sc);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Ends                                                                      */
/* ------------------------------------------------------------------------ */

/* The code ends here: the journal must not hold an operation past this point. */
static int end_reached(cairn_exec *x)
{
    if (x->ended)
        return -1;
    if (x->sc.oom) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory",
                  "out of memory while evaluating the execution's output");
        return -1;
    }
    if (timed_out(x))
        return -1;
    const store_op *r = journal_at(x, x->counter + 1);
    if (r) {
        fail_exec(x, "Execution.NonDeterministic",
                  "Non-deterministic execution detected: operation %ld was %s '%s' in the "
                  "journal, is the end of the execution now",
                  x->counter + 1, kind_word(r->type), r->name ? r->name : "");
        return -1;
    }
    return 0;
}

int cairn_succeed(cairn_exec *x, const cJSON *output)
{
    if (end_reached(x) != 0)
        goto done;
    if (!output)
        output = x->sc.last_as;
    char *text = json_text(output);
    if (!text) {
        stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    size_t len = strlen(text);
    if (len > PAYLOAD_MAX)
        fail_exec(x, "Payload.TooLarge",
                  "the execution's output is %zu bytes of JSON; it may hold at most %d", len,
                  PAYLOAD_MAX);
    else
        end_exec(x, NULL, "SUCCEEDED", text, NULL);
    cJSON_free(text);
done:
    scope_reset(&x->sc);
    return CAIRN_STOP;
}

int cairn_fail(cairn_exec *x, const char *type, const cJSON *message, const cJSON *data)
{
    cairn_error e;
    err_init(&e);
    char *printed = NULL; /* a message that is not a string is shown as JSON */
    if (end_reached(x) != 0)
        goto done;
    const char *msg = "";
    if (cJSON_IsString(message))
        msg = message->valuestring;
    else if (message && !cJSON_IsNull(message) && !(msg = printed = json_text(message)))
        goto nomem;
    cJSON *d = data ? cJSON_Duplicate(data, 1) : NULL;
    if (data && !d)
        goto nomem;
    err_set_data(&e, type, d, "%s", msg);
    end_exec(x, NULL, "FAILED", NULL, &e);
    goto done;
nomem:
    stop_with(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
done:
    cJSON_free(printed);
    err_cleanup(&e);
    scope_reset(&x->sc);
    return CAIRN_STOP;
}

/* ------------------------------------------------------------------------ */
/* Start and invoke                                                          */
/* ------------------------------------------------------------------------ */

int engine_start(engine *e, const char *workflow, const char *input_json, const char *name,
                 char **id_out, int *created, cairn_error *err)
{
    int rc = CAIRN_OK;
    cJSON *input = NULL, *schema = NULL;
    char *input_text = NULL;
    char id[IDS_EXEC_LEN + 1];
    *id_out = NULL;
    if (created)
        *created = 0;

    const cairn_workflow *wf = find_workflow(e, workflow);
    if (!wf) {
        err_set(err, "Workflow.NotFound", "no workflow named '%s' in this host", workflow);
        return CAIRN_ERR_NOT_FOUND;
    }
    const char *end = NULL;
    long failed_before = mem_failures();
    input = cJSON_ParseWithOpts(input_json ? input_json : "null", &end, 1);
    if (!input && mem_failures() != failed_before) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
        goto done;
    }
    if (!input) {
        err_set(err, "Input.Invalid", "input of workflow '%s' is not valid JSON (near \"%.20s\")",
                workflow, end ? end : "");
        rc = CAIRN_ERR_INPUT;
        goto done;
    }
    if (wf->input_schema) {
        char msg[512];
        int bad = !(schema = cJSON_Parse(wf->input_schema)) ||
                  schema_check(schema, input, msg, sizeof msg) != 0;
        if (bad && mem_failures() != failed_before) {
            err_set(err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
            goto done;
        }
        if (!schema) {
            err_set(err, "Cairn.Internal", "the input schema of workflow '%s' is not JSON",
                    workflow);
            rc = CAIRN_ERR_INTERNAL;
            goto done;
        }
        if (bad) {
            err_set(err, "Input.Invalid", "input rejected by the input schema of workflow '%s': %s",
                    workflow, msg);
            rc = CAIRN_ERR_INPUT;
            goto done;
        }
    }
    if (!(input_text = json_text(input))) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
        goto done;
    }
    if (strlen(input_text) > PAYLOAD_MAX) {
        err_set(err, "Input.Invalid", "input of workflow '%s' is %zu bytes of JSON; at most %d",
                workflow, strlen(input_text), PAYLOAD_MAX);
        rc = CAIRN_ERR_INPUT;
        goto done;
    }

    if ((rc = store_begin(e->st, err)) != CAIRN_OK)
        goto done;
    if (name) {
        rc = store_exec_find_name(e->st, workflow, name, id_out, err);
        if (rc == CAIRN_OK) {
            store_rollback(e->st); /* nothing was written */
            goto done;
        }
        if (rc != CAIRN_ERR_NOT_FOUND)
            goto rollback;
        rc = CAIRN_OK;
    }
    if (ids_execution(id, sizeof id) != 0) {
        err_set(err, "Cairn.Internal", "no randomness for an execution id (getrandom failed)");
        rc = CAIRN_ERR_INTERNAL;
        goto rollback;
    }
    int64_t now = engine_now(e);
    store_exec r = {
        .id = id,
        .workflow = wf->name,
        .version = wf->version,
        .definition_sha256 = wf->sha256,
        .name = name,
        .status = "RUNNING",
        .input = input_text,
        .created_at = now,
        .updated_at = now,
        .ended_at = STORE_NO_TIME,
        .wake_at = now,
        .timeout_at = wf->timeout_ms > 0 ? now + wf->timeout_ms : STORE_NO_TIME,
    };
    store_op o = {
        .seq = 0,
        .id = "0",
        .name = wf->name,
        .type = "EXECUTION",
        .status = "STARTED",
        .result = input_text,
        .started_at = now,
        .ended_at = STORE_NO_TIME,
        .next_attempt_at = STORE_NO_TIME,
        .timeout_at = r.timeout_at,
        .heartbeat_at = STORE_NO_TIME,
    };
    if ((rc = store_exec_insert(e->st, &r, err)) != CAIRN_OK ||
        (rc = store_op_put(e->st, id, &o, err)) != CAIRN_OK ||
        (rc = store_commit(e->st, err)) != CAIRN_OK)
        goto rollback;
    if (!(*id_out = mem_strdup(id))) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
        goto done;
    }
    if (created)
        *created = 1;
    goto done;
rollback:
    store_rollback(e->st);
done:
    cJSON_Delete(input);
    cJSON_Delete(schema);
    cJSON_free(input_text);
    return rc;
}

static void exec_free(cairn_exec *x)
{
    if (!x)
        return;
    scope_cleanup(&x->sc);
    store_ops_free(x->ops, x->nops);
    mem_free(x->by_num);
    mem_free(x->cbs);
    store_exec_cleanup(&x->row);
    err_cleanup(&x->err);
    mem_free(x);
}

/* The variables every expression sees from the start: input and execution. */
static int build_scope(cairn_exec *x)
{
    if (scope_init(&x->sc) != 0)
        return -1;
    cJSON *input = cJSON_Parse(x->row.input);
    cJSON *ex = cJSON_CreateObject();
    int rc = -1;
    if (!input || !ex || !cJSON_AddStringToObject(ex, "id", x->row.id) ||
        !cJSON_AddStringToObject(ex, "workflow", x->row.workflow) ||
        !cJSON_AddNumberToObject(ex, "version", x->row.version) ||
        !(x->row.name ? cJSON_AddStringToObject(ex, "name", x->row.name)
                      : cJSON_AddNullToObject(ex, "name")))
        goto done;
    if (scope_set(&x->sc, "input", input) != 0 || scope_set(&x->sc, "execution", ex) != 0)
        goto done;
    x->sc.last_as = NULL; /* only `as` values count as the default output */
    rc = 0;
done:
    cJSON_Delete(input);
    cJSON_Delete(ex);
    return rc;
}

int engine_invoke(engine *e, const char *id, cairn_error *err)
{
    int rc;
    cairn_exec *x = mem_calloc(1, sizeof *x);
    if (!x) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        return CAIRN_ERR_NOMEM;
    }
    x->e = e; /* calloc: the scope is empty, safe to clean up before build_scope() */
    err_init(&x->err);
    if ((rc = store_exec_get(e->st, id, &x->row, err)) != CAIRN_OK)
        goto done;
    if (is_terminal(x->row.status)) {
        err_set(err, "Execution.Conflict", "execution %s has already ended (%s)", id,
                x->row.status);
        rc = CAIRN_ERR_CONFLICT;
        goto done;
    }
    x->wf = find_workflow(e, x->row.workflow);
    if (!x->wf) {
        err_set(err, "Definition.Missing",
                "execution %s is pinned to workflow '%s' (definition sha256 %s), which this "
                "host does not hold; run it with the host built from that definition",
                id, x->row.workflow, x->row.definition_sha256);
        rc = CAIRN_ERR_DEFINITION;
        goto done;
    }
    if (strcmp(x->wf->sha256, x->row.definition_sha256) != 0) {
        err_set(err, "Definition.Mismatch",
                "execution %s is pinned to workflow '%s' with definition sha256 %s, but this "
                "host holds sha256 %s; it is never replayed with other code: run it with the "
                "host built from its definition",
                id, x->row.workflow, x->row.definition_sha256, x->wf->sha256);
        rc = CAIRN_ERR_DEFINITION;
        goto done;
    }
    /* One invocation at a time: take the lease, or leave it to its holder. */
    if ((rc = take_lease(e, id, &x->lease_until, err)) != CAIRN_OK)
        goto done;
    if ((rc = store_ops_load(e->st, id, &x->ops, &x->nops, err)) != CAIRN_OK)
        goto release;
    if (index_journal(x) != 0 || build_scope(x) != 0) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
        goto release;
    }

    if (!timed_out(x))
        x->wf->run(x);
    flush(x); /* an invocation stopped short (a store error, no memory) keeps what it did */

    if (x->rc != CAIRN_OK) {
        rc = x->rc;
        err_move(err, &x->err);
    } else if (!x->ended) {
        /* The state machine returned without an outcome: a bug. Never leave it RUNNING. */
        fail_exec(x, "Cairn.Internal",
                  "the state machine of workflow '%s' returned without ending or suspending "
                  "the execution (a bug in cairn)",
                  x->wf->name);
        err_set(err, "Cairn.Internal",
                "execution %s: the state machine of workflow '%s' returned without ending or "
                "suspending it (a bug in cairn); the execution is marked FAILED",
                id, x->wf->name);
        rc = CAIRN_ERR_INTERNAL;
    }
release:
    if (rc != CAIRN_OK) { /* an execution that ended or suspended has freed it already */
        cairn_error ignored;
        err_init(&ignored);
        store_exec_release(e->st, id, e->owner, &ignored);
        err_cleanup(&ignored);
    }
done:
    exec_free(x);
    return rc;
}

int engine_drive(engine *e, const char *id, cairn_error *err)
{
    for (;;) {
        store_exec row;
        int rc = store_exec_get(e->st, id, &row, err);
        if (rc != CAIRN_OK)
            return rc;
        int64_t wake = row.wake_at;
        int over = is_terminal(row.status);
        store_exec_cleanup(&row);
        if (over || wake == STORE_NO_TIME)
            return CAIRN_OK;
        if (wake > engine_now(e)) {
            if (!e->clk.skip)
                return CAIRN_OK;
            engine_advance_clock(e, wake);
        }
        if ((rc = engine_invoke(e, id, err)) != CAIRN_OK)
            return rc;
    }
}

int engine_next_due(engine *e, const char *const *skip, char **id_out, int64_t *next_wake,
                    cairn_error *err)
{
    int64_t real = clock_real_ms();
    if (real - e->reaped_at >= 1000)
        reap_dead_leases(e);
    return store_next_due(e->st, engine_now(e), real, skip, id_out, next_wake, err);
}

/* ------------------------------------------------------------------------ */
/* The callback API                                                          */
/* ------------------------------------------------------------------------ */

typedef enum cb_action { CB_SUCCEED, CB_FAIL, CB_HEARTBEAT } cb_action;

/* Why callback row r of execution ex refuses everything at now, or NULL when it is open. */
static const char *closed_reason(const store_op *r, const store_exec *ex, int64_t now)
{
    int open = strcmp(r->status, "STARTED") == 0;
    if (is_terminal(ex->status) && (open || strcmp(r->status, "CANCELLED") == 0))
        return "its execution ended";
    if (strcmp(r->status, "SUCCEEDED") == 0)
        return "it already succeeded";
    if (strcmp(r->status, "FAILED") == 0)
        return "it already failed";
    if (strcmp(r->status, "TIMED_OUT") == 0)
        return "it timed out";
    if (!open)
        return "it was cancelled";
    if (r->timeout_at != STORE_NO_TIME && now >= r->timeout_at)
        return "it timed out";
    if (r->heartbeat_at != STORE_NO_TIME && now >= r->heartbeat_at)
        return "it timed out on heartbeat";
    return NULL;
}

/*
 * One transaction: find callback id, refuse it when closed, then record the
 * result (SUCCEEDED) or error (FAILED) and make its execution due, or re-arm
 * its heartbeat deadline.
 */
static int callback_api(engine *e, const char *id, cb_action act, const char *result,
                        const char *error, cairn_error *err)
{
    char *exec_id = NULL, *op_id = NULL;
    store_op r;
    store_exec ex;
    memset(&r, 0, sizeof r);
    memset(&ex, 0, sizeof ex);
    int64_t now = engine_now(e);
    int rc = store_begin(e->st, err);
    if (rc != CAIRN_OK)
        return rc;
    rc = store_callback_find(e->st, id, &exec_id, &op_id, err);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        err_cleanup(err);
        err_set(err, "Callback.NotFound", "callback %.100s: unknown callback", id);
    }
    if (rc == CAIRN_OK)
        rc = store_op_get(e->st, exec_id, op_id, &r, err);
    if (rc == CAIRN_OK)
        rc = store_exec_get(e->st, exec_id, &ex, err);
    /* The process that made the callback may run on a virtual clock ahead of
     * ours (--skip-time): an answer never ends before its callback started. */
    if (rc == CAIRN_OK && now < r.started_at)
        now = r.started_at;
    const char *why = rc == CAIRN_OK ? closed_reason(&r, &ex, now) : NULL;
    if (why) {
        err_set(err, "Callback.Closed", "callback %s is closed: %s", id, why);
        rc = CAIRN_ERR_CONFLICT;
    }
    store_op w = r;
    w.mem = NULL;
    if (rc == CAIRN_OK && act != CB_HEARTBEAT) {
        w.status = act == CB_SUCCEED ? "SUCCEEDED" : "FAILED";
        w.result = result;
        w.error = error;
        w.ended_at = now;
        rc = store_op_write(e->st, exec_id, &w, "STARTED", r.attempt, err);
        if (rc == CAIRN_OK)
            rc = store_exec_poke(e->st, exec_id, now, err);
    } else if (rc == CAIRN_OK && r.heartbeat_ms > 0) {
        w.heartbeat_at = now + r.heartbeat_ms; /* the overall timeout stays */
        rc = store_op_write(e->st, exec_id, &w, "STARTED", r.attempt, err);
    }
    if (rc == CAIRN_OK)
        rc = store_commit(e->st, err);
    if (rc != CAIRN_OK)
        store_rollback(e->st);
    store_op_cleanup(&r);
    store_exec_cleanup(&ex);
    mem_free(exec_id);
    mem_free(op_id);
    return rc;
}

int engine_callback_result_fits(const char *id, size_t len, cairn_error *err)
{
    if (len <= PAYLOAD_MAX)
        return CAIRN_OK;
    err_set(
        err, "Callback.Invalid",
        "callback %.100s: the result is %zu bytes; a callback result holds at most %d (256 KiB)",
        id, len, PAYLOAD_MAX);
    return CAIRN_ERR_INPUT;
}

int engine_callback_succeed(engine *e, const char *id, const char *payload, size_t len,
                            cairn_error *err)
{
    if (engine_callback_result_fits(id, len, err) != CAIRN_OK)
        return CAIRN_ERR_INPUT;
    if (len && memchr(payload, '\0', len)) {
        err_set(err, "Callback.Invalid", "callback %.100s: the result holds a NUL byte", id);
        return CAIRN_ERR_INPUT;
    }
    /* Journaled as a JSON string of the raw text; the await decides how to read it. */
    char *raw = mem_malloc(len + 1);
    cJSON *s = NULL;
    char *text = NULL;
    if (raw) {
        if (len)
            memcpy(raw, payload, len);
        raw[len] = '\0';
        s = cJSON_CreateString(raw);
        text = s ? json_text(s) : NULL;
    }
    int rc = CAIRN_ERR_NOMEM;
    if (text)
        rc = callback_api(e, id, CB_SUCCEED, text, NULL, err);
    else
        err_set(err, "Cairn.NoMemory", "out of memory");
    mem_free(raw);
    cJSON_Delete(s);
    cJSON_free(text);
    return rc;
}

/* Adds v to o as key, taking ownership of v (NULL: out of memory). 1, or 0 with v freed. */
static int add_item(cJSON *o, const char *key, cJSON *v)
{
    if (v && cJSON_AddItemToObject(o, key, v))
        return 1;
    cJSON_Delete(v);
    return 0;
}

int engine_callback_fail(engine *e, const char *id, const char *type, const char *message,
                         const char *data, cairn_error *err)
{
    size_t len =
        (type ? strlen(type) : 0) + (message ? strlen(message) : 0) + (data ? strlen(data) : 0);
    if (len > PAYLOAD_MAX) {
        err_set(err, "Callback.Invalid",
                "callback %.100s: the error is %zu bytes; a callback error holds at most %d "
                "(256 KiB)",
                id, len, PAYLOAD_MAX);
        return CAIRN_ERR_INPUT;
    }
    /* Journaled as the error the await raises: Callback.Failed, the sender's error in data. */
    cJSON *sent = cJSON_CreateObject();
    if (sent &&
        (!add_item(sent, "ErrorType", type ? cJSON_CreateString(type) : cJSON_CreateNull()) ||
         !add_item(sent, "ErrorMessage",
                   message ? cJSON_CreateString(message) : cJSON_CreateNull()) ||
         !add_item(sent, "ErrorData", data ? cJSON_CreateString(data) : cJSON_CreateNull()))) {
        cJSON_Delete(sent);
        sent = NULL;
    }
    cairn_error failed;
    err_init(&failed);
    err_set_data(&failed, "Callback.Failed", sent, "%s",
                 message && *message ? message : "Callback failed");
    char *text = sent ? error_text(&failed) : NULL;
    int rc = CAIRN_ERR_NOMEM;
    if (text)
        rc = callback_api(e, id, CB_FAIL, NULL, text, err);
    else
        err_set(err, "Cairn.NoMemory", "out of memory");
    cJSON_free(text);
    err_cleanup(&failed);
    return rc;
}

int engine_callback_heartbeat(engine *e, const char *id, cairn_error *err)
{
    return callback_api(e, id, CB_HEARTBEAT, NULL, NULL, err);
}

/* ------------------------------------------------------------------------ */
/* Waiting for work                                                          */
/* ------------------------------------------------------------------------ */

int engine_wait_change(engine *e, int64_t max_ms)
{
    int64_t end = clock_real_ms() + (max_ms > 0 ? max_ms : 0);
    for (;;) {
        int64_t v = store_data_version(e->st);
        if (v != e->data_version) {
            e->data_version = v;
            return 1;
        }
        int64_t left = end - clock_real_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = e->wake_pipe[0], .events = POLLIN};
        int n = poll(&p, 1, left < WATCH_MS ? (int)left : WATCH_MS);
        if (n > 0) {
            char buf[64];
            while (read(e->wake_pipe[0], buf, sizeof buf) > 0)
                ;
            return 1;
        }
        if (n < 0 && errno == EINTR)
            return 0; /* a signal: the caller looks at its flags */
    }
}

void engine_poke(engine *e)
{
    ssize_t n = write(e->wake_pipe[1], "!", 1);
    (void)n; /* a full pipe is already a pending wake-up */
}

/* ------------------------------------------------------------------------ */
/* Time text                                                                 */
/* ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void engine_format_time(int64_t ms, char *buf, size_t len)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int milli = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        snprintf(buf, len, "invalid");
        return;
    }
    /* The fields are in range already; the unsigned remainders tell the
     * compiler so, which bounds the output for -Wformat-truncation. */
    snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)tm.tm_mon % 12u + 1u,
             (unsigned)tm.tm_mday % 32u, (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u,
             (unsigned)tm.tm_sec % 61u, (unsigned)milli % 1000u);
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int engine_parse_time(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, frac = 0;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        int n = 0;
        for (; isdigit((unsigned char)*p); p++, n++)
            if (n < 3)
                frac = frac * 10 + (*p - '0');
        for (; n < 3; n++)
            frac *= 10;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap))
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    int64_t t = ((days * 24 + h) * 60 + mi - offset) * 60 + sec;
    *ms = t * 1000 + frac;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Read side                                                                 */
/* ------------------------------------------------------------------------ */

static int add_time(cJSON *o, const char *key, int64_t t)
{
    if (t == STORE_NO_TIME)
        return cJSON_AddNullToObject(o, key) != NULL;
    char buf[40];
    engine_format_time(t, buf, sizeof buf);
    return cJSON_AddStringToObject(o, key, buf) != NULL;
}

static int add_str(cJSON *o, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key)) != NULL;
}

/* A journaled JSON text as a value (null when absent; a string if it is not JSON). */
static int add_json(cJSON *o, const char *key, const char *text)
{
    long failed_before = mem_failures();
    cJSON *v = text ? cJSON_Parse(text) : cJSON_CreateNull();
    if (!v && text && mem_failures() == failed_before) /* not JSON, rather than out of memory */
        v = cJSON_CreateString(text);
    if (!v)
        return 0;
    if (!cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return 0;
    }
    return 1;
}

static cJSON *status_json(const store_exec *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_str(o, "id", r->id) || !add_str(o, "workflow", r->workflow) ||
        !cJSON_AddNumberToObject(o, "version", r->version) ||
        !add_str(o, "definition_sha256", r->definition_sha256) || !add_str(o, "name", r->name) ||
        !add_str(o, "status", r->status) || !add_json(o, "input", r->input) ||
        !add_json(o, "result", r->result) || !add_json(o, "error", r->error) ||
        !add_time(o, "created_at", r->created_at) || !add_time(o, "updated_at", r->updated_at) ||
        !add_time(o, "ended_at", r->ended_at) || !add_time(o, "wake_at", r->wake_at) ||
        !add_time(o, "timeout_at", r->timeout_at)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *op_json(const store_op *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_str(o, "id", r->id) || !add_str(o, "parent_id", r->parent_id) ||
        !add_str(o, "name", r->name) || !add_str(o, "type", r->type) ||
        !add_str(o, "sub_type", r->sub_type) || !add_str(o, "status", r->status) ||
        !(r->attempt > 0 ? cJSON_AddNumberToObject(o, "attempt", r->attempt)
                         : cJSON_AddNullToObject(o, "attempt")) ||
        !add_time(o, "started_at", r->started_at) || !add_time(o, "ended_at", r->ended_at) ||
        !add_time(o, "next_attempt_at", r->next_attempt_at) || !add_json(o, "result", r->result) ||
        !add_json(o, "error", r->error) || !add_str(o, "callback_id", r->callback_id) ||
        !add_time(o, "timeout_at", r->timeout_at) ||
        !add_time(o, "heartbeat_at", r->heartbeat_at)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *nomem(int *rc, cairn_error *err)
{
    err_set(err, "Cairn.NoMemory", "out of memory");
    *rc = CAIRN_ERR_NOMEM;
    return NULL;
}

cJSON *engine_status_json(engine *e, const char *id, int *rc, cairn_error *err)
{
    store_exec r;
    *rc = store_exec_get(e->st, id, &r, err);
    if (*rc != CAIRN_OK)
        return NULL;
    cJSON *o = status_json(&r);
    store_exec_cleanup(&r);
    return o ? o : nomem(rc, err);
}

cJSON *engine_history_json(engine *e, const char *id, int *rc, cairn_error *err)
{
    store_op *ops = NULL;
    size_t n = 0;
    cJSON *o = NULL, *list;
    cJSON *st = engine_status_json(e, id, rc, err);
    if (!st)
        return NULL;
    if ((*rc = store_ops_load(e->st, id, &ops, &n, err)) != CAIRN_OK) {
        cJSON_Delete(st);
        return NULL;
    }
    if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToObject(o, "execution", st))
        goto oom;
    st = NULL;
    if (!(list = cJSON_AddArrayToObject(o, "operations")))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        cJSON *j = op_json(&ops[i]);
        if (!j || !cJSON_AddItemToArray(list, j)) {
            cJSON_Delete(j);
            goto oom;
        }
    }
    store_ops_free(ops, n);
    return o;
oom:
    cJSON_Delete(st);
    cJSON_Delete(o);
    store_ops_free(ops, n);
    return nomem(rc, err);
}

cJSON *engine_list_json(engine *e, int *rc, cairn_error *err)
{
    store_exec *rows = NULL;
    size_t n = 0;
    if ((*rc = store_exec_list(e->st, &rows, &n, err)) != CAIRN_OK)
        return NULL;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *j = status_json(&rows[i]);
        if (!j || !cJSON_AddItemToArray(a, j)) {
            cJSON_Delete(j);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    store_execs_free(rows, n);
    return a ? a : nomem(rc, err);
}
