/*
 * cli_tree.c — operations as a tree for `history` (the table and
 * --timeline): a parallel's or map's CONTEXT, then each branch or item
 * CONTEXT, then the operations inside it, depth-first, children in journal
 * order; and names indented two spaces per level.
 *
 * The journal is read from a database file, which is outside input: a
 * parent that is missing, a row that is its own parent, duplicate ids and
 * parent cycles all print (every row exactly once, never a loop). Work is
 * O(n log n): ids are sorted once and parents found by binary search; the
 * walk keeps its own stack, so a deep chain cannot overflow the C stack.
 *
 * Owns: the arrays of one call, freed before it returns (but the rows it
 * hands back).
 * Never: changes or reorders the document, or reads anything but the ids
 * and parent ids given.
 */
#include "cli_tree.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* No parent in the set: a top-level row. */
#define NO_PARENT ((size_t)-1)

/* An id and the journal index of its operation, sorted by id. */
typedef struct keyed {
    const char *id;
    size_t index;
} keyed;

/* The working state of one cli_tree_order call (all arrays of n, but start: n + 1). */
typedef struct tree {
    size_t n;
    size_t *parent; /* journal index of the parent, or NO_PARENT */
    size_t *start;  /* children of i: kids[start[i] .. start[i + 1]) */
    size_t *kids;   /* journal indexes, grouped by parent, in journal order */
    unsigned char *seen;
    cli_tree_row *stack; /* pending rows of the walk */
} tree;

static int by_id(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

static int by_key(const void *key, const void *elem)
{
    return strcmp(key, ((const keyed *)elem)->id);
}

/* The ids sorted, each once (its first row in journal order); *m of them. */
static keyed *sorted_ids(const char *const *ids, size_t n, size_t *m)
{
    keyed *k = mem_calloc(n ? n : 1, sizeof *k);
    if (!k)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i])
            k[j++] = (keyed){ids[i], i};
    qsort(k, j, sizeof *k, by_id);
    size_t u = 0;
    for (size_t i = 0; i < j; i++)
        if (u == 0 || strcmp(k[u - 1].id, k[i].id))
            k[u++] = k[i];
    *m = u;
    return k;
}

/* t->parent from the parent ids; a parent not found, or the row itself, is none. */
static int find_parents(tree *t, const char *const *ids, const char *const *parents)
{
    size_t m = 0;
    keyed *k = sorted_ids(ids, t->n, &m);
    if (!k)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        const keyed *p = parents[i] ? bsearch(parents[i], k, m, sizeof *k, by_key) : NULL;
        t->parent[i] = p && p->index != i ? p->index : NO_PARENT;
    }
    mem_free(k);
    return 0;
}

/* t->start and t->kids: each row's children, in journal order (a counting sort). */
static void group_children(tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->parent[i] != NO_PARENT)
            t->start[t->parent[i] + 1]++;
    for (size_t i = 0; i < t->n; i++)
        t->start[i + 1] += t->start[i];
    for (size_t i = 0; i < t->n; i++) {
        size_t p = t->parent[i];
        if (p != NO_PARENT)
            t->kids[t->start[p]++] = i;
    }
    /* Each start[p] has moved to the end of p's children, start[p + 1]: move them back. */
    for (size_t i = t->n; i > 0; i--)
        t->start[i] = t->start[i - 1];
    t->start[0] = 0;
}

/* Appends root and every row under it not yet printed to out (from *k on), depth-first. */
static void walk(tree *t, size_t root, cli_tree_row *out, size_t *k)
{
    size_t top = 0;
    t->stack[top++] = (cli_tree_row){root, 0};
    while (top > 0) {
        cli_tree_row r = t->stack[--top];
        if (t->seen[r.index])
            continue;
        t->seen[r.index] = 1;
        out[(*k)++] = r;
        /* Pushed last to first, so the first child comes off the stack first. */
        for (size_t c = t->start[r.index + 1]; c > t->start[r.index]; c--) {
            size_t kid = t->kids[c - 1];
            if (!t->seen[kid])
                t->stack[top++] = (cli_tree_row){kid, r.depth + 1};
        }
    }
}

static void tree_free(tree *t)
{
    mem_free(t->parent);
    mem_free(t->start);
    mem_free(t->kids);
    mem_free(t->seen);
    mem_free(t->stack);
}

int cli_tree_order(const char *const *ids, const char *const *parents, size_t n, cli_tree_row *out)
{
    size_t one = n ? n : 1;
    tree t = {n,
              mem_calloc(one, sizeof(size_t)),
              mem_calloc(n + 1, sizeof(size_t)),
              mem_calloc(one, sizeof(size_t)),
              mem_calloc(one, 1),
              mem_calloc(one, sizeof(cli_tree_row))};
    int rc = -1;
    if (!t.parent || !t.start || !t.kids || !t.seen || !t.stack ||
        find_parents(&t, ids, parents) != 0)
        goto done;
    group_children(&t);
    size_t k = 0;
    /* The tree from each top-level row, in journal order; then what only a
     * cycle leads to, each cycle from its first row in journal order. */
    for (size_t i = 0; i < n; i++)
        if (t.parent[i] == NO_PARENT && !t.seen[i])
            walk(&t, i, out, &k);
    for (size_t i = 0; i < n; i++)
        if (!t.seen[i])
            walk(&t, i, out, &k);
    rc = 0;
done:
    tree_free(&t);
    return rc;
}

static const char *member(const cJSON *op, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int cli_tree_ops(const cJSON *ops, cli_tree_op **rows, size_t *n)
{
    size_t count = 0, i = 0;
    const cJSON *op;
    cJSON_ArrayForEach(op, ops) count++;
    *rows = NULL;
    *n = 0;
    if (count == 0)
        return 0;
    const cJSON **items = mem_calloc(count, sizeof *items);
    const char **ids = mem_calloc(count, sizeof *ids);
    const char **parents = mem_calloc(count, sizeof *parents);
    cli_tree_row *order = mem_calloc(count, sizeof *order);
    cli_tree_op *out = mem_calloc(count, sizeof *out);
    int rc = -1;
    if (!items || !ids || !parents || !order || !out)
        goto done;
    cJSON_ArrayForEach(op, ops)
    {
        items[i] = op;
        ids[i] = member(op, "id");
        parents[i++] = member(op, "parent_id");
    }
    if (cli_tree_order(ids, parents, count, order) != 0)
        goto done;
    for (i = 0; i < count; i++)
        out[i] = (cli_tree_op){items[order[i].index], order[i].depth};
    *rows = out;
    *n = count;
    out = NULL;
    rc = 0;
done:
    mem_free(items);
    mem_free(ids);
    mem_free(parents);
    mem_free(order);
    mem_free(out);
    return rc;
}

char *cli_tree_indent(const char *name, size_t depth)
{
    size_t pad = 2 * (depth < CLI_TREE_MAX_INDENT ? depth : CLI_TREE_MAX_INDENT);
    size_t len = strlen(name);
    char *s = mem_malloc(pad + len + 1);
    if (!s)
        return NULL;
    memset(s, ' ', pad);
    memcpy(s + pad, name, len + 1);
    return s;
}
