/*
 * check.c — the meaning of a built workflow: duplicate names, goto targets,
 * expression scopes, the hooks file, callbacks, reachability.
 *
 * Owns: the semantic rules of DESIGN §3 and their diagnostics (codes in
 * diag.h). It resolves targets in the model and reads no file (the hooks
 * text is the loader's; it is compiled here by Lua's parser, never run); it
 * never changes what the YAML said and never stops at the first problem.
 */
#define _GNU_SOURCE /* hsearch_r: a table of its own, not the process's one */
#include "check.h"

#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "duration.h"
#include "errmatch.h"
#include "lex.h"

/* ---- the checker ---- */

/* A list of operations being checked, and the lists around it (innermost first). */
typedef struct list {
    op *ops;
    size_t nops;
    const struct list *up;
} list;

typedef struct checker {
    workflow *wf;
    const char *file; /* borrowed */
    diag *d;
    const char **scope;  /* names usable in expressions here (borrowed strings) */
    int unknown_targets; /* gotos to no operation: reachability cannot be told */
    const list *cur;     /* the list whose scope is being checked */
    const op **all;      /* every operation, nested ones included (collect) */
    size_t nall, capall;
    size_t nscope, capscope;
} checker;

static void report(checker *c, diag_severity sev, const char *code, pos at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void report(checker *c, diag_severity sev, const char *code, pos at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_report(c->d, sev, code, c->file, at, "%s", msg);
}

/* The operation a goto names: the first with that name that is not an await
 * (an await shares its callback's name), else -1. A goto operation is named
 * by its target and is never one. */
static int find_op(const list *l, const char *name)
{
    int found = -1;
    for (size_t i = 0; name && i < l->nops; i++) {
        if (!l->ops[i].name || l->ops[i].kind == OP_GOTO || strcmp(l->ops[i].name, name))
            continue;
        if (l->ops[i].kind != OP_AWAIT)
            return (int)i;
        if (found < 0)
            found = (int)i;
    }
    return found;
}

/* Is there an operation called name in ops or in a list nested in them? */
static int defined_anywhere(const op *ops, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (ops[i].name && ops[i].kind != OP_GOTO && ops[i].kind != OP_AWAIT &&
            !strcmp(ops[i].name, name))
            return 1;
        for (size_t k = 0; k < ops[i].nbranches; k++)
            if (defined_anywhere(ops[i].branches[k].ops, ops[i].branches[k].nops, name))
                return 1;
    }
    return 0;
}

static const char *nearest_op(const list *l, const char *name)
{
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < l->nops; i++) {
        if (!l->ops[i].name || l->ops[i].kind == OP_GOTO)
            continue;
        int dist = lex_edit_distance(name, l->ops[i].name, 2);
        if (dist < best_d) {
            best_d = dist;
            best = l->ops[i].name;
        }
    }
    return best;
}

static int resolve_target(checker *c, const list *l, const char *name, pos at, const char *what)
{
    if (!name)
        return -1;
    int t = find_op(l, name);
    if (t >= 0)
        return t;
    c->unknown_targets++;
    if (defined_anywhere(c->wf->ops, c->wf->nops, name)) {
        report(c, DIAG_ERROR, DIAG_E_TARGET, at,
               "%s goes to '%s', which is in another scope: a goto cannot leave or enter a "
               "branch, a map's or a group's steps",
               what, name);
        return -1;
    }
    const char *near = nearest_op(l, name);
    if (near)
        report(c, DIAG_ERROR, DIAG_E_TARGET, at,
               "%s goes to unknown operation '%s' (did you mean '%s'?)", what, name, near);
    else
        report(c, DIAG_ERROR, DIAG_E_TARGET, at, "%s goes to unknown operation '%s'", what, name);
    return -1;
}

