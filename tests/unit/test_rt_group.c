/*
 * test_rt_group.c — group commit (group.c) and the worker's pool (pool.c):
 * appends of several invocations share one transaction, each all or nothing
 * (one that conflicts is undone alone, the others commit); an append
 * returns only after the commit holding it; a pool of threads runs many
 * executions to the end with fewer commits than appends.
 */
#include <pthread.h>
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
#include "group.h"
#include "journal.h"
#include "pool.h"
#include "store.h"

#include "fixtures/group.c"

int group_add(cairn_call *call, const cJSON *args)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(args, "n");
    return cairn_call_return(call, cJSON_CreateNumber(cJSON_IsNumber(n) ? n->valuedouble + 1 : 1));
}

static const cairn_workflow *const all_workflows[] = {&group_workflow};

#include "engine_fixture.h"

static int setup(void **state)
{
    *state = fixture_open("/tmp/cairn-test-group", all_workflows, 1);
    return 0;
}

/* One appender: a journal over execution exec, appending u. */
typedef struct appender {
    group *g;
    journal_sqlite js;
    journal_update u;
    cairn_error err;
    int rc;
} appender;

static void *append_main(void *arg)
{
    appender *a = arg;
    a->rc = group_append(a->g, &a->js, &a->u, 1, NULL, &a->err);
    return NULL;
}

/* The first update of op "1" of x: its START (expect_status NONE), or, with
 * bad set, a SUCCEED that expects a started row which does not exist. */
static void prepare(appender *a, group *g, store *st, const store_exec *x, int bad)
{
    memset(a, 0, sizeof *a);
    a->g = g;
    err_init(&a->err);
    journal_sqlite_init(&a->js, st, x, "test-owner", 60000, INT64_MAX / 2);
    a->u.action = bad ? JOURNAL_SUCCEED : JOURNAL_START;
    a->u.op = (store_op){.id = "1",
                         .name = "one",
                         .type = STORE_OP_STEP,
                         .status = bad ? STORE_SUCCEEDED : STORE_STARTED,
                         .attempt = 1,
                         .result = bad ? "1" : NULL,
                         .started_at = 1000,
                         .ended_at = bad ? 1001 : STORE_NO_TIME,
                         .next_attempt_at = STORE_NO_TIME,
                         .timeout_at = STORE_NO_TIME,
                         .heartbeat_at = STORE_NO_TIME};
    a->u.expect_status = bad ? STORE_STARTED : STORE_NONE;
    a->u.expect_attempt = bad ? 1 : 0;
}

/* Two appends in one commit: the conflicting one is undone alone. */
static void test_one_commit_one_conflict(void **state)
{
    fixture *f = *state;
    char *ids[2] = {start(f, "group", "{\"n\":1}"), start(f, "group", "{\"n\":2}")};
    store *st;
    assert_int_equal(store_open(&st, f->path, &f->err), CAIRN_OK);
    store_exec x[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(store_exec_get(st, ids[i], &x[i], &f->err), CAIRN_OK);
    group *g;
    /* A long window: the leader must wait for the second appender, not time out. */
    assert_int_equal(group_open(&g, f->path, 10 * 1000 * 1000, &f->err), CAIRN_OK);
    group_enter(g);
    group_enter(g);
    appender a[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        prepare(&a[i], g, st, &x[i], i == 1);
        assert_int_equal(pthread_create(&t[i], NULL, append_main, &a[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    group_leave(g);
    group_leave(g);
    uint64_t commits, appends;
    group_stats(g, &commits, &appends);
    assert_int_equal(commits, 1);
    assert_int_equal(appends, 2);
    assert_int_equal(a[0].rc, CAIRN_OK);
    assert_int_equal(a[1].rc, CAIRN_ERR_CONFLICT);
    /* The first is durable and visible to another connection; the second wrote nothing. */
    store_op o;
    assert_int_equal(store_op_get(st, ids[0], "1", &o, &f->err), CAIRN_OK);
    assert_int_equal(o.status, STORE_STARTED);
    store_op_cleanup(&o);
    assert_int_equal(store_op_get(st, ids[1], "1", &o, &f->err), CAIRN_ERR_NOT_FOUND);
    err_cleanup(&f->err);
    for (int i = 0; i < 2; i++) {
        journal_sqlite_cleanup(&a[i].js);
        err_cleanup(&a[i].err);
        store_exec_cleanup(&x[i]);
        free(ids[i]);
    }
    group_close(g);
    store_close(st);
}

/* A lone appender does not wait out the window: it commits at once. */
static void test_lone_append_commits_at_once(void **state)
{
    fixture *f = *state;
    char *id = start(f, "group", "{\"n\":1}");
    store *st;
    assert_int_equal(store_open(&st, f->path, &f->err), CAIRN_OK);
    store_exec x;
    assert_int_equal(store_exec_get(st, id, &x, &f->err), CAIRN_OK);
    group *g;
    /* An hour's window: the test would hang if the leader waited for it. */
    assert_int_equal(group_open(&g, f->path, INT64_C(3600) * 1000 * 1000, &f->err), CAIRN_OK);
    group_enter(g);
    appender a;
    prepare(&a, g, st, &x, 0);
    append_main(&a);
    group_leave(g);
    assert_int_equal(a.rc, CAIRN_OK);
    journal_sqlite_cleanup(&a.js);
    err_cleanup(&a.err);
    store_exec_cleanup(&x);
    group_close(g);
    store_close(st);
    free(id);
}

/* A pool of 8 runs 64 executions to the end, with fewer commits than appends. */
static void test_pool_runs_many(void **state)
{
    fixture *f = *state;
    enum { N = 64 };
    char *ids[N];
    for (int i = 0; i < N; i++) {
        char in[32];
        snprintf(in, sizeof in, "{\"n\":%d}", i);
        ids[i] = start(f, "group", in);
    }
    pool *p;
    assert_int_equal(pool_open(&p, f->e, 8, 2000, &f->err), CAIRN_OK);
    assert_int_equal(pool_threads(p), 0); /* none until there is work */
    int next = 0, done = 0;
    while (done < N) {
        while (next < N && pool_has_room(p))
            assert_int_equal(pool_start(p, strdup(ids[next++]), &f->err), CAIRN_OK);
        char *id;
        int rc;
        cairn_error err;
        if (pool_finished(p, 1000, &id, &rc, &err)) {
            if (rc != CAIRN_OK)
                fail_msg("invocation of %s: %s", id, err.message);
            err_cleanup(&err);
            free(id);
            done++;
        }
    }
    uint64_t commits, appends;
    pool_stats(p, &commits, &appends);
    assert_in_range(pool_threads(p), 1, 8);
    pool_close(p);
    print_message("%d executions: %llu appends in %llu commits\n", N,
                  (unsigned long long)appends, (unsigned long long)commits);
    /* Each execution appends at least once (its end); commits were shared. */
    assert_true(appends >= N);
    assert_true(commits < appends);
    for (int i = 0; i < N; i++) {
        cJSON *s = status(f, ids[i]);
        assert_string_equal(str(s, "status"), "SUCCEEDED");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(s, "result")->valueint, i + 3);
        cJSON_Delete(s);
        free(ids[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_commit_one_conflict, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lone_append_commits_at_once, setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pool_runs_many, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
