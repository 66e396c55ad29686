/*
 * serdes.c — decode and encode hooks (serdes.h).
 *
 * Owns: nothing past one call.
 * Never: journals anything (its callers do), or lets a hook's error pass
 * without naming the hook.
 */
#include "serdes.h"

#include <string.h>

#include "hook.h"
#include "mem.h"
#include "engine_impl.h"

/* Runs hook h of op on arg: 0 and *out, or -1 and *he (the hook's error). */
static int call(cairn_exec *x, const cairn_op *op, const cairn_hook_ref *h, const cJSON *arg,
                cJSON **out, cairn_error *he)
{
    hook_ctx ctx = {.execution_id = x->row->id, .operation = op->name, .attempt = 1};
    *out = NULL;
    if (h->run == CAIRN_RUN_C)
        return hook_c_call(h->c_fn, h->c_name, arg, &ctx, out, he);
    if (!x->wf->lua_source) {
        err_set(he, "Lua.Error", "workflow '%s' has no Lua hooks", x->wf->name);
        return -1;
    }
    return hook_lua_call(x->wf->lua_source, x->wf->lua_chunkname, h->lua_fn, arg, &ctx, NULL, out,
                         he);
}

static const char *hook_name(const cairn_hook_ref *h)
{
    return h->run == CAIRN_RUN_C ? h->c_name : h->lua_fn;
}

/* e := type, "OP's HOW hook FN failed: MSG", with the hook's {type, message} in data. */
static void wrap(cairn_error *e, const char *type, const cairn_op *op, const char *how,
                 const cairn_hook_ref *h, const cairn_error *he)
{
    cJSON *data = cJSON_CreateObject();
    if (data) {
        cJSON_AddStringToObject(data, "type", he->type ? he->type : "");
        cJSON_AddStringToObject(data, "message", he->message ? he->message : "");
    }
    err_set_data(e, type, data, "'%s': %s hook %s failed: %s", op->name, how, hook_name(h),
                 he->message ? he->message : "no error given");
}

int serdes_decode(cairn_exec *x, const cairn_op *op, const cairn_hook_ref *h, const char *raw,
                  const char *what, cJSON **out, cairn_error *e)
{
    cJSON *arg = cJSON_CreateString(raw ? raw : "");
    cairn_error he;
    err_init(&he);
    int rc = arg ? call(x, op, h, arg, out, &he) : -1;
    if (rc != 0) {
        if (!arg)
            err_set(e, "Cairn.NoMemory", "out of memory");
        else
            wrap(e, what, op, "decode", h, &he);
    }
    cJSON_Delete(arg);
    err_cleanup(&he);
    return rc;
}

/* value parsed from text as JSON, for a step without a decode hook. */
static int parse(const cairn_op *op, const char *text, cJSON **value, cairn_error *e)
{
    if (!(*value = cJSON_Parse(text))) {
        err_set(e, "Serdes.Failed",
                "'%s': its journaled text is not JSON and it has no decode hook: %.60s", op->name,
                text);
        return -1;
    }
    return 0;
}

int serdes_step(cairn_exec *x, const cairn_op *op, const cJSON *result, char **raw, cJSON **value,
                cairn_error *e)
{
    *raw = NULL;
    *value = NULL;
    if (op->encode.run) {
        cJSON *s = NULL;
        cairn_error he;
        err_init(&he);
        if (call(x, op, &op->encode, result, &s, &he) != 0) {
            wrap(e, "Serdes.Failed", op, "encode", &op->encode, &he);
            err_cleanup(&he);
            return -1;
        }
        err_cleanup(&he);
        if (!cJSON_IsString(s)) {
            err_set(e, "Serdes.Failed", "'%s': encode hook %s returned %s, not a string", op->name,
                    hook_name(&op->encode), s ? "another value" : "nothing");
            cJSON_Delete(s);
            return -1;
        }
        size_t n = strlen(s->valuestring);
        *raw = cJSON_malloc(n + 1);
        if (*raw)
            memcpy(*raw, s->valuestring, n + 1);
        cJSON_Delete(s);
    } else {
        *raw = cJSON_PrintUnformatted(result);
    }
    if (!*raw) {
        err_set(e, "Cairn.NoMemory", "out of memory");
        return -1;
    }
    int rc = op->decode.run ? serdes_decode(x, op, &op->decode, *raw, "Serdes.Failed", value, e)
                            : parse(op, *raw, value, e);
    if (rc != 0) {
        cJSON_free(*raw);
        *raw = NULL;
    }
    return rc;
}

int serdes_step_replay(cairn_exec *x, const cairn_op *op, const char *journaled, cJSON **value,
                       cairn_error *e)
{
    cJSON *j = journaled ? cJSON_Parse(journaled) : NULL;
    if (!cJSON_IsString(j)) {
        cJSON_Delete(j);
        err_set(e, "Serdes.Failed", "'%s': its journaled text is not readable", op->name);
        return -1;
    }
    int rc = op->decode.run
                 ? serdes_decode(x, op, &op->decode, j->valuestring, "Serdes.Failed", value, e)
                 : parse(op, j->valuestring, value, e);
    cJSON_Delete(j);
    return rc;
}
