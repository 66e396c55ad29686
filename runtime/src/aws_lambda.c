/*
 * aws_lambda.c — calls of the Lambda durable execution API: the endpoint,
 * region and credentials from the environment, each request built as
 * @aws-sdk/client-lambda's serializer builds it, signed (aws_sigv4.c), sent
 * through http.c, and AWS's answer or error read back.
 *
 * Owns: the aws_config and aws_request it fills (freed by their cleanups),
 * the URL and headers of one call, and reading a refusal's Retry-After.
 * Never: retries (the commands that call it say what failed and stop; the
 * Lambda backend decides on resends itself, from what a refusal says),
 * follows a redirect, puts a secret in an error message, or sends a request
 * it has not signed.
 */
#include "aws_lambda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http.h"
#include "json.h"
#include "mem.h"
#include "rfc3339.h"

#define API "/2025-12-01"

/* ---- configuration ---- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void aws_config_cleanup(aws_config *c)
{
    mem_free(c->region);
    mem_free(c->endpoint);
    mem_free(c->authority);
    mem_free(c->prefix);
    mem_free(c->access_key_id);
    if (c->secret_access_key) {
        memset(c->secret_access_key, 0, strlen(c->secret_access_key));
        mem_free(c->secret_access_key);
    }
    mem_free(c->session_token);
    memset(c, 0, sizeof *c);
}

/* Splits endpoint url into c's endpoint, authority and prefix. Returns 0, or -1 with err. */
static int parse_endpoint(aws_config *c, const char *url, const char *from, cairn_error *err)
{
    const char *rest = NULL;
    if (!strncmp(url, "https://", 8))
        rest = url + 8;
    else if (!strncmp(url, "http://", 7))
        rest = url + 7;
    size_t alen = rest ? strcspn(rest, "/?#") : 0;
    if (!rest || alen == 0 || memchr(rest, '@', alen) || strpbrk(url, " \t\r\n") ||
        strpbrk(rest + alen, "?#")) {
        err_set(err, "Aws.Config",
                "%s is not an endpoint URL (http:// or https://, a host, an optional port "
                "and path, no query): '%.200s'",
                from, url);
        return -1;
    }
    size_t plen = strlen(rest + alen);
    while (plen > 0 && rest[alen + plen - 1] == '/')
        plen--;
    c->authority = mem_strndup(rest, alen);
    c->prefix = mem_strndup(rest + alen, plen);
    c->endpoint = mem_strndup(url, (size_t)(rest - url) + alen + plen);
    if (!c->authority || !c->prefix || !c->endpoint) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    return 0;
}

int aws_config_from_env(aws_config *c, cairn_error *err)
{
    memset(c, 0, sizeof *c);
    const char *region = env("AWS_REGION");
    if (!region)
        region = env("AWS_DEFAULT_REGION");
    const char *key = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
    const char *token = env("AWS_SESSION_TOKEN");
    if (!region) {
        err_set(err, "Aws.Config", "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)");
        return CAIRN_ERR_USAGE;
    }
    if (strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
        err_set(err, "Aws.Config", "AWS_REGION '%.60s' is not a region name (such as us-east-1)",
                region);
        return CAIRN_ERR_USAGE;
    }
    if (!key || !secret) {
        err_set(err, "Aws.Config",
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
                "AWS_SESSION_TOKEN with temporary credentials)");
        return CAIRN_ERR_USAGE;
    }
    const char *from = "AWS_ENDPOINT_URL_LAMBDA";
    const char *url = env(from);
    if (!url)
        url = env(from = "AWS_ENDPOINT_URL");
    char standard[128];
    if (!url) {
        snprintf(standard, sizeof standard, "https://lambda.%s.amazonaws.com", region);
        url = standard;
        from = "the endpoint";
    }
    c->region = mem_strdup(region);
    c->access_key_id = mem_strdup(key);
    c->secret_access_key = mem_strdup(secret);
    c->session_token = token ? mem_strdup(token) : NULL;
    int rc = CAIRN_OK;
    if (!c->region || !c->access_key_id || !c->secret_access_key || (token && !c->session_token)) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        rc = CAIRN_ERR_NOMEM;
    } else if (parse_endpoint(c, url, from, err) != 0) {
        rc = err->type && !strcmp(err->type, "Cairn.NoMemory") ? CAIRN_ERR_NOMEM : CAIRN_ERR_USAGE;
    }
    if (rc != CAIRN_OK)
        aws_config_cleanup(c);
    return rc;
}

