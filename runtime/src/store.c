/*
 * store.c — the SQLite store: opening (the schema: store_schema.c), prepared
 * statements, rows in and out (leases and next-due: store_lease.c; events:
 * store_events.c). Owns the connection and its statements. Never decides
 * anything about executions (that is the engine's), never changes a file it
 * refuses, and never leaves a transaction open after an error it reports.
 */
#include "store.h"
#include "store_impl.h"
#include "watch.h"

#include "fault.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of each status and type in SQL: the one place it is spelled. */
static const char *const status_names[] = {
    [STORE_NONE] = "",           [STORE_RUNNING] = "RUNNING",     [STORE_STARTED] = "STARTED",
    [STORE_PENDING] = "PENDING", [STORE_READY] = "READY",         [STORE_SUCCEEDED] = "SUCCEEDED",
    [STORE_FAILED] = "FAILED",   [STORE_TIMED_OUT] = "TIMED_OUT", [STORE_CANCELLED] = "CANCELLED",
    [STORE_STOPPED] = "STOPPED",
};

static const char *const type_names[] = {
    [STORE_OP_EXECUTION] = "EXECUTION", [STORE_OP_STEP] = "STEP",
    [STORE_OP_WAIT] = "WAIT",           [STORE_OP_CALLBACK] = "CALLBACK",
    [STORE_OP_CONTEXT] = "CONTEXT",     [STORE_OP_CHAINED_INVOKE] = "CHAINED_INVOKE",
};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

const char *store_status_name(store_status s)
{
    return (size_t)s < COUNT(status_names) ? status_names[s] : "";
}

const char *store_op_type_name(store_op_type t)
{
    return (size_t)t < COUNT(type_names) ? type_names[t] : "";
}

int store_status_ended(store_status s)
{
    return s == STORE_SUCCEEDED || s == STORE_FAILED || s == STORE_TIMED_OUT || s == STORE_STOPPED;
}

/* The index in names[first..n) of column col's text: -1 when it names none
 * (or is NULL), -2 when out of memory. */
static int column_enum(sqlite3_stmt *q, int col, const char *const *names, size_t n, int first)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    if (!t)
        return sqlite3_column_type(q, col) == SQLITE_NULL ? -1 : -2;
    size_t len = (size_t)sqlite3_column_bytes(q, col);
    /* Loading a long journal compares one of these per row: length and first letter first. */
    for (size_t i = (size_t)first; i < n; i++)
        if (names[i][0] == t[0] && strncmp(t, names[i], len) == 0 && names[i][len] == '\0')
            return (int)i;
    return -1;
}

#define EXEC_COLUMNS                                                                               \
    "id, workflow, version, definition_sha256, name, status, input, result, error, "               \
    "created_at, updated_at, ended_at, wake_at, timeout_at, lease_owner, lease_until, parent_id, " \
    "parent_op_id"
#define OP_COLUMNS                                                                                 \
    "seq, id, parent_id, name, type, sub_type, status, attempt, result, error, started_at, "       \
    "ended_at, next_attempt_at, callback_id, timeout_at, heartbeat_at, heartbeat_ms, "             \
    "result_mode, "                                                                                \
    "end_seq"