/* Calls fn on each list nested in the operations of l (each branch, each body). */
static void each_nested(checker *c, const list *l, void (*fn)(checker *, const list *))
{
    for (size_t i = 0; i < l->nops; i++)
        for (size_t k = 0; k < l->ops[i].nbranches; k++) {
            const seq *s = &l->ops[i].branches[k];
            list in = {s->ops, s->nops, l};
            fn(c, &in);
        }
}

/* Whether o has a name of its own in its list (an await or a goto names another). */
static int names_itself(const op *o)
{
    return o->name && o->kind != OP_AWAIT && o->kind != OP_GOTO;
}

/* The first operation of l before the i-th named name (a scan: no table). */
static const op *first_named(const list *l, size_t i, const char *name)
{
    for (size_t j = 0; j < i; j++)
        if (names_itself(&l->ops[j]) && !strcmp(l->ops[j].name, name))
            return &l->ops[j];
    return NULL;
}

static void check_duplicates(checker *c, const list *l)
{
    each_nested(c, l, check_duplicates);
    /* names to the operation that first has each (out of memory: a scan) */
    struct hsearch_data first = {0};
    int table = hcreate_r(2 * l->nops + 1, &first) != 0;
    for (size_t i = 0; i < l->nops; i++) {
        op *o = &l->ops[i];
        if (!names_itself(o))
            continue;
        ENTRY e = {.key = o->name, .data = o}, *found = NULL;
        const op *p = NULL;
        if (!table || !hsearch_r(e, ENTER, &found, &first))
            p = first_named(l, i, o->name);
        else if (found->data != o)
            p = found->data; /* ENTER finds the entry there already */
        if (!p)
            continue;
        report(c, DIAG_ERROR, DIAG_E_DUPLICATE, o->name_at, "duplicate operation name '%s'",
               o->name);
        report(c, DIAG_NOTE, DIAG_E_DUPLICATE, p->name_at, "'%s' is first defined here", p->name);
    }
    if (table)
        hdestroy_r(&first);
}

/* Two branches of one parallel with the same name would share it in the journal. */
static void check_branch_names(checker *c)
{
    for (size_t i = 0; i < c->nall; i++) {
        const op *o = c->all[i];
        for (size_t k = 0; o->kind == OP_PARALLEL && k < o->nbranches; k++)
            for (size_t j = 0; o->branches[k].name && j < k; j++) {
                if (!o->branches[j].name || strcmp(o->branches[j].name, o->branches[k].name))
                    continue;
                report(c, DIAG_ERROR, DIAG_E_DUPLICATE, o->branches[k].at,
                       "duplicate branch name '%s' in parallel '%s'", o->branches[k].name,
                       o->name ? o->name : "?");
                break;
            }
    }
}

static void check_targets(checker *c, const list *l)
{
    each_nested(c, l, check_targets);
    for (size_t i = 0; i < l->nops; i++) {
        op *o = &l->ops[i];
        for (size_t k = 0; k < o->ncatches; k++)
            o->catches[k].target =
                resolve_target(c, l, o->catches[k].go, o->catches[k].go_at, "catch");
        for (size_t k = 0; k < o->nwhens; k++)
            o->whens[k].target = resolve_target(c, l, o->whens[k].go, o->whens[k].go_at, "when");
        o->else_target =
            resolve_target(c, l, o->else_go, o->else_at, o->kind == OP_GOTO ? "goto" : "else");
    }
}

/* ---- scopes ---- */

static void scope_add(checker *c, const char *name)
{
    if (!name)
        return;
    if (c->nscope == c->capscope) {
        size_t cap = c->capscope ? 2 * c->capscope : 16;
        const char **s = realloc(c->scope, cap * sizeof *s);
        if (!s)
            return;
        c->scope = s;
        c->capscope = cap;
    }
    c->scope[c->nscope++] = name;
}

static int in_scope(const checker *c, const char *name)
{
    for (size_t i = 0; i < c->nscope; i++)
        if (!strcmp(c->scope[i], name))
            return 1;
    return 0;
}

