/*
 * hook_lua.c — Lua hooks: a sandboxed environment per call, in a state kept
 * per thread and hooks source ("States" below).
 *
 * Owns: this thread's kept states (each: its pristine libraries and the
 * compiled hooks, made once), the environment of a call (fresh globals and
 * library tables, made and dropped inside hook_lua_call), the conversions
 * between JSON and Lua values, and the `cairn` global the hooks see
 * (cairn.json.null, encode, decode, cairn.http.request).
 *
 * Never: lets one call reach what another made (each call runs the chunk in
 * new globals, with copies of the library tables and its own string
 * metatable; afterwards nothing leads to them; see push_env), keeps a state
 * that reached a limit or failed outside the hook, lets a hook reach the
 * host (only base, string, table, math and utf8
 * are opened; dofile, loadfile, load, require, collectgarbage, string.dump
 * are removed; print goes to stderr like ctx.log; source is loaded as text;
 * setmetatable refuses __gc, as finalizers run with hooks off),
 * runs past its limits (a counting allocator caps memory, a count hook caps
 * VM instructions, the library functions whose C loops a hook can make
 * endless or long (patterns, table moves, unpack, concat, byte, sort, utf8,
 * tonumber, pack) are hook_lualib's, which charge their steps as
 * instructions; and as a backstop for what one instruction can still cost
 * (comparing two long strings, copying varargs), the same checks cap the
 * thread's CPU time; neither limit can be caught by pcall), or
 * lets a longjmp cross a cairn frame: every Lua API call that may raise runs
 * inside lua_pcall, and C memory held across such a call is anchored in a
 * Lua userdata whose __gc frees it.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hook.h"
#include "hook_lualib.h"
#include "http.h"
#include "json.h"
#include "mem.h"

#define DEFAULT_INSTRUCTIONS 100000000u
#define DEFAULT_MEMORY ((size_t)64 << 20)
#define DEFAULT_CPU_MS 10000u
#define HOOK_STEP 1000      /* instructions between two calls of the count hook, at most */
#define HOOK_GAP_NS 1000000 /* the time the count hook aims to leave between its calls */
#define RESULT_MAX_DEPTH 64 /* tables nested in a value converted to JSON */
#define ARGS_MAX_DEPTH 1000 /* containers nested in JSON given to Lua (cJSON's limit) */
#define BOX_META "cairn.box"
#define HTTP_MAX_OK 32 /* status ranges in one cairn.http.request's ok */

/* cairn.json.null: a light userdata with this address. */
static const char json_null_key = 0;

/* One call: limits, what it runs, and what comes out. */
typedef struct lua_run {
    size_t mem_base;  /* what the state held when the call began (its slot's mem_used) */
    size_t mem_limit; /* what the call may add to it */
    int mem_denied;   /* the allocator refused a block because of the limit */
    uint64_t instr_counted, instr_limit;
    int instr_step, instr_step_max;
    uint64_t hook_at;     /* the monotonic clock at the last count hook, ns */
    uint32_t cpu_ms;      /* the CPU-time limit */
    uint64_t cpu_start;   /* the thread's CPU clock when the call began, ns */
    uint64_t cpu_used;    /* CPU time used at the last reading, ns */
    uint64_t cpu_read_at; /* the monotonic clock at that reading, ns */
    char limit_hit[80];   /* sticky: set, every later instruction raises again */
    int spoiled;          /* the state must not be kept (a chunk that failed to load) */
    const char *source, *chunkname, *fn; /* borrowed */
    const cJSON *args;                   /* borrowed */
    const hook_ctx *ctx;                 /* borrowed, may be NULL */
    cJSON *result;                       /* owned until handed to the caller */
    cairn_error err;                     /* set by run_protected */
} lua_run;

/* ------------------------------------------------------------------------ */
/* Limits                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A Lua state kept on this thread for one hooks source, reused by its calls
 * (see "States" below). The allocator's ud: it counts what the state holds,
 * and charges what a call adds to that call's limit.
 */
typedef struct lua_slot {
    lua_State *L;       /* NULL: a free slot */
    char *source;       /* a copy of the source it compiled, to compare; owned */
    size_t len;         /* its length */
    char *chunkname;    /* owned */
    size_t mem_used;    /* bytes the state holds */
    size_t mem_made;    /* what it held once made: libraries and the compiled chunk */
    lua_run *r;         /* the call running on it, or NULL between calls */
    int base_ref;       /* registry: the pristine globals (LUA_NOREF: not made yet) */
    int chunk_ref;      /* registry: the compiled chunk */
    unsigned long last; /* the cache's tick when last used */
} lua_slot;

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lua_slot *s = ud;
    lua_run *r = s->r;
    size_t old = ptr ? osize : 0; /* without ptr, osize is a type tag */
    if (nsize == 0) {
        mem_free(ptr);
        s->mem_used -= old;
        return NULL;
    }
    if (r && nsize > old) {
        /* what the call added (garbage of earlier calls collected meanwhile is its credit) */
        size_t added = s->mem_used > r->mem_base ? s->mem_used - r->mem_base : 0;
        if (added > r->mem_limit || nsize - old > r->mem_limit - added) {
            r->mem_denied = 1;
            return NULL; /* Lua collects garbage and retries, then raises LUA_ERRMEM */
        }
    }
    void *p = mem_realloc(ptr, nsize);
    if (!p)
        return nsize <= old ? ptr : NULL; /* a failed shrink keeps the block */
    s->mem_used = s->mem_used - old + nsize;
    return p;
}

