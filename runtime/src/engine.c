/*
 * engine.c — the engine object (DESIGN §5): opens the store, holds the
 * host's workflow table and the one clock, takes leases (and frees those
 * of dead local processes), starts executions, runs one invocation of one
 * (engine_invoke: lease, then replay.c), drives an execution to its end,
 * finds what is due, and the idle wait of workers. The SQLite engine: the
 * journal of an invocation is journal_sqlite.c over its store.
 *
 * Owns: the engine (store, clock, workflow table, wake pipe).
 * Never: runs an invocation without holding the execution's lease; replays
 * an execution with code other than the definition it is pinned to; leaves
 * an invocation without an outcome (ended, suspended, or an error returned
 * to the caller).
 */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "group.h"
#include "hook.h"
#include "journal_events.h"
#include "ids.h"
#include "mem.h"
#include "schema.h"
#include "store.h"
#include "watch.h"
#include "engine_impl.h"
#include "journal.h"
#include "replay.h"

/* How long an invocation's lease lasts (real time) before another process
 * may take the execution over; renewed at each checkpoint past its half.
 * $CAIRN_LEASE_MS overrides it (tests of crashed workers). */
#define LEASE_MS_DEFAULT 60000

/* How often an idle worker looks at the store's data_version for commits of
 * other connections when it has no watch to sleep on (watch.h). */
#define WATCH_MS 2

/* While a lease is held elsewhere, how long an idle worker sleeps at most
 * before it looks for a dead local holder to free (reap_dead_leases). */
#define REAP_MS 1000

/* ------------------------------------------------------------------------ */
/* Engine                                                                    */
/* ------------------------------------------------------------------------ */

int engine_open(engine **out, const char *db_path, const cairn_workflow *const *wfs, size_t n,
                cairn_error *err)
{
    *out = NULL;
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
    e->lease_until = -1;
    *out = e;
    return CAIRN_OK;
}

int engine_open_like(engine **out, const engine *like, cairn_error *err)
{
    int rc = engine_open(out, store_path(like->st), (const cairn_workflow *const *)like->wfs,
                         like->nwfs, err);
    if (rc == CAIRN_OK)
        (*out)->clk = like->clk;
    return rc;
}

const char *engine_store_path(const engine *e)
{
    return store_path(e->st);
}

void engine_set_group(engine *e, struct group *g)
{
    e->group = g;
}