/* Is name the `as` of some operation, or a callback's name (set somewhere in ops)? */
static int set_in(const op *ops, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        if ((o->as && !strcmp(o->as, name)) ||
            (o->kind == OP_CALLBACK && o->name && !strcmp(o->name, name)))
            return 1;
        for (size_t k = 0; k < o->ncatches; k++)
            if (o->catches[k].as && !strcmp(o->catches[k].as, name))
                return 1;
    }
    return 0;
}

/* ... in the list being checked (the innermost one; a loop cannot leave it). */
static int set_somewhere(const checker *c, const char *name)
{
    return set_in(c->cur ? c->cur->ops : c->wf->ops, c->cur ? c->cur->nops : c->wf->nops, name);
}

/* ... in any list of the workflow. */
static int set_elsewhere(const checker *c, const char *name)
{
    for (size_t i = 0; i < c->nall; i++)
        if (set_in(c->all[i], 1, name))
            return 1;
    return 0;
}

/*
 * maybe_unset: inside the left side of `??`, where a name a later operation
 * sets (one a loop's previous pass may have set) is allowed: unset, it is
 * null and the default applies.
 */
static void check_expr_in(checker *c, const expr *e, int maybe_unset)
{
    if (!e)
        return;
    if (e->kind == EX_COALESCE) {
        check_expr_in(c, e->a, 1);
        check_expr_in(c, e->bx, maybe_unset);
        return;
    }
    if (e->kind == EX_PATH && e->root && !in_scope(c, e->root) &&
        !(maybe_unset && set_somewhere(c, e->root))) {
        const char *best = NULL;
        int best_d = 3;
        for (size_t i = 0; i < c->nscope; i++) {
            int dist = lex_edit_distance(e->root, c->scope[i], 2);
            if (dist < best_d) {
                best_d = dist;
                best = c->scope[i];
            }
        }
        /* is it defined later? say so: order matters */
        if (set_somewhere(c, e->root))
            report(c, DIAG_ERROR, DIAG_E_SCOPE, e->at,
                   "'%s' is not known yet here: it is set by a later operation (names come from "
                   "earlier `as`; '%s ?? DEFAULT' reads what a loop's previous pass set)",
                   e->root, e->root);
        else if (set_elsewhere(c, e->root))
            report(c, DIAG_ERROR, DIAG_E_SCOPE, e->at,
                   "'%s' is set in another scope (a branch, a map's or a group's steps) and is "
                   "visible there only: pass it out through that scope's `output`",
                   e->root);
        else if (best)
            report(c, DIAG_ERROR, DIAG_E_SCOPE, e->at, "unknown name '%s' (did you mean '%s'?)",
                   e->root, best);
        else
            report(c, DIAG_ERROR, DIAG_E_SCOPE, e->at,
                   "unknown name '%s': known are input, execution and the `as` names of earlier "
                   "operations",
                   e->root);
    }
    check_expr_in(c, e->a, maybe_unset);
    check_expr_in(c, e->bx, maybe_unset);
}

static void check_expr(checker *c, const expr *e)
{
    check_expr_in(c, e, 0);
}

static void check_val(checker *c, const val *v)
{
    if (!v || !v->has_expr)
        return;
    check_expr(c, v->e);
    for (size_t i = 0; i < v->nparts; i++)
        check_expr(c, v->parts[i].e);
    for (size_t i = 0; i < v->n; i++)
        check_val(c, v->items[i]);
}

static void check_run(checker *c, const run_spec *r)
{
    if (r->kind != RUN_HTTP)
        return;
    check_val(c, r->http.method);
    check_val(c, r->http.url);
    check_val(c, r->http.headers);
    check_val(c, r->http.body);
}

static void check_scopes_in(checker *c, const list *l, const val *output);