static const char *const statements[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT one",
    [ST_SAVEPOINT_RELEASE] = "RELEASE one",
    [ST_ROLLBACK_TO] = "ROLLBACK TO one",
    [ST_EXEC_INSERT] =
        "INSERT INTO executions (" EXEC_COLUMNS ") "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [ST_EXEC_GET] = "SELECT " EXEC_COLUMNS " FROM executions WHERE id = ?1",
    [ST_EXEC_FIND_NAME] = "SELECT id FROM executions WHERE workflow = ?1 AND name = ?2",
    [ST_EXEC_UPDATE] =
        "UPDATE executions SET status = ?2, result = ?3, error = ?4, "
        "updated_at = ?5, ended_at = ?6, lease_owner = NULL, lease_until = NULL, "
        /* a poke during the invocation makes a suspended execution due now */
        "wake_at = CASE WHEN poked = 1 AND ?6 IS NULL THEN ?5 ELSE ?7 END, poked = 0 "
        "WHERE id = ?1 AND status IN ('RUNNING', 'PENDING')",
    [ST_EXEC_LIST] = "SELECT " EXEC_COLUMNS " FROM executions ORDER BY created_at DESC, rowid DESC",
    [ST_DUE] = "SELECT id, wake_at, lease_until FROM executions "
               "WHERE status IN ('RUNNING', 'PENDING') AND wake_at IS NOT NULL ORDER BY wake_at",
    /* Takes or renews the lease: free, expired, or already ours. */
    [ST_CLAIM] = "UPDATE executions SET lease_owner = ?2, lease_until = ?3 "
                 "WHERE id = ?1 AND status IN ('RUNNING', 'PENDING') "
                 "AND (lease_until IS NULL OR lease_until <= ?4 OR lease_owner = ?2)",
    [ST_RELEASE] = "UPDATE executions SET lease_owner = NULL, lease_until = NULL "
                   "WHERE id = ?1 AND lease_owner = ?2",
    [ST_LEASES] = "SELECT id, lease_owner FROM executions WHERE status IN ('RUNNING', 'PENDING') "
                  "AND lease_owner IS NOT NULL AND lease_until > ?1",
    [ST_OP_PUT] = "INSERT INTO operations (execution_id, " OP_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                  "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?22) "
                  "ON CONFLICT (execution_id, id) DO UPDATE SET parent_id = excluded.parent_id, "
                  "name = excluded.name, type = excluded.type, sub_type = excluded.sub_type, "
                  "status = excluded.status, attempt = excluded.attempt, "
                  "result = excluded.result, error = excluded.error, "
                  "started_at = excluded.started_at, ended_at = excluded.ended_at, "
                  "next_attempt_at = excluded.next_attempt_at, "
                  "callback_id = excluded.callback_id, timeout_at = excluded.timeout_at, "
                  "heartbeat_at = excluded.heartbeat_at, heartbeat_ms = excluded.heartbeat_ms, "
                  "result_mode = excluded.result_mode, end_seq = excluded.end_seq",
    [ST_OP_INSERT] =
        "INSERT INTO operations (execution_id, " OP_COLUMNS ") VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?22)",
    [ST_OP_UPDATE] = "UPDATE operations SET parent_id = ?4, name = ?5, type = ?6, sub_type = ?7, "
                     "status = ?8, attempt = ?9, result = ?10, error = ?11, started_at = ?12, "
                     "ended_at = ?13, next_attempt_at = ?14, callback_id = ?15, "
                     "timeout_at = ?16, heartbeat_at = ?17, heartbeat_ms = ?18, result_mode = ?19, "
                     "end_seq = ?22 "
                     "WHERE execution_id = ?1 AND id = ?3 AND status = ?20 AND attempt IS ?21",
    /* A range scan of the primary key, which holds the rows; sorted by seq in C. */
    [ST_OPS_LOAD] = "SELECT " OP_COLUMNS " FROM operations NOT INDEXED WHERE execution_id = ?1",
    /* in id order: a context's operations ("4-1", "4-1-2") come right after
     * it, and all of them sort before "4." (ids are digits and dashes) */
    [ST_OPS_LOAD_LIVE] =
        "SELECT " OP_COLUMNS " FROM operations WHERE execution_id = ?1 AND id >= ?2 ORDER BY id",
    [ST_OPS_MAX_SEQ] = "SELECT max(seq) FROM operations WHERE execution_id = ?1",
    /* A new invocation takes the lease: pokes before it are in the journal it reads next. */
    [ST_TAKE] = "UPDATE executions SET lease_owner = ?2, lease_until = ?3, poked = 0 "
                "WHERE id = ?1 AND status IN ('RUNNING', 'PENDING') "
                "AND (lease_until IS NULL OR lease_until <= ?4 OR lease_owner = ?2)",
    [ST_POKE] = "UPDATE executions SET poked = 1, "
                "wake_at = CASE WHEN wake_at IS NULL OR wake_at > ?2 THEN ?2 ELSE wake_at END "
                "WHERE id = ?1 AND status IN ('RUNNING', 'PENDING')",
    [ST_OP_GET] = "SELECT " OP_COLUMNS " FROM operations WHERE execution_id = ?1 AND id = ?2",
    [ST_CB_FIND] = "SELECT execution_id, id FROM operations WHERE callback_id = ?1",
    [ST_CB_CLOSE_ALL] = "UPDATE operations SET status = 'CANCELLED', ended_at = ?2 "
                        "WHERE execution_id = ?1 AND type = 'CALLBACK' AND status = 'STARTED'",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_EVENT_ADD] = NULL, /* store_events.c's, set by store_open */
    [ST_EVENTS_LOAD] = NULL,
    [ST_EXEC_STOP] = "UPDATE executions SET status = 'STOPPED', error = ?2, updated_at = ?3, "
                     "ended_at = ?3, wake_at = NULL, lease_owner = NULL, lease_until = NULL "
                     "WHERE id = ?1 AND status IN ('RUNNING', 'PENDING')",
    [ST_EXEC_LIVE] = "SELECT 1 FROM executions WHERE id = ?1 AND status IN ('RUNNING', 'PENDING')",
    [ST_EXEC_CHILDREN] = "SELECT id FROM executions WHERE parent_id = ?1 "
                         "AND status IN ('RUNNING', 'PENDING') ORDER BY created_at, rowid",
    /* A page of the list (serve's console), by the index executions_created. */
    [ST_EXEC_PAGE] = "SELECT " EXEC_COLUMNS " FROM executions "
                     "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR workflow = ?2) "
                     "ORDER BY created_at DESC, rowid DESC LIMIT ?3 OFFSET ?4",
    [ST_EXEC_COUNT] = "SELECT count(*) FROM executions "
                      "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR workflow = ?2)",
};

