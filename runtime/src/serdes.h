/*
 * serdes.h — the hooks that decode and encode values instead of JSON: a
 * callback's `result: {lua|c}` (the raw payload text -> the value) and a
 * step's `serdes: {encode, decode}` (the value -> the text journaled -> the
 * value the workflow sees, on the first run and on every replay alike).
 */
#ifndef CAIRN_SERDES_H
#define CAIRN_SERDES_H

#include <cjson/cJSON.h>

#include "cairn/workflow.h"
#include "error.h"
#include "replay.h"

/* The journal's result_mode of a payload a hook decodes, and of a serdes step's text. */
#define SERDES_HOOK_MODE "hook"
#define SERDES_STEP_MODE "serdes"

/*
 * Decodes raw text with hook h of operation op: 0 and *out (a new value), or
 * -1 with e set (Callback.InvalidResult for a callback, Serdes.Failed for a
 * step, the hook's own error in data).
 */
int serdes_decode(cairn_exec *x, const cairn_op *op, const cairn_hook_ref *h, const char *raw,
                  const char *what, cJSON **out, cairn_error *e);

/*
 * A serdes step's result: *raw, the text to journal (encode's string, or the
 * value's JSON text; free with cJSON_free), and *value, what the workflow
 * sees (decode of that text, or its JSON parse; cJSON_Delete). 0, or -1 with
 * e set (Serdes.Failed).
 */
int serdes_step(cairn_exec *x, const cairn_op *op, const cJSON *result, char **raw, cJSON **value,
                cairn_error *e);

/* The value of a serdes step journaled as text (a JSON string): as serdes_step gives it. */
int serdes_step_replay(cairn_exec *x, const cairn_op *op, const char *journaled, cJSON **value,
                       cairn_error *e);

#endif