static lua_run *run_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ((lua_slot *)ud)->r;
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts = {0, 0};
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Has the call used up its CPU time? The thread's CPU clock is a system
 * call (about 200 ns); the monotonic clock is not (about 20 ns). A thread
 * never runs for longer than the time that passes, so the CPU clock is read
 * only when the monotonic one says the limit may have been reached: a few
 * times near the limit, and once after each wait (an HTTP request).
 */
static int cpu_exhausted(lua_run *r, uint64_t now)
{
    uint64_t limit = (uint64_t)r->cpu_ms * 1000000u;
    if (r->cpu_used + (now - r->cpu_read_at) < limit)
        return 0;
    r->cpu_used = clock_ns(CLOCK_THREAD_CPUTIME_ID) - r->cpu_start;
    r->cpu_read_at = now; /* read before the CPU clock: the bound stays an upper one */
    return r->cpu_used >= limit;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/*
 * Adds steps to the run's count and checks its CPU time; past either limit,
 * raises, and from then on every instruction raises again, so a pcall in
 * the hook can catch the error but can never run on. Returns the monotonic
 * clock.
 */
static uint64_t charge_instructions(lua_State *L, uint64_t steps)
{
    lua_run *r = run_of(L);
    r->instr_counted += steps;
    if (!r->limit_hit[0]) {
        uint64_t now = 0;
        if (r->instr_counted >= r->instr_limit)
            snprintf(r->limit_hit, sizeof r->limit_hit, "instruction limit of %" PRIu64 " reached",
                     r->instr_limit);
        else if (cpu_exhausted(r, now = clock_ns(CLOCK_MONOTONIC)))
            snprintf(r->limit_hit, sizeof r->limit_hit,
                     "time limit of %" PRIu32 " ms of CPU reached", r->cpu_ms);
        else
            return now;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, "%s", r->limit_hit);
    return 0; /* not reached */
}

/*
 * Charges the instructions since the last call. When they cost much each
 * (comparing two long strings), HOOK_STEP of them would space the checks
 * far apart and let the call run long past its CPU time: the step then
 * shrinks (to a power of two) to bring the calls about HOOK_GAP_NS apart,
 * and grows back eightfold at a time when they come much closer. The band
 * between keeps it from changing often: lua_sethook walks the call stack.
 */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_run *r = run_of(L);
    uint64_t gap = charge_instructions(L, (uint64_t)r->instr_step) - r->hook_at;
    int step = r->instr_step;
    if (gap > 2 * HOOK_GAP_NS) {
        uint64_t fit = (uint64_t)step * HOOK_GAP_NS / gap;
        for (step = 1; (uint64_t)step * 2 <= fit; step *= 2)
            ;
    } else if (gap < HOOK_GAP_NS / 4 && step < r->instr_step_max) {
        /* by steps: a few cheap instructions after a dear one prove little */
        step = step < r->instr_step_max / 8 ? step * 8 : r->instr_step_max;
    }
    if (step != r->instr_step) {
        r->instr_step = step;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, step); /* counts again from step */
    }
    r->hook_at = clock_ns(CLOCK_MONOTONIC); /* the gap leaves out the hook's own work */
}

/* The steps of hook_lualib's functions count as instructions. */
static void charge_lualib(lua_State *L, unsigned long steps)
{
    charge_instructions(L, steps);
}

/* ------------------------------------------------------------------------ */
/* Boxes: C memory anchored in Lua while an API call may raise               */
/* ------------------------------------------------------------------------ */

typedef struct box {
    cJSON *json; /* owned */
    char *text;  /* owned (free) */
} box;

static void box_free(box *b)
{
    cJSON_Delete(b->json);
    mem_free(b->text);
    b->json = NULL;
    b->text = NULL;
}

static int box_gc(lua_State *L)
{
    box_free(lua_touserdata(L, 1));
    return 0;
}

/* Pushes a new empty box (may raise before anything is held). */
static box *box_new(lua_State *L)
{
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->json = NULL;
    b->text = NULL;
    luaL_setmetatable(L, BOX_META);
    return b;
}

/* ------------------------------------------------------------------------ */
/* JSON to Lua                                                               */
/* ------------------------------------------------------------------------ */

static void push_null(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&json_null_key);
}

static int is_null(lua_State *L, int idx)
{
    return lua_islightuserdata(L, idx) && lua_touserdata(L, idx) == &json_null_key;
}

