/*
 * check.h — the front end's internal steps.
 *
 * load_workflow() (load.c) runs: yml_parse → model_build → check_workflow.
 * model_build turns the YAML tree into the model and reports what is wrong
 * with the shape of the file (keys, types, durations, retries, expression
 * syntax). check_workflow reports what is wrong with its meaning (names,
 * targets, scopes, hooks, callbacks, reachability) and resolves targets.
 */
#ifndef CAIRN_CHECK_H
#define CAIRN_CHECK_H

#include "diag.h"
#include "model.h"
#include "yml.h"

/*
 * Builds the model from the YAML tree (root borrowed). Returns the model
 * (caller frees with model_free) even when errors were reported, so the
 * checker can report more; NULL only when root is not a mapping or memory
 * runs out. path is copied into wf->path.
 */
workflow *model_build(const yml_node *root, const char *path, diag *d);

/*
 * Semantic checks of a built model: duplicate names, targets (resolved in
 * place), expression scopes, the hooks file (read into wf->hooks_source),
 * callbacks and reachability (op.reachable). root (borrowed) gives the
 * positions the model does not keep. Reports to d.
 */
void check_workflow(workflow *wf, const yml_node *root, diag *d);

/* Parses a duration ("250ms", "1h30m"). Returns 0 and *ms, or -1 with a
 * reason in why (static text). */
int check_duration(const char *s, int64_t *ms, const char **why);

/* Levenshtein distance of a and b, capped at cap+1 (for "did you mean"). */
int check_edit_distance(const char *a, const char *b, int cap);

#endif
