/*
 * check_cmd.c — `cairn check [--format json] FILE...` (cmd.h).
 *
 * Owns: the command line of check and its exit code (0 no error, 1 an error
 * in some file, 2 usage). It never generates anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "diag.h"
#include "load.h"

static void check_usage(FILE *f)
{
    fputs("usage: cairn check [--format text|json] FILE...\n"
          "\n"
          "Checks workflow files and prints every problem as file:line:col: error: message\n"
          "(warnings and notes too) on stderr; with --format json, one JSON array of\n"
          "{file, line, column, severity, code, message} on stdout.\n"
          "Exit status: 0 no errors (warnings allowed), 1 some file has an error, 2 usage.\n",
          f);
}

int cmd_check(int argc, char **argv)
{
    const char *format = NULL;
    int help = 0, nfiles = 0, rc = 2;
    const args_opt opts[] = {{"format", &format, NULL, "takes text or json"},
                             {"help", NULL, &help, NULL},
                             {NULL, NULL, NULL, NULL}};
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    char msg[256];
    diag *d = NULL;

    if (!files) {
        fputs("cairn check: out of memory\n", stderr);
        return 1;
    }
    if (args_parse_files(argc, argv, 1, opts, files, argc, &nfiles, msg, sizeof msg) != 0) {
        fprintf(stderr, "cairn check: %s\n", msg);
        goto usage;
    }
    if (help) {
        check_usage(stdout);
        rc = 0;
        goto done;
    }
    int json = format && !strcmp(format, "json");
    if (format && !json && strcmp(format, "text")) {
        fputs("cairn check: --format takes text or json\n", stderr);
        goto usage;
    }
    if (!nfiles) {
        fputs("cairn check: no workflow file given\n", stderr);
        goto usage;
    }
    d = diag_new(json ? stdout : stderr, json);
    if (!d) {
        fputs("cairn check: out of memory\n", stderr);
        rc = 1;
        goto done;
    }
    for (int i = 0; i < nfiles; i++)
        model_free(load_workflow(files[i], d));
    diag_finish(d);
    rc = diag_errors(d) ? 1 : 0;
    goto done;

usage:
    check_usage(stderr);
done:
    diag_free(d);
    free(files);
    return rc;
}
