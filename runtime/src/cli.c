/*
 * cli.c — the store commands shared by every host binary and the `cairn`
 * tool: `list`, `status EXEC`, `history EXEC`, as aligned text tables or,
 * with --json, exactly the documents engine_*_json() build. The text of
 * `history` and `history --timeline` lists operations as a tree (cli_tree.c:
 * a fan-out's branches and items under it, their operations under them,
 * names indented); --json, --events and mermaid keep journal order. `history
 * --timeline` adds where the time went (offsets, durations, attempts and a
 * bar per operation), `history --format mermaid` draws it as a Mermaid
 * gantt chart; both are computed from the journal's timestamps only, so the
 * same journal prints the same text.
 *
 * With --aws, `status` and `history` read a durable execution on AWS Lambda
 * instead (cli_aws.c builds the same documents from the Lambda API), and
 * print them the same way.
 *
 * Also cairn_store_main() (cairn.h), which hands these and `callback` (see
 * cli_callback.c) to the `cairn` tool.
 *
 * Owns: the command line of those three commands and their output format.
 * Never: writes to the store (a missing database file is not created: the
 * command says there is no store at that path), or reads it other than
 * through engine.h.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "cli_aws.h"
#include "cli_tree.h"
#include "engine.h"
#include "rfc3339.h"
#include "error.h"
#include "json.h"
#include "mem.h"

/* The longest JSON shown in a table cell, in characters; longer ones end in "…". */
enum { CELL_MAX = 60 };
/* The most columns a table has (history's). */
enum { MAX_COLS = 8 };

const char *cli_db_path(const char *flag_value)
{
    if (flag_value && *flag_value)
        return flag_value;
    const char *env = getenv("CAIRN_DB");
    if (env && *env)
        return env;
    return "./cairn.db";
}

/* ---- cells ---- */

/* Characters (UTF-8 code points) in s. */
static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mem_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* s cut to CELL_MAX characters, the last one "…". Takes ownership of s. */
static char *cut(char *s)
{
    if (!s || width(s) <= CELL_MAX)
        return s;
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars == CELL_MAX)
            break; /* s[i] starts the last character kept: replace it */
    }
    static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
    char *out = mem_malloc(i + sizeof ellipsis);
    if (out) {
        memcpy(out, s, i);
        memcpy(out + i, ellipsis, sizeof ellipsis);
    }
    mem_free(s);
    return out;
}

/*
 * The compact JSON of v as a string of ours (mem_free), or NULL: cJSON
 * prints with its own hooks, which are the host's (mem.h).
 */
static char *json_str(const cJSON *v)
{
    char *printed = cJSON_PrintUnformatted(v);
    char *s = printed ? dup_str(printed) : NULL;
    cJSON_free(printed);
    return s;
}

/* A text cell for a member of a status or operation object (new string). */
static char *cell_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return dup_str(v->valuestring);
    if (!v || cJSON_IsNull(v))
        return dup_str("-");
    return json_str(v); /* numbers, and anything unexpected */
}

/* A JSON cell: the compact JSON of v (JSON null when absent), cut. */
static char *cell_json(const cJSON *v)
{
    return cut(v ? json_str(v) : dup_str("null"));
}

/* ---- tables ---- */

typedef struct table {
    int ncols;
    const char *const *head; /* ncols borrowed titles */
    char **cells;            /* nrows * ncols owned strings */
    size_t nrows;
} table;

static int table_init(table *t, const char *const *head, int ncols, size_t nrows)
{
    if (ncols > MAX_COLS)
        return -1;
    t->ncols = ncols;
    t->head = head;
    t->nrows = nrows;
    t->cells = mem_calloc(nrows * (size_t)ncols + 1, sizeof *t->cells);
    return t->cells ? 0 : -1;
}

static void table_cleanup(table *t)
{
    for (size_t i = 0; t->cells && i < t->nrows * (size_t)t->ncols; i++)
        mem_free(t->cells[i]);
    mem_free(t->cells);
    t->cells = NULL;
}

