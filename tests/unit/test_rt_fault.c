/*
 * test_rt_fault.c — fault injection (fault.h) and what the store does under
 * disk and database faults: a failed write, fsync or full disk through the
 * VFS shim, PRAGMA max_page_count, a database locked by another connection,
 * and a damaged file. Each must give an error naming the file and the cause,
 * leave no transaction open, keep what was committed before, and let the
 * next transaction commit once the fault is gone. Also: the kill-point count
 * (two per commit) and the spec parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "store.h"

/* A fresh temporary path (removed, with its -wal and -shm, by teardown). */
static int setup(void **state)
{
    char *path = strdup("/tmp/cairn-test-fault-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    *state = path;
    return 0;
}

static int teardown(void **state)
{
    char buf[512];
    const char *path = *state;
    fault_configure(NULL);
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
    free(*state);
    return 0;
}

/* Inserts execution id (input of `pad` bytes of padding) in its own transaction. */
static int insert(store *s, const char *id, size_t pad, cairn_error *err)
{
    char *input = malloc(pad + 16);
    assert_non_null(input);
    snprintf(input, pad + 16, "{\"p\":\"%*s\"}", (int)pad, "");
    store_exec r = {
        .id = id,
        .workflow = "w",
        .version = 1,
        .definition_sha256 = "00",
        .status = STORE_RUNNING,
        .input = input,
        .created_at = 1,
        .updated_at = 1,
        .ended_at = STORE_NO_TIME,
        .wake_at = 1,
        .timeout_at = STORE_NO_TIME,
        .lease_until = STORE_NO_TIME,
    };
    int rc = store_begin(s, err);
    if (rc == CAIRN_OK)
        rc = store_exec_insert(s, &r, err);
    if (rc == CAIRN_OK)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    free(input);
    return rc;
}

static int has_exec(const char *path, const char *id)
{
    store *s;
    cairn_error err;
    err_init(&err);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    store_exec row;
    int rc = store_exec_get(s, id, &row, &err);
    assert_true(rc == CAIRN_OK || rc == CAIRN_ERR_NOT_FOUND);
    store_exec_cleanup(&row);
    store_close(s);
    err_cleanup(&err);
    return rc == CAIRN_OK;
}

/* err's message names path and holds cause. */
static void assert_names(const cairn_error *err, const char *path, const char *cause)
{
    assert_non_null(err->message);
    if (!strstr(err->message, path) || !strstr(err->message, cause))
        fail_msg("error '%s' does not name %s and '%s'", err->message, path, cause);
}

static void test_spec(void **state)
{
    (void)state;
    assert_int_equal(fault_configure(NULL), 0);
    assert_int_equal(fault_configure(""), 0);
    assert_int_equal(fault_configure("write:after=3"), 0);
    assert_int_equal(fault_configure("fsync:after=0"), 0);
    assert_int_equal(fault_configure("full"), 0);
    assert_int_equal(fault_configure("disk:after=1"), -1);
    assert_int_equal(fault_configure("write:after="), -1);
    assert_int_equal(fault_configure("write:after=-1"), -1);
    assert_int_equal(fault_configure("write:before=1"), -1);
    assert_int_equal(fault_configure("write:after=2x"), -1);
    assert_int_equal(fault_configure(NULL), 0);
}

/* Two kill points per commit: one before, one after. */
static void test_kill_points_per_commit(void **state)
{
    const char *path = *state;
    store *s;
    cairn_error err;
    err_init(&err);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    long before = fault_kill_points();
    assert_int_equal(insert(s, "a", 1, &err), CAIRN_OK);
    assert_int_equal(fault_kill_points(), before + 2);
    assert_int_equal(insert(s, "b", 1, &err), CAIRN_OK);
    assert_int_equal(fault_kill_points(), before + 4);
    store_close(s);
    err_cleanup(&err);
}

/*
 * A fault from the VFS shim fails the commit; a fresh store commits again.
 * lost_gone: the failed transaction must not show up later. Not so after a
 * failed fsync: its WAL frames were written and may be read back by a later
 * recovery (the commit was reported failed, never successful).
 */
static void check_vfs_fault(const char *path, const char *spec, const char *cause, int lost_gone)
{
    store *s;
    cairn_error err;
    err_init(&err);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(insert(s, "kept", 10, &err), CAIRN_OK);

    assert_int_equal(fault_configure(spec), 0);
    int rc = insert(s, "lost", 10, &err);
    assert_int_equal(rc, CAIRN_ERR_STORE);
    assert_names(&err, path, cause);
    assert_true(sqlite3_get_autocommit(store_db(s))); /* no transaction left open */
    err_cleanup(&err);
    store_close(s);
    assert_int_equal(fault_configure(NULL), 0);

    /* Recovery: what was committed is there, and the store takes new commits. */
    assert_true(has_exec(path, "kept"));
    if (lost_gone)
        assert_false(has_exec(path, "lost"));
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(insert(s, "after", 10, &err), CAIRN_OK);
    store_close(s);
    assert_true(has_exec(path, "after"));
    err_cleanup(&err);
}

static void test_write_error(void **state)
{
    check_vfs_fault(*state, "write:after=0", "disk I/O error", 1);
}

static void test_fsync_error(void **state)
{
    check_vfs_fault(*state, "fsync:after=0", "disk I/O error", 0);
}

static void test_disk_full(void **state)
{
    check_vfs_fault(*state, "full:after=0", "database or disk is full", 1);
}

/* The shim lets the first N writes through: a fault in the middle of a commit. */
static void test_fault_after_some_writes(void **state)
{
    const char *path = *state;
    for (int n = 1; n <= 4; n++) {
        store *s;
        cairn_error err;
        err_init(&err);
        assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
        char id[16];
        snprintf(id, sizeof id, "big%d", n);
        assert_int_equal(fault_configure(n % 2 ? "write:after=1" : "full:after=2"), 0);
        /* 20 KB spans several pages, so the commit needs several writes. */
        assert_int_equal(insert(s, id, 20000, &err), CAIRN_ERR_STORE);
        assert_names(&err, path, n % 2 ? "disk I/O error" : "database or disk is full");
        fault_configure(NULL);
        store_close(s);
        err_cleanup(&err);
        assert_false(has_exec(path, id));
    }
}

static void test_max_page_count(void **state)
{
    const char *path = *state;
    store *s;
    cairn_error err;
    err_init(&err);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(insert(s, "kept", 10, &err), CAIRN_OK);
    assert_int_equal(sqlite3_exec(store_db(s), "PRAGMA max_page_count = 8", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(insert(s, "huge", 100000, &err), CAIRN_ERR_STORE);
    assert_names(&err, path, "database or disk is full");
    assert_true(sqlite3_get_autocommit(store_db(s)));
    err_cleanup(&err);
    /* Room again: the same connection commits. */
    assert_int_equal(sqlite3_exec(store_db(s), "PRAGMA max_page_count = 1000000", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(insert(s, "huge", 100000, &err), CAIRN_OK);
    store_close(s);
    assert_true(has_exec(path, "kept"));
    assert_true(has_exec(path, "huge"));
    err_cleanup(&err);
}

/* Another connection holds the write lock past busy_timeout. */
static void test_locked(void **state)
{
    const char *path = *state;
    store *s;
    cairn_error err;
    err_init(&err);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    assert_int_equal(insert(s, "kept", 10, &err), CAIRN_OK);
    sqlite3_busy_timeout(store_db(s), 50);

    sqlite3 *other;
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "DELETE FROM executions", NULL, NULL, NULL), SQLITE_OK);

    assert_int_equal(insert(s, "blocked", 10, &err), CAIRN_ERR_STORE);
    assert_names(&err, path, "database is locked");
    assert_true(sqlite3_get_autocommit(store_db(s)));
    err_cleanup(&err);

    /* The other gives up its change; the store goes on, nothing committed lost. */
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(insert(s, "after", 10, &err), CAIRN_OK);
    store_close(s);
    assert_true(has_exec(path, "kept"));
    assert_true(has_exec(path, "after"));
    assert_false(has_exec(path, "blocked"));
    err_cleanup(&err);
}

/* A store whose table pages are overwritten: reads fail naming the file, nothing crashes. */
static void test_corrupt_pages(void **state)
{
    const char *path = *state;
    store *s;
    cairn_error err;
    err_init(&err);
    assert_int_equal(store_open(&s, path, &err), CAIRN_OK);
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "x%d", i);
        assert_int_equal(insert(s, id, 2000, &err), CAIRN_OK);
    }
    store_close(s); /* the last close checkpoints the WAL into the file */

    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    char junk[4096];
    memset(junk, 0xA5, sizeof junk);
    assert_int_equal(fseek(f, 4096 * 2, SEEK_SET), 0); /* pages 3 and after: tables */
    for (int i = 0; i < 8; i++)
        assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    fclose(f);

    int rc = store_open(&s, path, &err);
    if (rc == CAIRN_OK) {
        store_exec *rows = NULL;
        size_t n = 0;
        rc = store_exec_list(s, &rows, &n, &err);
        store_execs_free(rows, n);
        store_close(s);
    }
    assert_int_equal(rc, CAIRN_ERR_STORE);
    assert_names(&err, path, "malformed");
    err_cleanup(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec),
        cmocka_unit_test_setup_teardown(test_kill_points_per_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_after_some_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_page_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_pages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