/* ---- requests ---- */

static char *encoded(const char *s)
{
    size_t len = strlen(s), need = aws_uri_encode(s, len, 0, NULL, 0);
    char *out = mem_malloc(need + 1);
    if (out)
        aws_uri_encode(s, len, 0, out, need + 1);
    return out;
}

/* base + encoded label + tail, as one new string. */
static char *label_path(const char *base, const char *label, const char *tail)
{
    char *enc = encoded(label);
    if (!enc)
        return NULL;
    size_t n = strlen(base) + strlen(enc) + strlen(tail) + 1;
    char *p = mem_malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", base, enc, tail);
    mem_free(enc);
    return p;
}

/* The ErrorObject as the SDK writes it: members in its schema's order, those given only. */
static char *error_object(const aws_op *op)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    if (ok && op->error_message)
        ok = cJSON_AddStringToObject(o, "ErrorMessage", op->error_message) != NULL;
    if (ok && op->error_type)
        ok = cJSON_AddStringToObject(o, "ErrorType", op->error_type) != NULL;
    if (ok && op->error_data)
        ok = cJSON_AddStringToObject(o, "ErrorData", op->error_data) != NULL;
    char *text = ok ? json_print(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static int add_query(aws_request *r, const char *name, const char *value)
{
    char *v = mem_strdup(value);
    if (!v)
        return -1;
    r->query[r->nquery].name = name;
    r->query[r->nquery++].value = v;
    return 0;
}

void aws_request_cleanup(aws_request *r)
{
    mem_free(r->path);
    for (size_t i = 0; i < r->nquery; i++)
        mem_free((char *)r->query[i].value);
    mem_free(r->body);
    memset(r, 0, sizeof *r);
}

int aws_request_build(const aws_op *op, aws_request *r, cairn_error *err)
{
    memset(r, 0, sizeof *r);
    if (!op->target || !*op->target) {
        err_set(err, "Aws.Config", "no callback id or execution ARN to call the API with");
        return CAIRN_ERR_USAGE;
    }
    static const char *const cb_tail[] = {"/succeed", "/fail", "/heartbeat"};
    int ok = 1;
    switch (op->kind) {
    case AWS_CALLBACK_SUCCESS:
    case AWS_CALLBACK_FAILURE:
    case AWS_CALLBACK_HEARTBEAT:
        r->method = "POST";
        r->path = label_path(API "/durable-execution-callbacks/", op->target, cb_tail[op->kind]);
        ok = r->path != NULL;
        if (ok && op->kind == AWS_CALLBACK_SUCCESS && op->result_len > 0) {
            r->content_type = "application/octet-stream";
            r->body = mem_strndup(op->result, op->result_len);
            r->body_len = op->result_len;
            ok = r->body != NULL;
        } else if (ok && op->kind == AWS_CALLBACK_FAILURE) {
            r->content_type = "application/json";
            r->body = error_object(op);
            ok = r->body != NULL;
        }
        break;
    case AWS_GET_EXECUTION:
    case AWS_GET_HISTORY:
        r->method = "GET";
        r->path = label_path(API "/durable-executions/", op->target,
                             op->kind == AWS_GET_HISTORY ? "/history" : "");
        ok = r->path != NULL;
        if (ok && op->include_data)
            ok = add_query(r, "IncludeExecutionData", "true") == 0;
        if (ok && op->kind == AWS_GET_HISTORY && op->max_items > 0) {
            char n[16];
            snprintf(n, sizeof n, "%d", op->max_items);
            ok = add_query(r, "MaxItems", n) == 0;
        }
        if (ok && op->kind == AWS_GET_HISTORY && op->marker)
            ok = add_query(r, "Marker", op->marker) == 0;
        break;
    case AWS_STOP_EXECUTION:
        r->method = "POST";
        r->path = label_path(API "/durable-executions/", op->target, "/stop");
        r->content_type = "application/json";
        r->body = error_object(op); /* {} when no error is given, as the SDK sends */
        ok = r->path && r->body;
        break;
    case AWS_CHECKPOINT:
        r->method = "POST";
        r->path = label_path(API "/durable-executions/", op->target, "/checkpoint");
        r->content_type = "application/json";
        r->body = mem_strdup(op->body ? op->body : "{}");
        ok = r->path && r->body;
        break;
    case AWS_GET_STATE:
        r->method = "GET";
        r->path = label_path(API "/durable-executions/", op->target, "/state");
        ok = r->path != NULL;
        if (ok && op->token)
            ok = add_query(r, "CheckpointToken", op->token) == 0;
        if (ok && op->marker)
            ok = add_query(r, "Marker", op->marker) == 0;
        if (ok && op->max_items > 0) {
            char n[16];
            snprintf(n, sizeof n, "%d", op->max_items);
            ok = add_query(r, "MaxItems", n) == 0;
        }
        break;
    }
    if (ok && r->body && !r->body_len)
        r->body_len = strlen(r->body);
    if (!ok) {
        aws_request_cleanup(r);
        err_set(err, "Cairn.NoMemory", "out of memory");
        return CAIRN_ERR_NOMEM;
    }
    return CAIRN_OK;
}

/* ---- sending ---- */

/* url = endpoint + path + ?query (names and values URI-encoded, as they are signed). */
static char *request_url(const aws_config *c, const aws_request *r)
{
    size_t n = strlen(c->endpoint) + strlen(r->path) + 2;
    for (size_t i = 0; i < r->nquery; i++)
        n += 3 * (strlen(r->query[i].name) + strlen(r->query[i].value)) + 2;
    char *url = mem_malloc(n);
    if (!url)
        return NULL;
    size_t at = (size_t)snprintf(url, n, "%s%s", c->endpoint, r->path);
    for (size_t i = 0; i < r->nquery; i++) {
        url[at++] = i == 0 ? '?' : '&';
        at += aws_uri_encode(r->query[i].name, strlen(r->query[i].name), 0, url + at, n - at);
        url[at++] = '=';
        at += aws_uri_encode(r->query[i].value, strlen(r->query[i].value), 0, url + at, n - at);
    }
    url[at] = '\0';
    return url;
}

/* The error type AWS names: x-amzn-errortype (up to a ':'), else the body's __type (after a '#').
 */
static void aws_error_type(const cJSON *headers, const cJSON *body, char *out, size_t len)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(headers, "x-amzn-errortype");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "__type");
    const char *s = NULL;
    size_t n = 0;
    if (cJSON_IsString(h) && *h->valuestring) {
        s = h->valuestring;
        n = strcspn(s, ":");
    } else if (cJSON_IsString(t) && *t->valuestring) {
        s = strrchr(t->valuestring, '#') ? strrchr(t->valuestring, '#') + 1 : t->valuestring;
        n = strcspn(s, ":");
    }
    if (!s || !n) {
        s = "UnknownError";
        n = strlen(s);
    }
    /* a name only: letters and digits, as AWS's are */
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < len; i++)
        if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
            (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_')
            out[k++] = s[i];
    out[k] = '\0';
    if (!k)
        snprintf(out, len, "UnknownError");
}

