/*
 * test_rt_store.c — the SQLite store (store.h): creation, reopening, the
 * refusals (newer schema, not a database, not a cairn store) that name the
 * file and change nothing, the pragmas, and rows in and out.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mem.h"
#include "store.h"

/* A fresh temporary path (the file exists, empty: a valid empty database). */
static int setup(void **state)
{
    char *path = strdup("/tmp/cairn-test-store-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    *state = path;
    return 0;
}

static void remove_db(const char *path)
{
    char buf[512];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-journal", path);
    unlink(buf);
}

static int teardown(void **state)
{
    remove_db(*state);
    free(*state);
    return 0;
}

/* The whole file, malloc'd; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static int64_t pragma_int(store *s, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static const store_exec sample_exec = {
    .id = "exec-1",
    .workflow = "order",
    .version = 3,
    .definition_sha256 = "abc",
    .name = "key-1",
    .status = STORE_RUNNING,
    .input = "{\"a\":1}",
    .created_at = 1000,
    .updated_at = 1000,
    .ended_at = STORE_NO_TIME,
    .wake_at = 1000,
    .timeout_at = 5000,
};

static void test_create_then_reopen_keeps_rows(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_close(s);

    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    store_exec r;
    assert_int_equal(store_exec_get(s, "exec-1", &r, &err), CAIRN_OK);
    assert_string_equal(r.workflow, "order");
    assert_int_equal(r.version, 3);
    assert_string_equal(r.name, "key-1");
    assert_string_equal(r.input, "{\"a\":1}");
    assert_null(r.result);
    assert_null(r.error);
    assert_int_equal(r.timeout_at, 5000);
    assert_int_equal(r.ended_at, STORE_NO_TIME);
    store_exec_cleanup(&r);

    char *id = NULL;
    assert_int_equal(store_exec_find_name(s, "order", "key-1", &id, &err), CAIRN_OK);
    assert_string_equal(id, "exec-1");
    free(id);
    assert_int_equal(store_exec_find_name(s, "other", "key-1", &id, &err), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(store_exec_get(s, "nope", &r, &err), CAIRN_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "nope"));
    err_cleanup(&err);
    store_close(s);
}

static void test_wal_and_synchronous_full_are_set(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    unsetenv("CAIRN_SYNC");
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    assert_int_equal(pragma_int(s, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(pragma_int(s, "PRAGMA foreign_keys"), 1);
    store_close(s);

    setenv("CAIRN_SYNC", "normal", 1);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "PRAGMA synchronous"), 1); /* NORMAL */
    store_close(s);
    unsetenv("CAIRN_SYNC");
}

static void test_newer_schema_is_refused_unchanged(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    store_close(s);
    raw_exec(path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'; "
                   "PRAGMA wal_checkpoint(TRUNCATE);");

    size_t before_len, after_len;
    char *before = slurp(path, &before_len);
    assert_int_equal(store_open(&s, path, &err), CAIRN_ERR_STORE);
    assert_null(s);
    assert_string_equal(err.type, "Store.Error");
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "version 99 is newer"));
    char *after = slurp(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    err_cleanup(&err);
}

/* A schema-1 file (no events table, no operations.result_mode) is migrated on open, its rows kept.
 */
static void test_schema_1_file_is_migrated(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_close(s);
    /* what cairn 0.1 wrote: schema 1, no events, a callback row without result_mode */
    raw_exec(path, "DROP TABLE events; ALTER TABLE operations DROP COLUMN result_mode; "
                   "UPDATE meta SET value = '1' WHERE key = 'schema_version'; "
                   "INSERT INTO operations (execution_id, seq, id, type, status, callback_id) "
                   "VALUES ('exec-1', 1, '1', 'CALLBACK', 'STARTED', 'cb-old');");

    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    store_op r;
    assert_int_equal(store_op_get(s, "exec-1", "1", &r, &err), CAIRN_OK);
    assert_string_equal(r.callback_id, "cb-old");
    assert_null(r.result_mode);
    store_op_cleanup(&r);
    store_op w = {.seq = 2,
                  .id = "2",
                  .type = STORE_OP_CALLBACK,
                  .status = STORE_STARTED,
                  .callback_id = "cb-new",
                  .result_mode = "text",
                  .started_at = STORE_NO_TIME,
                  .ended_at = STORE_NO_TIME,
                  .next_attempt_at = STORE_NO_TIME,
                  .timeout_at = STORE_NO_TIME,
                  .heartbeat_at = STORE_NO_TIME};
    assert_int_equal(store_op_write(s, "exec-1", &w, STORE_NONE, 0, &err), CAIRN_OK);
    assert_int_equal(store_op_get(s, "exec-1", "2", &r, &err), CAIRN_OK);
    assert_string_equal(r.result_mode, "text");
    store_op_cleanup(&r);
    store_close(s);
    /* opening again migrates nothing more */
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    store_close(s);
    err_cleanup(&err);
}

