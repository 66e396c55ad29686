/*
 * gen_cmd.c — `cairn gen FILE... -o DIR [-T TEMPLATES] [--no-line] [--main]`
 * (cmd_gen of cmd.h).
 *
 * Owns: the command line of gen, the all-or-nothing rule and the writing of
 * files. Every input is loaded, checked and emitted in memory first; only
 * when all of them succeed is anything written. Each file is written to a
 * temporary name in DIR and renamed over the old one, and a file whose bytes
 * would not change is not touched (so builds do not rebuild).
 *
 * Never: writes a file after any error, leaves a temporary file behind, or
 * rewrites an unchanged file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "emit.h"
#include "load.h"
#include "model.h"
#include "tpl.h"

static void gen_usage(FILE *f)
{
    fputs("usage: cairn gen FILE... -o DIR [-T TEMPLATES] [--no-line] [--main] [--check]\n"
          "\n"
          "Generates NAME.c and NAME.h in DIR for each workflow FILE (NAME is its\n"
          "`name:`). Nothing is written when any FILE has an error; files whose\n"
          "contents would not change are left untouched.\n"
          "\n"
          "  -o DIR          where to write (created if missing)\n"
          "  -T TEMPLATES    read workflow.c.in, workflow.h.in, main.c.in from\n"
          "                  TEMPLATES instead of the built-in templates\n"
          "  --no-line       no #line directives pointing back to the YAML\n"
          "  --main          also write main.c: a host running every workflow\n"
          "  --check         write nothing; exit 1 listing each file in DIR that is\n"
          "                  missing or differs from what gen would write\n"
          "  -h, --help      this help\n",
          f);
}

/* One file to write: DIR/name with text. */
typedef struct out_file {
    char *path; /* owned */
    char *text; /* owned */
} out_file;

/* mkdir -p. Returns 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1; *s && rc == 0; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (rc == 0 && mkdir(p, 0777) < 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

/* Does the file at path hold exactly text? */
static int same_bytes(const char *path, const char *text)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t len = strlen(text), off = 0;
    char chunk[8192];
    int same = 1;
    size_t n;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (off + n > len || memcmp(chunk, text + off, n))
            same = 0;
        off += n;
    }
    if (ferror(f) || off != len)
        same = 0;
    fclose(f);
    return same;
}

/* Writes text to path through a temporary file and rename(). */
static int write_atomic(const char *path, const char *text)
{
    if (same_bytes(path, text))
        return 0;
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    FILE *f = fdopen(fd, "wb");
    int ok = f != NULL;
    if (!f)
        close(fd);
    size_t len = strlen(text);
    if (ok && fwrite(text, 1, len, f) != len)
        ok = 0;
    if (f && fflush(f) != 0)
        ok = 0;
    if (f && fchmod(fileno(f), 0644) != 0)
        ok = 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    int saved = errno;
    if (!ok)
        unlink(tmp);
    free(tmp);
    errno = saved;
    return ok ? 0 : -1;
}

static char *join_path(const char *dir, const char *name, const char *ext)
{
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s/%s%s", dir, name, ext);
    return buf_take(&b);
}

