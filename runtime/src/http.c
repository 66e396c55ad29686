/*
 * http.c — HTTP calls through libcurl, for `run: { http: ... }` steps and
 * submitters and for Lua's cairn.http.request: one at a time (http_call), or
 * several at once through the multi interface (http_call_all, the HTTP steps
 * of a fan-out's branches).
 *
 * Owns: libcurl's global state (initialised once, thread-safe, never torn
 * down), one easy handle per call (and a multi handle per http_call_all),
 * and the result object {status, headers, body} each call builds.
 * Never: follows a redirect, speaks anything but http and https, raises a
 * signal (CURLOPT_NOSIGNAL: callers may run in threads), waits past the
 * call's timeout, or keeps more than HTTP_BODY_MAX bytes of a response.
 */
#include "http.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "json.h"
#include "mem.h"

#define HTTP_DEFAULT_TIMEOUT_MS 30000
#define HTTP_BODY_MAX ((size_t)1 << 20) /* 1 MiB of response body */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* A response being received. */
typedef struct response {
    char *body; /* owned; NUL-terminated */
    size_t len, cap;
    int too_large;
    cJSON *headers; /* owned: lower-case name -> value */
    int oom;
} response;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    response *r = ud;
    size_t n = size * nmemb;
    if (n > HTTP_BODY_MAX - r->len) {
        r->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *p = mem_realloc(r->body, cap);
        if (!p) {
            r->oom = 1;
            return 0;
        }
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* One header line "Name: value\r\n"; a new status line starts afresh (100 Continue). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    response *r = ud;
    size_t n = size * nmemb;
    if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
        cJSON_Delete(r->headers);
        r->headers = cJSON_CreateObject();
        if (!r->headers)
            r->oom = 1;
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon || !r->headers)
        return n;
    size_t nlen = (size_t)(colon - data);
    const char *v = colon + 1, *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    char *name = mem_malloc(nlen + 1);
    char *value = mem_malloc((size_t)(end - v) + 1);
    if (!name || !value) {
        r->oom = 1;
        goto done;
    }
    for (size_t i = 0; i < nlen; i++)
        name[i] = (char)tolower((unsigned char)data[i]);
    name[nlen] = '\0';
    memcpy(value, v, (size_t)(end - v));
    value[end - v] = '\0';

    /* A repeated header is joined with ", ", as RFC 9110 allows. */
    cJSON *old = cJSON_GetObjectItemCaseSensitive(r->headers, name);
    if (old && cJSON_IsString(old)) {
        size_t olen = strlen(old->valuestring), vlen = strlen(value);
        char *joined = mem_malloc(olen + 2 + vlen + 1);
        if (!joined) {
            r->oom = 1;
            goto done;
        }
        memcpy(joined, old->valuestring, olen);
        memcpy(joined + olen, ", ", 2);
        memcpy(joined + olen + 2, value, vlen + 1);
        cJSON *item = cJSON_CreateString(joined);
        mem_free(joined);
        if (!item || !cJSON_ReplaceItemInObjectCaseSensitive(r->headers, name, item)) {
            cJSON_Delete(item);
            r->oom = 1;
        }
    } else if (!cJSON_AddStringToObject(r->headers, name, value)) {
        r->oom = 1;
    }
done:
    mem_free(name);
    mem_free(value);
    return n;
}

/* Is the media type JSON: application/json, or any type ending in +json? */
static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    if (len == 16 && !strncasecmp(ct, "application/json", 16))
        return 1;
    return len > 5 && !strncasecmp(ct + len - 5, "+json", 5);
}

static int status_ok(long status, const cairn_status_range *ok, int nok)
{
    if (!ok || nok <= 0)
        return status >= 200 && status <= 299;
    for (int i = 0; i < nok; i++)
        if (status >= ok[i].lo && status <= ok[i].hi)
            return 1;
    return 0;
}