/* Returns -1 when a cell is missing (an allocation failed). */
static int table_print(const table *t, FILE *f)
{
    size_t w[MAX_COLS] = {0};
    for (int c = 0; c < t->ncols; c++)
        w[c] = width(t->head[c]);
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
            if (!s)
                return -1;
            if (width(s) > w[c])
                w[c] = width(s);
        }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s = r == 0 ? t->head[c] : t->cells[(r - 1) * (size_t)t->ncols + (size_t)c];
            if (c == t->ncols - 1)
                fprintf(f, "%s\n", s);
            else
                fprintf(f, "%s%*s", s, (int)(w[c] - width(s) + 2), "");
        }
    }
    return 0;
}

/* Says so on stderr; returns the exit code of a command that ran out of memory. */
static int out_of_memory(void)
{
    fputs("cairn: out of memory\n", stderr);
    return 1;
}

/* Prints t on stdout and frees it; returns the command's exit code (a missing cell: 1). */
static int table_finish(table *t)
{
    int rc = table_print(t, stdout);
    table_cleanup(t);
    return rc == 0 ? 0 : out_of_memory();
}

/* ---- the three commands ---- */

static int print_json(const cJSON *doc)
{
    char *text = json_print_indented(doc);
    if (!text)
        return out_of_memory();
    puts(text);
    mem_free(text);
    return 0;
}

/*
 * The DEFINITION cell: the first 12 hex digits of the definition sha256, and
 * " (not held)" when a host says it does not hold it (the tool, which holds
 * no definitions, says nothing more).
 */
static char *definition_cell(const cJSON *x)
{
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(x, "definition_sha256");
    const cJSON *held = cJSON_GetObjectItemCaseSensitive(x, "definition_held");
    const char *hex = cJSON_IsString(sha) ? sha->valuestring : "-";
    char buf[64];
    snprintf(buf, sizeof buf, "%.12s%s", hex, cJSON_IsFalse(held) ? " (not held)" : "");
    return dup_str(buf);
}

static int list_text(const cJSON *list)
{
    static const char *const head[] = {"ID",    "WORKFLOW", "STATUS",    "CREATED",
                                       "ENDED", "NAME",     "DEFINITION"};
    static const char *const keys[] = {"id",         "workflow", "status",
                                       "created_at", "ended_at", "name"};
    enum { NCOLS = 7 };
    table t;
    if (table_init(&t, head, NCOLS, (size_t)cJSON_GetArraySize(list)) != 0)
        return out_of_memory();
    size_t r = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, list)
    {
        for (int c = 0; c < NCOLS - 1; c++)
            t.cells[r * NCOLS + (size_t)c] =
                cell_text(cJSON_GetObjectItemCaseSensitive(x, keys[c]));
        t.cells[r * NCOLS + NCOLS - 1] = definition_cell(x);
        r++;
    }
    return table_finish(&t);
}

/* Fields one per line; input, result and error as compact JSON. */
static int status_text(const cJSON *st)
{
    size_t w = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, st)
    {
        if (strlen(f->string) > w)
            w = strlen(f->string);
    }
    cJSON_ArrayForEach(f, st)
    {
        int json = !strcmp(f->string, "input") || !strcmp(f->string, "result") ||
                   !strcmp(f->string, "error");
        /* version 0: the workflow has no `version` (a real one is at least 1) */
        int unversioned = !strcmp(f->string, "version") && cJSON_IsNumber(f) && f->valueint == 0;
        char *s = json ? json_str(f) : unversioned ? dup_str("-") : cell_text(f);
        /* an invoked child: its caller, and the caller's operation that started it */
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(f, "id");
        const cJSON *pop = cJSON_GetObjectItemCaseSensitive(f, "operation_id");
        if (s && !strcmp(f->string, "parent") && cJSON_IsString(pid) && cJSON_IsString(pop)) {
            char buf[256];
            snprintf(buf, sizeof buf, "%.100s (its operation %.64s)", pid->valuestring,
                     pop->valuestring);
            mem_free(s);
            s = dup_str(buf);
        }
        if (s && !strcmp(f->string, "definition_held") && cJSON_IsFalse(f)) {
            mem_free(s);
            s = dup_str("false: this host does not hold this definition; run it with the "
                        "host built from it, or stop it");
        }
        if (!s)
            return out_of_memory();
        printf("%-*s  %s\n", (int)w, f->string, s);
        mem_free(s);
    }
    return 0;
}

