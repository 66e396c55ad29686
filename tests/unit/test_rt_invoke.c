/*
 * test_rt_invoke.c — `invoke` (op_invoke.c, the child start in
 * journal_sqlite.c, the parent's wake-up, engine_drive over children): the
 * child's id is derived, so a second invocation of the caller finds the
 * child it started; a child that ends makes its caller due in the same
 * transaction; the caller takes the child's result; a target the engine
 * does not hold, or an input the child's schema refuses, is Invoke.Failed
 * with the cause as data; engine_drive with skip-time runs caller and child
 * to the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "replay.h"
#include "rfc3339.h"
#include "store.h"

#include "fixtures/invchild.c"
#include "fixtures/invparent.c"

static const cairn_workflow *const both[] = {&invparent_workflow, &invchild_workflow};
static const cairn_workflow *const parent_only[] = {&invparent_workflow};

#include "engine_fixture.h"

static int setup(void **state)
{
    *state = fixture_open("/tmp/cairn-test-invoke", both, 2);
    return 0;
}

static int setup_parent_only(void **state)
{
    *state = fixture_open("/tmp/cairn-test-invoke", parent_only, 1);
    return 0;
}

/* The executions whose parent is id: how many, and the first one's id (caller frees). */
static size_t children(fixture *f, const char *id, char **first)
{
    int rc;
    cJSON *l = engine_list_json(f->e, &rc, &f->err);
    assert_non_null(l);
    size_t n = 0;
    *first = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, l)
    {
        const cJSON *p = get(e, "parent");
        if (!cJSON_IsObject(p) || strcmp(str(p, "id"), id) != 0)
            continue;
        assert_string_equal(str(p, "operation_id"), "1");
        if (!n++)
            *first = strdup(str(e, "id"));
    }
    cJSON_Delete(l);
    return n;
}

static void test_child_id_is_derived(void **state)
{
    (void)state;
    char a[IDS_CHILD_LEN + 1], b[IDS_CHILD_LEN + 1], c[IDS_CHILD_LEN + 1], d[IDS_CHILD_LEN + 1];
    op_invoke_child_id("exec-1", "3", a, sizeof a);
    op_invoke_child_id("exec-1", "3", b, sizeof b);
    op_invoke_child_id("exec-1", "3-1", c, sizeof c);
    op_invoke_child_id("exec-13", "", d, sizeof d); /* not the same bytes run together */
    assert_int_equal(strlen(a), IDS_CHILD_LEN);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    for (const char *p = a; *p; p++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    char small[8];
    op_invoke_child_id("exec-1", "3", small, sizeof small);
    assert_int_equal(strlen(small), 7);
    assert_memory_equal(small, a, 7);
}

static void test_child_started_once_and_wakes_its_caller(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "invparent", "{\"n\": 7}");
    invoke(f, id);
    assert_status(f, id, "PENDING");
    cJSON *op = operation(f, id, "1");
    assert_string_equal(str(op, "type"), "CHAINED_INVOKE");
    assert_string_equal(str(op, "sub_type"), "ChainedInvoke");
    assert_string_equal(str(op, "status"), "STARTED");
    int64_t started = time_of(op, "started_at");
    assert_int_equal(time_of(op, "timeout_at"), started + 2 * 3600 * 1000);
    cJSON_Delete(op);
    cJSON *s = status(f, id);
    assert_int_equal(time_of(s, "wake_at"), started + 2 * 3600 * 1000); /* the timeout */
    cJSON_Delete(s);

    char *child;
    assert_int_equal(children(f, id, &child), 1);
    char want[IDS_CHILD_LEN + 1];
    op_invoke_child_id(id, "1", want, sizeof want);
    assert_string_equal(child, want);
    s = status(f, child);
    assert_string_equal(str(s, "status"), "RUNNING");
    assert_string_equal(str(s, "workflow"), "invchild");
    assert_int_equal(cJSON_GetObjectItem(get(s, "input"), "n")->valueint, 7);
    cJSON_Delete(s);

    /* invoked again before the child ends: it waits on the same child */
    invoke(f, id);
    free(child);
    assert_int_equal(children(f, id, &child), 1);
    assert_status(f, id, "PENDING");

    /* the child runs, waits 1h, ends: its caller is due at the child's end */
    invoke(f, child);
    assert_status(f, child, "PENDING");
    engine_advance_clock(f->e, engine_now(f->e) + 3600 * 1000);
    invoke(f, child);
    s = status(f, child);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    int64_t ended = time_of(s, "ended_at");
    cJSON_Delete(s);
    s = status(f, id);
    assert_int_equal(time_of(s, "wake_at"), ended);
    cJSON_Delete(s);

    invoke(f, id);
    s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_int_equal(cJSON_GetObjectItem(get(s, "result"), "n")->valueint, 7);
    cJSON_Delete(s);
    free(child);
    free(id);
}

static void test_drive_runs_the_child_too(void **state)
{
    fixture *f = *state;
    engine_set_skip_time(f->e, 1);
    char *id = start(f, "invparent", "{\"n\": 2}");
    drive(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "SUCCEEDED");
    assert_int_equal(cJSON_GetObjectItem(get(s, "result"), "n")->valueint, 2);
    cJSON_Delete(s);
    char *child;
    assert_int_equal(children(f, id, &child), 1);
    assert_status(f, child, "SUCCEEDED");
    free(child);
    free(id);
}

static void test_input_refused_by_the_child_schema(void **state)
{
    fixture *f = *state;
    char *id = start(f, "invparent", "{\"n\": \"seven\"}");
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "FAILED");
    const cJSON *e = get(s, "error");
    assert_string_equal(str(e, "type"), "Invoke.Failed");
    assert_string_equal(str(get(e, "data"), "type"), "Input.Invalid");
    cJSON_Delete(s);
    char *child;
    assert_int_equal(children(f, id, &child), 0);
    free(id);
}

static void test_target_not_held(void **state)
{
    fixture *f = *state;
    char *id = start(f, "invparent", "{\"n\": 1}");
    invoke(f, id);
    cJSON *s = status(f, id);
    assert_string_equal(str(s, "status"), "FAILED");
    const cJSON *e = get(s, "error");
    assert_string_equal(str(e, "type"), "Invoke.Failed");
    assert_non_null(strstr(str(e, "message"), "'invchild' is not linked"));
    assert_string_equal(str(get(e, "data"), "type"), "Workflow.NotFound");
    cJSON_Delete(s);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_child_id_is_derived),
        cmocka_unit_test_setup_teardown(test_child_started_once_and_wakes_its_caller, setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_drive_runs_the_child_too, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_input_refused_by_the_child_schema, setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_target_not_held, setup_parent_only, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