/*
 * Pushes v as a Lua value (may raise: memory, nesting). With `absent`, an
 * object member that is null is left out, at every depth, so it reads as nil
 * (`args.x or default` works); an array's null stays cairn.json.null, which
 * keeps the positions and the length of the sequence.
 */
static void push_json(lua_State *L, const cJSON *v, int depth, int absent)
{
    if (depth > ARGS_MAX_DEPTH)
        luaL_error(L, "JSON nested deeper than %d levels", ARGS_MAX_DEPTH);
    luaL_checkstack(L, 3, "JSON nested too deeply");
    switch (v ? v->type & 0xFF : cJSON_NULL) {
    case cJSON_True:
        lua_pushboolean(L, 1);
        break;
    case cJSON_False:
        lua_pushboolean(L, 0);
        break;
    case cJSON_Number: {
        double d = v->valuedouble;
        /* integral numbers become Lua integers, so 3 reads back as 3, not 3.0 */
        if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
        break;
    }
    case cJSON_String:
        lua_pushstring(L, v->valuestring ? v->valuestring : "");
        break;
    case cJSON_Array: {
        lua_createtable(L, cJSON_GetArraySize(v), 0);
        lua_Integer i = 1;
        for (const cJSON *m = v->child; m; m = m->next, i++) {
            push_json(L, m, depth + 1, absent);
            lua_rawseti(L, -2, i);
        }
        break;
    }
    case cJSON_Object:
        lua_createtable(L, 0, cJSON_GetArraySize(v));
        for (const cJSON *m = v->child; m; m = m->next) {
            if (absent && cJSON_IsNull(m))
                continue;
            lua_pushstring(L, m->string ? m->string : "");
            push_json(L, m, depth + 1, absent);
            lua_rawset(L, -3);
        }
        break;
    default:
        push_null(L);
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Lua to JSON: never raises (only non-allocating API calls), so the C       */
/* memory it builds is never left behind by a longjmp.                       */
/* ------------------------------------------------------------------------ */

typedef struct conv {
    lua_State *L;
    char path[200];                       /* where we are: "result.items[2]" */
    const void *tables[RESULT_MAX_DEPTH]; /* the tables on the path, for cycles */
    int depth;
    char why[300]; /* the failure, when NULL is returned */
} conv;

static cJSON *to_json(conv *c, int idx);

static void conv_fail(conv *c, const char *what)
{
    snprintf(c->why, sizeof c->why, "%s at %s", what, c->path);
}

typedef struct member {
    const char *key; /* borrowed from the table's keys */
    cJSON *value;    /* owned */
} member;

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

/* Appends ".key" or "[i]" to the path; returns the old length to restore. */
static size_t path_push(conv *c, const char *key, lua_Integer i)
{
    size_t len = strlen(c->path);
    if (key)
        snprintf(c->path + len, sizeof c->path - len, ".%s", key);
    else
        snprintf(c->path + len, sizeof c->path - len, "[%lld]", (long long)i - 1);
    return len;
}

static cJSON *table_to_json(conv *c, int idx)
{
    lua_State *L = c->L;
    const void *self = lua_topointer(L, idx);
    for (int i = 0; i < c->depth; i++)
        if (c->tables[i] == self) {
            conv_fail(c, "a table that contains itself");
            return NULL;
        }
    if (c->depth == RESULT_MAX_DEPTH) {
        char what[64];
        snprintf(what, sizeof what, "tables nested deeper than %d levels", RESULT_MAX_DEPTH);
        conv_fail(c, what);
        return NULL;
    }
    if (!lua_checkstack(L, 4)) {
        conv_fail(c, "no Lua stack left");
        return NULL;
    }

    /* First pass: is it a sequence 1..n, an object with string keys, or neither? */
    size_t n = 0, nstrings = 0;
    lua_Integer max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        n++;
        if (lua_type(L, -2) == LUA_TSTRING) {
            nstrings++;
        } else if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
            if (lua_tointeger(L, -2) > max)
                max = lua_tointeger(L, -2);
        } else {
            lua_pop(L, 2);
            conv_fail(c, "a table with a key that is not a string");
            return NULL;
        }
        lua_pop(L, 1);
    }
    int is_array = n > 0 && nstrings == 0 && (size_t)max == n;
    if (!is_array && nstrings != n) {
        conv_fail(c, "a table with a key that is not a string");
        return NULL;
    }

    cJSON *out = is_array ? cJSON_CreateArray() : cJSON_CreateObject();
    member *members = NULL;
    size_t nmembers = 0;
    if (!out)
        goto oom;
    c->tables[c->depth++] = self;

    if (is_array) {
        for (lua_Integer i = 1; i <= max; i++) {
            size_t len = path_push(c, NULL, i);
            lua_rawgeti(L, idx, i);
            cJSON *m = to_json(c, lua_gettop(L));
            lua_pop(L, 1);
            c->path[len] = '\0';
            if (!m)
                goto fail;
            cJSON_AddItemToArray(out, m);
        }
    } else if (n > 0) {
        /* Keys in byte order, so the same table always gives the same text. */
        members = mem_calloc(n, sizeof *members);
        if (!members)
            goto oom;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            size_t klen;
            const char *key = lua_tolstring(L, -2, &klen); /* a string: no conversion */
            size_t len = path_push(c, key, 0);
            if (strlen(key) != klen) {
                lua_pop(L, 2);
                conv_fail(c, "a key with a zero byte");
                goto fail;
            }
            cJSON *m = to_json(c, lua_gettop(L));
            c->path[len] = '\0';
            if (!m) {
                lua_pop(L, 2);
                goto fail;
            }
            members[nmembers].key = key;
            members[nmembers++].value = m;
            lua_pop(L, 1);
        }
        qsort(members, nmembers, sizeof *members, member_cmp);
        for (size_t i = 0; i < nmembers; i++) {
            if (!cJSON_AddItemToObject(out, members[i].key, members[i].value))
                goto oom;
            members[i].value = NULL;
        }
    }
    c->depth--;
    mem_free(members);
    return out;
