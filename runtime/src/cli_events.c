/*
 * cli_events.c — `history EXEC --events` as text: one line per event (time,
 * event, operation id, name, attempt, details such as the error type and
 * the next attempt's time), and the retry delays `history --timeline` notes
 * (each gap between a failed attempt and the next one's start), from an
 * index of the step events sorted by operation id: one operation's delays
 * cost a binary search, not a pass over every event.
 *
 * Owns: the cli_gaps index (borrowing the document's strings); nothing else
 * past one call; reads the JSON engine_events_json builds.
 * Never: reads the store itself, or changes the document.
 */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "mem.h"
#include "rfc3339.h"

enum { NCOLS = 6, DETAIL_MAX = 160 };

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t time_of(const cJSON *o, const char *key)
{
    const char *s = str(o, key);
    int64_t ms;
    return s && rfc3339_parse(s, &ms) == 0 ? ms : -1;
}

/* The <EventType>Details member of ev. */
static const cJSON *details(const cJSON *ev)
{
    char key[80];
    snprintf(key, sizeof key, "%sDetails", str(ev, "EventType") ? str(ev, "EventType") : "");
    return cJSON_GetObjectItemCaseSensitive(ev, key);
}

/* The attempt an event speaks of, or 0. */
static int attempt_of(const cJSON *ev)
{
    const cJSON *d = details(ev);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(d, "Attempt");
    if (!cJSON_IsNumber(a))
        a = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "RetryDetails"),
                                             "CurrentAttempt");
    return cJSON_IsNumber(a) ? a->valueint : 0;
}

/* "Type: message", "result ...", "next attempt at T (in 10s)", ... */
static void detail_text(const cJSON *ev, char *buf, size_t len)
{
    const cJSON *d = details(ev);
    const cJSON *pl =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "Error"), "Payload");
    const cJSON *retry = cJSON_GetObjectItemCaseSensitive(d, "RetryDetails");
    size_t n = 0;
    buf[0] = '\0';
    if (pl)
        n += (size_t)snprintf(buf, len, "%s: %.80s",
                              str(pl, "ErrorType") ? str(pl, "ErrorType") : "?",
                              str(pl, "ErrorMessage") ? str(pl, "ErrorMessage") : "");
    int64_t next = time_of(retry, "NextAttemptTimestamp");
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(retry, "NextAttemptDelaySeconds");
    if (next >= 0 && cJSON_IsNumber(delay) && n < len) {
        char when[40], in[32];
        rfc3339_format(next, when, sizeof when);
        duration_format((int64_t)delay->valuedouble * 1000, in, sizeof in);
        n += (size_t)snprintf(buf + n, len - n, "; next attempt %s (in %s)", when, in);
    } else if (pl && retry && n < len) {
        n += (size_t)snprintf(buf + n, len - n, "; no more attempts");
    }
    const char *s;
    if ((s = str(d, "CallbackId")) && n < len)
        n += (size_t)snprintf(buf + n, len - n, "callback %s", s);
    if ((s = str(d, "ScheduledEndTimestamp")) && n < len)
        n += (size_t)snprintf(buf + n, len - n, "until %s", s);
    const cJSON *p =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "Result"), "Payload");
    if (!p)
        p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "Input"),
                                             "Payload");
    if (cJSON_IsString(p) && n < len)
        snprintf(buf + n, len - n, "%.60s%s", p->valuestring,
                 strlen(p->valuestring) > 60 ? "..." : "");
    if (!buf[0])
        snprintf(buf, len, "-");
}

