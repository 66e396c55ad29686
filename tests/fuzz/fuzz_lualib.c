/*
 * fuzz_lualib.c — hook_lualib's pattern functions against Lua 5.4's own, on
 * any bytes. Input: one byte choosing the call (find, find plain, match,
 * gmatch, gsub with a string, a table or a function), one signed byte of
 * init (0: none), then subject, pattern and replacement separated by 0xFF
 * bytes. Both sides must give the same results, types included, or the same
 * error message; never a crash, a leak or a difference.
 *
 * lualib's side runs first under a step budget; only when it finishes
 * within it does the stock side run (it does the same work, so it is fast
 * then). Inputs that exhaust the budget are counted as such, not compared.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hook_lualib.h"

#define BUDGET 2000000ul

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long budget_left;
static int budget_hit;

static void charge(lua_State *L, unsigned long steps)
{
    if (budget_hit || steps > budget_left) {
        budget_hit = 1;
        luaL_error(L, "step budget exhausted");
    }
    budget_left -= steps;
}

static const char prelude[] = "fn_repl = function(...) return select('#', ...), ... end\n"
                              "tab_repl = {a = 'A', b = false, ['1'] = 1, ['()'] = {}}\n"
                              "function gm(s, p, i)\n"
                              "  local out, it = {}, string.gmatch(s, p, i)\n"
                              "  for k = 1, 100 do\n"
                              "    local r = table.pack(it())\n"
                              "    if r.n == 0 then break end\n"
                              "    out[#out + 1] = r.n\n"
                              "    for j = 1, r.n do out[#out + 1] = r[j] end\n"
                              "  end\n"
                              "  return table.unpack(out)\n"
                              "end\n";

static const char *const calls[] = {
    "local s, p, r, i = ... return string.find(s, p, i)",
    "local s, p, r, i = ... return string.find(s, p, i, true)",
    "local s, p, r, i = ... return string.match(s, p, i)",
    "local s, p, r, i = ... return gm(s, p, i)",
    "local s, p, r, i = ... return string.gsub(s, p, r)",
    "local s, p, r, i = ... return string.gsub(s, p, r, i)",
    "local s, p, r, i = ... return string.gsub(s, p, tab_repl, i)",
    "local s, p, r, i = ... return string.gsub(s, p, fn_repl, i)",
};

static lua_State *state_new(int bounded)
{
    lua_State *L = luaL_newstate();
    if (!L)
        abort();
    luaL_openlibs(L);
    if (bounded)
        lualib_open(L, charge);
    if (luaL_dostring(L, prelude) != LUA_OK)
        abort();
    return L;
}

/* Pushes the next 0xFF-separated field of data and moves past it. */
static void push_field(lua_State *L, const uint8_t **at, const uint8_t *end)
{
    const uint8_t *sep = memchr(*at, 0xFF, (size_t)(end - *at));
    const uint8_t *stop = sep ? sep : end;
    lua_pushlstring(L, (const char *)*at, (size_t)(stop - *at));
    *at = sep ? sep + 1 : end;
}

/* Runs the call on L: pcall status, results or error on the stack. */
static int run(lua_State *L, const uint8_t *data, size_t size)
{
    lua_settop(L, 0);
    if (luaL_loadstring(L, calls[data[0] % (sizeof calls / sizeof *calls)]) != LUA_OK)
        abort();
    const uint8_t *at = data + 2, *end = data + size;
    push_field(L, &at, end);
    push_field(L, &at, end);
    push_field(L, &at, end);
    if (data[1])
        lua_pushinteger(L, (int8_t)data[1]);
    else
        lua_pushnil(L);
    return lua_pcall(L, 4, LUA_MULTRET, 0);
}

static int same_value(lua_State *a, lua_State *b, int i)
{
    if (lua_type(a, i) != lua_type(b, i))
        return 0;
    switch (lua_type(a, i)) {
    case LUA_TNUMBER:
        if (lua_isinteger(a, i) != lua_isinteger(b, i))
            return 0;
        return lua_isinteger(a, i) ? lua_tointeger(a, i) == lua_tointeger(b, i)
                                   : lua_tonumber(a, i) == lua_tonumber(b, i);
    case LUA_TSTRING: {
        size_t na, nb;
        const char *sa = lua_tolstring(a, i, &na), *sb = lua_tolstring(b, i, &nb);
        return na == nb && memcmp(sa, sb, na) == 0;
    }
    case LUA_TBOOLEAN:
        return lua_toboolean(a, i) == lua_toboolean(b, i);
    default:
        return 1;
    }
}

/* The two states live across inputs, closed at exit. */
static lua_State *stock, *bounded;

static void states_close(void)
{
    lua_close(stock);
    lua_close(bounded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!stock) {
        stock = state_new(0);
        bounded = state_new(1);
        atexit(states_close);
    }
    if (size < 2)
        return 0;
    budget_left = BUDGET;
    budget_hit = 0;
    int sb = run(bounded, data, size);
    if (budget_hit) {
        lua_settop(bounded, 0);
        lua_gc(bounded, LUA_GCCOLLECT);
        return 0; /* too much work to compare: the stock side could take years */
    }
    int sa = run(stock, data, size);
    int n = lua_gettop(stock);
    if (sa != sb || n != lua_gettop(bounded)) {
        fprintf(stderr, "stock status %d, %d values; lualib status %d, %d values\n", sa, n, sb,
                lua_gettop(bounded));
        abort();
    }
    for (int i = 1; i <= n; i++)
        if (!same_value(stock, bounded, i)) {
            fprintf(stderr, "value %d differs: stock %s, lualib %s\n", i,
                    luaL_tolstring(stock, i, NULL), luaL_tolstring(bounded, i, NULL));
            abort();
        }
    lua_settop(stock, 0);
    lua_settop(bounded, 0);
    /* the states live across inputs: keep their garbage from piling up */
    lua_gc(stock, LUA_GCCOLLECT);
    lua_gc(bounded, LUA_GCCOLLECT);
    return 0;
}
