/*
 * hook_lualib.c — bounded versions of the string functions that loop in C
 * (see hook_lualib.h), and lualib_open, which installs them with those of
 * hook_lualib_table.c.
 *
 * Owns: a pattern matcher written from Lua 5.4's manual (§6.4.1) and the
 * observed behaviour of liblua5.4: string.find, match, gmatch and gsub,
 * plus string.rep and byte, each with Lua's results, argument checks and
 * error messages. The meter that charges steps to the caller's budget is
 * hook_lualib_int.h's.
 *
 * Never: runs a loop whose length the hook controls without charging it
 * (every matcher call, character test, byte compared in bulk, repetition
 * and element moved or pushed counts; a wrapped function is charged its
 * bound before it starts), recurses deeper than MATCH_DEPTH
 * ("pattern too complex", as Lua), holds C memory across a call that may
 * raise (all state lives on the C stack or in a Lua userdata), or reads a
 * string outside its bytes and the '\0' Lua keeps after them.
 */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hook_lualib_int.h"

#define MAX_CAPTURES 32   /* Lua's LUA_MAXCAPTURES */
#define MATCH_DEPTH 200   /* Lua's MAXCCALLS: nested matcher calls */
#define CAP_UNCLOSED (-1) /* a capture still open */
#define CAP_POSITION (-2) /* a position capture "()" */
#define ESC '%'
#define SPECIALS "^$*+?.([%-"

/* ------------------------------------------------------------------------ */
/* The matcher                                                              */
/* ------------------------------------------------------------------------ */

typedef struct capture {
    const char *at;
    ptrdiff_t len; /* or CAP_UNCLOSED, CAP_POSITION */
} capture;

/* One match attempt over a subject. Strings are Lua's: '\0' after the end. */
typedef struct matcher {
    const char *src, *src_end; /* the whole subject */
    const char *pat_end;
    lua_State *L;
    meter *m;
    int depth_left; /* matcher calls that may still nest */
    int level;      /* captures opened so far */
    capture cap[MAX_CAPTURES];
} matcher;

static void matcher_init(matcher *ms, lua_State *L, meter *m, const char *s, size_t ls,
                         const char *p, size_t lp)
{
    ms->L = L;
    ms->m = m;
    ms->src = s;
    ms->src_end = s + ls;
    ms->pat_end = p + lp;
}

/* Before each attempt at a new subject position. */
static void matcher_reset(matcher *ms)
{
    ms->level = 0;
    ms->depth_left = MATCH_DEPTH;
}

static unsigned char uc(char c)
{
    return (unsigned char)c;
}

/* Does c belong to class letter cl (%a, %D, ...)? Any other letter is itself. */
static int in_class(int c, int cl)
{
    int yes;
    switch (tolower(cl)) {
    case 'a':
        yes = isalpha(c);
        break;
    case 'c':
        yes = iscntrl(c);
        break;
    case 'd':
        yes = isdigit(c);
        break;
    case 'g':
        yes = isgraph(c);
        break;
    case 'l':
        yes = islower(c);
        break;
    case 'p':
        yes = ispunct(c);
        break;
    case 's':
        yes = isspace(c);
        break;
    case 'u':
        yes = isupper(c);
        break;
    case 'w':
        yes = isalnum(c);
        break;
    case 'x':
        yes = isxdigit(c);
        break;
    case 'z': /* deprecated, still in 5.4: the zero byte */
        yes = c == 0;
        break;
    default:
        return cl == c;
    }
    if (isupper(cl))
        yes = !yes;
    return yes != 0;
}

/*
 * Is c in the set that starts at '[' p and whose closing ']' is at close?
 * The first item (after an optional '^') may be ']' itself; "x-y" is a
 * range unless '-' is the last item; "%x" is a class or an escaped char.
 */