/* A branch's or body's scope: what is visible at its operation, its own names, then its output. */
static void check_nested_scopes(checker *c, const list *l, const op *o)
{
    size_t base = c->nscope;
    if (o->kind == OP_MAP) {
        scope_add(c, o->item_as ? o->item_as : "item");
        scope_add(c, "index");
    }
    for (size_t k = 0; k < o->nbranches; k++) {
        const seq *s = &o->branches[k];
        list in = {s->ops, s->nops, l};
        size_t inner = c->nscope;
        check_scopes_in(c, &in, s->output);
        c->nscope = inner;
    }
    c->nscope = base;
    c->cur = l;
}

static void check_scopes_in(checker *c, const list *l, const val *output)
{
    c->cur = l;
    for (size_t i = 0; i < l->nops; i++) {
        op *o = &l->ops[i];
        check_val(c, o->items);
        check_val(c, o->input);
        if (o->nbranches)
            check_nested_scopes(c, l, o);
        check_val(c, o->initial); /* before the first state */
        size_t base = c->nscope;
        if (o->kind == OP_WAIT_FOR_CALLBACK)
            scope_add(c, "callback");
        if (o->kind == OP_WAIT_FOR_CONDITION)
            scope_add(c, "state");
        check_val(c, o->with);
        check_run(c, &o->run);
        check_run(c, &o->submitter);
        check_expr(c, o->cond);
        c->nscope = base;
        check_val(c, o->until);
        for (size_t k = 0; k < o->nwhens; k++)
            check_expr(c, o->whens[k].cond);
        check_val(c, o->output);
        check_val(c, o->err_message);
        check_val(c, o->err_data);
        if (o->kind == OP_CALLBACK)
            scope_add(c, o->name);
        scope_add(c, o->as);
        for (size_t k = 0; k < o->ncatches; k++)
            scope_add(c, o->catches[k].as);
    }
    check_val(c, output); /* every `as` */
}

static void check_scopes(checker *c)
{
    c->nscope = 0;
    scope_add(c, "input");
    scope_add(c, "execution");
    list top = {c->wf->ops, c->wf->nops, NULL};
    check_scopes_in(c, &top, c->wf->output);
}

/* ---- hooks ---- */

static int ident_char(char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

static const char *skip_blanks(const char *q)
{
    while (*q == ' ' || *q == '\t')
        q++;
    return q;
}

/*
 * Does the hooks text define NAME, as `function NAME(` or `NAME = function`
 * (a plain text search, at any depth)? Only running the file could tell
 * exactly: a hook may be made at run time (`_G[name] = ...`, in an `if`).
 */
static int defines_function(const char *src, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = src; (p = strstr(p, "function")); p += 8) {
        if (p > src && ident_char(p[-1]))
            continue;
        const char *q = p + 8;
        if (*q != ' ' && *q != '\t')
            continue;
        q = skip_blanks(q);
        if (strncmp(q, name, nl))
            continue;
        if (*skip_blanks(q + nl) == '(')
            return 1;
    }
    for (const char *p = src; nl && (p = strstr(p, name)); p += nl) {
        if ((p > src && (ident_char(p[-1]) || p[-1] == '.' || p[-1] == ':')) || ident_char(p[nl]))
            continue;
        const char *q = skip_blanks(p + nl);
        if (*q != '=' || q[1] == '=')
            continue;
        q = skip_blanks(q + 1);
        if (!strncmp(q, "function", 8) && !ident_char(q[8]))
            return 1;
    }
    return 0;
}

/*
 * Compiles the hooks text with Lua's own parser (text only, nothing runs) and
 * reports a syntax error at the hooks file's line, as Lua words it. Returns 1
 * when it compiles.
 */