/*
 * A store of schema 2 (cairn before `invoke`) gains executions.parent_id and
 * parent_op_id: its executions have no parent; a new one records its parent.
 */
static void test_schema_2_file_gains_parents(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_close(s);
    raw_exec(path, "DROP INDEX executions_parent; ALTER TABLE executions DROP COLUMN parent_id; "
                   "ALTER TABLE executions DROP COLUMN parent_op_id; "
                   "UPDATE meta SET value = '2' WHERE key = 'schema_version';");

    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    store_exec r;
    assert_int_equal(store_exec_get(s, "exec-1", &r, &err), CAIRN_OK);
    assert_null(r.parent_id);
    assert_null(r.parent_op_id);
    store_exec_cleanup(&r);
    store_exec child = sample_exec;
    child.id = "exec-2";
    child.name = NULL;
    child.parent_id = "exec-1";
    child.parent_op_id = "3-1";
    assert_int_equal(store_exec_insert(s, &child, &err), CAIRN_OK);
    assert_int_equal(store_exec_get(s, "exec-2", &r, &err), CAIRN_OK);
    assert_string_equal(r.parent_id, "exec-1");
    assert_string_equal(r.parent_op_id, "3-1");
    store_exec_cleanup(&r);
    char **ids;
    size_t n;
    assert_int_equal(store_exec_children(s, "exec-1", &ids, &n, &err), CAIRN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "exec-2");
    mem_free(ids[0]);
    mem_free(ids);
    store_close(s);
    err_cleanup(&err);
}

/* An operation row (no times but started_at 1) of the given shape. */
static store_op op_row(int64_t seq, const char *id, const char *parent, store_op_type type,
                       const char *sub_type, store_status status, const char *result)
{
    return (store_op){.seq = seq,
                      .id = id,
                      .parent_id = parent,
                      .type = type,
                      .sub_type = sub_type,
                      .status = status,
                      .result = result,
                      .started_at = 1,
                      .ended_at = STORE_NO_TIME,
                      .next_attempt_at = STORE_NO_TIME,
                      .timeout_at = STORE_NO_TIME,
                      .heartbeat_at = STORE_NO_TIME};
}

/* Writes that row to exec-1. */
static void put_row(store *s, int64_t seq, const char *id, const char *parent, store_op_type type,
                    const char *sub_type, store_status status, const char *result)
{
    cairn_error err;
    err_init(&err);
    store_op o = op_row(seq, id, parent, type, sub_type, status, result);
    assert_int_equal(store_op_put(s, "exec-1", &o, &err), CAIRN_OK);
}

/*
 * A store of schema 3 (cairn before end_seq) gains operations.end_seq: its
 * rows read 0 there (not known); a row written now keeps what it is given.
 */
static void test_schema_3_file_gains_end_seq(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_op o = op_row(1, "1", NULL, STORE_OP_CONTEXT, "RunInChildContext", STORE_SUCCEEDED, NULL);
    assert_int_equal(store_op_put(s, "exec-1", &o, &err), CAIRN_OK);
    store_close(s);
    raw_exec(path, "ALTER TABLE operations DROP COLUMN end_seq; "
                   "UPDATE meta SET value = '3' WHERE key = 'schema_version';");

    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    store_op r;
    assert_int_equal(store_op_get(s, "exec-1", "1", &r, &err), CAIRN_OK);
    assert_int_equal(r.end_seq, 0);
    store_op_cleanup(&r);
    o.id = "2";
    o.seq = 3;
    o.end_seq = 7;
    assert_int_equal(store_op_put(s, "exec-1", &o, &err), CAIRN_OK);
    assert_int_equal(store_op_get(s, "exec-1", "2", &r, &err), CAIRN_OK);
    assert_int_equal(r.end_seq, 7);
    store_op_cleanup(&r);
    store_close(s);
    err_cleanup(&err);
}

