/*
 * http.h — HTTP calls through libcurl: `run: { http: ... }` steps and
 * submitters, and Lua's cairn.http.request.
 */
#ifndef CAIRN_HTTP_H
#define CAIRN_HTTP_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "cairn/workflow.h"
#include "error.h"

/*
 * Performs request {method, url, headers, body}: method defaults to GET (POST
 * when there is a body); headers an object of strings; a string body is sent
 * as it is, any other JSON body as JSON with Content-Type application/json.
 * timeout_ms 0: 30 s. ok/nok: statuses that succeed (NULL: 200-299).
 * On success returns 0 and *result = {"status", "headers" (lower-case names),
 * "body" (parsed when the response is JSON, else a string)}; caller frees.
 * A status outside ok: -1 with Http.Status.NNN, NNN the status (data: that
 * same result object), which the pattern Http.Status and its class
 * (Http.Status.5xx) match.
 * No response (connection, TLS, timeout, bad URL): -1 with Http.Transport.
 */
int http_call(const cJSON *request, int64_t timeout_ms, const cairn_status_range *ok, int nok,
              cJSON **result, cairn_error *err);

/* One call of http_call_all: what http_call takes in, and what it gives out. */
typedef struct http_job {
    const cJSON *request; /* borrowed */
    int64_t timeout_ms;
    const cairn_status_range *ok;
    int nok;
    int rc;          /* out: 0 or -1, as http_call returns */
    cJSON *result;   /* out: on 0; the caller frees */
    cairn_error err; /* out: on -1 (initialised by the caller) */
    int oom;         /* out: the failure was memory */
} http_job;

/*
 * Performs every job at once (libcurl's multi interface, in this thread) and
 * returns when each has ended: n calls of 200 ms take about 200 ms.
 */
void http_call_all(http_job *jobs, size_t n);

#endif
