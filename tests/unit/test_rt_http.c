/*
 * test_rt_http.c — http_call and Lua's cairn.http.request against a small
 * libmicrohttpd server started inside the test on a free loopback port.
 *
 * Routes of the test server:
 *   /status/N   answers N with "status N" (text/plain)
 *   /json       {"a":1,"list":[1,2]} (application/json), header X-Test: yes
 *   /badjson    "{not json" labelled application/json
 *   /echo       {"method","body","content_type","x_custom"} of the request
 *   /slow       answers after 400 ms
 *   /big        2 MiB of text
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include <cmocka.h>
#include <microhttpd.h>

#include "http_fixture.h"

#include "hook.h"
#include "http.h"
#include "retry.h"

static struct MHD_Daemon *daemon_;
static unsigned port_;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                               const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    (void)cls;
    (void)version;
    if (upload_collect(con_cls, data, size))
        return MHD_YES;
    upload *u = *con_cls;
    if (!strncmp(url, "/status/", 8)) {
        char body[32];
        snprintf(body, sizeof body, "status %s", url + 8);
        return respond(c, (unsigned)atoi(url + 8), "text/plain", body, strlen(body));
    }
    if (!strcmp(url, "/json")) {
        const char *b = "{\"a\":1,\"list\":[1,2]}";
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(b), (void *)b, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
        MHD_add_response_header(r, "X-Test", "yes");
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (!strcmp(url, "/badjson"))
        return respond(c, 200, "application/json", "{not json", 9);
    if (!strcmp(url, "/echo")) {
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        const char *xc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Custom");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "method", method);
        cJSON_AddStringToObject(o, "body", u->data ? u->data : "");
        if (ct)
            cJSON_AddStringToObject(o, "content_type", ct);
        if (xc)
            cJSON_AddStringToObject(o, "x_custom", xc);
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        enum MHD_Result ret = respond(c, 200, "application/json", text, strlen(text));
        free(text);
        return ret;
    }
    if (!strcmp(url, "/slow")) {
        struct timespec ts = {0, 400 * 1000000L};
        nanosleep(&ts, NULL);
        return respond(c, 200, "text/plain", "late", 4);
    }
    if (!strcmp(url, "/big")) {
        size_t n = (size_t)2 << 20;
        char *b = malloc(n);
        memset(b, 'x', n);
        struct MHD_Response *r = MHD_create_response_from_buffer(n, b, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    return respond(c, 404, "text/plain", "no", 2);
}

static int setup(void **state)
{
    (void)state;
    daemon_ = loopback_daemon(MHD_USE_THREAD_PER_CONNECTION, handler, &port_);
    return daemon_ ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    return 0;
}

/* A request object {"method", "url"} for path on the test server. */
static cJSON *req(const char *method, const char *path)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port_, path);
    cJSON *r = cJSON_CreateObject();
    if (method)
        cJSON_AddStringToObject(r, "method", method);
    cJSON_AddStringToObject(r, "url", url);
    return r;
}

static void test_json_response(void **state)
{
    (void)state;
    cJSON *r = req(NULL, "/json"), *res = NULL;
    cairn_error err;
    err_init(&err);
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), 0);
    assert_false(err_isset(&err));
    assert_int_equal(cJSON_GetObjectItem(res, "status")->valueint, 200);
    const cJSON *h = cJSON_GetObjectItem(res, "headers");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "x-test")->valuestring, "yes");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "content-type")->valuestring,
                        "application/json; charset=utf-8");
    const cJSON *body = cJSON_GetObjectItem(res, "body");
    assert_true(cJSON_IsObject(body));
    assert_int_equal(cJSON_GetObjectItem(body, "a")->valueint, 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(body, "list")), 2);
    cJSON_Delete(res);
    cJSON_Delete(r);
}

static void test_text_and_bad_json_stay_strings(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    cJSON *r = req("GET", "/status/201"), *res = NULL;
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), 0);
    assert_int_equal(cJSON_GetObjectItem(res, "status")->valueint, 201);
    assert_string_equal(cJSON_GetObjectItem(res, "body")->valuestring, "status 201");
    cJSON_Delete(res);
    cJSON_Delete(r);

    r = req("GET", "/badjson");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), 0);
    assert_string_equal(cJSON_GetObjectItem(res, "body")->valuestring, "{not json");
    cJSON_Delete(res);
    cJSON_Delete(r);
}

