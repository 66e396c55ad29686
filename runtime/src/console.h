/*
 * console.h — what `HOST serve` needs for its web console besides the
 * store: the page's files (embedded at build time from runtime/console/),
 * and the workflows the host links as JSON (their input schemas and their
 * diagrams, for the page to draw).
 */
#ifndef CAIRN_CONSOLE_H
#define CAIRN_CONSOLE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cairn/workflow.h"

/*
 * The file the console serves at url path: "/" is index.html, and
 * "/console/NAME" the embedded file NAME. Returns its text (static,
 * NUL-terminated) and sets *type to its Content-Type; NULL for any other path.
 */
const char *console_asset(const char *path, const char **type);

/*
 * The workflows of the host, for the console's start form and diagrams:
 * [{"name","version","definition_sha256","timeout_ms","input_schema"}] (the
 * schema as a JSON value, or null), in the host's order. With graph set,
 * one workflow's object also holds "graph": the JSON of
 * `cairn graph --format json` (null when the code was generated without it).
 * New objects, caller frees; NULL when out of memory.
 */
cJSON *console_workflows_json(const cairn_workflow *const *wfs, size_t n);
cJSON *console_workflow_json(const cairn_workflow *wf, int graph);

/* The workflow named name among wfs, or NULL. */
const cairn_workflow *console_find(const cairn_workflow *const *wfs, size_t n, const char *name);

/*
 * Whether input (JSON text of len bytes) would be accepted by workflow wf's
 * start, without starting anything: 0 yes; -1 with msg set to what is wrong
 * (not JSON, or what the input schema refuses, in engine_start's words).
 */
int console_check_input(const cairn_workflow *wf, const char *input, size_t len, char *msg,
                        size_t msglen);

#endif
