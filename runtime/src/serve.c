/*
 * serve.c — `HOST serve`: a worker plus the HTTP API of DESIGN §6 on
 * libmicrohttpd: the three Lambda callback routes (as @aws-sdk/client-lambda
 * speaks them), start, stop, status, history and events of executions, a
 * page of the list, the host's workflows, and the web console at `/`
 * (console.c: its files are in the binary; only they are served without
 * the token, as they hold no data).
 *
 * Threads: the main thread only waits for SIGINT/SIGTERM (blocked everywhere
 * else, taken with sigwait); the worker thread runs due invocations on its
 * own engine; libmicrohttpd's one polling thread answers requests on another
 * engine. An engine is not thread-safe: each is used by exactly one thread,
 * and they meet only in the store and through engine_poke(), which wakes the
 * worker the moment a request recorded something.
 *
 * Owns: the two engines, the token (read at start, compared in constant
 * time, never printed), the request bodies being received (capped at
 * BODY_MAX: past it the reading stops and 413 goes out).
 * Never: touches the store other than through engine.h, blocks the HTTP
 * thread on anything but the store, or stops in the middle of an invocation.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "args.h"
#include "cli.h"
#include "console.h"
#include "engine.h"
#include "error.h"
#include "json.h"
#include "mem.h"
#include "worker.h"

#define BODY_MAX ((size_t)256 * 1024) /* one payload, as AWS (RequestTooLargeException) */
#define TOKEN_MAX 4096
#define CONN_LIMIT 256    /* connections at once (tests: CAIRN_SERVE_MAX_CONNS) */
#define CONN_TIMEOUT_S 10 /* a connection idle this long is closed (CAIRN_SERVE_CONN_TIMEOUT_S) */
#define BODY_TIMES 3      /* a body still arriving after BODY_TIMES idle timeouts is cut off */
#define STORE_RETRY_MS 50 /* after a store error (another process holds the lock) */

#define CALLBACKS_PREFIX "/2025-12-01/durable-execution-callbacks/"
#define EXECUTIONS_PREFIX "/executions"
#define WORKFLOWS_PREFIX "/workflows"
#define PAGE_DEFAULT 50 /* GET /executions: rows a page when no limit is given ... */
#define PAGE_MAX 500    /* ... and at most */

/*
 * The page's policy: its own script and style only (no inline script, no
 * other origin), requests to serve only, never framed. Every value the page
 * shows is set as text (console.js), so this is a second wall, not the first.
 */
#define CONSOLE_CSP                                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

typedef struct server {
    const cairn_workflow *const *wfs; /* borrowed */
    size_t n;
    const char *db; /* borrowed */
    int skip_time;
    char *token; /* owned; NULL: no token required */
    size_t token_len;
    engine *api;    /* owned; only the HTTP thread uses it */
    engine *worker; /* owned; only the worker thread uses it (and engine_poke) */
    atomic_int stop;
    atomic_llong vnow; /* skip-time: the worker's virtual clock, for the API's */
    unsigned conn_limit, conn_timeout_s;
    atomic_int listening; /* 0 while starting: libmicrohttpd's messages are ours to say */
    int loopback;         /* listening on a loopback address: Host must name one */
} server;

/*
 * libmicrohttpd's messages: none while the daemon starts (a busy port is
 * said once, by serve, not first in libmicrohttpd's words), then one line
 * each on stderr. errno is kept: serve reports the bind failure from it.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    server *s = cls;
    if (!atomic_load(&s->listening))
        return;
    int saved = errno;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    fprintf(stderr, "serve: libmicrohttpd: %s\n", line);
    errno = saved;
}

/* ------------------------------------------------------------------------ */
/* Worker                                                                    */
/* ------------------------------------------------------------------------ */

/* skip-time: the worker's clock moved; the API's engine reads it from vnow. */
static void on_advance(void *ctx, int64_t now_ms)
{
    server *s = ctx;
    atomic_store(&s->vnow, (long long)now_ms);
}

/* Executions its worker runs at once, their appends committed together, as
 * `HOST worker` does by default (worker.h). */
enum { SERVE_BATCH = 16, SERVE_BATCH_WINDOW_US = 500 };

/* The loop of `worker` (worker.c), woken by engine_poke() and by commits,
 * retrying every error until serve stops. */