static int lua_compiles(checker *c)
{
    const workflow *wf = c->wf;
    const char *path = wf->hooks_path ? wf->hooks_path : wf->hooks;
    lua_State *L = luaL_newstate();
    if (!L)
        return 1; /* out of memory: nothing to say about the file */
    int ok = 1;
    /* a short name Lua keeps whole ("=" as is): a long path would be cut */
    static const char chunk[] = "=hooks";
    if (luaL_loadbufferx(L, wf->hooks_source, wf->hooks_len, chunk, "t") != LUA_ERRSYNTAX)
        goto done;
    ok = 0;
    const char *msg = lua_tostring(L, -1);
    msg = msg ? msg : "syntax error";
    /* "hooks:LINE: message" (a binary chunk's refusal has no place: line 1) */
    pos at = {1, DIAG_NO_COL};
    size_t plen = sizeof chunk - 2;
    if (!strncmp(msg, chunk + 1, plen) && msg[plen] == ':') {
        char *end;
        long line = strtol(msg + plen + 1, &end, 10);
        if (end > msg + plen + 1 && *end == ':' && line > 0) {
            at.line = (int)line;
            msg = end + 1 + (end[1] == ' ');
        }
    }
    diag_report(c->d, DIAG_ERROR, DIAG_E_LUA_SYNTAX, path, at, "%s", msg);
done:
    lua_close(L);
    return ok;
}

static void check_hook_refs(checker *c, const op *ops, size_t n, int compiles);

static void check_hooks(checker *c, const yml_node *root)
{
    workflow *wf = c->wf;
    const yml_node *hooks_node = yml_get(root, "hooks");
    pos hooks_at = hooks_node ? hooks_node->at : (pos){1, 1};
    if (wf->hooks && !wf->hooks_source)
        report(c, DIAG_ERROR, DIAG_E_HOOKS, hooks_at, "cannot read hooks file '%s': %s",
               wf->hooks_path ? wf->hooks_path : wf->hooks, strerror(wf->hooks_errno));
    /* a file that does not compile defines nothing we could find */
    int compiles = wf->hooks_source && lua_compiles(c);
    check_hook_refs(c, wf->ops, wf->nops, compiles);
}

static void check_hook_refs(checker *c, const op *ops, size_t n, int compiles)
{
    const workflow *wf = c->wf;
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        for (size_t k = 0; k < o->nbranches; k++)
            check_hook_refs(c, o->branches[k].ops, o->branches[k].nops, compiles);
        const run_spec *runs[5] = {&o->run, &o->submitter, &o->result_hook, &o->encode, &o->decode};
        for (int k = 0; k < 5; k++) {
            const run_spec *r = runs[k];
            if (r->kind != RUN_LUA || !r->fn)
                continue;
            if (!wf->hooks)
                report(c, DIAG_ERROR, DIAG_E_HOOKS, r->at,
                       "'lua: %s' needs a hooks file: add 'hooks: FILE.lua' at the top level",
                       r->fn);
            else if (compiles && !defines_function(wf->hooks_source, r->fn))
                report(c, DIAG_ERROR, DIAG_E_LUA_FN, r->at,
                       "Lua function '%s' is not defined in %s: every run would fail", r->fn,
                       wf->hooks);
        }
    }
}

/* ---- callbacks ---- */

/*
 * With a heartbeat the heartbeat deadline comes first (always under
 * --skip-time): a catch naming Callback.Timeout but neither
 * Callback.Heartbeat nor a pattern that covers it would not catch.
 * The heartbeat is the callback's: an await's is its callback's.
 */
/* The old name of AWS's Callback.Heartbeat, in a catch or a retry's `on`: still matches. */
static void check_old_names(checker *c, const op *o)
{
    static const char old[] = "Callback.HeartbeatTimeout";
    static const char msg[] = "'Callback.HeartbeatTimeout' is now 'Callback.Heartbeat' (AWS's "
                              "name); the old name still matches";
    for (size_t k = 0; k < o->ncatches; k++)
        for (size_t j = 0; j < o->catches[k].nerrors; j++)
            if (!strcmp(o->catches[k].errors[j], old))
                report(c, DIAG_WARNING, DIAG_W_OLD_NAME, o->catches[k].errors_at, "%s", msg);
    for (size_t j = 0; j < o->retry.non; j++)
        if (!strcmp(o->retry.on[j], old))
            report(c, DIAG_WARNING, DIAG_W_OLD_NAME, o->retry.at, "%s", msg);
}

