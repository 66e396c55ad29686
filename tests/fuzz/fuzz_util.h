/*
 * fuzz_util.h — what the fuzz targets share: a private temp folder, whole
 * files in and out, a fresh store holding the fzpay workflow, and the ids
 * of the callbacks an execution is waiting on.
 *
 * Anything unexpected in the harness itself (not in the code under test)
 * aborts: a harness that silently does nothing would fuzz nothing.
 */
#ifndef CAIRN_FUZZ_UTIL_H
#define CAIRN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The workflows a fuzz store holds: fzpay, and fzfan (fan-out, for fuzz_journal). */
extern const cairn_workflow *const fz_workflows[];
extern const size_t fz_nworkflows;

/* A folder of this process's own, removed at exit with what fz_path named. */
const char *fz_dir(void);
/* fz_dir()/name in a static buffer of the caller's (len >= 4096). */
void fz_path(const char *name, char *buf, size_t len);

/* Writes data to path (truncating). Reads path whole (caller frees). Abort on error. */
void fz_write_file(const char *path, const void *data, size_t n);
uint8_t *fz_read_file(const char *path, size_t *n);

/* Removes a store and its -wal / -shm files. */
void fz_remove_store(const char *path);

/* Opens the store at path with fz_workflows; aborts when it cannot. */
engine *fz_open(const char *path);

/*
 * Starts fzpay with input JSON text and invokes it once. Returns the
 * execution id (caller frees), or NULL when the start was refused.
 */
char *fz_start(engine *e, const char *input);

/* The id of the callback execution id waits on (caller frees), or NULL. */
char *fz_open_callback(engine *e, const char *id);

#endif
