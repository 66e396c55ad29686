/*
 * check.h — the front end's internal steps and the table of diagnostic codes.
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
 * Diagnostic codes: stable, one per kind of problem. A note carries the code
 * of the diagnostic it belongs to.
 */
#define CHECK_E_IO "E001"           /* the file cannot be read */
#define CHECK_E_YAML "E002"         /* not YAML: libyaml's syntax errors */
#define CHECK_E_YAML_FEATURE "E003" /* anchors, aliases, tags, several documents */
#define CHECK_E_UNKNOWN_KEY "E004"  /* a key the language does not have */
#define CHECK_E_MISSING_KEY "E005"  /* a required key is absent */
#define CHECK_E_TYPE "E006"         /* a value of the wrong type */
#define CHECK_E_KIND "E007"         /* a list item with no kind key, or two */
#define CHECK_E_NAME "E008"         /* a workflow, operation or `as` name is malformed */
#define CHECK_E_DUPLICATE "E009"    /* a name or key defined twice */
#define CHECK_E_TARGET "E010"       /* goto / else / catch goto to no operation */
#define CHECK_E_DURATION "E011"     /* a malformed or non-positive duration */
#define CHECK_E_RETRY "E012"        /* a bad retry value */
#define CHECK_E_EXPR "E013"         /* a ${...} that does not parse */
#define CHECK_E_SCOPE "E014"        /* an unknown name in an expression */
#define CHECK_E_HOOKS "E015"        /* lua: without hooks, or hooks unreadable */
#define CHECK_E_CALLBACK "E016"     /* await / callback / submitter misuse */
#define CHECK_E_VALUE "E017"        /* a value outside its allowed set */
#define CHECK_W_LUA_FN "W001"       /* a lua: function not found in the hooks */
#define CHECK_W_UNREACHABLE "W002"  /* an operation no path reaches */
#define CHECK_W_UNUSED "W003"       /* a key that has no effect (with: on an http call) */

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
