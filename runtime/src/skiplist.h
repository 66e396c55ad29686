/*
 * skiplist.h — the executions a worker will not invoke again (each reported
 * once: its definition is missing, say), as engine_next_due() takes them.
 * Used by `HOST worker` and the worker thread of `HOST serve`.
 */
#ifndef CAIRN_SKIPLIST_H
#define CAIRN_SKIPLIST_H

#include <stddef.h>

/* Caller storage: {NULL, 0} is empty; skiplist_cleanup() frees it. */
typedef struct skiplist {
    char **ids; /* owned, each owned; NULL-terminated once not empty */
    size_t n;
} skiplist;

/* Adds id, taking ownership of it (freed on failure too). Returns -1 when out of memory. */
int skiplist_add(skiplist *s, char *id);

void skiplist_cleanup(skiplist *s);

#endif
