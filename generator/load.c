/*
 * load.c — the front end (load.h): read the file, parse YAML, build the
 * model, read the hooks file, check it, hash the definition.
 *
 * Owns: every file the generator reads (the workflow, its hooks, the
 * templates of `-T DIR`), the order of the front-end passes and the
 * definition hash. It never prints anything itself: every problem goes to
 * the diag sink (an unreadable hooks file is reported by the checker, in its
 * place among the other checks).
 */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sha256.h"
#include "tpl.h"
#include "yml.h"

/* Reads path whole into *buf (caller frees). 0, or -1 with errno. */
static int slurp(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 8192, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(b, 2 * cap + 1);
        if (!bigger) {
            free(b);
            b = NULL;
            break;
        }
        b = bigger;
        cap *= 2;
    }
    int bad = !b || ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(b);
        errno = saved ? saved : ENOMEM;
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

/* Resolves wf->hooks against the YAML's folder into wf->hooks_path and reads
 * it into wf->hooks_source, or leaves that NULL and sets wf->hooks_errno. */
static void read_hooks(workflow *wf)
{
    const char *slash = strrchr(wf->path, '/');
    size_t dirlen = slash ? (size_t)(slash - wf->path + 1) : 0;
    if (wf->hooks[0] == '/')
        dirlen = 0;
    size_t n = dirlen + strlen(wf->hooks) + 1;
    wf->hooks_path = malloc(n);
    if (!wf->hooks_path) {
        wf->hooks_errno = ENOMEM;
        return;
    }
    snprintf(wf->hooks_path, n, "%.*s%s", (int)dirlen, wf->path, wf->hooks);
    if (slurp(wf->hooks_path, &wf->hooks_source, &wf->hooks_len) < 0)
        wf->hooks_errno = errno;
}

workflow *load_workflow(const char *path, diag *d)
{
    char *src = NULL;
    size_t len = 0;
    yml_node *root = NULL;
    workflow *wf = NULL;
    int errors_before = diag_errors(d);

    if (slurp(path, &src, &len) < 0) {
        diag_report(d, DIAG_ERROR, DIAG_E_IO, path, (pos){1, 1}, "cannot read the file: %s",
                    strerror(errno));
        goto done;
    }
    root = yml_parse(path, src, len, d);
    if (!root)
        goto done;
    wf = model_build(root, path, d);
    if (!wf)
        goto done;
    if (wf->hooks)
        read_hooks(wf);
    check_workflow(wf, root, d);

    sha256_ctx h;
    uint8_t digest[32];
    sha256_init(&h);
    sha256_update(&h, src, len);
    if (wf->hooks_source)
        sha256_update(&h, wf->hooks_source, wf->hooks_len);
    sha256_final(&h, digest);
    sha256_hex(digest, wf->sha256);
done:
    yml_free(root);
    free(src);
    diag_flush(d); /* this file's diagnostics, sorted by place */
    if (wf && diag_errors(d) > errors_before) {
        model_free(wf);
        wf = NULL;
    }
    return wf;
}

tpl_text *load_templates(const char *dir)
{
    size_t n = 0;
    while (tpl_names[n])
        n++;
    tpl_text *t = calloc(n + 1, sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(tpl_names[i]) + 2;
        t[i].name = tpl_names[i];
        t[i].where = malloc(len);
        if (!t[i].where) {
            load_templates_free(t);
            return NULL;
        }
        snprintf(t[i].where, len, "%s/%s", dir, tpl_names[i]);
        size_t tlen;
        if (slurp(t[i].where, &t[i].text, &tlen) < 0)
            t[i].err = errno;
    }
    return t;
}

void load_templates_free(tpl_text *t)
{
    for (size_t i = 0; t && t[i].name; i++) {
        free(t[i].where);
        free(t[i].text);
    }
    free(t);
}
