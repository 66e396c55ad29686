/*
 * fuzz_util.c — the fuzz targets' shared harness (fuzz_util.h).
 *
 * Owns: the temp folder (made once, emptied and removed at exit).
 * Never: hides a harness failure; it aborts instead, so a fuzzer that
 * cannot set itself up stops at once.
 */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fzfan.h"
#include "fzpay.h"

const cairn_workflow *const fz_workflows[] = {&fzpay_workflow, &fzfan_workflow};
const size_t fz_nworkflows = 2;

static char dir[4096];

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *ent;
        char p[4096 + 256];
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, ent->d_name);
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

const char *fz_dir(void)
{
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
            base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/cairn-fuzz-XXXXXX", base);
        if (!mkdtemp(dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_dir);
    }
    return dir;
}

void fz_path(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", fz_dir(), name);
}

void fz_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

uint8_t *fz_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        perror(path);
        abort();
    }
    long size = ftell(f);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    if (size < 0 || !buf || fseek(f, 0, SEEK_SET) != 0 ||
        fread(buf, 1, (size_t)size, f) != (size_t)size) {
        perror(path);
        abort();
    }
    fclose(f);
    *n = (size_t)size;
    return buf;
}

void fz_remove_store(const char *path)
{
    char p[4200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
}

engine *fz_open(const char *path)
{
    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    if (engine_open(&e, path, fz_workflows, fz_nworkflows, &err) != CAIRN_OK) {
        fprintf(stderr, "fuzz: cannot open %s: %s\n", path, err.message ? err.message : "?");
        abort();
    }
    err_cleanup(&err);
    return e;
}

char *fz_start(engine *e, const char *input)
{
    char *id = NULL;
    int created = 0;
    cairn_error err;
    err_init(&err);
    if (engine_start(e, "fzpay", input, NULL, &id, &created, &err) == CAIRN_OK) {
        err_cleanup(&err);
        engine_invoke(e, id, &err);
    }
    err_cleanup(&err);
    return id;
}

char *fz_open_callback(engine *e, const char *id)
{
    int rc = 0;
    char *found = NULL;
    cairn_error err;
    err_init(&err);
    cJSON *h = engine_history_json(e, id, &rc, &err);
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(h, "operations"))
    {
        const cJSON *cb = cJSON_GetObjectItemCaseSensitive(op, "callback_id");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(op, "status");
        if (cJSON_IsString(cb) && cJSON_IsString(st) && !strcmp(st->valuestring, "STARTED")) {
            free(found);
            found = strdup(cb->valuestring);
        }
    }
    cJSON_Delete(h);
    err_cleanup(&err);
    return found;
}
