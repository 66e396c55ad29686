/*
 * store_schema.c — the store's schema: what a new file is given, what an
 * older one is upgraded with (one function per step), and the look at a
 * file that tells which (not SQLite, not a cairn store, newer than this
 * cairn: refused, unchanged).
 *
 * Never: writes to a file it refuses; upgrades outside one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_impl.h"

#define CAIRN_XSTR(x) #x
#define CAIRN_STR(x) CAIRN_XSTR(x)

static const char schema_sql[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "INSERT INTO meta (key, value) VALUES ('application', 'cairn'), ('schema_version', '1');\n"
    "CREATE TABLE executions (\n"
    "  id TEXT PRIMARY KEY,\n"
    "  workflow TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  definition_sha256 TEXT NOT NULL,\n"
    "  name TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  input TEXT NOT NULL,\n"
    "  result TEXT,\n"
    "  error TEXT,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  updated_at INTEGER NOT NULL,\n"
    "  ended_at INTEGER,\n"
    "  wake_at INTEGER,\n"
    "  timeout_at INTEGER,\n"
    "  lease_owner TEXT,\n"
    "  lease_until INTEGER,\n"
    "  poked INTEGER NOT NULL DEFAULT 0,\n"
    "  UNIQUE (workflow, name)\n"
    ");\n"
    "CREATE INDEX executions_due ON executions (wake_at) WHERE status IN ('RUNNING', 'PENDING');\n"
    "CREATE INDEX executions_created ON executions (created_at);\n"
    "CREATE TABLE operations (\n"
    "  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,\n"
    "  seq INTEGER NOT NULL,\n"
    "  id TEXT NOT NULL,\n"
    "  parent_id TEXT,\n"
    "  name TEXT,\n"
    "  type TEXT NOT NULL,\n"
    "  sub_type TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  attempt INTEGER,\n"
    "  result TEXT,\n"
    "  error TEXT,\n"
    "  started_at INTEGER,\n"
    "  ended_at INTEGER,\n"
    "  next_attempt_at INTEGER,\n"
    "  callback_id TEXT UNIQUE,\n"
    "  timeout_at INTEGER,\n"
    "  heartbeat_at INTEGER,\n"
    "  heartbeat_ms INTEGER,\n"
    "  PRIMARY KEY (execution_id, id)\n"
    ") WITHOUT ROWID;\n";

/*
 * Looks at the file without writing to it: *tables = number of tables,
 * *version = the cairn schema version (0 when there is no meta table).
 */
static int inspect(store *s, int *tables, int *version, cairn_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc = CAIRN_OK;
    *tables = 0;
    *version = 0;
    int has_meta = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &q,
                           NULL) != SQLITE_OK)
        goto bad;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        (*tables)++;
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (name && strcmp(name, "meta") == 0)
            has_meta = 1;
    }
    if (step != SQLITE_DONE)
        goto bad;
    sqlite3_finalize(q);
    q = NULL;
    if (*tables == 0)
        return CAIRN_OK;
    if (!has_meta) {
        err_set(err, "Store.Error",
                "%s: not a cairn store (an SQLite database without cairn's meta table)", s->path);
        return CAIRN_ERR_STORE;
    }
    int application = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM meta", -1, &q, NULL) != SQLITE_OK)
        goto bad;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        const char *v = (const char *)sqlite3_column_text(q, 1);
        if (!k || !v)
            continue;
        if (strcmp(k, "application") == 0 && strcmp(v, "cairn") == 0)
            application = 1;
        else if (strcmp(k, "schema_version") == 0)
            *version = atoi(v);
    }
    if (step != SQLITE_DONE)
        goto bad;
    if (!application || *version <= 0) {
        err_set(err, "Store.Error", "%s: not a cairn store (its meta table does not name cairn)",
                s->path);
        rc = CAIRN_ERR_STORE;
    } else if (*version > STORE_SCHEMA_VERSION) {
        err_set(err, "Store.Error",
                "%s: store schema version %d is newer than this cairn supports (%d); "
                "use a newer cairn",
                s->path, *version, STORE_SCHEMA_VERSION);
        rc = CAIRN_ERR_STORE;
    }
    sqlite3_finalize(q);
    return rc;
bad:
    if (sqlite3_errcode(s->db) == SQLITE_NOTADB)
        err_set(err, "Store.Error", "%s: not an SQLite database (%s)", s->path,
                sqlite3_errmsg(s->db));
    else
        err_set(err, "Store.Error", "%s: cannot read: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_finalize(q);
    return CAIRN_ERR_STORE;
}

/* Version 2, its part here: a callback journals how its result is read
 * (result_mode json or text; NULL in rows of version 1, which accept any). */
static int migrate_v2_result_mode(store *s, cairn_error *err)
{
    if (sqlite3_exec(s->db, "ALTER TABLE operations ADD COLUMN result_mode TEXT", NULL, NULL,
                     NULL) != SQLITE_OK)
        return store_db_fail(s, err, "cannot upgrade the store to schema version 2");
    return CAIRN_OK;
}

int store_has_column(store *s, const char *table, const char *col)
{
    sqlite3_stmt *q = NULL;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    int found = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 1);
        if (name && strcmp(name, col) == 0)
            found = 1;
    }
    sqlite3_finalize(q);
    return step == SQLITE_DONE ? found : -1;
}

/* Version 3: an execution started by an `invoke` names its parent execution and
 * the operation that started it (NULL in rows of older versions: no parent). */
