/*
 * test_rt_torture.c — the runtime out of memory (curl's torture mode): for
 * each scenario, count the allocations K of a clean run, then for every i in
 * 1..K run it again on a fresh store with allocation i failing (mem.h's
 * fault switch) and check that nothing crashes or leaks, that every call
 * that failed said so (CAIRN_ERR_NOMEM, as memory is all that ran out, and
 * a set error; never success with a wrong result), and that, failures off,
 * driving the same store to the end gives exactly the clean run's outcome:
 * status, result, error and the journal's operations with their statuses
 * and results.
 *
 * Scenarios: (a) a workflow of C steps with a retry and a catch, opened,
 * started and driven to its end; (b) callback workflows invoked until they
 * wait, the callback resolved (succeeded, or failed) from a second engine on
 * the same store, then driven to the end; or left alone under skip-time
 * until a heartbeat times out; or a wait_for_callback whose submitter fails
 * twice and is caught; (c) status, history and list of a finished
 * execution. Large scenarios sample their failure points (see pick()).
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

#include "fixtures/cbj.c"
#include "fixtures/cbt.c"
#include "fixtures/fotorture.c"
#include "fixtures/wfc.c"
#include "fixtures/wfcc.c"
#include "fixtures/callbacks_hooks.c"
#include "fixtures/hooks.c"
#include "fixtures/torture.c"
#include "fixtures/waits.c"

/* luastep: one Lua step (at_least_once) that allocates in many ways, whose
 * result the execution ends with; written in the shape cairn gen gives. */
static const char luastep_lua[] =
    "function shape(args, ctx)\n"
    "  local t = {}\n"
    "  for i = 1, 20 do t[i] = string.rep('x', i) .. tostring(args.n + i) end\n"
    "  local s = table.concat(t, ',')\n"
    "  local a, b = s:find('(x+)2')\n"
    "  local d = cairn.json.decode(cairn.json.encode({first = t[1], found = a}))\n"
    "  return {n = args.n, count = #t, head = s:sub(1, 12), first = d.first, found = b}\n"
    "end\n";

static const cairn_op luastep_op = {
    .name = "shape", .line = 1, .run = CAIRN_RUN_LUA, .lua_fn = "shape", .as = "shaped"};

static const cJSON *luastep_with(cairn_exec *x)
{
    cJSON *v = cairn_x_object(x);
    cairn_x_put(x, v, "n", cairn_x_get(x, cairn_x_var(x, "input"), "n"));
    return v;
}

static void luastep_run(cairn_exec *x)
{
    if (cairn_step(x, &luastep_op, luastep_with(x)) != CAIRN_NEXT)
        return;
    cairn_succeed(x, cairn_x_var(x, "shaped"));
}

static const cairn_workflow luastep_workflow = {
    .abi = CAIRN_ABI,
    .name = "luastep",
    .version = 1,
    .sha256 = "6c75617374657020696e20746573745f72745f746f72747572652e6300000000",
    .source = "test_rt_torture.c",
    .lua_source = luastep_lua,
    .lua_chunkname = "@luastep.lua",
    .run = luastep_run,
};

static const cairn_workflow *const workflows[] = {&torture_workflow, &cbj_workflow,
                                                  &wfcc_workflow,    &waits_workflow,
                                                  &luastep_workflow, &fotorture_workflow};
#define NWORKFLOWS (sizeof workflows / sizeof workflows[0])

/* ---- the hooks of torture.yaml: careful with memory, as hooks should be -- */

/* Attempt 1 is busy (retried), attempt 2 declined (caught), 3 never comes. */
int torture_charge(cairn_call *call, const cJSON *args)
{
    (void)args;
    if (cairn_call_attempt(call) == 1)
        return cairn_call_fail(call, "Card.Busy", "try again", NULL);
    return cairn_call_fail(call, "Card.Declined", "insufficient funds", cJSON_CreateNumber(42));
}