/*
 * The RESULT/ERROR cell: the error when there is one, else the result; a
 * null result shows as null only where it is one (a succeeded step or
 * execution); a callback still open shows its id; else "-" (a wait has none).
 */
static char *outcome_cell(const cJSON *op)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(op, "error");
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(op, "result");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(op, "status");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(op, "type");
    int succeeded = cJSON_IsString(status) && !strcmp(status->valuestring, "SUCCEEDED");
    int has_result = cJSON_IsString(type) && (!strcmp(type->valuestring, "STEP") ||
                                              !strcmp(type->valuestring, "EXECUTION"));
    if (error && !cJSON_IsNull(error))
        return cell_json(error);
    if ((result && !cJSON_IsNull(result)) || (succeeded && has_result))
        return cell_json(result);
    /* An open callback: its id is what the outside system needs. */
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(op, "callback_id");
    if (cJSON_IsString(cb)) {
        size_t n = strlen(cb->valuestring) + sizeof "callback id ";
        char *cell = mem_malloc(n);
        if (cell)
            snprintf(cell, n, "callback id %s", cb->valuestring);
        return cell;
    }
    return dup_str("-");
}

/* The name cell of an operation at depth: indented two spaces per level. */
static char *name_cell(const cJSON *op, size_t depth)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(op, "name");
    return cli_tree_indent(cJSON_IsString(name) ? name->valuestring : "-", depth);
}

static int history_text(const cJSON *hist)
{
    static const char *const head[] = {"ID",      "NAME",    "TYPE",  "STATUS",
                                       "ATTEMPT", "STARTED", "ENDED", "RESULT/ERROR"};
    static const char *const keys[] = {"id",      "name",       "type",    "status",
                                       "attempt", "started_at", "ended_at"};
    cli_tree_op *rows;
    size_t n;
    if (cli_tree_ops(cJSON_GetObjectItemCaseSensitive(hist, "operations"), &rows, &n) != 0)
        return out_of_memory();
    table t;
    if (table_init(&t, head, 8, n) != 0) {
        mem_free(rows);
        return out_of_memory();
    }
    for (size_t r = 0; r < n; r++) {
        const cJSON *op = rows[r].op;
        for (int c = 0; c < 7; c++)
            t.cells[r * 8 + (size_t)c] =
                c == 1 ? name_cell(op, rows[r].depth)
                       : cell_text(cJSON_GetObjectItemCaseSensitive(op, keys[c]));
        t.cells[r * 8 + 7] = outcome_cell(op);
    }
    mem_free(rows);
    return table_finish(&t);
}

/* ---- timeline ---- */

/* Characters in a timeline bar; the whole bar is the execution's span. */
enum { BAR_WIDTH = 40 };