static void test_status_outside_ok(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    cJSON *r = req("GET", "/status/503"), *res = NULL;
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_null(res);
    assert_string_equal(err.type, "Http.Status.503");
    assert_non_null(strstr(err.message, "503"));
    assert_int_equal(cJSON_GetObjectItem(err.data, "status")->valueint, 503);
    assert_string_equal(cJSON_GetObjectItem(err.data, "body")->valuestring, "status 503");
    err_cleanup(&err);
    cJSON_Delete(r);

    /* 3xx is not followed and not ok by default */
    r = req("GET", "/status/302");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Status.302");
    err_cleanup(&err);
    cJSON_Delete(r);
}

/* The type carries the code: `retry: { on: [Http.Status.5xx] }` retries a
 * 503 and not a 402 (a declined card is not charged again); `Http.Status`
 * still matches every code. */
static void test_status_classes_decide_retries(void **state)
{
    (void)state;
    static const char *const on_5xx[] = {"Http.Status.5xx", "Http.Transport", NULL};
    static const char *const on_all[] = {"Http.Status", NULL};
    cairn_retry five = {.max_attempts = 4, .on = on_5xx}, any = {.max_attempts = 4, .on = on_all};
    cairn_error err;
    err_init(&err);
    cJSON *r = req("GET", "/status/402"), *res = NULL;
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Status.402");
    assert_int_equal(cJSON_GetObjectItem(err.data, "status")->valueint, 402);
    assert_false(retry_should(&five, 1, err.type));
    assert_true(retry_should(&any, 1, err.type));
    err_cleanup(&err);
    cJSON_Delete(r);

    r = req("GET", "/status/503");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Status.503");
    assert_true(retry_should(&five, 1, err.type));
    assert_true(retry_should(&any, 1, err.type));
    err_cleanup(&err);
    cJSON_Delete(r);
}

static void test_ok_ranges(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    const cairn_status_range ok[] = {{200, 200}, {404, 404}};
    cJSON *r = req("GET", "/status/404"), *res = NULL;
    assert_int_equal(http_call(r, 0, ok, 2, &res, &err), 0);
    assert_int_equal(cJSON_GetObjectItem(res, "status")->valueint, 404);
    cJSON_Delete(res);
    cJSON_Delete(r);

    r = req("GET", "/status/201"); /* 2xx, but not in the ranges given */
    assert_int_equal(http_call(r, 0, ok, 2, &res, &err), -1);
    assert_string_equal(err.type, "Http.Status.201");
    err_cleanup(&err);
    cJSON_Delete(r);
}

static void test_bodies_and_headers_sent(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    cJSON *res = NULL;

    /* a JSON body: sent as JSON, POST by default */
    cJSON *r = req(NULL, "/echo");
    cJSON *b = cJSON_AddObjectToObject(r, "body");
    cJSON_AddNumberToObject(b, "amount", 3);
    cJSON *h = cJSON_AddObjectToObject(r, "headers");
    cJSON_AddStringToObject(h, "X-Custom", "v1");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), 0);
    const cJSON *echo = cJSON_GetObjectItem(res, "body");
    assert_string_equal(cJSON_GetObjectItem(echo, "method")->valuestring, "POST");
    assert_string_equal(cJSON_GetObjectItem(echo, "body")->valuestring, "{\"amount\":3}");
    assert_string_equal(cJSON_GetObjectItem(echo, "content_type")->valuestring, "application/json");
    assert_string_equal(cJSON_GetObjectItem(echo, "x_custom")->valuestring, "v1");
    cJSON_Delete(res);
    cJSON_Delete(r);

    /* a string body: sent raw, with the method and content type given */
    r = req("PUT", "/echo");
    cJSON_AddStringToObject(r, "body", "raw \"text\"");
    h = cJSON_AddObjectToObject(r, "headers");
    cJSON_AddStringToObject(h, "content-type", "text/csv");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), 0);
    echo = cJSON_GetObjectItem(res, "body");
    assert_string_equal(cJSON_GetObjectItem(echo, "method")->valuestring, "PUT");
    assert_string_equal(cJSON_GetObjectItem(echo, "body")->valuestring, "raw \"text\"");
    assert_string_equal(cJSON_GetObjectItem(echo, "content_type")->valuestring, "text/csv");
    cJSON_Delete(res);
    cJSON_Delete(r);
}

static void test_transport_failures(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    cJSON *res = NULL;

    cJSON *r = req("GET", "/slow");
    assert_int_equal(http_call(r, 50, NULL, 0, &res, &err), -1);
    assert_null(res);
    assert_string_equal(err.type, "Http.Transport");
    assert_non_null(strstr(err.message, "/slow"));
    err_cleanup(&err);
    cJSON_Delete(r);

    r = req("GET", "/big");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Transport");
    assert_non_null(strstr(err.message, "response too large"));
    err_cleanup(&err);
    cJSON_Delete(r);

    /* a port that just stopped listening: connection refused */
    unsigned port;
    struct MHD_Daemon *d = loopback_daemon(0, handler, &port);
    assert_non_null(d);
    MHD_stop_daemon(d);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "url", url);
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Transport");
    err_cleanup(&err);
    cJSON_Delete(r);

    /* not http: refused without a request */
    r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "url", "file:///etc/passwd");
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Transport");
    err_cleanup(&err);
    cJSON_Delete(r);

    /* no url */
    r = cJSON_CreateObject();
    assert_int_equal(http_call(r, 0, NULL, 0, &res, &err), -1);
    assert_string_equal(err.type, "Http.Transport");
    err_cleanup(&err);
    cJSON_Delete(r);
}

