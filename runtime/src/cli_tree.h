/*
 * cli_tree.h — the order `history` (the table and --timeline) prints
 * operations in: a tree by parent id, depth-first, so that the operations of
 * a parallel branch, a map item or a group sit under it, and it under its
 * fan-out operation.
 */
#ifndef CAIRN_CLI_TREE_H
#define CAIRN_CLI_TREE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Names are indented by at most this many levels (a deeper row prints at this depth). */
enum { CLI_TREE_MAX_INDENT = 32 };

/* One row to print: the index of an operation in journal order, and its depth (0: top level). */
typedef struct cli_tree_row {
    size_t index;
    size_t depth;
} cli_tree_row;

/*
 * Orders n operations, given in journal order as ids[i] and parents[i] (the
 * parent's id; NULL: none), as a tree: each top-level operation, then its
 * children in journal order (the order they started), each followed by its
 * own, recursively. out[0..n) receives every index exactly once. An
 * operation whose parent is not among the ids (or is itself) is top level;
 * operations left over in a parent cycle (a damaged journal) follow the
 * tree, the first of each cycle in journal order top level. Of duplicate
 * ids, a child belongs to the first. O(n log n). Returns 0, or -1 when out
 * of memory (out unchanged).
 */
int cli_tree_order(const char *const *ids, const char *const *parents, size_t n, cli_tree_row *out);

/* One operation of a history document to print, and its depth. */
typedef struct cli_tree_op {
    const cJSON *op; /* borrowed from the document */
    size_t depth;
} cli_tree_op;

/*
 * cli_tree_order for the "operations" array of engine_history_json (members
 * "id" and "parent_id"): *rows, an array of *n (the size of ops) the caller
 * mem_free()s, NULL when ops is empty. Returns 0, or -1 when out of memory.
 */
int cli_tree_ops(const cJSON *ops, cli_tree_op **rows, size_t *n);

/* name after two spaces per level of depth (at most CLI_TREE_MAX_INDENT
 * levels): a new string (mem_free), or NULL when out of memory. */
char *cli_tree_indent(const char *name, size_t depth);

#endif
