/*
 * model_int.h — private to the model builder (model.c, model_read.c,
 * model_op.c): the builder's state and the readers they share, prefix mb_.
 * Each reader reports what is wrong to the builder's diag sink and keeps
 * going.
 */
#ifndef CAIRN_MODEL_INT_H
#define CAIRN_MODEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "model.h"
#include "yml.h"

/* A retry as written: which fields were given, before resolution. */
typedef struct retry_raw {
    int given, none;
    int has_attempts, has_initial, has_max, has_rate, has_jitter, has_on;
    retry_spec v; /* the given fields' values; v.on owned */
} retry_raw;

typedef struct builder {
    const char *file; /* borrowed */
    diag *d;
    retry_raw defaults;
} builder;

void mb_val_free(val *v);

void mb_strs_free(char **s, size_t n);

void mb_err(builder *b, const char *code, pos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

char *mb_dup(const char *s);

int mb_listed(const char *const *list, const char *s);

/* Reports every key of map not in allowed (NULL-terminated), with a
 * suggestion for near misses; keys in skip (reported elsewhere) are passed
 * over. where: "a step", "the workflow", ... */
void mb_keys_but(builder *b, const yml_node *map, const char *const *allowed,
                 const char *const *skip, const char *where);

void mb_keys(builder *b, const yml_node *map, const char *const *allowed, const char *where);

/* The position of key's name in map (for "missing" and "bad value" errors). */
pos mb_key_pos(const yml_node *map, const char *key);

/* A scalar's text, or NULL after an error naming key when it is not one.
 * Expressions are refused where a literal is needed. */
const char *mb_scalar(builder *b, const yml_node *n, const char *key, const char *what);

int mb_null_plain(const yml_node *n);

int mb_bool_plain(const yml_node *n, int *out);

/*
 * Plain scalar as a number per the YAML 1.2 core schema. Returns 1 and the
 * value, with *json set to its JSON spelling (owned by the caller) and
 * *is_int; 2 for .inf/.nan (numbers JSON cannot hold); 0 when not a number.
 */
int mb_number_plain(const yml_node *n, double *out, char **json, int *is_int);

val *mb_val(builder *b, const yml_node *n);

/* An optional duration under key; 1 when given and valid. */
int mb_duration(builder *b, const yml_node *map, const char *key, int64_t *ms);

void mb_error_type(builder *b, const yml_node *n, const char *s);

/* A list of error types (catch errors, retry on); a single scalar counts as
 * one; an empty list is refused with code empty_code. */
char **mb_error_types(builder *b, const yml_node *n, const char *key, const char *empty_code,
                      size_t *count);

/* What a plain scalar that is not a string is, for messages. */
const char *mb_scalar_kind(const yml_node *n);

/* Is n a scalar that YAML reads as a string (not null, a boolean or a number)? */
int mb_string_scalar(const yml_node *n);

/* Reports a value under key that is not a string (what: "a string", ...). */
int mb_want_string(builder *b, const yml_node *n, const char *key, const char *what);

/* A `retry` (or a condition's `backoff`: key names it in messages) as written. */
void mb_retry_raw(builder *b, const yml_node *n, const char *key, retry_raw *r);

/* Resolves own over defaults over the AWS default, field by field. */
void mb_retry_resolve(builder *b, const retry_raw *own, const retry_raw *def, retry_spec *out);

/* The operations of list n (the workflow's `steps`, a branch's, a body's) into *ops. */
void mb_ops(builder *b, const yml_node *n, op **ops, size_t *nops);

void mb_seq_free(seq *s);

void mb_op(builder *b, const yml_node *item, const yml_node *kind_node, op_kind k, op *o);

/* The kind key of a list item; reports none or several. */
int mb_item_kind(builder *b, const yml_node *item, const yml_node **kind_node);

#endif
