/*
 * load.c — the front end (load.h): read the file, parse YAML, build the
 * model, read the hooks file, check it, hash the definition.
 *
 * Owns: every file the generator reads (the workflow, its hooks, the
 * templates of `-T DIR`), the order of the front-end passes and the
 * definition hash (of the YAML's meaning, not its text: see hash_node). It never prints anything
 * itself: every problem goes to the diag sink (an unreadable hooks file is reported by the checker,
 * in its place among the other checks).
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

/* ------------------------------------------------------------------------ */
/* The definition hash                                                       */
/* ------------------------------------------------------------------------ */

/* A length, as 8 bytes big-endian: no encoding of one node is a prefix of another's. */
static void hash_len(sha256_ctx *h, size_t n)
{
    uint8_t b[8];
    for (int i = 7; i >= 0; i--, n >>= 8)
        b[i] = (uint8_t)(n & 0xff);
    sha256_update(h, b, sizeof b);
}

static int all_of(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

/*
 * Whether plain scalar text t is not a string under the YAML 1.2 core schema
 * (the model reads it so: null, bool, int, float). Errs towards yes: a text
 * taken for typed only keeps its quote style in the hash.
 */
static int plain_typed(const char *t)
{
    static const char *const words[] = {
        "",      "~",     "null", "Null", "NULL", "true", "True", "TRUE", "false",
        "False", "FALSE", ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL,
    };
    for (size_t i = 0; words[i]; i++)
        if (!strcmp(t, words[i]))
            return 1;
    if (!strncmp(t, "0o", 2) || !strncmp(t, "0x", 2))
        return all_of(t + 2, "0123456789abcdefABCDEF");
    if (*t == '+' || *t == '-')
        t++;
    if (!strcmp(t, ".inf") || !strcmp(t, ".Inf") || !strcmp(t, ".INF"))
        return 1;
    size_t digits = strspn(t, "0123456789");
    const char *p = t + digits;
    if (*p == '.')
        digits += strspn(++p, "0123456789"), p += strspn(p, "0123456789");
    if (digits == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!all_of(p, "0123456789"))
            return 0;
        p += strlen(p);
    }
    return *p == '\0';
}

static void hash_scalar(sha256_ctx *h, const yml_node *n)
{
    /* Typed (1, true, null) or a string: `"1"` and `1` differ, `"1h"`,
     * `'1h'` and `1h` do not. */
    int typed = n->plain && strlen(n->text) == n->len && plain_typed(n->text);
    sha256_update(h, typed ? "P" : "S", 1);
    hash_len(h, n->len);
    sha256_update(h, n->text, n->len);
}

/* Orders the keys of a mapping by their bytes (qsort's comparison). */
static int by_key(const void *a, const void *b)
{
    const yml_node *x = (*(const yml_node *const *)a);
    const yml_node *y = (*(const yml_node *const *)b);
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * Hashes the canonical form of node n: what the YAML means, not how it is
 * written. Comments, blank lines, indentation, flow or block style, quote
 * style and the order of a mapping's keys leave it unchanged; any scalar
 * value, a sequence's order, or a string becoming a plain scalar change it.
 * Returns 0, or -1 when out of memory.
 */
static int hash_node(sha256_ctx *h, const yml_node *n)
{
    if (n->kind == YML_SCALAR) {
        hash_scalar(h, n);
        return 0;
    }
    sha256_update(h, n->kind == YML_MAP ? "M" : "L", 1);
    hash_len(h, n->n);
    if (n->kind == YML_SEQ) {
        for (size_t i = 0; i < n->n; i++)
            if (hash_node(h, n->items[i]) != 0)
                return -1;
        return 0;
    }
    /* Pairs in key order: an index sorted through the keys. */
    const yml_node **keys = malloc((n->n ? n->n : 1) * sizeof *keys);
    if (!keys)
        return -1;
    for (size_t i = 0; i < n->n; i++)
        keys[i] = n->keys[i];
    qsort(keys, n->n, sizeof *keys, by_key);
    int rc = 0;
    for (size_t i = 0; i < n->n && rc == 0; i++) {
        size_t at = 0;
        while (n->keys[at] != keys[i])
            at++;
        hash_scalar(h, keys[i]);
        rc = hash_node(h, n->items[at]);
    }
    free(keys);
    return rc;
}

/* wf->sha256: the canonical form of the YAML, then the hooks file as it is. */
static int hash_definition(workflow *wf, const yml_node *root)
{
    sha256_ctx h;
    uint8_t digest[32];
    if (sha256_init(&h) != 0)
        return -1;
    sha256_update(&h, "cairn definition 1", 19); /* names the form, with its NUL */
    if (hash_node(&h, root) != 0) {
        sha256_cleanup(&h);
        return -1;
    }
    hash_len(&h, wf->hooks_source ? wf->hooks_len : 0);
    if (wf->hooks_source)
        sha256_update(&h, wf->hooks_source, wf->hooks_len);
    if (sha256_final(&h, digest) != 0)
        return -1;
    sha256_hex(digest, wf->sha256);
    return 0;
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
    if (hash_definition(wf, root) != 0)
        diag_report(d, DIAG_ERROR, DIAG_E_IO, path, (pos){1, 1},
                    "out of memory while hashing the definition");
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