static void *worker_main(void *arg)
{
    server *s = arg;
    const worker_policy policy = {
        .who = "serve: worker",
        .exec_who = "serve",
        .stop = &s->stop,
        .skip_time = s->skip_time,
        .until_idle = 0,
        .retry_forever = 1,
        .max_store_errors = 0,
        .retry_ms = STORE_RETRY_MS,
        .idle_ms = -1, /* a commit, a poke or the next wake-up ends its sleep */
        .batch = SERVE_BATCH,
        .batch_window_us = SERVE_BATCH_WINDOW_US,
        .on_advance = on_advance,
        .ctx = s,
    };
    worker_run(s->worker, &policy);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                  */
/* ------------------------------------------------------------------------ */

/* One request being received. */
typedef struct request {
    char *body; /* owned; NUL-terminated */
    size_t len, cap;
    int answered;       /* a response is queued: the rest of the body is dropped */
    int too_large;      /* over BODY_MAX: dropped, 413 at the end */
    int64_t started_ms; /* monotonic, when the headers were in */
} request;

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *errtype,
                                 const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (errtype)
        MHD_add_response_header(r, "x-amzn-errortype", errtype);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* An error as AWS sends it: status, x-amzn-errortype, {"Type":"User","Message":...}. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *name,
                                  const char *message)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "Type", status >= 500 ? "Service" : "User") &&
        cJSON_AddStringToObject(o, "Message", message))
        text = json_print(o);
    cJSON_Delete(o);
    enum MHD_Result ret = send_json(c, status, name, text ? text : "{}");
    mem_free(text);
    return ret;
}