/* {"refunded": args.amount, "reason": args.reason} */
int torture_refund(cairn_call *call, const cJSON *args)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *amount = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(args, "amount"), 1);
    cJSON *reason = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(args, "reason"), 1);
    if (!out || !amount || !reason || !cJSON_AddItemToObject(out, "refunded", amount)) {
        cJSON_Delete(amount);
        cJSON_Delete(reason);
        cJSON_Delete(out);
        return cairn_call_fail(call, "Torture.NoMemory", "out of memory", NULL);
    }
    if (!cJSON_AddItemToObject(out, "reason", reason)) {
        cJSON_Delete(reason);
        cJSON_Delete(out);
        return cairn_call_fail(call, "Torture.NoMemory", "out of memory", NULL);
    }
    return cairn_call_return(call, out);
}

/* A condition's check: {"n": state.n + 1}. */
int torture_poll(cairn_call *call, const cJSON *args)
{
    const cJSON *n =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(args, "state"), "n");
    cJSON *out = cJSON_CreateObject();
    if (!out || !cJSON_AddNumberToObject(out, "n", (cJSON_IsNumber(n) ? n->valuedouble : 0) + 1)) {
        cJSON_Delete(out);
        return cairn_call_fail(call, "Torture.NoMemory", "out of memory", NULL);
    }
    return cairn_call_return(call, out);
}

/* ---- stores ------------------------------------------------------------- */

typedef struct store_file {
    char path[64];
} store_file;

static void store_new(store_file *s)
{
    snprintf(s->path, sizeof s->path, "/tmp/cairn-test-torture-XXXXXX");
    int fd = mkstemp(s->path);
    assert_true(fd >= 0);
    close(fd);
}