int cli_events_text(const cJSON *events)
{
    static const char *const head[NCOLS] = {"TIME", "EVENT", "ID", "NAME", "ATTEMPT", "DETAILS"};
    size_t n = (size_t)cJSON_GetArraySize(events);
    char(*cells)[NCOLS][DETAIL_MAX] = mem_calloc(n ? n : 1, sizeof *cells);
    if (!cells) {
        fputs("cairn: out of memory\n", stderr);
        return 1;
    }
    size_t w[NCOLS], r = 0;
    for (int c = 0; c < NCOLS; c++)
        w[c] = strlen(head[c]);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        char(*row)[DETAIL_MAX] = cells[r++];
        int a = attempt_of(ev);
        snprintf(row[0], DETAIL_MAX, "%s",
                 str(ev, "EventTimestamp") ? str(ev, "EventTimestamp") : "-");
        snprintf(row[1], DETAIL_MAX, "%s", str(ev, "EventType") ? str(ev, "EventType") : "-");
        snprintf(row[2], DETAIL_MAX, "%s", str(ev, "Id") ? str(ev, "Id") : "-");
        snprintf(row[3], DETAIL_MAX, "%s", str(ev, "Name") ? str(ev, "Name") : "-");
        if (a > 0)
            snprintf(row[4], DETAIL_MAX, "%d", a);
        else
            snprintf(row[4], DETAIL_MAX, "-");
        detail_text(ev, row[5], DETAIL_MAX);
        for (int c = 0; c < NCOLS; c++)
            if (strlen(row[c]) > w[c])
                w[c] = strlen(row[c]);
    }
    for (size_t i = 0; i <= n; i++)
        for (int c = 0; c < NCOLS; c++) {
            const char *s = i == 0 ? head[c] : cells[i - 1][c];
            if (c == NCOLS - 1)
                printf("%s\n", s);
            else
                printf("%-*s  ", (int)w[c], s);
        }
    mem_free(cells);
    return 0;
}

/* One StepFailed or StepStarted event, for the retry delays. */
typedef struct step_event {
    const char *id;
    size_t order; /* its place in the history */
    int failed;   /* StepFailed; else StepStarted */
    int64_t at;   /* EventTimestamp */
    size_t next;  /* the next StepStarted of the same id (an index), or SIZE_MAX */
} step_event;

struct cli_gaps {
    step_event *ev; /* sorted by id, then order */
    size_t n;
};

static int by_id_order(const void *a, const void *b)
{
    const step_event *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* ev[i].next: one pass from the end, each id's events being together. */
static void link_next_started(step_event *ev, size_t n)
{
    size_t next = SIZE_MAX;
    for (size_t i = n; i-- > 0;) {
        if (i + 1 < n && strcmp(ev[i].id, ev[i + 1].id))
            next = SIZE_MAX;
        ev[i].next = next;
        if (!ev[i].failed)
            next = i;
    }
}

cli_gaps *cli_gaps_new(const cJSON *events)
{
    cli_gaps *g = mem_calloc(1, sizeof *g);
    size_t total = (size_t)cJSON_GetArraySize(events), order = 0;
    if (!g || !(g->ev = mem_calloc(total ? total : 1, sizeof *g->ev))) {
        mem_free(g);
        return NULL;
    }
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *type = str(ev, "EventType"), *id = str(ev, "Id");
        order++;
        if (!type || !id || (strcmp(type, "StepFailed") && strcmp(type, "StepStarted")))
            continue;
        g->ev[g->n++] = (step_event){id, order, !strcmp(type, "StepFailed"),
                                     time_of(ev, "EventTimestamp"), SIZE_MAX};
    }
    qsort(g->ev, g->n, sizeof *g->ev, by_id_order);
    link_next_started(g->ev, g->n);
    return g;
}

void cli_gaps_free(cli_gaps *g)
{
    if (g)
        mem_free(g->ev);
    mem_free(g);
}

/* The first event of op_id in g->ev (g->n when it has none). */
static size_t first_of(const cli_gaps *g, const char *op_id)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(g->ev[mid].id, op_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void cli_gaps_of(const cli_gaps *g, const char *op_id, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = first_of(g, op_id); i < g->n && !strcmp(g->ev[i].id, op_id); i++) {
        const step_event *e = &g->ev[i];
        if (!e->failed || e->next == SIZE_MAX || n >= len)
            continue;
        char gap[32];
        duration_format(g->ev[e->next].at - e->at, gap, sizeof gap);
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "retried after ", gap);
    }
}
