/*
 * test_rt_aws_sigv4.c — cairn's SigV4 signer (aws_sigv4.c) against reference
 * signatures from @smithy/signature-v4, the signer of AWS's own JS SDK.
 *
 * The vectors (tests/aws/sigv4_vectors.json, written by tests/aws/vectors.mjs;
 * tests/aws/test_sigv4.sh regenerates them from npm and runs this test on the
 * fresh copy, `test_rt_aws_sigv4 FILE`) are the requests cairn's --aws
 * commands send, as the SDK's own serializer builds them: ARNs with `:`, `/`,
 * `$` and a space, base64 callback ids with `+ / =`, a query with a marker
 * holding `+ / =` and UTF-8, bodies, a session token, a port in the host.
 * Each must give the same canonical request and the same Authorization
 * header, byte for byte.
 *
 * The same vectors check aws_lambda.c's requests: each case's `api` (the
 * command's input) built by aws_request_build must be the SDK's request
 * (method, path, query, content type, body bytes) and sign to the same
 * Authorization.
 *
 * Also: a refusal's Retry-After (aws_retry_after_ms), AWS's URI encoding, the signer's refusals (no
 * credentials, no region, no host, CR/LF in a header), the path normalisation, and (test build)
 * every allocation failing in turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "aws_lambda.h"
#include "aws_sigv4.h"
#include "error.h"
#include "mem.h"
#include "rfc3339.h"

static const char *vectors_path = CAIRN_SOURCE_DIR "/tests/aws/sigv4_vectors.json";

static cJSON *load_vectors(void)
{
    FILE *f = fopen(vectors_path, "rb");
    if (!f)
        fail_msg("cannot open %s", vectors_path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    cJSON *v = cJSON_Parse(text);
    free(text);
    assert_non_null(v);
    return v;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One vector's request, borrowed from the JSON, as aws_sigv4_sign takes it. */
typedef struct vreq {
    aws_kv query[8], headers[8];
    aws_sigv4_request r;
    aws_credentials c;
    const char *region;
    int64_t now;
} vreq;

static void read_case(const cJSON *all, const cJSON *tc, vreq *v)
{
    memset(v, 0, sizeof *v);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(tc, "request");
    v->r.method = str(req, "method");
    v->r.path = str(req, "path");
    const cJSON *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(req, "query"))
    {
        assert_true(v->r.nquery < 8);
        v->query[v->r.nquery].name = cJSON_GetArrayItem(q, 0)->valuestring;
        v->query[v->r.nquery++].value = cJSON_GetArrayItem(q, 1)->valuestring;
    }
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(req, "headers"))
    {
        assert_true(v->r.nheaders < 8);
        v->headers[v->r.nheaders].name = h->string;
        v->headers[v->r.nheaders++].value = h->valuestring;
    }
    v->r.query = v->query;
    v->r.headers = v->headers;
    v->r.body = str(req, "body");
    v->r.body_len = strlen(v->r.body);
    v->c.access_key_id = str(all, "access_key_id");
    v->c.secret_access_key = str(all, "secret_access_key");
    v->c.session_token = str(tc, "session_token");
    v->region = str(tc, "region");
    assert_int_equal(rfc3339_parse(str(all, "date"), &v->now), 0);
}

static void test_vectors(void **state)
{
    (void)state;
    cJSON *all = load_vectors();
    int n = 0;
    const cJSON *tc;
    cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(all, "cases"))
    {
        vreq v;
        read_case(all, tc, &v);
        aws_sigv4_signed out;
        cairn_error err;
        err_init(&err);
        int rc = aws_sigv4_sign(&v.r, &v.c, v.region, "lambda", v.now, &out, &err);
        if (rc != CAIRN_OK)
            fail_msg("%s: %s", str(tc, "name"), err.message);
        const cJSON *sent = cJSON_GetObjectItemCaseSensitive(tc, "sent");
        if (strcmp(out.canonical_request, str(tc, "canonical_request")) != 0)
            fail_msg("%s: canonical request\n--- cairn\n%s\n--- smithy\n%s", str(tc, "name"),
                     out.canonical_request, str(tc, "canonical_request"));
        assert_string_equal(out.amz_date, str(sent, "x-amz-date"));
        assert_string_equal(out.content_sha256, str(sent, "x-amz-content-sha256"));
        if (strcmp(out.authorization, str(tc, "authorization")) != 0)
            fail_msg("%s: Authorization\n  cairn:  %s\n  smithy: %s", str(tc, "name"),
                     out.authorization, str(tc, "authorization"));
        aws_sigv4_signed_cleanup(&out);
        err_cleanup(&err);
        n++;
    }
    assert_true(n >= 10); /* the file holds every case, not a stub */
    cJSON_Delete(all);
}

