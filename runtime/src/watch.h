/*
 * watch.h — how an idle worker sleeps until another process commits.
 *
 * A writer that commits to a store touches the store's shared-memory file
 * (<db>-shm) afterwards (watch_notify: its times only, never its bytes). A
 * waiting engine watches the store's directory with inotify for that touch
 * (watch_open), so it sleeps in poll() on watch_fd() with no timer of its
 * own and wakes within microseconds of a commit becoming visible. The touch
 * comes after COMMIT returns, so a waiter woken by it always sees the
 * commit; the WAL's own writes come before, and are not watched.
 *
 * The -shm file, not the WAL: a touch marks the file's inode dirty, and the
 * next commit's fdatasync of a touched WAL wrote that inode too, a second
 * synchronous write on every commit. SQLite never syncs the -shm file, and
 * it exists while any connection has the store open (none: no waiter).
 *
 * Linux only (inotify). Elsewhere, or when inotify is unavailable (no more
 * instances or watches for this user), or with $CAIRN_WAIT=poll, watch_open
 * returns NULL and the engine falls back to looking at the store's
 * data_version every few milliseconds (engine.c).
 */
#ifndef CAIRN_WATCH_H
#define CAIRN_WATCH_H

typedef struct watch watch;

/*
 * Watches for touches of db_file's -shm file (db_file: the store's absolute file
 * name, sqlite3_db_filename). NULL when that is not possible here (above).
 * Free with watch_close().
 */
watch *watch_open(const char *db_file);
void watch_close(watch *w);

/* The descriptor to poll for POLLIN. */
int watch_fd(const watch *w);

/*
 * Reads every event queued, without blocking. 1 if one of them may be a
 * commit of the store (a touch of its WAL, or events lost to an overflow),
 * 0 if none, -1 if the watch is over (its directory went away, or reading
 * failed): the caller closes it and looks at the store some other way.
 */
int watch_drain(watch *w);

/* Touches shm_path (the -shm file of a store that just committed). Best effort. */
void watch_notify(const char *shm_path);

#endif
