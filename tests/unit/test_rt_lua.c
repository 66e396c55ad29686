/*
 * test_rt_lua.c — Lua hooks (hook_lua.c): JSON in and out, typed errors,
 * Lua.Error with positions, the sandbox, and the instruction and memory
 * limits. Every call runs in a fresh environment; calls of one source share
 * a kept state, and nothing of one call reaches the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "hook.h"
#include "json.h"

static const hook_ctx ctx = {
    .execution_id = "exec-1",
    .operation = "reserve",
    .attempt = 2,
    .callback_id = NULL,
};

/* The outcome of one call. */
typedef struct outcome {
    int rc;
    cJSON *result;
    cairn_error err;
} outcome;

static outcome call_with(const char *source, const char *fn, const char *args_json,
                         const hook_ctx *c, const hook_limits *limits)
{
    outcome o = {.result = NULL};
    err_init(&o.err);
    cJSON *args = args_json ? cJSON_Parse(args_json) : cJSON_CreateObject();
    assert_non_null(args);
    o.rc = hook_lua_call(source, "@test.lua", fn, args, c, limits, &o.result, &o.err);
    cJSON_Delete(args);
    if (o.rc == 0) {
        assert_non_null(o.result);
        assert_false(err_isset(&o.err));
    } else {
        assert_int_equal(o.rc, -1);
        assert_null(o.result);
        assert_true(err_isset(&o.err));
    }
    return o;
}

static outcome call(const char *source, const char *fn, const char *args_json)
{
    return call_with(source, fn, args_json, &ctx, NULL);
}

static void outcome_cleanup(outcome *o)
{
    cJSON_Delete(o->result);
    err_cleanup(&o->err);
}

static void assert_result_with(const char *source, const char *fn, const char *args,
                               const hook_limits *limits, const char *expected)
{
    outcome o = call_with(source, fn, args, &ctx, limits);
    if (o.rc != 0)
        fail_msg("%s failed: %s: %s", fn, o.err.type, o.err.message);
    cJSON *want = cJSON_Parse(expected);
    assert_non_null(want);
    if (!json_equal(o.result, want)) {
        char *got = cJSON_PrintUnformatted(o.result);
        fail_msg("%s gave %s, expected %s", fn, got, expected);
    }
    cJSON_Delete(want);
    outcome_cleanup(&o);
}

static void assert_result(const char *source, const char *fn, const char *args,
                          const char *expected)
{
    assert_result_with(source, fn, args, NULL, expected);
}

/* Asserts the call fails with type, and a message containing `part`. */
static void assert_error_with(const char *source, const char *fn, const hook_limits *limits,
                              const char *type, const char *part)
{
    outcome o = call_with(source, fn, NULL, &ctx, limits);
    if (o.rc == 0) {
        char *got = cJSON_PrintUnformatted(o.result);
        fail_msg("%s succeeded with %s; expected %s", fn, got, type);
    }
    if (strcmp(o.err.type, type) != 0 || !strstr(o.err.message, part))
        fail_msg("%s: got %s \"%s\"; expected %s containing \"%s\"", fn, o.err.type, o.err.message,
                 type, part);
    outcome_cleanup(&o);
}

static void assert_error(const char *source, const char *fn, const char *type, const char *part)
{
    assert_error_with(source, fn, NULL, type, part);
}

/* ---- JSON in and out --------------------------------------------------- */

static const char id_src[] = "function id(args, ctx) return args end\n";