/* The vectors do differ in what they test: a one-byte change changes the signature. */
static void test_signature_depends_on_every_part(void **state)
{
    (void)state;
    cJSON *all = load_vectors();
    const cJSON *tc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(all, "cases"), 0);
    vreq v;
    read_case(all, tc, &v);
    const char *want = str(tc, "authorization");
    char path[512];
    snprintf(path, sizeof path, "%s", v.r.path);
    for (int change = 0; change < 5; change++) {
        vreq w = v;
        w.r.query = w.query;
        w.r.headers = w.headers;
        if (change == 0)
            w.r.body_len--; /* the body */
        else if (change == 1)
            w.now += 1000; /* the second */
        else if (change == 2)
            w.region = "us-east-2";
        else if (change == 3)
            w.c.session_token = "t"; /* one more signed header */
        else {
            path[strlen(path) - 1] = 'D'; /* the path: .../succeeD */
            w.r.path = path;
        }
        aws_sigv4_signed out;
        cairn_error err;
        err_init(&err);
        assert_int_equal(aws_sigv4_sign(&w.r, &w.c, w.region, "lambda", w.now, &out, &err),
                         CAIRN_OK);
        assert_string_not_equal(out.authorization, want);
        aws_sigv4_signed_cleanup(&out);
        err_cleanup(&err);
    }
    cJSON_Delete(all);
}

static aws_op_kind kind_of(const char *op)
{
    static const struct {
        const char *name;
        aws_op_kind kind;
    } k[] = {{"CallbackSuccess", AWS_CALLBACK_SUCCESS},
             {"CallbackFailure", AWS_CALLBACK_FAILURE},
             {"CallbackHeartbeat", AWS_CALLBACK_HEARTBEAT},
             {"GetDurableExecution", AWS_GET_EXECUTION},
             {"GetDurableExecutionHistory", AWS_GET_HISTORY},
             {"StopDurableExecution", AWS_STOP_EXECUTION}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(op, k[i].name))
            return k[i].kind;
    fail_msg("unknown op %s", op);
    return AWS_CALLBACK_SUCCESS;
}