oom:
    conv_fail(c, "out of memory");
fail:
    for (size_t i = 0; i < nmembers; i++)
        cJSON_Delete(members[i].value);
    mem_free(members);
    cJSON_Delete(out);
    return NULL;
}

/* The value at idx as a new cJSON tree, or NULL with c->why set. */
static cJSON *to_json(conv *c, int idx)
{
    lua_State *L = c->L;
    cJSON *v = NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        v = cJSON_CreateNull();
        break;
    case LUA_TBOOLEAN:
        v = cJSON_CreateBool(lua_toboolean(L, idx));
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            v = cJSON_CreateNumber((double)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            if (!isfinite(d)) {
                conv_fail(c, isnan(d) ? "NaN" : "an infinite number");
                return NULL;
            }
            v = cJSON_CreateNumber(d);
        }
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (strlen(s) != len) {
            conv_fail(c, "a string with a zero byte");
            return NULL;
        }
        v = cJSON_CreateString(s);
        break;
    }
    case LUA_TTABLE:
        return table_to_json(c, idx);
    case LUA_TLIGHTUSERDATA:
        if (is_null(L, idx)) {
            v = cJSON_CreateNull();
            break;
        }
        /* fall through */
    default: {
        char what[64];
        snprintf(what, sizeof what, "a %s", luaL_typename(L, idx));
        conv_fail(c, what);
        return NULL;
    }
    }
    if (!v)
        conv_fail(c, "out of memory");
    return v;
}

/* Converts the value at idx; root names it in messages ("result", "data"). */
static cJSON *value_to_json(lua_State *L, int idx, const char *root, char *why, size_t whylen)
{
    conv c = {.L = L, .depth = 0};
    snprintf(c.path, sizeof c.path, "%s", root);
    cJSON *v = to_json(&c, lua_absindex(L, idx));
    if (!v)
        snprintf(why, whylen, "%s", c.why);
    return v;
}

/* ------------------------------------------------------------------------ */
/* The sandbox                                                               */
/* ------------------------------------------------------------------------ */

static int json_encode(lua_State *L)
{
    char why[300];
    lua_settop(L, 1);
    box *b = box_new(L);
    b->json = value_to_json(L, 1, "value", why, sizeof why);
    if (!b->json)
        return luaL_error(L, "cairn.json.encode: not JSON: %s", why);
    b->text = json_print(b->json);
    if (!b->text)
        return luaL_error(L, "cairn.json.encode: out of memory");
    lua_pushstring(L, b->text); /* may raise: the box still owns the text */
    box_free(b);
    return 1;
}

static int json_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    if (strlen(text) != len)
        return luaL_error(L, "cairn.json.decode: the text has a zero byte");
    box *b = box_new(L);
    const char *end = NULL;
    b->json = cJSON_ParseWithOpts(text, &end, 1);
    if (!b->json)
        return luaL_error(L, "cairn.json.decode: invalid JSON at byte %d",
                          end ? (int)(end - text) + 1 : 1);
    push_json(L, b->json, 0, 0); /* may raise: the box still owns the tree */
    box_free(b);
    return 1;
}

/*
 * cairn.http.request{method=, url=, headers=, body=, timeout=ms, ok={{200,299}}}:
 * http_call's result as a table, or raises its typed error as
 * {type=, message=, data=} (so error() handling, pcall and the hook's own
 * failure all see Http.Status.NNN / Http.Transport). `ok` holds {lo, hi} pairs
 * or single statuses. C memory is held in boxes while Lua may raise.
 */
