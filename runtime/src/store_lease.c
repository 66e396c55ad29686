/*
 * store_lease.c — the SQLite store's leases (one invocation of an execution
 * at a time, taken over when its holder dies), pokes, stops, and what is due next.
 * Owns nothing past one call. Never decides anything about executions (that
 * is the engine's), and never leaves a transaction open after an error.
 */
#include "store.h"
#include "store_impl.h"

#include <string.h>

#include "mem.h"

/*
 * A lease is a liveness hint, not a result: outside a transaction it is
 * committed without its own fsync (the next durable commit syncs it with the
 * rest of the WAL). Losing it in a crash only means it was never taken.
 */
static int run_lease_stmt(store *s, int which, const char *what, cairn_error *err)
{
    int own_tx = sqlite3_get_autocommit(s->db);
    if (own_tx)
        sqlite3_exec(s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    int rc = store_run_stmt(s, which, what, err);
    if (own_tx)
        sqlite3_exec(s->db,
                     s->relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", NULL,
                     NULL, NULL);
    return rc;
}

/* ST_CLAIM or ST_TAKE: the lease of id for owner until `until`, if free at now or already ours. */
static int take_lease(store *s, int which, const char *id, const char *owner, int64_t until,
                      int64_t now, cairn_error *err)
{
    sqlite3_stmt *q = s->st[which];
    store_bind_text(q, 1, id);
    store_bind_text(q, 2, owner);
    sqlite3_bind_int64(q, 3, until);
    sqlite3_bind_int64(q, 4, now);
    int rc = run_lease_stmt(s, which, "cannot take the lease of an execution", err);
    if (rc == CAIRN_OK && sqlite3_changes(s->db) == 0) {
        err_set(err, "Execution.Busy",
                "execution %s is being run by another process (or has ended); it is left to it",
                id);
        rc = CAIRN_ERR_CONFLICT;
    }
    return rc;
}

int store_exec_claim(store *s, const char *id, const char *owner, int64_t until, int64_t now,
                     cairn_error *err)
{
    return take_lease(s, ST_CLAIM, id, owner, until, now, err);
}

int store_exec_take(store *s, const char *id, const char *owner, int64_t until, int64_t now,
                    cairn_error *err)
{
    return take_lease(s, ST_TAKE, id, owner, until, now, err);
}

int store_exec_poke(store *s, const char *id, int64_t now, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_POKE];
    store_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    return store_run_stmt(s, ST_POKE, "cannot wake an execution", err);
}

int store_exec_stop(store *s, const char *id, const char *error, int64_t now, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_STOP];
    store_bind_text(q, 1, id);
    store_bind_text(q, 2, error);
    sqlite3_bind_int64(q, 3, now);
    int rc = store_run_stmt(s, ST_EXEC_STOP, "cannot stop an execution", err);
    if (rc == CAIRN_OK && sqlite3_changes(s->db) == 0) {
        err_set(err, "Execution.Conflict", "execution %s has already ended", id);
        rc = CAIRN_ERR_CONFLICT;
    }
    return rc;
}

int store_exec_live(store *s, const char *id, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_LIVE];
    store_bind_text(q, 1, id);
    int step = sqlite3_step(q);
    store_done_stmt(q);
    if (step == SQLITE_ROW)
        return CAIRN_OK;
    if (step != SQLITE_DONE)
        return store_db_fail(s, err, "cannot read an execution");
    err_set(err, "Execution.Conflict",
            "execution %s was stopped or ended by another process meanwhile; this invocation "
            "stops without writing",
            id);
    return CAIRN_ERR_CONFLICT;
}

int store_exec_release(store *s, const char *id, const char *owner, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_RELEASE];
    store_bind_text(q, 1, id);
    store_bind_text(q, 2, owner);
    int rc = run_lease_stmt(s, ST_RELEASE, "cannot free the lease of an execution", err);
    /* Outside a transaction it is its own commit: the execution may be due for others. */
    if (rc == CAIRN_OK && sqlite3_changes(s->db) > 0 && sqlite3_get_autocommit(s->db))
        store_notify(s);
    return rc;
}

int store_leases(store *s, int64_t now, store_lease_fn fn, void *arg, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_LEASES];
    sqlite3_bind_int64(q, 1, now);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        const char *owner = (const char *)sqlite3_column_text(q, 1);
        if (id && owner)
            fn(arg, id, owner);
    }
    int rc = step == SQLITE_DONE ? CAIRN_OK : store_db_fail(s, err, "cannot read the leases");
    store_done_stmt(q);
    return rc;
}

static int in_list(const char *id, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(id, *list) == 0)
            return 1;
    return 0;
}

int store_next_due(store *s, int64_t now, int64_t real_now, const char *const *skip, char **id_out,
                   int64_t *next_wake, int64_t *lease_until, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_DUE];
    int step, found = 0;
    *id_out = NULL;
    *next_wake = -1;
    if (lease_until)
        *lease_until = -1;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        int64_t wake = sqlite3_column_int64(q, 1);
        if (!id || in_list(id, skip))
            continue;
        if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
            int64_t until = sqlite3_column_int64(q, 2);
            if (until > real_now) { /* run elsewhere now: not due while its lease lasts */
                if (lease_until && (*lease_until < 0 || until < *lease_until))
                    *lease_until = until;
                continue;
            }
        }
        if (wake <= now) {
            if (!(*id_out = mem_strdup(id))) {
                store_done_stmt(q);
                err_set(err, "Store.Error", "%s: out of memory", s->path);
                return -1;
            }
            found = 1;
        } else {
            *next_wake = wake;
        }
        break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        store_db_fail(s, err, "cannot find due executions");
        store_done_stmt(q);
        return -1;
    }
    store_done_stmt(q);
    return found;
}
