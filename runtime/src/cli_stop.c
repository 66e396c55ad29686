/*
 * cli_stop.c — `stop EXEC [--error-type T --error-message M]`: stops an
 * execution on the store (AWS StopDurableExecution), from the `cairn` tool
 * or any host, without workflow code; with --aws, a durable execution on AWS
 * Lambda by its ARN (StopDurableExecution, aws_lambda.c).
 *
 * Owns: the command line of `stop` and its messages.
 * Never: touches the store other than through engine_stop (one
 * transaction), opens the store before the command line is known to be
 * good, or creates a store.
 */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli_aws.h"
#include "engine.h"
#include "error.h"
#include "mem.h"

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s stop EXEC [--error-type T] [--error-message M] [--db PATH]\n"
            "       %s stop ARN --aws [--error-type T] [--error-message M]\n",
            prog, prog);
    fputs("\n"
          "Stops a running or waiting execution: its status becomes STOPPED with the\n"
          "error given (default Execution.Stopped, \"Execution stopped\"), its open\n"
          "callbacks are closed (CANCELLED), and nothing of it runs again. An\n"
          "invocation in flight elsewhere writes nothing more once it is stopped.\n"
          "\n"
          "--db PATH defaults to $CAIRN_DB, else ./cairn.db.\n"
          "--aws stops a durable execution on AWS Lambda, named by its ARN\n"
          "  (StopDurableExecution, with the error given, else none: AWS's default);\n"
          "  region, credentials and endpoint as for `callback --aws`.\n"
          "Exit status: 0 stopped, 1 refused (unknown execution, already ended; with --aws\n"
          "  any AWS error or no answer), 2 usage (with --aws also no region or credentials).\n",
          f);
}

/* stop ARN --aws: StopDurableExecution. */
static int stop_aws(const char *prog, const char *arn, const char *etype, const char *emsg)
{
    aws_config c;
    int code = cli_aws_config(prog, &c);
    if (code != 0)
        return code;
    cairn_error err;
    err_init(&err);
    aws_op op = {
        .kind = AWS_STOP_EXECUTION, .target = arn, .error_type = etype, .error_message = emsg};
    cJSON *answer = NULL;
    int rc = aws_call(&c, &op, &answer, &err);
    if (rc == CAIRN_OK)
        printf("execution %s stopped\n", arn);
    else
        fprintf(stderr, "%s: %s\n", prog, err.message ? err.message : cairn_strerror(rc));
    cJSON_Delete(answer);
    err_cleanup(&err);
    aws_config_cleanup(&c);
    return rc == CAIRN_OK ? 0 : 1;
}

int cli_stop_command(const char *prog, int argc, char **argv)
{
    const char *db = NULL, *etype = NULL, *emsg = NULL;
    int help = 0, aws = 0;
    const args_opt opts[] = {
        {"aws", NULL, &aws, NULL},          {"db", &db, NULL, NULL},
        {"error-type", &etype, NULL, NULL}, {"error-message", &emsg, NULL, NULL},
        {"help", NULL, &help, NULL},        {NULL, NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    char msg[256];
    if (args_parse(argc, argv, 1, opts, pos, 1, &npos, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s stop: %s\n", prog, msg);
        return 2;
    }
    if (help) {
        usage(stdout, prog);
        return 0;
    }
    if (npos != 1 || !*pos[0]) {
        fprintf(stderr, "%s stop: which execution? (%s stop EXEC)\n", prog, prog);
        return 2;
    }
    const char *id = pos[0];
    if (aws && db) {
        fprintf(stderr, "%s stop: --db and --aws: choose one\n", prog);
        return 2;
    }
    if (aws)
        return stop_aws(prog, id, etype, emsg);
    const char *path = cli_db_path(db);
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "%s: no execution '%s' in %s\n", prog, id, path);
        return 1;
    }
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    int rc = engine_open(&e, path, NULL, 0, &err);
    if (rc == CAIRN_OK)
        rc = engine_stop(e, id, etype, emsg, NULL, &err);
    int code = 0;
    if (rc == CAIRN_OK) {
        printf("execution %s stopped\n", id);
    } else {
        fprintf(stderr, "%s: %s\n", prog, err.message ? err.message : cairn_strerror(rc));
        code = rc == CAIRN_ERR_INPUT ? 2 : 1;
    }
    engine_close(e);
    err_cleanup(&err);
    return code;
}