static void store_remove(store_file *s)
{
    char buf[96];
    unlink(s->path);
    snprintf(buf, sizeof buf, "%s-wal", s->path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", s->path);
    unlink(buf);
}

static engine *open_clean(const store_file *s, int skip_time)
{
    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    int rc = engine_open(&e, s->path, workflows, NWORKFLOWS, &err);
    if (rc != CAIRN_OK)
        fail_msg("engine_open: %s", err.message);
    err_cleanup(&err);
    engine_set_skip_time(e, skip_time);
    return e;
}

/*
 * Checks the outcome of one call made while an allocation may fail: success,
 * or an error code with a set error. Returns 1 when the call succeeded.
 */
static int armed; /* an allocation is set to fail: calls may fail */

static int ok(int rc, cairn_error *err, const char *what)
{
    if (rc != CAIRN_OK && !armed)
        fail_msg("%s failed in a clean run: %s: %s", what, cairn_strerror(rc),
                 err_isset(err) ? err->message : "(no error)");
    if (rc == CAIRN_OK) {
        if (err_isset(err))
            fail_msg("%s succeeded with an error set: %s", what, err->message);
        return 1;
    }
    if (!err_isset(err) || !err->message)
        fail_msg("%s failed (%s) without saying why", what, cairn_strerror(rc));
    if (rc != CAIRN_ERR_NOMEM)
        fail_msg("%s failed with %s, not %s, when only memory ran out: %s: %s", what,
                 cairn_strerror(rc), cairn_strerror(CAIRN_ERR_NOMEM), err->type, err->message);
    err_cleanup(err);
    return 0;
}

/* ---- outcomes ----------------------------------------------------------- */

static void add_field(cJSON *to, const cJSON *from, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
    assert_non_null(v);
    assert_non_null(cJSON_AddItemToObject(to, key, cJSON_Duplicate(v, 1)) ? to : NULL);
}

/*
 * The outcome of execution id as text: its status, result and error, and
 * each journaled operation's name, type, sub-type, status, attempt, result
 * and error (ids and times differ from run to run; these must not; the
 * execution's id inside a result is replaced by "ID").
 */
static char *outcome(engine *e, const char *id)
{
    int rc;
    cairn_error err;
    err_init(&err);
    cJSON *h = engine_history_json(e, id, &rc, &err);
    if (!h)
        fail_msg("engine_history_json: %s", err.message);
    cJSON *o = cJSON_CreateObject();
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(h, "execution");
    add_field(o, x, "status");
    add_field(o, x, "result");
    add_field(o, x, "error");
    cJSON *ops = cJSON_AddArrayToObject(o, "operations");
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(h, "operations"))
    {
        cJSON *p = cJSON_CreateObject();
        static const char *const keys[] = {"name",    "type",   "sub_type", "status",
                                           "attempt", "result", "error"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            add_field(p, op, keys[k]);
        cJSON_AddItemToArray(ops, p);
    }
    char *text = cJSON_PrintUnformatted(o);
    assert_non_null(text);
    /* A result may carry the execution's id (basic's reserve does): it reads "ID". */
    size_t n = strlen(id);
    for (char *at = text; n >= 2 && (at = strstr(at, id)) != NULL;) {
        memcpy(at, "ID", 2);
        memmove(at + 2, at + n, strlen(at + n) + 1);
        at += 2;
    }
    cJSON_Delete(o);
    cJSON_Delete(h);
    err_cleanup(&err);
    return text;
}

/* The callback id of the first CALLBACK operation of id's journal (caller frees), or NULL. */
static char *callback_of(engine *e, const char *id, int *rc, cairn_error *err)
{
    cJSON *h = engine_history_json(e, id, rc, err);
    if (!h)
        return NULL;
    char *cb = NULL;
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(h, "operations"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(op, "type");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(op, "callback_id");
        if (!cb && cJSON_IsString(t) && strcmp(t->valuestring, "CALLBACK") == 0 &&
            cJSON_IsString(c))
            cb = mem_strdup(c->valuestring);
    }
    cJSON_Delete(h);
    if (!cb && *rc == CAIRN_OK) {
        /* no callback id although the history came back: allowed only under a failure */
        *rc = CAIRN_ERR_NOMEM;
        err_set(err, "Cairn.NoMemory", "no callback id");
    }
    return cb;
}

/* ---- scenarios ---------------------------------------------------------- */

/*
 * A scenario runs its calls with failures possibly on, stopping at the first
 * that fails; then `finish` drives the same store to the end with failures
 * off and returns the outcome (caller frees).
 */
typedef struct scenario {
    const char *name;
    void (*run)(const store_file *s, char **id);
    char *(*finish)(const store_file *s, char *id);
} scenario;

/* A workflow run start to end: torture (C steps), or luastep (a Lua step). */
typedef struct steps_case {
    const char *workflow, *input;
} steps_case;

static const steps_case c_steps = {"torture", "{\"amount\":50}"};
static const steps_case lua_step = {"luastep", "{\"n\":7}"};
static const steps_case fan_out = {"fotorture", "{\"amount\":5,\"lines\":[1,2,3]}"};
static const steps_case *steps_cur = &c_steps; /* the case run_steps and finish_steps play */

/* (a) open, start (named, so a retried start finds it), drive to the end. */
static void run_steps(const store_file *s, char **id)
{
    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    int created;
    if (!ok(engine_open(&e, s->path, workflows, NWORKFLOWS, &err), &err, "engine_open"))
        goto done;
    if (e == NULL)
        fail_msg("engine_open succeeded without an engine");
    engine_set_skip_time(e, 1);
    if (!ok(engine_start(e, steps_cur->workflow, steps_cur->input, "a", id, &created, &err), &err,
            "engine_start"))
        goto done;
    if (!*id || created != 1)
        fail_msg("engine_start succeeded without creating an execution");
    ok(engine_drive(e, *id, &err), &err, "engine_drive");
done:
    engine_close(e);
    err_cleanup(&err);
}

static char *finish_steps(const store_file *s, char *id)
{
    engine *e = open_clean(s, 1);
    cairn_error err;
    err_init(&err);
    char *again = NULL;
    int created;
    if (engine_start(e, steps_cur->workflow, steps_cur->input, "a", &again, &created, &err) !=
        CAIRN_OK)
        fail_msg("engine_start: %s", err.message);
    if (id)
        assert_string_equal(again, id); /* the name finds the first one */
    if (engine_drive(e, again, &err) != CAIRN_OK)
        fail_msg("engine_drive: %s", err.message);
    char *out = outcome(e, again);
    mem_free(again);
    engine_close(e);
    err_cleanup(&err);
    return out;
}

static const char approval[] = "{\"approved\":true,\"by\":\"ann\"}";

/*
 * (b) callback workflows: start, drive until it waits (under skip-time a
 * deadline may pass instead), then a second engine on the same store
 * resolves the callback (or nobody does), then drive on to the end.
 */
typedef enum { LEAVE, SUCCEED, FAIL } resolution;
typedef struct callback_case {
    const char *workflow;
    const char *name; /* of the execution, so a retried start finds it */
    int skip_time;
    int submit_fails; /* cb_submit_fail */
    resolution resolve;
} callback_case;

static const callback_case *cur; /* the case run_callback and finish_callback play */

static int resolve(engine *e, const char *cb, cairn_error *err)
{
    if (cur->resolve == SUCCEED)
        return engine_callback_succeed(e, cb, approval, strlen(approval), err);
    return engine_callback_fail(e, cb, "Approval.Denied", "no budget", "{\"left\":0}", err);
}

static void run_callback(const store_file *s, char **id)
{
    engine *e = NULL, *other = NULL;
    char *cb = NULL;
    cairn_error err;
    err_init(&err);
    int created, rc;
    cb_submit_fail = cur->submit_fails;
    if (!ok(engine_open(&e, s->path, workflows, NWORKFLOWS, &err), &err, "engine_open"))
        goto done;
    engine_set_skip_time(e, cur->skip_time);
    if (!ok(engine_start(e, cur->workflow, "{}", cur->name, id, &created, &err), &err,
            "engine_start"))
        goto done;
    if (!*id || created != 1)
        fail_msg("engine_start succeeded without creating an execution");
    if (!ok(engine_drive(e, *id, &err), &err, "engine_drive") || cur->resolve == LEAVE)
        goto done;
    cb = callback_of(e, *id, &rc, &err);
    if (!ok(cb ? CAIRN_OK : rc, &err, "engine_history_json"))
        goto done;
    if (!ok(engine_open(&other, s->path, NULL, 0, &err), &err, "engine_open (second)"))
        goto done;
    if (!ok(resolve(other, cb, &err), &err, "engine_callback_succeed/fail"))
        goto done;
    ok(engine_drive(e, *id, &err), &err, "engine_drive (after the callback)");
done:
    mem_free(cb);
    engine_close(other);
    engine_close(e);
    err_cleanup(&err);
}

static char *finish_callback(const store_file *s, char *id)
{
    engine *e = open_clean(s, cur->skip_time);
    cairn_error err;
    err_init(&err);
    char *again = NULL;
    int created, rc;
    if (engine_start(e, cur->workflow, "{}", cur->name, &again, &created, &err) != CAIRN_OK)
        fail_msg("engine_start: %s", err.message);
    if (id)
        assert_string_equal(again, id); /* the name finds the first one */
    if (engine_drive(e, again, &err) != CAIRN_OK)
        fail_msg("engine_drive: %s", err.message);
    char *cb = NULL;
    if (cur->resolve != LEAVE) {
        cb = callback_of(e, again, &rc, &err);
        assert_non_null(cb);
        rc = resolve(e, cb, &err);
        if (rc != CAIRN_OK && rc != CAIRN_ERR_CONFLICT) /* CONFLICT: resolved before */
            fail_msg("engine_callback_succeed/fail: %s", err.message);
        err_cleanup(&err);
        if (engine_drive(e, again, &err) != CAIRN_OK)
            fail_msg("engine_drive: %s", err.message);
    }
    char *out = outcome(e, again);
    mem_free(cb);
    mem_free(again);
    engine_close(e);
    err_cleanup(&err);
    return out;
}

/*
 * (d) a worker's loop over timer waits under skip-time: engine_next_due,
 * engine_invoke of what is due, the clock moved to the next wake-up.
 * Returns 1 when the loop ran to its end, 0 when a call failed.
 */
static int work(engine *e)
{
    cairn_error err;
    err_init(&err);
    int done = 0;
    for (int round = 0; round < 20 && !done; round++) {
        char *due = NULL;
        int64_t next = -1;
        int r = engine_next_due(e, NULL, &due, &next, &err);
        if (r < 0) { /* -1 with err set, which names the cause */
            ok(err_isset(&err) && strstr(err.message, "out of memory") ? CAIRN_ERR_NOMEM
                                                                       : CAIRN_ERR_INTERNAL,
               &err, "engine_next_due");
            break;
        }
        if (r == 1) {
            int rc = engine_invoke(e, due, &err);
            mem_free(due);
            if (!ok(rc, &err, "engine_invoke"))
                break;
        } else if (next < 0) {
            done = 1;
        } else {
            engine_advance_clock(e, next);
        }
    }
    err_cleanup(&err);
    return done;
}

static const char waits_input[] = "{\"at\":\"2020-01-01T00:00:00Z\"}";

static void run_worker(const store_file *s, char **id)
{
    engine *e = NULL;
    cairn_error err;
    err_init(&err);
    int created;
    if (!ok(engine_open(&e, s->path, workflows, NWORKFLOWS, &err), &err, "engine_open"))
        goto done;
    engine_set_skip_time(e, 1);
    if (!ok(engine_start(e, "waits", waits_input, "w", id, &created, &err), &err, "engine_start"))
        goto done;
    work(e);
done:
    engine_close(e);
    err_cleanup(&err);
}

static char *finish_worker(const store_file *s, char *id)
{
    engine *e = open_clean(s, 1);
    cairn_error err;
    err_init(&err);
    char *again = NULL;
    int created;
    if (engine_start(e, "waits", waits_input, "w", &again, &created, &err) != CAIRN_OK)
        fail_msg("engine_start: %s", err.message);
    if (id)
        assert_string_equal(again, id);
    assert_true(work(e));
    char *out = outcome(e, again);
    mem_free(again);
    engine_close(e);
    err_cleanup(&err);
    return out;
}

/*
 * Runs scenario sc clean, counting its allocations, then with allocation i
 * failing for each i that `pick` selects (all when NULL). Returns K.
 */
static long torture(const scenario *sc, int (*pick)(long i, long k))
{
    store_file s;
    store_new(&s);
    char *id = NULL;
    mem_fail_at(0);
    sc->run(&s, &id);
    long k = mem_allocations();
    assert_non_null(id);
    char *clean = sc->finish(&s, id);
    mem_free(id);
    store_remove(&s);
    assert_true(k > 0);

    long tried = 0;
    for (long i = 1; i <= k; i++) {
        if (pick && !pick(i, k))
            continue;
        store_new(&s);
        id = NULL;
        mem_fail_at(i);
        armed = 1;
        sc->run(&s, &id);
        armed = 0;
        mem_fail_at(0);
        char *got = sc->finish(&s, id);
        if (strcmp(got, clean) != 0)
            fail_msg("%s, allocation %ld of %ld failing: the outcome is\n  %s\nnot\n  %s", sc->name,
                     i, k, got, clean);
        mem_free(got);
        mem_free(id);
        store_remove(&s);
        tried++;
    }
    print_message("%s: %ld allocations, %ld of them failed in turn\n", sc->name, k, tried);
    mem_free(clean);
    return k;
}

/* The clean outcome of sc itself is the workflow's: it holds each of `expect`. */
static void assert_clean_outcome(const scenario *sc, const char *const *expect)
{
    store_file s;
    store_new(&s);
    char *out = sc->finish(&s, NULL);
    for (; *expect; expect++)
        if (!strstr(out, *expect))
            fail_msg("%s: no %s in the outcome %s", sc->name, *expect, out);
    mem_free(out);
    store_remove(&s);
}

static void test_steps_with_retry_and_catch(void **state)
{
    (void)state;
    static const scenario sc = {"steps", run_steps, finish_steps};
    steps_cur = &c_steps;
    torture(&sc, NULL);
    assert_clean_outcome(
        &sc, (const char *const[]){
                 "\"status\":\"SUCCEEDED\"",
                 "{\"refunded\":50,\"reason\":\"Card.Declined: insufficient funds\"}", NULL});
}

/*
 * Which failure points a run exercises: every one when $CAIRN_TORTURE_ALL=1
 * or the scenario has at most 200; else the first and last 20 and every
 * third one between, which keeps the suite under valgrind within a minute. Every point of every
 * scenario passes (run with the variable set).
 */
static int pick(long i, long k)
{
    const char *all = getenv("CAIRN_TORTURE_ALL");
    if ((all && strcmp(all, "1") == 0) || k <= 200)
        return 1;
    return i <= 20 || i > k - 20 || i % 3 == 0;
}

/* Tortures callback case c, then checks its clean outcome holds each of `expect`. */
static void torture_callback(const callback_case *c, const char *const *expect)
{
    static const scenario sc = {"callback", run_callback, finish_callback};
    cur = c;
    print_message("%s/%s: ", c->workflow, c->name);
    torture(&sc, pick);
    assert_clean_outcome(&sc, expect);
    cb_submit_fail = 0;
}

/* Lua's allocations go through the same allocator: a Lua step under OOM is
 * never journaled with what the failure made of it. */
static void test_lua_step(void **state)
{
    (void)state;
    static const scenario sc = {"lua", run_steps, finish_steps};
    steps_cur = &lua_step;
    torture(&sc, pick);
    assert_clean_outcome(
        &sc, (const char *const[]){"\"status\":\"SUCCEEDED\",\"result\":{\"count\":20,\"first\":"
                                   "\"x8\",\"found\":126,\"head\":\"x8,xx9,xxx10\",\"n\":7}",
                                   NULL});
    steps_cur = &c_steps;
}

/* parallel (a branch cancelled), map, group, wait_for_condition and invoke:
 * their batch rows, child contexts, states and child execution under OOM at
 * every point. */
static void test_fan_out(void **state)
{
    (void)state;
    static const scenario sc = {"fan-out", run_steps, finish_steps};
    steps_cur = &fan_out;
    torture(&sc, pick);
    assert_clean_outcome(
        &sc, (const char *const[]){"\"status\":\"SUCCEEDED\",\"result\":{\"both\":[5],\"lines\":"
                                   "[1,2,3],\"looks\":2,\"child\":{\"refunded\":7,"
                                   "\"reason\":\"Card.Declined: insufficient funds\"}}",
                                   "\"name\":\"slow\",\"type\":\"CONTEXT\",\"sub_type\":"
                                   "\"ParallelBranch\",\"status\":\"CANCELLED\"",
                                   NULL});
    steps_cur = &c_steps;
}

static void test_callback_resolved_from_a_second_engine(void **state)
{
    (void)state;
    static const callback_case c = {"cbj", "b", 0, 0, SUCCEED};
    torture_callback(&c,
                     (const char *const[]){"\"status\":\"SUCCEEDED\"",
                                           "\"result\":{\"approved\":true,\"by\":\"ann\"}", NULL});
}

static void test_callback_heartbeat_timeout(void **state)
{
    (void)state;
    static const callback_case c = {"cbj", "t", 1, 0, LEAVE};
    torture_callback(&c, (const char *const[]){"\"status\":\"FAILED\"",
                                               "\"type\":\"Callback.Heartbeat\"", NULL});
}

static void test_wait_for_callback_failed_from_a_second_engine(void **state)
{
    (void)state;
    static const callback_case c = {"wfcc", "f", 0, 0, FAIL};
    torture_callback(&c,
                     (const char *const[]){"\"status\":\"FAILED\"", "\"type\":\"Callback.Failed\"",
                                           "\"ErrorType\":\"Approval.Denied\"", NULL});
}

static void test_wait_for_callback_submitter_fails_and_is_caught(void **state)
{
    (void)state;
    static const callback_case c = {"wfcc", "s", 1, 1, LEAVE};
    torture_callback(&c, (const char *const[]){"\"status\":\"SUCCEEDED\"",
                                               "\"type\":\"Submitter.Failed\"", NULL});
}

static void test_worker_over_timer_waits(void **state)
{
    (void)state;
    static const scenario sc = {"worker", run_worker, finish_worker};
    torture(&sc, pick);
    assert_clean_outcome(&sc, (const char *const[]){"\"status\":\"SUCCEEDED\"",
                                                    "\"name\":\"pause\",\"type\":\"WAIT\"",
                                                    "\"name\":\"mark\",\"type\":\"STEP\"", NULL});
}

/* (c) the read side of a finished execution: a copy equal to the clean one, or an error. */
static void test_status_history_list(void **state)
{
    (void)state;
    store_file s;
    store_new(&s);
    char *out = finish_steps(&s, NULL);
    mem_free(out);
    engine *e = open_clean(&s, 1);
    cairn_error err;
    err_init(&err);
    char *id = NULL;
    int created, rc;
    assert_int_equal(engine_start(e, c_steps.workflow, c_steps.input, "a", &id, &created, &err),
                     CAIRN_OK);

    cJSON *clean[3];
    mem_fail_at(0);
    clean[0] = engine_status_json(e, id, &rc, &err);
    clean[1] = engine_history_json(e, id, &rc, &err);
    clean[2] = engine_list_json(e, &rc, &err);
    long k = mem_allocations();
    for (int j = 0; j < 3; j++)
        assert_non_null(clean[j]);

    for (long i = 1; i <= k; i++) {
        mem_fail_at(i);
        cJSON *got[3];
        got[0] = engine_status_json(e, id, &rc, &err);
        got[1] = got[0] ? engine_history_json(e, id, &rc, &err) : NULL;
        got[2] = got[1] ? engine_list_json(e, &rc, &err) : NULL;
        mem_fail_at(0);
        for (int j = 0; j < 3; j++) {
            if (got[j] && !cJSON_Compare(got[j], clean[j], 1)) {
                char *a = cJSON_PrintUnformatted(got[j]), *b = cJSON_PrintUnformatted(clean[j]);
                fail_msg("read %d, allocation %ld of %ld failing: got\n  %s\nnot\n  %s", j, i, k, a,
                         b);
            } else if (got[j]) {
            } else if (j == 0 || got[j - 1]) { /* the one that failed */
                assert_int_equal(rc, CAIRN_ERR_NOMEM);
                assert_true(err_isset(&err));
                err_cleanup(&err);
            }
            cJSON_Delete(got[j]);
        }
    }
    print_message("read side: %ld allocations, %ld failed in turn\n", k, k);
    /* nothing changed on disk */
    cJSON *after = engine_history_json(e, id, &rc, &err);
    assert_true(cJSON_Compare(after, clean[1], 1));
    cJSON_Delete(after);
    for (int j = 0; j < 3; j++)
        cJSON_Delete(clean[j]);
    mem_free(id);
    engine_close(e);
    err_cleanup(&err);
    store_remove(&s);
}

/*
 * The host's opt-in: with cairn_set_cjson_hooks() (main() calls it first),
 * cJSON allocates through libcairn's allocator, so the switch fails cJSON's
 * allocations too, and they count as the runtime's failures.
 */
static void test_cjson_allocates_through_the_switch(void **state)
{
    (void)state;
    mem_fail_at(1);
    long failed = mem_failures();
    assert_null(cJSON_CreateObject());
    assert_int_equal(mem_failures(), failed + 1);
    mem_fail_at(0);
    cJSON *o = cJSON_CreateObject();
    assert_non_null(o);
    assert_int_equal(mem_allocations(), 1);
    cJSON_Delete(o);
}

/* The switch itself: exactly the n-th allocation fails, once, and is counted. */
static void test_fail_at_fails_exactly_the_nth(void **state)
{
    (void)state;
    mem_fail_at(3);
    long failed = mem_failures();
    void *a = mem_malloc(8), *b = mem_calloc(2, 8);
    char *c = mem_strdup("abc");
    void *d = mem_realloc(NULL, 8);
    char *e = mem_strndup("abcdef", 3);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_non_null(d);
    assert_string_equal(e, "abc");
    assert_int_equal(mem_allocations(), 5);
    assert_int_equal(mem_failures(), failed + 1);
    mem_fail_at(0);
    assert_null(mem_calloc(SIZE_MAX / 2, 4)); /* overflow refused, not wrapped */
    mem_free(a);
    mem_free(b);
    mem_free(d);
    mem_free(e);
}

int main(void)
{
    cairn_set_cjson_hooks(); /* so that cJSON's allocations fail under the switch too */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_at_fails_exactly_the_nth),
        cmocka_unit_test(test_cjson_allocates_through_the_switch),
        cmocka_unit_test(test_steps_with_retry_and_catch),
        cmocka_unit_test(test_lua_step),
        cmocka_unit_test(test_fan_out),
        cmocka_unit_test(test_callback_resolved_from_a_second_engine),
        cmocka_unit_test(test_callback_heartbeat_timeout),
        cmocka_unit_test(test_wait_for_callback_failed_from_a_second_engine),
        cmocka_unit_test(test_wait_for_callback_submitter_fails_and_is_caught),
        cmocka_unit_test(test_worker_over_timer_waits),
        cmocka_unit_test(test_status_history_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
