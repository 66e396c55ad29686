/*
 * test_rt_lualib.c — hook_lualib.c against Lua 5.4's own string and table
 * libraries: the same Lua chunk runs in a stock state and in a state whose
 * string.find, match, gmatch, gsub, rep, byte and table.insert, remove,
 * move, unpack, concat are lualib's (and table.sort, utf8.len, codepoint,
 * offset, tonumber and string.pack, packsize, unpack are wrapped by it),
 * and every result (count, types,
 * values) and error message must be the same. A hand-written table covers each feature and each
 * error message (and checks the stock side really gives that error); a fixed-seed generator adds
 * thousands of random patterns and subjects over a small alphabet, malformed ones included.
 * lualib's side has a generous step budget; a case that exhausts it fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hook_lualib.h"

#define BUDGET 100000000ull /* steps per case: far more than any case needs */
#define RANDOM_CASES 6000

static unsigned long long budget_left;
static unsigned long long steps_total;

static void test_charge(lua_State *L, unsigned long steps)
{
    steps_total += steps;
    if (steps > budget_left) {
        budget_left = 0;
        luaL_error(L, "step budget exhausted");
    }
    budget_left -= steps;
}

/* Helpers both states share: ser(...) names every value with its type. */
static const char prelude[] =
    "function ser(...)\n"
    "  local out = {tostring(select('#', ...))}\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    local t = type(v)\n"
    "    if t == 'number' then t = math.type(v) end\n"
    "    if t == 'string' then v = string.format('%q', v) end\n"
    "    if t == 'table' or t == 'function' then v = '' end\n"
    "    out[#out + 1] = t .. ':' .. tostring(v)\n"
    "  end\n"
    "  return table.concat(out, ' ')\n"
    "end\n"
    "function gm(s, p, i)\n"
    "  local it = string.gmatch(s, p, i)\n"
    "  local out = {}\n"
    "  for k = 1, 300 do\n"
    "    local r = ser(it())\n"
    "    if r == '0' then break end\n"
    "    out[#out + 1] = r\n"
    "  end\n"
    "  return table.concat(out, ';')\n"
    "end\n"
    "function log_proxy(log, n)\n"
    "  return setmetatable({}, {\n"
    "    __len = function() return n end,\n"
    "    __index = function(t, k) log[#log + 1] = 'r' .. k return 'v' .. k end,\n"
    "    __newindex = function(t, k, v) log[#log + 1] = 'w' .. k .. '=' .. tostring(v) end})\n"
    "end\n"
    "ALL = {} for i = 0, 255 do ALL[#ALL + 1] = string.char(i) end ALL = table.concat(ALL)\n"
    "fn_repl = function(...) return ser(...) end\n"
    "tab_repl = {a = 'A', b = false, ['()'] = 7, c = 1.5, ['1'] = 'one'}\n";

typedef struct pair {
    lua_State *stock, *bounded;
} pair;

static lua_State *state_new(int bounded)
{
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    if (bounded)
        lualib_open(L, test_charge);
    budget_left = BUDGET;
    if (luaL_dostring(L, prelude) != LUA_OK)
        fail_msg("prelude: %s", lua_tostring(L, -1));
    return L;
}

static pair pair_new(void)
{
    return (pair){.stock = state_new(0), .bounded = state_new(1)};
}

static void pair_free(pair *p)
{
    lua_close(p->stock);
    lua_close(p->bounded);
}

/* Runs chunk; returns the pcall status with results (or the error) on the stack. */
static int run(lua_State *L, const char *chunk)
{
    lua_settop(L, 0);
    int st = luaL_loadstring(L, chunk);
    if (st != LUA_OK)
        fail_msg("chunk does not compile: %s: %s", chunk, lua_tostring(L, -1));
    return lua_pcall(L, 0, LUA_MULTRET, 0);
}

/* A value as text with its type, for messages and comparison. */
static void describe(lua_State *L, int i, char *buf, size_t len)
{
    switch (lua_type(L, i)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, i))
            snprintf(buf, len, "integer %lld", (long long)lua_tointeger(L, i));
        else
            snprintf(buf, len, "float %.17g", (double)lua_tonumber(L, i));
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, i, &n);
        size_t at = (size_t)snprintf(buf, len, "string(%zu) \"", n);
        for (size_t k = 0; k < n && at + 5 < len; k++)
            at += (size_t)snprintf(buf + at, len - at, (unsigned char)s[k] >= 32 ? "%c" : "\\%d",
                                   (unsigned char)s[k]);
        snprintf(buf + at, len - at, "\"");
        break;
    }
    case LUA_TBOOLEAN:
        snprintf(buf, len, "boolean %d", lua_toboolean(L, i));
        break;
    default:
        snprintf(buf, len, "%s", luaL_typename(L, i));
        break;
    }
}

static int same_value(lua_State *a, int i, lua_State *b, int j)
{
    if (lua_type(a, i) != lua_type(b, j))
        return 0;
    switch (lua_type(a, i)) {
    case LUA_TNUMBER:
        if (lua_isinteger(a, i) != lua_isinteger(b, j))
            return 0;
        if (lua_isinteger(a, i))
            return lua_tointeger(a, i) == lua_tointeger(b, j);
        return lua_tonumber(a, i) == lua_tonumber(b, j);
    case LUA_TSTRING: {
        size_t na, nb;
        const char *sa = lua_tolstring(a, i, &na), *sb = lua_tolstring(b, j, &nb);
        return na == nb && memcmp(sa, sb, na) == 0;
    }
    case LUA_TBOOLEAN:
        return lua_toboolean(a, i) == lua_toboolean(b, j);
    default:
        return 1; /* nil; tables are compared through what the chunk returns */
    }
}

static unsigned long cases_run;