/* cairn's request for each case's api is the SDK's, and signs as smithy signs it. */
static void test_requests_as_the_sdk_builds_them(void **state)
{
    (void)state;
    cJSON *all = load_vectors();
    const cJSON *tc;
    int n = 0;
    cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(all, "cases"))
    {
        const char *name = str(tc, "name");
        const cJSON *api = cJSON_GetObjectItemCaseSensitive(tc, "api");
        const cJSON *error = cJSON_GetObjectItemCaseSensitive(api, "Error");
        const cJSON *max = cJSON_GetObjectItemCaseSensitive(api, "MaxItems");
        aws_op op = {.kind = kind_of(str(api, "op")),
                     .target = str(api, "CallbackId") ? str(api, "CallbackId")
                                                      : str(api, "DurableExecutionArn"),
                     .result = str(api, "Result"),
                     .result_len = str(api, "Result") ? strlen(str(api, "Result")) : 0,
                     .error_type = str(error, "ErrorType"),
                     .error_message = str(error, "ErrorMessage"),
                     .error_data = str(error, "ErrorData"),
                     .include_data = cJSON_IsTrue(
                         cJSON_GetObjectItemCaseSensitive(api, "IncludeExecutionData")),
                     .max_items = cJSON_IsNumber(max) ? max->valueint : 0,
                     .marker = str(api, "Marker")};
        aws_request r;
        cairn_error err;
        err_init(&err);
        assert_int_equal(aws_request_build(&op, &r, &err), CAIRN_OK);

        vreq v;
        read_case(all, tc, &v);
        if (strcmp(r.method, v.r.method) || strcmp(r.path, v.r.path))
            fail_msg("%s: cairn %s %s, the SDK %s %s", name, r.method, r.path, v.r.method,
                     v.r.path);
        assert_int_equal(r.nquery, v.r.nquery);
        for (size_t i = 0; i < r.nquery; i++) { /* the same pairs (order is the signer's) */
            size_t j = 0;
            while (j < v.r.nquery && strcmp(v.query[j].name, r.query[i].name))
                j++;
            if (j == v.r.nquery || strcmp(v.query[j].value, r.query[i].value))
                fail_msg("%s: query %s=%s not the SDK's", name, r.query[i].name, r.query[i].value);
        }
        const char *ct = str(cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(tc, "request"), "headers"),
                             "content-type");
        if (ct || r.content_type) {
            assert_non_null(ct);
            assert_non_null(r.content_type);
            assert_string_equal(r.content_type, ct);
        }
        if (v.r.body_len || r.body_len) {
            assert_int_equal(r.body_len, v.r.body_len);
            if (memcmp(r.body, v.r.body, r.body_len))
                fail_msg("%s: body\n  cairn: %.*s\n  SDK:   %s", name, (int)r.body_len, r.body,
                         (const char *)v.r.body);
        }

        /* signed as aws_request_send signs it: host, content-type when there is a body */
        const cJSON *rh = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(tc, "request"), "headers");
        aws_kv h[2] = {{"host", str(rh, "host")}, {"content-type", r.content_type}};
        aws_sigv4_request sr = {.method = r.method,
                                .path = r.path,
                                .query = r.query,
                                .nquery = r.nquery,
                                .headers = h,
                                .nheaders = r.content_type ? 2 : 1,
                                .body = r.body,
                                .body_len = r.body_len};
        aws_sigv4_signed out;
        assert_int_equal(aws_sigv4_sign(&sr, &v.c, v.region, "lambda", v.now, &out, &err),
                         CAIRN_OK);
        if (strcmp(out.authorization, str(tc, "authorization")))
            fail_msg("%s: Authorization\n  cairn:  %s\n  smithy: %s", name, out.authorization,
                     str(tc, "authorization"));
        aws_sigv4_signed_cleanup(&out);
        aws_request_cleanup(&r);
        err_cleanup(&err);
        n++;
    }
    assert_true(n >= 10);
    cJSON_Delete(all);
}

static void test_uri_encode(void **state)
{
    (void)state;
    char buf[128];
    const char *in = "arn:aws:lambda:x:1:function:f:$LATEST/a b+c=~_.-Z9\xc3\xa9";
    size_t n = aws_uri_encode(in, strlen(in), 0, buf, sizeof buf);
    assert_string_equal(buf,
                        "arn%3Aaws%3Alambda%3Ax%3A1%3Afunction%3Af%3A%24LATEST%2Fa%20b%2Bc%3D~_.-"
                        "Z9%C3%A9");
    assert_int_equal(n, strlen(buf));
    assert_int_equal(aws_uri_encode("a/b", 3, 1, buf, sizeof buf), 3);
    assert_string_equal(buf, "a/b");
    /* too small: the length needed, a truncated NUL-terminated prefix */
    assert_int_equal(aws_uri_encode("a:b", 3, 0, buf, 3), 5);
    assert_int_equal(strlen(buf), 1);
    assert_int_equal(aws_uri_encode("%3A", 3, 0, NULL, 0), 5); /* "%253A": encoded again */
}

/* Signs GET path with host h; returns the canonical request's second line in uri. */
static void canonical_uri_of(const char *path, char *uri, size_t len)
{
    aws_kv host = {"Host", "example.com"};
    aws_sigv4_request r = {.method = "GET", .path = path, .headers = &host, .nheaders = 1};
    aws_credentials c = {"AKID", "secret", NULL};
    aws_sigv4_signed out;
    cairn_error err;
    err_init(&err);
    assert_int_equal(aws_sigv4_sign(&r, &c, "us-east-1", "lambda", 0, &out, &err), CAIRN_OK);
    const char *line = strchr(out.canonical_request, '\n') + 1;
    snprintf(uri, len, "%.*s", (int)strcspn(line, "\n"), line);
    assert_string_equal(out.amz_date, "19700101T000000Z");
    aws_sigv4_signed_cleanup(&out);
    err_cleanup(&err);
}