/* Appends "Name: value" to *list. Returns -1 when out of memory. */
static int add_header(struct curl_slist **list, const char *name, const char *value)
{
    size_t len = strlen(name) + 2 + strlen(value) + 1;
    char *line = mem_malloc(len);
    if (!line)
        return -1;
    snprintf(line, len, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(*list, line);
    mem_free(line);
    if (!l)
        return -1;
    *list = l;
    return 0;
}

static int has_header(const cJSON *headers, const char *name)
{
    for (const cJSON *h = headers ? headers->child : NULL; h; h = h->next)
        if (h->string && !strcasecmp(h->string, name))
            return 1;
    return 0;
}

/* The request's headers as curl wants them; values that are not strings as JSON text. */
static int build_headers(const cJSON *headers, const char *content_type, struct curl_slist **out,
                         cairn_error *err)
{
    struct curl_slist *list = NULL;
    if (headers && !cJSON_IsObject(headers) && !cJSON_IsNull(headers)) {
        err_set(err, "Http.Transport", "request headers must be an object, not %s",
                json_type_name(headers));
        return -1;
    }
    for (const cJSON *h = headers ? headers->child : NULL; h; h = h->next) {
        if (!h->string || !*h->string || strpbrk(h->string, ":\r\n")) {
            err_set(err, "Http.Transport", "bad request header name '%s'",
                    h->string ? h->string : "");
            goto fail;
        }
        if (cJSON_IsNull(h))
            continue;
        char *text = cJSON_IsString(h) ? NULL : json_print(h);
        const char *value = cJSON_IsString(h) ? h->valuestring : text;
        int bad = !value || strpbrk(value, "\r\n") != NULL;
        int rc = bad ? -1 : add_header(&list, h->string, value);
        mem_free(text);
        if (bad) {
            err_set(err, "Http.Transport", "bad value for request header '%s'", h->string);
            goto fail;
        }
        if (rc != 0)
            goto oom;
    }
    if (content_type && !has_header(headers, "Content-Type") &&
        add_header(&list, "Content-Type", content_type) != 0)
        goto oom;
    /* No "Expect: 100-continue": a server that ignores it would cost a second. */
    if (!has_header(headers, "Expect")) {
        struct curl_slist *l = curl_slist_append(list, "Expect:");
        if (!l)
            goto oom;
        list = l;
    }
    *out = list;
    return 0;
oom:
    err_set(err, "Http.Transport", "out of memory");
fail:
    curl_slist_free_all(list);
    return -1;
}

/* {"status", "headers", "body"}: takes r's headers and body text. NULL on OOM. */
static cJSON *make_result(long status, response *r)
{
    cJSON *res = cJSON_CreateObject();
    if (!res)
        return NULL;
    cJSON_AddNumberToObject(res, "status", (double)status);
    cJSON *headers = r->headers ? r->headers : cJSON_CreateObject();
    r->headers = NULL;
    if (!headers) {
        cJSON_Delete(res);
        return NULL;
    }
    cJSON_AddItemToObject(res, "headers", headers);
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(headers, "content-type");
    const char *text = r->body ? r->body : "";
    cJSON *body = NULL;
    if (is_json_type(cJSON_IsString(ct) ? ct->valuestring : NULL) && r->len > 0 &&
        strlen(text) == r->len)
        body = cJSON_ParseWithOpts(text, NULL, 1); /* bad JSON stays a string */
    if (!body)
        body = cJSON_CreateString(text);
    if (!body || !cJSON_AddItemToObject(res, "body", body)) {
        cJSON_Delete(body);
        cJSON_Delete(res);
        return NULL;
    }
    return res;
}

/* One call being made: its easy handle and what it owns until it ends. */
typedef struct call {
    CURL *curl;
    struct curl_slist *headers;
    char *body_text;
    char errbuf[CURL_ERROR_SIZE];
    response r;
    const char *verb, *url; /* borrowed from the request */
} call;

static void call_cleanup(call *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    cJSON_Delete(c->r.headers);
    mem_free(c->r.body);
    mem_free(c->body_text);
    memset(c, 0, sizeof *c);
}

/* Sets c up for request (an easy handle ready to perform). Returns 0, or -1 with err set. */
static int call_prepare(call *c, const cJSON *request, int64_t timeout_ms, cairn_error *err)
{
    memset(c, 0, sizeof *c);
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        err_set(err, "Http.Transport", "libcurl failed to start: %s",
                curl_easy_strerror(global_rc));
        return -1;
    }
    if (!cJSON_IsObject(request)) {
        err_set(err, "Http.Transport", "the request is %s, not an object", json_type_name(request));
        return -1;
    }
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(request, "url");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(request, "method");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(request, "body");
    if (!cJSON_IsString(url) || !*url->valuestring) {
        err_set(err, "Http.Transport", "the request has no url");
        return -1;
    }
    if (method && !cJSON_IsNull(method) &&
        (!cJSON_IsString(method) || !*method->valuestring ||
         strpbrk(method->valuestring, " \t\r\n"))) {
        err_set(err, "Http.Transport", "bad request method");
        return -1;
    }
    int has_body = body && !cJSON_IsNull(body);
    c->url = url->valuestring;
    c->verb = cJSON_IsString(method) ? method->valuestring : has_body ? "POST" : "GET";
    const char *content_type = NULL;
    if (has_body) {
        if (cJSON_IsString(body)) {
            content_type = "text/plain; charset=utf-8";
        } else {
            c->body_text = json_print(body);
            if (!c->body_text) {
                err_set(err, "Http.Transport", "out of memory");
                return -1;
            }
            content_type = "application/json";
        }
    }
    if (build_headers(cJSON_GetObjectItemCaseSensitive(request, "headers"), content_type,
                      &c->headers, err) != 0)
        return -1;
    c->curl = curl_easy_init();
    c->r.headers = cJSON_CreateObject();
    if (!c->curl || !c->r.headers) {
        err_set(err, "Http.Transport", "out of memory");
        return -1;
    }
    if (timeout_ms <= 0)
        timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    CURL *curl = c->curl;
    curl_easy_setopt(curl, CURLOPT_URL, c->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c->r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &c->r);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cairn/" CAIRN_VERSION);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, (void *)c);
    if (!strcmp(c->verb, "HEAD"))
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, c->verb);
    if (has_body) {
        const char *text = c->body_text ? c->body_text : body->valuestring;
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(text));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    }
    return 0;
}

