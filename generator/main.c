/*
 * main.c — the `cairn` tool: dispatches to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/cairn.h>

#include "cmd.h"
#include "graph.h"

static void usage(FILE *f)
{
    fputs("usage: cairn COMMAND [ARGS]\n"
          "\n"
          "Workflows:\n"
          "  check FILE...              check workflow files; print file:line:col diagnostics\n"
          "  gen FILE... -o DIR         generate NAME.c and NAME.h (with --main, a host main.c)\n"
          "  graph FILE [--format F]    draw the state machine (mermaid or dot)\n"
          "\n"
          "Store (no workflow code needed; --db PATH, else $CAIRN_DB, else ./cairn.db):\n"
          "  list                       executions, newest first\n"
          "  status EXEC                one execution's status and result\n"
          "  history EXEC               its journal, operation by operation\n"
          "  callback succeed ID [--result JSON | --result-file F]\n"
          "  callback fail ID --error-type T --error-message M [--error-data D]\n"
          "  callback heartbeat ID      answer a callback (exit 1: unknown or closed)\n"
          "  stop EXEC [--error-type T --error-message M]\n"
          "                             stop an execution: STOPPED, nothing more runs\n"
          "\n"
          "AWS Lambda durable functions (--aws instead of --db: region, credentials and\n"
          "endpoint from AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
          "AWS_SESSION_TOKEN, AWS_ENDPOINT_URL_LAMBDA; see docs/lambda.md):\n"
          "  status ARN --aws           GetDurableExecution, printed as for the store\n"
          "  history ARN --aws          GetDurableExecutionHistory, every page\n"
          "  callback succeed|fail|heartbeat ID --aws\n"
          "                             SendDurableExecutionCallbackSuccess/Failure/Heartbeat\n"
          "  stop ARN --aws             StopDurableExecution\n"
          "\n"
          "Run `cairn COMMAND --help` for a command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("cairn %s\n", CAIRN_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen"))
        return cmd_gen(argc - 1, argv + 1);
    if (!strcmp(cmd, "graph"))
        return cmd_graph(argc - 1, argv + 1);
    if (!strcmp(cmd, "list") || !strcmp(cmd, "status") || !strcmp(cmd, "history") ||
        !strcmp(cmd, "callback") || !strcmp(cmd, "stop"))
        return cairn_store_main("cairn", argc - 1, argv + 1);
    fprintf(stderr, "cairn: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