/* 1500 -> "1.500s", 1800000 -> "30m", 5400250 -> "1h30m0.250s", 7 -> "7ms". */
static void format_duration(int64_t ms, char *buf, size_t len)
{
    if (ms < 1000) {
        snprintf(buf, len, "%lldms", (long long)(ms < 0 ? 0 : ms));
        return;
    }
    long long h = (long long)(ms / 3600000), m = (long long)(ms / 60000 % 60);
    long long sec = (long long)(ms / 1000 % 60), frac = (long long)(ms % 1000);
    size_t n = 0;
    buf[0] = '\0';
    if (h && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%lldh", h);
    if (m && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%lldm", m);
    if (frac && n < len)
        snprintf(buf + n, len - n, "%lld.%03llds", sec, frac);
    else if (sec && n < len)
        snprintf(buf + n, len - n, "%llds", sec);
}

/* The time in member key of op, or -1 when absent or unreadable. */
static int64_t op_time(const cJSON *op, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, key);
    int64_t ms;
    if (!cJSON_IsString(v) || rfc3339_parse(v->valuestring, &ms) != 0)
        return -1;
    return ms;
}

static const char *op_str(const cJSON *op, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The span of an execution: from its first to its last journaled instant. */
typedef struct span {
    int64_t t0, t1;
} span;

static span history_span(const cJSON *ops)
{
    span sp = {-1, -1};
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        int64_t a = op_time(op, "started_at"), b = op_time(op, "ended_at");
        if (a >= 0 && (sp.t0 < 0 || a < sp.t0))
            sp.t0 = a;
        if (a > sp.t1)
            sp.t1 = a;
        if (b > sp.t1)
            sp.t1 = b;
    }
    if (sp.t0 < 0)
        sp.t0 = sp.t1 = 0;
    return sp;
}

/* One operation's interval: [*a, *b]; an open one (not ended) runs to the
 * end of the span. Returns 1 when it has ended. */
static int op_interval(const cJSON *op, span sp, int64_t *a, int64_t *b)
{
    *a = op_time(op, "started_at");
    *b = op_time(op, "ended_at");
    if (*a < 0)
        *a = sp.t0;
    int ended = *b >= 0;
    if (!ended || *b < *a)
        *b = ended ? *a : sp.t1;
    return ended;
}

/* "|   ====     |": the interval [a, b] on a bar of BAR_WIDTH characters. */
static char *timeline_bar(span sp, int64_t a, int64_t b, int ended)
{
    int64_t len = sp.t1 - sp.t0 > 0 ? sp.t1 - sp.t0 : 1;
    int64_t c0 = (a - sp.t0) * BAR_WIDTH / len;
    int64_t c1 = ((b - sp.t0) * BAR_WIDTH + len - 1) / len;
    if (c0 > BAR_WIDTH - 1)
        c0 = BAR_WIDTH - 1;
    if (c1 <= c0)
        c1 = c0 + 1;
    if (c1 > BAR_WIDTH)
        c1 = BAR_WIDTH;
    char *bar = mem_malloc(BAR_WIDTH + 3);
    if (!bar)
        return NULL;
    bar[0] = '|';
    for (int64_t i = 0; i < BAR_WIDTH; i++)
        bar[i + 1] = i >= c0 && i < c1 ? '=' : ' ';
    if (!ended)
        bar[c1] = '>'; /* still open: it goes on past the journal */
    bar[BAR_WIDTH + 1] = '|';
    bar[BAR_WIDTH + 2] = '\0';
    return bar;
}

/* What a reader needs beyond the numbers: how long a wait or a callback
 * waited, how an operation that did not succeed ended, when a pending
 * retry is due (an offset from t0), and how long each retry waited (from
 * the events). */
static char *timeline_note(const cJSON *op, int64_t t0, int64_t a, int64_t b, int ended,
                           const cli_gaps *retries)
{
    char dur[48], note[256];
    const char *type = op_str(op, "type"), *status = op_str(op, "status");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(op, "error");
    const cJSON *etype = cJSON_GetObjectItemCaseSensitive(error, "type");
    size_t n = 0;
    note[0] = '\0';
    format_duration(b - a, dur, sizeof dur);
    int wait = !strcmp(type, "WAIT"), callback = !strcmp(type, "CALLBACK");
    /* A wait's set length, a callback's timeout: from its start to timeout_at. */
    int64_t limit = op_time(op, "timeout_at");
    char lim[64] = "";
    if (limit >= a) {
        char d[48];
        format_duration(limit - a, d, sizeof d);
        snprintf(lim, sizeof lim, " (%s %s)", wait ? "for" : "timeout", d);
    }
    if (wait)
        n += (size_t)snprintf(note, sizeof note, "%s %s%s", ended ? "waited" : "waiting, so far",
                              dur, lim);
    else if (callback)
        n += (size_t)snprintf(note, sizeof note, "callback %s %s%s",
                              ended ? "open for" : "open, so far", dur, lim);
    if (strcmp(status, "SUCCEEDED") && n < sizeof note)
        n += (size_t)snprintf(note + n, sizeof note - n, "%s%s", n ? ", " : "", status);
    if (cJSON_IsString(etype) && n < sizeof note)
        n += (size_t)snprintf(note + n, sizeof note - n, " %s", etype->valuestring);
    int64_t next = op_time(op, "next_attempt_at");
    if (!ended && next >= t0 && n < sizeof note) {
        format_duration(next - t0, dur, sizeof dur);
        n += (size_t)snprintf(note + n, sizeof note - n, "%snext attempt at +%s", n ? ", " : "",
                              dur);
    }
    char gaps[128]; /* the retry delays, from the events */
    cli_gaps_of(retries, op_str(op, "id"), gaps, sizeof gaps);
    if (gaps[0] && n < sizeof note)
        snprintf(note + n, sizeof note - n, "%s%s", n ? ", " : "", gaps);
    return dup_str(note[0] ? note : "-");
}

static int history_timeline(const cJSON *hist, const cJSON *events)
{
    static const char *const head[] = {"NAME",     "TYPE",     "START",         "DURATION",
                                       "ATTEMPTS", "TIMELINE", "WAITED/OUTCOME"};
    enum { NCOLS = 7 };
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(hist, "operations");
    span sp = history_span(ops);
    char total[48], from[40];
    format_duration(sp.t1 - sp.t0, total, sizeof total);
    rfc3339_format(sp.t0, from, sizeof from);
    printf("timeline: %s from %s (the bar is that whole span)\n", total, from);

    cli_tree_op *rows = NULL;
    size_t n;
    cli_gaps *retries = cli_gaps_new(events);
    table t;
    if (!retries || cli_tree_ops(ops, &rows, &n) != 0 || table_init(&t, head, NCOLS, n) != 0) {
        cli_gaps_free(retries);
        mem_free(rows);
        return out_of_memory();
    }
    for (size_t r = 0; r < n; r++) {
        const cJSON *op = rows[r].op;
        int64_t a, b;
        int ended = op_interval(op, sp, &a, &b);
        char start[56], dur[48];
        start[0] = '+';
        format_duration(a - sp.t0, start + 1, sizeof start - 1);
        format_duration(b - a, dur, sizeof dur);
        char **row = t.cells + r * NCOLS;
        row[0] = cli_tree_indent(op_str(op, "name"), rows[r].depth);
        row[1] = dup_str(op_str(op, "type"));
        row[2] = dup_str(start);
        row[3] = dup_str(ended ? dur : "open");
        row[4] = cell_text(cJSON_GetObjectItemCaseSensitive(op, "attempt"));
        row[5] = timeline_bar(sp, a, b, ended);
        row[6] = timeline_note(op, sp.t0, a, b, ended, retries);
    }
    cli_gaps_free(retries);
    mem_free(rows);
    return table_finish(&t);
}

/* The journal as a Mermaid gantt chart: one bar per operation, in order. */
static int history_mermaid(const cJSON *hist)
{
    const cJSON *exe = cJSON_GetObjectItemCaseSensitive(hist, "execution");
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(hist, "operations");
    span sp = history_span(ops);
    printf("gantt\n"
           "    title %s %s: %s\n"
           "    dateFormat x\n"
           "    axisFormat %%H:%%M:%%S\n"
           "    section %s\n",
           op_str(exe, "workflow"), op_str(exe, "id"), op_str(exe, "status"),
           op_str(exe, "workflow"));
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        int64_t a, b;
        int ended = op_interval(op, sp, &a, &b);
        const char *status = op_str(op, "status"), *type = op_str(op, "type");
        const char *tag = !ended ? "active, " : !strcmp(status, "SUCCEEDED") ? "done, " : "crit, ";
        char dur[48];
        format_duration(b - a, dur, sizeof dur);
        /* Names are [A-Za-z0-9_.-]: nothing in them ends a gantt task's text. */
        printf("    %s %s %s %s :%s%lld, %lld\n", op_str(op, "name"), type, status, dur, tag,
               (long long)a, (long long)(b > a ? b : a + 1));
    }
    return 0;
}

