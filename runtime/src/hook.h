/*
 * hook.h — running user code: sandboxed Lua hooks and C functions.
 *
 * Both kinds take the evaluated `with:` as JSON and give back either a new
 * JSON result or a typed error. A hook can never crash the host: Lua runs
 * under lua_pcall with a counting allocator, an instruction limit and a
 * CPU-time limit.
 */
#ifndef CAIRN_HOOK_H
#define CAIRN_HOOK_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "cairn/cairn.h"
#include "error.h"

/* What a hook learns about the call (borrowed strings). */
typedef struct hook_ctx {
    const char *execution_id;
    const char *operation;   /* the operation's name */
    int attempt;             /* 1-based */
    const char *callback_id; /* submitters only; else NULL */
} hook_ctx;

/* Limits of one Lua call. Zero fields take the defaults below. */
typedef struct hook_limits {
    uint64_t instructions; /* default 100,000,000 VM instructions */
    size_t memory;         /* default 64 MiB */
    uint32_t cpu_ms;       /* default 10,000 ms of the calling thread's CPU time */
} hook_limits;

/*
 * Calls Lua function `fn` defined by `source` (loaded as text, chunk name
 * `chunkname`) in a fresh sandboxed environment, as fn(args, ctx): the
 * chunk runs in new globals each call, so nothing one call leaves (globals,
 * changed library tables, upvalues of the chunk) is seen by the next. The
 * state under it, with its libraries and the compiled chunk, is kept for the
 * next call of this source on this thread (hook_lua_release). On success
 * returns 0 and *result is a new cJSON tree (caller frees; JSON null for nil).
 * On failure returns -1, *result is NULL and err holds the error:
 *   the hook's own {type, message, data} from error({type=...}),
 *   Lua.Error (any other error, a missing function, a result that is not
 *   JSON-shaped), or Lua.Limit (instruction, CPU-time or memory limit).
 * limits may be NULL (defaults).
 */
int hook_lua_call(const char *source, const char *chunkname, const char *fn, const cJSON *args,
                  const hook_ctx *ctx, const hook_limits *limits, cJSON **result, cairn_error *err);

/*
 * Closes the Lua states kept on this thread (a thread's own are closed when
 * it exits; engine_close calls this for its thread). Harmless when none are.
 */
void hook_lua_release(void);
/* Lua states made on this thread so far while its cache existed (for tests:
 * a second call of the same source makes none). */
long hook_lua_states_made(void);

/* Calls a C hook through the call API; same contract as hook_lua_call. */
int hook_c_call(cairn_c_fn fn, const char *name, const cJSON *args, const hook_ctx *ctx,
                cJSON **result, cairn_error *err);

#endif