/*
 * Runs chunk on both sides and asserts identical outcomes (status, number,
 * types and values of the results or the error). Returns the stock side's
 * status, its results left on its stack.
 */
static int check_same(pair *p, const char *chunk)
{
    char da[600], db[600];
    budget_left = BUDGET;
    if (getenv("LUALIB_TRACE"))
        fprintf(stderr, "%s\n", chunk);
    int sa = run(p->stock, chunk);
    int sb = run(p->bounded, chunk);
    cases_run++;
    int na = lua_gettop(p->stock), nb = lua_gettop(p->bounded);
    if (sa != sb || na != nb) {
        describe(p->stock, na, da, sizeof da);
        describe(p->bounded, nb, db, sizeof db);
        fail_msg("%s\n  stock: status %d, %d values, last %s\n  lualib: status %d, %d values, "
                 "last %s",
                 chunk, sa, na, da, sb, nb, db);
    }
    for (int i = 1; i <= na; i++) {
        if (!same_value(p->stock, i, p->bounded, i)) {
            describe(p->stock, i, da, sizeof da);
            describe(p->bounded, i, db, sizeof db);
            fail_msg("%s\n  value %d: stock %s\n          lualib %s", chunk, i, da, db);
        }
    }
    return sa;
}

typedef struct hand_case {
    const char *chunk;
    const char *expect; /* NULL: succeeds; else part of the error */
} hand_case;