static const op *outer_callback(const list *l, const char *name);

static void check_heartbeat_catch(checker *c, const op *o)
{
    const op *cb = o;
    if (o->kind == OP_AWAIT)
        cb = o->await_of ? outer_callback(c->cur, o->await_of) : NULL;
    if (!cb || !cb->heartbeat_ms)
        return;
    for (size_t k = 0; k < o->ncatches; k++) {
        const catch_spec *cs = &o->catches[k];
        int timeout = 0, heartbeat = 0;
        for (size_t j = 0; j < cs->nerrors; j++) {
            timeout |= errmatch("Callback.Timeout", cs->errors[j]);
            heartbeat |= errmatch("Callback.Heartbeat", cs->errors[j]);
        }
        if (timeout && !heartbeat)
            report(c, DIAG_WARNING, DIAG_W_HEARTBEAT, cs->errors_at,
                   "this catch names Callback.Timeout but not Callback.Heartbeat, and "
                   "'%s' has a heartbeat: a missed heartbeat (which --skip-time fires first) "
                   "would not be caught; add Callback.Heartbeat (or Callback)",
                   cb->name ? cb->name : "?");
    }
}

/* A callback called name in an enclosing list (visible inside the lists it holds), or NULL. */
static const op *outer_callback(const list *l, const char *name)
{
    for (; l; l = l->up)
        for (size_t j = 0; j < l->nops; j++)
            if (l->ops[j].kind == OP_CALLBACK && l->ops[j].name && !strcmp(l->ops[j].name, name))
                return &l->ops[j];
    return NULL;
}

static void check_callbacks(checker *c, const list *l)
{
    const workflow *wf = c->wf;
    each_nested(c, l, check_callbacks);
    c->cur = l;
    for (size_t i = 0; i < l->nops; i++) {
        op *o = &l->ops[i];
        char d1[32], d2[32];
        if ((o->kind == OP_CALLBACK || o->kind == OP_WAIT_FOR_CALLBACK) && o->heartbeat_ms &&
            o->timeout_ms && o->heartbeat_ms >= o->timeout_ms)
            report(c, DIAG_ERROR, DIAG_E_CALLBACK, o->heartbeat_at,
                   "heartbeat (%s) must be shorter than the timeout (%s) of '%s'",
                   duration_format(o->heartbeat_ms, d1, sizeof d1),
                   duration_format(o->timeout_ms, d2, sizeof d2), o->name);
        if ((o->kind == OP_CALLBACK || o->kind == OP_WAIT_FOR_CALLBACK) && o->timeout_ms &&
            wf->timeout_ms && o->timeout_ms > wf->timeout_ms)
            report(c, DIAG_ERROR, DIAG_E_CALLBACK, o->timeout_at,
                   "the timeout of '%s' (%s) is longer than the execution timeout (%s): it "
                   "could never fire",
                   o->name, duration_format(o->timeout_ms, d1, sizeof d1),
                   duration_format(wf->timeout_ms, d2, sizeof d2));
        check_heartbeat_catch(c, o);
        check_old_names(c, o);
        if (o->kind != OP_AWAIT || !o->await_of)
            continue;
        int cb = -1, other = -1;
        for (size_t j = 0; j < l->nops; j++) {
            const op *p = &l->ops[j];
            if (j == i || !p->name || p->kind == OP_GOTO || strcmp(p->name, o->await_of))
                continue;
            if (p->kind == OP_CALLBACK && cb < 0)
                cb = (int)j;
            else if (p->kind != OP_AWAIT && other < 0)
                other = (int)j;
        }
        if (cb < 0 && other >= 0) {
            report(c, DIAG_ERROR, DIAG_E_CALLBACK, o->name_at,
                   "'%s' is a %s, not a callback: await needs 'callback: %s'", o->await_of,
                   model_kind_name(l->ops[other].kind), o->await_of);
            continue;
        }
        if (cb < 0) {
            const op *outer = outer_callback(l->up, o->await_of);
            if (outer)
                o->await_cb = outer;
            else
                report(c, DIAG_ERROR, DIAG_E_CALLBACK, o->name_at, "await of unknown callback '%s'",
                       o->await_of);
            continue;
        }
        o->await_target = cb;
        o->await_cb = &l->ops[cb];
        if ((size_t)cb > i) {
            report(c, DIAG_ERROR, DIAG_E_CALLBACK, o->name_at,
                   "await of callback '%s' before it is created", o->await_of);
            report(c, DIAG_NOTE, DIAG_E_CALLBACK, l->ops[cb].name_at, "'%s' is created here",
                   o->await_of);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const op *p = &l->ops[j];
            if (p->kind == OP_AWAIT && p->await_of && !strcmp(p->await_of, o->await_of)) {
                report(c, DIAG_ERROR, DIAG_E_CALLBACK, o->name_at,
                       "callback '%s' is awaited twice: a callback resolves once", o->await_of);
                report(c, DIAG_NOTE, DIAG_E_CALLBACK, p->name_at, "first awaited here");
                break;
            }
        }
    }
}