/* As @smithy/signature-v4's getCanonicalPath: segments normalised, encoded once more. */
static void test_canonical_uri(void **state)
{
    (void)state;
    char uri[256];
    canonical_uri_of("/a%3Ab/c", uri, sizeof uri);
    assert_string_equal(uri, "/a%253Ab/c");
    canonical_uri_of("/", uri, sizeof uri);
    assert_string_equal(uri, "/");
    canonical_uri_of("/a//b/./c/../d/", uri, sizeof uri);
    assert_string_equal(uri, "/a/b/d/");
    canonical_uri_of("/..", uri, sizeof uri);
    assert_string_equal(uri, "/");
    canonical_uri_of("/x y", uri, sizeof uri);
    assert_string_equal(uri, "/x%20y");
}

static void expect_refused(const aws_sigv4_request *r, const aws_credentials *c, const char *region,
                           const char *words)
{
    aws_sigv4_signed out;
    cairn_error err;
    err_init(&err);
    assert_int_equal(aws_sigv4_sign(r, c, region, "lambda", 0, &out, &err), CAIRN_ERR_USAGE);
    assert_string_equal(err.type, "Aws.Signing");
    if (!strstr(err.message, words))
        fail_msg("message '%s' lacks '%s'", err.message, words);
    if (c->secret_access_key && *c->secret_access_key)
        assert_null(strstr(err.message, c->secret_access_key)); /* never the secret */
    assert_null(out.authorization);
    err_cleanup(&err);
}

static void test_refusals(void **state)
{
    (void)state;
    aws_kv host = {"host", "h"};
    aws_sigv4_request r = {.method = "GET", .path = "/", .headers = &host, .nheaders = 1};
    aws_credentials ok = {"AKID", "s3cr3t", NULL};
    aws_credentials no_key = {"", "s3cr3t", NULL}, no_secret = {"AKID", NULL, NULL};
    expect_refused(&r, &no_key, "us-east-1", "no AWS credentials");
    expect_refused(&r, &no_secret, "us-east-1", "no AWS credentials");
    expect_refused(&r, &ok, "", "region");
    expect_refused(&r, &ok, NULL, "region");
    aws_credentials bad_token = {"AKID", "s3cr3t", "a\r\nX-Evil: 1"};
    expect_refused(&r, &bad_token, "us-east-1", "session token");
    aws_kv evil[] = {{"host", "h"}, {"x-note", "a\nb"}};
    aws_sigv4_request r2 = {.method = "GET", .path = "/", .headers = evil, .nheaders = 2};
    expect_refused(&r2, &ok, "us-east-1", "bad header 'x-note'");
    aws_kv other = {"content-type", "text/plain"};
    aws_sigv4_request r3 = {.method = "GET", .path = "/", .headers = &other, .nheaders = 1};
    expect_refused(&r3, &ok, "us-east-1", "host header");
    aws_kv mine[] = {{"host", "h"}, {"X-Amz-Date", "x"}};
    aws_sigv4_request r4 = {.method = "GET", .path = "/", .headers = mine, .nheaders = 2};
    expect_refused(&r4, &ok, "us-east-1", "signer's to set");
    aws_kv twice[] = {{"host", "h"}, {"Host", "h"}};
    aws_sigv4_request r5 = {.method = "GET", .path = "/", .headers = twice, .nheaders = 2};
    expect_refused(&r5, &ok, "us-east-1", "given twice");
}

/* Header values are trimmed and their inner blanks folded; names lower-cased and sorted. */
static void test_header_canonical_form(void **state)
{
    (void)state;
    aws_kv h[] = {{"X-Zeta", "  a \t  b  "}, {"Host", "h"}};
    aws_sigv4_request r = {
        .method = "POST", .path = "/p", .headers = h, .nheaders = 2, .body = "x", .body_len = 1};
    aws_credentials c = {"AKID", "secret", "tok"};
    aws_sigv4_signed out;
    cairn_error err;
    err_init(&err);
    assert_int_equal(aws_sigv4_sign(&r, &c, "us-east-1", "lambda", 0, &out, &err), CAIRN_OK);
    assert_non_null(strstr(out.canonical_request,
                           "\nhost:h\nx-amz-content-sha256:"
                           "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\n"
                           "x-amz-date:19700101T000000Z\nx-amz-security-token:tok\nx-zeta:a b\n\n"
                           "host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-zeta\n"));
    assert_non_null(strstr(out.authorization, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                              "x-amz-security-token;x-zeta, Signature="));
    aws_sigv4_signed_cleanup(&out);
    err_cleanup(&err);
}

