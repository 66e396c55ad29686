/*
 * journal_sqlite.c — the SQLite journal backend (journal.h) over store.c:
 * one execution's rows, each append one transaction, with the history
 * events its updates cause (journal_events.c) in the same transaction; or,
 * under a worker's group commit (group.c), one part of a transaction shared
 * with other executions' appends.
 *
 * Owns: the operations it loaded, freed by journal_sqlite_cleanup.
 * Never: commits part of an append; writes an operation that is no longer as
 * the engine last saw it (store_op_write expects its status and attempt);
 * leaves a transaction open when it returns.
 */
#include "journal.h"

#include <string.h>

#include "clock.h"
#include "group.h"
#include "journal_events.h"
#include "mem.h"

static int sqlite_load(journal *j, const store_exec **exec, const store_op **ops, size_t *n,
                       cairn_error *err)
{
    journal_sqlite *js = (journal_sqlite *)j;
    if (!js->ops) {
        int rc = store_ops_load_live(js->st, js->exec->id, &js->ops, &js->nops, &j->last_seq, err);
        if (rc != CAIRN_OK)
            return rc;
    }
    *exec = js->exec;
    *ops = js->ops;
    *n = js->nops;
    return CAIRN_OK;
}

/*
 * The execution row, and when it ends its EXECUTION operation "0" and its
 * callbacks (the callback API refuses them from now on).
 */
static int write_end(journal_sqlite *js, store *st, const journal_end *end, cairn_error *err)
{
    const store_exec *x = js->exec;
    int ends = store_status_ended(end->status);
    store_exec r = *x;
    r.mem = NULL;
    r.status = end->status;
    r.result = end->result;
    r.error = end->error;
    r.updated_at = end->at;
    r.ended_at = ends ? end->at : STORE_NO_TIME;
    r.wake_at = ends ? STORE_NO_TIME : end->wake_at;
    int rc = store_exec_update(st, &r, err);
    if (rc == CAIRN_OK && ends) {
        store_op o = {
            .seq = 0,
            .id = "0",
            .name = x->workflow,
            .type = STORE_OP_EXECUTION,
            .status = end->status,
            .result = end->result,
            .error = end->error,
            .started_at = x->created_at,
            .ended_at = end->at,
            .next_attempt_at = STORE_NO_TIME,
            .timeout_at = x->timeout_at,
            .heartbeat_at = STORE_NO_TIME,
        };
        rc = store_op_put(st, x->id, &o, err);
    }
    if (rc == CAIRN_OK && ends)
        rc = store_callbacks_close(st, x->id, end->at, err);
    /* an invoked child that ends makes its caller due now: it reads the outcome */
    if (rc == CAIRN_OK && ends && x->parent_id)
        rc = store_exec_poke(st, x->parent_id, end->at, err);
    if (rc == CAIRN_OK)
        rc = journal_events_end(st, x, end, err);
    return rc;
}

static const cairn_workflow *find_workflow(const journal_sqlite *js, const char *name)
{
    for (size_t i = 0; name && i < js->nwfs; i++)
        if (strcmp(js->wfs[i]->name, name) == 0)
            return js->wfs[i];
    return NULL;
}

int journal_sqlite_begin(store *st, const store_exec *r, cairn_error *err)
{
    store_op o = {
        .seq = 0,
        .id = "0",
        .name = r->workflow,
        .type = STORE_OP_EXECUTION,
        .status = STORE_STARTED,
        .result = r->input,
        .started_at = r->created_at,
        .ended_at = STORE_NO_TIME,
        .next_attempt_at = STORE_NO_TIME,
        .timeout_at = r->timeout_at,
        .heartbeat_at = STORE_NO_TIME,
    };
    int rc = store_exec_insert(st, r, err);
    if (rc == CAIRN_OK)
        rc = store_op_put(st, r->id, &o, err);
    if (rc == CAIRN_OK)
        rc = journal_events_started(st, r, err);
    return rc;
}

/*
 * The child execution the START of a CHAINED_INVOKE starts (u->invoke), with
 * its parent set, in the append's transaction; nothing when it exists
 * already (its id is derived from the caller's and the operation's).
 */