static const hand_case hand_cases[] = {
    /* find: plain, init, anchors, captures */
    {"return string.find('hello world', 'o w')", NULL},
    {"return string.find('hello', 'l+')", NULL},
    {"return string.find('hello', 'l', 1, true)", NULL},
    {"return ('a.b'):find('.', 1, true)", NULL},
    {"return ('a.b'):find('.')", NULL},
    {"return ('a.b'):find('%.')", NULL},
    {"return ('a+b'):find('+', 1, 1)", NULL},
    {"return ('abc'):find('', 10)", NULL},
    {"return ('abc'):find('', 4)", NULL},
    {"return ('abc'):find('', 3)", NULL},
    {"return ('abc'):find('b', -1)", NULL},
    {"return ('abc'):find('b', -2)", NULL},
    {"return ('abc'):find('b', -10)", NULL},
    {"return ('abc'):find('b', 0)", NULL},
    {"return ('abc'):find('b', 100)", NULL},
    {"return ('abc'):find('b', math.mininteger)", NULL},
    {"return ('abc'):find('x*', 4)", NULL},
    {"return ('abc'):find('x*', 5)", NULL},
    {"return string.find('abc', '^b')", NULL},
    {"return string.find('abc', '^a')", NULL},
    {"return string.find('abc', '^')", NULL},
    {"return string.find('a^b', 'a^b')", NULL},
    {"return string.find('abc', 'c$')", NULL},
    {"return string.find('abc', 'b$')", NULL},
    {"return string.find('ab$c', 'b$c')", NULL},
    {"return string.find('abc', '$')", NULL},
    {"return string.find('abc', '^$')", NULL},
    {"return string.find('', '^$')", NULL},
    {"return string.find('abc', '(b)(c)')", NULL},
    {"return string.find('abc', '()b()')", NULL},
    {"return string.find('', '')", NULL},
    {"return string.find('', 'x*')", NULL},
    {"return string.find('a\\0b', '\\0')", NULL},
    {"return string.find('a\\0b', '[\\0]')", NULL},
    {"return string.find('a\\0b', '%c')", NULL},
    {"return string.find('a\\0b', 'a\\0b', 1, true)", NULL},
    {"return string.find('a\\0b.', '\\0b%.')", NULL},
    {"return string.find(12345, 34)", NULL},
    {"return string.find(12345, 3.0)", NULL},
    {"return string.find('abc', 'b', 1.0)", NULL},
    {"return string.find('abc', 'b', '2')", NULL},
    {"return string.find('abc', 'b', 1.5)", "number has no integer representation"},
    {"return string.find(nil, 'a')", "bad argument #1"},
    {"return string.find('abc')", "bad argument #2"},
    {"return string.find('abc', {})", "bad argument #2"},
    {"return string.find('abc', 'b', {})", "bad argument #3"},
    {"return ('abc'):find()", "bad argument #1"},
    {"return pcall(string.find, 'abc')", NULL},
    {"return string.find('abc', 'z', 1, false)", NULL},
    {"return string.find('abc', '[b]', 1, nil)", NULL},
    /* match */
    {"return string.match('key = value', '(%w+)%s*=%s*(%w+)')", NULL},
    {"return string.match('hello', '()ll()')", NULL},
    {"return string.match('abc', '((a)(b))')", NULL},
    {"return string.match('abc', '(a)(b)(c)(d?)')", NULL},
    {"return string.match('abc', '(()a(()b))')", NULL},
    {"return string.match('abc', 'b', 3)", NULL},
    {"return string.match('abc', 'c', -1)", NULL},
    {"return string.match('abc', '^(a)', 2)", NULL},
    {"return string.match('abc', '.-$')", NULL},
    {"return string.match('  trim  ', '^%s*(.-)%s*$')", NULL},
    {"return string.match('2024-01-31', '(%d+)-(%d+)-(%d+)')", NULL},
    {"return string.match('abc', '')", NULL},
    {"return string.match('abc', '()')", NULL},
    {"return string.match('abc', '()', 4)", NULL},
    {"return string.match('abc', '()', 5)", NULL},
    {"return string.match(3.5, '%d')", NULL},
    /* classes, each and its complement, alone and in sets */
    {"return string.gsub(ALL, '%a', '')", NULL},
    {"return string.gsub(ALL, '%A', '')", NULL},
    {"return string.gsub(ALL, '%c', '')", NULL},
    {"return string.gsub(ALL, '%C', '')", NULL},
    {"return string.gsub(ALL, '%d', '')", NULL},
    {"return string.gsub(ALL, '%D', '')", NULL},
    {"return string.gsub(ALL, '%g', '')", NULL},
    {"return string.gsub(ALL, '%G', '')", NULL},
    {"return string.gsub(ALL, '%l', '')", NULL},
    {"return string.gsub(ALL, '%L', '')", NULL},
    {"return string.gsub(ALL, '%p', '')", NULL},
    {"return string.gsub(ALL, '%P', '')", NULL},
    {"return string.gsub(ALL, '%s', '')", NULL},
    {"return string.gsub(ALL, '%S', '')", NULL},
    {"return string.gsub(ALL, '%u', '')", NULL},
    {"return string.gsub(ALL, '%U', '')", NULL},
    {"return string.gsub(ALL, '%w', '')", NULL},
    {"return string.gsub(ALL, '%W', '')", NULL},
    {"return string.gsub(ALL, '%x', '')", NULL},
    {"return string.gsub(ALL, '%X', '')", NULL},
    {"return string.gsub(ALL, '%z', '')", NULL},
    {"return string.gsub(ALL, '%Z', '')", NULL},
    {"return string.gsub(ALL, '%.', '')", NULL},
    {"return string.gsub(ALL, '%%', '')", NULL},
    {"return string.gsub(ALL, '%]', '')", NULL},
    {"return string.gsub(ALL, '.', '')", NULL},
    {"return string.gsub(ALL, '[%a%d]', '')", NULL},
    {"return string.gsub(ALL, '[^%a%d]', '')", NULL},
    {"return string.gsub(ALL, '[%S]', '')", NULL},
    {"return string.gsub(ALL, '[%x_]', '')", NULL},
    {"return string.gsub(ALL, '[\\0-\\31]', '')", NULL},
    {"return string.gsub(ALL, '[\\128-\\255]', '')", NULL},
    /* sets */
    {"return string.gsub('abcdef-]^', '[abc]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[^abc]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[a-c]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[c-a]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[a-]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[-a]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[]]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[^]]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[]-a]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[%]]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[%-]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[a%-c]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[%a-c]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[b-%%]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[x^]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[^^]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[a-c-e]', '.')", NULL},
    {"return string.gsub('abcdef-]^', '[a-c]+', '.')", NULL},
    {"return string.gsub('abc', '[', '.')", "malformed pattern (missing ']')"},
    {"return string.gsub('abc', '[a', '.')", "malformed pattern (missing ']')"},
    {"return string.gsub('abc', '[]', '.')", "malformed pattern (missing ']')"},
    {"return string.gsub('abc', '[^]', '.')", "malformed pattern (missing ']')"},
    {"return string.gsub('abc', '[a%', '.')", "malformed pattern (missing ']')"},
    {"return string.gsub('abc', '[a%]', '.')", "malformed pattern (missing ']')"},
    {"return string.find('abc', 'x[')", NULL}, /* never reached */
    {"return string.find('abc', 'a[')", "malformed pattern (missing ']')"},
    /* quantifiers */
    {"return string.gsub('aaab', 'a*', '-')", NULL},
    {"return string.gsub('aaab', 'a+', '-')", NULL},
    {"return string.gsub('aaab', 'a-', '-')", NULL},
    {"return string.gsub('aaab', 'a?', '-')", NULL},
    {"return string.match('aaab', '(a*)(a*)b')", NULL},
    {"return string.match('aaab', '(a-)(a*)b')", NULL},
    {"return string.match('aaab', '(a+)(a+)')", NULL},
    {"return string.match('aaab', '(a?)(a?)b')", NULL},
    {"return string.match('<a><b>', '<(.-)>')", NULL},
    {"return string.match('<a><b>', '<(.*)>')", NULL},
    {"return string.match('3.14e10', '^%d+%.?%d*e?%d*$')", NULL},
    {"return string.match('xz', 'x?y?z?')", NULL},
    {"return string.match('abc', 'a-$')", NULL},
    {"return string.match('*+?', '%*%+%?')", NULL},
    {"return string.match('a*', 'a*$')", NULL},
    {"return string.match('*a', '*a')", NULL},
    {"return string.match('a-b', '-b')", NULL},
    {"return string.match('a?', '^?')", NULL},
    /* anchors with gsub and gmatch */
    {"return string.gsub('hello', '^h', 'H')", NULL},
    {"return string.gsub('hello', '^', '>')", NULL},
    {"return string.gsub('hello', '$', '<')", NULL},
    {"return string.gsub('hello', '', '-')", NULL},
    {"return string.gsub('hello', '^x*', '-')", NULL},
    {"return string.gsub('hello', 'x*$', '-')", NULL},
    {"return gm('a^a^', '^a')", NULL},
    {"return gm('abc', '$')", NULL},
    {"return gm('abc', 'c$')", NULL},
    /* %b */
    {"return string.match('f(a(b)c) d', '%b()')", NULL},
    {"return string.match('f(a(b c) d', '%b()')", NULL},
    {"return string.match('xaaby', '%bab')", NULL},
    {"return string.match('xaay', '%baa')", NULL},
    {"return string.gsub('[a] [b [c]] [', '%b[]', 'X')", NULL},
    {"return string.find('abc', '%b')", "malformed pattern (missing arguments to '%b')"},
    {"return string.find('abc', '%b(')", "malformed pattern (missing arguments to '%b')"},
    {"return string.find('', '%b()')", NULL},
    {"return string.find('(', '%b()')", NULL},
    /* %f */
    {"return string.gsub('THE (quick) fox', '%f[%a]%a+', 'X')", NULL},
    {"return string.gsub('THE (quick) fox', '%f[%A]', '|')", NULL},
    {"return gm('hello world', '%f[%w]%w+')", NULL},
    {"return string.find('abc', '%f[%z]')", NULL},
    {"return string.find('abc\\0', '%f[\\0]')", NULL},
    {"return string.find('abc', '%f[^a]')", NULL},
    {"return string.find('abc', '%f[c]c$')", NULL},
    {"return string.find('abc', '%fa')", "missing '[' after '%f' in pattern"},
    {"return string.find('abc', '%f')", "missing '[' after '%f' in pattern"},
    {"return string.find('abc', '%f[a')", "malformed pattern (missing ']')"},
    /* back-references and capture errors */
    {"return string.match('abcabc', '(abc)%1')", NULL},
    {"return string.find('xyzxyz', '(x)(y)(z)%1%2%3')", NULL},
    {"return string.match('say \"hi\" ok', '([\"\\'])(.-)%1')", NULL},
    {"return string.find('aa', '()%1')", NULL},
    {"return string.find('abab', '(a)(b)%2')", NULL},
    {"return string.find('a', '%1')", "invalid capture index %1"},
    {"return string.find('a', '(a%1)')", "invalid capture index %1"},
    {"return string.find('a', '%0')", "invalid capture index %0"},
    {"return string.find('a', '(a)%2')", "invalid capture index %2"},
    {"return string.find('a', '(a)%9')", "invalid capture index %9"},
    {"return string.match('a', '(a')", "unfinished capture"},
    {"return string.find('a', '(a')", "unfinished capture"},
    {"return string.find('a', '(')", "unfinished capture"},
    {"return string.match('a', 'a)')", "invalid pattern capture"},
    {"return string.match('a', '(a))')", "invalid pattern capture"},
    {"return string.match('a', ')')", "invalid pattern capture"},
    {"return string.match('a', '()a)')", "invalid pattern capture"},
    {"return string.match(('a'):rep(32), ('(a)'):rep(32))", NULL},
    {"return string.match(('a'):rep(33), ('(a)'):rep(33))", "too many captures"},
    {"return string.find('a', ('()'):rep(33))", "too many captures"},
    {"return string.find('abc', '%')", "malformed pattern (ends with '%')"},
    {"return string.find('abc', 'a%')", "malformed pattern (ends with '%')"},
    {"return string.gsub('abc', '%', 'x')", "malformed pattern (ends with '%')"},
    {"return gm('abc', '%')", "malformed pattern (ends with '%')"},
    {"return string.find('abc', 'x%')", NULL}, /* never reached */
    {"return string.find('abc', 'a%', 3)", NULL},
    /* depth */
    {"return string.find(('a'):rep(199), ('a?'):rep(199))", NULL},
    {"return string.find(('a'):rep(200), ('a?'):rep(200))", "pattern too complex"},
    {"return string.find(('a'):rep(300), ('a?'):rep(300))", "pattern too complex"},
    {"return string.find(('a'):rep(20), ('(a)?'):rep(10))", NULL},
    {"return string.find(('a'):rep(150), ('a*'):rep(150))", NULL},
    {"return string.find(('a'):rep(300), ('a*'):rep(300))", NULL},
    {"return string.find(('a'):rep(300), ('a-a'):rep(250))", "pattern too complex"},
    {"return string.find(('b'):rep(300), ('a*'):rep(300))", NULL},
    {"return string.match(('x'):rep(300), ('(x'):rep(30))", "unfinished capture"},
    /* gsub: string replacements */
    {"return string.gsub('hello world', 'o', '0')", NULL},
    {"return string.gsub('hello world', 'o', '0', 1)", NULL},
    {"return string.gsub('hello world', 'o', '0', 0)", NULL},
    {"return string.gsub('hello world', 'o', '0', -1)", NULL},
    {"return string.gsub('hello world', 'o', '0', 2.0)", NULL},
    {"return string.gsub('hello world', 'o', '0', 1.5)", "number has no integer representation"},
    {"return string.gsub('hello world', 'o', '0', math.maxinteger)", NULL},
    {"return string.gsub('hello', 'l', '%0%0')", NULL},
    {"return string.gsub('hello', '(l)(l)', '%2%1')", NULL},
    {"return string.gsub('hello', '(l)(l)', '[%0|%1|%2]')", NULL},
    {"return string.gsub('abc', '%w', '%1')", NULL},
    {"return string.gsub('abc', '%w', '<%1%0>')", NULL},
    {"return string.gsub('abc', '%w', '%2')", "invalid capture index %2"},
    {"return string.gsub('abc', '(%w)', '%2')", "invalid capture index %2"},
    {"return string.gsub('abc', '(%w)', '%9')", "invalid capture index %9"},
    {"return string.gsub('abc', 'b', '%')", "invalid use of '%' in replacement string"},
    {"return string.gsub('abc', 'b', 'x%')", "invalid use of '%' in replacement string"},
    {"return string.gsub('abc', 'b', '%x')", "invalid use of '%' in replacement string"},
    {"return string.gsub('abc', 'b', '%\\0')", "invalid use of '%' in replacement string"},
    {"return string.gsub('abc', 'x', '%x')", NULL},
    {"return string.gsub('abc', 'b', '%%')", NULL},
    {"return string.gsub('abc', 'b', '100%%!')", NULL},
    {"return string.gsub('abc', '()', '%1')", NULL},
    {"return string.gsub('abc', '()(b)()', '%3%2%1')", NULL},
    {"return string.gsub('abc', 'b', 5)", NULL},
    {"return string.gsub('abc', 'b', 2.5)", NULL},
    {"return string.gsub('abc', 'b', 'a\\0b')", NULL},
    {"return string.gsub('a\\0c', '%z', 'x')", NULL},
    {"return string.gsub('abc', 'b')", "bad argument #3"},
    {"return string.gsub('abc', 'b', true)", "bad argument #3"},
    {"return string.gsub('abc', 'b', nil)", "bad argument #3"},
    {"return string.gsub('abc', 'b', 'x', 'y')", "bad argument #4"},
    {"return string.gsub('abc', 'x*', '-')", NULL},
    {"return string.gsub('abc', '.-', 'x')", NULL},
    {"return string.gsub('', '', 'x')", NULL},
    {"return string.gsub('', 'x', 'y')", NULL},
    {"return string.gsub('abc', '', '-', 2)", NULL},
    {"return string.gsub('hello world', '%w+', '%0 %0', 1)", NULL},
    {"return string.gsub(123, 2, 9)", NULL},
    {"return string.gsub(123, 4, 9)", NULL},
    {"return string.gsub('abc', '^a', 'x', 5)", NULL},
    {"return string.gsub('aaa', '^a', 'x')", NULL},
    {"return string.gsub('aaa', '^', 'x', 0)", NULL},
    /* gsub: tables and functions */
    {"return string.gsub('$name is $age', '%$(%w+)', {name = 'Bob', age = 42})", NULL},
    {"return string.gsub('abc', '%w', tab_repl)", NULL},
    {"return string.gsub('abc', '()', tab_repl)", NULL},
    {"return string.gsub('1a', '%w', tab_repl)", NULL},
    {"return string.gsub('abc', '%w', {a = {}})", "invalid replacement value (a table)"},
    {"return string.gsub('abc', '%w', {a = true})", "invalid replacement value (a boolean)"},
    {"return string.gsub('abc', '%w', setmetatable({}, {__index = function(t, k) return k:upper() "
     "end}))",
     NULL},
    {"return string.gsub('abc', '(%w)', fn_repl)", NULL},
    {"return string.gsub('abc', '%w', fn_repl)", NULL},
    {"return string.gsub('abc', '()(%w)()', fn_repl)", NULL},
    {"return string.gsub('abc', '', fn_repl)", NULL},
    {"return string.gsub('abc', '%w', function() return nil end)", NULL},
    {"return string.gsub('abc', '%w', function() return false end)", NULL},
    {"return string.gsub('abc', '%w', function() return 1 end)", NULL},
    {"return string.gsub('abc', '%w', function() return 1.25 end)", NULL},
    {"return string.gsub('abc', '%w', function() return {} end)",
     "invalid replacement value (a table)"},
    {"return string.gsub('abc', '%w', function() return print end)",
     "invalid replacement value (a function)"},
    {"return string.gsub('abc', '%w', function() error('boom') end)", "boom"},
    {"return pcall(string.gsub, 'abc', '%w', function() error({}) end)", NULL},
    {"return string.gsub('abc', '%w', function(c) return c:gsub('.', '%0%0') end)", NULL},
    {"return string.gsub('a,b,,c', '([^,]*)', '<%1>')", NULL},
    {"return string.gsub('abc', '(', 'x')", NULL}, /* the capture is never read */
    {"return string.gsub('abc', '(', '%1')", "unfinished capture"},
    {"return string.gsub('abc', '(', fn_repl)", "unfinished capture"},
    {"return string.gsub('abc', '(', tab_repl)", "unfinished capture"},
    /* gmatch */
    {"return gm('one two three', '%a+')", NULL},
    {"return gm('k=v, a=b', '(%w+)=(%w+)')", NULL},
    {"return gm('abc', '')", NULL},
    {"return gm('abc', '()')", NULL},
    {"return gm('hello', 'l*')", NULL},
    {"return gm('abc', '%a', 2)", NULL},
    {"return gm('abc', '%a', -1)", NULL},
    {"return gm('abc', '%a', -10)", NULL},
    {"return gm('abc', '%a', 0)", NULL},
    {"return gm('abc', '%a', 10)", NULL},
    {"return gm('abc', '', 4)", NULL},
    {"return gm('abc', '', 5)", NULL},
    {"return gm('abc', '%a', 1.5)", "number has no integer representation"},
    {"return gm('a', '(')", "unfinished capture"},
    {"return gm('abc', '[a')", "malformed pattern (missing ']')"},
    {"return gm('abc', '%1')", "invalid capture index %1"},
    {"return gm(nil, 'a')", "bad argument #1"},
    {"local it = ('a1b2'):gmatch('%a(%d)') return it(), it(), it(), it()", NULL},
    {"local n = 0 for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do n = n + v end return "
     "n",
     NULL},
    /* rep */
    {"return string.rep('ab', 3)", NULL},
    {"return string.rep('ab', 3, ',')", NULL},
    {"return string.rep('', 5)", NULL},
    {"return string.rep('', 5, '')", NULL},
    {"return string.rep('', 3, ',')", NULL},
    {"return string.rep('x', 0)", NULL},
    {"return string.rep('x', -1, 'y')", NULL},
    {"return string.rep('x', 1, 'sep')", NULL},
    {"return string.rep(5, 2)", NULL},
    {"return string.rep('a\\0', 2, '\\0')", NULL},
    {"return string.rep('x', 2^31)", "resulting string too large"},
    {"return string.rep('xy', 2^62, 'z')", "resulting string too large"},
    {"return string.rep('x', 1.5)", "number has no integer representation"},
    {"return string.rep('x')", "bad argument #2"},
    {"return string.rep(nil, 1)", "bad argument #1"},
    {"return string.rep('x', 2, {})", "bad argument #3"},
    {"return ('ab'):rep(2)", NULL},
    /* string.byte */
    {"return string.byte('abc')", NULL},
    {"return string.byte('abc', 2)", NULL},
    {"return string.byte('abc', 1, -1)", NULL},
    {"return string.byte('abc', -2, 10)", NULL},
    {"return string.byte('abc', 0, 0)", NULL},
    {"return string.byte('abc', 3, 2)", NULL},
    {"return string.byte('abc', -10, -10)", NULL},
    {"return string.byte('abc', math.mininteger, math.maxinteger)", NULL},
    {"return string.byte('', 1, -1)", NULL},
    {"return string.byte('\\0\\255', 1, 2)", NULL},
    {"return string.byte(ALL, 1, -1)", NULL},
    {"return string.byte(123, 2)", NULL},
    {"return ('xyz'):byte(-1)", NULL},
    {"return select('#', string.byte(('x'):rep(5000), 1, -1))", NULL},
    {"return string.byte('abc', 1.5)", "number has no integer representation"},
    {"return string.byte('abc', 1, 'x')", "bad argument #3"},
    {"return string.byte()", "bad argument #1"},
    {"return select('#', string.byte(('x'):rep(2000000), 1, -1))", "string slice too long"},
    /* table.unpack */
    {"return table.unpack({1, 2, 3})", NULL},
    {"return table.unpack({1, 2, 3}, 2)", NULL},
    {"return table.unpack({1, 2, 3}, 2, 5)", NULL},
    {"return table.unpack({1, 2, 3}, -1, 1)", NULL},
    {"return table.unpack({1, 2, 3}, 3, 2)", NULL},
    {"return table.unpack({1, 2, 3}, nil, 2)", NULL},
    {"return table.unpack({}, math.maxinteger, math.maxinteger)", NULL},
    {"return table.unpack({}, math.mininteger, math.mininteger + 1)", NULL},
    {"return table.unpack({}, 1, math.maxinteger)", "too many results to unpack"},
    {"return table.unpack({}, math.mininteger, math.maxinteger)", "too many results to unpack"},
    {"return table.unpack({}, 1, 2000000)", "too many results to unpack"},
    {"return select('#', table.unpack({}, 1, 5000))", NULL},
    {"return table.unpack(setmetatable({}, {__len = function() return 2 end}))", NULL},
    {"return table.unpack('abc', 1, 2)", NULL},
    {"return table.unpack(nil)", "attempt to get length of a nil value"},
    {"return table.unpack({}, 'x')", "bad argument #2"},
    {"return table.unpack({}, 1, 'x')", "bad argument #3"},
    {"local log = {} local a, b = table.unpack(log_proxy(log, 2)) return a, b, table.concat(log, "
     "',')",
     NULL},
    /* table.concat */
    {"return table.concat({1, 2, 3})", NULL},
    {"return table.concat({1, 2, 3}, ', ')", NULL},
    {"return table.concat({1, 2.5, 'x'}, '-', 2)", NULL},
    {"return table.concat({1, 2, 3}, '-', 2, 3)", NULL},
    {"return table.concat({1, 2, 3}, '-', 3, 2)", NULL},
    {"return table.concat({1, 2, 3}, '-', 3, 3)", NULL},
    {"return table.concat({}, 'x')", NULL},
    {"return table.concat({1, 2, 3}, 5)", NULL},
    {"return table.concat({1, {}, 3})", "invalid value (table) at index 2 in table for 'concat'"},
    {"return table.concat({1, 2}, '', 1, 3)",
     "invalid value (nil) at index 3 in table for 'concat'"},
    {"return table.concat({}, '', math.maxinteger, math.maxinteger)",
     "invalid value (nil) at index 9223372036854775807"},
    {"return table.concat({}, '', math.maxinteger - 1, math.maxinteger)", "invalid value"},
    {"return table.concat({1, 2, 3}, {})", "bad argument #2"},
    {"return table.concat({1, 2, 3}, '', 'x')", "bad argument #3"},
    {"return table.concat({1, 2, 3}, '', 1, 'x')", "bad argument #4"},
    {"return table.concat(nil)", "bad argument #1"},
    {"return table.concat('abc')", "table expected, got string"},
    {"local log = {} return table.concat(log_proxy(log, 3), ','), table.concat(log, ',')", NULL},
    /* table.insert */
    {"local t = {1, 2, 3} table.insert(t, 4) return table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} table.insert(t, 1, 0) return table.concat(t, ','), #t", NULL},
    {"local t = {1, 2, 3} table.insert(t, 2, 'x') return table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} table.insert(t, 4, 'x') return table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} return table.insert(t, 5, 'x')", "bad argument #2"},
    {"local t = {1, 2, 3} return table.insert(t, 0, 'x')", "position out of bounds"},
    {"local t = {1, 2, 3} return table.insert(t, -1, 'x')", "position out of bounds"},
    {"local t = {} table.insert(t, 1, 'x') return t[1], #t", NULL},
    {"return table.insert({}, 1, 2, 3)", "wrong number of arguments to 'insert'"},
    {"return table.insert({})", "wrong number of arguments to 'insert'"},
    {"return table.insert(nil, 1)", "bad argument #1"},
    {"return table.insert('abc', 1)", "table expected, got string"},
    {"return table.insert({}, 'x', 1)", "bad argument #2"},
    {"return table.insert({}, 1.5, 1)", "number has no integer representation"},
    {"local t = {1, 2} table.insert(t, 1, nil) return t[1], t[2], t[3]", NULL},
    {"local log = {} table.insert(log_proxy(log, 3), 1, 'x') return table.concat(log, ',')", NULL},
    {"local log = {} table.insert(log_proxy(log, 3), 'x') return table.concat(log, ',')", NULL},
    {"local log = {} return table.insert(log_proxy(log, 3), 5, 'x')", "position out of bounds"},
    {"local t = setmetatable({}, {__len = function() return 'x' end}) table.insert(t, 1)",
     "object length is not an integer"},
    {"local t = setmetatable({}, {__len = function() return math.maxinteger end})\n"
     "table.insert(t, 'x') return t[math.mininteger]",
     NULL},
    /* table.remove */
    {"local t = {1, 2, 3} return table.remove(t), table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} return table.remove(t, 1), table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} return table.remove(t, 2), table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} return table.remove(t, 4), table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} return table.remove(t, 5)", "position out of bounds"},
    {"local t = {1, 2, 3} return table.remove(t, 0)", "position out of bounds"},
    {"local t = {1, 2, 3} return table.remove(t, -1)", "position out of bounds"},
    {"local t = {} return table.remove(t)", NULL},
    {"local t = {} return table.remove(t, 0)", NULL},
    {"local t = {} return table.remove(t, 1)", NULL},
    {"local t = {[0] = 'z'} return table.remove(t, 0), t[0]", NULL},
    {"return select('#', table.remove({}))", NULL},
    {"return table.remove(nil)", "bad argument #1"},
    {"return table.remove({}, 'x')", "bad argument #2"},
    {"local log = {} local v = table.remove(log_proxy(log, 3), 1) return v, table.concat(log, "
     "',')",
     NULL},
    {"local log = {} local v = table.remove(log_proxy(log, 3)) return v, table.concat(log, ',')",
     NULL},
    /* table.move */
    {"local t = {1, 2, 3} table.move(t, 1, 3, 2) return table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} table.move(t, 2, 3, 1) return table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} local u = table.move(t, 1, 3, 1, {}) return table.concat(u, ','), u "
     "~= t",
     NULL},
    {"local t = {1, 2, 3} return table.move(t, 1, 3, 3, t) == t, table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} table.move(t, 3, 1, 2) return table.concat(t, ',')", NULL},
    {"local t = {1, 2, 3} table.move(t, 1, 0, 2) return table.concat(t, ',')", NULL},
    {"return table.move({}, -1, math.maxinteger, 1)", "too many elements to move"},
    {"return table.move({}, 1, math.maxinteger, 2)", "destination wrap around"},
    {"return table.move({}, 1, 2, math.maxinteger)", "destination wrap around"},
    {"return table.move({}, 0, math.maxinteger - 1, 2)", "destination wrap around"},
    {"return table.move({}, 1, 2)", "bad argument #4"},
    {"return table.move({}, 1, 'x', 3)", "bad argument #3"},
    {"return table.move({}, 1.5, 2, 3)", "number has no integer representation"},
    {"return table.move(nil, 1, 2, 3)", "bad argument #1"},
    {"return table.move({}, 1, 2, 3, 'x')", "bad argument #5"},
    {"return type(table.move({}, 1, 2, 3, nil))", NULL},
    {"local log = {} table.move(log_proxy(log, 0), 1, 3, 2) return table.concat(log, ',')", NULL},
    {"local log = {} table.move(log_proxy(log, 0), 2, 4, 1) return table.concat(log, ',')", NULL},
    {"local log = {} local p = log_proxy(log, 0)\n"
     "table.move(p, 1, 3, 2, log_proxy(log, 0)) return table.concat(log, ',')",
     NULL},
    {"local log = {} local p = log_proxy(log, 0)\n"
     "table.move(p, 1, 3, 2, p) return table.concat(log, ',')",
     NULL},
    /* table.sort, utf8, tonumber and string.pack*: Lua's own, charged first */
    {"local t = {3, 1, 2} table.sort(t) return table.concat(t, ',')", NULL},
    {"local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t[1], t[3]", NULL},
    {"local t = {'b', 'a'} table.sort(t, nil) return t[1]", NULL},
    {"local t = {} table.sort(t) return #t", NULL},
    {"local log = {} table.sort(log_proxy(log, 3)) return table.concat(log, ',')", NULL},
    {"return table.sort(nil)", "bad argument #1 to 'sort'"},
    {"return table.sort({3, 1}, 5)", "bad argument #2 to 'sort'"},
    {"return table.sort({1, 'x'})", "attempt to compare"},
    {"local t = {} for i = 1, 20 do t[i] = i end table.sort(t, function() return true end)",
     "invalid order function for sorting"},
    {"return table.sort(setmetatable({}, {__len = function() return math.maxinteger end}))",
     "array too big"},
    {"return table.sort(setmetatable({}, {__len = function() return 'x' end}))",
     "object length is not an integer"},
    {"return utf8.len('h\\195\\169llo')", NULL},
    {"return utf8.len('h\\195\\169llo', 3)", NULL},
    {"return utf8.len('abc', -2, -1)", NULL},
    {"return utf8.len('abc', 4)", NULL},
    {"return utf8.len('a\\255b')", NULL},
    {"return utf8.len('abc', 5)", "bad argument #2 to 'len'"},
    {"return utf8.len('abc', 1, 5)", "bad argument #3 to 'len'"},
    {"return utf8.len(nil)", "bad argument #1 to 'len'"},
    {"return utf8.codepoint('h\\195\\169llo', 1, -1)", NULL},
    {"return utf8.codepoint('abc', 3, 2)", NULL},
    {"return utf8.codepoint('abc', 0)", "bad argument #2 to 'codepoint'"},
    {"return utf8.codepoint('abc', 1, 4)", "bad argument #3 to 'codepoint'"},
    {"return utf8.codepoint('\\255')", "invalid UTF-8 code"},
    {"return utf8.offset('h\\195\\169llo', 3)", NULL},
    {"return utf8.offset('h\\195\\169llo', -1)", NULL},
    {"return utf8.offset('h\\195\\169llo', 0, 3)", NULL},
    {"return utf8.offset('abc', 5)", NULL},
    {"return utf8.offset('h\\195\\169llo', 1, 3)", "continuation byte"},
    {"return utf8.offset('abc', 1, 5)", "bad argument #3 to 'offset'"},
    {"return utf8.offset('abc')", "bad argument #2 to 'offset'"},
    {"return tonumber(' 0x10 '), tonumber('1e2'), tonumber('abc'), tonumber(nil)", NULL},
    {"return tonumber('z', 36), tonumber('8', 8), tonumber(7)", NULL},
    {"return tonumber('12', 99)", "bad argument #2 to 'tonumber'"},
    {"return tonumber(12, 10)", "bad argument #1 to 'tonumber'"},
    {"return tonumber()", "bad argument #1 to 'tonumber'"},
    {"return string.packsize('i4i8'), ('!8i4d'):packsize()", NULL},
    {"return ('!8i3d'):packsize()", "calling 'packsize' on bad self"},
    {"return string.unpack('<i4', string.pack('<i4', 7))", NULL},
    {"return string.packsize('s')", "variable-length format"},
    {"return string.packsize({})", "bad argument #1 to 'packsize'"},
    {"return string.pack('i17', 1)", "out of limits"},
    {"return string.unpack('i4', 'ab')", "data string too short"},
};

