/*
 * opid.c — operation ids (opid.h).
 *
 * Owns: the walk order of nested lists and the id of each operation.
 * Never: depends on anything but names and document order (same YAML, same
 * ids in the generated C and in the diagram).
 */
#define _GNU_SOURCE /* hsearch_r: a table of its own, not the process's one */
#include "opid.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void walk_list(const op *ops, size_t n, const val *output, long owner, size_t branch,
                      size_t *count, opid_visit visit, void *ctx)
{
    size_t first = *count;
    if (visit)
        visit(ctx, ops, n, output, owner, branch);
    *count += n;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ops[i].nbranches; k++)
            walk_list(ops[i].branches[k].ops, ops[i].branches[k].nops, ops[i].branches[k].output,
                      (long)(first + i), k, count, visit, ctx);
}

size_t opid_walk(const workflow *wf, opid_visit visit, void *ctx)
{
    size_t count = 0;
    walk_list(wf->ops, wf->nops, wf->output, -1, 0, &count, visit, ctx);
    return count;
}

/* The id before any suffix: prefix, then name lower-cased, other bytes `_`. */
static char *base_id(const op *o)
{
    const char *prefix = o->kind == OP_AWAIT ? "await_" : o->kind == OP_GOTO ? "goto_" : "";
    const char *name = o->name ? o->name : "op";
    size_t plen = strlen(prefix), len = plen + strlen(name);
    char *base = malloc(len + 1);
    if (!base)
        return NULL;
    memcpy(base, prefix, plen);
    for (size_t k = plen; k <= len; k++) {
        char c = name[k - plen];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            c = '_';
        base[k] = c;
    }
    return base;
}

/* Whether t is reserved or already given (in the table of ids so far). */
static int taken(const char *t, struct hsearch_data *given)
{
    size_t tl = strlen(t);
    if (!strcmp(t, "end") || (tl > 4 && !strcmp(t + tl - 4, "_end")))
        return 1;
    ENTRY e = {.key = (char *)t}, *found;
    return hsearch_r(e, FIND, &found, given) != 0;
}

int opid_assign(const op *const *all, size_t n, char **ids)
{
    struct hsearch_data given = {0};
    if (!hcreate_r(2 * n + 1, &given))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *base = base_id(all[i]);
        if (!base) {
            rc = -1;
            break;
        }
        char *id = NULL;
        for (int suffix = 1; !id; suffix++) {
            buf cand;
            buf_init(&cand);
            buf_add(&cand, base);
            if (suffix > 1)
                buf_printf(&cand, "_%d", suffix);
            if (buf_ok(&cand) && taken(buf_str(&cand), &given)) {
                buf_cleanup(&cand);
                continue;
            }
            id = buf_take(&cand); /* NULL when out of memory */
            if (!id)
                break;
        }
        free(base);
        ENTRY e = {.key = id}, *added;
        if (!id || !hsearch_r(e, ENTER, &added, &given)) {
            free(id);
            rc = -1;
            break;
        }
        ids[i] = id;
    }
    hdestroy_r(&given); /* the keys are ids[], the caller's */
    return rc;
}
