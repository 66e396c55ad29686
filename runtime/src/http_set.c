/*
 * http_set.c — the HTTP calls of a fan-out's branches, made at once
 * (http_set.h).
 *
 * Owns: each call's request copy, id, and response until its step takes it.
 * Never: performs a call twice in one invocation, or keeps a response past
 * the invocation after the one that performed it.
 */
#include "http_set.h"

#include <string.h>

#include "mem.h"

void http_set_init(http_set *s)
{
    memset(s, 0, sizeof *s);
}

static void pending_free(http_pending *p)
{
    mem_free(p->id);
    cJSON_Delete(p->request);
    cJSON_Delete(p->job.result);
    err_cleanup(&p->job.err);
}

void http_set_cleanup(http_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        pending_free(&s->v[i]);
    mem_free(s->v);
    http_set_init(s);
}

void http_set_begin(http_set *s)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->n; i++) {
        http_pending *p = &s->v[i];
        if (p->taken || !p->gen || p->gen < s->gen)
            pending_free(p);
        else
            s->v[keep++] = *p;
    }
    s->n = keep;
    s->gen++;
    s->fresh = 0;
}

int http_set_add(http_set *s, const char *id, int attempt, int64_t started_at, const cJSON *request,
                 int64_t timeout_ms, const cairn_status_range *ok, int nok)
{
    http_pending *v = mem_grow(s->v, &s->cap, s->n + 1, sizeof *v);
    if (!v)
        return -1;
    s->v = v;
    http_pending p = {.attempt = attempt, .started_at = started_at};
    p.id = mem_strdup(id);
    p.request = cJSON_Duplicate(request, 1);
    if (!p.id || !p.request) {
        mem_free(p.id);
        cJSON_Delete(p.request);
        return -1;
    }
    p.job = (http_job){.request = p.request, .timeout_ms = timeout_ms, .ok = ok, .nok = nok};
    err_init(&p.job.err);
    s->v[s->n++] = p;
    return 0;
}

http_pending *http_set_find(http_set *s, const char *id, int attempt)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].attempt == attempt && !s->v[i].taken && strcmp(s->v[i].id, id) == 0)
            return &s->v[i];
    return NULL;
}

size_t http_set_waiting(const http_set *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += !s->v[i].gen;
    return n;
}

void http_set_perform(http_set *s)
{
    size_t n = http_set_waiting(s);
    http_job *jobs = n ? mem_calloc(n, sizeof *jobs) : NULL;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        http_pending *p = &s->v[i];
        if (p->gen)
            continue;
        if (jobs) {
            jobs[k++] = p->job;
        } else { /* out of memory: each call fails as one would */
            p->job.rc = -1;
            p->job.oom = 1;
            err_set(&p->job.err, "Http.Transport", "out of memory");
        }
    }
    if (jobs)
        http_call_all(jobs, n);
    k = 0;
    for (size_t i = 0; i < s->n; i++) {
        http_pending *p = &s->v[i];
        if (p->gen)
            continue;
        if (jobs)
            p->job = jobs[k++];
        p->gen = s->gen;
        s->fresh++;
    }
    mem_free(jobs);
}