static const char *aws_error_message(const cJSON *body)
{
    static const char *const keys[] = {"Message", "message", "errorMessage"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, keys[i]);
        if (cJSON_IsString(m))
            return m->valuestring;
    }
    return NULL;
}

/* The answer's body as JSON: parsed by http.c, or text parsed here, or {} when empty. */
static cJSON *body_json(const cJSON *result, int *bad)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(result, "body");
    *bad = 0;
    if (cJSON_IsString(b)) {
        if (!*b->valuestring)
            return cJSON_CreateObject();
        cJSON *j = cJSON_Parse(b->valuestring);
        *bad = j == NULL;
        return j;
    }
    return b ? cJSON_Duplicate(b, 1) : cJSON_CreateObject();
}

/* ---- Retry-After ---- */

int aws_retry_after_ms(const char *v, int64_t now_ms, int64_t *ms)
{
    size_t n = v ? strlen(v) : 0;
    if (n >= 1 && n <= 9 && strspn(v, "0123456789") == n) { /* delay-seconds */
        *ms = strtoll(v, NULL, 10) * 1000;
        return 0;
    }
    /* an HTTP-date, IMF-fixdate only: "Sun, 06 Nov 1994 08:49:37 GMT" */
    static const char days[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char shape[] = "xxx, 00 xxx 0000 00:00:00 GMT"; /* x: a name, checked below */
    if (n != sizeof shape - 1)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (shape[i] == '0' ? v[i] < '0' || v[i] > '9' : shape[i] != 'x' && v[i] != shape[i])
            return -1;
    const char *d = NULL, *m = NULL;
    for (size_t i = 0; i < 7 && !d; i++)
        if (!strncmp(v, days + 3 * i, 3))
            d = days + 3 * i;
    for (size_t i = 0; i < 12 && !m; i++)
        if (!strncmp(v + 8, months + 3 * i, 3))
            m = months + 3 * i;
    if (!d || !m)
        return -1;
    char iso[32];
    snprintf(iso, sizeof iso, "%.4s-%02d-%.2sT%.8sZ", v + 12, (int)((m - months) / 3) + 1, v + 5,
             v + 17);
    int64_t at;
    if (rfc3339_parse(iso, &at) != 0)
        return -1;
    *ms = at > now_ms ? at - now_ms : 0;
    return 0;
}

/* An AWS refusal (the status was not 2xx) from http.c's result object, at now_ms. */
static int refused(const aws_request *r, const cJSON *result, int64_t now_ms, cairn_error *err)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(result, "status");
    int status = cJSON_IsNumber(st) ? st->valueint : 0;
    int bad;
    cJSON *body = body_json(result, &bad);
    char type[80];
    aws_error_type(cJSON_GetObjectItemCaseSensitive(result, "headers"), body, type, sizeof type);
    const char *msg = aws_error_message(body);
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(result, "body");
    if (!msg && cJSON_IsString(raw) && *raw->valuestring && bad)
        msg = raw->valuestring; /* not JSON: say what it said */
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(result, "headers"), "retry-after");
    int64_t wait = -1;
    if (cJSON_IsString(ra) && aws_retry_after_ms(ra->valuestring, now_ms, &wait) != 0)
        wait = -1; /* not a Retry-After: as if none were given */
    cJSON *data = cJSON_CreateObject();
    if (data && (!cJSON_AddNumberToObject(data, "status", status) ||
                 !cJSON_AddStringToObject(data, "type", type) ||
                 !(msg ? cJSON_AddStringToObject(data, "message", msg)
                       : cJSON_AddNullToObject(data, "message")) ||
                 (wait >= 0 && !cJSON_AddNumberToObject(data, "retry_after_ms", (double)wait)))) {
        cJSON_Delete(data);
        data = NULL;
    }
    char etype[96];
    snprintf(etype, sizeof etype, "Aws.%s", type);
    err_set_data(err, etype, data, "%s %s: AWS refused: %s (%d)%s%.300s", r->method, r->path, type,
                 status, msg ? ": " : "", msg ? msg : "");
    cJSON_Delete(body);
    return !strcmp(type, "ResourceNotFoundException") ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_CONFLICT;
}