static const char *lua_src =
    "function get(args, ctx)\n"
    "  return cairn.http.request{url = args.base .. '/json', headers = {['X-A'] = 'b'}}\n"
    "end\n"
    "function post(args, ctx)\n"
    "  local r = cairn.http.request{method = 'POST', url = args.base .. '/echo',\n"
    "                               body = {n = 1}, timeout = 2000}\n"
    "  return r.body\n"
    "end\n"
    "function caught(args, ctx)\n"
    "  local ok, e = pcall(cairn.http.request, {url = args.base .. '/status/404'})\n"
    "  return {ok = ok, type = e.type, status = e.data.status}\n"
    "end\n"
    "function allowed(args, ctx)\n"
    "  return cairn.http.request{url = args.base .. '/status/404', ok = {{200, 299}, 404}}.status\n"
    "end\n"
    "function uncaught(args, ctx)\n"
    "  return cairn.http.request{url = args.base .. '/status/503'}\n"
    "end\n"
    "function slow(args, ctx)\n"
    "  return cairn.http.request{url = args.base .. '/slow', timeout = 50}\n"
    "end\n"
    "function bad_ok(args, ctx)\n"
    "  return cairn.http.request{url = args.base, ok = {{300, 200}}}\n"
    "end\n";

/* Calls lua function fn with {base = the server's URL}. */
static int lua(const char *fn, cJSON **result, cairn_error *err)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port_);
    cJSON *args = cJSON_CreateObject();
    cJSON_AddStringToObject(args, "base", base);
    hook_ctx ctx = {"exec-1", "op", 1, NULL};
    int rc = hook_lua_call(lua_src, "@http.lua", fn, args, &ctx, NULL, result, err);
    cJSON_Delete(args);
    return rc;
}

static void test_lua_request(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    cJSON *res = NULL;

    assert_int_equal(lua("get", &res, &err), 0);
    assert_int_equal(cJSON_GetObjectItem(res, "status")->valueint, 200);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "body"), "a")->valueint, 1);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(res, "headers"), "x-test")->valuestring, "yes");
    cJSON_Delete(res);

    assert_int_equal(lua("post", &res, &err), 0);
    assert_string_equal(cJSON_GetObjectItem(res, "method")->valuestring, "POST");
    assert_string_equal(cJSON_GetObjectItem(res, "body")->valuestring, "{\"n\":1}");
    cJSON_Delete(res);

    assert_int_equal(lua("caught", &res, &err), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(res, "ok")));
    assert_string_equal(cJSON_GetObjectItem(res, "type")->valuestring, "Http.Status.404");
    assert_int_equal(cJSON_GetObjectItem(res, "status")->valueint, 404);
    cJSON_Delete(res);

    assert_int_equal(lua("allowed", &res, &err), 0);
    assert_int_equal(res->valueint, 404);
    cJSON_Delete(res);
}

static void test_lua_errors(void **state)
{
    (void)state;
    cairn_error err;
    err_init(&err);
    cJSON *res = NULL;

    assert_int_equal(lua("uncaught", &res, &err), -1);
    assert_string_equal(err.type, "Http.Status.503");
    assert_int_equal(cJSON_GetObjectItem(err.data, "status")->valueint, 503);
    err_cleanup(&err);

    assert_int_equal(lua("slow", &res, &err), -1);
    assert_string_equal(err.type, "Http.Transport");
    err_cleanup(&err);

    assert_int_equal(lua("bad_ok", &res, &err), -1);
    assert_string_equal(err.type, "Lua.Error");
    assert_non_null(strstr(err.message, "ok[1]"));
    err_cleanup(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_response),
        cmocka_unit_test(test_text_and_bad_json_stay_strings),
        cmocka_unit_test(test_status_outside_ok),
        cmocka_unit_test(test_status_classes_decide_retries),
        cmocka_unit_test(test_ok_ranges),
        cmocka_unit_test(test_bodies_and_headers_sent),
        cmocka_unit_test(test_transport_failures),
        cmocka_unit_test(test_lua_request),
        cmocka_unit_test(test_lua_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