void engine_close(engine *e)
{
    if (!e)
        return;
    store_close(e->st);
    watch_close(e->watch);
    hook_lua_release(); /* the Lua states this thread kept for hooks */
    close(e->wake_pipe[0]);
    close(e->wake_pipe[1]);
    http_set_cleanup(&e->hs);
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
    dead_lease *v = mem_grow(r->v, &r->cap, r->n + 1, sizeof *v);
    if (!v)
        return; /* best effort: the lease still runs out */
    r->v = v;
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

static const cairn_workflow *find_workflow(const engine *e, const char *name)
{
    for (size_t i = 0; i < e->nwfs; i++)
        if (strcmp(e->wfs[i]->name, name) == 0)
            return e->wfs[i];
    return NULL;
}

int engine_holds_definition(const engine *e, const char *workflow, const char *sha256)
{
    if (e->nwfs == 0)
        return -1;
    const cairn_workflow *wf = find_workflow(e, workflow);
    return wf && strcmp(wf->sha256, sha256) == 0;
}

/* ------------------------------------------------------------------------ */
/* JSON text                                                                 */
/* ------------------------------------------------------------------------ */

static cJSON json_null = {.type = cJSON_NULL};

/* Compact JSON text of v (NULL: "null"); free with cJSON_free(), as everything cJSON prints. */
char *engine_json_text(const cJSON *v)
{
    return cJSON_PrintUnformatted(v ? v : &json_null);
}

char *engine_error_text(const cairn_error *e)
{
    cJSON *j = err_to_json(e);
    char *t = j ? engine_json_text(j) : NULL;
    cJSON_Delete(j);
    return t;
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
    if (!(input_text = engine_json_text(input))) {
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
        .status = STORE_RUNNING,
        .input = input_text,
        .created_at = now,
        .updated_at = now,
        .ended_at = STORE_NO_TIME,
        .wake_at = now,
        .timeout_at = wf->timeout_ms > 0 ? now + wf->timeout_ms : STORE_NO_TIME,
    };
    if ((rc = journal_sqlite_begin(e->st, &r, err)) != CAIRN_OK ||
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

/* One invocation of execution id (engine_invoke). */
static int invoke_once(engine *e, const char *id, cairn_error *err)
{
    store_exec row;
    int rc = store_exec_get(e->st, id, &row, err);
    if (rc != CAIRN_OK)
        return rc;
    if (store_status_ended(row.status)) {
        err_set(err, "Execution.Conflict", "execution %s has already ended (%s)", id,
                store_status_name(row.status));
        rc = CAIRN_ERR_CONFLICT;
        goto done;
    }
    const cairn_workflow *wf = find_workflow(e, row.workflow);
    if (!wf) {
        err_set(err, "Definition.Missing",
                "execution %s is pinned to workflow '%s' (definition sha256 %s), which this "
                "host does not hold; run it with the host built from that definition",
                id, row.workflow, row.definition_sha256);
        rc = CAIRN_ERR_DEFINITION;
        goto done;
    }
    if (strcmp(wf->sha256, row.definition_sha256) != 0) {
        err_set(err, "Definition.Mismatch",
                "execution %s is pinned to workflow '%s' with definition sha256 %s, but this "
                "host holds sha256 %s; it is never replayed with other code: run it with the "
                "host built from its definition",
                id, row.workflow, row.definition_sha256, wf->sha256);
        rc = CAIRN_ERR_DEFINITION;
        goto done;
    }
    /* One invocation at a time: take the lease, or leave it to its holder. */
    int64_t until;
    if (e->group)
        group_write_lock(e->group);
    rc = take_lease(e, id, &until, err);
    if (e->group)
        group_write_unlock(e->group);
    if (rc != CAIRN_OK)
        goto done;
    journal_sqlite js;
    journal_sqlite_init(&js, e->st, &row, e->owner, e->lease_ms, until);
    js.group = e->group;
    js.wfs = e->wfs;
    js.nwfs = e->nwfs;
    if (e->group)
        group_enter(e->group);
    http_set_begin(&e->hs);
    rc = replay_invoke(&js.j, wf, &e->clk, &e->hs, err);
    if (e->group)
        group_leave(e->group);
    journal_sqlite_cleanup(&js);
    if (rc != CAIRN_OK) { /* an execution that ended or suspended has freed it already */
        cairn_error ignored;
        err_init(&ignored);
        if (e->group)
            group_write_lock(e->group);
        store_exec_release(e->st, id, e->owner, &ignored);
        if (e->group)
            group_write_unlock(e->group);
        err_cleanup(&ignored);
    }
done:
    store_exec_cleanup(&row);
    return rc;
}

int engine_invoke(engine *e, const char *id, cairn_error *err)
{
    /* An invocation that made its branches' HTTP calls suspended until they
     * were made: the next one, at once, journals what they answered. */
    http_set_cleanup(&e->hs);
    int rc;
    do
        rc = invoke_once(e, id, err);
    while (rc == CAIRN_OK && e->hs.fresh);
    http_set_cleanup(&e->hs);
    return rc;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mem_free(ids[i]);
    mem_free(ids);
}

/*
 * The live executions of the tree under root (root, the children its
 * `invoke`s started, theirs, ...), into *ids (each and the array freed with
 * mem_free), *n. A bound on the depth keeps a cycle of parents from looping.
 */
static int drive_tree(engine *e, const char *root, char ***ids, size_t *n, cairn_error *err)
{
    size_t len = 0, cap = 0;
    int rc = CAIRN_OK;
    char **v = mem_grow(NULL, &cap, 1, sizeof *v);
    if (!v || !(v[0] = mem_strdup(root)))
        goto nomem;
    len = 1;
    for (size_t i = 0; i < len && len < 100000; i++) {
        char **kids = NULL;
        size_t nkids = 0;
        if ((rc = store_exec_children(e->st, v[i], &kids, &nkids, err)) != CAIRN_OK)
            goto fail;
        char **nv = mem_grow(v, &cap, len + nkids, sizeof *nv);
        if (!nv) {
            free_ids(kids, nkids);
            goto nomem;
        }
        v = nv;
        for (size_t k = 0; k < nkids; k++) /* kids is NULL when there are none */
            v[len++] = kids[k];
        mem_free(kids);
    }
    *ids = v;
    *n = len;
    return CAIRN_OK;
nomem:
    err_set(err, "Cairn.NoMemory", "out of memory");
    rc = CAIRN_ERR_NOMEM;
fail:
    free_ids(v, len);
    return rc;
}

/*
 * Drives id and the children its `invoke`s start (and theirs), as a worker
 * would with only these: the one due first runs next, so a child that ends
 * wakes its caller before the caller's own timeout. Stops once id has ended,
 * or nothing of the tree is due (with skip-time: nothing ever will be).
 */
int engine_drive(engine *e, const char *id, cairn_error *err)
{
    for (;;) {
        store_exec row;
        int rc = store_exec_get(e->st, id, &row, err);
        if (rc != CAIRN_OK)
            return rc;
        int over = store_status_ended(row.status);
        store_exec_cleanup(&row);
        if (over)
            return CAIRN_OK;
        char **ids = NULL;
        size_t n = 0;
        if ((rc = drive_tree(e, id, &ids, &n, err)) != CAIRN_OK)
            return rc;
        const char *next = NULL;
        int64_t wake = STORE_NO_TIME;
        for (size_t i = 0; i < n && rc == CAIRN_OK; i++) {
            rc = store_exec_get(e->st, ids[i], &row, err);
            if (rc == CAIRN_OK && !store_status_ended(row.status) && row.wake_at != STORE_NO_TIME &&
                (wake == STORE_NO_TIME || row.wake_at < wake)) {
                wake = row.wake_at;
                next = ids[i];
            }
            if (rc == CAIRN_OK)
                store_exec_cleanup(&row);
        }
        if (rc == CAIRN_OK && !next) {
            free_ids(ids, n);
            return CAIRN_OK;
        }
        if (rc == CAIRN_OK && wake > engine_now(e)) {
            if (!e->clk.skip) {
                free_ids(ids, n);
                return CAIRN_OK;
            }
            engine_advance_clock(e, wake);
        }
        if (rc == CAIRN_OK)
            rc = engine_invoke(e, next, err);
        /* a child this host cannot run, or that another process runs, is left to a worker */
        if (rc != CAIRN_OK && strcmp(next ? next : id, id) != 0 &&
            (rc == CAIRN_ERR_DEFINITION || rc == CAIRN_ERR_CONFLICT)) {
            free_ids(ids, n);
            return CAIRN_OK;
        }
        free_ids(ids, n);
        if (rc != CAIRN_OK)
            return rc;
    }
}

int engine_next_due(engine *e, const char *const *skip, char **id_out, int64_t *next_wake,
                    cairn_error *err)
{
    int64_t real = clock_real_ms();
    if (real - e->reaped_at >= 1000)
        reap_dead_leases(e);
    return store_next_due(e->st, engine_now(e), real, skip, id_out, next_wake, &e->lease_until,
                          err);
}

/* ------------------------------------------------------------------------ */
/* Waiting for work                                                          */
/* ------------------------------------------------------------------------ */

/* Empties the wake pipe; 1 if anything was in it. */
static int take_pokes(engine *e)
{
    char buf[64];
    int any = 0;
    while (read(e->wake_pipe[0], buf, sizeof buf) > 0)
        any = 1;
    return any;
}

/* Reads the watch's events; a watch that is over is dropped (polling from then on). */
static void drain_watch(engine *e)
{
    if (e->watch && watch_drain(e->watch) < 0) {
        watch_close(e->watch);
        e->watch = NULL;
    }
}

/*
 * The order is what makes it safe: events are read (and dropped) before the
 * data_version is looked at, so a commit not yet visible then touches the WAL
 * after that read, and that touch ends the poll.
 */
int engine_wait_change(engine *e, int64_t max_ms)
{
    int64_t now = clock_real_ms();
    int64_t end = max_ms >= 0 ? now + max_ms : -1;
    /* A lease held elsewhere ends with a commit, which wakes us, or with its
     * holder's death or its running out, which do not. */
    if (e->lease_until >= 0) {
        int64_t t = e->lease_until < now + REAP_MS ? e->lease_until : now + REAP_MS;
        if (end < 0 || t < end)
            end = t;
    }
    if (!e->watch_tried) {
        e->watch_tried = 1;
        e->watch = watch_open(store_file(e->st));
    }
    drain_watch(e);
    for (;;) {
        int64_t v = store_data_version(e->st);
        if (v != e->data_version) {
            e->data_version = v;
            return 1;
        }
        int64_t left = end < 0 ? -1 : end - clock_real_ms();
        if (end >= 0 && left <= 0)
            return 0;
        int timeout;
        if (!e->watch)
            timeout = left >= 0 && left < WATCH_MS ? (int)left : WATCH_MS;
        else
            timeout = left < 0 ? -1 : left > INT_MAX ? INT_MAX : (int)left;
        struct pollfd p[2] = {{.fd = e->wake_pipe[0], .events = POLLIN},
                              {.fd = e->watch ? watch_fd(e->watch) : -1, .events = POLLIN}};
        int n = poll(p, 2, timeout);
        if (n < 0 && errno == EINTR)
            return 0; /* a signal: the caller looks at its flags */
        if (n > 0 && p[0].revents && take_pokes(e))
            return 1;
        if (n > 0 && p[1].revents)
            drain_watch(e); /* then look at the data_version again */
    }
}

void engine_poke(engine *e)
{
    ssize_t n = write(e->wake_pipe[1], "!", 1);
    (void)n; /* a full pipe is already a pending wake-up */
}

int engine_wake_fd(engine *e)
{
    return e->wake_pipe[1];
}
