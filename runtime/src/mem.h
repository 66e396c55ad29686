/*
 * mem.h — the runtime's one allocator. Every heap block of libcairn (and of
 * cJSON, whose hooks point here) comes from mem_malloc/mem_calloc/
 * mem_realloc/mem_strdup and goes back through mem_free, so that a test can
 * make any single allocation fail (curl's torture mode) and check that the
 * runtime reports it instead of crashing, leaking or carrying on wrongly.
 * SQLite keeps its own allocator.
 */
#ifndef CAIRN_MEM_H
#define CAIRN_MEM_H

#include <stddef.h>

/* As the libc functions of the same names (NULL on failure; free(NULL) is a no-op). */
void *mem_malloc(size_t n);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);
/* A copy of s (caller frees with mem_free), or NULL; s must not be NULL. */
char *mem_strdup(const char *s);
/* A copy of at most n bytes of s, always NUL-terminated (caller frees), or NULL. */
char *mem_strndup(const char *s, size_t n);

/*
 * Points cJSON's hooks at mem_malloc/mem_free (process-global; idempotent and
 * thread-safe). Called wherever the runtime starts using cJSON: engine_open,
 * the host and the tools' entry points. Everything cJSON allocates before the
 * first call came from libc's malloc, and the default allocator is libc's, so
 * the pairing holds either way.
 */
void mem_init(void);

/*
 * Replaces the allocator (all three, or NULL for libc's). Only before the
 * runtime allocates anything: a block must go back to the allocator it came
 * from. realloc_fn must accept NULL as malloc does.
 */
void mem_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
                       void (*free_fn)(void *));

/* ---- test-only: the fault switch (inert unless a test calls it) --------- */

/*
 * Makes the n-th allocation from now fail (1: the next one), once; n <= 0
 * turns failing off. Restarts mem_allocations()'s count.
 */
void mem_fail_at(long n);
/* Allocations (successful or not) since the last mem_fail_at(). */
long mem_allocations(void);
/* Allocations that failed on this thread since it started (any cause). */
long mem_failures(void);

#endif