int store_db_fail(store *s, cairn_error *err, const char *what)
{
    err_set(err, "Store.Error", "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return CAIRN_ERR_STORE;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                      */
/* ------------------------------------------------------------------------ */

void store_exec_cleanup(store_exec *r)
{
    mem_free(r->mem);
    memset(r, 0, sizeof *r);
}

void store_op_cleanup(store_op *r)
{
    mem_free(r->mem);
    memset(r, 0, sizeof *r);
}

void store_ops_free(store_op *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_op_cleanup(&rows[i]);
    mem_free(rows);
}

void store_execs_free(store_exec *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_exec_cleanup(&rows[i]);
    mem_free(rows);
}

/* Copies the text columns cols[i] into one block; dst[i] = NULL for SQL NULL. */
static void *copy_texts(sqlite3_stmt *q, const int *cols, const char **dst[], size_t n)
{
    const unsigned char *text[16];
    size_t len[16], total = 1;
    for (size_t i = 0; i < n; i++) {
        text[i] = sqlite3_column_text(q, cols[i]); /* NULL for SQL NULL, or out of memory */
        if (!text[i] && sqlite3_column_type(q, cols[i]) != SQLITE_NULL)
            return NULL;
        len[i] = text[i] ? (size_t)sqlite3_column_bytes(q, cols[i]) : 0;
        total += len[i] + 1;
    }
    char *mem = mem_malloc(total);
    if (!mem)
        return NULL;
    char *p = mem;
    for (size_t i = 0; i < n; i++) {
        if (!text[i]) {
            *dst[i] = NULL;
            continue;
        }
        memcpy(p, text[i], len[i]);
        p[len[i]] = '\0';
        *dst[i] = p;
        p += len[i] + 1;
    }
    return mem;
}

static int64_t column_time(sqlite3_stmt *q, int col)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return STORE_NO_TIME;
    return sqlite3_column_int64(q, col);
}

static int read_exec(sqlite3_stmt *q, store_exec *r)
{
    memset(r, 0, sizeof *r);
    static const int cols[] = {0, 1, 3, 4, 6, 7, 8, 14, 16, 17};
    const char **dst[] = {
        &r->id,     &r->workflow, &r->definition_sha256, &r->name,      &r->input,
        &r->result, &r->error,    &r->lease_owner,       &r->parent_id, &r->parent_op_id};
    r->mem = copy_texts(q, cols, dst, sizeof cols / sizeof cols[0]);
    if (!r->mem)
        return -1;
    int status = column_enum(q, 5, status_names, COUNT(status_names), STORE_RUNNING);
    if (status == -2) {
        store_exec_cleanup(r);
        return -1;
    }
    if (!r->id || !r->workflow || !r->definition_sha256 || status < 0 || !r->input) {
        store_exec_cleanup(r);
        return -2; /* NULL in a NOT NULL column, or an unknown status: a damaged file */
    }
    r->status = (store_status)status;
    r->version = sqlite3_column_int(q, 2);
    r->created_at = column_time(q, 9);
    r->updated_at = column_time(q, 10);
    r->ended_at = column_time(q, 11);
    r->wake_at = column_time(q, 12);
    r->timeout_at = column_time(q, 13);
    r->lease_until = column_time(q, 15);
    return 0;
}

static int read_op(sqlite3_stmt *q, store_op *r)
{
    memset(r, 0, sizeof *r);
    static const int cols[] = {1, 2, 3, 5, 8, 9, 13, 17};
    const char **dst[] = {&r->id,     &r->parent_id, &r->name,        &r->sub_type,
                          &r->result, &r->error,     &r->callback_id, &r->result_mode};
    r->mem = copy_texts(q, cols, dst, sizeof cols / sizeof cols[0]);
    if (!r->mem)
        return -1;
    int type = column_enum(q, 4, type_names, COUNT(type_names), STORE_OP_EXECUTION);
    int status = column_enum(q, 6, status_names, COUNT(status_names), STORE_RUNNING);
    if (type == -2 || status == -2) {
        store_op_cleanup(r);
        return -1;
    }
    if (!r->id || type < 0 || status < 0) {
        store_op_cleanup(r);
        return -2; /* NULL in a NOT NULL column, or an unknown status: a damaged file */
    }
    r->type = (store_op_type)type;
    r->status = (store_status)status;
    r->seq = sqlite3_column_int64(q, 0);
    r->attempt = sqlite3_column_int(q, 7);
    r->started_at = column_time(q, 10);
    r->ended_at = column_time(q, 11);
    r->next_attempt_at = column_time(q, 12);
    r->timeout_at = column_time(q, 14);
    r->heartbeat_at = column_time(q, 15);
    r->heartbeat_ms = sqlite3_column_int64(q, 16);
    r->end_seq = sqlite3_column_int64(q, 18);
    return 0;
}

/* The error of read_exec / read_op returning bad (-1 out of memory, -2 a damaged row). */
static int read_fail(const store *s, int bad, cairn_error *err)
{
    if (bad == -2) {
        err_set(err, "Store.Error", "%s: the database is damaged (a row lacks a required value)",
                s->path);
        return CAIRN_ERR_STORE;
    }
    err_set(err, "Store.Error", "%s: out of memory", s->path);
    return CAIRN_ERR_NOMEM;
}

int store_bind_text(sqlite3_stmt *q, int i, const char *v)
{
    return v ? sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
}

int store_bind_time(sqlite3_stmt *q, int i, int64_t t)
{
    return t == STORE_NO_TIME ? sqlite3_bind_null(q, i) : sqlite3_bind_int64(q, i, t);
}

/* Resets q and clears its bindings, so no borrowed string outlives a call. */
void store_done_stmt(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

/* Runs a statement that returns no rows. */
int store_run_stmt(store *s, int which, const char *what, cairn_error *err)
{
    sqlite3_stmt *q = s->st[which];
    int rc = sqlite3_step(q);
    store_done_stmt(q);
    if (rc != SQLITE_DONE)
        return store_db_fail(s, err, what);
    return CAIRN_OK;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                   */
/* ------------------------------------------------------------------------ */

static int pragma(store *s, const char *sql, cairn_error *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_db_fail(s, err, sql);
    return CAIRN_OK;
}

/* How long store_open tries to make a new store WAL (its busy timeout). */
enum { BUSY_MS = 5000, WAL_RETRY_MS = 5 };

/*
 * A new store is made in rollback-journal mode, and the first of its openers
 * to get the file's exclusive lock switches it to WAL. Another opener asking
 * meanwhile holds a shared lock: SQLite answers it SQLITE_BUSY at once, not
 * after the busy timeout (waiting could deadlock). It asks again, and finds
 * the switch made. Once WAL, the pragma takes no lock.
 */
static int wal_mode(store *s, cairn_error *err)
{
    for (int waited = 0;; waited += WAL_RETRY_MS) {
        int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return CAIRN_OK;
        if (rc != SQLITE_BUSY || waited >= BUSY_MS)
            return store_db_fail(s, err, "PRAGMA journal_mode = WAL");
        sqlite3_sleep(WAL_RETRY_MS);
    }
}

int store_open(store **out, const char *path, cairn_error *err)
{
    *out = NULL;
    fault_init(); /* test builds only: faults if asked for ($CAIRN_FAULT); else a no-op */
    store *s = mem_calloc(1, sizeof *s);
    int rc = CAIRN_ERR_NOMEM;
    if (!s || !(s->path = mem_strdup(path))) {
        err_set(err, "Store.Error", "%s: out of memory", path);
        goto fail;
    }
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        err_set(err, "Store.Error", "%s: cannot open: %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        rc = CAIRN_ERR_STORE;
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 0);
    sqlite3_busy_timeout(s->db, BUSY_MS);

    if ((rc = store_schema_ready(s, err)) != CAIRN_OK)
        goto fail;

    const char *sync = getenv("CAIRN_SYNC");
    int relaxed = s->relaxed = sync && strcmp(sync, "normal") == 0;
    if ((rc = wal_mode(s, err)) != CAIRN_OK ||
        (rc = pragma(s, relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
                     err)) != CAIRN_OK ||
        (rc = pragma(s, "PRAGMA foreign_keys = ON", err)) != CAIRN_OK)
        goto fail;

    for (int i = 0; i < ST_COUNT; i++) {
        const char *sql = i == ST_EVENT_ADD     ? store_event_add_sql
                          : i == ST_EVENTS_LOAD ? store_events_load_sql
                                                : statements[i];
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK) {
            rc = store_db_fail(s, err, "cannot prepare a statement");
            goto fail;
        }
    }
    const char *file = sqlite3_db_filename(s->db, "main");
    if (file && *file) {
        size_t len = strlen(file);
        if (!(s->shm_path = mem_malloc(len + 5))) {
            err_set(err, "Store.Error", "%s: out of memory", path);
            rc = CAIRN_ERR_NOMEM;
            goto fail;
        }
        memcpy(s->shm_path, file, len);
        memcpy(s->shm_path + len, "-shm", 5);
    }
    *out = s;
    return CAIRN_OK;
fail:
    store_close(s);
    return rc;
}

void store_close(store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    mem_free(s->shm_path);
    mem_free(s->path);
    mem_free(s);
}

const char *store_path(const store *s)
{
    return s->path;
}

const char *store_file(store *s)
{
    return sqlite3_db_filename(s->db, "main");
}

void store_notify(store *s)
{
    watch_notify(s->shm_path);
}

sqlite3 *store_db(store *s)
{
    return s->db;
}

/* ------------------------------------------------------------------------ */
/* Transactions                                                              */
/* ------------------------------------------------------------------------ */

int store_begin(store *s, cairn_error *err)
{
    return store_run_stmt(s, ST_BEGIN, "cannot begin a transaction", err);
}

int store_commit(store *s, cairn_error *err)
{
    FAULT_KILL_POINT();
    int rc = store_run_stmt(s, ST_COMMIT, "cannot commit", err);
    FAULT_KILL_POINT();
    if (rc != CAIRN_OK)
        store_rollback(s);
    else
        store_notify(s);
    return rc;
}

void store_rollback(store *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_step(s->st[ST_ROLLBACK]);
        store_done_stmt(s->st[ST_ROLLBACK]);
    }
}

int store_savepoint(store *s, cairn_error *err)
{
    return store_run_stmt(s, ST_SAVEPOINT, "cannot open a savepoint", err);
}

int store_release(store *s, int undo, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (undo)
        rc = store_run_stmt(s, ST_ROLLBACK_TO, "cannot roll back to a savepoint", err);
    if (rc == CAIRN_OK)
        rc = store_run_stmt(s, ST_SAVEPOINT_RELEASE, "cannot release a savepoint", err);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Executions                                                                */
/* ------------------------------------------------------------------------ */

int store_exec_insert(store *s, const store_exec *r, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_INSERT];
    store_bind_text(q, 1, r->id);
    store_bind_text(q, 2, r->workflow);
    sqlite3_bind_int(q, 3, r->version);
    store_bind_text(q, 4, r->definition_sha256);
    store_bind_text(q, 5, r->name);
    store_bind_text(q, 6, store_status_name(r->status));
    store_bind_text(q, 7, r->input);
    store_bind_text(q, 8, r->result);
    store_bind_text(q, 9, r->error);
    store_bind_time(q, 10, r->created_at);
    store_bind_time(q, 11, r->updated_at);
    store_bind_time(q, 12, r->ended_at);
    store_bind_time(q, 13, r->wake_at);
    store_bind_time(q, 14, r->timeout_at);
    store_bind_text(q, 15, r->lease_owner);
    store_bind_time(q, 16, r->lease_until);
    store_bind_text(q, 17, r->parent_id);
    store_bind_text(q, 18, r->parent_op_id);
    return store_run_stmt(s, ST_EXEC_INSERT, "cannot insert an execution", err);
}

int store_exec_get(store *s, const char *id, store_exec *out, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_GET];
    memset(out, 0, sizeof *out);
    store_bind_text(q, 1, id);
    int step = sqlite3_step(q);
    int rc = CAIRN_OK;
    if (step == SQLITE_ROW) {
        int bad = read_exec(q, out);
        if (bad)
            rc = read_fail(s, bad, err);
    } else if (step == SQLITE_DONE) {
        err_set(err, "Execution.NotFound", "no execution '%s' in %s", id, s->path);
        rc = CAIRN_ERR_NOT_FOUND;
    } else {
        rc = store_db_fail(s, err, "cannot read an execution");
    }
    store_done_stmt(q);
    if (rc == CAIRN_ERR_NOMEM)
        err_set(err, "Store.Error", "%s: out of memory", s->path);
    return rc;
}