static void usage(FILE *f, const char *prog)
{
    fprintf(
        f,
        "usage: %s list [--db PATH] [--json]\n"
        "       %s status EXEC [--db PATH] [--json]\n"
        "       %s history EXEC [--db PATH] [--events] [--json | --timeline | --format mermaid]\n"
        "       %s status ARN --aws [--json]\n"
        "       %s history ARN --aws [--events] [--json | --timeline | --format mermaid]\n",
        prog, prog, prog, prog, prog);
    fputs("\n"
          "  list      executions, newest first: ID, WORKFLOW, STATUS, CREATED, ENDED, NAME,\n"
          "            DEFINITION (the first 12 hex digits of the definition sha256 it is\n"
          "            pinned to; a host adds \"(not held)\" when it cannot run it, and\n"
          "            status says definition_held; `cairn` holds no definitions, so it\n"
          "            shows the hash only)\n"
          "  status    one execution: its fields, input, result and error\n"
          "  history   its journal: one operation per line, in order; the operations\n"
          "            of a parallel branch, map item or group follow it, indented\n"
          "\n"
          "  --db PATH   the store (default: $CAIRN_DB, else ./cairn.db)\n"
          "  --json      print the JSON document instead of text\n"
          "  --events    history: every event in order (AWS GetDurableExecutionHistory):\n"
          "              each attempt's start, error and next attempt's time, waits,\n"
          "              callbacks and heartbeats; with --json, the AWS-shaped events\n"
          "  --timeline  history: after the table, each operation's start, duration,\n"
          "              attempts and a bar on the execution's span; waits and\n"
          "              callbacks say how long they waited, retries how long they\n"
          "              waited between attempts\n"
          "  --format F  history: text (the table, default) or mermaid (a gantt chart)\n"
          "  --aws       status, history: a durable execution on AWS Lambda, named by its\n"
          "              ARN (GetDurableExecution, GetDurableExecutionHistory, every page),\n"
          "              printed as for the store; region and credentials from\n"
          "              AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID,\n"
          "              AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; the endpoint\n"
          "              AWS_ENDPOINT_URL_LAMBDA, else https://lambda.REGION.amazonaws.com\n",
          f);
}

