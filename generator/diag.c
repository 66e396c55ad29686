/*
 * diag.c — the diagnostics sink of the generator (diag.h).
 *
 * Owns: the text and JSON forms of every diagnostic and the error/warning
 * counts. It never stops the caller and never decides what is an error: the
 * loader, model builder and checker report, and callers read diag_errors().
 *
 * Codes are stable ids, one per kind of problem; their table is in diag.h
 * (DIAG_E_* / DIAG_W_*).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* One reported diagnostic, kept until the next flush. A note sorts with
 * the diagnostic before it (its group). */
typedef struct entry {
    char *file, *msg; /* owned */
    const char *code; /* static */
    diag_severity sev;
    int line, col;
    size_t seq;      /* report order */
    size_t gfile;    /* the group's file, by first appearance */
    int gline, gcol; /* the group's position */
    size_t gseq;     /* the group's report order */
} entry;

struct diag {
    FILE *out;    /* borrowed: text goes here */
    int json;     /* collect and print at diag_finish() */
    cJSON *items; /* owned: the JSON array, when json */
    int errors, warnings;
    entry *pending; /* owned: reported, not yet flushed */
    size_t npending, cap;
    char **files; /* owned: file names in order of first appearance (this batch) */
    size_t nfiles, capfiles;
    size_t seq;
};

static const char *const severity_names[] = {"error", "warning", "note"};

diag *diag_new(FILE *out, int json)
{
    diag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->out = out;
    d->json = json;
    if (json)
        d->items = cJSON_CreateArray();
    return d;
}

void diag_free(diag *d)
{
    if (!d)
        return;
    if (!d->json)
        diag_flush(d);
    for (size_t i = 0; i < d->npending; i++) {
        free(d->pending[i].file);
        free(d->pending[i].msg);
    }
    free(d->pending);
    for (size_t i = 0; i < d->nfiles; i++)
        free(d->files[i]);
    free(d->files);
    cJSON_Delete(d->items);
    free(d);
}

static size_t file_index(diag *d, const char *file)
{
    for (size_t i = 0; i < d->nfiles; i++)
        if (!strcmp(d->files[i], file))
            return i;
    if (d->nfiles == d->capfiles) {
        size_t cap = d->capfiles ? 2 * d->capfiles : 4;
        char **f = realloc(d->files, cap * sizeof *f);
        if (!f)
            return d->nfiles;
        d->files = f;
        d->capfiles = cap;
    }
    d->files[d->nfiles] = strdup(file);
    if (!d->files[d->nfiles])
        return d->nfiles;
    return d->nfiles++;
}

/* Prints (or adds to the JSON array) one diagnostic. */
static void emit_one(diag *d, const char *file, const char *code, diag_severity sev, int line,
                     int col, const char *msg)
{
    if (!d->json) {
        if (col > 0)
            fprintf(d->out, "%s:%d:%d: %s: %s\n", file, line, col, severity_names[sev], msg);
        else
            fprintf(d->out, "%s:%d: %s: %s\n", file, line, severity_names[sev], msg);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddNumberToObject(o, "line", line);
    cJSON_AddNumberToObject(o, "column", col);
    cJSON_AddStringToObject(o, "severity", severity_names[sev]);
    cJSON_AddStringToObject(o, "code", code ? code : "");
    cJSON_AddStringToObject(o, "message", msg);
    cJSON_AddItemToArray(d->items, o);
}

void diag_report(diag *d, diag_severity sev, const char *code, const char *file, pos at,
                 const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    if (sev == DIAG_ERROR)
        d->errors++;
    else if (sev == DIAG_WARNING)
        d->warnings++;

    int line = at.line > 0 ? at.line : 1;
    int col = at.col > 0 ? at.col : at.col == DIAG_NO_COL && at.line > 0 ? 0 : 1;
    if (d->npending == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        entry *p = realloc(d->pending, cap * sizeof *p);
        if (!p) { /* out of memory: say it now, unsorted */
            emit_one(d, file, code, sev, line, col, msg);
            return;
        }
        d->pending = p;
        d->cap = cap;
    }
    entry *e = &d->pending[d->npending];
    e->file = strdup(file);
    e->msg = strdup(msg);
    if (!e->file || !e->msg) {
        free(e->file);
        free(e->msg);
        emit_one(d, file, code, sev, line, col, msg);
        return;
    }
    e->code = code;
    e->sev = sev;
    e->line = line;
    e->col = col;
    e->seq = d->seq++;
    if (sev == DIAG_NOTE && d->npending) {
        const entry *g = &d->pending[d->npending - 1];
        e->gfile = g->gfile;
        e->gline = g->gline;
        e->gcol = g->gcol;
        e->gseq = g->gseq;
    } else {
        e->gfile = file_index(d, file);
        e->gline = line;
        e->gcol = col;
        e->gseq = e->seq;
    }
    d->npending++;
}

static int by_place(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->gfile != b->gfile)
        return a->gfile < b->gfile ? -1 : 1;
    if (a->gline != b->gline)
        return a->gline < b->gline ? -1 : 1;
    if (a->gcol != b->gcol)
        return a->gcol < b->gcol ? -1 : 1;
    if (a->gseq != b->gseq)
        return a->gseq < b->gseq ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_flush(diag *d)
{
    if (!d)
        return;
    if (d->npending > 1)
        qsort(d->pending, d->npending, sizeof *d->pending, by_place);
    for (size_t i = 0; i < d->npending; i++) {
        entry *e = &d->pending[i];
        emit_one(d, e->file, e->code, e->sev, e->line, e->col, e->msg);
        free(e->file);
        free(e->msg);
    }
    d->npending = 0;
    for (size_t i = 0; i < d->nfiles; i++)
        free(d->files[i]);
    d->nfiles = 0;
}

int diag_errors(const diag *d)
{
    return d->errors;
}

int diag_warnings(const diag *d)
{
    return d->warnings;
}

void diag_finish(diag *d)
{
    diag_flush(d);
    if (!d->json)
        return;
    /* One diagnostic a line, easy to read and to grep: "[\n  {...},\n  {...}\n]". */
    int n = cJSON_GetArraySize(d->items), i = 0;
    fputs(n ? "[\n" : "[", d->out);
    for (const cJSON *it = d->items ? d->items->child : NULL; it; it = it->next, i++) {
        char *text = cJSON_PrintUnformatted(it);
        fprintf(d->out, "  %s%s\n", text ? text : "null", i + 1 < n ? "," : "");
        cJSON_free(text);
    }
    fputs("]\n", d->out);
}
