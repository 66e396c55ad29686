/*
 * host.c — cairn_host_main(): the command line of a host binary (generated
 * workflows + libcairn): start, run, worker, and the store commands of cli.c.
 *
 * Owns: argument checking (everything is checked before the store is
 * opened, so a refused command changes nothing), the worker's policy (the
 * loop is worker.c's) and its signal handling (the handler only sets a flag;
 * the invocation in flight always finishes).
 * Never: touches the store other than through engine.h, or retries in a
 * loop an execution this host cannot run.
 */
#include "cairn/cairn.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "serve.h"
#include "engine.h"
#include "lambda_runtime.h"
#include "error.h"
#include "json.h"
#include "mem.h"
#include "worker.h"

/* A worker's wait after a store error (another process may hold the lock).
 * Idle, it sleeps with no limit of its own: until a commit, the next wake-up
 * or a signal (engine_wait_change). */
enum { RETRY_MS = 200 };

/* A worker runs up to BATCH_DEFAULT executions at once (--batch), their
 * journal writes committed together (group commit); a commit waits at most
 * BATCH_WINDOW_US for the invocations still running to write theirs. */
enum { BATCH_DEFAULT = 16, BATCH_MAX = 256, BATCH_WINDOW_US = 500 };

typedef struct host {
    const char *prog; /* basename of argv[0], for messages */
    const cairn_workflow *const *wfs;
    size_t n;
} host;

/* ---- help ---- */

static void usage(const host *h, FILE *f)
{
    fprintf(f,
            "usage: %s COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n"
            "  start [WORKFLOW] [--input JSON] [--name KEY]\n"
            "      start an execution and print its id; the same --name twice gives the same id\n"
            "  run [WORKFLOW] [--input JSON] [--name KEY] [--skip-time] [--json]\n"
            "      start, then run until the execution completes or suspends; print the outcome\n"
            "      and the callback ids it waits for (exit 0: succeeded or suspended, 1: failed\n"
            "      or timed out)\n"
            "  worker [--batch N] [--skip-time] [--until-idle]\n"
            "      run due invocations until SIGINT/SIGTERM, or with --until-idle until\n"
            "      nothing is runnable\n"
            "  serve [--listen ADDR:PORT] [--token-file F] [--skip-time]\n"
            "      a worker plus the HTTP API (callbacks, start, status, history)\n"
            "  lambda [WORKFLOW]\n"
            "      run as an AWS Lambda custom runtime (also with no command when\n"
            "      AWS_LAMBDA_RUNTIME_API is set; see docs/lambda.md)\n"
            "  callback succeed|fail|heartbeat ID ...\n"
            "      answer a callback (see %s callback --help)\n"
            "  stop EXEC [--error-type T] [--error-message M]\n"
            "      stop an execution: STOPPED, its callbacks closed, nothing more runs\n"
            "  list                executions, newest first\n"
            "  status EXEC         one execution's status, result and error\n"
            "  history EXEC        its journal, operation by operation\n"
            "\n"
            "Every command takes --db PATH (default: $CAIRN_DB, else ./cairn.db) and --help.\n"
            "--input defaults to {}. WORKFLOW may be left out when the host holds only one.\n"
            "--skip-time runs on a virtual clock that jumps to the next wake-up instead of\n"
            "waiting for it.\n"
            "\n"
            "Workflows in this host:\n",
            h->prog, h->prog);
    for (size_t i = 0; i < h->n; i++) {
        char version[16] = "-"; /* 0: the workflow has no `version` */
        if (h->wfs[i]->version)
            snprintf(version, sizeof version, "%d", h->wfs[i]->version);
        fprintf(f, "  %-20s version %s  (%s)\n", h->wfs[i]->name, version,
                h->wfs[i]->source ? h->wfs[i]->source : "?");
    }
    if (h->n == 0)
        fputs("  (none)\n", f);
}

static void cmd_usage(const host *h, const char *cmd, FILE *f)
{
    if (!strcmp(cmd, "worker"))
        fprintf(f,
                "usage: %s worker [--db PATH] [--batch N] [--skip-time] [--until-idle]\n"
                "  --batch N      run up to N executions at once (default %d), committing\n"
                "                 their journal writes together; 1: one at a time\n"
                "  --skip-time    virtual clock: jump to the next wake-up instead of waiting\n"
                "                 (one execution at a time)\n"
                "  --until-idle   exit 0 once nothing is runnable (with --skip-time: once\n"
                "                 nothing will ever wake up)\n",
                h->prog, BATCH_DEFAULT);
    else
        fprintf(f,
                "usage: %s %s [WORKFLOW] [--db PATH] [--input JSON] [--name KEY]%s\n"
                "  WORKFLOW       which workflow (not needed when the host holds only one)\n"
                "  --input JSON   the execution's input (default {})\n"
                "  --name KEY     idempotency key: a second start with it returns the first\n"
                "                 execution\n"
                "%s",
                h->prog, cmd, strcmp(cmd, "run") ? "" : " [--skip-time] [--json]",
                strcmp(cmd, "run")
                    ? ""
                    : "  --skip-time    virtual clock: jump over waits and retry delays\n"
                      "  --json         print the status document as JSON\n");
}

