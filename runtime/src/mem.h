/*
 * mem.h — the runtime's one allocator. Every heap block of libcairn comes
 * from mem_malloc/mem_calloc/mem_realloc/mem_strdup and goes back through
 * mem_free. cJSON's blocks come from cJSON's process-global hooks, which
 * libcairn leaves as the host set them (libc's by default) unless the host
 * calls cairn_set_cjson_hooks(), which points them here too. In the test
 * build (CAIRN_TEST_HOOKS) a switch makes any single allocation fail (curl's
 * torture mode), so that a test can check that the runtime reports it
 * instead of crashing, leaking or carrying on wrongly. SQLite keeps its own
 * allocator.
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
 * Room for `need` elements of `size` bytes in array v of capacity *cap: v
 * itself when it has it, else v moved to a block of twice its capacity (at
 * least 8 and need; *cap updated). NULL out of memory, v unchanged.
 */
void *mem_grow(void *v, size_t *cap, size_t need, size_t size);

/*
 * Replaces the allocator (all three, or NULL for libc's). Only before the
 * runtime allocates anything: a block must go back to the allocator it came
 * from. realloc_fn must accept NULL as malloc does.
 */
void mem_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
                       void (*free_fn)(void *));

/*
 * Allocations that failed on this thread since it started (any cause): how
 * the runtime tells "out of memory" from "bad data" after a call that can
 * fail either way. It sees cJSON's failures only when cJSON's hooks point
 * here (cairn_set_cjson_hooks()); otherwise an allocation failing inside
 * cJSON looks like whatever cJSON returns for it (NULL, "not JSON").
 */
long mem_failures(void);

/* ---- test build only (CAIRN_TEST_HOOKS): the fault switch --------------- */

#ifdef CAIRN_TEST_HOOKS
/*
 * Makes the n-th allocation from now fail (1: the next one), once; n <= 0
 * turns failing off. Restarts mem_allocations()'s count.
 */
void mem_fail_at(long n);
/* Allocations (successful or not) since the last mem_fail_at(). */
long mem_allocations(void);
#endif

#endif
