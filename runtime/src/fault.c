/*
 * fault.c — test-only fault injection (see fault.h): kill points counted
 * from process start, and a SQLite VFS shim over the default VFS that makes
 * writes, syncs or free space fail on demand.
 *
 * Owns: the kill-point count, the fault spec and its counters, the shim VFS
 * (registered as the default, once). Never: does anything unless its
 * environment variables are set (or a unit test calls fault_configure), and
 * never changes what reaches the disk other than by refusing a call, and is
 * never part of a library that ships: only cairn_runtime_test compiles it
 * (runtime/CMakeLists.txt), with CAIRN_TEST_HOOKS defined.
 */
#include "fault.h"

#ifndef CAIRN_TEST_HOOKS
#error "fault.c belongs to the test build of the runtime only (CAIRN_TEST_HOOKS)"
#endif

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* ------------------------------------------------------------------------ */
/* Kill points                                                               */
/* ------------------------------------------------------------------------ */

static atomic_long kill_passed;
static long kill_at = -1; /* -1: never */

static void print_kill_count(void)
{
    fprintf(stderr, "cairn: %ld kill points\n", atomic_load(&kill_passed));
}

static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void read_kill_env(void)
{
    const char *at = getenv("CAIRN_KILL_AT");
    if (at && *at) {
        char *end;
        long n = strtol(at, &end, 10);
        if (*end == '\0' && n > 0)
            kill_at = n;
        else
            fprintf(stderr, "cairn: ignoring CAIRN_KILL_AT=%s (not a positive integer)\n", at);
    }
    const char *count = getenv("CAIRN_KILL_COUNT");
    if (count && strcmp(count, "1") == 0)
        atexit(print_kill_count);
}

void fault_kill_point(void)
{
    pthread_once(&env_once, read_kill_env);
    long n = atomic_fetch_add(&kill_passed, 1) + 1;
    if (kill_at > 0 && n == kill_at)
        kill(getpid(), SIGKILL);
}

long fault_kill_points(void)
{
    return atomic_load(&kill_passed);
}

/* ------------------------------------------------------------------------ */
/* The fault spec                                                            */
/* ------------------------------------------------------------------------ */

typedef enum { FAULT_NONE, FAULT_WRITE, FAULT_FSYNC, FAULT_FULL } fault_kind;

static _Atomic fault_kind kind;
static atomic_long after; /* calls that still succeed */
static atomic_long calls; /* write (or sync) calls seen since configured */

/* Parses "KIND:after=N" into *k and *n; NULL or "" is no fault. Returns 0 or -1. */
static int parse_spec(const char *spec, fault_kind *k, long *n)
{
    *k = FAULT_NONE;
    *n = 0;
    if (!spec || !*spec)
        return 0;
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 5 && strncmp(spec, "write", 5) == 0)
        *k = FAULT_WRITE;
    else if (len == 5 && strncmp(spec, "fsync", 5) == 0)
        *k = FAULT_FSYNC;
    else if (len == 4 && strncmp(spec, "full", 4) == 0)
        *k = FAULT_FULL;
    else
        return -1;
    if (colon) {
        if (strncmp(colon + 1, "after=", 6) != 0)
            return -1;
        char *end;
        *n = strtol(colon + 7, &end, 10);
        if (end == colon + 7 || *end != '\0' || *n < 0)
            return -1;
    }
    return 0;
}

/* 1 when this call of the given kind must fail (and counts it). */
static int should_fail(fault_kind which)
{
    fault_kind k = atomic_load(&kind);
    int writes = which == FAULT_WRITE && (k == FAULT_WRITE || k == FAULT_FULL);
    if (!writes && !(which == FAULT_FSYNC && k == FAULT_FSYNC))
        return 0;
    return atomic_fetch_add(&calls, 1) >= atomic_load(&after);
}

/* The error a failed write gives: SQLITE_FULL for a full disk. */
static int write_error(void)
{
    return atomic_load(&kind) == FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
}

/* ------------------------------------------------------------------------ */
/* The VFS shim                                                              */
/* ------------------------------------------------------------------------ */

typedef struct shim_file {
    sqlite3_file base;
    sqlite3_file *real; /* right after this struct, in SQLite's block */
} shim_file;

static sqlite3_vfs shim_vfs;
static sqlite3_vfs *real_vfs;

#define REAL(f) (((shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}

static int shim_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int shim_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (should_fail(FAULT_WRITE))
        return write_error();
    return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (should_fail(FAULT_WRITE))
        return atomic_load(&kind) == FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_TRUNCATE;
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
    if (should_fail(FAULT_FSYNC))
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int shim_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int shim_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, pp);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* One table per version of the real file's methods: only what it has is offered. */
static sqlite3_io_methods shim_methods[3];

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    shim_file *s = (shim_file *)f;
    s->real = (sqlite3_file *)(s + 1);
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out);
    if (s->real->pMethods) {
        int v = s->real->pMethods->iVersion;
        s->base.pMethods = &shim_methods[(v < 1 ? 1 : v > 3 ? 3 : v) - 1];
    } else {
        s->base.pMethods = NULL;
    }
    return rc;
}

static pthread_once_t vfs_once = PTHREAD_ONCE_INIT;
static int vfs_rc = -1;

static void register_vfs(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs)
        return;
    const sqlite3_io_methods m = {
        .xClose = shim_close,
        .xRead = shim_read,
        .xWrite = shim_write,
        .xTruncate = shim_truncate,
        .xSync = shim_sync,
        .xFileSize = shim_file_size,
        .xLock = shim_lock,
        .xUnlock = shim_unlock,
        .xCheckReservedLock = shim_check_reserved,
        .xFileControl = shim_file_control,
        .xSectorSize = shim_sector_size,
        .xDeviceCharacteristics = shim_device_characteristics,
        .xShmMap = shim_shm_map,
        .xShmLock = shim_shm_lock,
        .xShmBarrier = shim_shm_barrier,
        .xShmUnmap = shim_shm_unmap,
        .xFetch = shim_fetch,
        .xUnfetch = shim_unfetch,
    };
    for (int v = 1; v <= 3; v++) {
        shim_methods[v - 1] = m;
        shim_methods[v - 1].iVersion = v;
    }
    /* Everything but opening is the real VFS's own, called with its own fields. */
    shim_vfs = *real_vfs;
    shim_vfs.zName = "cairn-fault";
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
    shim_vfs.xOpen = shim_open;
    shim_vfs.pNext = NULL;
    vfs_rc = sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK ? 0 : -1;
}

int fault_configure(const char *spec)
{
    fault_kind k;
    long n;
    if (parse_spec(spec, &k, &n) != 0)
        return -1;
    pthread_once(&vfs_once, register_vfs);
    if (vfs_rc != 0)
        return -1;
    atomic_store(&kind, FAULT_NONE);
    atomic_store(&calls, 0);
    atomic_store(&after, n);
    atomic_store(&kind, k);
    return 0;
}

int fault_init(void)
{
    pthread_once(&env_once, read_kill_env);
    const char *spec = getenv("CAIRN_FAULT");
    if (!spec || !*spec)
        return 0;
    /* Configured once: every store of the process shares the count. */
    static atomic_int configured;
    static atomic_int spec_rc;
    if (atomic_exchange(&configured, 1) == 0) {
        atomic_store(&spec_rc, fault_configure(spec));
        if (atomic_load(&spec_rc) != 0)
            fprintf(stderr, "cairn: ignoring CAIRN_FAULT=%s (expected write|fsync|full:after=N)\n",
                    spec);
    }
    return atomic_load(&spec_rc);
}