/* A file of the console (static text in the binary), with the page's policy. */
static enum MHD_Result send_asset(struct MHD_Connection *c, const char *text, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Security-Policy", CONSOLE_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_doc(struct MHD_Connection *c, const cJSON *doc)
{
    char *text = json_print_indented(doc); /* as --json prints it */
    if (!text)
        return send_error(c, 500, "ServiceException", "out of memory");
    enum MHD_Result ret = send_json(c, 200, NULL, text);
    mem_free(text);
    return ret;
}

/*
 * An engine error as an HTTP error: unknown 404, closed 400, bad input 400,
 * else 500. Engine messages name the store file for the operator; a client
 * is told "the store" instead, so the server's paths never leave it.
 */
static enum MHD_Result send_engine_error(const server *s, struct MHD_Connection *c, int rc,
                                         const cairn_error *err, int callback)
{
    const char *m = err->message ? err->message : cairn_strerror(rc);
    char buf[1024];
    const char *at = s->db && *s->db ? strstr(m, s->db) : NULL;
    if (at) {
        snprintf(buf, sizeof buf, "%.*sthe store%s", (int)(at - m), m, at + strlen(s->db));
        m = buf;
    }
    switch (rc) {
    case CAIRN_ERR_NOT_FOUND:
        return send_error(c, 404, "ResourceNotFoundException", m);
    case CAIRN_ERR_CONFLICT:
        return send_error(c, 400,
                          callback ? "CallbackTimeoutException" : "ResourceConflictException", m);
    case CAIRN_ERR_INPUT:
    case CAIRN_ERR_USAGE:
        return send_error(c, 400, "InvalidParameterValueException", m);
    default:
        return send_error(c, 500, "ServiceException", m);
    }
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Constant-time check of "Authorization: Bearer TOKEN". */
static int authorized(const server *s, struct MHD_Connection *c)
{
    if (!s->token)
        return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *given = h + 7;
    size_t glen = strlen(given);
    unsigned char diff = glen != s->token_len;
    for (size_t i = 0; i < s->token_len; i++)
        diff |= (unsigned char)(s->token[i] ^ (i < glen ? given[i] : 0));
    return diff == 0;
}

/* Is host (a Host header's name, its first len bytes) a loopback name:
 * localhost, [::1] or an address 127.x.y.z? */
static int loopback_name(const char *host, size_t len)
{
    char name[64];
    struct in_addr a;
    if (len >= sizeof name)
        return 0;
    memcpy(name, host, len);
    name[len] = '\0';
    return !strcasecmp(name, "localhost") || !strcmp(name, "[::1]") ||
           (inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127);
}

/*
 * A request a browser sent on another site's behalf: refused, token or not.
 * Cross-site: an Origin that is not this server's own (a page elsewhere
 * posting to it). DNS rebinding: on a loopback address, a Host that is not a
 * loopback name (a page elsewhere whose name now points here). curl and the
 * SDKs send no Origin and a Host of the address they were given.
 */
static const char *from_elsewhere(const server *s, struct MHD_Connection *c)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (origin) {
        const char *o = strstr(origin, "://");
        if (!host || !o || strcasecmp(o + 3, host) != 0)
            return "a request from another origin is refused";
    }
    if (s->loopback && host) {
        size_t len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
        if (!loopback_name(host, len))
            return "on a loopback address, a request for another host name is refused";
    }
    return NULL;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes [p, p+len) into out (size > len). -1 on a bad escape or a NUL. */
static int pct_decode(const char *p, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (ch == '%') {
            if (len - i < 3)
                return -1;
            int a = hexval(p[i + 1]), b = a < 0 ? -1 : hexval(p[i + 2]);
            if (a < 0 || b < 0)
                return -1;
            ch = (char)(a * 16 + b);
            i += 2;
        }
        if (ch == '\0')
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return 0;
}

/* Routes, as parsed from the path. */
typedef enum route {
    R_NONE,
    R_SUCCEED,
    R_FAIL,
    R_HEARTBEAT,
    R_START,
    R_STATUS,
    R_HISTORY,
    R_EVENTS,
    R_STOP,
    R_LIST,        /* GET /executions (POST is R_START) */
    R_WORKFLOWS,   /* GET /workflows */
    R_WORKFLOW,    /* GET /workflows/{name} */
    R_CHECK_INPUT, /* POST /workflows/{name}/check */
    R_CONSOLE,     /* GET / and /console/{file}: the web console, without the token */
} route;

/* The routes that read (GET); the others take POST. */
static int read_route(route r)
{
    return r == R_STATUS || r == R_HISTORY || r == R_EVENTS || r == R_LIST || r == R_WORKFLOWS ||
           r == R_WORKFLOW || r == R_CONSOLE;
}

/*
 * Parses url into a route and its decoded id (id: out buffer of idlen).
 * R_NONE for an unknown path; -1 in *bad when the id is malformed.
 */
static route parse_route(const char *url, char *id, size_t idlen, int *bad)
{
    *bad = 0;
    id[0] = '\0';
    const char *rest, *slash;
    size_t plen = strlen(CALLBACKS_PREFIX);
    if (!strncmp(url, CALLBACKS_PREFIX, plen)) {
        rest = url + plen;
        slash = strchr(rest, '/');
        if (!slash)
            return R_NONE;
        route r = !strcmp(slash, "/succeed")     ? R_SUCCEED
                  : !strcmp(slash, "/fail")      ? R_FAIL
                  : !strcmp(slash, "/heartbeat") ? R_HEARTBEAT
                                                 : R_NONE;
        if (r == R_NONE)
            return R_NONE;
        size_t len = (size_t)(slash - rest);
        *bad = len == 0 || len >= idlen || pct_decode(rest, len, id) != 0;
        return r;
    }
    const char *type;
    if (console_asset(url, &type))
        return R_CONSOLE;
    if (!strcmp(url, WORKFLOWS_PREFIX) || !strcmp(url, WORKFLOWS_PREFIX "/"))
        return R_WORKFLOWS;
    plen = strlen(WORKFLOWS_PREFIX "/");
    if (!strncmp(url, WORKFLOWS_PREFIX "/", plen)) {
        rest = url + plen;
        slash = strchr(rest, '/');
        if (slash && strcmp(slash, "/check") != 0)
            return R_NONE;
        size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
        *bad = len == 0 || len >= idlen || pct_decode(rest, len, id) != 0;
        return slash ? R_CHECK_INPUT : R_WORKFLOW;
    }
    if (!strcmp(url, EXECUTIONS_PREFIX) || !strcmp(url, EXECUTIONS_PREFIX "/"))
        return R_START;
    plen = strlen(EXECUTIONS_PREFIX "/");
    if (strncmp(url, EXECUTIONS_PREFIX "/", plen) != 0)
        return R_NONE;
    rest = url + plen;
    slash = strchr(rest, '/');
    route r = R_STATUS;
    if (slash) {
        r = !strcmp(slash, "/history")  ? R_HISTORY
            : !strcmp(slash, "/events") ? R_EVENTS
            : !strcmp(slash, "/stop")   ? R_STOP
                                        : R_NONE;
        if (r == R_NONE)
            return R_NONE;
    }
    size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
    *bad = len == 0 || len >= idlen || pct_decode(rest, len, id) != 0;
    return r;
}

/* A string member, or NULL; *wrong = 1 when it is there but not a string (null is absent). */
static const char *opt_string(const cJSON *o, const char *key, int *wrong)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        *wrong = 1;
        return NULL;
    }
    return v->valuestring;
}