static int http_request(lua_State *L)
{
    char why[300];
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    box *req = box_new(L); /* index 2 */
    req->json = value_to_json(L, 1, "request", why, sizeof why);
    if (!req->json)
        return luaL_error(L, "cairn.http.request: not JSON: %s", why);

    int64_t timeout_ms = 0;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(req->json, "timeout");
    if (t && !cJSON_IsNull(t)) {
        if (!json_is_integer(t) || t->valuedouble <= 0)
            return luaL_error(L, "cairn.http.request: timeout must be a positive number of ms");
        timeout_ms = (int64_t)t->valuedouble;
    }
    cairn_status_range ok[HTTP_MAX_OK];
    int nok = 0;
    const cJSON *oks = cJSON_GetObjectItemCaseSensitive(req->json, "ok");
    if (oks && !cJSON_IsNull(oks)) {
        if (!cJSON_IsArray(oks) || cJSON_GetArraySize(oks) > HTTP_MAX_OK)
            return luaL_error(L,
                              "cairn.http.request: ok must be a list of at most %d statuses "
                              "or {lo, hi} ranges",
                              HTTP_MAX_OK);
        for (const cJSON *o = oks->child; o; o = o->next, nok++) {
            const cJSON *lo = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, 0) : o;
            const cJSON *hi = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, 1) : o;
            if (!json_is_integer(lo) || !json_is_integer(hi) ||
                (cJSON_IsArray(o) && cJSON_GetArraySize(o) != 2) ||
                lo->valuedouble > hi->valuedouble)
                return luaL_error(L,
                                  "cairn.http.request: ok[%d] is not a status or a "
                                  "{lo, hi} range",
                                  nok + 1);
            ok[nok].lo = (int)lo->valuedouble;
            ok[nok].hi = (int)hi->valuedouble;
        }
    }

    cairn_error err;
    err_init(&err);
    box *res = box_new(L); /* index 3 */
    if (http_call(req->json, timeout_ms, nok ? ok : NULL, nok, &res->json, &err) == 0) {
        push_json(L, res->json, 0, 0); /* may raise: the box still owns the tree */
        box_free(res);
        return 1;
    }
    /* The error's parts move into the box before anything may raise (the
     * message is copied: out of memory, err holds a static one). */
    char type[40] = "Http.Transport";
    if (err_isset(&err) && !strncmp(err.type, "Http.Status.", 12))
        snprintf(type, sizeof type, "%s", err.type);
    res->json = err.data;
    res->text = err.message ? mem_strdup(err.message) : NULL;
    err.data = NULL;
    err_cleanup(&err);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, type);
    lua_setfield(L, -2, "type");
    lua_pushstring(L, res->text ? res->text : "");
    lua_setfield(L, -2, "message");
    if (res->json) {
        push_json(L, res->json, 0, 0);
        lua_setfield(L, -2, "data");
    }
    box_free(res);
    return lua_error(L);
}

/* ctx.log(...) and print(...): one line on stderr, values separated by spaces. */
static int log_line(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&buf, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&buf);
    }
    luaL_pushresult(&buf);
    fprintf(stderr, "[cairn] %s/%s: %s\n", lua_tostring(L, lua_upvalueindex(1)),
            lua_tostring(L, lua_upvalueindex(2)), lua_tostring(L, -1));
    return 0;
}

static void push_log(lua_State *L, const hook_ctx *ctx)
{
    lua_pushstring(L, ctx && ctx->execution_id ? ctx->execution_id : "-");
    lua_pushstring(L, ctx && ctx->operation ? ctx->operation : "-");
    lua_pushcclosure(L, log_line, 2);
}

/*
 * setmetatable without __gc: Lua runs finalizers with hooks turned off, so a
 * finalizer would escape the instruction limit. (Lua marks an object for
 * finalization only when its metatable has __gc at this moment.)
 */
static int safe_setmetatable(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in hooks");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/*
 * Once per state: opens the allowed libraries into its globals, removes what
 * reaches outside, puts the charged library functions in. These globals stay
 * pristine: no hook ever sees them, only the copies push_env makes.
 */
static void open_base(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    static const char *const removed[] = {"dofile",  "loadfile",       "load",
                                          "require", "collectgarbage", "print"};
    for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lualib_open(L, charge_lualib); /* library functions whose loops count */

    luaL_newmetatable(L, BOX_META);
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

/* Pushes a new table with the entries of the table at idx (one level). */
static void copy_table(lua_State *L, int idx)
{
    lua_createtable(L, 0, 32);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

/*
 * Each call: pushes a new globals table, made of fresh copies of the pristine
 * globals and of each library table in them, with its own `print`, `cairn`
 * and string metatable, and makes it the state's globals. Nothing a call can
 * reach is left from another: the only objects shared are C functions, whose
 * upvalues no hook can reach (the debug library is not opened), and strings.
 * math.random is seeded again, so no call learns what another drew.
 */
static void push_env(lua_State *L, const lua_slot *s, const hook_ctx *ctx)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->base_ref);
    int base = lua_gettop(L);
    lua_createtable(L, 0, 48);
    int g = base + 1;
    lua_pushnil(L);
    while (lua_next(L, base)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            if (lua_rawequal(L, -1, base))
                lua_pushvalue(L, g); /* _G */
            else
                copy_table(L, lua_gettop(L)); /* a library */
            lua_replace(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, g);
    }
    lua_remove(L, base); /* the new globals are at base now */
    g = base;

    push_log(L, ctx);
    lua_setfield(L, g, "print");
    lua_createtable(L, 0, 2); /* cairn */
    lua_createtable(L, 0, 3); /* cairn.json */
    push_null(L);
    lua_setfield(L, -2, "null");
    lua_pushcfunction(L, json_encode);
    lua_setfield(L, -2, "encode");
    lua_pushcfunction(L, json_decode);
    lua_setfield(L, -2, "decode");
    lua_setfield(L, -2, "json");
    lua_createtable(L, 0, 1); /* cairn.http */
    lua_pushcfunction(L, http_request);
    lua_setfield(L, -2, "request");
    lua_setfield(L, -2, "http");
    lua_setfield(L, g, "cairn");

    /* ("x"):upper() reads this call's string table; getmetatable("") is this call's */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, LUA_STRLIBNAME);
    lua_rawget(L, g);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "");
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);

    lua_pushliteral(L, LUA_MATHLIBNAME);
    lua_rawget(L, g);
    lua_getfield(L, -1, "randomseed");
    lua_call(L, 0, 0);
    lua_pop(L, 1);

    lua_pushvalue(L, g);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
}

