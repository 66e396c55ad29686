/*
 * lambda_runtime.c — `HOST lambda`: the host as a Lambda custom runtime
 * (shared/reference/lambda-wire.md, "Custom runtime"). The loop of the
 * Runtime API at $AWS_LAMBDA_RUNTIME_API: GET the next invocation, replay its
 * durable execution on the Lambda backend (journal_lambda.c), POST the
 * outcome {Status, Result | Error}; POST /error for what Lambda should retry
 * (an invalid checkpoint token; a 429, 5xx or no answer that journal_lambda.c's
 * own resends did not get past: the invocation runs again), and FAILED for
 * what it should not (any other refusal of the API);
 * POST /runtime/init/error when it cannot start (no workflow, no region or
 * credentials). Near the invocation's deadline (Lambda-Runtime-Deadline-Ms
 * less a reserve) no step body starts: the invocation posts /error
 * (Lambda.Deadline) with what it did checkpointed, and the next one goes on,
 * rather than being stopped in the middle of a step (which an at_most_once
 * step could not survive).
 *
 * Owns: the Runtime API requests; one journal_lambda per invocation.
 * Never: keeps anything of an invocation past it, or answers an invocation
 * twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_lambda.h"
#include "cairn/cairn.h"
#include "clock.h"
#include "http.h"
#include "journal_lambda.h"
#include "json.h"
#include "lambda_runtime.h"
#include "mem.h"
#include "replay.h"

/* GET next waits for as long as Lambda keeps the process (it is frozen between invocations). */
#define NEXT_TIMEOUT_MS (INT64_C(24) * 3600 * 1000)
/* No step body starts when less than this is left before the invocation's deadline
 * ($CAIRN_LAMBDA_RESERVE_MS overrides it). */
#define RESERVE_MS_DEFAULT 1000

/* One Runtime API request; *result (http_call's) on 0, else err. */
static int rt_call(const char *api, const char *method, const char *path, const char *body,
                   const char *error_type, int64_t timeout_ms, cJSON **result, cairn_error *err)
{
    char url[512];
    snprintf(url, sizeof url, "http://%s/2018-06-01%s", api, path);
    cJSON *req = cJSON_CreateObject(), *h = NULL;
    int ok = req && cJSON_AddStringToObject(req, "method", method) &&
             cJSON_AddStringToObject(req, "url", url) &&
             (h = cJSON_AddObjectToObject(req, "headers")) &&
             (!body || (cJSON_AddStringToObject(req, "body", body) &&
                        cJSON_AddStringToObject(h, "Content-Type", "application/json"))) &&
             (!error_type ||
              cJSON_AddStringToObject(h, "Lambda-Runtime-Function-Error-Type", error_type));
    int rc = -1;
    if (!ok)
        err_set(err, "Cairn.NoMemory", "out of memory");
    else
        rc = http_call(req, timeout_ms, NULL, 0, result, err);
    cJSON_Delete(req);
    return rc;
}

/* {errorMessage, errorType} as the Runtime API takes it. */
static char *error_body(const char *type, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    if (o && cJSON_AddStringToObject(o, "errorMessage", message ? message : "") &&
        cJSON_AddStringToObject(o, "errorType", type ? type : "Cairn.Error"))
        text = json_print(o);
    cJSON_Delete(o);
    return text;
}

/* POSTs body (or an error body) to path; says on stderr when the Runtime API refused it. */
static void rt_post(const char *api, const char *path, const char *body, const char *error_type)
{
    cairn_error err;
    err_init(&err);
    cJSON *res = NULL;
    if (rt_call(api, "POST", path, body ? body : "{}", error_type, 0, &res, &err) != 0)
        fprintf(stderr, "cairn lambda: POST %s: %s: %s\n", path, err.type,
                err.message ? err.message : "");
    cJSON_Delete(res);
    err_cleanup(&err);
}

static void init_error(const char *api, const char *type, const char *message)
{
    fprintf(stderr, "cairn lambda: cannot start: %s: %s\n", type, message);
    char *body = error_body(type, message);
    rt_post(api, "/runtime/init/error", body, type);
    cJSON_free(body);
}

