/*
 * check_cmd.c — `cairn check [--format json] FILE...` (cmd.h).
 *
 * Owns: the command line of check and its exit code (0 no error, 1 an error
 * in some file, 2 usage). It never generates anything.
 */
#include <stdio.h>
#include <string.h>

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
    int json = 0, nfiles = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            check_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
            const char *f = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (f && !strcmp(f, "json"))
                json = 1;
            else if (f && !strcmp(f, "text"))
                json = 0;
            else {
                fprintf(stderr, "cairn check: --format takes text or json\n");
                check_usage(stderr);
                return 2;
            }
            continue;
        }
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "cairn check: unknown option '%s'\n", a);
            check_usage(stderr);
            return 2;
        }
        nfiles++;
    }
    if (!nfiles) {
        fprintf(stderr, "cairn check: no workflow file given\n");
        check_usage(stderr);
        return 2;
    }
    diag *d = diag_new(json ? stdout : stderr, json);
    if (!d) {
        fprintf(stderr, "cairn check: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--format")) {
            i++;
            continue;
        }
        if (a[0] == '-' && a[1])
            continue;
        workflow *wf = load_workflow(a, d);
        model_free(wf);
    }
    diag_finish(d);
    rc = diag_errors(d) ? 1 : 0;
    diag_free(d);
    return rc;
}
