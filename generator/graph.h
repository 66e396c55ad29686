/*
 * graph.h — `cairn graph`: the state machine of one workflow as a diagram,
 * in Mermaid (flowchart) or Graphviz DOT, or as JSON for serve's web console.
 */
#ifndef CAIRN_GRAPH_H
#define CAIRN_GRAPH_H

#include "buf.h"
#include "model.h"

typedef enum graph_format { GRAPH_MERMAID, GRAPH_DOT, GRAPH_JSON } graph_format;

/*
 * Draws wf: one node per operation (in YAML order), a start node, the end
 * nodes SUCCEEDED and FAILED, and one edge per transition; a parallel, map
 * or group as a subgraph (a DOT cluster) with a fork and a join node and its
 * operations inside, a parallel's branches in nested subgraphs. Node ids are
 * op_<id> with the operation's id in the generated C (opid.h). Returns the
 * text (caller frees), or NULL when out of memory. Same model, same bytes.
 */
char *graph_render(const workflow *wf, graph_format fmt);

/* Appends the source text of e (without "${" "}"), with only the parentheses
 * its meaning needs, e.g. "order.total >= 1000". */
void graph_expr_text(buf *b, const expr *e);

/* cairn graph FILE [--format mermaid|dot] [-o OUT]: as the cmd_* of cmd.h. */
int cmd_graph(int argc, char **argv);

#endif
