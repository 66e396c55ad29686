/*
 * cli_callback.c — `callback succeed|fail|heartbeat ID`: answers a callback
 * on the store, from the `cairn` tool or any host, with the words of
 * `sam local callback`. With --aws, the same answers go to AWS Lambda's
 * SendDurableExecutionCallbackSuccess/Failure/Heartbeat (aws_lambda.c), for
 * a callback of a durable function.
 *
 * Owns: the command line of the three subcommands and their messages.
 * Never: touches the store other than through the callback API of engine.h
 * (one transaction per answer), opens the store (or calls AWS) before the
 * command line is known to be good (a usage error changes nothing), or
 * creates a store.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli_aws.h"
#include "engine.h"
#include "error.h"
#include "mem.h"

/* The most bytes --result-file reads: one over the limit, so the engine refuses it by size. */
enum { RESULT_KEEP = 256 * 1024 }; /* bytes of a --result-file kept: the most a result holds */

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s callback succeed ID [--result JSON | --result-file F] [--db PATH]\n"
            "       %s callback fail ID --error-type T --error-message M [--error-data D] [--db "
            "PATH]\n"
            "       %s callback heartbeat ID [--db PATH]\n"
            "       %s callback succeed|fail|heartbeat ID --aws ...  (the same, on AWS Lambda)\n",
            prog, prog, prog, prog);
    fputs("\n"
          "Answers the callback ID of a waiting execution:\n"
          "  succeed    deliver a result: the text of --result, or the bytes of --result-file,\n"
          "             sent as they are (neither: an empty result)\n"
          "  fail       report a failure: the await raises Callback.Failed, with the type,\n"
          "             message and data given kept in its data\n"
          "  heartbeat  re-arm the callback's heartbeat deadline (its timeout still holds)\n"
          "\n"
          "--db PATH defaults to $CAIRN_DB, else ./cairn.db.\n"
          "--aws answers a callback of a durable function on AWS Lambda instead (ID as\n"
          "  AWS issued it; SendDurableExecutionCallbackSuccess, ...Failure,\n"
          "  ...Heartbeat): region and credentials from AWS_REGION (or\n"
          "  AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
          "  AWS_SESSION_TOKEN; the endpoint from AWS_ENDPOINT_URL_LAMBDA, else\n"
          "  https://lambda.REGION.amazonaws.com. AWS's refusals are printed with its\n"
          "  error type (ResourceNotFoundException, CallbackTimeoutException, ...).\n"
          "Exit status: 0 done, 1 refused (unknown or closed callback; with --aws also\n"
          "  any AWS error or no answer), 2 usage (with --aws also no region or\n"
          "  credentials).\n",
          f);
}

/*
 * Reads the file at path into *out (caller frees): its first RESULT_KEEP
 * bytes. *len is the whole size, read to the end (a pipe has no other), so
 * a result too large is reported with its true size.
 */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *buf = mem_malloc(RESULT_KEEP);
    size_t n = buf ? fread(buf, 1, RESULT_KEEP, f) : 0, total = n;
    char rest[4096];
    for (size_t m; n == RESULT_KEEP && (m = fread(rest, 1, sizeof rest, f)) > 0;)
        total += m;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        mem_free(buf);
        if (!buf)
            errno = ENOMEM;
        return -1;
    }
    *out = buf;
    *len = total;
    return 0;
}