static int migrate_v3_parent(store *s, cairn_error *err)
{
    static const char *const cols[] = {"parent_id", "parent_op_id"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        int has = store_has_column(s, "executions", cols[i]);
        char sql[96];
        snprintf(sql, sizeof sql, "ALTER TABLE executions ADD COLUMN %s TEXT", cols[i]);
        if (has < 0 || (!has && sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK))
            return store_db_fail(s, err, "cannot upgrade the store to schema version 3");
    }
    if (sqlite3_exec(s->db,
                     "CREATE INDEX IF NOT EXISTS executions_parent ON executions (parent_id) "
                     "WHERE parent_id IS NOT NULL",
                     NULL, NULL, NULL) != SQLITE_OK)
        return store_db_fail(s, err, "cannot upgrade the store to schema version 3");
    return CAIRN_OK;
}

/* Version 4: a context that ended keeps the largest seq of its execution then
 * (NULL in rows of older versions: a load reads that from the rows). */
static int migrate_v4_end_seq(store *s, cairn_error *err)
{
    int has = store_has_column(s, "operations", "end_seq");
    if (has < 0 || (!has && sqlite3_exec(s->db, "ALTER TABLE operations ADD COLUMN end_seq INTEGER",
                                         NULL, NULL, NULL) != SQLITE_OK))
        return store_db_fail(s, err, "cannot upgrade the store to schema version 4");
    return CAIRN_OK;
}

/*
 * Version 5, its part here: operations.callback_id is unique by a partial
 * index, which holds only the rows that have one (the UNIQUE of version 1
 * kept an entry for every row: one more B-tree written by every insert).
 * SQLite cannot drop a constraint, so the table is made again, rows copied.
 */
static int migrate_v5_callback_index(store *s, cairn_error *err)
{
    static const char sql[] =
        "CREATE TABLE operations_v5 (\n"
        "  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,\n"
        "  seq INTEGER NOT NULL,\n"
        "  id TEXT NOT NULL,\n"
        "  parent_id TEXT,\n"
        "  name TEXT,\n"
        "  type TEXT NOT NULL,\n"
        "  sub_type TEXT,\n"
        "  status TEXT NOT NULL,\n"
        "  attempt INTEGER,\n"
        "  result TEXT,\n"
        "  error TEXT,\n"
        "  started_at INTEGER,\n"
        "  ended_at INTEGER,\n"
        "  next_attempt_at INTEGER,\n"
        "  callback_id TEXT,\n"
        "  timeout_at INTEGER,\n"
        "  heartbeat_at INTEGER,\n"
        "  heartbeat_ms INTEGER,\n"
        "  result_mode TEXT,\n"
        "  end_seq INTEGER,\n"
        "  PRIMARY KEY (execution_id, id)\n"
        ") WITHOUT ROWID;\n"
        "INSERT INTO operations_v5 SELECT execution_id, seq, id, parent_id, name, type, sub_type, "
        "status, attempt, result, error, started_at, ended_at, next_attempt_at, callback_id, "
        "timeout_at, heartbeat_at, heartbeat_ms, result_mode, end_seq FROM operations;\n"
        "DROP TABLE operations;\n"
        "ALTER TABLE operations_v5 RENAME TO operations;\n"
        "CREATE UNIQUE INDEX operations_callback ON operations (callback_id) "
        "WHERE callback_id IS NOT NULL;\n";
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_db_fail(s, err, "cannot upgrade the store to schema version 5");
    return CAIRN_OK;
}

/*
 * Brings a version-1 store to STORE_SCHEMA_VERSION in one transaction, each
 * step one function, unless another process just did. A new store is made at
 * version 1 and comes here too, so every step runs on every store.
 */
static int upgrade(store *s, cairn_error *err)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return store_db_fail(s, err, "cannot upgrade the store");
    int tables = 0, version = 0;
    int rc = inspect(s, &tables, &version, err);
    if (rc == CAIRN_OK && version < 2)
        rc = store_migrate_v2_events(s, err);
    if (rc == CAIRN_OK && version < 2)
        rc = migrate_v2_result_mode(s, err);
    if (rc == CAIRN_OK && version < 3)
        rc = migrate_v3_parent(s, err);
    if (rc == CAIRN_OK && version < 4)
        rc = migrate_v4_end_seq(s, err);
    if (rc == CAIRN_OK && version < 5)
        rc = store_migrate_v5_events(s, err);
    if (rc == CAIRN_OK && version < 5)
        rc = migrate_v5_callback_index(s, err);
    if (rc == CAIRN_OK && version < STORE_SCHEMA_VERSION &&
        sqlite3_exec(s->db,
                     "UPDATE meta SET value = '" CAIRN_STR(
                         STORE_SCHEMA_VERSION) "' WHERE key = 'schema_version'",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = store_db_fail(s, err, "cannot upgrade the store");
    if (rc == CAIRN_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_db_fail(s, err, "cannot upgrade the store");
    if (rc != CAIRN_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Creates the schema (version 1, then upgraded), unless another process just did. */
static int create_schema(store *s, cairn_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return store_db_fail(s, err, "cannot create the store");
    int tables = 0, version = 0;
    int rc = inspect(s, &tables, &version, err);
    if (rc == CAIRN_OK && tables == 0 &&
        sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "Store.Error", "%s: cannot create the store: %s", s->path,
                msg ? msg : "unknown error");
        rc = CAIRN_ERR_STORE;
    }
    sqlite3_free(msg);
    if (rc == CAIRN_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_db_fail(s, err, "cannot create the store");
    if (rc != CAIRN_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_schema_ready(store *s, cairn_error *err)
{
    int tables = 0, version = 0;
    int rc = inspect(s, &tables, &version, err);
    if (rc == CAIRN_OK && tables == 0)
        rc = create_schema(s, err);
    if (rc == CAIRN_OK && (tables == 0 || version < STORE_SCHEMA_VERSION))
        rc = upgrade(s, err);
    return rc;
}
