/*
 * cli_stop.c — `stop EXEC [--error-type T --error-message M]`: stops an
 * execution on the store (AWS StopDurableExecution), from the `cairn` tool
 * or any host, without workflow code.
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
#include "engine.h"
#include "error.h"
#include "mem.h"

static void usage(FILE *f, const char *prog)
{
    fprintf(f, "usage: %s stop EXEC [--error-type T] [--error-message M] [--db PATH]\n", prog);
    fputs("\n"
          "Stops a running or waiting execution: its status becomes STOPPED with the\n"
          "error given (default Execution.Stopped, \"Execution stopped\"), its open\n"
          "callbacks are closed (CANCELLED), and nothing of it runs again. An\n"
          "invocation in flight elsewhere writes nothing more once it is stopped.\n"
          "\n"
          "--db PATH defaults to $CAIRN_DB, else ./cairn.db.\n"
          "Exit status: 0 stopped, 1 refused (unknown execution, already ended), 2 usage.\n",
          f);
}

int cli_stop_command(const char *prog, int argc, char **argv)
{
    const char *db = NULL, *etype = NULL, *emsg = NULL;
    int help = 0;
    const args_opt opts[] = {{"db", &db, NULL, NULL},
                             {"error-type", &etype, NULL, NULL},
                             {"error-message", &emsg, NULL, NULL},
                             {"help", NULL, &help, NULL},
                             {NULL, NULL, NULL, NULL}};
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