static enum MHD_Result do_fail(server *s, struct MHD_Connection *c, const char *id,
                               const request *rq, cairn_error *err)
{
    cJSON *body = NULL;
    char *data_text = NULL;
    enum MHD_Result ret;
    if (rq->len > 0) {
        body = strlen(rq->body) == rq->len ? cJSON_ParseWithOpts(rq->body, NULL, 1) : NULL;
        if (!cJSON_IsObject(body)) {
            ret = send_error(c, 400, "InvalidParameterValueException",
                             "the body of fail must be a JSON object {ErrorType, ErrorMessage, "
                             "ErrorData, StackTrace}");
            goto done;
        }
    }
    int wrong = 0;
    const char *type = opt_string(body, "ErrorType", &wrong);
    const char *message = opt_string(body, "ErrorMessage", &wrong);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "ErrorData");
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(body, "StackTrace");
    if (trace && !cJSON_IsNull(trace) && !cJSON_IsArray(trace))
        wrong = 1;
    if (wrong) {
        ret = send_error(c, 400, "InvalidParameterValueException",
                         "ErrorType and ErrorMessage must be strings, StackTrace a list");
        goto done;
    }
    if (data && !cJSON_IsNull(data)) {
        data_text = cJSON_IsString(data) ? mem_strdup(data->valuestring) : json_print(data);
        if (!data_text) {
            ret = send_error(c, 500, "ServiceException", "out of memory");
            goto done;
        }
    }
    int rc = engine_callback_fail(s->api, id, type, message, data_text, err);
    if (rc != CAIRN_OK) {
        ret = send_engine_error(s, c, rc, err, 1);
        goto done;
    }
    engine_poke(s->worker);
    ret = send_json(c, 200, NULL, "{}");
done:
    cJSON_Delete(body);
    mem_free(data_text);
    return ret;
}

static enum MHD_Result do_start(server *s, struct MHD_Connection *c, const request *rq,
                                cairn_error *err)
{
    cJSON *body = NULL, *out = NULL;
    char *input = NULL, *id = NULL, *text = NULL;
    enum MHD_Result ret;
    body =
        rq->len > 0 && strlen(rq->body) == rq->len ? cJSON_ParseWithOpts(rq->body, NULL, 1) : NULL;
    int wrong = 0;
    const char *workflow = cJSON_IsObject(body) ? opt_string(body, "workflow", &wrong) : NULL;
    const char *name = opt_string(body, "name", &wrong);
    if (!workflow || wrong || (name && !*name)) {
        ret = send_error(c, 400, "InvalidParameterValueException",
                         "the body must be a JSON object {\"workflow\": NAME, \"input\": JSON, "
                         "\"name\": KEY (optional)}");
        goto done;
    }
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(body, "input");
    input = in ? json_print(in) : mem_strdup("{}");
    if (!input) {
        ret = send_error(c, 500, "ServiceException", "out of memory");
        goto done;
    }
    int created = 0;
    int rc = engine_start(s->api, workflow, input, name, &id, &created, err);
    if (rc == CAIRN_ERR_NOT_FOUND)
        rc = CAIRN_ERR_INPUT; /* an unknown workflow is a bad parameter, not a missing resource */
    if (rc != CAIRN_OK) {
        ret = send_engine_error(s, c, rc, err, 0);
        goto done;
    }
    engine_poke(s->worker);
    out = cJSON_CreateObject();
    if (out && cJSON_AddStringToObject(out, "id", id))
        text = json_print(out);
    ret = text ? send_json(c, 200, NULL, text)
               : send_error(c, 500, "ServiceException", "out of memory");
done:
    cJSON_Delete(body);
    cJSON_Delete(out);
    mem_free(input);
    mem_free(id);
    mem_free(text);
    return ret;
}