#ifdef CAIRN_TEST_HOOKS
/* Each allocation failing in turn: CAIRN_ERR_NOMEM, nothing leaked (ASan, valgrind). */
static void test_out_of_memory(void **state)
{
    (void)state;
    aws_kv q[] = {{"b", "2"}, {"a", "1"}};
    aws_kv h[] = {{"host", "h"}, {"content-type", "application/json"}};
    aws_sigv4_request r = {.method = "POST",
                           .path = "/a%3A/b",
                           .query = q,
                           .nquery = 2,
                           .headers = h,
                           .nheaders = 2,
                           .body = "{}",
                           .body_len = 2};
    aws_credentials c = {"AKID", "secret", "tok"};
    int failed = 0;
    for (long at = 1; at < 200; at++) {
        aws_sigv4_signed out;
        cairn_error err;
        err_init(&err);
        mem_fail_at(at);
        int rc = aws_sigv4_sign(&r, &c, "us-east-1", "lambda", 0, &out, &err);
        mem_fail_at(0);
        err_cleanup(&err);
        if (rc == CAIRN_OK) {
            aws_sigv4_signed_cleanup(&out);
            break;
        }
        assert_int_equal(rc, CAIRN_ERR_NOMEM);
        assert_null(out.authorization);
        failed++;
    }
    assert_true(failed > 5);
}
#endif

/* A refusal's Retry-After: delay-seconds or an IMF-fixdate, nothing looser. */
static void test_retry_after(void **state)
{
    (void)state;
    int64_t now, ms = -7;
    assert_int_equal(rfc3339_parse("1994-11-06T08:49:30Z", &now), 0);
    assert_int_equal(aws_retry_after_ms("1", now, &ms), 0);
    assert_int_equal(ms, 1000);
    assert_int_equal(aws_retry_after_ms("0", now, &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(aws_retry_after_ms("120", now, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(aws_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now, &ms), 0);
    assert_int_equal(ms, 7000);
    assert_int_equal(aws_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now + 60000, &ms), 0);
    assert_int_equal(ms, 0); /* a date past: no wait */
    assert_int_equal(aws_retry_after_ms("Thu, 01 Jan 2026 00:00:00 GMT", 0, &ms), 0);
    assert_true(ms == INT64_C(1767225600000));
    static const char *const bad[] = {
        "",
        "-1",
        "1.5",
        " 1",
        "1 ",
        "+1",
        "1234567890",                     /* more digits than any wait */
        "Sunday, 06-Nov-94 08:49:37 GMT", /* RFC 850: obsolete */
        "Sun Nov  6 08:49:37 1994",       /* asctime: obsolete */
        "Sun, 06 Nov 1994 08:49:37 UTC",  /* GMT only */
        "Sun, 06 Nox 1994 08:49:37 GMT",  /* no such month */
        "Sux, 06 Nov 1994 08:49:37 GMT",  /* no such day */
        "Sun, 31 Feb 1994 08:49:37 GMT",  /* no such date */
        "Sun, 06 Nov 1994 24:49:37 GMT",  /* no such hour */
        "Sun, 6 Nov 1994 08:49:37 GMT",   /* two digits */
        "Sun, 06 Nov 1994 08:49:37 GMT ", /* nothing after */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ms = -7;
        assert_int_equal(aws_retry_after_ms(bad[i], now, &ms), -1);
        assert_true(ms == -7);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        vectors_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_signature_depends_on_every_part),
        cmocka_unit_test(test_requests_as_the_sdk_builds_them),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_canonical_uri),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_header_canonical_form),
        cmocka_unit_test(test_retry_after),
#ifdef CAIRN_TEST_HOOKS
        cmocka_unit_test(test_out_of_memory),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