int store_exec_find_name(store *s, const char *workflow, const char *name, char **id_out,
                         cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_FIND_NAME];
    *id_out = NULL;
    store_bind_text(q, 1, workflow);
    store_bind_text(q, 2, name);
    int step = sqlite3_step(q);
    int rc = CAIRN_ERR_NOT_FOUND;
    if (step == SQLITE_ROW) {
        *id_out = mem_strdup((const char *)sqlite3_column_text(q, 0));
        rc = *id_out ? CAIRN_OK : CAIRN_ERR_NOMEM;
    } else if (step != SQLITE_DONE) {
        rc = store_db_fail(s, err, "cannot look up an execution by name");
    }
    store_done_stmt(q);
    if (rc == CAIRN_ERR_NOMEM)
        err_set(err, "Store.Error", "%s: out of memory", s->path);
    return rc;
}

int store_exec_update(store *s, const store_exec *r, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_UPDATE];
    store_bind_text(q, 1, r->id);
    store_bind_text(q, 2, store_status_name(r->status));
    store_bind_text(q, 3, r->result);
    store_bind_text(q, 4, r->error);
    store_bind_time(q, 5, r->updated_at);
    store_bind_time(q, 6, r->ended_at);
    store_bind_time(q, 7, r->wake_at);
    int rc = store_run_stmt(s, ST_EXEC_UPDATE, "cannot update an execution", err);
    if (rc == CAIRN_OK && sqlite3_changes(s->db) == 0) {
        err_set(err, "Execution.Conflict",
                "execution %s has ended or is gone: another invocation changed it meanwhile",
                r->id);
        rc = CAIRN_ERR_CONFLICT;
    }
    return rc;
}