/* The whole request is in: run it. */
/*
 * POST /executions/{id}/stop, as AWS StopDurableExecution: body optional
 * {ErrorType, ErrorMessage, ErrorData, StackTrace}; 200 {"StopTimestamp"}
 * (epoch seconds). An execution that has already ended is 400
 * InvalidParameterValueException: StopDurableExecution declares no conflict
 * error, only InvalidParameterValueException, ResourceNotFoundException,
 * ServiceException and TooManyRequestsException.
 */
static enum MHD_Result do_stop(server *s, struct MHD_Connection *c, const char *id,
                               const request *rq, cairn_error *err)
{
    cJSON *body = NULL;
    enum MHD_Result ret;
    if (rq->len > 0) {
        body = strlen(rq->body) == rq->len ? cJSON_ParseWithOpts(rq->body, NULL, 1) : NULL;
        if (!cJSON_IsObject(body)) {
            ret = send_error(c, 400, "InvalidParameterValueException",
                             "the body of stop must be a JSON object {ErrorType, ErrorMessage}");
            goto done;
        }
    }
    int wrong = 0;
    const char *type = opt_string(body, "ErrorType", &wrong);
    const char *message = opt_string(body, "ErrorMessage", &wrong);
    if (wrong) {
        ret = send_error(c, 400, "InvalidParameterValueException",
                         "ErrorType and ErrorMessage must be strings");
        goto done;
    }
    int64_t at = 0;
    int rc = engine_stop(s->api, id, type, message, &at, err);
    if (rc == CAIRN_ERR_CONFLICT)
        rc = CAIRN_ERR_INPUT;
    if (rc != CAIRN_OK) {
        ret = send_engine_error(s, c, rc, err, 0);
        goto done;
    }
    engine_poke(s->worker);
    char out[64];
    snprintf(out, sizeof out, "{\"StopTimestamp\":%lld.%03lld}", (long long)(at / 1000),
             (long long)(at % 1000));
    ret = send_json(c, 200, NULL, out);
done:
    cJSON_Delete(body);
    return ret;
}

/* GET /executions's query: status, workflow, offset, limit; nothing else. */
typedef struct page_query {
    char status[16], workflow[72];
    long long offset, limit;
    const char *bad; /* the first problem, for the 400 */
} page_query;

/* A whole decimal number in [lo, hi] from text, or -1. */
static long long query_number(const char *text, long long lo, long long hi)
{
    char *end = NULL;
    errno = 0;
    long long v = text[0] >= '0' && text[0] <= '9' ? strtoll(text, &end, 10) : -1;
    return v >= 0 && !*end && !errno && v >= lo && v <= hi ? v : -1;
}

static enum MHD_Result page_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    page_query *q = cls;
    char v[72];
    if (q->bad)
        return MHD_NO;
    if (!value || strlen(value) >= sizeof v || pct_decode(value, strlen(value), v) != 0)
        v[0] = '\0';
    if (!strcmp(key, "status")) {
        if (!v[0] || strlen(v) >= sizeof q->status)
            q->bad = "status must be RUNNING, PENDING, SUCCEEDED, FAILED, TIMED_OUT or STOPPED";
        else
            strcpy(q->status, v);
    } else if (!strcmp(key, "workflow")) {
        int ok = v[0] >= 'a' && v[0] <= 'z' && strlen(v) <= 64;
        for (const char *p = v; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (ok)
            strcpy(q->workflow, v);
        else
            q->bad = "workflow must be a workflow name ([a-z][a-z0-9_]*, at most 64 characters)";
    } else if (!strcmp(key, "offset")) {
        if ((q->offset = query_number(v, 0, 1000000000000LL)) < 0)
            q->bad = "offset must be a whole number, 0 or more";
    } else if (!strcmp(key, "limit")) {
        if ((q->limit = query_number(v, 1, PAGE_MAX)) < 0)
            q->bad = "limit must be a whole number from 1 to 500";
    } else {
        q->bad = "GET /executions takes status, workflow, offset and limit only";
    }
    return q->bad ? MHD_NO : MHD_YES;
}

/* GET /executions?status=S&workflow=W&offset=N&limit=M: one page, newest first. */
static enum MHD_Result do_list(server *s, struct MHD_Connection *c, cairn_error *err)
{
    page_query q = {.offset = 0, .limit = PAGE_DEFAULT};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, page_arg, &q);
    if (q.bad)
        return send_error(c, 400, "InvalidParameterValueException", q.bad);
    int rc = CAIRN_OK;
    cJSON *doc = engine_list_page_json(s->api, q.status[0] ? q.status : NULL,
                                       q.workflow[0] ? q.workflow : NULL, (int64_t)q.offset,
                                       (int)q.limit, &rc, err);
    enum MHD_Result ret =
        doc ? send_doc(c, doc) : send_engine_error(s, c, rc ? rc : CAIRN_ERR_INTERNAL, err, 0);
    cJSON_Delete(doc);
    return ret;
}