/* ---- keys without effect ---- */

/* The mapping that starts at `at` in the YAML tree n (an op's item, a catch entry), or NULL. */
static const yml_node *map_at(const yml_node *n, pos at)
{
    if (!n || n->kind == YML_SCALAR)
        return NULL;
    if (n->kind == YML_MAP && n->at.line == at.line && n->at.col == at.col)
        return n;
    for (size_t i = 0; i < n->n; i++) {
        const yml_node *m = map_at(n->items[i], at);
        if (m)
            return m;
    }
    return NULL;
}

/* The YAML node of key in the mapping at `at`, or NULL. The model keeps no position for `as`. */
static const yml_node *key_at(const yml_node *root, pos at, const char *key)
{
    const yml_node *m = map_at(root, at);
    return m ? yml_get(m, key) : NULL;
}

/* Every operation of the workflow, nested ones included, in document order (c->all). */
static void collect(checker *c, const op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c->nall == c->capall) {
            size_t cap = c->capall ? 2 * c->capall : 32;
            const op **a = realloc(c->all, cap * sizeof *a);
            if (!a)
                return;
            c->all = a;
            c->capall = cap;
        }
        c->all[c->nall++] = &ops[i];
        for (size_t k = 0; k < ops[i].nbranches; k++)
            collect(c, ops[i].branches[k].ops, ops[i].branches[k].nops);
    }
}

/* An http call's args are its request: a `with` beside it would be dropped. */
static void check_unused(checker *c, const yml_node *root)
{
    for (size_t i = 0; i < c->nall; i++) {
        const op *o = c->all[i];
        const run_spec *r = o->kind == OP_WAIT_FOR_CALLBACK ? &o->submitter : &o->run;
        if (!o->with || r->kind != RUN_HTTP)
            continue;
        const yml_node *n = key_at(root, o->at, "with");
        report(c, DIAG_WARNING, DIAG_W_UNUSED, n ? n->at : o->name_at,
               "'with' is not used by an http call: put the values in its url, headers or body");
    }
}

/* ---- variables that would hide each other ---- */

/* A callback's name is the variable holding its id: no `as` may reuse it,
 * and it may not be a built-in name itself. */
