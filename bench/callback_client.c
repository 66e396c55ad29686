/*
 * callback_client.c — the client of bench_callback.sh: measures, inside
 * `serve`, the callback round trip: HTTP succeed sent → execution completed.
 *
 *   callback_client BASE N
 *
 * Starts N executions of `waiter` (POST /executions), waits until each has
 * its callback (GET /executions/ID/history), then one at a time: sends
 * POST .../callbacks/ID/succeed and polls GET /executions/ID on a kept-alive
 * connection until the status is SUCCEEDED. Prints p50, p99, mean and max.
 * The figure includes the succeed request itself and one status poll.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#define POLL_PAUSE_NS 50000L /* between two status polls */

typedef struct buf {
    char *p;
    size_t len;
} buf;

static size_t on_body(char *d, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    char *p = realloc(b->p, b->len + size * n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, d, size * n);
    b->p = p;
    b->len += size * n;
    b->p[b->len] = '\0';
    return size * n;
}

/* One request on handle h; the body parsed as JSON (caller frees), NULL on failure. */
static cJSON *call(CURL *h, const char *method, const char *url, const char *body)
{
    buf b = {NULL, 0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    long status = 0;
    cJSON *doc = NULL;
    if (curl_easy_perform(h) == CURLE_OK &&
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200)
        doc = cJSON_Parse(b.p ? b.p : "");
    else
        fprintf(stderr, "callback_client: %s %s -> %ld %s\n", method, url, status, b.p ? b.p : "");
    free(b.p);
    return doc;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *status_of(const cJSON *doc)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "status");
    return cJSON_IsString(s) ? s->valuestring : "";
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[2]) <= 0) {
        fputs("usage: callback_client BASE N\n", stderr);
        return 2;
    }
    const char *base = argv[1];
    int n = atoi(argv[2]);
    char url[512];
    char **ids = calloc((size_t)n, sizeof *ids), **cbs = calloc((size_t)n, sizeof *cbs);
    double *lat = calloc((size_t)n, sizeof *lat), *post = calloc((size_t)n, sizeof *post);
    long total_polls = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init(), *poll = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(poll, CURLOPT_HTTPHEADER, hdr);

    snprintf(url, sizeof url, "%s/executions", base);
    for (int i = 0; i < n; i++) {
        cJSON *doc = call(h, "POST", url, "{\"workflow\":\"waiter\",\"input\":{}}");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
        if (!cJSON_IsString(id))
            return 1;
        ids[i] = strdup(id->valuestring);
        cJSON_Delete(doc);
    }
    for (int i = 0; i < n; i++) {
        for (int tries = 0; !cbs[i]; tries++) {
            snprintf(url, sizeof url, "%s/executions/%s/history", base, ids[i]);
            cJSON *doc = call(h, "GET", url, NULL);
            const cJSON *op;
            cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(doc, "operations"))
            {
                const cJSON *cb = cJSON_GetObjectItemCaseSensitive(op, "callback_id");
                if (cJSON_IsString(cb))
                    cbs[i] = strdup(cb->valuestring);
            }
            int pending =
                !strcmp(status_of(cJSON_GetObjectItemCaseSensitive(doc, "execution")), "PENDING");
            cJSON_Delete(doc);
            if (cbs[i] && !pending) { /* created, not yet suspended: look again */
                free(cbs[i]);
                cbs[i] = NULL;
            }
            if (!cbs[i]) {
                if (tries > 20000) {
                    fprintf(stderr, "callback_client: %s never waits for its callback\n", ids[i]);
                    return 1;
                }
                struct timespec ts = {0, 1000000L};
                nanosleep(&ts, NULL);
            }
        }
    }

    char status_url[512];
    for (int i = 0; i < n; i++) {
        snprintf(url, sizeof url, "%s/2025-12-01/durable-execution-callbacks/%s/succeed", base,
                 cbs[i]);
        snprintf(status_url, sizeof status_url, "%s/executions/%s", base, ids[i]);
        double t0 = now_us();
        cJSON *ok = call(h, "POST", url, "{\"n\":1}");
        if (!ok)
            return 1;
        cJSON_Delete(ok);
        post[i] = now_us() - t0;
        for (long polls = 0;; polls++) {
            total_polls++;
            cJSON *doc = call(poll, "GET", status_url, NULL);
            int done = doc && !strcmp(status_of(doc), "SUCCEEDED");
            int bad = !doc || !strcmp(status_of(doc), "FAILED") || polls > 1000000;
            cJSON_Delete(doc);
            if (done)
                break;
            if (bad) {
                fprintf(stderr, "callback_client: %s did not succeed\n", ids[i]);
                return 1;
            }
            /* a short pause leaves the CPU to the worker (2 cores: client, HTTP, worker) */
            struct timespec ts = {0, POLL_PAUSE_NS};
            nanosleep(&ts, NULL);
        }
        lat[i] = now_us() - t0;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    qsort(post, (size_t)n, sizeof *post, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += lat[i];
    printf("  %d callbacks: succeed -> completed  p50 %.3f ms   p99 %.3f ms   mean %.3f ms   max "
           "%.3f ms\n",
           n, lat[n / 2] / 1e3, lat[(size_t)((n - 1) * 0.99)] / 1e3, sum / n / 1e3,
           lat[n - 1] / 1e3);
    printf("  of which the succeed request itself: p50 %.3f ms   p99 %.3f ms;  %.1f status polls "
           "per callback\n",
           post[n / 2] / 1e3, post[(size_t)((n - 1) * 0.99)] / 1e3, (double)total_polls / n);
    for (int i = 0; i < n; i++) {
        free(ids[i]);
        free(cbs[i]);
    }
    free(ids);
    free(cbs);
    free(lat);
    free(post);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    curl_easy_cleanup(poll);
    curl_global_cleanup();
    return 0;
}
