/*
 * aws_lambda.h — the Lambda durable execution API over HTTP (REST-JSON,
 * SigV4 service "lambda", path prefix 2025-12-01): the calls `cairn ...
 * --aws` makes (callback succeed/fail/heartbeat, GetDurableExecution,
 * GetDurableExecutionHistory, StopDurableExecution), their requests as
 * @aws-sdk/client-lambda's serializers build them, and AWS's errors.
 * Facts: shared/reference/lambda-wire.md.
 */
#ifndef CAIRN_AWS_LAMBDA_H
#define CAIRN_AWS_LAMBDA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws_sigv4.h"
#include "error.h"

/* Where and as whom to call; aws_config_from_env() fills it, aws_config_cleanup() frees it. */
typedef struct aws_config {
    char *region;
    char *endpoint;  /* scheme://authority[/prefix], no trailing '/' */
    char *authority; /* the Host header: host[:port] as the endpoint writes it */
    char *prefix;    /* the endpoint's path ("" when none) */
    char *access_key_id, *secret_access_key, *session_token; /* token NULL when none */
    int64_t timeout_ms;                                      /* 0: http.c's default */
} aws_config;

/*
 * From the environment: AWS_REGION, else AWS_DEFAULT_REGION; AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional); the endpoint
 * AWS_ENDPOINT_URL_LAMBDA, else AWS_ENDPOINT_URL, else
 * https://lambda.REGION.amazonaws.com. Returns CAIRN_OK, or CAIRN_ERR_USAGE
 * with err (type Aws.Config) saying what is missing or wrong, or
 * CAIRN_ERR_NOMEM. On failure c holds nothing to free.
 */
int aws_config_from_env(aws_config *c, cairn_error *err);
void aws_config_cleanup(aws_config *c);

/* The operations. */
typedef enum aws_op_kind {
    AWS_CALLBACK_SUCCESS,
    AWS_CALLBACK_FAILURE,
    AWS_CALLBACK_HEARTBEAT,
    AWS_GET_EXECUTION,
    AWS_GET_HISTORY,
    AWS_STOP_EXECUTION,
    AWS_CHECKPOINT, /* CheckpointDurableExecution: body given (journal_lambda.c) */
    AWS_GET_STATE,  /* GetDurableExecutionState: token, marker, max_items */
} aws_op_kind;

/* One call's input, borrowed; what a kind does not use is ignored. */
typedef struct aws_op {
    aws_op_kind kind;
    const char *target; /* the callback id, or the durable execution ARN (raw) */
    const char *result; /* CALLBACK_SUCCESS: the raw result bytes */
    size_t result_len;
    const char *error_type;    /* CALLBACK_FAILURE, STOP_EXECUTION: the ErrorObject; */
    const char *error_message; /* NULL members are left out (STOP: all NULL sends {}) */
    const char *error_data;
    int include_data;   /* GET_EXECUTION, GET_HISTORY: IncludeExecutionData=true */
    int max_items;      /* GET_HISTORY: MaxItems when > 0 */
    const char *marker; /* GET_HISTORY, GET_STATE: Marker, NULL for the first page */
    const char *token;  /* GET_STATE: CheckpointToken */
    const char *body;   /* CHECKPOINT: the JSON body, as built by the caller */
} aws_op;

/* An HTTP request of the API; aws_request_cleanup() frees it. */
typedef struct aws_request {
    const char *method;
    char *path;      /* API path, labels percent-encoded (without the endpoint's prefix) */
    aws_kv query[4]; /* raw values; names static, values owned */
    size_t nquery;
    const char *content_type; /* NULL: no body */
    char *body;               /* owned; NULL with no body */
    size_t body_len;
} aws_request;

/*
 * The request for op, as the SDK's serializer builds it: the ARN or callback
 * id URI-encoded as one path segment; an ErrorObject body as
 * {"ErrorMessage","ErrorType","ErrorData"} in that order. Returns CAIRN_OK,
 * CAIRN_ERR_USAGE (no target) or CAIRN_ERR_NOMEM, with err.
 */
int aws_request_build(const aws_op *op, aws_request *r, cairn_error *err);
void aws_request_cleanup(aws_request *r);

/*
 * Signs r for c at now_ms and sends it. On a 2xx answer returns CAIRN_OK
 * with *body the answer's JSON (an empty answer: an empty object; caller
 * frees). Otherwise *body is NULL and err says why:
 *   - AWS refused (4xx/5xx): type Aws.<ErrorType> (from the
 *     x-amzn-errortype header, else the body's __type), message
 *     "<ErrorType> (<status>): <AWS's message>", data {"status", "type",
 *     "message"}, and "retry_after_ms" when the answer had a Retry-After
 *     (aws_retry_after_ms); returns CAIRN_ERR_NOT_FOUND for ResourceNotFoundException,
 *     CAIRN_ERR_CONFLICT for the others;
 *   - no answer (connection, TLS, timeout): type Aws.Transport,
 *     CAIRN_ERR_INTERNAL;
 *   - an answer that is not JSON: Aws.BadResponse, CAIRN_ERR_INTERNAL.
 */
int aws_request_send(const aws_config *c, const aws_request *r, int64_t now_ms, cJSON **body,
                     cairn_error *err);

/*
 * A Retry-After header's value as a delay from now_ms: delay-seconds (1 to 9
 * digits) or an HTTP-date in IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37
 * GMT"; a date past is a delay of 0). Returns 0 with *ms, or -1 for anything
 * else (the obsolete date forms too), leaving *ms untouched.
 */
int aws_retry_after_ms(const char *v, int64_t now_ms, int64_t *ms);

/* aws_request_build then aws_request_send, at the real time. */
int aws_call(const aws_config *c, const aws_op *op, cJSON **body, cairn_error *err);

#endif