static void check_shadowing(checker *c, const yml_node *root)
{
    for (size_t i = 0; i < c->nall; i++) {
        const op *cb = c->all[i];
        if (cb->kind != OP_CALLBACK || !cb->name)
            continue;
        if (!strcmp(cb->name, "input") || !strcmp(cb->name, "execution") ||
            !strcmp(cb->name, "callback"))
            report(c, DIAG_ERROR, DIAG_E_NAME, cb->name_at,
                   "callback '%s' would hide the built-in '%s' (a callback's name holds its id): "
                   "choose another name",
                   cb->name, cb->name);
        for (size_t j = 0; j < c->nall; j++) {
            const op *o = c->all[j];
            for (size_t k = 0; k <= o->ncatches; k++) {
                /* k == 0: the operation's own `as`; then each catch's */
                const char *as = k == 0 ? o->as : o->catches[k - 1].as;
                if (!as || strcmp(as, cb->name))
                    continue;
                const yml_node *n = key_at(root, k == 0 ? o->at : o->catches[k - 1].at, "as");
                report(c, DIAG_ERROR, DIAG_E_NAME, n ? n->at : o->name_at,
                       "'as: %s' would overwrite the id of callback '%s': choose another name", as,
                       as);
                report(c, DIAG_NOTE, DIAG_E_NAME, cb->name_at, "callback '%s' is created here",
                       cb->name);
            }
        }
    }
}

/* ---- reachability ---- */

static int falls_through(const op *o)
{
    if (o->kind == OP_SUCCEED || o->kind == OP_FAIL)
        return 0;
    if ((o->kind == OP_CHOICE && o->else_go) || o->kind == OP_GOTO)
        return 0;
    return 1;
}

/* Marks t reachable and queues it; each op is queued at most once. */
static void visit(op *ops, int t, int *stack, size_t *top)
{
    if (t < 0 || ops[t].reachable)
        return;
    ops[t].reachable = 1;
    stack[(*top)++] = t;
}

/* Reachability inside one list (gotos never leave it); the first operation starts it. */
static void check_reachable(checker *c, const list *l)
{
    each_nested(c, l, check_reachable);
    op *ops = l->ops;
    if (!l->nops)
        return;
    int *stack = malloc(l->nops * sizeof *stack);
    size_t top = 0;
    if (!stack)
        return;
    for (size_t i = 0; i < l->nops; i++)
        ops[i].reachable = 0;
    visit(ops, 0, stack, &top);
    while (top) {
        int self = stack[--top];
        const op *o = &ops[self];
        /* successors: the next operation, catches, choice branches */
        if (falls_through(o) && (size_t)self + 1 < l->nops)
            visit(ops, self + 1, stack, &top);
        for (size_t k = 0; k < o->ncatches; k++)
            visit(ops, o->catches[k].target, stack, &top);
        for (size_t k = 0; k < o->nwhens; k++)
            visit(ops, o->whens[k].target, stack, &top);
        if (o->kind == OP_CHOICE || o->kind == OP_GOTO)
            visit(ops, o->else_target, stack, &top);
    }
    free(stack);
    /* a goto to no operation hides where it meant to go: what looks unreached
     * may be its intended target, so say nothing until it is fixed */
    for (size_t i = 0; !c->unknown_targets && i < l->nops; i++)
        if (!ops[i].reachable && ops[i].kind == OP_GOTO)
            report(c, DIAG_WARNING, DIAG_W_UNREACHABLE, ops[i].name_at,
                   "'goto: %s' is never reached from the first operation", ops[i].else_go);
        else if (!ops[i].reachable)
            report(c, DIAG_WARNING, DIAG_W_UNREACHABLE, ops[i].name_at,
                   "%s '%s' is never reached from the first operation%s",
                   model_kind_name(ops[i].kind), ops[i].name ? ops[i].name : "?",
                   l->up ? " of its steps" : "");
}

void check_workflow(workflow *wf, const yml_node *root, diag *d)
{
    checker c = {.wf = wf, .file = wf->path, .d = d};
    list top = {wf->ops, wf->nops, NULL};
    collect(&c, wf->ops, wf->nops);
    check_duplicates(&c, &top);
    check_branch_names(&c);
    check_targets(&c, &top);
    check_scopes(&c);
    check_hooks(&c, root);
    check_callbacks(&c, &top);
    check_shadowing(&c, root);
    check_unused(&c, root);
    check_reachable(&c, &top);
    free(c.scope);
    free(c.all);
}
