/*
 * scope.h — the variables an expression sees, and the arena of values made
 * while evaluating one operation's expressions.
 *
 * The engine embeds one scope in each cairn_exec and gives it to the
 * cairn_x_* helpers (value.c) through exec_scope(). Replay rebuilds the
 * variables from journaled results, so a scope lives for one invocation.
 */
#ifndef CAIRN_SCOPE_H
#define CAIRN_SCOPE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cairn/workflow.h"

typedef struct scope {
    cJSON *vars;    /* object: "input", "execution", each `as` name; owned */
    cJSON *last_as; /* borrowed from vars: the value of the last `as` set, or NULL */
    cJSON **temps;  /* values made by cairn_x_*; freed by scope_reset() */
    size_t ntemps, captemps;
    int oom;                /* an allocation failed since scope_init: the invocation must fail */
    const struct scope *up; /* the enclosing scope (a branch's, an item's): names not set here are
                               looked up there; NULL at the top */
} scope;

/* Returns 0, or -1 when out of memory. */
int scope_init(scope *s);

/* The value of variable name here or in an enclosing scope, or NULL. */
const cJSON *scope_get(const scope *s, const char *name);
/* Frees the temporaries (values returned by cairn_x_*), keeps the variables. */
void scope_reset(scope *s);
void scope_cleanup(scope *s);

/* Sets variable name to a deep copy of v (NULL: null); records it as last_as. Returns 0 or -1
 * (OOM). */
int scope_set(scope *s, const char *name, const cJSON *v);
/* As scope_set, taking v itself (it is freed with the scope, or at once on failure). */
int scope_take(scope *s, const char *name, cJSON *v);
/* Takes ownership of v (a new root); the scope frees it at the next reset. Returns v (or a shared
 * null on OOM). */
const cJSON *scope_keep(scope *s, cJSON *v);

/* Implemented by the engine: the scope of the invocation x. */
scope *exec_scope(cairn_exec *x);

#endif