/* ---- start and run ---- */

static const cairn_workflow *find_workflow(const host *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->wfs[i]->name, name))
            return h->wfs[i];
    return NULL;
}

static const char *str_field(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Prints one field as compact JSON: "result     {...}". Returns -1 on OOM. */
static int print_json_field(const char *label, const cJSON *v)
{
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    if (v && !s)
        return -1;
    printf("%-9s  %s\n", label, s ? s : "null");
    cJSON_free(s);
    return 0;
}

/*
 * One "callback  ID" line per callback the execution waits for (a CALLBACK
 * operation not ended), so a script needs no `history --json` to answer it.
 * Returns -1 when the history cannot be read.
 */
static int print_open_callbacks(engine *e, const char *id)
{
    int rc = CAIRN_OK;
    cairn_error err;
    err_init(&err);
    cJSON *hist = engine_history_json(e, id, &rc, &err);
    err_cleanup(&err);
    if (!hist)
        return -1;
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(hist, "operations"))
    {
        const char *type = str_field(op, "type"), *status = str_field(op, "status");
        const char *cb = str_field(op, "callback_id");
        if (type && !strcmp(type, "CALLBACK") && cb && status &&
            (!strcmp(status, "STARTED") || !strcmp(status, "PENDING")))
            printf("%-9s  %s\n", "callback", cb);
    }
    cJSON_Delete(hist);
    return 0;
}

/*
 * The outcome of `run`: id, status, and the result, the error, or when the
 * execution wakes up and the callbacks it waits for. Returns the exit code:
 * 0 succeeded or suspended, 1 failed or timed out.
 */
static int print_outcome(engine *e, const cJSON *st, int json)
{
    const char *status = str_field(st, "status");
    int failed = status && (!strcmp(status, "FAILED") || !strcmp(status, "TIMED_OUT"));
    if (json) {
        char *text = json_print_indented(st);
        if (!text)
            return 1;
        puts(text);
        mem_free(text);
        return failed;
    }
    printf("%-9s  %s\n", "execution", str_field(st, "id") ? str_field(st, "id") : "?");
    if (status && !strcmp(status, "PENDING")) {
        const char *wake = str_field(st, "wake_at");
        if (wake)
            printf("%-9s  PENDING until %s\n", "status", wake);
        else
            printf("%-9s  PENDING (waiting for a callback)\n", "status");
        return print_open_callbacks(e, str_field(st, "id")) != 0;
    }
    printf("%-9s  %s\n", "status", status ? status : "?");
    int rc = 0;
    if (failed)
        rc = print_json_field("error", cJSON_GetObjectItemCaseSensitive(st, "error"));
    else if (status && !strcmp(status, "SUCCEEDED"))
        rc = print_json_field("result", cJSON_GetObjectItemCaseSensitive(st, "result"));
    return failed || rc != 0;
}

/* No WORKFLOW given, and the host holds none or several: say which exist. */
static void which_workflow(const host *h, const char *cmd)
{
    fprintf(stderr, "%s %s: which workflow? (%s %s WORKFLOW --input JSON)", h->prog, cmd, h->prog,
            cmd);
    for (size_t i = 0; i < h->n; i++)
        fprintf(stderr, "%s%s", i ? ", " : "; this host holds ", h->wfs[i]->name);
    fputc('\n', stderr);
}

