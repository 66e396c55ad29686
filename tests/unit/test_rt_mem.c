/*
 * test_rt_mem.c — cJSON's process-global hooks are the host's: libcairn
 * leaves them alone unless the host calls cairn_set_cjson_hooks().
 *
 * Both ways, in this order (the hooks are process-global, so the opt-in
 * comes last):
 *   - a host with its own cJSON hooks (a tagging allocator: each block
 *     carries a mark that its free checks and clears) opens an engine and
 *     drives a workflow with a Lua step, a C step and a wait to its end,
 *     and reads its status and history: its hooks are still in place
 *     afterwards, every block they gave was freed by them (none leaked, none
 *     freed by libcairn's allocator, which would abort on the tagged
 *     pointer) and they never freed a block that was not theirs; the same
 *     through the host's commands (cairn_host_main: run, status, history and
 *     list, as tables and as JSON), which print what cJSON prints;
 *   - after cairn_set_cjson_hooks(), cJSON allocates through libcairn's
 *     allocator (here one set with mem_set_allocator that counts and fails
 *     on demand), and a failure inside cJSON counts as the runtime's
 *     (mem_failures()), so it is reported as out of memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "mem.h"

#include "fixtures/basic.c"
#include "fixtures/basic_charge.c"

static const cairn_workflow *const workflows[] = {&basic_workflow};

#include "engine_fixture.h"

/* ---- the host's tagging allocator --------------------------------------- */

#define TAG 0x7461676765644a53ull /* "SJdeggat" */

typedef union {
    unsigned long long tag;
    max_align_t align;
} header;

static long tagged_live;   /* blocks given and not yet freed */
static long tagged_given;  /* blocks given in all */
static long foreign_frees; /* frees of a block without the tag */

static void *tagged_malloc(size_t n)
{
    header *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->tag = TAG;
    tagged_live++;
    tagged_given++;
    return h + 1;
}

static void tagged_free(void *p)
{
    if (!p)
        return;
    header *h = (header *)p - 1;
    if (h->tag != TAG) { /* not ours: do not touch it (it leaks; the count fails the test) */
        foreign_frees++;
        return;
    }
    h->tag = 0;
    tagged_live--;
    free(h);
}

/* ---- tests --------------------------------------------------------------- */

static void test_host_hooks_are_left_alone(void **state)
{
    (void)state;
    cJSON_Hooks hooks = {.malloc_fn = tagged_malloc, .free_fn = tagged_free};
    cJSON_InitHooks(&hooks);

    fixture *f = fixture_open("/tmp/cairn-test-mem", workflows, 1);
    char *id = start(f, "basic", "{\"amount\":50}");
    engine_set_skip_time(f->e, 1);
    drive(f, id);
    assert_status(f, id, "SUCCEEDED");
    cJSON *h = history(f, id);
    assert_int_equal(cJSON_GetArraySize(get(h, "operations")), 4);
    cJSON_Delete(h);
    mem_free(id);
    void *fs = f;
    fixture_teardown(&fs);
    assert_true(basic_charge_calls > 0);

    long given = tagged_given;
    assert_true(given > 100); /* the engine's JSON went through the host's hooks */
    cJSON *o = cJSON_CreateObject();
    assert_int_equal(tagged_given, given + 1); /* still the host's hooks */
    cJSON_Delete(o);
    assert_int_equal(tagged_live, 0);
    assert_int_equal(foreign_frees, 0);
    cJSON_InitHooks(NULL);
}

/* cairn_host_main(ARGS..., NULL) on the basic workflow; returns its exit code. */
static int host(const char *arg, ...)
{
    char *argv[16] = {"host", (char *)arg};
    int argc = 2;
    va_list ap;
    va_start(ap, arg);
    for (char *a; argc < 15 && (a = va_arg(ap, char *));)
        argv[argc++] = a;
    va_end(ap);
    fflush(stdout);
    return cairn_host_main(argc, argv, workflows, 1);
}

