/*
 * opid.h — the identifier of each operation, shared by the emitter (C names:
 * NAME_<ID>, NAME_branch_<ID>_K) and the grapher (node and subgraph ids), so
 * both name an operation the same way, nested ones included.
 *
 * Ids are unique across the whole workflow, not per list: branches and
 * bodies are scopes, so two of them may hold operations of the same name.
 */
#ifndef CAIRN_OPID_H
#define CAIRN_OPID_H

#include <stddef.h>

#include "model.h"

/* Called once per list of operations: ops[0..n), the `output` it ends with
 * (NULL: its last `as`), the index (in walk order) of the parallel, map or
 * group it belongs to, -1 for the workflow's own, and which branch of it. */
typedef void (*opid_visit)(void *ctx, const op *ops, size_t n, const val *output, long owner,
                           size_t branch);

/*
 * Visits every list of wf in the order ids are given: the workflow's list,
 * then, depth first, the lists nested in each of its operations, branch by
 * branch. Numbering each list's operations on from the previous list's gives
 * every operation its index (its "walk order"). visit may be NULL. Returns
 * the number of operations, nested ones included.
 */
size_t opid_walk(const workflow *wf, opid_visit visit, void *ctx);

/*
 * The ids of all[0..n), operations in walk order, into ids[0..n) (each
 * owned by the caller): the name in lower case with anything but letters and
 * digits as `_`, `await_` / `goto_` before an await's or goto's (which share
 * their target's name), and `_2`, `_3`, ... where an earlier operation took
 * the id, or it would be `end` or end in `_end` (the emitter's end states
 * are NAME_..._END, and Mermaid reserves `end`). Returns 0, or -1 when out of
 * memory (the ids set so far stay set).
 */
int opid_assign(const op *const *all, size_t n, char **ids);

#endif