/*
 * Steps q to its end, reading each row into a growing array of `size`-byte
 * rows with `read`. On success *rows (caller frees with free_rows) and *n;
 * on failure the rows read so far are freed with free_rows, *rows is NULL.
 */
static int read_rows(store *s, sqlite3_stmt *q, size_t size, int (*read)(sqlite3_stmt *, void *),
                     void (*free_rows)(void *, size_t), const char *what, void **rows, size_t *n,
                     cairn_error *err)
{
    char *v = NULL;
    size_t len = 0, cap = 0;
    int step, rc = CAIRN_OK;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char *nv = mem_realloc(v, ncap * size);
            if (!nv) {
                err_set(err, "Store.Error", "%s: out of memory", s->path);
                rc = CAIRN_ERR_NOMEM;
                goto fail;
            }
            v = nv;
            cap = ncap;
        }
        int bad = read(q, v + len * size);
        if (bad) {
            rc = read_fail(s, bad, err);
            goto fail;
        }
        len++;
    }
    if (step != SQLITE_DONE) {
        rc = store_db_fail(s, err, what);
        goto fail;
    }
    store_done_stmt(q);
    *rows = v;
    *n = len;
    return CAIRN_OK;
fail:
    store_done_stmt(q);
    free_rows(v, len);
    *rows = NULL;
    *n = 0;
    return rc;
}