/*
 * A store of schema 4 (operations.callback_id UNIQUE for every row, one event
 * a row) gets the partial index and events.start_type: its rows are kept and
 * read as before, callback ids stay unique, the lookup uses the index, and a
 * new row holding a start reads back as two events.
 */
static void test_schema_4_file_gets_callback_index_and_start_rows(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_op o = op_row(1, "1", NULL, STORE_OP_CALLBACK, NULL, STORE_STARTED, NULL);
    o.callback_id = "cb-1";
    assert_int_equal(store_op_put(s, "exec-1", &o, &err), CAIRN_OK);
    store_close(s);
    /* what cairn wrote before version 5 */
    raw_exec(path,
             "CREATE TABLE ops4 (execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE "
             "CASCADE, seq INTEGER NOT NULL, id TEXT NOT NULL, parent_id TEXT, name TEXT, "
             "type TEXT NOT NULL, sub_type TEXT, status TEXT NOT NULL, attempt INTEGER, "
             "result TEXT, error TEXT, started_at INTEGER, ended_at INTEGER, "
             "next_attempt_at INTEGER, callback_id TEXT UNIQUE, timeout_at INTEGER, "
             "heartbeat_at INTEGER, heartbeat_ms INTEGER, result_mode TEXT, end_seq INTEGER, "
             "PRIMARY KEY (execution_id, id)) WITHOUT ROWID; "
             "INSERT INTO ops4 SELECT * FROM operations; DROP TABLE operations; "
             "ALTER TABLE ops4 RENAME TO operations; "
             "ALTER TABLE events DROP COLUMN start_type; "
             "INSERT INTO events (execution_id, seq, type, at, op_id) "
             "VALUES ('exec-1', 1, 'CallbackStarted', 5, '1'); "
             "UPDATE meta SET value = '4' WHERE key = 'schema_version';");

    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     STORE_SCHEMA_VERSION);
    char *exec_id, *op_id;
    assert_int_equal(store_callback_find(s, "cb-1", &exec_id, &op_id, &err), CAIRN_OK);
    assert_string_equal(exec_id, "exec-1");
    assert_string_equal(op_id, "1");
    mem_free(exec_id);
    mem_free(op_id);
    /* the lookup goes by the partial index, which holds only rows with a callback */
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(s),
                                        "EXPLAIN QUERY PLAN SELECT execution_id, id FROM "
                                        "operations WHERE callback_id = 'cb-1'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(q, 3), "operations_callback"));
    sqlite3_finalize(q);
    store_op plain = op_row(2, "2", NULL, STORE_OP_STEP, NULL, STORE_STARTED, NULL);
    assert_int_equal(store_op_put(s, "exec-1", &plain, &err), CAIRN_OK);
    assert_int_equal(pragma_int(s, "SELECT count(*) FROM operations INDEXED BY operations_callback "
                                   "WHERE callback_id IS NOT NULL"),
                     1);
    /* callback ids stay unique */
    store_op twin = op_row(3, "3", NULL, STORE_OP_CALLBACK, NULL, STORE_STARTED, NULL);
    twin.callback_id = "cb-1";
    assert_int_equal(store_op_put(s, "exec-1", &twin, &err), CAIRN_ERR_STORE);
    err_cleanup(&err);
    /* the old event reads as it was; a row with its start reads as two events */
    store_op step = op_row(2, "2", NULL, STORE_OP_STEP, NULL, STORE_SUCCEEDED, "7");
    step.attempt = 1;
    step.started_at = 20;
    step.next_attempt_at = 99;
    store_event e = {.type = "StepSucceeded", .at = 30, .op = step, .start_type = "StepStarted"};
    assert_int_equal(store_event_add(s, "exec-1", &e, &err), CAIRN_OK);
    store_event *ev;
    size_t n;
    assert_int_equal(store_events_load(s, "exec-1", &ev, &n, &err), CAIRN_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ev[0].seq, 1);
    assert_string_equal(ev[0].type, "CallbackStarted");
    assert_int_equal(ev[1].seq, 2);
    assert_string_equal(ev[1].type, "StepStarted");
    assert_int_equal(ev[1].at, 20);
    assert_null(ev[1].op.result);
    assert_int_equal(ev[1].op.next_attempt_at, STORE_NO_TIME);
    assert_int_equal(ev[1].op.attempt, 1);
    assert_string_equal(ev[1].op.id, "2");
    assert_int_equal(ev[2].seq, 3);
    assert_string_equal(ev[2].type, "StepSucceeded");
    assert_int_equal(ev[2].at, 30);
    assert_string_equal(ev[2].op.result, "7");
    assert_int_equal(ev[2].op.next_attempt_at, 99);
    store_events_free(ev, n);
    assert_int_equal(pragma_int(s, "SELECT count(*) FROM events"), 2);
    store_close(s);
    err_cleanup(&err);
}

