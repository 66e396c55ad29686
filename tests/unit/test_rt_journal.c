/*
 * test_rt_journal.c — the journal backend interface (journal.h): the replay
 * engine runs whole executions on a second, in-memory backend, with no store
 * and no engine object: only the interface and a clock. It proves that
 * replay and checkpoints go through load, append and refresh alone; that
 * updates carry AWS's actions (START, SUCCEED, FAIL, RETRY, CANCEL); that a
 * step's result is held and appended with what follows it as one unit; that
 * an append which does not find the row it expects changes nothing and stops
 * the invocation; and that refresh is how the engine learns what completed
 * outside (a callback resolved after the journal was loaded).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "engine.h"
#include "rfc3339.h"
#include "journal.h"
#include "replay.h"

#include "fixtures/cbt.c"
#include "fixtures/callbacks_hooks.c"
#include "fixtures/flaky.c"
#include "fixtures/hooks.c"
#include "fixtures/waits.c"

/* ---- the in-memory backend ---------------------------------------------- */

#define MAX_OPS 32
#define MAX_LOG 64

/* One append as the backend received it. */
typedef struct logged {
    size_t first, n; /* its updates: log[first .. first+n) */
    int has_end;
    store_status end_status;
} logged;

typedef struct mem_journal {
    journal j;
    store_exec exec;
    store_op ops[MAX_OPS]; /* the journal now; strings in strs */
    size_t nops;
    store_op snap[MAX_OPS]; /* what the last load lent */
    char *strs[1024];       /* every string it keeps, freed at the end */
    size_t nstrs;
    /* What arrived, in order. */
    journal_update log[MAX_LOG];
    size_t nlog;
    logged appends[MAX_LOG];
    size_t nappends;
    int loads, refreshes;
    /* Set by a test: a callback result that completes op resolve_id outside,
     * seen by the next refresh (as Lambda's NewExecutionState brings it). */
    const char *resolve_id, *resolve_result;
    /* Set by a test: the next append finds its first operation moved on (its
     * attempt bumped), as if another invocation wrote it since the load. */
    int moved_meanwhile;
} mem_journal;

static const char *keep(mem_journal *m, const char *s)
{
    if (!s)
        return NULL;
    assert_true(m->nstrs < sizeof m->strs / sizeof m->strs[0]);
    char *c = strdup(s);
    assert_non_null(c);
    m->strs[m->nstrs++] = c;
    return c;
}

static void keep_op(mem_journal *m, store_op *dst, const store_op *src)
{
    *dst = *src;
    dst->mem = NULL;
    dst->id = keep(m, src->id);
    dst->parent_id = keep(m, src->parent_id);
    dst->name = keep(m, src->name);
    dst->sub_type = keep(m, src->sub_type);
    dst->result = keep(m, src->result);
    dst->error = keep(m, src->error);
    dst->callback_id = keep(m, src->callback_id);
}

static store_op *find(mem_journal *m, const char *id)
{
    for (size_t i = 0; i < m->nops; i++)
        if (strcmp(m->ops[i].id, id) == 0)
            return &m->ops[i];
    return NULL;
}

static int mem_load(journal *j, const store_exec **exec, const store_op **ops, size_t *n,
                    cairn_error *err)
{
    (void)err;
    mem_journal *m = (mem_journal *)j;
    m->loads++;
    memcpy(m->snap, m->ops, m->nops * sizeof *m->ops); /* a snapshot: appends do not move it */
    *exec = &m->exec;
    *ops = m->snap;
    *n = m->nops;
    return CAIRN_OK;
}

