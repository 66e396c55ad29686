/*
 * scope.c — the variables an expression sees, and the arena of temporaries
 * made by the cairn_x_* helpers while one operation's expressions run.
 *
 * Owns: the `vars` object and every root kept with scope_keep().
 * Never: crashes or returns NULL on an allocation failure (it sets `oom` and
 * hands out a shared null), never frees a variable during scope_reset().
 */
#include "scope.h"
#include "mem.h"

#include <stdlib.h>

/* The value handed out when an allocation fails: a null nobody may change. */
static cJSON oom_null = {.type = cJSON_NULL};

int scope_init(scope *s)
{
    s->vars = cJSON_CreateObject();
    s->last_as = NULL;
    s->temps = NULL;
    s->ntemps = 0;
    s->captemps = 0;
    s->oom = 0;
    s->up = NULL;
    if (!s->vars) {
        s->oom = 1;
        return -1;
    }
    return 0;
}

const cJSON *scope_get(const scope *s, const char *name)
{
    for (; s && name; s = s->up) {
        const cJSON *v = s->vars ? cJSON_GetObjectItemCaseSensitive(s->vars, name) : NULL;
        if (v)
            return v;
    }
    return NULL;
}

void scope_reset(scope *s)
{
    for (size_t i = 0; i < s->ntemps; i++)
        cJSON_Delete(s->temps[i]);
    s->ntemps = 0;
}

void scope_cleanup(scope *s)
{
    scope_reset(s);
    mem_free(s->temps);
    cJSON_Delete(s->vars);
    s->temps = NULL;
    s->captemps = 0;
    s->vars = NULL;
    s->last_as = NULL;
}

int scope_set(scope *s, const char *name, const cJSON *v)
{
    return scope_take(s, name, v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
}

int scope_take(scope *s, const char *name, cJSON *copy)
{
    if (!copy || !s->vars)
        goto oom;
    if (cJSON_GetObjectItemCaseSensitive(s->vars, name)) {
        if (!cJSON_ReplaceItemInObjectCaseSensitive(s->vars, name, copy))
            goto oom;
    } else if (!cJSON_AddItemToObject(s->vars, name, copy)) {
        goto oom;
    }
    s->last_as = copy;
    return 0;
oom:
    cJSON_Delete(copy);
    s->oom = 1;
    return -1;
}

const cJSON *scope_keep(scope *s, cJSON *v)
{
    if (!v)
        goto oom;
    cJSON **t = mem_grow(s->temps, &s->captemps, s->ntemps + 1, sizeof *t);
    if (!t)
        goto oom;
    s->temps = t;
    s->temps[s->ntemps++] = v;
    return v;
oom:
    cJSON_Delete(v);
    s->oom = 1;
    return &oom_null;
}
