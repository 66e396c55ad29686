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
 * Diagnostics are held until diag_flush() (the loader flushes after each
 * workflow; diag_finish() and diag_free() flush too) and come out sorted by
 * file (first reported first), line, then column; a note stays after the
 * diagnostic it follows. A position with line > 0 and col DIAG_NO_COL has no column:
 * the text form prints `file:line: severity: message` (the JSON column is 0).
 */
#ifndef CAIRN_DIAG_H
#define CAIRN_DIAG_H

#include <stdio.h>

/* A place in a source file: 1-based line and column. */
typedef struct pos {
    int line, col;
} pos;

/* pos.col of a place known only by its line (a Lua syntax error). */
#define DIAG_NO_COL (-1)

/*
 * Diagnostic codes: stable, one per kind of problem. A note carries the code
 * of the diagnostic it belongs to. E0xx and W0xx: the front end (loader,
 * model builder, checker); E1xx: `cairn gen`.
 */
#define DIAG_E_IO "E001"           /* the file cannot be read */
#define DIAG_E_YAML "E002"         /* not YAML: libyaml's syntax errors */
#define DIAG_E_YAML_FEATURE "E003" /* anchors, aliases, tags, several documents */
#define DIAG_E_UNKNOWN_KEY "E004"  /* a key the language does not have */
#define DIAG_E_MISSING_KEY "E005"  /* a required key is absent */
#define DIAG_E_TYPE "E006"         /* a value of the wrong type */
#define DIAG_E_KIND "E007"         /* a list item with no kind key, or two */
#define DIAG_E_NAME "E008"         /* a workflow, operation or `as` name is malformed */
#define DIAG_E_DUPLICATE "E009"    /* a name or key defined twice */
#define DIAG_E_TARGET "E010"       /* goto / else / catch goto to no operation */
#define DIAG_E_DURATION "E011"     /* a malformed or non-positive duration */
#define DIAG_E_RETRY "E012"        /* a bad retry value */
#define DIAG_E_EXPR "E013"         /* a ${...} that does not parse */
#define DIAG_E_SCOPE "E014"        /* an unknown name in an expression */
#define DIAG_E_HOOKS "E015"        /* lua: without hooks, or hooks unreadable */
#define DIAG_E_CALLBACK "E016"     /* await / callback / submitter misuse */
#define DIAG_E_VALUE "E017"        /* a value outside its allowed set */
#define DIAG_E_LUA_SYNTAX "E018"   /* the hooks file does not compile (Lua's own parser) */
#define DIAG_E_LUA_FN "E019"       /* a lua: function not defined in the hooks (was W001) */
#define DIAG_W_UNREACHABLE "W002"  /* an operation no path reaches */
#define DIAG_W_UNUSED "W003"       /* a key that has no effect (with: on an http call) */
#define DIAG_W_HEARTBEAT "W004"    /* a catch of Callback.Timeout that a heartbeat pre-empts */
#define DIAG_W_OLD_NAME "W005"     /* Callback.HeartbeatTimeout, now Callback.Heartbeat */
#define DIAG_E_UNSUPPORTED "E101"  /* a construct gen does not support (none in this version) */
#define DIAG_E_TEMPLATE "E102"     /* a template is unreadable or malformed */
#define DIAG_E_OUTPUT "E103"       /* outputs clash or cannot be written */

typedef enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_severity;

typedef struct diag diag;

/* json: 0 text to `out`, 1 collect and print JSON at diag_finish(). */
diag *diag_new(FILE *out, int json);
void diag_free(diag *d);

/* Reports at file:at; code is a stable id such as "E012". */
void diag_report(diag *d, diag_severity sev, const char *code, const char *file, pos at,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prints (or adds to the JSON array) what was reported since the last flush,
 * sorted. */
void diag_flush(diag *d);

int diag_errors(const diag *d);
int diag_warnings(const diag *d);

/* JSON form: prints the collected array. Text form: nothing. */
void diag_finish(diag *d);

#endif