static int cmd_start(const host *h, int argc, char **argv, int run)
{
    const char *cmd = argv[0];
    const char *db_flag = NULL, *input = NULL, *name = NULL;
    int skip_time = 0, json = 0, help = 0;
    const args_opt start_opts[] = {{"db", &db_flag, NULL, NULL},
                                   {"input", &input, NULL, NULL},
                                   {"name", &name, NULL, NULL},
                                   {"help", NULL, &help, NULL},
                                   {NULL, NULL, NULL, NULL}};
    const args_opt run_opts[] = {{"db", &db_flag, NULL, NULL},
                                 {"input", &input, NULL, NULL},
                                 {"name", &name, NULL, NULL},
                                 {"help", NULL, &help, NULL},
                                 {"skip-time", NULL, &skip_time, NULL},
                                 {"json", NULL, &json, NULL},
                                 {NULL, NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0, code = 1;
    char msg[256];
    engine *e = NULL;
    char *id = NULL;
    cJSON *st = NULL;
    cairn_error err;
    err_init(&err);

    if (args_parse(argc, argv, 1, run ? run_opts : start_opts, pos, 1, &npos, msg, sizeof msg)) {
        fprintf(stderr, "%s %s: %s\n", h->prog, cmd, msg);
        return 2;
    }
    if (help) {
        cmd_usage(h, cmd, stdout);
        return 0;
    }
    if (npos == 0 && h->n != 1) {
        which_workflow(h, cmd);
        return 2;
    }
    const cairn_workflow *wf = npos ? find_workflow(h, pos[0]) : h->wfs[0];
    if (!wf) {
        fprintf(stderr, "%s %s: unknown workflow '%s' (see %s --help)\n", h->prog, cmd, pos[0],
                h->prog);
        return 2;
    }
    if (name && !*name) {
        fprintf(stderr, "%s %s: --name must not be empty\n", h->prog, cmd);
        return 2;
    }
    if (!input)
        input = "{}";
    const char *end = NULL;
    cJSON *parsed = cJSON_ParseWithOpts(input, &end, 1);
    if (!parsed) {
        fprintf(stderr, "%s %s: --input is not valid JSON (at character %ld)\n", h->prog, cmd,
                end ? (long)(end - input) + 1 : 1L);
        return 1;
    }
    cJSON_Delete(parsed);

    int rc = engine_open(&e, cli_db_path(db_flag), h->wfs, h->n, &err);
    if (rc != CAIRN_OK)
        goto fail;
    engine_set_skip_time(e, skip_time);
    int created = 0;
    rc = engine_start(e, wf->name, input, name, &id, &created, &err);
    if (rc != CAIRN_OK)
        goto fail;
    if (!run) {
        puts(id);
        code = 0;
        goto done;
    }
    rc = engine_drive(e, id, &err);
    if (rc == CAIRN_ERR_CONFLICT) { /* already complete: a second run by name */
        err_cleanup(&err);
        rc = CAIRN_OK;
    }
    if (rc != CAIRN_OK)
        goto fail;
    st = engine_status_json(e, id, &rc, &err);
    if (!st)
        goto fail;
    code = print_outcome(e, st, json);
    goto done;
fail:
    fprintf(stderr, "%s %s: %s\n", h->prog, cmd, err.message ? err.message : cairn_strerror(rc));
done:
    cJSON_Delete(st);
    mem_free(id);
    if (e)
        engine_close(e);
    err_cleanup(&err);
    return code;
}

/* ---- worker ---- */

/* Set by SIGINT/SIGTERM; the worker loop looks at it between invocations. */
static atomic_int stop_requested;
/* The engine's wake descriptor (engine_wake_fd), or -1: a signal that comes
 * between the loop's look at the flag and its sleep still ends the sleep. */
static volatile sig_atomic_t wake_fd = -1;

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&stop_requested, 1);
    int saved = errno, fd = wake_fd;
    if (fd >= 0) {
        ssize_t n = write(fd, "!", 1); /* async-signal-safe; a full pipe is a wake-up already */
        (void)n;
    }
    errno = saved;
}

/* No SA_RESTART: a signal cuts the wait short, so the worker exits at once. */
static int install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL) | sigaction(SIGTERM, &sa, NULL);
}

/* With --until-idle: this many store errors in a row end the worker (exit 1). */
enum { STORE_ERRORS_MAX = 10 };