static void test_not_a_database_is_refused_naming_the_file(void **state)
{
    const char *path = *state;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 64; i++)
        fputs("this is a text file, not a database at all\n", f);
    fclose(f);
    size_t before_len, after_len;
    char *before = slurp(path, &before_len);

    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_ERR_STORE);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "not an SQLite database"));
    char *after = slurp(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    char wal[512];
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_not_equal(access(wal, F_OK), 0);
    free(before);
    free(after);
    err_cleanup(&err);
}

static void test_other_sqlite_database_is_not_a_cairn_store(void **state)
{
    const char *path = *state;
    raw_exec(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');");
    size_t before_len, after_len;
    char *before = slurp(path, &before_len);
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_ERR_STORE);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "not a cairn store"));
    char *after = slurp(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    err_cleanup(&err);
}

static void test_unopenable_path_names_the_file(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, "/nonexistent-dir-cairn/x.db", &err), CAIRN_ERR_STORE);
    assert_non_null(strstr(err.message, "/nonexistent-dir-cairn/x.db"));
    err_cleanup(&err);
}

static void test_operations_round_trip_in_journal_order(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_begin(s, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_op a = {.seq = 2,
                  .id = "2",
                  .name = "late",
                  .type = STORE_OP_WAIT,
                  .status = STORE_STARTED,
                  .started_at = 10,
                  .ended_at = STORE_NO_TIME,
                  .next_attempt_at = STORE_NO_TIME,
                  .timeout_at = 99,
                  .heartbeat_at = STORE_NO_TIME};
    store_op b = {.seq = 1,
                  .id = "1",
                  .name = "early",
                  .type = STORE_OP_STEP,
                  .sub_type = "Step",
                  .status = STORE_PENDING,
                  .attempt = 2,
                  .error = "{\"type\":\"X\"}",
                  .started_at = 5,
                  .ended_at = STORE_NO_TIME,
                  .next_attempt_at = 7,
                  .timeout_at = STORE_NO_TIME,
                  .heartbeat_at = STORE_NO_TIME};
    assert_int_equal(store_op_put(s, "exec-1", &a, &err), CAIRN_OK);
    assert_int_equal(store_op_put(s, "exec-1", &b, &err), CAIRN_OK);
    b.status = STORE_SUCCEEDED;
    b.attempt = 3;
    b.result = "[1,2]";
    b.seq = 42; /* an update keeps the journal position */
    assert_int_equal(store_op_put(s, "exec-1", &b, &err), CAIRN_OK);
    assert_int_equal(store_commit(s, &err), CAIRN_OK);

    store_op *rows;
    size_t n;
    assert_int_equal(store_ops_load(s, "exec-1", &rows, &n, &err), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].id, "1");
    assert_int_equal(rows[0].seq, 1);
    assert_int_equal(rows[0].status, STORE_SUCCEEDED);
    assert_int_equal(rows[0].attempt, 3);
    assert_string_equal(rows[0].result, "[1,2]");
    assert_string_equal(rows[0].sub_type, "Step");
    assert_int_equal(rows[0].next_attempt_at, 7);
    assert_string_equal(rows[1].name, "late");
    assert_null(rows[1].result);
    assert_null(rows[1].sub_type);
    assert_int_equal(rows[1].attempt, 0);
    assert_int_equal(rows[1].timeout_at, 99);
    assert_int_equal(rows[1].ended_at, STORE_NO_TIME);
    store_ops_free(rows, n);

    /* Guarded writes: only over what the writer last saw. */
    store_op c = a;
    c.id = "3";
    c.seq = 3;
    assert_int_equal(store_op_write(s, "exec-1", &c, STORE_NONE, 0, &err), CAIRN_OK);
    assert_int_equal(store_op_write(s, "exec-1", &c, STORE_NONE, 0, &err), CAIRN_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "another invocation"));
    err_cleanup(&err);
    c.status = STORE_SUCCEEDED;
    assert_int_equal(store_op_write(s, "exec-1", &c, STORE_PENDING, 0, &err), CAIRN_ERR_CONFLICT);
    err_cleanup(&err);
    assert_int_equal(store_op_write(s, "exec-1", &c, STORE_STARTED, 1, &err), CAIRN_ERR_CONFLICT);
    err_cleanup(&err);
    assert_int_equal(store_op_write(s, "exec-1", &c, STORE_STARTED, 0, &err), CAIRN_OK);

    /* An ended execution is never written again. */
    store_exec ended = sample_exec;
    ended.status = STORE_SUCCEEDED;
    assert_int_equal(store_exec_update(s, &ended, &err), CAIRN_OK);
    assert_int_equal(store_exec_update(s, &ended, &err), CAIRN_ERR_CONFLICT);
    err_cleanup(&err);

    /* Foreign keys hold: no journal row without its execution. */
    assert_int_equal(store_op_put(s, "no-such-exec", &a, &err), CAIRN_ERR_STORE);
    err_cleanup(&err);
    store_close(s);
}