/* The workflow this function runs: named, $CAIRN_WORKFLOW, $_HANDLER, or the only one linked. */
static const cairn_workflow *pick(const char *name, const cairn_workflow *const *wfs, size_t n,
                                  char *msg, size_t len)
{
    const char *env_name = getenv("CAIRN_WORKFLOW"), *handler = getenv("_HANDLER");
    const char *want = name ? name : env_name && *env_name ? env_name : NULL;
    for (size_t i = 0; i < n; i++)
        if ((want && !strcmp(wfs[i]->name, want)) ||
            (!want && handler && !strcmp(wfs[i]->name, handler)))
            return wfs[i];
    if (!want && n == 1)
        return wfs[0];
    if (want)
        snprintf(msg, len, "workflow '%.100s' is not linked into this host", want);
    else
        snprintf(msg, len,
                 "this host links %zu workflows: name the one to run (HOST lambda WORKFLOW, "
                 "CAIRN_WORKFLOW, or the function's handler)",
                 n);
    return NULL;
}

/* Decimal digits only (1 to 15 of them), as a number; -1 when s is anything else. */
static int64_t ms_value(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > 15 || strspn(s, "0123456789") != len)
        return -1;
    return strtoll(s, NULL, 10);
}

/*
 * One invocation: event text ev for request id rid, which Lambda stops at
 * deadline (epoch ms; 0: unknown); no step body starts in its last reserve ms.
 */
static void invocation(const char *api, const aws_config *cfg, const cairn_workflow *wf,
                       const cairn_workflow *const *wfs, size_t n, const char *rid, const char *ev,
                       int64_t deadline, int64_t reserve)
{
    char path[400];
    cairn_error err;
    err_init(&err);
    journal_lambda jl;
    memset(&jl, 0, sizeof jl);
    char *out_text = NULL;
    cJSON *event = cJSON_Parse(ev), *out = NULL;
    int rc;
    if (!event) {
        err_set(&err, "Lambda.BadEvent", "the invocation event is not JSON");
        rc = CAIRN_ERR_USAGE;
    } else if ((rc = journal_lambda_init(&jl, cfg, wf, wfs, n, event, deadline, &err)) ==
               CAIRN_OK) {
        clock_src clk;
        clock_init(&clk);
        jl.j.body_deadline = deadline > reserve ? deadline - reserve : 0;
        rc = replay_invoke(&jl.j, wf, &clk, NULL, &err);
    }
    if (rc == CAIRN_OK && !(out = journal_lambda_output(&jl))) {
        err_set(&err, "Cairn.Internal", "the invocation appended no outcome");
        rc = CAIRN_ERR_INTERNAL;
    }
    if (rc != CAIRN_OK && jl.failure == LAMBDA_FAILURE_FATAL) {
        /* the API refused for good: the execution fails, Lambda does not retry */
        cJSON *e = err_to_json(&err);
        char *etext = e ? json_print(e) : NULL;
        cJSON *eo = journal_lambda_error_object(etext);
        out = cJSON_CreateObject();
        if (!out || !eo || !cJSON_AddStringToObject(out, "Status", "FAILED") ||
            !cJSON_AddItemToObject(out, "Error", eo)) {
            cJSON_Delete(out);
            cJSON_Delete(eo);
            out = NULL;
        }
        cJSON_Delete(e);
        cJSON_free(etext);
    }
    if (out && (out_text = json_print(out))) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(out, "Status");
        fprintf(stderr, "cairn lambda: %s: %s (%d checkpoint request(s))%s%s\n",
                jl.arn ? jl.arn : "?", cJSON_IsString(st) ? st->valuestring : "?", jl.requests,
                rc != CAIRN_OK ? ": " : "", rc != CAIRN_OK && err.message ? err.message : "");
        snprintf(path, sizeof path, "/runtime/invocation/%s/response", rid);
        rt_post(api, path, out_text, NULL);
    } else {
        /* for Lambda to retry: an invalid token, throttling, 5xx, no answer, a bad event */
        const char *type = err.type ? err.type : "Cairn.Internal";
        fprintf(stderr, "cairn lambda: %s: invocation error (Lambda retries it): %s: %s\n",
                jl.arn ? jl.arn : "?", type, err.message ? err.message : "");
        char *body = error_body(type, err.message);
        snprintf(path, sizeof path, "/runtime/invocation/%s/error", rid);
        rt_post(api, path, body, type);
        cJSON_free(body);
    }
    cJSON_free(out_text);
    cJSON_Delete(out);
    cJSON_Delete(event);
    journal_lambda_cleanup(&jl);
    err_cleanup(&err);
}