/* GET /workflows, GET /workflows/{name}, POST /workflows/{name}/check. */
static enum MHD_Result do_workflows(server *s, struct MHD_Connection *c, route r, const char *name,
                                    const request *rq)
{
    const cairn_workflow *wf = NULL;
    if (r != R_WORKFLOWS && !(wf = console_find(s->wfs, s->n, name)))
        return send_error(c, 404, "ResourceNotFoundException",
                          "no workflow of that name in this host");
    if (r == R_CHECK_INPUT) {
        char msg[768];
        if (console_check_input(wf, rq->body ? rq->body : "", rq->len, msg, sizeof msg) != 0)
            return send_error(c, 400, "InvalidParameterValueException", msg);
        return send_json(c, 200, NULL, "{\"ok\":true}");
    }
    cJSON *doc =
        r == R_WORKFLOWS ? console_workflows_json(s->wfs, s->n) : console_workflow_json(wf, 1);
    enum MHD_Result ret =
        doc ? send_doc(c, doc) : send_error(c, 500, "ServiceException", "out of memory");
    cJSON_Delete(doc);
    return ret;
}

static enum MHD_Result dispatch(server *s, struct MHD_Connection *c, route r, const char *id,
                                const request *rq)
{
    cairn_error err;
    err_init(&err);
    enum MHD_Result ret;
    int rc = CAIRN_OK;
    cJSON *doc = NULL;
    if (s->skip_time && !read_route(r))
        engine_advance_clock(s->api, (int64_t)atomic_load(&s->vnow));
    switch (r) {
    case R_SUCCEED:
        rc = engine_callback_succeed(s->api, id, rq->body ? rq->body : "", rq->len, &err);
        break;
    case R_HEARTBEAT:
        rc = engine_callback_heartbeat(s->api, id, &err);
        break;
    case R_FAIL:
        ret = do_fail(s, c, id, rq, &err);
        goto done;
    case R_START:
        ret = do_start(s, c, rq, &err);
        goto done;
    case R_STOP:
        ret = do_stop(s, c, id, rq, &err);
        goto done;
    case R_LIST:
        ret = do_list(s, c, &err);
        goto done;
    case R_WORKFLOWS:
    case R_WORKFLOW:
    case R_CHECK_INPUT:
        ret = do_workflows(s, c, r, id, rq);
        goto done;
    case R_STATUS:
    case R_HISTORY:
    case R_EVENTS:
        doc = r == R_STATUS    ? engine_status_json(s->api, id, &rc, &err)
              : r == R_HISTORY ? engine_history_json(s->api, id, &rc, &err)
                               : engine_events_json(s->api, id, &rc, &err);
        ret =
            doc ? send_doc(c, doc) : send_engine_error(s, c, rc ? rc : CAIRN_ERR_INTERNAL, &err, 0);
        goto done;
    default:
        ret = send_error(c, 404, "UnknownOperationException", "no such route");
        goto done;
    }
    if (rc != CAIRN_OK) {
        ret = send_engine_error(s, c, rc, &err, 1);
        goto done;
    }
    engine_poke(s->worker);
    ret = send_json(c, 200, NULL, "{}");
done:
    cJSON_Delete(doc);
    err_cleanup(&err);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)version;
    server *s = cls;
    request *rq = *con_cls;
    char id[512];
    int bad = 0;
    route r = parse_route(url, id, sizeof id, &bad);
    int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
    int is_get = !strcmp(method, MHD_HTTP_METHOD_GET);
    if (r == R_START && is_get)
        r = R_LIST;

    if (!rq) { /* headers only: answer now what needs no body */
        rq = mem_calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        rq->started_ms = monotonic_ms();
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        enum MHD_Result ret = MHD_YES;
        const char *elsewhere = from_elsewhere(s, c);
        if (elsewhere) {
            ret = send_error(c, 403, "AccessDeniedException", elsewhere);
        } else if (r == R_CONSOLE && is_get) {
            const char *type = NULL, *text = console_asset(url, &type);
            ret = send_asset(c, text, type);
        } else if (r != R_CONSOLE && !authorized(s, c))
            ret = send_error(c, 403, "AccessDeniedException",
                             "missing or wrong bearer token (Authorization: Bearer TOKEN)");
        else if (r == R_NONE)
            ret = send_error(c, 404, "UnknownOperationException", "no such route");
        else if (read_route(r) ? !is_get : !is_post)
            ret = send_error(c, 405, "MethodNotAllowedException",
                             read_route(r) ? "this route takes GET only"
                                           : "this route takes POST only");
        else if (bad)
            ret = send_error(c, 400, "InvalidParameterValueException", "malformed id in the path");
        else if (cl && strtoull(cl, NULL, 10) > BODY_MAX)
            ret = send_error(c, 413, "RequestTooLargeException", "request body over 262144 bytes");
        else
            return MHD_YES;
        rq->answered = 1;
        return ret;
    }
    if (*size > 0) {
        if (monotonic_ms() - rq->started_ms > (int64_t)s->conn_timeout_s * BODY_TIMES * 1000)
            return MHD_NO; /* a body trickling in: close the connection */
        /* A body without Content-Length that grows past the limit (chunked): the
         * rest is dropped as it comes, and 413 goes out at its end. */
        if (!rq->answered && !rq->too_large && *size > BODY_MAX - rq->len)
            rq->too_large = 1;
        if (!rq->answered && !rq->too_large) {
            if (rq->len + *size + 1 > rq->cap) {
                size_t cap = rq->cap ? rq->cap : 1024;
                while (cap < rq->len + *size + 1)
                    cap *= 2;
                char *p = mem_realloc(rq->body, cap);
                if (!p)
                    return MHD_NO;
                rq->body = p;
                rq->cap = cap;
            }
            memcpy(rq->body + rq->len, data, *size);
            rq->len += *size;
            rq->body[rq->len] = '\0';
        }
        *size = 0;
        return MHD_YES;
    }
    if (rq->too_large && !rq->answered) {
        rq->answered = 1;
        return send_error(c, 413, "RequestTooLargeException", "request body over 262144 bytes");
    }
    if (rq->answered)
        return MHD_YES;
    rq->answered = 1;
    return dispatch(s, c, r, id, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    request *rq = *con_cls;
    if (rq) {
        mem_free(rq->body);
        mem_free(rq);
    }
    *con_cls = NULL;
}

