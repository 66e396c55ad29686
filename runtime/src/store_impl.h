/*
 * store_impl.h — what the store's files (store.c, store_lease.c) share: the
 * connection with its prepared statements, and the helpers that run them.
 * Private to the store.
 */
#ifndef CAIRN_STORE_IMPL_H
#define CAIRN_STORE_IMPL_H

#include <sqlite3.h>

#include "store.h"

enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_SAVEPOINT_RELEASE,
    ST_ROLLBACK_TO,
    ST_EXEC_INSERT,
    ST_EXEC_GET,
    ST_EXEC_FIND_NAME,
    ST_EXEC_UPDATE,
    ST_EXEC_LIST,
    ST_DUE,
    ST_CLAIM,
    ST_RELEASE,
    ST_LEASES,
    ST_OP_PUT,
    ST_OP_INSERT,
    ST_OP_UPDATE,
    ST_OPS_LOAD,
    ST_OPS_LOAD_LIVE,
    ST_OPS_MAX_SEQ,
    ST_TAKE,
    ST_POKE,
    ST_OP_GET,
    ST_CB_FIND,
    ST_CB_CLOSE_ALL,
    ST_DATA_VERSION,
    ST_EVENT_ADD,
    ST_EVENTS_LOAD,
    ST_EXEC_STOP,
    ST_EXEC_LIVE,
    ST_EXEC_CHILDREN,
    ST_EXEC_PAGE,
    ST_EXEC_COUNT,
    ST_COUNT
};

struct store {
    sqlite3 *db;
    char *path;
    int relaxed;          /* CAIRN_SYNC=normal: synchronous NORMAL instead of FULL */
    char *shm_path; /* <db>-shm, touched after commits (watch.h); or NULL; owned */
    sqlite3_stmt *st[ST_COUNT];
};

int store_db_fail(store *s, cairn_error *err, const char *what);
int store_bind_text(sqlite3_stmt *q, int i, const char *v);
int store_bind_time(sqlite3_stmt *q, int i, int64_t t);
/* Resets q and clears its bindings, so no borrowed string outlives a call. */
void store_done_stmt(sqlite3_stmt *q);
/* Runs a statement that returns no rows. */
int store_run_stmt(store *s, int which, const char *what, cairn_error *err);

/* The SQL of events (store_events.c), prepared with store.c's. */
extern const char *const store_event_add_sql, *const store_events_load_sql;
/*
 * Schema step 1 -> 2: creates the events table (store_events.c). Runs in the
 * transaction of store.c's upgrade, which then records version 2.
 */
int store_migrate_v2_events(store *s, cairn_error *err);
int store_migrate_v5_events(store *s, cairn_error *err);
/* Whether table has a column named col: 1, 0, or -1 on error. */
int store_has_column(store *s, const char *table, const char *col);

/*
 * store_schema.c: makes the open file a store of STORE_SCHEMA_VERSION:
 * creates the schema in an empty file, upgrades an older one in place (one
 * transaction), refuses one that is not a cairn store or is newer (CAIRN_ERR_STORE,
 * err names the file and the cause; the file unchanged).
 */
int store_schema_ready(store *s, cairn_error *err);

#endif