static int in_set(matcher *ms, int c, const char *p, const char *close)
{
    meter_add(ms->m, 1 + (unsigned long)(close - p) / BULK);
    int want = 1;
    p++;
    if (*p == '^') {
        want = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == ESC) {
            p++;
            if (in_class(c, uc(*p)))
                return want;
        } else if (p[1] == '-' && p + 2 < close) {
            if (uc(p[0]) <= c && c <= uc(p[2]))
                return want;
            p += 2;
        } else if (uc(*p) == c) {
            return want;
        }
    }
    return !want;
}

/* The end of the single-character class that starts at p. */
static const char *item_end(matcher *ms, const char *p)
{
    char first = *p++;
    if (first == ESC) {
        if (p == ms->pat_end)
            luaL_error(ms->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (first != '[')
        return p;
    const char *start = p;
    if (*p == '^')
        p++;
    /* the first item is taken whatever it is, so "[]]" holds ']' */
    do {
        if (p == ms->pat_end)
            luaL_error(ms->L, "malformed pattern (missing ']')");
        char c = *p++;
        if (c == ESC && p < ms->pat_end)
            p++;
    } while (*p != ']');
    meter_add(ms->m, (unsigned long)(p - start) / BULK);
    return p + 1;
}

/* Does the subject char at s match the class p..ep (one char)? */
static int single_match(matcher *ms, const char *s, const char *p, const char *ep)
{
    meter_add(ms->m, 1);
    if (s >= ms->src_end)
        return 0;
    int c = uc(*s);
    switch (*p) {
    case '.':
        return 1;
    case ESC:
        return in_class(c, uc(p[1]));
    case '[':
        return in_set(ms, c, p, ep - 1);
    default:
        return uc(*p) == c;
    }
}

static const char *match(matcher *ms, const char *s, const char *p);

/* %bxy at p (pointing at x): a balanced run from s, or NULL. */
static const char *match_balance(matcher *ms, const char *s, const char *p)
{
    if (p >= ms->pat_end - 1)
        luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= ms->src_end || *s != *p)
        return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < ms->src_end) {
        meter_add(ms->m, 1);
        if (*s == close) {
            if (--depth == 0)
                return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

/* The capture index of back-reference digit d, or raises. */
static int capture_index(matcher *ms, int d)
{
    int i = d - '1';
    if (i < 0 || i >= ms->level || ms->cap[i].len == CAP_UNCLOSED)
        return luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    return i;
}

/* %1..%9 at s: the captured text again, or NULL. */
static const char *match_backref(matcher *ms, const char *s, int d)
{
    int i = capture_index(ms, d);
    size_t len = (size_t)ms->cap[i].len; /* a position capture never fits */
    if ((size_t)(ms->src_end - s) < len)
        return NULL;
    meter_add(ms->m, 1 + len / BULK);
    return memcmp(ms->cap[i].at, s, len) == 0 ? s + len : NULL;
}

/* The innermost capture still open, or raises. */
static int open_capture(matcher *ms)
{
    for (int i = ms->level - 1; i >= 0; i--)
        if (ms->cap[i].len == CAP_UNCLOSED)
            return i;
    return luaL_error(ms->L, "invalid pattern capture");
}

static const char *capture_start(matcher *ms, const char *s, const char *p, ptrdiff_t what)
{
    if (ms->level >= MAX_CAPTURES)
        luaL_error(ms->L, "too many captures");
    ms->cap[ms->level].at = s;
    ms->cap[ms->level].len = what;
    ms->level++;
    const char *res = match(ms, s, p);
    if (!res)
        ms->level--;
    return res;
}

static const char *capture_end(matcher *ms, const char *s, const char *p)
{
    int i = open_capture(ms);
    ms->cap[i].len = s - ms->cap[i].at;
    const char *res = match(ms, s, p);
    if (!res)
        ms->cap[i].len = CAP_UNCLOSED;
    return res;
}

/* x* and x+: as many x as possible, then give back one at a time. */
static const char *expand_greedy(matcher *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t n = 0;
    while (single_match(ms, s + n, p, ep))
        n++;
    for (; n >= 0; n--) {
        const char *res = match(ms, s + n, ep + 1);
        if (res)
            return res;
    }
    return NULL;
}

/* x-: as few x as possible, taking one more at a time. */
static const char *expand_lazy(matcher *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = match(ms, s, ep + 1);
        if (res)
            return res;
        if (!single_match(ms, s, p, ep))
            return NULL;
        s++;
    }
}

/*
 * Matches pattern p (up to pat_end) at subject position s: the end of the
 * match, or NULL. Items that cannot backtrack loop here; the others
 * (captures, quantifiers) recurse, at most MATCH_DEPTH calls deep.
 */
static const char *match(matcher *ms, const char *s, const char *p)
{
    meter_add(ms->m, 1);
    if (ms->depth_left-- == 0)
        luaL_error(ms->L, "pattern too complex");
    while (s && p != ms->pat_end) {
        if (*p == '(') {
            if (p[1] == ')')
                s = capture_start(ms, s, p + 2, CAP_POSITION);
            else
                s = capture_start(ms, s, p + 1, CAP_UNCLOSED);
            break;
        }
        if (*p == ')') {
            s = capture_end(ms, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == ms->pat_end) {
            s = s == ms->src_end ? s : NULL;
            break;
        }
        if (*p == ESC && p[1] == 'b') {
            s = match_balance(ms, s, p + 2);
            p += 4;
            continue;
        }
        if (*p == ESC && p[1] == 'f') {
            p += 2;
            if (*p != '[')
                luaL_error(ms->L, "missing '[' after '%%f' in pattern");
            const char *ep = item_end(ms, p);
            int before = s == ms->src ? '\0' : uc(s[-1]);
            int here = uc(*s); /* '\0' at the end */
            if (in_set(ms, before, p, ep - 1) || !in_set(ms, here, p, ep - 1))
                s = NULL;
            p = ep;
            continue;
        }
        if (*p == ESC && isdigit(uc(p[1]))) {
            s = match_backref(ms, s, uc(p[1]));
            p += 2;
            continue;
        }
        /* a single-character class, maybe with a quantifier */
        const char *ep = item_end(ms, p);
        if (!single_match(ms, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') {
                p = ep + 1; /* zero of them is fine */
                continue;
            }
            s = NULL;
            break;
        }
        if (*ep == '?') {
            const char *res = match(ms, s + 1, ep + 1);
            if (res) {
                s = res;
                break;
            }
            p = ep + 1;
            continue;
        }
        if (*ep == '+') {
            s = expand_greedy(ms, s + 1, p, ep);
            break;
        }
        if (*ep == '*') {
            s = expand_greedy(ms, s, p, ep);
            break;
        }
        if (*ep == '-') {
            s = expand_lazy(ms, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    ms->depth_left++;
    return s;
}

/* ------------------------------------------------------------------------ */
/* Captures to Lua values                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Capture i as text (*text, returned length) for a match s..e; a position
 * capture is pushed as an integer and CAP_POSITION returned. Capture 0 of a
 * pattern without captures is the whole match.
 */
static ptrdiff_t capture_get(matcher *ms, int i, const char *s, const char *e, const char **text)
{
    if (i >= ms->level) {
        if (i != 0)
            luaL_error(ms->L, "invalid capture index %%%d", i + 1);
        *text = s;
        return e - s;
    }
    ptrdiff_t len = ms->cap[i].len;
    *text = ms->cap[i].at;
    if (len == CAP_UNCLOSED)
        luaL_error(ms->L, "unfinished capture");
    if (len == CAP_POSITION)
        lua_pushinteger(ms->L, (ms->cap[i].at - ms->src) + 1);
    return len;
}

static void capture_push(matcher *ms, int i, const char *s, const char *e)
{
    const char *text;
    ptrdiff_t len = capture_get(ms, i, s, e, &text);
    if (len != CAP_POSITION)
        lua_pushlstring(ms->L, text, (size_t)len);
}

/* Pushes all captures (the whole match when there are none and s is set). */
static int captures_push(matcher *ms, const char *s, const char *e)
{
    int n = ms->level == 0 && s ? 1 : ms->level;
    luaL_checkstack(ms->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        capture_push(ms, i, s, e);
    return n;
}

/* ------------------------------------------------------------------------ */
/* string.find, match, gmatch, gsub, rep                                    */
/* ------------------------------------------------------------------------ */

/* A 1-based start position (negative: from the end) as a 1-based index. */
static size_t start_index(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0 || pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp)
{
    for (const char *c = SPECIALS; *c; c++)
        if (memchr(p, *c, lp))
            return 1;
    return 0;
}

/* The first occurrence of needle in hay, byte for byte, or NULL. */
static const char *find_plain(meter *m, const char *hay, size_t lh, const char *needle, size_t ln)
{
    if (ln == 0)
        return hay;
    const char *end = hay + lh;
    const char *at = hay;
    while (ln <= (size_t)(end - at)) {
        const char *hit = memchr(at, needle[0], (size_t)(end - at) - ln + 1);
        meter_add(m, 1 + (unsigned long)((hit ? hit : end) - at) / BULK);
        if (!hit)
            return NULL;
        meter_add(m, ln / BULK);
        if (memcmp(hit + 1, needle + 1, ln - 1) == 0)
            return hit;
        at = hit + 1;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find)
{
    meter m = meter_of(L, 1);
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *hit = find_plain(&m, s + init, ls - init, p, lp);
        meter_flush(&m);
        if (!hit) {
            luaL_pushfail(L);
            return 1;
        }
        lua_pushinteger(L, (hit - s) + 1);
        lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + lp));
        return 2;
    }
    int anchored = *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    matcher ms;
    matcher_init(&ms, L, &m, s, ls, p, lp);
    const char *at = s + init;
    for (;;) {
        matcher_reset(&ms);
        const char *e = match(&ms, at, p);
        if (e) {
            meter_flush(&m);
            if (!find)
                return captures_push(&ms, at, e);
            lua_pushinteger(L, (at - s) + 1);
            lua_pushinteger(L, e - s);
            return captures_push(&ms, NULL, NULL) + 2;
        }
        if (anchored || at >= ms.src_end)
            break;
        at++;
    }
    meter_flush(&m);
    luaL_pushfail(L);
    return 1;
}

static int lualib_find(lua_State *L)
{
    return find_or_match(L, 1);
}

static int lualib_match(lua_State *L)
{
    return find_or_match(L, 0);
}

/* The iterator of gmatch: upvalues subject, pattern, meter_fn, gmatch_state. */
typedef struct gmatch_state {
    const char *next;      /* where the next attempt starts */
    const char *lastmatch; /* the end of the last match, never matched again */
    const char *p;
    matcher ms;
} gmatch_state;

static int gmatch_next(lua_State *L)
{
    gmatch_state *g = lua_touserdata(L, lua_upvalueindex(4));
    meter m = meter_of(L, 3);
    g->ms.L = L;
    g->ms.m = &m;
    for (const char *at = g->next; at <= g->ms.src_end; at++) {
        matcher_reset(&g->ms);
        const char *e = match(&g->ms, at, g->p);
        if (e && e != g->lastmatch) {
            g->next = g->lastmatch = e;
            meter_flush(&m);
            return captures_push(&g->ms, at, e);
        }
    }
    meter_flush(&m);
    return 0;
}

static int lualib_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2); /* the closure keeps both strings alive */
    lua_pushvalue(L, lua_upvalueindex(1));
    gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    if (init > ls)
        init = ls + 1; /* past the end: no match, and no overflow */
    matcher_init(&g->ms, L, NULL, s, ls, p, lp);
    g->next = s + init;
    g->lastmatch = NULL;
    g->p = p;
    lua_pushcclosure(L, gmatch_next, 4);
    return 1;
}

/* Appends the string replacement (index 3) for match s..e: %0-%9, %%. */
static void add_replacement_text(matcher *ms, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = ms->L;
    size_t l;
    const char *r = lua_tolstring(L, 3, &l);
    const char *pct;
    meter_add(ms->m, 1 + l / BULK);
    while ((pct = memchr(r, ESC, l)) != NULL) {
        luaL_addlstring(b, r, (size_t)(pct - r));
        char d = pct[1]; /* '\0' after a final '%' */
        if (d == ESC) {
            luaL_addchar(b, ESC);
        } else if (d == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit(uc(d))) {
            const char *text;
            ptrdiff_t len = capture_get(ms, d - '1', s, e, &text);
            if (len == CAP_POSITION)
                luaL_addvalue(b);
            else
                luaL_addlstring(b, text, (size_t)len);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESC);
        }
        l -= (size_t)(pct + 2 - r);
        r = pct + 2;
    }
    luaL_addlstring(b, r, l);
}

/* Appends the replacement for match s..e; returns whether the text changed. */
static int add_replacement(matcher *ms, luaL_Buffer *b, const char *s, const char *e, int type)
{
    lua_State *L = ms->L;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = captures_push(ms, s, e);
        lua_call(L, n, 1);
    } else if (type == LUA_TTABLE) {
        capture_push(ms, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_replacement_text(ms, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the match */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int lualib_gsub(lua_State *L)
{
    meter m = meter_of(L, 1);
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int type = lua_type(L, 3);
    lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L,
                     type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION ||
                         type == LUA_TTABLE,
                     3, "string/function/table");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int anchored = *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    matcher ms;
    matcher_init(&ms, L, &m, src, ls, p, lp);
    const char *lastmatch = NULL;
    lua_Integer n = 0;
    int changed = 0;
    while (n < max_n) {
        matcher_reset(&ms);
        const char *e = match(&ms, src, p);
        if (e && e != lastmatch) {
            n++;
            meter_flush(&m); /* before a replacement function runs */
            changed = add_replacement(&ms, &b, src, e, type) | changed;
            src = lastmatch = e;
        } else if (src < ms.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchored)
            break;
    }
    meter_flush(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

/* string.rep: Lua 5.4's loops even when every copy is empty. */
static int lualib_rep(lua_State *L)
{
    meter m = meter_of(L, 1);
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    size_t max = sizeof(size_t) < sizeof(int) ? ~(size_t)0 : (size_t)INT_MAX; /* Lua's MAXSIZE */
    if (l + lsep < l || l + lsep > max / (size_t)n)
        return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    if (total == 0) { /* n empty copies */
        lua_pushliteral(L, "");
        return 1;
    }
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, total);
    for (lua_Integer i = 0; i < n; i++) {
        meter_add(&m, (i % BULK == 0) + (l + lsep) / BULK);
        memcpy(out, s, l);
        out += l;
        if (i + 1 < n && lsep > 0) {
            memcpy(out, sep, lsep);
            out += lsep;
        }
    }
    meter_flush(&m);
    luaL_pushresultsize(&b, total);
    return 1;
}

/* The end of a 1-based slice (negative: from the end), clipped to 0..len. */
static size_t end_index(lua_State *L, int arg, lua_Integer def, size_t len)
{
    lua_Integer pos = luaL_optinteger(L, arg, def);
    if (pos > (lua_Integer)len)
        return len;
    if (pos >= 0)
        return (size_t)pos;
    if (pos < -(lua_Integer)len)
        return 0;
    return len + (size_t)pos + 1;
}

/* string.byte: up to a million values per call, each charged. */
static int lualib_byte(lua_State *L)
{
    meter m = meter_of(L, 1);
    size_t l;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer first = luaL_optinteger(L, 2, 1);
    size_t from = start_index(first, l);
    size_t to = end_index(L, 3, first, l);
    if (from > to)
        return 0;
    if (to - from >= (size_t)INT_MAX)
        return luaL_error(L, "string slice too long");
    int n = (int)(to - from) + 1;
    luaL_checkstack(L, n, "string slice too long");
    for (int i = 0; i < n; i++) {
        meter_add(&m, 1);
        lua_pushinteger(L, uc(s[from + (size_t)i - 1]));
    }
    meter_flush(&m);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */
/* ------------------------------------------------------------------------ */

/* Sets the functions in the loaded library `lib`, each with the meter upvalue. */
static void set_funcs(lua_State *L, const char *lib, const luaL_Reg *funcs, int meter_idx)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, lib) != LUA_TTABLE)
        luaL_error(L, "lualib_open: the %s library is not open", lib);
    lua_pushvalue(L, meter_idx);
    luaL_setfuncs(L, funcs, 1);
    lua_pop(L, 2);
}

/* Wraps each function of the loaded library `lib` in funcs: upvalues meter, stock. */
static void wrap_funcs(lua_State *L, const char *lib, const luaL_Reg *funcs, int meter_idx)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, lib) != LUA_TTABLE)
        luaL_error(L, "lualib_open: the %s library is not open", lib);
    for (; funcs->name; funcs++) {
        lua_getfield(L, -1, funcs->name);
        lua_CFunction stock = lua_tocfunction(L, -1);
        if (!stock || stock == funcs->func) /* wrapping a wrapper would recurse */
            luaL_error(L, "lualib_open: %s.%s is not Lua's own", lib, funcs->name);
        lua_pushvalue(L, meter_idx);
        lua_insert(L, -2);
        lua_pushcclosure(L, funcs->func, 2);
        lua_setfield(L, -2, funcs->name);
    }
    lua_pop(L, 2);
}