/* Statuses and types are enums in C and AWS's words in SQL; a word the store
 * does not know is a damaged row, refused rather than guessed. */
static void test_live_load_passes_over_closed_contexts(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_begin(s, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    const store_op_type C = STORE_OP_CONTEXT, S = STORE_OP_STEP;
    const store_status OK = STORE_SUCCEEDED, RUN = STORE_STARTED;
    /* 1: a finished map with its `all`; its items are never read */
    put_row(s, 1, "1", NULL, C, "Map", OK, "{\"all\":[],\"completionReason\":\"ALL_COMPLETED\"}");
    put_row(s, 2, "1-1", "1", C, "MapIteration", OK, "1");
    put_row(s, 3, "1-1-1", "1-1", S, "Step", OK, "1");
    /* 2: a parallel still running: branch 2-1 finished (passed over), 2-2 running (read) */
    put_row(s, 4, "2", NULL, C, "Parallel", RUN, NULL);
    put_row(s, 5, "2-1", "2", C, "ParallelBranch", OK, "7");
    put_row(s, 6, "2-1-1", "2-1", S, "Step", OK, "7");
    put_row(s, 7, "2-2", "2", C, "ParallelBranch", RUN, NULL);
    put_row(s, 8, "2-2-1", "2-2", S, "Step", RUN, NULL);
    /* 3: a finished map whose payload is a summary: its items are read */
    put_row(s, 9, "3", NULL, C, "Map", OK, "{\"type\":\"MapResult\"}");
    put_row(s, 10, "3-1", "3", C, "MapIteration", OK, "2");
    /* 10 and 11 are not an operation of 1's: "10" sorts after "1." */
    put_row(s, 11, "10", NULL, S, "Step", OK, "3");
    /* 12: a finished group, the last thing journaled: its inner rows hold the largest seq */
    put_row(s, 12, "12", NULL, C, "RunInChildContext", OK, "4");
    put_row(s, 14, "12-1", "12", S, "Step", OK, "4");
    assert_int_equal(store_commit(s, &err), CAIRN_OK);

    store_op *rows;
    size_t n;
    int64_t last = 0;
    assert_int_equal(store_ops_load_live(s, "exec-1", &rows, &n, &last, &err), CAIRN_OK);
    const char *want[] = {"1", "2", "2-1", "2-2", "2-2-1", "3", "3-1", "10", "12"};
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rows[i].id, want[i]); /* in journal (seq) order */
    assert_int_equal(last,
                     14); /* read from the rows: no end_seq was written (as before schema 4) */
    store_ops_free(rows, n);

    /* A context closed since schema 4 says its end_seq: the load takes it from there. */
    assert_int_equal(store_begin(s, &err), CAIRN_OK);
    store_op g = op_row(12, "12", NULL, C, "RunInChildContext", OK, "4");
    g.end_seq = 20;
    assert_int_equal(store_op_put(s, "exec-1", &g, &err), CAIRN_OK);
    assert_int_equal(store_commit(s, &err), CAIRN_OK);
    assert_int_equal(store_ops_load_live(s, "exec-1", &rows, &n, &last, &err), CAIRN_OK);
    assert_int_equal(n, sizeof want / sizeof *want);
    assert_int_equal(rows[n - 1].end_seq, 20);
    assert_int_equal(last, 20);
    store_ops_free(rows, n);
    store_close(s);
}