static void test_host_commands_with_host_hooks(void **state)
{
    (void)state;
    char db[] = "/tmp/cairn-test-mem-host-XXXXXX";
    int fd = mkstemp(db);
    assert_true(fd >= 0);
    close(fd);
    unlink(db);
    cJSON_Hooks hooks = {.malloc_fn = tagged_malloc, .free_fn = tagged_free};
    cJSON_InitHooks(&hooks);
    long given = tagged_given;
    assert_int_equal(host("run", "basic", "--input", "{\"amount\":5}", "--name", "k", "--skip-time",
                          "--db", db, NULL),
                     0);
    assert_int_equal(host("run", "basic", "--input", "{\"amount\":5}", "--name", "k", "--skip-time",
                          "--json", "--db", db, NULL),
                     0);
    assert_int_equal(host("list", "--db", db, NULL), 0);
    assert_int_equal(host("list", "--json", "--db", db, NULL), 0);

    engine *e;
    cairn_error err;
    err_init(&err);
    assert_int_equal(engine_open(&e, db, workflows, 1, &err), CAIRN_OK);
    char *id = NULL;
    int created = -1;
    assert_int_equal(engine_start(e, "basic", "{\"amount\":5}", "k", &id, &created, &err),
                     CAIRN_OK);
    assert_int_equal(created, 0);
    engine_close(e);
    err_cleanup(&err);
    assert_int_equal(host("status", id, "--db", db, NULL), 0);
    assert_int_equal(host("status", id, "--json", "--db", db, NULL), 0);
    assert_int_equal(host("history", id, "--db", db, NULL), 0);
    assert_int_equal(host("history", id, "--json", "--db", db, NULL), 0);
    mem_free(id);

    assert_true(tagged_given > given + 100);
    assert_int_equal(tagged_live, 0);
    assert_int_equal(foreign_frees, 0);
    cJSON_InitHooks(NULL);
    char buf[64];
    unlink(db);
    snprintf(buf, sizeof buf, "%s-wal", db);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", db);
    unlink(buf);
}

/* libcairn's allocator, set with mem_set_allocator: counts, and fails when told. */
static long rt_calls;
static int rt_failing;

static void *rt_malloc(size_t n)
{
    rt_calls++;
    return rt_failing ? NULL : malloc(n);
}

static void *rt_realloc(void *p, size_t n)
{
    rt_calls++;
    return rt_failing ? NULL : realloc(p, n);
}

static void test_opt_in_points_cjson_at_the_runtime(void **state)
{
    (void)state;
    mem_set_allocator(rt_malloc, rt_realloc, free);
    cairn_set_cjson_hooks();
    long given = tagged_given, calls = rt_calls;
    cJSON *o = cJSON_CreateObject();
    assert_non_null(o);
    assert_int_equal(rt_calls, calls + 1); /* through libcairn's allocator */
    cJSON_Delete(o);

    long failed = mem_failures();
    rt_failing = 1;
    assert_null(cJSON_Parse("{\"a\":[1,2,3]}"));
    rt_failing = 0;
    assert_true(mem_failures() > failed); /* counted as the runtime's failure */
    assert_int_equal(tagged_given, given);
    cJSON_InitHooks(NULL);
    mem_set_allocator(NULL, NULL, NULL);
}

/* mem_grow: doubles from 8 (or to what is needed), keeps what it holds, and
 * out of memory or past SIZE_MAX leaves the array as it was. */
static void test_grow(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = mem_grow(NULL, &cap, 1, sizeof *v);
    assert_non_null(v);
    assert_int_equal(cap, 8);
    for (int i = 0; i < 8; i++)
        v[i] = i;
    assert_ptr_equal(mem_grow(v, &cap, 8, sizeof *v), v); /* room already */
    int *w = mem_grow(v, &cap, 9, sizeof *w);
    assert_non_null(w);
    assert_int_equal(cap, 16);
    assert_int_equal(w[7], 7);
    v = mem_grow(w, &cap, 100, sizeof *v);
    assert_non_null(v);
    assert_int_equal(cap, 100);
    assert_int_equal(v[3], 3);
    assert_null(mem_grow(v, &cap, (size_t)-1 / 2, sizeof *v)); /* too large to ask */
    assert_int_equal(cap, 100);
    mem_set_allocator(rt_malloc, rt_realloc, free);
    rt_failing = 1;
    assert_null(mem_grow(v, &cap, 101, sizeof *v));
    rt_failing = 0;
    mem_set_allocator(NULL, NULL, NULL);
    assert_int_equal(cap, 100);
    assert_int_equal(v[3], 3); /* unchanged */
    mem_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_host_hooks_are_left_alone),
        cmocka_unit_test(test_host_commands_with_host_hooks),
        cmocka_unit_test(test_opt_in_points_cjson_at_the_runtime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