int lambda_runtime_main(const char *prog, int argc, char **argv, const cairn_workflow *const *wfs,
                        size_t n)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: %s lambda [WORKFLOW]\n"
                   "Runs as an AWS Lambda custom runtime (the Runtime API at "
                   "$AWS_LAMBDA_RUNTIME_API); region, credentials and endpoint from the "
                   "environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                   "AWS_SESSION_TOKEN, AWS_ENDPOINT_URL_LAMBDA). No step starts in the last "
                   "CAIRN_LAMBDA_RESERVE_MS (default %d) before the invocation's deadline: "
                   "the invocation ends for Lambda to run it again.\n",
                   prog, RESERVE_MS_DEFAULT);
            return 0;
        }
        if (argv[i][0] == '-' || name) {
            fprintf(stderr, "%s lambda: unexpected argument '%s' (usage: %s lambda [WORKFLOW])\n",
                    prog, argv[i], prog);
            return 2;
        }
        name = argv[i];
    }
    if (!api || !*api || strlen(api) > 300) {
        fprintf(stderr,
                "%s lambda: AWS_LAMBDA_RUNTIME_API is not set: this command runs inside AWS "
                "Lambda (or a Runtime API emulator)\n",
                prog);
        return 2;
    }
    char msg[256];
    const cairn_workflow *wf = pick(name, wfs, n, msg, sizeof msg);
    if (!wf) {
        init_error(api, "Cairn.NoWorkflow", msg);
        return 1;
    }
    const char *reserve_env = getenv("CAIRN_LAMBDA_RESERVE_MS");
    int64_t reserve = reserve_env ? ms_value(reserve_env) : RESERVE_MS_DEFAULT;
    if (reserve < 0) {
        init_error(api, "Cairn.Config",
                   "CAIRN_LAMBDA_RESERVE_MS is not a whole number of milliseconds");
        return 1;
    }
    aws_config cfg;
    cairn_error err;
    err_init(&err);
    if (aws_config_from_env(&cfg, &err) != CAIRN_OK) {
        init_error(api, err.type, err.message);
        err_cleanup(&err);
        return 1;
    }
    for (;;) {
        cJSON *res = NULL;
        if (rt_call(api, "GET", "/runtime/invocation/next", NULL, NULL, NEXT_TIMEOUT_MS, &res,
                    &err) != 0) {
            fprintf(stderr, "%s lambda: GET /runtime/invocation/next: %s: %s\n", prog, err.type,
                    err.message ? err.message : "");
            break;
        }
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(res, "headers");
        const char *rid = NULL;
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(h, "lambda-runtime-aws-request-id");
        if (cJSON_IsString(r) && *r->valuestring &&
            strspn(r->valuestring,
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
                   ".") == strlen(r->valuestring) &&
            strlen(r->valuestring) < 200)
            rid = r->valuestring;
        /* Lambda-Runtime-Deadline-Ms: when Lambda stops the invocation (epoch ms) */
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(h, "lambda-runtime-deadline-ms");
        int64_t deadline = cJSON_IsString(d) ? ms_value(d->valuestring) : -1;
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(res, "body");
        char *printed = b && !cJSON_IsString(b) ? json_print(b) : NULL; /* parsed by http.c */
        char *ev = mem_strdup(cJSON_IsString(b) ? b->valuestring : printed ? printed : "");
        cJSON_free(printed);
        if (!rid) {
            fprintf(stderr, "%s lambda: the next invocation has no usable request id\n", prog);
        } else {
            invocation(api, &cfg, wf, wfs, n, rid, ev ? ev : "", deadline > 0 ? deadline : 0,
                       reserve);
        }
        mem_free(ev);
        cJSON_Delete(res);
    }
    aws_config_cleanup(&cfg);
    err_cleanup(&err);
    return 1;
}