static void test_status_and_type_are_words_in_sql(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_begin(s, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_op a = {.seq = 1,
                  .id = "1",
                  .name = "ask",
                  .type = STORE_OP_CALLBACK,
                  .status = STORE_TIMED_OUT,
                  .started_at = 10,
                  .ended_at = 20,
                  .next_attempt_at = STORE_NO_TIME,
                  .timeout_at = STORE_NO_TIME,
                  .heartbeat_at = STORE_NO_TIME};
    assert_int_equal(store_op_put(s, "exec-1", &a, &err), CAIRN_OK);
    assert_int_equal(store_commit(s, &err), CAIRN_OK);

    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(s),
                                        "SELECT o.type, o.status, e.status FROM operations o "
                                        "JOIN executions e ON e.id = o.execution_id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "CALLBACK");
    assert_string_equal((const char *)sqlite3_column_text(q, 1), "TIMED_OUT");
    assert_string_equal((const char *)sqlite3_column_text(q, 2), "RUNNING");
    sqlite3_finalize(q);

    store_op r;
    assert_int_equal(store_op_get(s, "exec-1", "1", &r, &err), CAIRN_OK);
    assert_int_equal(r.type, STORE_OP_CALLBACK);
    assert_int_equal(r.status, STORE_TIMED_OUT);
    store_op_cleanup(&r);
    assert_string_equal(store_status_name(STORE_CANCELLED), "CANCELLED");
    assert_string_equal(store_op_type_name(STORE_OP_CONTEXT), "CONTEXT");
    assert_true(store_status_ended(STORE_TIMED_OUT));
    assert_false(store_status_ended(STORE_PENDING));
    store_close(s);

    raw_exec(path, "UPDATE operations SET status = 'SLEEPING'");
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_op_get(s, "exec-1", "1", &r, &err), CAIRN_ERR_STORE);
    assert_non_null(strstr(err.message, "damaged"));
    err_cleanup(&err);
    raw_exec(path, "UPDATE executions SET status = 'DONE'");
    store_exec ex;
    assert_int_equal(store_exec_get(s, "exec-1", &ex, &err), CAIRN_ERR_STORE);
    store_close(s);
    err_cleanup(&err);
}

static void test_next_due_skips_and_reports_the_next_wake(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    store_exec r = sample_exec;
    r.name = NULL;
    r.id = "a";
    r.wake_at = 100;
    assert_int_equal(store_exec_insert(s, &r, &err), CAIRN_OK);
    r.id = "b";
    r.status = STORE_PENDING;
    r.wake_at = 200;
    assert_int_equal(store_exec_insert(s, &r, &err), CAIRN_OK);
    r.id = "c";
    r.status = STORE_SUCCEEDED;
    r.wake_at = 50; /* ended: never due */
    assert_int_equal(store_exec_insert(s, &r, &err), CAIRN_OK);

    char *id;
    int64_t next;
    assert_int_equal(store_next_due(s, 150, 0, NULL, &id, &next, NULL, &err), 1);
    assert_string_equal(id, "a");
    free(id);
    const char *const skip[] = {"a", NULL};
    assert_int_equal(store_next_due(s, 150, 0, skip, &id, &next, NULL, &err), 0);
    assert_null(id);
    assert_int_equal(next, 200);
    assert_int_equal(store_next_due(s, 250, 0, skip, &id, &next, NULL, &err), 1);
    assert_string_equal(id, "b");
    free(id);
    const char *const both[] = {"a", "b", NULL};
    assert_int_equal(store_next_due(s, 250, 0, both, &id, &next, NULL, &err), 0);
    assert_int_equal(next, -1);

    store_exec *rows;
    size_t n;
    assert_int_equal(store_exec_list(s, &rows, &n, &err), CAIRN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].id, "c"); /* same created_at: newest insert first */
    store_execs_free(rows, n);
    store_close(s);
}

