/*
 * hook_c.c — C hooks: the call API of cairn.h (struct cairn_call and the
 * cairn_call_* functions) and hook_c_call(), which runs one hook.
 *
 * Owns: the result and the error a hook sets through the call API, until
 * hook_c_call hands them to its caller.
 * Never: keeps anything past the call, or lets a hook's result and error
 * both through: when a hook calls cairn_call_fail, the error wins, even if
 * it also called cairn_call_return or returned 0.
 */
#include <stdlib.h>

#include "hook.h"

struct cairn_call {
    const hook_ctx *ctx; /* borrowed */
    cJSON *result;       /* owned: the last value given to cairn_call_return */
    cairn_error err;     /* the first error given to cairn_call_fail */
};

const char *cairn_call_execution_id(const cairn_call *call)
{
    return call->ctx && call->ctx->execution_id ? call->ctx->execution_id : "";
}

const char *cairn_call_operation(const cairn_call *call)
{
    return call->ctx && call->ctx->operation ? call->ctx->operation : "";
}

int cairn_call_attempt(const cairn_call *call)
{
    return call->ctx && call->ctx->attempt > 0 ? call->ctx->attempt : 1;
}

const char *cairn_call_callback_id(const cairn_call *call)
{
    return call->ctx ? call->ctx->callback_id : NULL;
}

int cairn_call_return(cairn_call *call, cJSON *value)
{
    cJSON_Delete(call->result); /* a second return replaces the first */
    call->result = value;
    return 0;
}

int cairn_call_fail(cairn_call *call, const char *type, const char *message, cJSON *data)
{
    /* the first error wins; err_set_data frees data when one is already set */
    err_set_data(&call->err, type && type[0] ? type : "C.Error", data, "%s",
                 message ? message : "");
    return 1;
}

int hook_c_call(cairn_c_fn fn, const char *name, const cJSON *args, const hook_ctx *ctx,
                cJSON **result, cairn_error *err)
{
    struct cairn_call call = {.ctx = ctx, .result = NULL};
    err_init(&call.err);
    cJSON *empty = NULL;
    int rc = -1;
    *result = NULL;
    if (!name)
        name = "?";

    if (!args && !(args = empty = cJSON_CreateObject())) {
        err_set(err, "C.Error", "out of memory before C hook %s", name);
        goto done;
    }
    int ret = fn(&call, args);
    if (err_isset(&call.err)) {
        err_move(err, &call.err);
    } else if (ret != 0) {
        err_set(err, "C.Error", "C hook %s failed without an error", name);
    } else if (!call.result && !(call.result = cJSON_CreateNull())) {
        err_set(err, "C.Error", "out of memory after C hook %s", name);
    } else {
        *result = call.result;
        call.result = NULL;
        rc = 0;
    }
done:
    cJSON_Delete(call.result);
    err_cleanup(&call.err);
    cJSON_Delete(empty);
    return rc;
}
