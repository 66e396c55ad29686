/*
 * check.h — the checker: what is wrong with the meaning of a built model.
 *
 * load_workflow() (load.c) runs: yml_parse → model_build (model.h) →
 * check_workflow. model_build reports what is wrong with the shape of the
 * file (keys, types, durations, retries, expression syntax); check_workflow
 * reports what is wrong with its meaning (names, targets, scopes, hooks,
 * callbacks, reachability) and resolves targets.
 */
#ifndef CAIRN_CHECK_H
#define CAIRN_CHECK_H

#include "diag.h"
#include "model.h"
#include "yml.h"

/*
 * Semantic checks of a built model: duplicate names, targets (resolved in
 * place), expression scopes, the hooks (read by the loader into wf->hooks_source),
 * callbacks and reachability (op.reachable). root (borrowed) gives the
 * positions the model does not keep. Reports to d.
 */
void check_workflow(workflow *wf, const yml_node *root, diag *d);

#endif
