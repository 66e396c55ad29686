/*
 * fuzz_http.c — serve's request handling on hostile requests, without
 * sockets: serve.c is compiled into this file (its request code is static)
 * and its libmicrohttpd calls land on the small fake connection below, so
 * on_request() sees exactly what libmicrohttpd would hand it: the method, the
 * raw path, the headers it asks for, the body in chunks, then the end.
 * The engines behind it hold a fresh store per input, with one fzpay
 * execution waiting on a callback when the path asks for one.
 *
 * Input: byte 0 holds flags (bit 0: a bearer token "s3cret" is required;
 * bit 1: skip-time; bits 2-3: body chunk size 1, 7, 64 or all at once);
 * then four lines: METHOD, PATH, Authorization value, Content-Length value
 * (an empty line: no such header); the rest is the body. In PATH, "@cb" is
 * replaced by the waiting callback's id and "@ex" by the execution's id.
 *
 * Checked beyond "no crash, no leak": every request gets exactly one
 * response, with a status serve may send, and its body is JSON (but for
 * the web console's files, whose Content-Type says what they are). The
 * fake connection has no query string: GET /executions sees no parameters.
 */
#include "../../runtime/src/serve.c"

#include "fuzz_util.h"

struct MHD_Connection {
    const char *auth, *content_length; /* borrowed; NULL when absent */
    int responses;                     /* queued so far */
};

struct MHD_Response {
    char *text; /* owned copy of the body */
    int json;   /* its Content-Type is application/json */
};

int MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
                              MHD_KeyValueIterator it, void *cls)
{
    (void)c, (void)kind, (void)it, (void)cls;
    return 0;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                        const char *key)
{
    if (kind != MHD_HEADER_KIND)
        return NULL;
    if (!strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION))
        return c->auth;
    if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
        return c->content_length;
    return NULL;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
    if (mode != MHD_RESPMEM_MUST_COPY)
        abort(); /* serve's buffers are its own, freed right after */
    struct MHD_Response *r = malloc(sizeof *r);
    if (!r || !(r->text = malloc(size + 1)))
        abort();
    memcpy(r->text, buffer, size);
    r->text[size] = '\0';
    r->json = 0;
    return r;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *header,
                                        const char *content)
{
    if (!header || !content || strchr(content, '\n') || strchr(content, '\r'))
        abort(); /* a header value broken over lines would split the response */
    if (!strcasecmp(header, "Content-Type") && !strcmp(content, "application/json"))
        r->json = 1;
    return MHD_YES;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status,
                                   struct MHD_Response *r)
{
    static const unsigned known[] = {200, 400, 403, 404, 405, 413, 500};
    int ok = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        ok |= status == known[i];
    cJSON *body = r->json ? cJSON_Parse(r->text) : NULL;
    if (!ok || (!body && (r->json || status != 200)) || c->responses > 0)
        abort();
    cJSON_Delete(body);
    c->responses++;
    return MHD_YES;
}

void MHD_destroy_response(struct MHD_Response *r)
{
    free(r->text);
    free(r);
}

/* The next '\n'-ended line of *p (a new string; the rest when there is no '\n'). */
static char *line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    size_t n = (size_t)(stop - *p);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *p, n);
    s[n] = '\0';
    *p = nl ? nl + 1 : end;
    return s;
}

/* url with "@cb" and "@ex" replaced (a new string). */
static char *expand(const char *url, const char *cb, const char *ex)
{
    size_t longest = strlen(cb) > strlen(ex) ? strlen(cb) : strlen(ex);
    size_t cap = strlen(url) * (longest + 1) + 1, o = 0;
    char *out = malloc(cap);
    if (!out)
        abort();
    for (const char *u = url; *u;) {
        const char *with = !strncmp(u, "@cb", 3) ? cb : !strncmp(u, "@ex", 3) ? ex : NULL;
        if (with) {
            memcpy(out + o, with, strlen(with));
            o += strlen(with);
            u += 3;
        } else {
            out[o++] = *u++;
        }
    }
    out[o] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const size_t chunks[] = {1, 7, 64, (size_t)-1};
    int flags = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    char *method = line(&p, end), *url = line(&p, end);
    char *auth = line(&p, end), *clen = line(&p, end);
    size_t body_len = (size_t)(end - p);

    char db[4096];
    fz_path("http.db", db, sizeof db);
    fz_remove_store(db);
    server s = {.wfs = fz_workflows, .n = fz_nworkflows, .db = db, .skip_time = flags & 2};
    atomic_init(&s.stop, 0);
    atomic_init(&s.vnow, 0);
    if (flags & 1) {
        s.token = strdup("s3cret");
        s.token_len = 6;
    }
    s.worker = fz_open(db);
    s.api = fz_open(db);
    engine_set_skip_time(s.worker, s.skip_time);
    engine_set_skip_time(s.api, s.skip_time);
    atomic_store(&s.vnow, (long long)engine_now(s.worker));

    char *ex = NULL, *cb = NULL;
    if (strchr(url, '@')) {
        ex = fz_start(s.worker, "{\"n\": 1}");
        cb = ex ? fz_open_callback(s.worker, ex) : NULL;
        if (!cb)
            abort();
    }
    char *path = expand(url, cb ? cb : "", ex ? ex : "");

    struct MHD_Connection c = {auth[0] ? auth : NULL, clen[0] ? clen : NULL, 0};
    void *con_cls = NULL;
    size_t zero = 0;
    enum MHD_Result ret = on_request(&s, &c, path, method, "HTTP/1.1", NULL, &zero, &con_cls);
    size_t chunk = chunks[(flags >> 2) & 3];
    for (size_t at = 0; ret == MHD_YES && at < body_len;) {
        size_t n = body_len - at < chunk ? body_len - at : chunk, left = n;
        ret = on_request(&s, &c, path, method, "HTTP/1.1", p + at, &left, &con_cls);
        if (ret == MHD_YES && left != 0)
            abort(); /* serve takes every byte it is given */
        at += n;
    }
    if (ret == MHD_YES) {
        ret = on_request(&s, &c, path, method, "HTTP/1.1", NULL, &zero, &con_cls);
        if (ret == MHD_YES && c.responses != 1)
            abort(); /* the whole request is in: it must have been answered */
    }
    on_completed(&s, &c, &con_cls, MHD_REQUEST_TERMINATED_COMPLETED_OK);

    free(path);
    free(cb);
    free(ex);
    engine_close(s.api);
    engine_close(s.worker);
    free(s.token);
    free(method);
    free(url);
    free(auth);
    free(clen);
    return 0;
}
