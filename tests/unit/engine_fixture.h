/*
 * engine_fixture.h — what the engine's cmocka tests share: a fresh store
 * per test (a temp file, removed with its -wal and -shm), and helpers that
 * start, invoke and drive executions and read their status and journal back
 * as the JSON of engine.h, and one that runs SQL on the store beside the engine
 * (fixture_sql). Include after <cmocka.h> and engine.h.
 */
#ifndef CAIRN_TEST_ENGINE_FIXTURE_H
#define CAIRN_TEST_ENGINE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "rfc3339.h"

typedef struct fixture {
    char path[64];
    engine *e;
    cairn_error err;
} fixture;

/* Opens an engine holding wfs on a new store named after prefix ("/tmp/cairn-test-NAME"). */
static inline fixture *fixture_open(const char *prefix, const cairn_workflow *const *wfs, size_t n)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->path, sizeof f->path, "%s-XXXXXX", prefix);
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    err_init(&f->err);
    assert_int_equal(engine_open(&f->e, f->path, wfs, n, &f->err), CAIRN_OK);
    return f;
}

static inline int fixture_teardown(void **state)
{
    fixture *f = *state;
    char buf[96];
    engine_close(f->e);
    err_cleanup(&f->err);
    unlink(f->path);
    snprintf(buf, sizeof buf, "%s-wal", f->path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", f->path);
    unlink(buf);
    free(f);
    return 0;
}

static inline char *start(fixture *f, const char *wf, const char *input)
{
    char *id = NULL;
    int created = -1;
    int rc = engine_start(f->e, wf, input, NULL, &id, &created, &f->err);
    if (rc != CAIRN_OK)
        fail_msg("engine_start: %s", f->err.message);
    assert_int_equal(created, 1);
    return id;
}

/* Runs sql on the store at path through a connection of its own, as another process would. */
static inline void fixture_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static inline void invoke(fixture *f, const char *id)
{
    int rc = engine_invoke(f->e, id, &f->err);
    if (rc != CAIRN_OK)
        fail_msg("engine_invoke: %s: %s", cairn_strerror(rc), f->err.message);
}

static inline void drive(fixture *f, const char *id)
{
    int rc = engine_drive(f->e, id, &f->err);
    if (rc != CAIRN_OK)
        fail_msg("engine_drive: %s: %s", cairn_strerror(rc), f->err.message);
}

static inline cJSON *status(fixture *f, const char *id)
{
    int rc;
    cJSON *s = engine_status_json(f->e, id, &rc, &f->err);
    assert_non_null(s);
    return s;
}

static inline cJSON *history(fixture *f, const char *id)
{
    int rc;
    cJSON *h = engine_history_json(f->e, id, &rc, &f->err);
    assert_non_null(h);
    return h;
}

static inline const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A time field, as ms since the epoch (-1 for null). */
static inline int64_t time_of(const cJSON *o, const char *key)
{
    const char *s = str(o, key);
    if (!s)
        return -1;
    int64_t ms;
    assert_int_equal(rfc3339_parse(s, &ms), 0);
    return ms;
}

static inline void assert_status(fixture *f, const char *id, const char *expected)
{
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), expected);
    cJSON_Delete(s);
}

/* Operation `opid` of the execution's journal, which must hold it (a copy; caller frees). */
static inline cJSON *operation(fixture *f, const char *id, const char *opid)
{
    cJSON *h = history(f, id);
    const cJSON *op;
    cJSON *found = NULL;
    cJSON_ArrayForEach(op, get(h, "operations"))
    {
        if (strcmp(str(op, "id"), opid) == 0)
            found = cJSON_Duplicate(op, 1);
    }
    cJSON_Delete(h);
    assert_non_null(found);
    return found;
}

#endif
