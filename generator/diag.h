/*
 * diag.h — compiler-style diagnostics for the generator.
 *
 * Text form (default), one per line on stderr:
 *     file:line:col: error: message
 *     file:line:col: warning: message
 *     file:line:col: note: message
 * JSON form (`--format json`): diag_finish() prints one array of
 *     {"file","line","column","severity","code","message"}
 * on stdout. Every diagnostic has a stable code ("E001"...; see diag.c).
 * The sink keeps going after errors; callers check diag_errors().
 */
#ifndef CAIRN_DIAG_H
#define CAIRN_DIAG_H

#include <stdio.h>

#include "model.h"

typedef enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_severity;

typedef struct diag diag;

/* json: 0 text to `out`, 1 collect and print JSON at diag_finish(). */
diag *diag_new(FILE *out, int json);
void diag_free(diag *d);

/* Reports at file:at; code is a stable id such as "E012". */
void diag_report(diag *d, diag_severity sev, const char *code, const char *file, pos at,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

int diag_errors(const diag *d);
int diag_warnings(const diag *d);

/* JSON form: prints the collected array. Text form: nothing. */
void diag_finish(diag *d);

#endif
