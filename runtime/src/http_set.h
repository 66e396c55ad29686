/*
 * http_set.h — the HTTP calls of a fan-out's branches, made at once.
 *
 * Inside a parallel or map, an HTTP step does not call: it adds its request
 * here and blocks its branch, so the other branches run on. Before the
 * outermost batch suspends, http_set_perform() makes every call added at
 * once (http_call_all); the engine then invokes the execution again at once,
 * and each step, replayed to the same point, takes its response here and
 * journals it as if it had called. Ten 200 ms calls in one parallel take
 * about 200 ms, and the journal is what sequential calls would have left.
 * A response lives in memory until its step journals it: a crash in between
 * calls again, as at_least_once allows.
 */
#ifndef CAIRN_HTTP_SET_H
#define CAIRN_HTTP_SET_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

typedef struct http_pending {
    char *id; /* the step's operation id; owned */
    int attempt;
    int64_t started_at; /* when the step asked: its row's start */
    int gen;            /* the invocation that performed it; 0: not yet performed */
    int taken;          /* its step has journaled it */
    cJSON *request;     /* owned; job.request points to it */
    http_job job;       /* job.result and job.err owned until taken */
} http_pending;

typedef struct http_set {
    http_pending *v;
    size_t n, cap;
    int gen;      /* the current invocation (1, 2, ...) */
    size_t fresh; /* calls performed in the current invocation */
} http_set;

void http_set_init(http_set *s);
void http_set_cleanup(http_set *s);

/* A new invocation of the same execution: what an earlier one performed and
 * the last one did not take is dropped (its branch no longer asks for it). */
void http_set_begin(http_set *s);

/* Adds a call for step id's attempt (request copied). Returns 0, or -1 out of memory. */
int http_set_add(http_set *s, const char *id, int attempt, int64_t started_at, const cJSON *request,
                 int64_t timeout_ms, const cairn_status_range *ok, int nok);

/* The call of step id's attempt, performed or not, or NULL. */
http_pending *http_set_find(http_set *s, const char *id, int attempt);

/* How many calls were added and not yet performed. */
size_t http_set_waiting(const http_set *s);

/* Makes every call not yet performed, all at once; returns when each has ended. */
void http_set_perform(http_set *s);

#endif
