/*
 * store_events.c — the store's events table: the execution's history as AWS
 * GetDurableExecutionHistory gives it (store.h, store_event), its schema steps
 * (version 1 -> 2, 4 -> 5), appending a row and reading them back in order.
 *
 * A row is one event, or two: one with start_type set also stands for the
 * operation's start just before it (seq - 1, at started_at), written with
 * one insert when an attempt is journaled only once it ended (a step's
 * usual case: half the rows, half the inserts).
 *
 * Owns: the rows it reads back, until store_events_free.
 * Never: updates or deletes an event (append-only), opens or commits a
 * transaction (the caller's update and its events commit together), or
 * decides which event an update causes (journal_events.c does).
 */
#include "store.h"
#include "store_impl.h"

#include <string.h>

#include "mem.h"

#define EVENT_COLUMNS                                                                              \
    "seq, type, at, op_id, parent_id, name, sub_type, attempt, result, error, started_at, "        \
    "next_attempt_at, callback_id, timeout_at, heartbeat_ms, start_type"

/* The next seq of the execution (one further with a start), in the same
 * statement: appends stay in order. */
const char *const store_event_add_sql =
    "INSERT INTO events (execution_id, " EVENT_COLUMNS ") "
    "VALUES (?1, COALESCE((SELECT MAX(seq) FROM events WHERE execution_id = ?1), 0) + 1 "
    "+ (?16 IS NOT NULL), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

const char *const store_events_load_sql =
    "SELECT " EVENT_COLUMNS " FROM events WHERE execution_id = ?1 ORDER BY seq";

int store_migrate_v2_events(store *s, cairn_error *err)
{
    static const char sql[] =
        "CREATE TABLE events (\n"
        "  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,\n"
        "  seq INTEGER NOT NULL,\n"
        "  type TEXT NOT NULL,\n"
        "  at INTEGER NOT NULL,\n"
        "  op_id TEXT,\n"
        "  parent_id TEXT,\n"
        "  name TEXT,\n"
        "  sub_type TEXT,\n"
        "  attempt INTEGER,\n"
        "  result TEXT,\n"
        "  error TEXT,\n"
        "  started_at INTEGER,\n"
        "  next_attempt_at INTEGER,\n"
        "  callback_id TEXT,\n"
        "  timeout_at INTEGER,\n"
        "  heartbeat_ms INTEGER,\n"
        "  PRIMARY KEY (execution_id, seq)\n"
        ") WITHOUT ROWID;\n";
    char *msg = NULL;
    if (sqlite3_exec(store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "Store.Error", "%s: cannot add the events table: %s", store_path(s),
                msg ? msg : "unknown error");
        sqlite3_free(msg);
        return CAIRN_ERR_STORE;
    }
    return CAIRN_OK;
}

/* Version 5: a row may stand for its operation's start too (NULL in rows of
 * older versions: one event each). */
int store_migrate_v5_events(store *s, cairn_error *err)
{
    int has = store_has_column(s, "events", "start_type");
    if (has < 0 || (!has && sqlite3_exec(store_db(s), "ALTER TABLE events ADD COLUMN start_type TEXT",
                                         NULL, NULL, NULL) != SQLITE_OK))
        return store_db_fail(s, err, "cannot upgrade the store to schema version 5");
    return CAIRN_OK;
}

int store_event_add(store *s, const char *execution_id, const store_event *e, cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EVENT_ADD];
    const store_op *o = &e->op;
    store_bind_text(q, 1, execution_id);
    store_bind_text(q, 2, e->type);
    sqlite3_bind_int64(q, 3, e->at);
    store_bind_text(q, 4, o->id);
    store_bind_text(q, 5, o->parent_id);
    store_bind_text(q, 6, o->name);
    store_bind_text(q, 7, o->sub_type);
    if (o->attempt > 0)
        sqlite3_bind_int(q, 8, o->attempt);
    else
        sqlite3_bind_null(q, 8);
    store_bind_text(q, 9, o->result);
    store_bind_text(q, 10, o->error);
    store_bind_time(q, 11, o->started_at);
    store_bind_time(q, 12, o->next_attempt_at);
    store_bind_text(q, 13, o->callback_id);
    store_bind_time(q, 14, o->timeout_at);
    sqlite3_bind_int64(q, 15, o->heartbeat_ms);
    store_bind_text(q, 16, e->start_type);
    return store_run_stmt(s, ST_EVENT_ADD, "cannot append an event", err);
}