static int cmd_worker(const host *h, int argc, char **argv)
{
    const char *db_flag = NULL, *batch_flag = NULL;
    int skip_time = 0, until_idle = 0, help = 0;
    const args_opt opts[] = {
        {"db", &db_flag, NULL, NULL},          {"batch", &batch_flag, NULL, NULL},
        {"skip-time", NULL, &skip_time, NULL}, {"until-idle", NULL, &until_idle, NULL},
        {"help", NULL, &help, NULL},           {NULL, NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0, code = 1;
    char msg[256];
    char who[256];
    engine *e = NULL;
    cairn_error err;
    err_init(&err);

    if (args_parse(argc, argv, 1, opts, pos, 0, &npos, msg, sizeof msg)) {
        fprintf(stderr, "%s worker: %s\n", h->prog, msg);
        return 2;
    }
    if (help) {
        cmd_usage(h, "worker", stdout);
        return 0;
    }
    int batch = BATCH_DEFAULT;
    if (batch_flag) {
        char *end = NULL;
        long b = strtol(batch_flag, &end, 10);
        if (!*batch_flag || *end || b < 1 || b > BATCH_MAX) {
            fprintf(stderr,
                    "%s worker: --batch takes a number of executions from 1 to %d, not '%s'\n",
                    h->prog, BATCH_MAX, batch_flag);
            return 2;
        }
        batch = (int)b;
    }
    if (install_handlers() != 0) {
        fprintf(stderr, "%s worker: cannot install signal handlers: %s\n", h->prog,
                strerror(errno));
        return 1;
    }
    if (engine_open(&e, cli_db_path(db_flag), h->wfs, h->n, &err) != CAIRN_OK) {
        fprintf(stderr, "%s worker: %s\n", h->prog,
                err.message ? err.message : "cannot open store");
        goto done;
    }
    engine_set_skip_time(e, skip_time);
    wake_fd = engine_wake_fd(e);

    /* A store error, of an invocation or of the look for what is due, is
     * retried (another process may hold the database); with --until-idle, a
     * run of them ends the worker instead of looping forever. */
    snprintf(who, sizeof who, "%s worker", h->prog);
    const worker_policy policy = {
        .who = who,
        .exec_who = who,
        .stop = &stop_requested,
        .skip_time = skip_time,
        .until_idle = until_idle,
        .retry_forever = 0,
        .max_store_errors = until_idle ? STORE_ERRORS_MAX : 0,
        .retry_ms = RETRY_MS,
        .idle_ms = -1,
        .batch = batch,
        .batch_window_us = BATCH_WINDOW_US,
    };
    code = worker_run(e, &policy);
done:
    wake_fd = -1;
    if (e)
        engine_close(e);
    err_cleanup(&err);
    return code;
}

/* ---- dispatch ---- */

int cairn_host_main(int argc, char **argv, const cairn_workflow *const *workflows, size_t n)
{
    host h = {argc > 0 && argv[0] ? argv[0] : "host", workflows, n};
    const char *slash = strrchr(h.prog, '/');
    if (slash)
        h.prog = slash + 1;

    for (size_t i = 0; i < n; i++)
        if (workflows[i]->abi != CAIRN_ABI) {
            fprintf(stderr,
                    "%s: workflow '%s' was generated for libcairn ABI %d, not %d: "
                    "regenerate it with cairn gen\n",
                    h.prog, workflows[i]->name, workflows[i]->abi, CAIRN_ABI);
            return 1;
        }
    /* "checked where it can be": a workflow that invokes one this host does not link */
    for (size_t i = 0; i < n; i++)
        for (const char *const *t = workflows[i]->invokes; t && *t; t++)
            if (!find_workflow(&h, *t)) {
                fprintf(stderr,
                        "%s: workflow '%s' invokes workflow '%s', which this host does not link: "
                        "add '%s' to the host's workflows\n",
                        h.prog, workflows[i]->name, *t, *t);
                return 1;
            }
    /* inside AWS Lambda, `bootstrap` is started with no arguments */
    const char *rt_api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (argc < 2 && rt_api && *rt_api) {
        char *lambda_argv[] = {"lambda", NULL};
        return lambda_runtime_main(h.prog, 1, lambda_argv, h.wfs, h.n);
    }
    if (argc < 2) {
        usage(&h, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(&h, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("%s (libcairn %s)\n", h.prog, CAIRN_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "start") || !strcmp(cmd, "run"))
        return cmd_start(&h, argc - 1, argv + 1, !strcmp(cmd, "run"));
    if (!strcmp(cmd, "worker"))
        return cmd_worker(&h, argc - 1, argv + 1);
    if (!strcmp(cmd, "lambda"))
        return lambda_runtime_main(h.prog, argc - 1, argv + 1, h.wfs, h.n);
    if (!strcmp(cmd, "serve"))
        return serve_main(argc - 1, argv + 1, h.wfs, h.n);
    if (!strcmp(cmd, "callback"))
        return cli_callback_command(h.prog, argc - 1, argv + 1);
    if (!strcmp(cmd, "stop"))
        return cli_stop_command(h.prog, argc - 1, argv + 1);
    if (!strcmp(cmd, "list") || !strcmp(cmd, "status") || !strcmp(cmd, "history"))
        return cli_store_command_host(h.prog, argc - 1, argv + 1, h.wfs, h.n);
    fprintf(stderr, "%s: unknown command '%s' (see %s --help)\n", h.prog, cmd, h.prog);
    return 2;
}