static void test_lease_gives_an_execution_to_one_process_at_a_time(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    store_exec r = sample_exec;
    r.name = NULL;
    r.id = "a";
    r.wake_at = 100;
    assert_int_equal(store_exec_insert(s, &r, &err), CAIRN_OK);

    /* Process p takes it until 1000 (real time); q cannot, and does not see it due. */
    assert_int_equal(store_exec_claim(s, "a", "p", 1000, 500, &err), CAIRN_OK);
    assert_int_equal(store_exec_claim(s, "a", "q", 1600, 600, &err), CAIRN_ERR_CONFLICT);
    assert_string_equal(err.type, "Execution.Busy");
    err_cleanup(&err);
    char *id;
    int64_t next;
    int64_t lease_until;
    assert_int_equal(store_next_due(s, 150, 600, NULL, &id, &next, &lease_until, &err), 0);
    assert_null(id);
    assert_int_equal(lease_until, 1000); /* when to look again, should p die */
    assert_int_equal(next, -1);

    /* p renews its own lease; once it runs out, q takes over (a crashed p). */
    assert_int_equal(store_exec_claim(s, "a", "p", 1500, 900, &err), CAIRN_OK);
    assert_int_equal(store_exec_claim(s, "a", "q", 2100, 1400, &err), CAIRN_ERR_CONFLICT);
    err_cleanup(&err);
    assert_int_equal(store_next_due(s, 150, 1500, NULL, &id, &next, &lease_until, &err), 1);
    assert_string_equal(id, "a");
    assert_int_equal(lease_until, -1); /* run out */
    free(id);
    assert_int_equal(store_exec_claim(s, "a", "q", 2500, 1500, &err), CAIRN_OK);

    /* Releasing is the holder's alone; ending an invocation frees it too. */
    assert_int_equal(store_exec_release(s, "a", "p", &err), CAIRN_OK);
    assert_int_equal(store_exec_claim(s, "a", "p", 3000, 1600, &err), CAIRN_ERR_CONFLICT);
    err_cleanup(&err);
    store_exec got;
    assert_int_equal(store_exec_get(s, "a", &got, &err), CAIRN_OK);
    assert_string_equal(got.lease_owner, "q");
    assert_int_equal(got.lease_until, 2500);
    store_exec_cleanup(&got);
    r.status = STORE_PENDING;
    r.updated_at = 1700;
    assert_int_equal(store_exec_update(s, &r, &err), CAIRN_OK);
    assert_int_equal(store_exec_claim(s, "a", "p", 3000, 1700, &err), CAIRN_OK);
    assert_int_equal(store_exec_release(s, "a", "p", &err), CAIRN_OK);
    assert_int_equal(store_exec_get(s, "a", &got, &err), CAIRN_OK);
    assert_null(got.lease_owner);
    assert_int_equal(got.lease_until, STORE_NO_TIME);
    store_exec_cleanup(&got);
    store_close(s);
}

/* Events are appended in the caller's transaction: a rollback leaves none, and
 * each execution numbers its own from 1. */