int cli_callback_command(const char *prog, int argc, char **argv)
{
    const char *db = NULL, *result = NULL, *result_file = NULL;
    const char *etype = NULL, *emsg = NULL, *edata = NULL;
    int help = 0, aws = 0;
    const args_opt opts[] = {{"aws", NULL, &aws, NULL},
                             {"db", &db, NULL, NULL},
                             {"result", &result, NULL, NULL},
                             {"result-file", &result_file, NULL, NULL},
                             {"error-type", &etype, NULL, NULL},
                             {"error-message", &emsg, NULL, NULL},
                             {"error-data", &edata, NULL, NULL},
                             {"help", NULL, &help, NULL},
                             {NULL, NULL, NULL, NULL}};
    const char *pos[2];
    int npos = 0;
    char msg[256];
    if (args_parse(argc, argv, 1, opts, pos, 2, &npos, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s callback: %s\n", prog, msg);
        return 2;
    }
    if (help) {
        usage(stdout, prog);
        return 0;
    }
    const char *verb = npos > 0 ? pos[0] : "";
    int succeed = !strcmp(verb, "succeed"), fail = !strcmp(verb, "fail");
    int heartbeat = !strcmp(verb, "heartbeat");
    const char *problem = NULL;
    if (!succeed && !fail && !heartbeat)
        problem = npos ? "the first argument must be succeed, fail or heartbeat"
                       : "missing succeed, fail or heartbeat";
    else if (npos < 2 || !*pos[1])
        problem = "missing the callback ID";
    else if (!succeed && (result || result_file))
        problem = "--result and --result-file go with succeed only";
    else if (succeed && result && result_file)
        problem = "give --result or --result-file, not both";
    else if (!fail && (etype || emsg || edata))
        problem = "--error-type, --error-message and --error-data go with fail only";
    else if (fail && (!etype || !emsg))
        problem = "fail needs --error-type and --error-message";
    else if (aws && db)
        problem = "--db and --aws: choose one";
    if (problem) {
        fprintf(stderr, "%s callback: %s (see %s callback --help)\n", prog, problem, prog);
        return 2;
    }
    const char *id = pos[1];

    char *payload = NULL;
    size_t len = 0;
    if (result_file && read_file(result_file, &payload, &len) != 0) {
        fprintf(stderr, "%s callback: cannot read %s: %s\n", prog, result_file, strerror(errno));
        return 2;
    }
    cairn_error err;
    err_init(&err);
    engine *e = NULL;
    aws_config cfg = {0};
    /* A file too large is refused with its size, before the store is opened. */
    int rc = result_file ? engine_callback_result_fits(id, len, &err) : CAIRN_OK;
    const char *text = result_file ? payload : result ? result : "";
    size_t text_len = result_file ? len : result ? strlen(result) : 0;
    if (aws) {
        if (rc == CAIRN_OK)
            rc = engine_callback_result_fits(id, text_len, &err);
        if (rc == CAIRN_OK && memchr(text, '\0', text_len)) {
            err_set(&err, "Callback.Invalid", "callback %.100s: the result holds a NUL byte", id);
            rc = CAIRN_ERR_INPUT;
        }
        int code = rc == CAIRN_OK ? cli_aws_config(prog, &cfg) : 0;
        if (code != 0) {
            mem_free(payload);
            err_cleanup(&err);
            return code;
        }
        if (rc == CAIRN_OK) {
            aws_op op = {.kind = succeed ? AWS_CALLBACK_SUCCESS
                                 : fail  ? AWS_CALLBACK_FAILURE
                                         : AWS_CALLBACK_HEARTBEAT,
                         .target = id,
                         .result = text,
                         .result_len = text_len,
                         .error_type = etype,
                         .error_message = emsg,
                         .error_data = edata};
            cJSON *answer = NULL;
            rc = aws_call(&cfg, &op, &answer, &err);
            cJSON_Delete(answer);
        }
    } else if (rc == CAIRN_OK && access(cli_db_path(db), F_OK) != 0) {
        /* No store, no callback: say so without creating one. */
        err_set(&err, "Callback.NotFound", "callback %.100s: unknown callback (no store at %s)", id,
                cli_db_path(db));
        rc = CAIRN_ERR_NOT_FOUND;
    } else if (rc == CAIRN_OK) {
        rc = engine_open(&e, cli_db_path(db), NULL, 0, &err);
    }
    if (rc == CAIRN_OK && !aws) {
        if (succeed)
            rc = engine_callback_succeed(e, id, text, text_len, &err);
        else if (fail)
            rc = engine_callback_fail(e, id, etype, emsg, edata, &err);
        else
            rc = engine_callback_heartbeat(e, id, &err);
    }
    int code = 0;
    if (rc == CAIRN_OK) {
        printf("callback %s %s\n", id,
               succeed ? "succeeded"
               : fail  ? "failed"
                       : "heartbeat recorded");
    } else {
        fprintf(stderr, "%s: %s\n", prog, err.message ? err.message : cairn_strerror(rc));
        /* a result the callback could never take is a bad argument: exit 2, as usage */
        code = err.type && strcmp(err.type, "Callback.InvalidResult") == 0 ? 2 : 1;
    }
    engine_close(e);
    aws_config_cleanup(&cfg);
    err_cleanup(&err);
    mem_free(payload);
    return code;
}
