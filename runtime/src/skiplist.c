/*
 * skiplist.c — the ids a worker skips (see skiplist.h).
 *
 * Owns: the array and each id in it. Never: holds an id twice by its own
 * doing (a worker adds an id only after the engine handed it out as due).
 */
#include "skiplist.h"
#include "mem.h"

#include <stdlib.h>

int skiplist_add(skiplist *s, char *id)
{
    char **ids = mem_realloc(s->ids, (s->n + 2) * sizeof *ids);
    if (!ids) {
        mem_free(id);
        return -1;
    }
    ids[s->n++] = id;
    ids[s->n] = NULL;
    s->ids = ids;
    return 0;
}

void skiplist_cleanup(skiplist *s)
{
    for (size_t i = 0; i < s->n; i++)
        mem_free(s->ids[i]);
    mem_free(s->ids);
    s->ids = NULL;
    s->n = 0;
}