static int read_exec_row(sqlite3_stmt *q, void *row)
{
    return read_exec(q, row);
}

static void free_exec_rows(void *rows, size_t n)
{
    store_execs_free(rows, n);
}

int store_exec_list(store *s, store_exec **rows, size_t *n, cairn_error *err)
{
    void *v;
    int rc = read_rows(s, s->st[ST_EXEC_LIST], sizeof **rows, read_exec_row, free_exec_rows,
                       "cannot list executions", &v, n, err);
    *rows = v;
    return rc;
}

int store_exec_page(store *s, store_status status, const char *workflow, int64_t offset,
                    int limit, store_exec **rows, size_t *n, int64_t *total, cairn_error *err)
{
    const char *st = status != STORE_NONE ? store_status_name(status) : NULL;
    sqlite3_stmt *q = s->st[ST_EXEC_COUNT];
    *rows = NULL;
    *n = 0;
    store_bind_text(q, 1, st);
    store_bind_text(q, 2, workflow);
    int step = sqlite3_step(q);
    *total = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    store_done_stmt(q);
    if (step != SQLITE_ROW)
        return store_db_fail(s, err, "cannot count executions");
    q = s->st[ST_EXEC_PAGE];
    store_bind_text(q, 1, st);
    store_bind_text(q, 2, workflow);
    sqlite3_bind_int(q, 3, limit);
    sqlite3_bind_int64(q, 4, offset);
    void *v;
    int rc = read_rows(s, q, sizeof **rows, read_exec_row, free_exec_rows,
                       "cannot list executions", &v, n, err);
    *rows = v;
    return rc;
}

int store_exec_children(store *s, const char *parent_id, char ***ids, size_t *n, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EXEC_CHILDREN];
    char **v = NULL;
    size_t len = 0, cap = 0;
    int step, rc = CAIRN_OK;
    *ids = NULL;
    *n = 0;
    store_bind_text(q, 1, parent_id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            char **nv = mem_realloc(v, ncap * sizeof *nv);
            if (!nv)
                goto nomem;
            v = nv;
            cap = ncap;
        }
        const char *id = (const char *)sqlite3_column_text(q, 0);
        if (!id || !(v[len] = mem_strdup(id)))
            goto nomem;
        len++;
    }
    if (step != SQLITE_DONE) {
        rc = store_db_fail(s, err, "cannot list the children of an execution");
        goto fail;
    }
    store_done_stmt(q);
    *ids = v;
    *n = len;
    return CAIRN_OK;
nomem:
    err_set(err, "Store.Error", "%s: out of memory", s->path);
    rc = CAIRN_ERR_NOMEM;
fail:
    store_done_stmt(q);
    for (size_t i = 0; i < len; i++)
        mem_free(v[i]);
    mem_free(v);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Operations                                                                */