/* Leaves the path as it came: ids are decoded after the path is split at '/'. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */
/* ------------------------------------------------------------------------ */

/* Reads the token: the whole file, trailing newline stripped. -1 with a message. */
static int read_token(const char *path, server *s)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "serve: cannot read --token-file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = mem_malloc(TOKEN_MAX + 1);
    size_t n = buf ? fread(buf, 1, TOKEN_MAX + 1, f) : 0;
    fclose(f);
    if (!buf || n > TOKEN_MAX) {
        fprintf(stderr, "serve: --token-file %s: %s\n", path,
                buf ? "token longer than 4096 bytes" : "out of memory");
        mem_free(buf);
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    if (n == 0 || strlen(buf) != n) {
        fprintf(stderr, "serve: --token-file %s: the token is empty or holds a zero byte\n", path);
        mem_free(buf);
        return -1;
    }
    s->token = buf;
    s->token_len = n;
    return 0;
}

/* The positive number in the environment variable name, or dflt. */
static unsigned env_unsigned(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long n = v ? strtoul(v, &end, 10) : 0;
    return v && *v && !*end && n > 0 && n <= 1000000 ? (unsigned)n : dflt;
}

/* "ADDR:PORT" (IPv4, or [IPv6]:PORT) into addr. -1 when malformed. */
static int parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *alen)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof host)
        return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || port > 65535)
        return -1;
    memset(addr, 0, sizeof *addr);
    size_t hl = strlen(host);
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *alen = sizeof *a6;
        return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *alen = sizeof *a4;
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
}

static void usage(FILE *f)
{
    fputs("usage: HOST serve [--listen ADDR:PORT] [--token-file F] [--db PATH] [--skip-time]\n"
          "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0: any free)\n"
          "  --token-file F      require `Authorization: Bearer TOKEN`, TOKEN read from F\n"
          "  --skip-time         virtual clock: jump to the next wake-up instead of waiting\n"
          "Routes: POST /2025-12-01/durable-execution-callbacks/{id}/succeed|fail|heartbeat,\n"
          "        POST /executions, GET /executions (a page), GET /executions/{id},\n"
          "        GET /executions/{id}/history, GET /executions/{id}/events,\n"
          "        POST /executions/{id}/stop, GET /workflows, GET /workflows/{name},\n"
          "        POST /workflows/{name}/check; the web console at / (a browser)\n",
          f);
}