static int mem_append(journal *j, const journal_update *u, size_t n, const journal_end *end,
                      cairn_error *err)
{
    mem_journal *m = (mem_journal *)j;
    if (store_status_ended(m->exec.status))
        return err_set(err, "Execution.Conflict", "ended"), CAIRN_ERR_CONFLICT;
    if (m->moved_meanwhile && n > 0 && find(m, u[0].op.id)) {
        m->moved_meanwhile = 0;
        find(m, u[0].op.id)->attempt++;
    }
    for (size_t i = 0; i < n; i++) { /* all or nothing: check every update first */
        const store_op *now = find(m, u[i].op.id);
        int fits = u[i].expect_status == STORE_NONE ? now == NULL
                                                    : now && now->status == u[i].expect_status &&
                                                          now->attempt == u[i].expect_attempt;
        if (!fits) {
            err_set(err, "Execution.Conflict", "operation %s changed meanwhile", u[i].op.id);
            return CAIRN_ERR_CONFLICT;
        }
    }
    assert_true(m->nappends < MAX_LOG && m->nlog + n <= MAX_LOG);
    logged *a = &m->appends[m->nappends++];
    a->first = m->nlog;
    a->n = n;
    a->has_end = end != NULL;
    a->end_status = end ? end->status : STORE_NONE;
    for (size_t i = 0; i < n; i++) {
        store_op *row = find(m, u[i].op.id);
        if (!row) {
            assert_true(m->nops < MAX_OPS);
            row = &m->ops[m->nops++];
        }
        keep_op(m, row, &u[i].op);
        m->log[m->nlog] = u[i];
        keep_op(m, &m->log[m->nlog].op, &u[i].op);
        m->nlog++;
    }
    if (end) {
        m->exec.status = end->status;
        m->exec.result = keep(m, end->result);
        m->exec.error = keep(m, end->error);
        m->exec.wake_at = end->wake_at;
    }
    return CAIRN_OK;
}

static int mem_refresh(journal *j, const char *op_id, store_op *out, cairn_error *err)
{
    mem_journal *m = (mem_journal *)j;
    m->refreshes++;
    store_op *row = find(m, op_id);
    if (!row) {
        err_set(err, "Store.Error", "no operation %s", op_id);
        return CAIRN_ERR_NOT_FOUND;
    }
    if (m->resolve_id && strcmp(m->resolve_id, op_id) == 0 && row->status == STORE_STARTED) {
        row->status = STORE_SUCCEEDED;
        row->result = keep(m, m->resolve_result);
    }
    *out = *row; /* lent: the strings live as long as the backend */
    return CAIRN_OK;
}

static const journal_ops mem_ops = {.load = mem_load, .append = mem_append, .refresh = mem_refresh};

typedef struct world {
    mem_journal m;
    clock_src clk;
    cairn_error err;
} world;

/* A new execution of wf with input, started at the clock's now (skip-time). */
static world *world_new(const cairn_workflow *wf, const char *input)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    clock_init(&w->clk);
    clock_set_skip(&w->clk, 1);
    err_init(&w->err);
    int64_t now = clock_now(&w->clk);
    w->m.j.ops = &mem_ops;
    w->m.j.name = "memory";
    w->m.exec = (store_exec){
        .id = "mem-1",
        .workflow = wf->name,
        .version = wf->version,
        .definition_sha256 = wf->sha256,
        .status = STORE_RUNNING,
        .input = input,
        .created_at = now,
        .updated_at = now,
        .ended_at = STORE_NO_TIME,
        .wake_at = now,
        .timeout_at = wf->timeout_ms > 0 ? now + wf->timeout_ms : STORE_NO_TIME,
    };
    return w;
}

static void world_free(world *w)
{
    for (size_t i = 0; i < w->m.nstrs; i++)
        free(w->m.strs[i]);
    err_cleanup(&w->err);
    free(w);
}

static void run(world *w, const cairn_workflow *wf)
{
    int rc = replay_invoke(&w->m.j, wf, &w->clk, NULL, &w->err);
    if (rc != CAIRN_OK)
        fail_msg("replay_invoke: %s: %s", cairn_strerror(rc), w->err.message);
}

/* Update i of append a. */
static const journal_update *update(const world *w, size_t a, size_t i)
{
    assert_true(a < w->m.nappends);
    assert_true(i < w->m.appends[a].n);
    return &w->m.log[w->m.appends[a].first + i];
}

static void assert_update(const journal_update *u, journal_action action, const char *id,
                          store_op_type type, store_status status)
{
    assert_int_equal(u->action, action);
    assert_string_equal(u->op.id, id);
    assert_int_equal(u->op.type, type);
    assert_int_equal(u->op.status, status);
}

/* ---- tests --------------------------------------------------------------- */