static void test_hand_written_cases(void **state)
{
    (void)state;
    pair p = pair_new();
    for (size_t i = 0; i < sizeof hand_cases / sizeof *hand_cases; i++) {
        const hand_case *c = &hand_cases[i];
        int st = check_same(&p, c->chunk);
        const char *err = st == LUA_OK ? NULL : lua_tostring(p.stock, -1);
        if (c->expect && (!err || !strstr(err, c->expect)))
            fail_msg("%s: stock side did not fail with \"%s\"", c->chunk, c->expect);
        if (!c->expect && st != LUA_OK)
            fail_msg("%s: stock side failed: %s", c->chunk, err ? err : "(not a string)");
    }
    pair_free(&p);
}

/* ---- random cases ------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const pattern_tokens[] = {
    "a",  "b", "c",  "(",   ")",    "()",   ".",     "%a",   "%d",    "%s",     "%w",   "%A", "%x",
    "%p", "%", "%%", "%.",  "[ab]", "[^a]", "[a-c]", "[%a]", "[]",    "[",      "]",    "[^", "*",
    "+",  "-", "?",  "^",   "$",    "%b()", "%bab",  "%b",   "%f[a]", "%f[%W]", "%f",   "%1", "%2",
    "%0", "1", " ",  "\\0", "a*",   "b+",   ".-",    "(a)",  "(%w+)", "[%]]",   "[a-]",
};

static const char subject_chars[] = "aaabbc()[]%.-^$ 1x\0A";

static void random_pattern(char *out, size_t len)
{
    size_t at = 0;
    int n = (int)rnd(7);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *t = pattern_tokens[rnd(sizeof pattern_tokens / sizeof *pattern_tokens)];
        if (at + strlen(t) + 1 >= len)
            break;
        memcpy(out + at, t, strlen(t) + 1);
        at += strlen(t);
    }
}

/* A subject as a Lua string literal with decimal escapes. */
static void random_subject(char *out, size_t len)
{
    size_t at = 0;
    int n = (int)rnd(13);
    out[0] = '\0';
    for (int i = 0; i < n && at + 6 < len; i++) {
        char c = subject_chars[rnd(sizeof subject_chars - 1)];
        at += (size_t)snprintf(out + at, len - at, "\\%d", (unsigned char)c);
    }
}