int aws_request_send(const aws_config *c, const aws_request *r, int64_t now_ms, cJSON **body,
                     cairn_error *err)
{
    *body = NULL;
    int rc = CAIRN_OK;
    aws_sigv4_signed sig = {0};
    cJSON *req = NULL, *result = NULL;
    char *url = NULL, *full_path = NULL;
    cairn_error herr;
    err_init(&herr);

    size_t plen = strlen(c->prefix) + strlen(r->path) + 1;
    full_path = mem_malloc(plen);
    if (!full_path)
        goto oom;
    snprintf(full_path, plen, "%s%s", c->prefix, r->path);
    aws_kv headers[2] = {{"host", c->authority}, {"content-type", r->content_type}};
    aws_sigv4_request sr = {.method = r->method,
                            .path = full_path,
                            .query = r->query,
                            .nquery = r->nquery,
                            .headers = headers,
                            .nheaders = r->content_type ? 2 : 1,
                            .body = r->body,
                            .body_len = r->body_len};
    aws_credentials cred = {c->access_key_id, c->secret_access_key, c->session_token};
    if ((rc = aws_sigv4_sign(&sr, &cred, c->region, "lambda", now_ms, &sig, err)) != CAIRN_OK)
        goto done;
    if (r->body && memchr(r->body, '\0', r->body_len)) {
        err_set(err, "Aws.Config", "%s %s: the body holds a NUL byte", r->method, r->path);
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    url = request_url(c, r);
    req = cJSON_CreateObject();
    cJSON *h = req ? cJSON_AddObjectToObject(req, "headers") : NULL;
    if (!url || !h || !cJSON_AddStringToObject(req, "method", r->method) ||
        !cJSON_AddStringToObject(req, "url", url) ||
        !cJSON_AddStringToObject(h, "Host", c->authority) ||
        !cJSON_AddStringToObject(h, "X-Amz-Date", sig.amz_date) ||
        !cJSON_AddStringToObject(h, "X-Amz-Content-Sha256", sig.content_sha256) ||
        (c->session_token &&
         !cJSON_AddStringToObject(h, "X-Amz-Security-Token", c->session_token)) ||
        !cJSON_AddStringToObject(h, "Authorization", sig.authorization) ||
        !cJSON_AddStringToObject(h, "Accept", "application/json"))
        goto oom;
    if (!strcmp(r->method, "POST")) {
        /* a POST always has a body, if empty (Content-Length: 0); "" drops curl's own type */
        if (!cJSON_AddStringToObject(req, "body", r->body ? r->body : "") ||
            !cJSON_AddStringToObject(h, "Content-Type", r->content_type ? r->content_type : ""))
            goto oom;
    }
    if (http_call(req, c->timeout_ms, NULL, 0, &result, &herr) != 0) {
        if (herr.type && !strncmp(herr.type, "Http.Status.", 12) && herr.data) {
            rc = refused(r, herr.data, now_ms, err);
        } else {
            err_set(err, "Aws.Transport", "cannot reach the Lambda API at %s: %s", c->endpoint,
                    herr.message ? herr.message : "no answer");
            rc = CAIRN_ERR_INTERNAL;
        }
        goto done;
    }
    int bad;
    *body = body_json(result, &bad);
    if (!*body) {
        if (!bad)
            goto oom;
        err_set(err, "Aws.BadResponse",
                "%s %s: the Lambda API at %s answered with a body that "
                "is not JSON",
                r->method, r->path, c->endpoint);
        rc = CAIRN_ERR_INTERNAL;
    }
    goto done;
oom:
    err_set(err, "Cairn.NoMemory", "out of memory");
    rc = CAIRN_ERR_NOMEM;
done:
    aws_sigv4_signed_cleanup(&sig);
    cJSON_Delete(req);
    cJSON_Delete(result);
    mem_free(url);
    mem_free(full_path);
    err_cleanup(&herr);
    return rc;
}

int aws_call(const aws_config *c, const aws_op *op, cJSON **body, cairn_error *err)
{
    aws_request r;
    *body = NULL;
    int rc = aws_request_build(op, &r, err);
    if (rc == CAIRN_OK)
        rc = aws_request_send(c, &r, clock_real_ms(), body, err);
    aws_request_cleanup(&r);
    return rc;
}