/* waits: wait 10m, step mark, wait until input.at, succeed — three invocations. */
static void test_waits_and_a_step_run_on_the_memory_backend(void **state)
{
    (void)state;
    waits_mark_calls = 0;
    char input[96], at_text[40];
    world *w = world_new(&waits_workflow, "{}");
    int64_t at = w->m.exec.created_at + 20 * 60000;
    rfc3339_format(at, at_text, sizeof at_text);
    snprintf(input, sizeof input, "{\"at\":\"%s\"}", at_text);
    w->m.exec.input = input;

    run(w, &waits_workflow); /* the pause starts and the execution suspends */
    assert_int_equal(w->m.loads, 1);
    assert_int_equal(w->m.nappends, 1);
    assert_int_equal(w->m.appends[0].n, 1);
    assert_update(update(w, 0, 0), JOURNAL_START, "1", STORE_OP_WAIT, STORE_STARTED);
    assert_int_equal(update(w, 0, 0)->expect_status, STORE_NONE);
    int64_t wake = update(w, 0, 0)->op.timeout_at;                       /* WaitOptions */
    assert_in_range(wake - w->m.exec.created_at, 600000, 600000 + 5000); /* the clock runs */
    assert_true(w->m.appends[0].has_end);
    assert_int_equal(w->m.exec.status, STORE_PENDING);
    assert_int_equal(w->m.exec.wake_at, wake);
    assert_int_equal(waits_mark_calls, 0);

    clock_advance(&w->clk, wake);
    run(w, &waits_workflow); /* pause over, mark runs, `until` suspends */
    assert_int_equal(waits_mark_calls, 1);
    assert_int_equal(w->m.nappends, 3);
    assert_update(update(w, 1, 0), JOURNAL_SUCCEED, "1", STORE_OP_WAIT, STORE_SUCCEEDED);
    assert_int_equal(update(w, 1, 0)->expect_status, STORE_STARTED);
    /* The step's result is held and goes with the wait after it, and the suspend: one unit. */
    assert_int_equal(w->m.appends[2].n, 2);
    assert_update(update(w, 2, 0), JOURNAL_SUCCEED, "2", STORE_OP_STEP, STORE_SUCCEEDED);
    assert_string_equal(update(w, 2, 0)->op.result, "true");
    assert_int_equal(update(w, 2, 0)->op.attempt, 1);
    assert_update(update(w, 2, 1), JOURNAL_START, "3", STORE_OP_WAIT, STORE_STARTED);
    assert_int_equal(update(w, 2, 1)->op.timeout_at, at);
    assert_true(w->m.appends[2].has_end);
    assert_int_equal(w->m.appends[2].end_status, STORE_PENDING);
    assert_int_equal(w->m.exec.wake_at, at);

    clock_advance(&w->clk, at);
    run(w, &waits_workflow); /* replays the step, ends */
    assert_int_equal(waits_mark_calls, 1);
    assert_int_equal(w->m.loads, 3);
    assert_int_equal(w->m.exec.status, STORE_SUCCEEDED);
    assert_string_equal(w->m.exec.result, "true");
    assert_update(update(w, 3, 0), JOURNAL_SUCCEED, "3", STORE_OP_WAIT, STORE_SUCCEEDED);
    assert_int_equal(w->m.refreshes, 0);
    world_free(w);
}

/* flaky: attempt 1 raises Flaky.Busy (retried after 2s), attempt 2 succeeds. */
static void test_a_retry_is_a_retry_update(void **state)
{
    (void)state;
    memset(flaky_plan, 0, sizeof flaky_plan);
    flaky_calls = 0;
    flaky_plan[0] = "Flaky.Busy";
    world *w = world_new(&flaky_workflow, "{}");
    int64_t t0 = clock_now(&w->clk);

    run(w, &flaky_workflow);
    assert_int_equal(flaky_calls, 1);
    assert_int_equal(w->m.nappends, 1);
    const journal_update *u = update(w, 0, 0);
    assert_update(u, JOURNAL_RETRY, "1", STORE_OP_STEP, STORE_PENDING);
    assert_int_equal(u->op.attempt, 1);
    assert_non_null(strstr(u->op.error, "Flaky.Busy"));
    assert_true(u->op.next_attempt_at >= t0 + 2000); /* StepOptions */
    assert_int_equal(w->m.exec.status, STORE_PENDING);

    clock_advance(&w->clk, u->op.next_attempt_at);
    run(w, &flaky_workflow);
    assert_int_equal(flaky_calls, 2);
    u = update(w, 1, 0);
    assert_update(u, JOURNAL_SUCCEED, "1", STORE_OP_STEP, STORE_SUCCEEDED);
    assert_int_equal(u->expect_status, STORE_PENDING);
    assert_int_equal(u->expect_attempt, 1);
    assert_int_equal(u->op.attempt, 2);
    assert_int_equal(w->m.exec.status, STORE_SUCCEEDED);
    assert_string_equal(w->m.exec.result, "{\"attempt\":2}");
    world_free(w);
}