/* The outcome of c, performed with cc: as http_call returns it. */
static int call_finish(call *c, CURLcode cc, const cairn_status_range *ok, int nok, cJSON **result,
                       cairn_error *err)
{
    if (c->r.oom) {
        err_set(err, "Http.Transport", "out of memory");
        return -1;
    }
    if (c->r.too_large) {
        err_set(err, "Http.Transport", "%s %s: response too large (over %zu bytes)", c->verb,
                c->url, HTTP_BODY_MAX);
        return -1;
    }
    if (cc != CURLE_OK) {
        err_set(err, "Http.Transport", "%s %s: %s", c->verb, c->url,
                c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    cJSON *res = make_result(status, &c->r);
    if (!res) {
        err_set(err, "Http.Transport", "out of memory");
        return -1;
    }
    if (!status_ok(status, ok, nok)) {
        char type[40];
        snprintf(type, sizeof type, "Http.Status.%ld", status);
        err_set_data(err, type, res, "%s %s answered %ld", c->verb, c->url, status);
        return -1;
    }
    *result = res;
    return 0;
}

int http_call(const cJSON *request, int64_t timeout_ms, const cairn_status_range *ok, int nok,
              cJSON **result, cairn_error *err)
{
    call c;
    *result = NULL;
    int rc = call_prepare(&c, request, timeout_ms, err);
    if (rc == 0)
        rc = call_finish(&c, curl_easy_perform(c.curl), ok, nok, result, err);
    call_cleanup(&c);
    return rc;
}

void http_call_all(http_job *jobs, size_t n)
{
    call *calls = n ? mem_calloc(n, sizeof *calls) : NULL;
    CURLM *multi = n ? curl_multi_init() : NULL;
    for (size_t i = 0; i < n; i++) {
        jobs[i].result = NULL;
        jobs[i].rc = -1;
        if (!calls || !multi) {
            err_set(&jobs[i].err, "Http.Transport", "out of memory");
            jobs[i].oom = 1;
        } else if (call_prepare(&calls[i], jobs[i].request, jobs[i].timeout_ms, &jobs[i].err) ==
                       0 &&
                   curl_multi_add_handle(multi, calls[i].curl) != CURLM_OK) {
            err_set(&jobs[i].err, "Http.Transport", "out of memory");
        }
    }
    /* every call at once; each ends on its own timeout at the latest */
    for (int running = 1; multi && running;) {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        if (running && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    }
    CURLMsg *m;
    int left;
    while (multi && (m = curl_multi_info_read(multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        call *c = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        http_job *j = &jobs[c - calls];
        j->rc = call_finish(c, m->data.result, j->ok, j->nok, &j->result, &j->err);
        j->oom = c->r.oom;
    }
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].rc != 0 && !err_isset(&jobs[i].err))
            err_set(&jobs[i].err, "Http.Transport", "%s %s: the transfer did not end",
                    calls && calls[i].verb ? calls[i].verb : "?",
                    calls && calls[i].url ? calls[i].url : "?");
        if (calls && calls[i].curl && multi)
            curl_multi_remove_handle(multi, calls[i].curl);
        if (calls)
            call_cleanup(&calls[i]);
    }
    if (multi)
        curl_multi_cleanup(multi);
    mem_free(calls);
}