static int start_child(journal_sqlite *js, store *st, const journal_update *u, cairn_error *err)
{
    const journal_invoke *c = &u->invoke;
    const cairn_workflow *wf = find_workflow(js, c->workflow);
    if (!wf) {
        err_set(err, "Workflow.NotFound", "no workflow named '%s' in this host",
                c->workflow ? c->workflow : "");
        return CAIRN_ERR_NOT_FOUND;
    }
    store_exec old;
    int rc = store_exec_get(st, c->id, &old, err);
    store_exec_cleanup(&old);
    if (rc != CAIRN_ERR_NOT_FOUND)
        return rc; /* CAIRN_OK: started before */
    err_cleanup(err);
    int64_t now = u->op.started_at;
    store_exec r = {
        .id = c->id,
        .workflow = wf->name,
        .version = wf->version,
        .definition_sha256 = wf->sha256,
        .status = STORE_RUNNING,
        .input = c->input ? c->input : "null",
        .created_at = now,
        .updated_at = now,
        .ended_at = STORE_NO_TIME,
        .wake_at = now,
        .timeout_at = wf->timeout_ms > 0 ? now + wf->timeout_ms : STORE_NO_TIME,
        .lease_until = STORE_NO_TIME,
        .parent_id = js->exec->id,
        .parent_op_id = u->op.id,
    };
    return journal_sqlite_begin(st, &r, err);
}

int journal_sqlite_apply(journal_sqlite *js, store *st, const journal_update *u, size_t n,
                         const journal_end *end, int64_t *renew_to, cairn_error *err)
{
    int rc = CAIRN_OK;
    int64_t real = clock_real_ms();
    *renew_to = 0;
    if (!end && js->lease_until - real < js->lease_ms / 2) {
        *renew_to = real + js->lease_ms;
        rc = store_exec_claim(st, js->exec->id, js->owner, *renew_to, real, err);
    } else if (n > 0) {
        /* stopped from outside meanwhile (store_exec_stop): write nothing more */
        rc = store_exec_live(st, js->exec->id, err);
    }
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        rc = store_op_write(st, js->exec->id, &u[i].op, u[i].expect_status, u[i].expect_attempt,
                            err);
        if (rc == CAIRN_OK && u[i].invoke.id && u[i].action == JOURNAL_START)
            rc = start_child(js, st, &u[i], err);
        if (rc == CAIRN_OK)
            rc = journal_events_update(st, js->exec->id, &u[i], end ? end->at : STORE_NO_TIME, err);
    }
    if (rc == CAIRN_OK && end)
        rc = write_end(js, st, end, err);
    return rc;
}

static int sqlite_append(journal *j, const journal_update *u, size_t n, const journal_end *end,
                         cairn_error *err)
{
    journal_sqlite *js = (journal_sqlite *)j;
    if (js->group)
        return group_append(js->group, js, u, n, end, err);
    store *st = js->st;
    int64_t renew_to = 0;
    int rc = store_begin(st, err);
    if (rc == CAIRN_OK)
        rc = journal_sqlite_apply(js, st, u, n, end, &renew_to, err);
    if (rc == CAIRN_OK)
        rc = store_commit(st, err);
    if (rc != CAIRN_OK) {
        store_rollback(st);
        return rc;
    }
    if (renew_to)
        js->lease_until = renew_to;
    return CAIRN_OK;
}

static int sqlite_refresh(journal *j, const char *op_id, store_op *out, cairn_error *err)
{
    journal_sqlite *js = (journal_sqlite *)j;
    return store_op_get(js->st, js->exec->id, op_id, out, err);
}

static const cairn_workflow *sqlite_workflow(journal *j, const char *name)
{
    return find_workflow((journal_sqlite *)j, name);
}

static int sqlite_execution(journal *j, const char *id, store_exec *out, cairn_error *err)
{
    return store_exec_get(((journal_sqlite *)j)->st, id, out, err);
}

static const journal_ops sqlite_ops = {
    .load = sqlite_load,
    .append = sqlite_append,
    .refresh = sqlite_refresh,
    .workflow = sqlite_workflow,
    .execution = sqlite_execution,
};

void journal_sqlite_init(journal_sqlite *js, store *st, const store_exec *exec, const char *owner,
                         int64_t lease_ms, int64_t lease_until)
{
    memset(js, 0, sizeof *js);
    js->j.ops = &sqlite_ops;
    js->j.name = store_path(st);
    js->st = st;
    js->exec = exec;
    js->owner = owner;
    js->lease_ms = lease_ms;
    js->lease_until = lease_until;
}

void journal_sqlite_cleanup(journal_sqlite *js)
{
    store_ops_free(js->ops, js->nops);
    js->ops = NULL;
    js->nops = 0;
}