void lualib_open(lua_State *L, lualib_charge_fn charge)
{
    static const luaL_Reg string_funcs[] = {
        {"find", lualib_find}, {"match", lualib_match}, {"gmatch", lualib_gmatch},
        {"gsub", lualib_gsub}, {"rep", lualib_rep},     {"byte", lualib_byte},
        {NULL, NULL},
    };
    static const luaL_Reg table_funcs[] = {
        {"insert", lualib_insert}, {"remove", lualib_remove}, {"move", lualib_move},
        {"unpack", lualib_unpack}, {"concat", lualib_concat}, {NULL, NULL},
    };
    static const luaL_Reg string_wrapped[] = {
        {"pack", lualib_pack_format},
        {"packsize", lualib_pack_format},
        {"unpack", lualib_pack_format},
        {NULL, NULL},
    };
    static const luaL_Reg table_wrapped[] = {{"sort", lualib_sort}, {NULL, NULL}};
    static const luaL_Reg utf8_wrapped[] = {
        {"len", lualib_utf8_len},
        {"codepoint", lualib_utf8_codepoint},
        {"offset", lualib_utf8_offset},
        {NULL, NULL},
    };
    static const luaL_Reg base_wrapped[] = {{"tonumber", lualib_tonumber}, {NULL, NULL}};
    meter_fn *f = lua_newuserdatauv(L, sizeof *f, 0);
    f->charge = charge;
    int idx = lua_gettop(L);
    set_funcs(L, LUA_STRLIBNAME, string_funcs, idx);
    set_funcs(L, LUA_TABLIBNAME, table_funcs, idx);
    wrap_funcs(L, LUA_STRLIBNAME, string_wrapped, idx);
    wrap_funcs(L, LUA_TABLIBNAME, table_wrapped, idx);
    wrap_funcs(L, LUA_UTF8LIBNAME, utf8_wrapped, idx);
    wrap_funcs(L, LUA_GNAME, base_wrapped, idx);
    lua_pop(L, 1);
}