/* Prints doc, the document of cmd (list, status, history), as the flags say;
 * evs: the events a history's --timeline draws (NULL without one). */
static int print_doc(const char *cmd, const cJSON *doc, const cJSON *evs, int json, int events,
                     int timeline, int mermaid)
{
    if (json)
        return print_json(doc);
    if (!strcmp(cmd, "list"))
        return list_text(doc);
    if (!strcmp(cmd, "status"))
        return status_text(doc);
    if (events)
        return cli_events_text(doc);
    if (mermaid)
        return history_mermaid(doc);
    int code = history_text(doc);
    if (code == 0 && timeline)
        code = (putchar('\n'), history_timeline(doc, evs));
    return code;
}

/* status|history ARN --aws: the documents from AWS, printed as the store's. */
static int aws_command(const char *prog, const char *cmd, const char *arn, int json, int events,
                       int timeline, int mermaid)
{
    aws_config c;
    int code = cli_aws_config(prog, &c);
    if (code != 0)
        return code;
    int rc = CAIRN_OK;
    cairn_error err;
    err_init(&err);
    cJSON *doc = NULL, *evs = NULL;
    code = 1;
    if (!strcmp(cmd, "status")) {
        doc = cli_aws_status(&c, arn, &rc, &err);
    } else if ((evs = cli_aws_events(&c, arn, &rc, &err)) != NULL && !events) {
        cJSON *st = cli_aws_status(&c, arn, &rc, &err);
        doc = st ? cli_aws_history(st, evs, &rc, &err) : NULL;
    } else if (evs) {
        doc = evs;
        evs = NULL;
    }
    if (!doc) {
        fprintf(stderr, "%s: %s\n", prog, err.message ? err.message : cairn_strerror(rc));
        goto done;
    }
    code = print_doc(cmd, doc, evs, json, events, timeline, mermaid);
done:
    cJSON_Delete(doc);
    cJSON_Delete(evs);
    err_cleanup(&err);
    aws_config_cleanup(&c);
    return code;
}

int cli_store_command(const char *prog, int argc, char **argv)
{
    return cli_store_command_host(prog, argc, argv, NULL, 0);
}

