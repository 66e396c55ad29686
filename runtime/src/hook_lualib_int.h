/*
 * hook_lualib_int.h — what hook_lualib.c (the pattern matcher and the string
 * functions, and lualib_open) and hook_lualib_table.c (the table functions and
 * the charged wrappers of Lua's own) share: the meter, and the functions
 * lualib_open registers. Private to those two files.
 */
#ifndef CAIRN_HOOK_LUALIB_INT_H
#define CAIRN_HOOK_LUALIB_INT_H

#include <lua.h>

#include "hook_lualib.h"

#define BULK 32 /* bytes compared or copied in bulk per step */

/* ------------------------------------------------------------------------ */
/* The meter                                                                */
/* ------------------------------------------------------------------------ */

/* The charge callback, kept in a userdata upvalue of every function. */
typedef struct meter_fn {
    lualib_charge_fn charge;
} meter_fn;

/* Steps of one call not yet charged. */
typedef struct meter {
    lua_State *L;
    lualib_charge_fn charge;
    unsigned long pending;
} meter;

static inline meter meter_of(lua_State *L, int upvalue)
{
    const meter_fn *f = lua_touserdata(L, lua_upvalueindex(upvalue));
    return (meter){.L = L, .charge = f->charge, .pending = 0};
}

static inline void meter_flush(meter *m)
{
    unsigned long n = m->pending;
    m->pending = 0;
    if (n)
        m->charge(m->L, n); /* may raise */
}

static inline void meter_add(meter *m, unsigned long steps)
{
    m->pending += steps;
    if (m->pending >= LUALIB_BATCH)
        meter_flush(m);
}

/* hook_lualib_table.c: table.insert, remove, move, unpack, concat (bounded). */
int lualib_insert(lua_State *L);
int lualib_remove(lua_State *L);
int lualib_move(lua_State *L);
int lualib_unpack(lua_State *L);
int lualib_concat(lua_State *L);
/* hook_lualib_table.c: Lua's own, charged by their input before they run. */
int lualib_sort(lua_State *L);
int lualib_utf8_len(lua_State *L);
int lualib_utf8_codepoint(lua_State *L);
int lualib_utf8_offset(lua_State *L);
int lualib_tonumber(lua_State *L);
int lualib_pack_format(lua_State *L);

#endif
