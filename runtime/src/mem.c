/*
 * mem.c — the runtime's one allocator (see mem.h): three function pointers,
 * libc's by default, every mem_* call routed through them; cJSON's hooks
 * pointed at them when the host asks (cairn_set_cjson_hooks); in the test
 * build only, a count of the allocations made and a switch that makes the
 * n-th one fail.
 *
 * Owns: the allocator pointers, this thread's count of failed allocations,
 * and in the test build the allocation count and the fail-at number. Never:
 * allocates, frees or fails anything on its own account; touches cJSON's
 * hooks unless the host calls cairn_set_cjson_hooks(); in the shipped
 * libraries (no CAIRN_TEST_HOOKS) counts allocations or fails one on purpose.
 * In the test build the switch does nothing unless a test calls
 * mem_fail_at(), and then fails exactly one allocation.
 */
#include "mem.h"

#include "cairn/cairn.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static void *(*malloc_fn)(size_t) = malloc;
static void *(*realloc_fn)(void *, size_t) = realloc;
static void (*free_fn)(void *) = free;

static _Thread_local long failed_here;

#ifdef CAIRN_TEST_HOOKS
static atomic_long counted; /* allocations since mem_fail_at() */
static atomic_long fail_at; /* the one that fails (1-based); 0: none */

/* 1 when this allocation must fail (and counts it). */
static int injected(void)
{
    long n = atomic_fetch_add(&counted, 1) + 1;
    return n == atomic_load(&fail_at);
}
#else
#define injected() 0 /* the shipped runtime fails only when the allocator does */
#endif

static void *failed(void)
{
    failed_here++;
    return NULL;
}

void *mem_malloc(size_t n)
{
    if (injected())
        return failed();
    void *p = malloc_fn(n ? n : 1);
    return p ? p : failed();
}

void *mem_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return failed();
    size_t n = count * size;
    void *p = mem_malloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    if (injected())
        return failed();
    void *q = realloc_fn(p, n ? n : 1);
    return q ? q : failed();
}

void mem_free(void *p)
{
    if (p)
        free_fn(p);
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mem_malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void *mem_grow(void *v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return v;
    size_t n = *cap ? 2 * *cap : 8;
    if (n < need)
        n = need;
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = mem_realloc(v, n * size);
    if (p)
        *cap = n;
    return p;
}

void cairn_set_cjson_hooks(void)
{
    cJSON_Hooks hooks = {.malloc_fn = mem_malloc, .free_fn = mem_free};
    cJSON_InitHooks(&hooks);
}

void mem_set_allocator(void *(*m)(size_t), void *(*r)(void *, size_t), void (*f)(void *))
{
    int custom = m && r && f;
    malloc_fn = custom ? m : malloc;
    realloc_fn = custom ? r : realloc;
    free_fn = custom ? f : free;
}

long mem_failures(void)
{
    return failed_here;
}

#ifdef CAIRN_TEST_HOOKS
void mem_fail_at(long n)
{
    atomic_store(&fail_at, 0);
    atomic_store(&counted, 0);
    atomic_store(&fail_at, n > 0 ? n : 0);
}

long mem_allocations(void)
{
    return atomic_load(&counted);
}
#endif