/* A pattern as a Lua literal: its tokens are written so they stay Lua-legal. */
static void quote_pattern(const char *p, char *out, size_t len)
{
    size_t at = 0;
    for (; *p && at + 6 < len; p++) {
        if (*p == '\\' && p[1] == '0') { /* the "\0" token */
            at += (size_t)snprintf(out + at, len - at, "\\000");
            p++;
        } else {
            at += (size_t)snprintf(out + at, len - at, "\\%d", (unsigned char)*p);
        }
    }
    out[at] = '\0';
}

static const char *const replacements[] = {
    "'x'",  "'%0'", "'%1'",    "'%2'",     "'%%'", "'%'", "'<%1|%0>'",
    "'%a'", "''",   "fn_repl", "tab_repl", "7",    "{}",  "function() return false end",
};

static void test_random_cases(void **state)
{
    (void)state;
    pair p = pair_new();
    char pat[128], quoted[600], subj[200], chunk[1200], init[32];
    unsigned long failures_stock = 0;
    for (int k = 0; k < RANDOM_CASES; k++) {
        random_pattern(pat, sizeof pat);
        quote_pattern(pat, quoted, sizeof quoted);
        random_subject(subj, sizeof subj);
        unsigned r = rnd(8);
        if (r < 3)
            snprintf(init, sizeof init, ", %d", (int)rnd(17) - 8);
        else
            init[0] = '\0';
        switch (rnd(4)) {
        case 0:
            snprintf(chunk, sizeof chunk, "return string.find(\"%s\", \"%s\"%s%s)", subj, quoted,
                     init[0] ? init : ", 1", rnd(4) == 0 ? ", true" : "");
            break;
        case 1:
            snprintf(chunk, sizeof chunk, "return string.match(\"%s\", \"%s\"%s)", subj, quoted,
                     init);
            break;
        case 2:
            snprintf(chunk, sizeof chunk, "return gm(\"%s\", \"%s\"%s)", subj, quoted, init);
            break;
        default: {
            const char *repl = replacements[rnd(sizeof replacements / sizeof *replacements)];
            char max[32] = "";
            if (rnd(3) == 0)
                snprintf(max, sizeof max, ", %d", (int)rnd(5) - 1);
            snprintf(chunk, sizeof chunk, "return string.gsub(\"%s\", \"%s\", %s%s)", subj, quoted,
                     repl, max);
            break;
        }
        }
        if (check_same(&p, chunk) != LUA_OK)
            failures_stock++;
    }
    /* the generator reaches both outcomes, errors included */
    assert_true(failures_stock > RANDOM_CASES / 20);
    assert_true(failures_stock < RANDOM_CASES / 2);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_written_cases),
        cmocka_unit_test(test_random_cases),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fprintf(stderr, "%lu differential cases, %llu steps charged\n", cases_run, steps_total);
    return rc;
}
