/*
 * value.h — the expression helpers over a scope. The public cairn_x_* of
 * cairn.h are thin wrappers that find the scope with exec_scope(); these
 * take it directly, so they can be tested without an engine.
 *
 * Every returned value is owned by the scope (its variables or its arena of
 * temporaries, freed by scope_reset()) or is a shared constant: never free
 * one, never change one except an object/array made by value_object() or
 * value_array(). None returns NULL; on an allocation failure they return a
 * shared null and set s->oom.
 */
#ifndef CAIRN_VALUE_H
#define CAIRN_VALUE_H

#include <cjson/cJSON.h>

#include "scope.h"

const cJSON *value_var(scope *s, const char *name);
const cJSON *value_get(const cJSON *v, const char *key);
const cJSON *value_at(const cJSON *v, long index);

const cJSON *value_null(void);
const cJSON *value_bool(int b);
const cJSON *value_num(scope *s, double n);
const cJSON *value_str(scope *s, const char *str);
/* Parses a constant JSON text; a bad one sets s->oom (a generator bug) and gives null. */
const cJSON *value_json(scope *s, const char *json);

int value_truthy(const cJSON *v);
int value_cmp(const cJSON *a, cairn_cmp op, const cJSON *b);
const cJSON *value_concat(scope *s, const cJSON *const *parts);

cJSON *value_object(scope *s);
cJSON *value_array(scope *s);
/*
 * Arithmetic (cairn_x_arith): two numbers give a number; ADD with a string on
 * either side joins as an interpolated string does (null as "", any other
 * value as compact JSON); DIV or MOD by zero, a result that is not finite,
 * and every other pair give null. MOD has the sign of a (C's fmod).
 */
const cJSON *value_arith(scope *s, const cJSON *a, cairn_arith op, const cJSON *b);
/* a ?? b: b when a is null (or NULL), else a. */
const cJSON *value_coalesce(const cJSON *a, const cJSON *b);

/* Deep-copy v (NULL: null) into object/array; nothing when it is not one. */
void value_put(scope *s, cJSON *object, const char *key, const cJSON *v);
void value_push(scope *s, cJSON *array, const cJSON *v);

#endif