/* ------------------------------------------------------------------------ */

/* Binds the 20 columns of r (statement parameters ?1 to ?19 and ?22; ?20 and ?21
 * are ST_OP_UPDATE's expectations). */
static void bind_op(sqlite3_stmt *q, const char *execution_id, const store_op *r)
{
    store_bind_text(q, 1, execution_id);
    sqlite3_bind_int64(q, 2, r->seq);
    store_bind_text(q, 3, r->id);
    store_bind_text(q, 4, r->parent_id);
    store_bind_text(q, 5, r->name);
    store_bind_text(q, 6, store_op_type_name(r->type));
    store_bind_text(q, 7, r->sub_type);
    store_bind_text(q, 8, store_status_name(r->status));
    if (r->attempt > 0)
        sqlite3_bind_int(q, 9, r->attempt);
    else
        sqlite3_bind_null(q, 9);
    store_bind_text(q, 10, r->result);
    store_bind_text(q, 11, r->error);
    store_bind_time(q, 12, r->started_at);
    store_bind_time(q, 13, r->ended_at);
    store_bind_time(q, 14, r->next_attempt_at);
    store_bind_text(q, 15, r->callback_id);
    store_bind_time(q, 16, r->timeout_at);
    store_bind_time(q, 17, r->heartbeat_at);
    if (r->heartbeat_ms > 0)
        sqlite3_bind_int64(q, 18, r->heartbeat_ms);
    else
        sqlite3_bind_null(q, 18);
    store_bind_text(q, 19, r->result_mode);
    if (r->end_seq > 0)
        sqlite3_bind_int64(q, 22, r->end_seq);
    else
        sqlite3_bind_null(q, 22);
}

int store_op_put(store *s, const char *execution_id, const store_op *r, cairn_error *err)
{
    bind_op(s->st[ST_OP_PUT], execution_id, r);
    return store_run_stmt(s, ST_OP_PUT, "cannot write an operation", err);
}

int store_op_write(store *s, const char *execution_id, const store_op *r,
                   store_status expect_status, int expect_attempt, cairn_error *err)
{
    int which = expect_status != STORE_NONE ? ST_OP_UPDATE : ST_OP_INSERT;
    sqlite3_stmt *q = s->st[which];
    bind_op(q, execution_id, r);
    if (expect_status != STORE_NONE) {
        store_bind_text(q, 20, store_status_name(expect_status));
        if (expect_attempt > 0)
            sqlite3_bind_int(q, 21, expect_attempt);
        else
            sqlite3_bind_null(q, 21);
    }
    int step = sqlite3_step(q);
    int changed = sqlite3_changes(s->db);
    store_done_stmt(q);
    if (step == SQLITE_CONSTRAINT || (step == SQLITE_DONE && changed == 0)) {
        err_set(err, "Execution.Conflict",
                "execution %s: operation %s was changed by another invocation meanwhile; "
                "this one stops without writing it",
                execution_id, r->id);
        return CAIRN_ERR_CONFLICT;
    }
    if (step != SQLITE_DONE)
        return store_db_fail(s, err, "cannot write an operation");
    return CAIRN_OK;
}

int store_op_get(store *s, const char *execution_id, const char *id, store_op *out,
                 cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_OP_GET];
    memset(out, 0, sizeof *out);
    store_bind_text(q, 1, execution_id);
    store_bind_text(q, 2, id);
    int step = sqlite3_step(q);
    int rc = CAIRN_OK;
    if (step == SQLITE_ROW) {
        int bad = read_op(q, out);
        if (bad)
            rc = read_fail(s, bad, err);
    } else if (step == SQLITE_DONE) {
        err_set(err, "Store.Error", "%s: execution %s has no operation %s", s->path, execution_id,
                id);
        rc = CAIRN_ERR_NOT_FOUND;
    } else {
        rc = store_db_fail(s, err, "cannot read an operation");
    }
    store_done_stmt(q);
    return rc;
}

int store_callback_find(store *s, const char *callback_id, char **execution_id_out,
                        char **op_id_out, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_CB_FIND];
    *execution_id_out = *op_id_out = NULL;
    store_bind_text(q, 1, callback_id);
    int step = sqlite3_step(q);
    int rc = CAIRN_OK;
    if (step == SQLITE_ROW) {
        *execution_id_out = mem_strdup((const char *)sqlite3_column_text(q, 0));
        *op_id_out = mem_strdup((const char *)sqlite3_column_text(q, 1));
        if (!*execution_id_out || !*op_id_out) {
            mem_free(*execution_id_out);
            mem_free(*op_id_out);
            *execution_id_out = *op_id_out = NULL;
            err_set(err, "Store.Error", "%s: out of memory", s->path);
            rc = CAIRN_ERR_NOMEM;
        }
    } else if (step == SQLITE_DONE) {
        err_set(err, "Callback.NotFound", "no callback '%s' in %s", callback_id, s->path);
        rc = CAIRN_ERR_NOT_FOUND;
    } else {
        rc = store_db_fail(s, err, "cannot look up a callback");
    }
    store_done_stmt(q);
    return rc;
}