static void push_ctx(lua_State *L, const hook_ctx *ctx)
{
    lua_createtable(L, 0, 5);
    lua_pushstring(L, ctx && ctx->execution_id ? ctx->execution_id : "");
    lua_setfield(L, -2, "execution_id");
    lua_pushstring(L, ctx && ctx->operation ? ctx->operation : "");
    lua_setfield(L, -2, "operation");
    lua_pushinteger(L, ctx && ctx->attempt > 0 ? ctx->attempt : 1);
    lua_setfield(L, -2, "attempt");
    if (ctx && ctx->callback_id) {
        lua_pushstring(L, ctx->callback_id);
        lua_setfield(L, -2, "callback_id");
    }
    push_log(L, ctx);
    lua_setfield(L, -2, "log");
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

/* A Lua number as text, without allocating in Lua. */
static void number_text(lua_State *L, int idx, char *buf, size_t len)
{
    if (lua_isinteger(L, idx))
        snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
    else
        snprintf(buf, len, "%.14g", (double)lua_tonumber(L, idx));
}

/*
 * Sets e from a failed pcall: status, and the error value on top of the
 * stack. A table {type=..., message=..., data=...} is the hook's own typed
 * error; anything else is Lua.Error. Reading a table may raise, so
 * `protected` says whether we run inside lua_pcall; outside, a table is
 * only named.
 */
static void set_error(lua_run *r, lua_State *L, int status, int protected, cairn_error *e)
{
    if (status == LUA_ERRMEM) {
        if (r->mem_denied)
            err_set(e, "Lua.Limit", "memory limit of %zu bytes reached", r->mem_limit);
        else
            err_set(e, "Lua.Error", "not enough memory");
        return;
    }
    int top = lua_gettop(L);
    switch (lua_type(L, top)) {
    case LUA_TSTRING:
        err_set(e, "Lua.Error", "%s", lua_tostring(L, top));
        return;
    case LUA_TNUMBER: {
        char num[64];
        number_text(L, top, num, sizeof num);
        err_set(e, "Lua.Error", "%s", num);
        return;
    }
    case LUA_TTABLE:
        if (protected)
            break;
        /* fall through */
    default:
        err_set(e, "Lua.Error", "error object is a %s value", luaL_typename(L, top));
        return;
    }

    /* error({type = ..., message = ..., data = ...}) */
    lua_pushliteral(L, "type");
    lua_rawget(L, top);
    lua_pushliteral(L, "message");
    lua_rawget(L, top);
    lua_pushliteral(L, "data");
    lua_rawget(L, top);
    size_t tlen = 0;
    const char *type =
        lua_type(L, top + 1) == LUA_TSTRING ? lua_tolstring(L, top + 1, &tlen) : NULL;
    if (!type || tlen == 0 || strlen(type) != tlen) {
        err_set(e, "Lua.Error", "error object is a table without a string 'type'");
        return;
    }
    char num[64];
    const char *message = "";
    if (lua_type(L, top + 2) == LUA_TSTRING) {
        message = lua_tostring(L, top + 2);
    } else if (lua_type(L, top + 2) == LUA_TNUMBER) {
        number_text(L, top + 2, num, sizeof num);
        message = num;
    }
    cJSON *data = NULL;
    if (!lua_isnil(L, top + 3)) {
        char why[300];
        data = value_to_json(L, top + 3, "data", why, sizeof why);
        if (!data) {
            err_set(e, "Lua.Error", "error %s: data is not JSON: %s", type, why);
            return;
        }
    }
    err_set_data(e, type, data, "%s", message);
}

/* The chunk name without Lua's '@' or '=' mark: "order.lua". */
static const char *short_name(const char *chunkname)
{
    return chunkname[0] == '@' || chunkname[0] == '=' ? chunkname + 1 : chunkname;
}

/*
 * The whole call, run under lua_pcall: on a new state, the pristine globals
 * and the compiled chunk (kept in the registry); then a fresh environment,
 * the chunk run in it, fn(args, ctx), the result converted. Errors of the
 * hook go to r->err; errors raised here (memory, mostly) end the outer pcall.
 */
static int run_protected(lua_State *L)
{
    lua_slot *s = lua_touserdata(L, 1);
    lua_run *r = s->r;
    int st;
    if (s->base_ref == LUA_NOREF) {
        open_base(L);
        lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
        s->base_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        st = luaL_loadbufferx(L, r->source, strlen(r->source), r->chunkname, "t");
        if (st != LUA_OK) {
            set_error(r, L, st, 1, &r->err);
            r->spoiled = 1; /* no chunk to keep */
            return 0;
        }
        s->chunk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        s->mem_made = s->mem_used;
    }
    push_env(L, s, r->ctx);
    int g = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->chunk_ref);
    lua_pushvalue(L, g);
    lua_setupvalue(L, -2, 1); /* its _ENV: this call's globals */
    st = lua_pcall(L, 0, 0, 0);
    if (st != LUA_OK) {
        set_error(r, L, st, 1, &r->err);
        return 0;
    }

    /* raw: a metatable the chunk put on _G runs nothing here */
    lua_pushstring(L, r->fn);
    int t = lua_rawget(L, g);
    if (t != LUA_TFUNCTION) {
        if (t == LUA_TNIL)
            err_set(&r->err, "Lua.Error", "Lua function '%s' is not defined in %s", r->fn,
                    short_name(r->chunkname));
        else
            err_set(&r->err, "Lua.Error", "'%s' in %s is a %s, not a function", r->fn,
                    short_name(r->chunkname), lua_typename(L, t));
        return 0;
    }
    push_json(L, r->args, 0, 1); /* a null member is an absent key */
    push_ctx(L, r->ctx);
    st = lua_pcall(L, 2, 1, 0);
    if (st != LUA_OK) {
        set_error(r, L, st, 1, &r->err);
        return 0;
    }

    char why[300];
    r->result = value_to_json(L, -1, "result", why, sizeof why);
    if (!r->result)
        err_set(&r->err, "Lua.Error", "result is not JSON: %s", why);
    return 0;
}