static void test_round_trip_every_shape(void **state)
{
    (void)state;
    const char *shapes[] = {
        "{\"s\":\"text\",\"utf8\":\"h\\u00e9llo\",\"i\":3,\"neg\":-7,\"f\":2.5,\"big\":1e300,"
        "\"t\":true,\"no\":false,"
        "\"arr\":[1,\"two\",null,false,{\"k\":[[1]]}],\"obj\":{\"nested\":{\"deep\":[1,2]}}}",
        "{}",
        "{\"a\":[null,null]}",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        assert_result(id_src, "id", shapes[i], shapes[i]);
    /* an empty array is an empty table, which reads back as an empty object */
    assert_result(id_src, "id", "{\"e\":[]}", "{\"e\":{}}");
}

/* A null member of args, at any depth, is an absent key (nil), so
 * `args.x or default` works; a null in an array stays cairn.json.null, so
 * the array keeps its length. */
static void test_null_members_arrive_absent(void **state)
{
    (void)state;
    const char src[] =
        "function defaults(a)\n"
        "  return {x = a.x or 10, deep = a.o.p.q or 'none', limit = (a.limit or 5) + 1,\n"
        "          absent = a.x == nil and a.o.p.q == nil, keys = next(a.o.p) == nil,\n"
        "          len = #a.list, hole = a.list[2] == cairn.json.null}\n"
        "end\n";
    assert_result(src, "defaults",
                  "{\"x\":null,\"limit\":null,\"o\":{\"p\":{\"q\":null}},\"list\":[1,null,3]}",
                  "{\"x\":10,\"deep\":\"none\",\"limit\":6,\"absent\":true,\"keys\":true,"
                  "\"len\":3,\"hole\":true}");
    /* given back as they are, the null members are gone and the array's stays */
    assert_result(id_src, "id", "{\"n\":null,\"o\":{\"m\":null,\"k\":1},\"a\":[null,{\"z\":null}]}",
                  "{\"o\":{\"k\":1},\"a\":[null,{}]}");
    /* cairn.json.decode and http results keep their nulls */
    const char dec[] = "function dec() local v = cairn.json.decode('{\"n\":null}')\n"
                       "  return v.n == cairn.json.null end\n";
    assert_result(dec, "dec", NULL, "true");
}

static void test_scalar_results(void **state)
{
    (void)state;
    const char src[] = "function n() return nil end\n"
                       "function none() end\n"
                       "function null() return cairn.json.null end\n"
                       "function i() return 42 end\n"
                       "function f() return 2.0 end\n"
                       "function s() return 'x' end\n"
                       "function b() return false end\n"
                       "function seq() return {10, 20, {x = 1}} end\n"
                       "function empty() return {} end\n"
                       "function two() return 1, 2 end\n";
    assert_result(src, "n", NULL, "null");
    assert_result(src, "none", NULL, "null");
    assert_result(src, "null", NULL, "null");
    assert_result(src, "i", NULL, "42");
    assert_result(src, "f", NULL, "2");
    assert_result(src, "s", NULL, "\"x\"");
    assert_result(src, "b", NULL, "false");
    assert_result(src, "seq", NULL, "[10,20,{\"x\":1}]");
    assert_result(src, "empty", NULL, "{}");
    assert_result(src, "two", NULL, "1");
}

static void test_args_types_and_ctx(void **state)
{
    (void)state;
    const char src[] =
        "function types(a)\n"
        "  return {math.type(a.i), math.type(a.f), a.n == nil, #a.list, a.list[2]}\n"
        "end\n"
        "function context(a, ctx)\n"
        "  return {id = ctx.execution_id, op = ctx.operation, attempt = ctx.attempt,\n"
        "          cb = ctx.callback_id or 'none', log = type(ctx.log)}\n"
        "end\n";
    assert_result(src, "types", "{\"i\":3,\"f\":0.5,\"n\":null,\"list\":[\"a\",\"b\",null]}",
                  "[\"integer\",\"float\",true,3,\"b\"]");
    assert_result(src, "context", NULL,
                  "{\"id\":\"exec-1\",\"op\":\"reserve\",\"attempt\":2,\"cb\":\"none\",\"log\":"
                  "\"function\"}");

    hook_ctx sub = ctx;
    sub.callback_id = "cb-xyz";
    outcome o = call_with(src, "context", NULL, &sub, NULL);
    assert_int_equal(o.rc, 0);
    assert_string_equal(cJSON_GetObjectItem(o.result, "cb")->valuestring, "cb-xyz");
    outcome_cleanup(&o);
}

static void test_log_and_print_do_not_fail(void **state)
{
    (void)state;
    const char src[] = "function f(a, ctx)\n"
                       "  ctx.log('hello', 1, true, nil, {})\n"
                       "  print('to stderr, not stdout')\n"
                       "  return 'ok'\n"
                       "end\n";
    assert_result(src, "f", NULL, "\"ok\"");
}

static void test_cairn_json(void **state)
{
    (void)state;
    const char src[] =
        "function enc() return cairn.json.encode({b = 'x', a = {1, 2.5, cairn.json.null}}) end\n"
        "function dec()\n"
        "  local v = cairn.json.decode('{\"x\":[1,null,{\"y\":true}]}')\n"
        "  return {v.x[1], v.x[2] == cairn.json.null, v.x[3].y, math.type(v.x[1]),\n"
        "          cairn.json.decode('null') == cairn.json.null}\n"
        "end\n"
        "function bad_dec() return cairn.json.decode('{\"x\":') end\n"
        "function bad_enc() return cairn.json.encode({f = print}) end\n";
    assert_result(src, "enc", NULL, "\"{\\\"a\\\":[1,2.5,null],\\\"b\\\":\\\"x\\\"}\"");
    assert_result(src, "dec", NULL, "[1,true,true,\"integer\",true]");
    assert_error(src, "bad_dec", "Lua.Error", "cairn.json.decode: invalid JSON");
    assert_error(src, "bad_enc", "Lua.Error", "a function at value.f");
}

static void test_object_keys_are_sorted(void **state)
{
    (void)state;
    const char src[] = "function f() return {zeta = 1, alpha = 2, mid = {b = 1, a = 2}} end\n";
    outcome o = call(src, "f", NULL);
    assert_int_equal(o.rc, 0);
    char *text = cJSON_PrintUnformatted(o.result);
    assert_string_equal(text, "{\"alpha\":2,\"mid\":{\"a\":2,\"b\":1},\"zeta\":1}");
    cJSON_free(text);
    outcome_cleanup(&o);
}

/* ---- results that are not JSON ----------------------------------------- */

static void test_result_not_json(void **state)
{
    (void)state;
    const char src[] = "function fn() return {f = function() end} end\n"
                       "function nan() return {list = {1, 0/0}} end\n"
                       "function inf() return math.huge end\n"
                       "function cycle() local t = {} t.self = t return {t} end\n"
                       "function boolkey() return {[true] = 1} end\n"
                       "function sparse() return {[1] = 'a', [3] = 'c'} end\n"
                       "function mixed() return {1, 2, x = 3} end\n"
                       "function zero() return 'a\\0b' end\n"
                       "local function nest(n) local t = {} local cur = t\n"
                       "  for i = 2, n do cur.a = {} cur = cur.a end return t end\n"
                       "function deep64() return nest(64) end\n"
                       "function deep65() return nest(65) end\n";
    assert_error(src, "fn", "Lua.Error", "result is not JSON: a function at result.f");
    assert_error(src, "nan", "Lua.Error", "result is not JSON: NaN at result.list[1]");
    assert_error(src, "inf", "Lua.Error", "result is not JSON: an infinite number at result");
    assert_error(src, "cycle", "Lua.Error",
                 "result is not JSON: a table that contains itself at result[0].self");
    assert_error(src, "boolkey", "Lua.Error", "not a string");
    assert_error(src, "sparse", "Lua.Error", "not a string");
    assert_error(src, "mixed", "Lua.Error", "not a string");
    assert_error(src, "zero", "Lua.Error", "zero byte");
    assert_error(src, "deep65", "Lua.Error", "deeper than 64");

    outcome o = call(src, "deep64", NULL);
    assert_int_equal(o.rc, 0);
    int depth = 0;
    for (const cJSON *v = o.result; v; v = cJSON_GetObjectItem(v, "a"))
        depth++;
    assert_int_equal(depth, 64);
    outcome_cleanup(&o);
}

/* ---- errors ------------------------------------------------------------ */

static void test_typed_errors(void **state)
{
    (void)state;
    const char src[] = "function full() error({type = 'Budget.Exceeded', message = 'over by 30',\n"
                       "                        data = {over = 30, items = {'a', 'b'}}}) end\n"
                       "function bare() error({type = 'Budget.Busy'}) end\n"
                       "function numeric() error({type = 'X.Y', message = 42}) end\n"
                       "function baddata() error({type = 'X.Y', data = {f = error}}) end\n";
    outcome o = call(src, "full", NULL);
    assert_int_equal(o.rc, -1);
    assert_string_equal(o.err.type, "Budget.Exceeded");
    assert_string_equal(o.err.message, "over by 30");
    cJSON *want = cJSON_Parse("{\"over\":30,\"items\":[\"a\",\"b\"]}");
    assert_true(json_equal(o.err.data, want));
    cJSON_Delete(want);
    outcome_cleanup(&o);

    o = call(src, "bare", NULL);
    assert_string_equal(o.err.type, "Budget.Busy");
    assert_string_equal(o.err.message, "");
    assert_null(o.err.data);
    outcome_cleanup(&o);

    o = call(src, "numeric", NULL);
    assert_string_equal(o.err.type, "X.Y");
    assert_string_equal(o.err.message, "42");
    outcome_cleanup(&o);

    assert_error(src, "baddata", "Lua.Error", "data is not JSON: a function at data.f");
}

static void test_lua_errors_have_positions(void **state)
{
    (void)state;
    const char src[] = "function text()\n"
                       "  error('boom')\n"
                       "end\n"
                       "function runtime(a)\n"
                       "  local x = nil\n"
                       "  return x.y\n"
                       "end\n"
                       "function arith(a) return a.missing + 1 end\n";
    outcome o = call(src, "text", NULL);
    assert_string_equal(o.err.type, "Lua.Error");
    assert_string_equal(o.err.message, "test.lua:2: boom");
    outcome_cleanup(&o);
    assert_error(src, "runtime", "Lua.Error",
                 "test.lua:6: attempt to index a nil value (local 'x')");
    assert_error(src, "arith", "Lua.Error",
                 "test.lua:8: attempt to perform arithmetic on a nil value");
}

static void test_odd_error_values(void **state)
{
    (void)state;
    const char src[] = "function enil() error(nil) end\n"
                       "function ebool() error(true) end\n"
                       "function enum() error(42) end\n"
                       "function efloat() error(0.5) end\n"
                       "function etable() error({message = 'no type'}) end\n"
                       "function etype() error({type = 7}) end\n"
                       "function eempty() error({type = ''}) end\n"
                       "function enull() error(cairn.json.null) end\n"
                       "function efn() error(print) end\n";
    assert_error(src, "enil", "Lua.Error", "error object is a nil value");
    assert_error(src, "ebool", "Lua.Error", "error object is a boolean value");
    assert_error(src, "enum", "Lua.Error", "42");
    assert_error(src, "efloat", "Lua.Error", "0.5");
    assert_error(src, "etable", "Lua.Error", "without a string 'type'");
    assert_error(src, "etype", "Lua.Error", "without a string 'type'");
    assert_error(src, "eempty", "Lua.Error", "without a string 'type'");
    assert_error(src, "enull", "Lua.Error", "error object is a userdata value");
    assert_error(src, "efn", "Lua.Error", "error object is a function value");
}

static void test_load_errors(void **state)
{
    (void)state;
    assert_error("function f()\n  return 1 +\nend\n", "f", "Lua.Error", "test.lua:3:");
    assert_error("x = 1\nerror('top level')\nfunction f() end\n", "f", "Lua.Error",
                 "test.lua:2: top level");
    assert_error("function f() end\n", "g", "Lua.Error",
                 "Lua function 'g' is not defined in test.lua");
    assert_error("g = 5\n", "g", "Lua.Error", "'g' in test.lua is a number, not a function");
    /* a metatable on _G cannot run while the runtime looks the function up */
    assert_error("setmetatable(_G, {__index = function() error({type = 'X'}) end})\n", "f",
                 "Lua.Error", "not defined");
    /* binary chunks are refused: hooks load as text */
    assert_error("\x1bLua\x54\x00", "f", "Lua.Error", "binary chunk");

    outcome o = {.result = NULL};
    err_init(&o.err);
    cJSON *args = cJSON_CreateObject();
    assert_int_equal(hook_lua_call(NULL, NULL, "f", args, NULL, NULL, &o.result, &o.err), -1);
    assert_string_equal(o.err.type, "Lua.Error");
    assert_non_null(strstr(o.err.message, "no hooks"));
    cJSON_Delete(args);
    outcome_cleanup(&o);
}

/* ---- the sandbox ------------------------------------------------------- */

static void test_sandbox_escapes_refused(void **state)
{
    (void)state;
    static const char *const escapes[] = {
        "io.open('/etc/passwd')",
        "os.execute('true')",
        "os.getenv('HOME')",
        "require('os')",
        "load('return 1')",
        "loadfile('/etc/passwd')",
        "dofile('/etc/passwd')",
        "string.dump(print)",
        "('').dump(print)",
        "debug.getinfo(1)",
        "debug.sethook()",
        "collectgarbage('count')",
        "package.loadlib('libc.so.6', 'system')",
        "coroutine.create(print)",
    };
    for (size_t i = 0; i < sizeof escapes / sizeof *escapes; i++) {
        char src[256];
        snprintf(src, sizeof src, "function f()\n  return %s\nend\n", escapes[i]);
        outcome o = call(src, "f", NULL);
        if (o.rc == 0)
            fail_msg("escape not refused: %s", escapes[i]);
        /* the error is Lua's own, at the line of the call */
        if (strcmp(o.err.type, "Lua.Error") != 0 ||
            strncmp(o.err.message, "test.lua:2: attempt to", 22) != 0)
            fail_msg("%s: %s: %s", escapes[i], o.err.type, o.err.message);
        outcome_cleanup(&o);
    }
    /* what is left of the base library is what hooks need */
    assert_result("function f() return {type(pairs), type(pcall), type(string.format),\n"
                  "  type(table.concat), type(math.floor), type(utf8.char), type(tostring)} end\n",
                  "f", NULL,
                  "[\"function\",\"function\",\"function\",\"function\",\"function\",\"function\","
                  "\"function\"]");
}

static void test_globals_do_not_survive(void **state)
{
    (void)state;
    const char src[] = "function f() counter = (counter or 0) + 1 return counter end\n";
    assert_result(src, "f", NULL, "1");
    long made = hook_lua_states_made();
    assert_result(src, "f", NULL, "1");
    /* the second call ran on the state the first made: isolated all the same */
    assert_int_equal(hook_lua_states_made(), made);
}

/*
 * A call reports what an earlier call of the same source left behind, then
 * leaves all it can: a global, fields of a library table and of the string
 * metatable, a changed library value, a metatable on _G, a base function
 * removed, the chunk's local, the random generator's seed. The calls run on
 * one kept state (the count of states made does not move), and none sees
 * another's traces.
 */
static void test_nothing_leaks_between_calls_on_a_kept_state(void **state)
{
    (void)state;
    /* what math.random(1 << 40) gives after math.randomseed(7) */
    outcome o =
        call("function f() math.randomseed(7) return math.random(1 << 40) end\n", "f", NULL);
    assert_int_equal(o.rc, 0);
    long long after_seed_7 = (long long)cJSON_GetNumberValue(o.result);
    outcome_cleanup(&o);
    char src[2048];
    snprintf(
        src, sizeof src,
        "local calls = 0\n"
        "function f()\n"
        "  calls = calls + 1\n"
        "  local seen = {calls = calls, global = rawget(_G, 'left'), field = string.left,\n"
        "    meta = getmetatable('').left, pi = math.pi, g_meta = getmetatable(_G) ~= nil,\n"
        "    tostring_gone = tostring == nil, method = pcall(function() return ('x'):left() end),\n"
        "    seeded_same = math.random(1 << 40) == %lld}\n"
        "  left = 'x'\n"
        "  string.left = function() return 'left' end\n"
        "  getmetatable('').left = true\n"
        "  math.pi = 3\n"
        "  setmetatable(_G, {__index = function() return 'from a metatable' end})\n"
        "  tostring = nil\n"
        "  math.randomseed(7)\n"
        "  return seen\n"
        "end\n",
        after_seed_7);
    const char clean[] = "{\"calls\": 1, \"pi\": 3.141592653589793, \"g_meta\": false, "
                         "\"tostring_gone\": false, \"method\": false, \"seeded_same\": false}";
    assert_result(src, "f", NULL, clean);
    long made = hook_lua_states_made();
    for (int i = 0; i < 3; i++)
        assert_result(src, "f", NULL, clean);
    assert_int_equal(hook_lua_states_made(), made);
    /* a hook that fails with its own error after leaving traces: the state is kept, clean */
    const char fails[] = "function f() left = 1 string.left = 1 error({type = 'Mine'}) end\n"
                         "function g() return {rawget(_G, 'left'), string.left} end\n";
    assert_error_with(fails, "f", NULL, "Mine", "");
    made = hook_lua_states_made();
    assert_result(fails, "g", NULL, "{}"); /* both nil: an empty table */
    assert_int_equal(hook_lua_states_made(), made);
}

/* A state that hit a limit is not kept: the next call gets a new one, and works. */
static void test_a_state_past_a_limit_is_not_kept(void **state)
{
    (void)state;
    const char src[] = "function spin() while true do end end\n"
                       "function one() return 1 end\n";
    assert_result(src, "one", NULL, "1");
    long made = hook_lua_states_made();
    hook_limits lim = {.instructions = 10000};
    assert_error_with(src, "spin", &lim, "Lua.Limit", "instruction limit of 10000 reached");
    assert_result(src, "one", NULL, "1");
    assert_int_equal(hook_lua_states_made(), made + 1);
    /* released: the next call makes one again */
    hook_lua_release();
    assert_result(src, "one", NULL, "1");
}

/*
 * What an earlier call left (4 MiB, in a global) is not charged to the next
 * call's memory limit, nor is the state's own making once it is kept.
 */
static void test_memory_limit_is_per_call_on_a_kept_state(void **state)
{
    (void)state;
    const char src[] = "function fill() big = string.rep('x', 4 << 20) return #big end\n"
                       "function some() local t = {} for i = 1, 5000 do t[i] = i end\n"
                       "  return #string.rep('y', 200000) end\n";
    assert_result(src, "fill", NULL, "4194304");
    long made = hook_lua_states_made();
    hook_limits lim = {.memory = 1 << 20};
    assert_result_with(src, "some", NULL, &lim, "200000");
    assert_result_with(src, "some", NULL, &lim, "200000");
    assert_int_equal(hook_lua_states_made(), made);
    hook_limits small = {.memory = 100000};
    assert_error_with(src, "some", &small, "Lua.Limit", "memory limit of 100000 bytes reached");
}

/* ---- limits ------------------------------------------------------------ */

static void test_instruction_limit(void **state)
{
    (void)state;
    hook_limits lim = {.instructions = 100000};
    assert_error_with("function f() while true do end end\n", "f", &lim, "Lua.Limit",
                      "instruction limit of 100000 reached");
    /* pcall can catch the limit's error once, but never runs on */
    assert_error_with("function f()\n"
                      "  while true do pcall(function() while true do end end) end\n"
                      "end\n",
                      "f", &lim, "Lua.Limit", "instruction limit of 100000 reached");
    assert_error_with("function f()\n"
                      "  local ok = pcall(function() while true do end end)\n"
                      "  return 'escaped'\n"
                      "end\n",
                      "f", &lim, "Lua.Limit", "instruction limit");
    /* the chunk's own top level counts too */
    assert_error_with("while true do end\n", "f", &lim, "Lua.Limit", "instruction limit");
    /* Lua runs finalizers with hooks off, so hooks may not have any */
    assert_error_with("function f()\n"
                      "  setmetatable({}, {__gc = function() while true do end end})\n"
                      "  return 1\n"
                      "end\n",
                      "f", &lim, "Lua.Error", "test.lua:2: __gc metamethods are not allowed");
    assert_result(
        "function f() local t = setmetatable({}, {__index = function(t, k) return k end})\n"
        "  return t.x end\n",
        "f", NULL, "\"x\"");
    /* under the limit, work completes */
    assert_error_with("function f() local n = 0 for i = 1, 1000 do n = n + i end\n"
                      "  error({type = 'Done', message = tostring(n)}) end\n",
                      "f", &lim, "Done", "500500");
}

/* String and table functions that loop in C count against the limit too. */
static void test_instruction_limit_in_c_loops(void **state)
{
    (void)state;
    hook_limits lim = {.instructions = 100000};
    static const char *const runaways[] = {
        /* exponential backtracking */
        "function f() return ('a'):rep(40):find(('a*'):rep(30) .. 'b') end\n",
        "function f() return string.match(('a'):rep(40), ('a*'):rep(30) .. 'b') end\n",
        "function f() for m in ('a'):rep(40):gmatch(('a*'):rep(30) .. 'b') do end end\n",
        "function f() return (('a'):rep(40):gsub(('a*'):rep(30) .. 'b', 'x')) end\n",
        /* quadratic scans of a long subject */
        "function f() return string.rep('a', 1e6):find('a*b') end\n",
        "function f() return string.rep('a', 1e6):find('.-b') end\n",
        "function f() return string.rep('a', 1e6):find(string.rep('a', 5e5) .. 'b', 1, true) end\n",
        "function f() return string.rep('a', 1e6):find('[' .. string.rep('x', 1e5) .. ']') end\n",
        /* loops that allocate nothing */
        "function f() local t = setmetatable({}, {__len = function() return 1e15 end})\n"
        "  table.insert(t, 1, 'x') end\n",
        "function f() local t = setmetatable({}, {__len = function() return 1e15 end})\n"
        "  return table.remove(t, 1) end\n",
        "function f() return table.move({}, 1, 1e15, 2) end\n",
        "function f() return table.move({}, 2, 1e15, 1) end\n",
        /* up to a million values per call, each call one instruction */
        "function f() local t = {} while true do table.unpack(t, 1, 999000) end end\n",
        "function f() local s = ('x'):rep(999000) while true do s:byte(1, -1) end end\n",
        /* pcall catches the limit once, but the hook never runs on */
        "function f() pcall(string.find, ('a'):rep(40), ('a*'):rep(30) .. 'b') return 'escaped' "
        "end\n",
        "function f() while true do pcall(table.move, {}, 1, 1e15, 2) end end\n",
    };
    for (size_t i = 0; i < sizeof runaways / sizeof *runaways; i++)
        assert_error_with(runaways[i], "f", &lim, "Lua.Limit",
                          "instruction limit of 100000 reached");

    /* table.concat of empty strings appends nothing, yet takes time per element */
    hook_limits lim6 = {.instructions = 1000000};
    assert_error_with("function f() local t = {} for i = 1, 1e5 do t[i] = '' end\n"
                      "  while true do table.concat(t) end end\n",
                      "f", &lim6, "Lua.Limit", "instruction limit of 1000000 reached");

    /* ordinary uses still work, under the same limit */
    const char src[] =
        "function f()\n"
        "  local words = {}\n"
        "  for w in ('the quick brown fox'):gmatch('%a+') do words[#words + 1] = w end\n"
        "  local s, n = ('a-b-c'):gsub('%a', function(c) return c:upper() end)\n"
        "  local t = {1, 2, 3}\n"
        "  table.insert(t, 1, 0)\n"
        "  table.insert(t, 9)\n"
        "  local removed = table.remove(t, 2)\n"
        "  table.move(t, 1, 2, 3)\n"
        "  return {words = table.concat(words, ','), s = s, n = n, removed = removed,\n"
        "          t = table.concat(t, ','), at = ('key=val'):find('=', 1, true),\n"
        "          m = ('key=val'):match('^(%w+)='), rep = ('ab'):rep(3, '-'),\n"
        "          b = select(2, ('AB'):byte(1, -1)), u = select('#', table.unpack({1, 2, 3}))}\n"
        "end\n";
    outcome o = call_with(src, "f", NULL, &ctx, &lim);
    if (o.rc != 0)
        fail_msg("f failed: %s: %s", o.err.type, o.err.message);
    cJSON *want = cJSON_Parse("{\"words\":\"the,quick,brown,fox\",\"s\":\"A-B-C\",\"n\":3,"
                              "\"removed\":1,\"t\":\"0,2,0,2\",\"at\":4,\"m\":\"key\","
                              "\"rep\":\"ab-ab-ab\",\"b\":66,\"u\":3}");
    assert_non_null(want);
    assert_true(json_equal(o.result, want));
    cJSON_Delete(want);
    outcome_cleanup(&o);
    /* Lua's string.rep copies 1e15 empty strings; lualib's makes none */
    outcome e =
        call_with("function f() return string.rep('', 1e15, '') end\n", "f", NULL, &ctx, &lim);
    assert_int_equal(e.rc, 0);
    assert_string_equal(e.result->valuestring, "");
    outcome_cleanup(&e);
    /* a long but linear match fits the default limit */
    assert_result("function f() return (string.rep('ab', 1e5):gsub('a(b)', '%1')):len() end\n", "f",
                  NULL, "100000");
}

/* Functions whose work grows with their input charge it before they run. */
static void test_instruction_limit_in_library_calls(void **state)
{
    (void)state;
    /* Each loop ends well within 1e6 instructions if the calls are not charged. */
    hook_limits lim = {.instructions = 1000000};
    static const char *const loops[] = {
        "function f() local t = {} for i = 1, 1e4 do t[i] = i end\n"
        "  for k = 1, 100 do table.sort(t) end end\n",
        "function f() local t = {} for i = 1, 1e4 do t[i] = i end\n"
        "  for k = 1, 100 do table.sort(t, math.ult) end end\n",
        "function f() local s = ('x'):rep(1e6) for k = 1, 100 do utf8.len(s) end end\n",
        "function f() local s = ('x'):rep(1e5)\n"
        "  for k = 1, 100 do utf8.codepoint(s, 1, -1) end end\n",
        "function f() local s = ('x'):rep(1e6) for k = 1, 100 do utf8.offset(s, -1) end end\n",
        "function f() local s = ('x'):rep(1e6) for k = 1, 100 do utf8.offset(s, 1e6) end end\n",
        "function f() local s = (' '):rep(1e6) .. '1' for k = 1, 100 do tonumber(s) end end\n",
        "function f() local s = ('1'):rep(1e6) for k = 1, 100 do tonumber(s, 16) end end\n",
        "function f() local s = ('b'):rep(1e5) for k = 1, 100 do string.packsize(s) end end\n",
        "function f() local s = ('x'):rep(1e5) for k = 1, 100 do string.pack(s) end end\n",
        "function f() local s = ('x'):rep(1e5) for k = 1, 100 do s.unpack(s, s) end end\n",
        /* pcall catches the limit once, but the hook never runs on */
        "function f() local s = ('x'):rep(1e6)\n"
        "  for k = 1, 100 do pcall(utf8.len, s) end return 'escaped' end\n",
    };
    for (size_t i = 0; i < sizeof loops / sizeof *loops; i++)
        assert_error_with(loops[i], "f", &lim, "Lua.Limit", "instruction limit of 1000000 reached");

    /* ordinary uses still work, with Lua's results */
    const char src[] =
        "function f()\n"
        "  local t = {5, 3, 9, 1}\n"
        "  table.sort(t)\n"
        "  local u = {'b', 'c', 'a'}\n"
        "  table.sort(u, function(x, y) return x > y end)\n"
        "  local s = 'h\xc3\xa9llo'\n"
        "  return {t = table.concat(t, ','), u = table.concat(u, ','), len = utf8.len(s),\n"
        "          bad = select(2, utf8.len('a\\255')), cp = {utf8.codepoint(s, 1, -1)},\n"
        "          off = utf8.offset(s, 3), back = utf8.offset(s, -1), n = tonumber(' 0x10 '),\n"
        "          n36 = tonumber('z', 36), none = tonumber('x') == nil,\n"
        "          size = string.packsize('i4i8'),\n"
        "          v = string.unpack('<i4', string.pack('<i4', 7))}\n"
        "end\n";
    assert_result(src, "f", NULL,
                  "{\"t\":\"1,3,5,9\",\"u\":\"c,b,a\",\"len\":5,\"bad\":2,"
                  "\"cp\":[104,233,108,108,111],\"off\":4,\"back\":6,\"n\":16,\"n36\":35,"
                  "\"none\":true,\"size\":12,\"v\":7}");
    /* a sort of 1e5 elements fits the default limit */
    assert_result("function f() local t = {} for i = 1, 1e5 do t[i] = (i * 7919) % 1e5 end\n"
                  "  table.sort(t) return t[1] + t[#t] end\n",
                  "f", NULL, "99999");
}

/*
 * One instruction can cost milliseconds (comparing two long strings), so
 * 1e8 of them would run for a day: the CPU-time limit ends the call.
 */
static void test_cpu_time_limit(void **state)
{
    (void)state;
    hook_limits lim = {.instructions = UINT64_MAX, .cpu_ms = 200};
    static const char *const spins[] = {
        "function f() local a, b = ('x'):rep(2e6), ('x'):rep(2e6)\n"
        "  while true do local _ = (a == b) end end\n",
        /* pcall catches the limit once, but the hook never runs on */
        "function f() local a, b = ('x'):rep(2e6), ('x'):rep(2e6)\n"
        "  while true do pcall(function() while true do local _ = (a == b) end end) end end\n",
        "function f() local a, b = ('x'):rep(2e6), ('x'):rep(2e6)\n"
        "  pcall(function() while true do local _ = (a == b) end end) return 'escaped' end\n",
        /* the library's charge path checks the time too */
        "function f() local s = ('a'):rep(2e6) while true do s:find('b', 1, true) end end\n",
    };
    for (size_t i = 0; i < sizeof spins / sizeof *spins; i++)
        assert_error_with(spins[i], "f", &lim, "Lua.Limit", "time limit of 200 ms of CPU reached");
    /* under the limit, work completes */
    assert_result_with("function f() local n = 0 for i = 1, 1000 do n = n + i end return n end\n",
                       "f", NULL, &lim, "500500");
}

static void test_memory_limit(void **state)
{
    (void)state;
    hook_limits lim = {.memory = 1 << 20};
    assert_error_with("function f() local s = 'x' while true do s = s .. s end end\n", "f", &lim,
                      "Lua.Limit", "memory limit of 1048576 bytes reached");
    assert_error_with("function f() local t = {} for i = 1, 1e9 do t[i] = {i} end end\n", "f", &lim,
                      "Lua.Limit", "memory limit of 1048576 bytes reached");
    assert_error_with("function f() return string.rep('x', 1 << 30) end\n", "f", &lim, "Lua.Limit",
                      "memory limit");
    /* a hook that catches its own memory error and goes on is not failed by it */
    const char src[] =
        "function f()\n"
        "  local ok = pcall(function() local s = 'x' while true do s = s .. s end end)\n"
        "  return ok\n"
        "end\n";
    outcome o = call_with(src, "f", NULL, &ctx, &lim);
    assert_int_equal(o.rc, 0);
    assert_true(cJSON_IsFalse(o.result));
    outcome_cleanup(&o);
    /* too little memory for the state itself */
    hook_limits tiny = {.memory = 64};
    assert_error_with("function f() end\n", "f", &tiny, "Lua.Limit", "memory limit of 64 bytes");
}

/* Failures while the runtime itself works in the state: converting args. */
static void test_args_over_the_limits(void **state)
{
    (void)state;
    const char src[] = "function f(a) return 'ran' end\n";
    hook_limits lim = {.memory = 1 << 20};
    cJSON *args = cJSON_CreateObject();
    char *big = malloc(2 << 20);
    assert_non_null(big);
    memset(big, 'x', (2 << 20) - 1);
    big[(2 << 20) - 1] = '\0';
    cJSON_AddStringToObject(args, "big", big);
    free(big);
    cJSON *result = NULL;
    cairn_error err;
    err_init(&err);
    assert_int_equal(hook_lua_call(src, "@test.lua", "f", args, &ctx, &lim, &result, &err), -1);
    assert_null(result);
    assert_string_equal(err.type, "Lua.Limit");
    assert_string_equal(err.message, "memory limit of 1048576 bytes reached");
    err_cleanup(&err);
    cJSON_Delete(args);

    /* deeper than any parsed JSON can be: refused, not a C stack overflow */
    args = cJSON_CreateArray();
    cJSON *cur = args;
    for (int i = 0; i < 1100; i++) {
        cJSON *next = cJSON_CreateArray();
        cJSON_AddItemToArray(cur, next);
        cur = next;
    }
    assert_int_equal(hook_lua_call(src, "@test.lua", "f", args, &ctx, NULL, &result, &err), -1);
    assert_string_equal(err.type, "Lua.Error");
    assert_non_null(strstr(err.message, "nested deeper than 1000"));
    err_cleanup(&err);
    cJSON_Delete(args);
}

static void test_deep_recursion(void **state)
{
    (void)state;
    assert_error("local function r(n) return 1 + r(n + 1) end\nfunction f() return r(1) end\n", "f",
                 "Lua.Error", "stack overflow");
    /* recursion through C functions hits Lua's C stack limit */
    assert_error("local function g() return ('x'):gsub('.', g) end\nfunction f() return g() end\n",
                 "f", "Lua.Error", "stack overflow");
    /* nested pcalls end at the C stack limit; the hook still returns normally */
    outcome o =
        call("local function g() return pcall(g) end\nfunction f() return {g()} end\n", "f", NULL);
    assert_int_equal(o.rc, 0);
    assert_true(cJSON_IsArray(o.result));
    assert_true(cJSON_GetArraySize(o.result) > 2);
    outcome_cleanup(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_shape),
        cmocka_unit_test(test_null_members_arrive_absent),
        cmocka_unit_test(test_scalar_results),
        cmocka_unit_test(test_args_types_and_ctx),
        cmocka_unit_test(test_log_and_print_do_not_fail),
        cmocka_unit_test(test_cairn_json),
        cmocka_unit_test(test_object_keys_are_sorted),
        cmocka_unit_test(test_result_not_json),
        cmocka_unit_test(test_typed_errors),
        cmocka_unit_test(test_lua_errors_have_positions),
        cmocka_unit_test(test_odd_error_values),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_sandbox_escapes_refused),
        cmocka_unit_test(test_globals_do_not_survive),
        cmocka_unit_test(test_nothing_leaks_between_calls_on_a_kept_state),
        cmocka_unit_test(test_a_state_past_a_limit_is_not_kept),
        cmocka_unit_test(test_memory_limit_is_per_call_on_a_kept_state),
        cmocka_unit_test(test_instruction_limit),
        cmocka_unit_test(test_instruction_limit_in_c_loops),
        cmocka_unit_test(test_instruction_limit_in_library_calls),
        cmocka_unit_test(test_cpu_time_limit),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_args_over_the_limits),
        cmocka_unit_test(test_deep_recursion),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    hook_lua_release(); /* this thread's kept states */
    return failed;
}