int cli_store_command_host(const char *prog, int argc, char **argv,
                           const cairn_workflow *const *wfs, size_t nwfs)
{
    const char *cmd = argv[0];
    const char *db_flag = NULL;
    const char *format = NULL;
    int json = 0, help = 0, timeline = 0, events = 0, aws = 0;
    const args_opt opts[] = {{"aws", NULL, &aws, NULL},           {"db", &db_flag, NULL, NULL},
                             {"json", NULL, &json, NULL},         {"help", NULL, &help, NULL},
                             {"timeline", NULL, &timeline, NULL}, {"format", &format, NULL, NULL},
                             {"events", NULL, &events, NULL},     {NULL, NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    char msg[256];
    int want = strcmp(cmd, "list") == 0 ? 0 : 1;
    if (args_parse(argc, argv, 1, opts, pos, 1, &npos, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s %s: %s\n", prog, cmd, msg);
        return 2;
    }
    if (help) {
        usage(stdout, prog);
        return 0;
    }
    if (npos != want) {
        if (want)
            fprintf(stderr, "%s %s: which execution? (%s %s EXEC)\n", prog, cmd, prog, cmd);
        else
            fprintf(stderr, "%s %s: takes no argument\n", prog, cmd);
        return 2;
    }
    int mermaid = format && !strcmp(format, "mermaid");
    if (format && !mermaid && strcmp(format, "text")) {
        fprintf(stderr, "%s %s: --format takes text or mermaid\n", prog, cmd);
        return 2;
    }
    if ((timeline || format || events) && strcmp(cmd, "history")) {
        fprintf(stderr, "%s %s: --events, --timeline and --format belong to history\n", prog, cmd);
        return 2;
    }
    if (events && (timeline || format)) {
        fprintf(stderr, "%s %s: --events takes --json only\n", prog, cmd);
        return 2;
    }
    if (json + timeline + mermaid > 1) {
        fprintf(stderr, "%s %s: choose one of --json, --timeline, --format mermaid\n", prog, cmd);
        return 2;
    }
    if (aws && !want) {
        fprintf(stderr,
                "%s %s: --aws reads one execution (status ARN, history ARN); AWS lists "
                "durable executions per function (ListDurableExecutionsByFunction)\n",
                prog, cmd);
        return 2;
    }
    if (aws && db_flag) {
        fprintf(stderr, "%s %s: --db and --aws: choose one\n", prog, cmd);
        return 2;
    }
    if (aws)
        return aws_command(prog, cmd, pos[0], json, events, timeline, mermaid);
    const char *db = cli_db_path(db_flag);
    const char *id = want ? pos[0] : NULL;

    /* Reading must not create a store; a missing one is most likely the
     * wrong --db or $CAIRN_DB, so it is said rather than shown empty. */
    if (access(db, F_OK) != 0) {
        fprintf(stderr, "%s: no store at %s\n", prog, db);
        return 1;
    }

    int code = 1, rc = CAIRN_OK;
    engine *e = NULL;
    cJSON *doc = NULL, *evs = NULL;
    cairn_error err;
    err_init(&err);
    if (engine_open(&e, db, wfs, nwfs, &err) != CAIRN_OK) {
        fprintf(stderr, "%s: %s\n", prog,
                err.message ? err.message : cairn_strerror(CAIRN_ERR_STORE));
        goto done;
    }
    if (!strcmp(cmd, "list"))
        doc = engine_list_json(e, &rc, &err);
    else if (!strcmp(cmd, "status"))
        doc = engine_status_json(e, id, &rc, &err);
    else if (events)
        doc = engine_events_json(e, id, &rc, &err);
    else
        doc = engine_history_json(e, id, &rc, &err);
    if (!doc) {
        if (rc == CAIRN_ERR_NOT_FOUND)
            fprintf(stderr, "%s: no execution '%s' in %s\n", prog, id, db);
        else
            fprintf(stderr, "%s: %s\n", prog, err.message ? err.message : cairn_strerror(rc));
        goto done;
    }
    /* the events a history's --timeline draws, beside the history */
    if (timeline && !json && !events && !mermaid && !strcmp(cmd, "history") &&
        !(evs = engine_events_json(e, id, &rc, &err))) {
        code = out_of_memory();
        goto done;
    }
    code = print_doc(cmd, doc, evs, json, events, timeline, mermaid);
done:
    cJSON_Delete(doc);
    cJSON_Delete(evs);
    if (e)
        engine_close(e);
    err_cleanup(&err);
    return code;
}

int cairn_store_main(const char *prog, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "%s: which command?\n", prog);
        return 2;
    }
    const char *cmd = argv[0];
    if (!strcmp(cmd, "list") || !strcmp(cmd, "status") || !strcmp(cmd, "history"))
        return cli_store_command(prog, argc, argv);
    if (!strcmp(cmd, "callback"))
        return cli_callback_command(prog, argc, argv);
    if (!strcmp(cmd, "stop"))
        return cli_stop_command(prog, argc, argv);
    fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
    return 2;
}
