/*
 * hook_lualib.h — the sandbox's bounded string and table functions.
 *
 * Lua's own string.find, match, gmatch, gsub, rep and byte, and
 * table.insert, remove, move, unpack and concat, loop in C, where the count
 * hook of hook_lua.c never fires: a pattern can backtrack for years, a
 * __len of 1e15 moves elements for as long, and one call of table.unpack
 * or string.byte pushes a million values. lualib gives the same functions,
 * with Lua 5.4's results and error messages, charging their work to the
 * run's instruction budget through a callback.
 *
 * Lua's table.sort, utf8.len, offset and codepoint, tonumber and
 * string.pack, packsize and unpack do work that grows with their input
 * too; lualib wraps them: each wrapper charges that work up front (sort
 * n*log2(n) for n elements, utf8.len, offset and tonumber a step per 32
 * bytes scanned, codepoint a step per byte, the pack functions a step per
 * byte of the format), then runs Lua's own function, whose results and
 * errors are unchanged (sort evaluates a __len twice).
 */
#ifndef CAIRN_HOOK_LUALIB_H
#define CAIRN_HOOK_LUALIB_H

#include <lua.h>

/* Steps charged at most this many at a time while a function works. */
#define LUALIB_BATCH 1024

/*
 * Called with the steps a function did (one per character test, matcher
 * call or element moved), in batches of about LUALIB_BATCH and once more at
 * its end. It may raise a Lua error (the limit); lualib holds no C memory
 * when it calls it.
 */
typedef void (*lualib_charge_fn)(lua_State *L, unsigned long steps);

/*
 * Replaces find, match, gmatch, gsub, rep and byte of the loaded string
 * library and insert, remove, move, unpack and concat of the loaded table
 * library with the bounded ones, and wraps string.pack, packsize, unpack,
 * table.sort, utf8.len, offset, codepoint and the base library's tonumber;
 * all of them call charge. The libraries must be open (package.loaded's
 * "string", "table", "utf8" and "_G") and not yet passed to lualib_open.
 * May raise (memory): call it inside lua_pcall.
 */
void lualib_open(lua_State *L, lualib_charge_fn charge);

#endif