int serve_main(int argc, char **argv, const cairn_workflow *const *wfs, size_t n)
{
    const char *db_flag = NULL, *listen_at = "127.0.0.1:8080", *token_file = NULL;
    int skip_time = 0, help = 0;
    const args_opt opts[] = {{"db", &db_flag, NULL, NULL},
                             {"listen", &listen_at, NULL, NULL},
                             {"token-file", &token_file, NULL, NULL},
                             {"skip-time", NULL, &skip_time, NULL},
                             {"help", NULL, &help, NULL},
                             {NULL, NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0, code = 1, worker_started = 0;
    char msg[256];
    struct sockaddr_storage addr;
    socklen_t alen = 0;
    struct MHD_Daemon *d = NULL;
    pthread_t worker;
    sigset_t sigs;
    cairn_error err;
    err_init(&err);
    server s = {.wfs = wfs, .n = n, .skip_time = skip_time};

    if (args_parse(argc, argv, 1, opts, pos, 0, &npos, msg, sizeof msg)) {
        fprintf(stderr, "serve: %s\n", msg);
        return 2;
    }
    if (help) {
        usage(stdout);
        return 0;
    }
    if (parse_listen(listen_at, &addr, &alen) != 0) {
        fprintf(stderr, "serve: --listen wants ADDR:PORT (like 127.0.0.1:8080), not '%s'\n",
                listen_at);
        return 2;
    }
    s.skip_time = skip_time;
    s.loopback = addr.ss_family == AF_INET6
                     ? IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&addr)->sin6_addr)
                     : (ntohl(((struct sockaddr_in *)&addr)->sin_addr.s_addr) >> 24) == 127;
    s.db = cli_db_path(db_flag);
    s.conn_limit = env_unsigned("CAIRN_SERVE_MAX_CONNS", CONN_LIMIT);
    s.conn_timeout_s = env_unsigned("CAIRN_SERVE_CONN_TIMEOUT_S", CONN_TIMEOUT_S);
    atomic_init(&s.stop, 0);
    atomic_init(&s.vnow, 0);
    atomic_init(&s.listening, 0);
    if (token_file && read_token(token_file, &s) != 0)
        goto done;

    /* SIGINT/SIGTERM go to sigwait below; every thread made from here inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0) {
        fputs("serve: cannot block signals\n", stderr);
        goto done;
    }
    if (engine_open(&s.worker, s.db, wfs, n, &err) != CAIRN_OK ||
        engine_open(&s.api, s.db, wfs, n, &err) != CAIRN_OK) {
        fprintf(stderr, "serve: %s\n", err.message ? err.message : "cannot open the store");
        goto done;
    }
    engine_set_skip_time(s.worker, skip_time);
    engine_set_skip_time(s.api, skip_time);
    atomic_store(&s.vnow, (long long)engine_now(s.worker));

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped,
        NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s, MHD_OPTION_CONNECTION_LIMIT, s.conn_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, s.conn_timeout_s, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "serve: cannot listen on %s: %s\n", listen_at, strerror(errno));
        goto done;
    }
    atomic_store(&s.listening, 1);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(listen_at, ':') - listen_at), listen_at);
    printf("serve: listening on http://%s:%u (db %s)\n", host, info ? info->port : 0, s.db);
    fflush(stdout);

    if (pthread_create(&worker, NULL, worker_main, &s) != 0) {
        fputs("serve: cannot start the worker thread\n", stderr);
        goto done;
    }
    worker_started = 1;

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    code = 0;
done:
    if (d)
        MHD_stop_daemon(d); /* stops accepting; a request in flight finishes first */
    if (worker_started) {
        atomic_store(&s.stop, 1);
        engine_poke(s.worker);
        pthread_join(worker, NULL); /* the invocation in flight finishes */
    }
    if (s.api)
        engine_close(s.api);
    if (s.worker)
        engine_close(s.worker);
    mem_free(s.token);
    err_cleanup(&err);
    return code;
}