/*
 * After a call, under lua_pcall: the pristine globals are the state's again,
 * and the chunk and the strings no longer lead to the call's environment, so
 * nothing of it stays reachable (it is garbage, collected in time).
 */
static int reset_protected(lua_State *L)
{
    lua_slot *s = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->base_ref);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->chunk_ref);
    lua_pushnil(L);
    lua_setupvalue(L, -2, 1);
    lua_pushliteral(L, "");
    lua_pushnil(L);
    lua_setmetatable(L, -2);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* States                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Making a state, opening its libraries and compiling the hooks took most of
 * a Lua step's time, so each thread keeps a few states, one per hooks source
 * (CACHE_SLOTS, the least recently used replaced), and each call gets a fresh
 * environment in one (push_env). A state that reached a limit, failed
 * outside the hook, or could not be reset is closed rather than kept. After a
 * call that left more than GC_SLACK of garbage, a full collection frees it,
 * so one call's garbage never weighs on the next call's memory limit.
 */
#define CACHE_SLOTS 4
#define GC_SLACK ((size_t)256 << 10)

typedef struct lua_cache {
    lua_slot slot[CACHE_SLOTS];
    unsigned long tick;
    long made; /* states made on this thread (hook_lua_states_made) */
} lua_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void slot_close(lua_slot *s)
{
    if (s->L)
        lua_close(s->L); /* runs finalizers, under the limits of the call if one runs */
    mem_free(s->source);
    mem_free(s->chunkname);
    *s = (lua_slot){.base_ref = LUA_NOREF, .chunk_ref = LUA_NOREF};
}

static void cache_free(void *p)
{
    lua_cache *c = p;
    if (!c)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        slot_close(&c->slot[i]);
    mem_free(c);
}

static void cache_key_make(void)
{
    cache_key_ok = pthread_key_create(&cache_key, cache_free) == 0;
}

/* This thread's cache, made on first use; NULL when it cannot be (then nothing is kept). */
static lua_cache *cache_get(void)
{
    pthread_once(&cache_once, cache_key_make);
    if (!cache_key_ok)
        return NULL;
    lua_cache *c = pthread_getspecific(cache_key);
    if (c)
        return c;
    if (!(c = mem_calloc(1, sizeof *c)))
        return NULL;
    for (int i = 0; i < CACHE_SLOTS; i++)
        c->slot[i] = (lua_slot){.base_ref = LUA_NOREF, .chunk_ref = LUA_NOREF};
    if (pthread_setspecific(cache_key, c) != 0) {
        mem_free(c);
        return NULL;
    }
    return c;
}

void hook_lua_release(void)
{
    pthread_once(&cache_once, cache_key_make);
    if (!cache_key_ok)
        return;
    lua_cache *c = pthread_getspecific(cache_key);
    if (c) {
        pthread_setspecific(cache_key, NULL);
        cache_free(c);
    }
}