static int64_t column_time(sqlite3_stmt *q, int col)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return STORE_NO_TIME;
    return sqlite3_column_int64(q, col);
}

/*
 * Reads the current row of q into r, its strings in one block: 0, or -1 out
 * of memory. With start, the start it stands for (the row has a start_type):
 * that type, one seq before, at started_at, no result, error or next attempt.
 */
static int read_event(sqlite3_stmt *q, store_event *r, int start)
{
    enum { NTEXT = 8 };
    /* type (start_type for a start), op_id, parent_id, name, sub_type, result, error,
     * callback_id */
    const int cols[NTEXT] = {start ? 15 : 1, 3, 4, 5, 6, start ? -1 : 8, start ? -1 : 9, 12};
    const char **dst[NTEXT] = {&r->type,     &r->op.id,         &r->op.parent_id,
                               &r->op.name,  &r->op.sub_type,   &r->op.result,
                               &r->op.error, &r->op.callback_id};
    const unsigned char *text[NTEXT];
    size_t len[NTEXT], total = 1;
    memset(r, 0, sizeof *r);
    for (int i = 0; i < NTEXT; i++) {
        text[i] = cols[i] < 0 ? NULL : sqlite3_column_text(q, cols[i]);
        if (!text[i] && cols[i] >= 0 && sqlite3_column_type(q, cols[i]) != SQLITE_NULL)
            return -1;
        len[i] = text[i] ? (size_t)sqlite3_column_bytes(q, cols[i]) : 0;
        total += len[i] + 1;
    }
    char *p = mem_malloc(total);
    if (!p)
        return -1;
    r->op.mem = p;
    for (int i = 0; i < NTEXT; i++) {
        *dst[i] = NULL;
        if (!text[i])
            continue;
        memcpy(p, text[i], len[i]);
        p[len[i]] = '\0';
        *dst[i] = p;
        p += len[i] + 1;
    }
    if (!r->type)
        r->type = "";
    r->seq = sqlite3_column_int64(q, 0) - (start ? 1 : 0);
    r->op.attempt = sqlite3_column_int(q, 7);
    r->op.started_at = column_time(q, 10);
    r->at = start ? r->op.started_at : sqlite3_column_int64(q, 2);
    r->op.next_attempt_at = start ? STORE_NO_TIME : column_time(q, 11);
    r->op.timeout_at = column_time(q, 13);
    r->op.heartbeat_ms = sqlite3_column_int64(q, 14);
    r->op.ended_at = STORE_NO_TIME;
    r->op.heartbeat_at = STORE_NO_TIME;
    return 0;
}

int store_events_load(store *s, const char *execution_id, store_event **rows, size_t *n,
                      cairn_error *err)
{
    sqlite3_stmt *q = s->st[ST_EVENTS_LOAD];
    store_event *v = NULL;
    size_t len = 0, cap = 0;
    int step, rc = CAIRN_OK;
    store_bind_text(q, 1, execution_id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int with_start = sqlite3_column_type(q, 15) != SQLITE_NULL;
        if (len + 2 > cap) {
            size_t ncap = cap ? cap * 2 : 16;
            store_event *nv = mem_realloc(v, ncap * sizeof *v);
            if (!nv)
                goto nomem;
            v = nv;
            cap = ncap;
        }
        for (int start = with_start; start >= 0; start--) {
            if (read_event(q, &v[len], start) != 0)
                goto nomem;
            len++;
        }
    }
    if (step != SQLITE_DONE) {
        rc = store_db_fail(s, err, "cannot read events");
        goto fail;
    }
    store_done_stmt(q);
    *rows = v;
    *n = len;
    return CAIRN_OK;
nomem:
    err_set(err, "Store.Error", "%s: out of memory", store_path(s));
    rc = CAIRN_ERR_NOMEM;
fail:
    store_done_stmt(q);
    store_events_free(v, len);
    *rows = NULL;
    *n = 0;
    return rc;
}

void store_events_free(store_event *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mem_free(rows[i].op.mem);
    mem_free(rows);
}
