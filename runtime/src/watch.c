/*
 * watch.c — the touch a commit leaves on the store's -shm file, and the inotify
 * watch an idle worker sleeps on (watch.h).
 *
 * Owns: one inotify instance per watch, and the -shm file's name it looks for.
 * Never: writes the file's bytes (a touch changes its times only), blocks in
 * watch_drain, or tells a waiter "nothing happened" when events were lost.
 */
#include "watch.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

struct watch {
    int fd;         /* the inotify instance; owned */
    char *shm_name; /* the -shm file's name inside the directory watched; owned */
};

watch *watch_open(const char *db_file)
{
    const char *mode = getenv("CAIRN_WAIT");
    if (!db_file || !*db_file || (mode && strcmp(mode, "poll") == 0))
        return NULL;
    const char *slash = strrchr(db_file, '/');
    if (!slash || !slash[1])
        return NULL; /* sqlite3_db_filename is absolute: not a file, then */
    size_t dlen = (size_t)(slash - db_file);
    char *dir = mem_malloc(dlen + 2);
    watch *w = mem_calloc(1, sizeof *w);
    size_t nlen = strlen(slash + 1);
    if (!dir || !w || !(w->shm_name = mem_malloc(nlen + 5)))
        goto fail;
    memcpy(dir, db_file, dlen);
    dir[dlen] = '\0';
    if (dlen == 0)
        strcpy(dir, "/");
    memcpy(w->shm_name, slash + 1, nlen);
    memcpy(w->shm_name + nlen, "-shm", 5);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        goto fail;
    /* The directory rather than the file itself: it may not exist yet, or
     * be deleted and made again when the last connection closes. */
    if (inotify_add_watch(w->fd, dir, IN_ATTRIB | IN_ONLYDIR) < 0) {
        close(w->fd);
        goto fail;
    }
    mem_free(dir);
    return w;
fail:
    if (w)
        mem_free(w->shm_name);
    mem_free(w);
    mem_free(dir);
    return NULL;
}

void watch_close(watch *w)
{
    if (!w)
        return;
    close(w->fd);
    mem_free(w->shm_name);
    mem_free(w);
}

int watch_fd(const watch *w)
{
    return w->fd;
}

int watch_drain(watch *w)
{
    /* Aligned as inotify(7) asks; room for many events a read. */
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int seen = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            return n < 0 && errno != EAGAIN && errno != EINTR ? -1 : seen;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW)
                seen = 1; /* events were lost: one may have been a commit */
            else if (ev->mask & IN_IGNORED)
                return -1; /* the directory went away: the watch is over */
            else if (ev->len && strcmp(ev->name, w->shm_name) == 0)
                seen = 1;
            p += sizeof *ev + ev->len;
        }
    }
}

void watch_notify(const char *shm_path)
{
    if (shm_path)
        (void)utimensat(AT_FDCWD, shm_path, NULL, 0); /* ENOENT: nobody has it open to wait */
}

#else /* not Linux: no watch; waiters look at the store's data_version */

watch *watch_open(const char *db_file)
{
    (void)db_file;
    return NULL;
}

void watch_close(watch *w)
{
    (void)w;
}

int watch_fd(const watch *w)
{
    (void)w;
    return -1;
}

int watch_drain(watch *w)
{
    (void)w;
    return -1;
}

void watch_notify(const char *shm_path)
{
    (void)shm_path;
}

#endif