/* An append that does not find the row it expects changes nothing and stops the invocation. */
static void test_a_conflicting_append_changes_nothing(void **state)
{
    (void)state;
    memset(flaky_plan, 0, sizeof flaky_plan);
    flaky_calls = 0;
    flaky_plan[0] = "Flaky.Busy";
    world *w = world_new(&flaky_workflow, "{}");
    run(w, &flaky_workflow); /* attempt 1 fails: PENDING */
    clock_advance(&w->clk, w->m.ops[0].next_attempt_at);

    w->m.moved_meanwhile = 1;
    size_t before = w->m.nappends, nlog = w->m.nlog;
    int rc = replay_invoke(&w->m.j, &flaky_workflow, &w->clk, NULL, &w->err);
    assert_int_equal(rc, CAIRN_ERR_CONFLICT);
    assert_string_equal(w->err.type, "Execution.Conflict");
    assert_int_equal(flaky_calls, 2); /* attempt 2 ran; its result is not written */
    assert_int_equal(w->m.nappends, before);
    assert_int_equal(w->m.nlog, nlog);
    assert_int_equal(w->m.ops[0].status, STORE_PENDING);
    assert_int_equal(w->m.ops[0].attempt, 2); /* as the other invocation left it */
    assert_int_equal(w->m.exec.status, STORE_PENDING);
    world_free(w);
}

/* cbt: callback note (timeout 30m), await note; Callback.Timeout is caught. */
static void run_callback_past_its_timeout(world *w)
{
    run(w, &cbt_workflow); /* the callback starts; the await suspends */
    assert_int_equal(w->m.nappends, 2);
    const journal_update *u = update(w, 0, 0);
    assert_update(u, JOURNAL_START, "1", STORE_OP_CALLBACK, STORE_STARTED);
    assert_non_null(u->op.callback_id);
    int64_t timeout_at = u->op.timeout_at; /* CallbackOptions */
    assert_in_range(timeout_at - w->m.exec.created_at, 30 * 60000, 30 * 60000 + 5000);
    assert_int_equal(w->m.appends[1].n, 0);
    assert_int_equal(w->m.appends[1].end_status, STORE_PENDING);
    assert_int_equal(w->m.exec.wake_at, timeout_at);
    clock_advance(&w->clk, timeout_at);
    run(w, &cbt_workflow);
}

static void test_refresh_learns_a_callback_resolved_outside(void **state)
{
    (void)state;
    world *w = world_new(&cbt_workflow, "{}");
    w->m.resolve_id = "1";
    w->m.resolve_result = "\"on time after all\"";
    run_callback_past_its_timeout(w);
    /* Read afresh when replay passes the callback past its deadline (it ends
     * then, awaited or not), and again at its await. */
    assert_in_range(w->m.refreshes, 1, 2);
    for (size_t i = 0; i < w->m.nlog; i++)
        assert_int_not_equal(w->m.log[i].action, JOURNAL_FAIL); /* the result won */
    assert_int_equal(w->m.exec.status, STORE_SUCCEEDED);
    assert_string_equal(w->m.exec.result, "\"on time after all\"");
    world_free(w);
}

static void test_a_callback_timeout_is_a_fail_update(void **state)
{
    (void)state;
    world *w = world_new(&cbt_workflow, "{}");
    run_callback_past_its_timeout(w);
    /* Read afresh when replay passes the callback past its deadline (it ends
     * then, awaited or not), and again at its await. */
    assert_in_range(w->m.refreshes, 1, 2);
    const journal_update *u = update(w, 2, 0);
    assert_update(u, JOURNAL_FAIL, "1", STORE_OP_CALLBACK, STORE_TIMED_OUT);
    assert_int_equal(u->expect_status, STORE_STARTED);
    assert_non_null(strstr(u->op.error, "Callback.Timeout"));
    assert_int_equal(w->m.exec.status, STORE_SUCCEEDED); /* caught */
    assert_non_null(strstr(w->m.exec.result, "Callback.Timeout"));
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waits_and_a_step_run_on_the_memory_backend),
        cmocka_unit_test(test_a_retry_is_a_retry_update),
        cmocka_unit_test(test_a_conflicting_append_changes_nothing),
        cmocka_unit_test(test_refresh_learns_a_callback_resolved_outside),
        cmocka_unit_test(test_a_callback_timeout_is_a_fail_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
