/*
 * fault.h — test-only fault injection: kill points and a faulty SQLite VFS.
 *
 * Inert unless its environment variables are set:
 *   CAIRN_KILL_AT=N     the process SIGKILLs itself at the N-th kill point it
 *                       passes (1-based, counted from process start);
 *   CAIRN_KILL_COUNT=1  at exit, prints "cairn: N kill points" on stderr, so a
 *                       test can enumerate them;
 *   CAIRN_FAULT=SPEC    store_open() installs a VFS shim over the default VFS
 *                       that fails file operations; SPEC is KIND:after=N with
 *                       KIND write (SQLITE_IOERR_WRITE), fsync (SQLITE_IOERR_FSYNC)
 *                       or full (SQLITE_FULL on writes): the first N such calls
 *                       succeed, every later one fails (a disk stays broken).
 *
 * Only in the test build of the runtime (CAIRN_TEST_HOOKS defined: the
 * cairn_runtime_test library, see runtime/CMakeLists.txt). In the libraries
 * that ship (libcairn.a, libcairn.so) fault.c is not compiled: a kill point is
 * nothing, fault_init() does nothing, and the variables above are ignored.
 */
#ifndef CAIRN_FAULT_H
#define CAIRN_FAULT_H

#ifdef CAIRN_TEST_HOOKS

/* A kill point: one before and one after each journal commit. */
#define FAULT_KILL_POINT() fault_kill_point()

void fault_kill_point(void);

/*
 * Installs the VFS shim if $CAIRN_FAULT is set (once per process; later calls
 * do nothing). Returns 0, or -1 when the spec is malformed or SQLite refuses.
 */
int fault_init(void);

/*
 * For unit tests: installs the shim if needed and sets the fault (NULL or
 * "": none), restarting its count. Returns 0, or -1 on a malformed spec.
 */
int fault_configure(const char *spec);

/* Kill points passed so far by this process. */
long fault_kill_points(void);

#else /* the shipped runtime: no kill points, no shim */

#define FAULT_KILL_POINT() ((void)0)
#define fault_init() ((void)0) /* a macro: no symbol, even unoptimized */

#endif

#endif
