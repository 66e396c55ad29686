/*
 * hook_lualib_table.c — bounded table.insert, remove, move, unpack and
 * concat, and the wrappers that charge Lua's own table.sort, utf8.len,
 * offset, codepoint, tonumber and string.pack, packsize, unpack by their
 * input before running them (see hook_lualib.h; lualib_open in
 * hook_lualib.c registers them).
 *
 * Never: moves or pushes an element, or lets a wrapped function start,
 * without charging it to the caller's budget first.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hook_lualib_int.h"

/* ------------------------------------------------------------------------ */
/* table.insert, remove, move                                               */
/* ------------------------------------------------------------------------ */

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4

/* Is field key of the metatable at -n set? Pushes the field. */
static int meta_has(lua_State *L, const char *key, int n)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

/* Raises unless arg is a table or has the metamethods `what` needs. */
static void check_table(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) == LUA_TTABLE)
        return;
    int n = 1;
    if (lua_getmetatable(L, arg) && (!(what & TAB_R) || meta_has(L, "__index", ++n)) &&
        (!(what & TAB_W) || meta_has(L, "__newindex", ++n)) &&
        (!(what & TAB_L) || meta_has(L, "__len", ++n)))
        lua_pop(L, n);
    else
        luaL_checktype(L, arg, LUA_TTABLE);
}

static lua_Integer table_len(lua_State *L, int what)
{
    check_table(L, 1, what | TAB_L);
    return luaL_len(L, 1);
}

int lualib_insert(lua_State *L)
{
    meter m = meter_of(L, 1);
    lua_Integer e = table_len(L, TAB_R | TAB_W);
    e = (lua_Integer)((lua_Unsigned)e + 1u); /* the first empty slot, wrapping as Lua */
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        for (lua_Integer i = e; i > pos; i--) {
            meter_add(&m, 1);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        meter_flush(&m);
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

int lualib_remove(lua_State *L)
{
    meter m = meter_of(L, 1);
    lua_Integer size = table_len(L, TAB_R | TAB_W);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 1, "position out of bounds");
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        meter_add(&m, 1);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    meter_flush(&m);
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

int lualib_move(lua_State *L)
{
    meter m = meter_of(L, 1);
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int dst = lua_isnoneornil(L, 5) ? 1 : 5;
    check_table(L, 1, TAB_R);
    check_table(L, dst, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        /* overlapping forward moves within one table go from the end */
        if (t > e || t <= f || (dst != 1 && !lua_compare(L, 1, dst, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                meter_add(&m, 1);
                lua_geti(L, 1, f + i);
                lua_seti(L, dst, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                meter_add(&m, 1);
                lua_geti(L, 1, f + i);
                lua_seti(L, dst, t + i);
            }
        }
        meter_flush(&m);
    }
    lua_pushvalue(L, dst);
    return 1;
}

/* table.unpack: up to a million values per call, each charged. */
int lualib_unpack(lua_State *L)
{
    meter m = meter_of(L, 1);
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    if (i > e)
        return 0;
    lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i; /* one less than the count */
    if (n >= (unsigned)INT_MAX || !lua_checkstack(L, (int)++n))
        return luaL_error(L, "too many results to unpack");
    for (; i < e; i++) { /* up to e - 1 first, so i never overflows */
        meter_add(&m, 1);
        lua_geti(L, 1, i);
    }
    meter_flush(&m);
    lua_geti(L, 1, e);
    return (int)n;
}

/* Appends t[i] to b for table.concat, or raises. */
static void concat_add(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1),
                   (LUAI_UACINT)i);
    luaL_addvalue(b);
}

/* table.concat: empty strings cost nothing to append, so each element is charged. */
int lualib_concat(lua_State *L)
{
    meter m = meter_of(L, 1);
    lua_Integer last = table_len(L, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        meter_add(&m, 1);
        concat_add(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
    }
    meter_flush(&m);
    if (i == last)
        concat_add(L, &b, i);
    luaL_pushresult(&b);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Lua's own functions, charged by their input before they run              */
/* ------------------------------------------------------------------------ */

/*
 * Each wrapper reads the arguments its stock function reads, in the same
 * order (so a bad one raises Lua's own message, from this same frame),
 * charges the work they imply when they are valid, and then runs the stock
 * C function (upvalue 2) directly in this frame: called through lua_call,
 * its argument errors would name the function '?'. None of the wrapped
 * functions use upvalues of their own.
 */

/* Charges steps at once (may raise). */
static void charge_now(lua_State *L, unsigned long long steps)
{
    const meter_fn *f = lua_touserdata(L, lua_upvalueindex(1));
    if (steps)
        f->charge(L, steps > ULONG_MAX ? ULONG_MAX : (unsigned long)steps);
}

static int run_stock(lua_State *L)
{
    return lua_tocfunction(L, lua_upvalueindex(2))(L);
}

/* table.sort: n·log2(n) comparisons, n as sort sees it (__len runs twice). */
int lualib_sort(lua_State *L)
{
    lua_Integer n = table_len(L, TAB_R | TAB_W);
    if (n > 1 && n < INT_MAX) {
        if (!lua_isnoneornil(L, 2))
            luaL_checktype(L, 2, LUA_TFUNCTION);
        unsigned long long log2n = 0;
        for (lua_Integer k = n; k > 0; k >>= 1)
            log2n++;
        charge_now(L, (unsigned long long)n * log2n);
    }
    return run_stock(L);
}

/* A relative utf8 position, as lutf8lib's u_posrelat. */
static lua_Integer utf8_pos(lua_Integer pos, size_t len)
{
    if (pos >= 0)
        return pos;
    if (0u - (size_t)pos > len)
        return 0;
    return (lua_Integer)len + pos + 1;
}

/* utf8.len: the bytes from i to j. */
int lualib_utf8_len(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer i = utf8_pos(luaL_optinteger(L, 2, 1), len);
    lua_Integer j = utf8_pos(luaL_optinteger(L, 3, -1), len);
    if (1 <= i && i <= j && j <= (lua_Integer)len)
        charge_now(L, (unsigned long long)(j - i + 1) / BULK);
    return run_stock(L);
}

/* utf8.codepoint: one step per byte from i to j, as many as values it may push. */
int lualib_utf8_codepoint(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer i = utf8_pos(luaL_optinteger(L, 2, 1), len);
    lua_Integer j = utf8_pos(luaL_optinteger(L, 3, i), len);
    if (1 <= i && i <= j && j <= (lua_Integer)len)
        charge_now(L, (unsigned long long)(j - i + 1));
    return run_stock(L);
}

/* utf8.offset: the bytes it may walk from i, forwards (n > 0) or backwards. */
int lualib_utf8_offset(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    lua_Integer i = utf8_pos(luaL_optinteger(L, 3, n >= 0 ? 1 : (lua_Integer)len + 1), len);
    if (1 <= i && i <= (lua_Integer)len + 1)
        charge_now(L, (unsigned long long)(n > 0 ? (lua_Integer)len + 1 - i : i) / BULK);
    return run_stock(L);
}

/* tonumber: a string is scanned to its end. */
int lualib_tonumber(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        charge_now(L, lua_rawlen(L, 1) / BULK);
    return run_stock(L);
}

/* string.pack, packsize, unpack: one step per byte of the format. */
int lualib_pack_format(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    charge_now(L, len);
    return run_stock(L);
}