static void test_events_append_in_order_and_roll_back_with_their_update(void **state)
{
    const char *path = *state;
    cairn_error err;
    err_init(&err);
    store *s;
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(store_exec_insert(s, &sample_exec, &err), CAIRN_OK);
    store_event e = {.type = "StepStarted",
                     .at = 2000,
                     .op = {.id = "1",
                            .name = "charge",
                            .sub_type = "Step",
                            .attempt = 1,
                            .started_at = 2000,
                            .next_attempt_at = STORE_NO_TIME,
                            .timeout_at = STORE_NO_TIME}};
    assert_int_equal(store_begin(s, &err), CAIRN_OK);
    assert_int_equal(store_event_add(s, "exec-1", &e, &err), CAIRN_OK);
    store_rollback(s);
    store_event *rows;
    size_t n;
    assert_int_equal(store_events_load(s, "exec-1", &rows, &n, &err), CAIRN_OK);
    assert_int_equal(n, 0);
    store_events_free(rows, n);

    assert_int_equal(store_begin(s, &err), CAIRN_OK);
    assert_int_equal(store_event_add(s, "exec-1", &e, &err), CAIRN_OK);
    e.type = "StepFailed";
    e.at = 2500;
    e.op.error = "{\"type\":\"Busy\",\"message\":\"m\"}";
    e.op.next_attempt_at = 4500;
    assert_int_equal(store_event_add(s, "exec-1", &e, &err), CAIRN_OK);
    assert_int_equal(store_commit(s, &err), CAIRN_OK);
    assert_int_equal(store_events_load(s, "exec-1", &rows, &n, &err), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].seq, 1);
    assert_string_equal(rows[0].type, "StepStarted");
    assert_null(rows[0].op.error);
    assert_int_equal(rows[0].op.next_attempt_at, STORE_NO_TIME);
    assert_int_equal(rows[1].seq, 2);
    assert_string_equal(rows[1].type, "StepFailed");
    assert_int_equal(rows[1].at, 2500);
    assert_string_equal(rows[1].op.name, "charge");
    assert_int_equal(rows[1].op.attempt, 1);
    assert_string_equal(rows[1].op.error, "{\"type\":\"Busy\",\"message\":\"m\"}");
    assert_int_equal(rows[1].op.next_attempt_at, 4500);
    store_events_free(rows, n);
    assert_int_equal(store_events_load(s, "exec-2", &rows, &n, &err), CAIRN_OK);
    assert_int_equal(n, 0);
    store_events_free(rows, n);
    store_close(s);
    err_cleanup(&err);
}

/* Openers of one new store, started together (as workers, starts and
 * callbacks of a fresh deployment are). */
enum { OPENERS = 6, ROUNDS = 100 };

typedef struct opener {
    const char *path;
    pthread_barrier_t *go;
    int rc;
    char message[256];
} opener;

static void *open_together(void *arg)
{
    opener *o = arg;
    store *s = NULL;
    cairn_error err;
    err_init(&err);
    pthread_barrier_wait(o->go);
    o->rc = store_open(&s, o->path, &err);
    snprintf(o->message, sizeof o->message, "%s", err.message ? err.message : "");
    store_close(s);
    err_cleanup(&err);
    return NULL;
}

/* Each of them opens it: the one that makes it WAL first does not make the
 * others fail (they asked while holding a shared lock: SQLite answers busy at
 * once there, without the busy timeout). */
static void test_a_new_store_opened_by_many_at_once_opens_for_all(void **state)
{
    const char *path = *state;
    for (int round = 0; round < ROUNDS; round++) {
        remove_db(path);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, OPENERS);
        opener o[OPENERS];
        pthread_t t[OPENERS];
        for (int i = 0; i < OPENERS; i++) {
            o[i] = (opener){.path = path, .go = &go, .rc = -1};
            assert_int_equal(pthread_create(&t[i], NULL, open_together, &o[i]), 0);
        }
        for (int i = 0; i < OPENERS; i++)
            assert_int_equal(pthread_join(t[i], NULL), 0);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < OPENERS; i++)
            if (o[i].rc != CAIRN_OK)
                fail_msg("round %d, opener %d: %s", round, i, o[i].message);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_then_reopen_keeps_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_and_synchronous_full_are_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_new_store_opened_by_many_at_once_opens_for_all,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database_is_refused_naming_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_other_sqlite_database_is_not_a_cairn_store, setup,
                                        teardown),
        cmocka_unit_test(test_unopenable_path_names_the_file),
        cmocka_unit_test_setup_teardown(test_schema_1_file_is_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_2_file_gains_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operations_round_trip_in_journal_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lease_gives_an_execution_to_one_process_at_a_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_load_passes_over_closed_contexts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_schema_3_file_gains_end_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_4_file_gets_callback_index_and_start_rows,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_and_type_are_words_in_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_append_in_order_and_roll_back_with_their_update,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_due_skips_and_reports_the_next_wake, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
