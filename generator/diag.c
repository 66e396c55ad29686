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

#include <cjson/cJSON.h>

struct diag {
    FILE *out;    /* borrowed: text goes here */
    int json;     /* collect and print at diag_finish() */
    cJSON *items; /* owned: the JSON array, when json */
    int errors, warnings;
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
    cJSON_Delete(d->items);
    free(d);
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
    int col = at.col > 0 ? at.col : 1;
    if (!d->json) {
        fprintf(d->out, "%s:%d:%d: %s: %s\n", file, line, col, severity_names[sev], msg);
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
    if (!d->json)
        return;
    char *text = cJSON_Print(d->items);
    if (text) {
        fprintf(d->out, "%s\n", text);
        free(text);
    }
}