int store_callbacks_close(store *s, const char *execution_id, int64_t now, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_CB_CLOSE_ALL];
    store_bind_text(q, 1, execution_id);
    sqlite3_bind_int64(q, 2, now);
    return store_run_stmt(s, ST_CB_CLOSE_ALL, "cannot close the callbacks of an execution", err);
}

int64_t store_data_version(store *s)
{
    sqlite3_stmt *q = s->st[ST_DATA_VERSION];
    int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_reset(q);
    return v;
}

static int by_seq(const void *a, const void *b)
{
    int64_t x = ((const store_op *)a)->seq, y = ((const store_op *)b)->seq;
    return (x > y) - (x < y);
}

/* Rows read in id order, into journal (seq) order: sorted already when written in order of id. */
static void sort_by_seq(store_op *rows, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (rows[i - 1].seq > rows[i].seq) {
            qsort(rows, n, sizeof *rows, by_seq);
            return;
        }
}

static int read_op_row(sqlite3_stmt *q, void *row)
{
    return read_op(q, row);
}

static void free_op_rows(void *rows, size_t n)
{
    store_ops_free(rows, n);
}

/* Does no replay read the operations under row r (a context that ended, whole)? */
static int subtree_closed(const store_op *r)
{
    if (r->type != STORE_OP_CONTEXT ||
        (r->status != STORE_SUCCEEDED && r->status != STORE_FAILED && r->status != STORE_CANCELLED))
        return 0;
    int batch = r->sub_type && (!strcmp(r->sub_type, "Parallel") || !strcmp(r->sub_type, "Map"));
    return !batch || (r->result && !strncmp(r->result, "{\"all\":", 7));
}

int store_ops_load_live(store *s, const char *execution_id, store_op **rows, size_t *n,
                        int64_t *last_seq, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_OPS_LOAD_LIVE];
    store_bind_text(q, 1, execution_id);
    store_bind_text(q, 2, "");
    store_op *v = NULL;
    size_t len = 0, cap = 0;
    char from[96]; /* "ID." past the closed context ID: where the scan goes on */
    int unknown = 0, step, rc = CAIRN_OK;
    *last_seq = 0;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        store_op *nv = mem_grow(v, &cap, len + 1, sizeof *v);
        if (!nv) {
            err_set(err, "Store.Error", "%s: out of memory", s->path);
            rc = CAIRN_ERR_NOMEM;
            break;
        }
        v = nv;
        int bad = read_op(q, &v[len]);
        if (bad) {
            rc = read_fail(s, bad, err);
            break;
        }
        const store_op *r = &v[len++];
        if (r->seq > *last_seq)
            *last_seq = r->seq;
        /* a closed context: seek past its operations, read none of them; the
         * largest seq among them is its end_seq, or unknown (written before schema 4) */
        if (subtree_closed(r) && strlen(r->id) + 2 <= sizeof from) {
            sqlite3_reset(q);
            snprintf(from, sizeof from, "%s.", r->id);
            store_bind_text(q, 2, from);
            if (r->end_seq > *last_seq)
                *last_seq = r->end_seq;
            unknown |= r->end_seq <= 0;
        }
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE)
        rc = store_db_fail(s, err, "cannot read the journal");
    store_done_stmt(q);
    if (rc == CAIRN_OK && unknown) { /* the operations passed over count for the next seq */
        sqlite3_stmt *m = s->st[ST_OPS_MAX_SEQ];
        store_bind_text(m, 1, execution_id);
        if (sqlite3_step(m) == SQLITE_ROW) {
            if (sqlite3_column_int64(m, 0) > *last_seq)
                *last_seq = sqlite3_column_int64(m, 0);
        } else {
            rc = store_db_fail(s, err, "cannot read the journal");
        }
        store_done_stmt(m);
    }
    if (rc != CAIRN_OK) {
        store_ops_free(v, len);
        *rows = NULL;
        *n = 0;
        return rc;
    }
    sort_by_seq(v, len);
    *rows = v;
    *n = len;
    return CAIRN_OK;
}

int store_ops_load(store *s, const char *execution_id, store_op **rows, size_t *n, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_OPS_LOAD];
    store_bind_text(q, 1, execution_id);
    void *v;
    int rc = read_rows(s, q, sizeof **rows, read_op_row, free_op_rows, "cannot read the journal",
                       &v, n, err);
    *rows = v;
    if (rc == CAIRN_OK)
        sort_by_seq(*rows, *n);
    return rc;
}