long hook_lua_states_made(void)
{
    pthread_once(&cache_once, cache_key_make);
    lua_cache *c = cache_key_ok ? pthread_getspecific(cache_key) : NULL;
    return c ? c->made : 0;
}

/*
 * The slot of this source in c: its state, or a free slot (the least recently
 * used one, emptied) with the source and chunk name copied in. NULL when the
 * copies cannot be made, or the one slot of this source is in use (a call
 * within a call).
 */
static lua_slot *slot_for(lua_cache *c, const char *source, const char *chunkname)
{
    size_t len = strlen(source);
    lua_slot *lru = NULL;
    c->tick++;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        lua_slot *s = &c->slot[i];
        if (s->L && s->len == len && strcmp(s->chunkname, chunkname) == 0 &&
            memcmp(s->source, source, len) == 0) {
            if (s->r)
                return NULL;
            s->last = c->tick;
            return s;
        }
        if (!s->r && (!lru || s->last < lru->last)) /* a free slot's last is 0 */
            lru = s;
    }
    if (!lru)
        return NULL;
    slot_close(lru);
    if (!(lru->source = mem_malloc(len + 1)) || !(lru->chunkname = mem_strdup(chunkname))) {
        slot_close(lru);
        return NULL;
    }
    memcpy(lru->source, source, len + 1);
    lru->len = len;
    lru->last = c->tick;
    return lru;
}

int hook_lua_call(const char *source, const char *chunkname, const char *fn, const cJSON *args,
                  const hook_ctx *ctx, const hook_limits *limits, cJSON **result, cairn_error *err)
{
    lua_run r = {
        .mem_limit = limits && limits->memory ? limits->memory : DEFAULT_MEMORY,
        .instr_limit = limits && limits->instructions ? limits->instructions : DEFAULT_INSTRUCTIONS,
        .cpu_ms = limits && limits->cpu_ms ? limits->cpu_ms : DEFAULT_CPU_MS,
        .source = source,
        .chunkname = chunkname ? chunkname : "=hooks",
        .fn = fn,
        .args = args,
        .ctx = ctx,
    };
    r.instr_step_max = r.instr_limit < HOOK_STEP ? (int)r.instr_limit : HOOK_STEP;
    r.instr_step = r.instr_step_max < 8 ? r.instr_step_max : 8; /* grows at once if cheap */
    err_init(&r.err);
    *result = NULL;
    if (!fn) {
        err_set(err, "Lua.Error", "no Lua function named");
        return -1;
    }
    if (!source) {
        err_set(err, "Lua.Error", "Lua function '%s' called, but the workflow has no hooks", fn);
        return -1;
    }

    lua_cache *c = cache_get();
    lua_slot one = {.base_ref = LUA_NOREF, .chunk_ref = LUA_NOREF}; /* when nothing is kept */
    lua_slot *s = c ? slot_for(c, source, r.chunkname) : NULL;
    int keep = s != NULL;
    if (!s)
        s = &one;
    r.mem_base = s->L ? s->mem_used : 0; /* a new state's making counts against the call */
    s->r = &r;
    r.cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    r.cpu_read_at = r.hook_at = clock_ns(CLOCK_MONOTONIC);
    if (!s->L) {
        s->mem_used = 0;
        if (!(s->L = lua_newstate(limited_alloc, s))) {
            set_error(&r, NULL, LUA_ERRMEM, 0, err);
            slot_close(s);
            return -1;
        }
        if (c)
            c->made++;
    }
    lua_State *L = s->L;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, r.instr_step);
    lua_pushcfunction(L, run_protected); /* neither push allocates */
    lua_pushlightuserdata(L, s);
    int st = lua_pcall(L, 1, 0, 0);

    int failed = 1;
    if (r.limit_hit[0])
        err_set(err, "Lua.Limit", "%s", r.limit_hit);
    else if (err_isset(&r.err))
        err_move(err, &r.err);
    else if (st != LUA_OK)
        set_error(&r, L, st, 0, err); /* raised by our own code: a string, or memory */
    else if (!r.result)
        err_set(err, "Lua.Error", "Lua function '%s' gave no result", fn);
    else
        failed = 0;

    int rc = -1;
    if (!failed) {
        *result = r.result;
        r.result = NULL;
        rc = 0;
    }
    /* Kept only if nothing went wrong but the hook's own error. */
    keep = keep && st == LUA_OK && !r.limit_hit[0] && !r.mem_denied && !r.spoiled;
    lua_settop(L, 0);
    if (keep) {
        lua_sethook(L, NULL, 0, 0);
        lua_pushcfunction(L, reset_protected);
        lua_pushlightuserdata(L, s);
        keep = lua_pcall(L, 1, 0, 0) == LUA_OK;
        lua_settop(L, 0);
    }
    if (keep && s->mem_used > s->mem_made + GC_SLACK)
        lua_gc(L, LUA_GCCOLLECT);
    if (keep)
        s->r = NULL;
    else
        slot_close(s); /* runs finalizers, still under the call's limits */
    cJSON_Delete(r.result);
    err_cleanup(&r.err);
    return rc;
}