int cmd_gen(int argc, char **argv)
{
    const char *outdir = NULL;
    emit_opts opts = {0};
    int want_main = 0;
    int check_only = 0; /* --check: compare with DIR, write nothing */
    int help = 0;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    workflow **wfs = NULL;
    out_file *outs = NULL;
    size_t nouts = 0;
    diag *d = NULL;
    tpl_text *templates = NULL; /* owned: -T DIR's templates, read by the loader */
    int rc = 1;

    if (!files) {
        fputs("cairn gen: out of memory\n", stderr);
        return 1;
    }
    const args_opt args[] = {{"o", &outdir, NULL, "needs a directory"},
                             {"T", &opts.template_dir, NULL, "needs a directory"},
                             {"no-line", NULL, &opts.no_line, NULL},
                             {"main", NULL, &want_main, NULL},
                             {"check", NULL, &check_only, NULL},
                             {"help", NULL, &help, NULL},
                             {NULL, NULL, NULL, NULL}};
    int npos = 0;
    char msg[256];
    if (args_parse_files(argc, argv, 1, args, files, argc, &npos, msg, sizeof msg) != 0) {
        fprintf(stderr, "cairn gen: %s\n", msg);
        goto usage;
    }
    nfiles = (size_t)npos;
    if (help) {
        gen_usage(stdout);
        rc = 0;
        goto done;
    }
    if (nfiles == 0) {
        fputs("cairn gen: no workflow file given\n", stderr);
        goto usage;
    }
    if (!outdir) {
        fputs("cairn gen: -o DIR is required\n", stderr);
        goto usage;
    }

    d = diag_new(stderr, 0);
    wfs = calloc(nfiles, sizeof *wfs);
    outs = calloc(2 * nfiles + 1, sizeof *outs);
    if (!d || !wfs || !outs) {
        fputs("cairn gen: out of memory\n", stderr);
        goto done;
    }

    /* Load and check everything; emit only when every file is clean. */
    for (size_t i = 0; i < nfiles; i++)
        wfs[i] = load_workflow(files[i], d);
    for (size_t i = 0; i < nfiles; i++) {
        if (!wfs[i])
            continue;
        for (size_t j = 0; j < i; j++) {
            if (wfs[j] && !strcmp(wfs[i]->name, wfs[j]->name)) {
                diag_report(d, DIAG_ERROR, DIAG_E_OUTPUT, files[i], (pos){1, 1},
                            "workflow name '%s' is also the name of %s: both would "
                            "write %s.c",
                            wfs[i]->name, files[j], wfs[i]->name);
                break;
            }
        }
        if (want_main && !strcmp(wfs[i]->name, "main"))
            diag_report(d, DIAG_ERROR, DIAG_E_OUTPUT, files[i], (pos){1, 1},
                        "a workflow named 'main' would write main.c, which --main writes too");
    }
    if (diag_errors(d))
        goto done;
    if (opts.template_dir && !(templates = load_templates(opts.template_dir))) {
        fputs("cairn gen: out of memory\n", stderr);
        goto done;
    }
    opts.templates = templates;
    for (size_t i = 0; i < nfiles; i++) {
        char *c = NULL, *h = NULL;
        if (emit_workflow(wfs[i], &opts, d, &c, &h) < 0)
            continue;
        outs[nouts].path = join_path(outdir, wfs[i]->name, ".c");
        outs[nouts++].text = c;
        outs[nouts].path = join_path(outdir, wfs[i]->name, ".h");
        outs[nouts++].text = h;
    }
    if (want_main && !diag_errors(d)) {
        char *m = NULL;
        if (emit_main((const workflow *const *)wfs, nfiles, &opts, d, &m) == 0) {
            outs[nouts].path = join_path(outdir, "main", ".c");
            outs[nouts++].text = m;
        }
    }
    if (diag_errors(d))
        goto done;
    for (size_t i = 0; i < nouts; i++) {
        if (!outs[i].path) {
            fputs("cairn gen: out of memory\n", stderr);
            goto done;
        }
    }

    if (check_only) {
        /* Every file gen would write must hold exactly these bytes. */
        int stale = 0;
        for (size_t i = 0; i < nouts; i++) {
            if (same_bytes(outs[i].path, outs[i].text))
                continue;
            fprintf(stderr, "%s is %s: regenerate with cairn gen\n", outs[i].path,
                    access(outs[i].path, F_OK) == 0 ? "stale" : "missing");
            stale = 1;
        }
        rc = stale;
        goto done;
    }
    if (make_dirs(outdir) < 0) {
        fprintf(stderr, "cairn gen: cannot create %s: %s\n", outdir, strerror(errno));
        goto done;
    }
    for (size_t i = 0; i < nouts; i++) {
        if (write_atomic(outs[i].path, outs[i].text) < 0) {
            fprintf(stderr, "cairn gen: cannot write %s: %s\n", outs[i].path, strerror(errno));
            goto done;
        }
    }
    rc = 0;
    goto done;

usage:
    gen_usage(stderr);
    rc = 2;
done:
    for (size_t i = 0; i < nouts; i++) {
        free(outs[i].path);
        free(outs[i].text);
    }
    free(outs);
    for (size_t i = 0; wfs && i < nfiles; i++)
        model_free(wfs[i]);
    free(wfs);
    load_templates_free(templates);
    diag_free(d);
    free(files);
    return rc;
}
