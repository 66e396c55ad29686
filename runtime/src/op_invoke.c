/*
 * op_invoke.c — `invoke` (DESIGN §3b, AWS invoke): one CHAINED_INVOKE
 * operation (sub-type ChainedInvoke) that starts a real child execution of
 * another workflow linked into the host, and suspends the caller until that
 * child ends.
 *
 * Journal: the START row, with the child started in the same append (the
 * backend does it: journal_update.invoke); then, when a replay finds the
 * child ended, SUCCEEDED with its result, or FAILED with Invoke.Failed (the
 * child's error whole in data); past `timeout` with the child still
 * running, TIMED_OUT with Invoke.Timeout (the child goes on: nothing stops
 * it). The child's id is derived from the caller's id and the operation's,
 * so a start that is replayed finds the child it started.
 *
 * Owns: nothing past one call.
 * Never: starts a child but with its START row; reads the store but through
 * the journal backend (journal.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "engine_impl.h"
#include "mem.h"
#include "replay.h"
#include "schema.h"
#include "scope.h"
#include "store.h"

/* 64-bit FNV-1a of s (with its NUL) from h, then a splitmix64 finish. */
static uint64_t mix(uint64_t h, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    do {
        h = (h ^ *p) * UINT64_C(1099511628211);
    } while (*p++);
    return h;
}

static uint64_t finish(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void op_invoke_child_id(const char *exec_id, const char *op_id, char *out, size_t size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t h[2] = {UINT64_C(14695981039346656037), UINT64_C(0x9e3779b97f4a7c15)};
    unsigned char b[16];
    for (int k = 0; k < 2; k++) {
        h[k] = finish(mix(mix(mix(h[k], "cairn-invoke"), exec_id), op_id));
        for (int i = 0; i < 8; i++)
            b[8 * k + i] = (unsigned char)(h[k] >> (8 * i));
    }
    /* 128 bits as 22 base64url characters, as a random execution id */
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < sizeof b && o + 1 < size; i++) {
        acc = (acc << 8) | b[i];
        bits += 8;
        while (bits >= 6 && o + 1 < size) {
            bits -= 6;
            out[o++] = alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0 && o + 1 < size)
        out[o++] = alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

/* The operation ends FAILED or TIMED_OUT with e: caught, or the context fails. */
static int invoke_failed(cairn_exec *x, const cairn_op *op, const store_op *row,
                         store_status status, const cairn_error *e)
{
    char *etext = engine_error_text(e);
    if (!etext)
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    store_op r = replay_op_row(x, op, STORE_OP_CHAINED_INVOKE, "ChainedInvoke", status);
    r.error = etext;
    r.started_at = row ? row->started_at : clock_now(x->clk);
    r.timeout_at = row ? row->timeout_at : STORE_NO_TIME;
    r.ended_at = clock_now(x->clk);
    int out = replay_catch_or_fail(x, op, &r, e);
    cJSON_free(etext);
    return out;
}

/* Invoke.Failed before a child exists (not linked, bad input): data is {type, message} of why. */
static int start_refused(cairn_exec *x, const cairn_op *op, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int start_refused(cairn_exec *x, const cairn_op *op, const char *type, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *data = cJSON_CreateObject();
    if (!data || !cJSON_AddStringToObject(data, "type", type) ||
        !cJSON_AddStringToObject(data, "message", msg)) {
        cJSON_Delete(data);
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    }
    cairn_error e;
    err_init(&e);
    err_set_data(&e, "Invoke.Failed", data, "%s", msg);
    int out = invoke_failed(x, op, NULL, STORE_FAILED, &e);
    err_cleanup(&e);
    return out;
}

/* First time: the START row and the child with it, then the caller suspends. */
static int invoke_start(cairn_exec *x, const cairn_op *op, const cJSON *input, const char *child)
{
    const char *target = op->workflow ? op->workflow : "";
    const cairn_workflow *wf = x->j->ops->workflow ? x->j->ops->workflow(x->j, target) : NULL;
    if (!wf)
        return start_refused(x, op, "Workflow.NotFound",
                             "invoke '%s': workflow '%s' is not linked into this host (workflow "
                             "'%s' invokes it): build the host with both",
                             op->name, target, x->wf->name);
    int out = CAIRN_STOP;
    cJSON *schema = NULL, *empty = NULL;
    if (!input && !(input = empty = cJSON_CreateObject())) /* no `input`: {} as `run` gives */
        return replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
    char *text = engine_json_text(input);
    if (!text) {
        out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
        goto done;
    }
    if (strlen(text) > PAYLOAD_MAX) {
        out = start_refused(x, op, "Payload.TooLarge",
                            "invoke '%s': the input of workflow '%s' is %zu bytes of JSON; it may "
                            "hold at most %d",
                            op->name, wf->name, strlen(text), PAYLOAD_MAX);
        goto done;
    }
    if (wf->input_schema) {
        char msg[512];
        long failed_before = mem_failures();
        int bad = !(schema = cJSON_Parse(wf->input_schema)) ||
                  schema_check(schema, input, msg, sizeof msg) != 0;
        if (bad && mem_failures() != failed_before) {
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
        if (!schema) {
            out = replay_stop(x, CAIRN_ERR_INTERNAL, "Cairn.Internal",
                              "the input schema of workflow '%s' is not JSON", wf->name);
            goto done;
        }
        if (bad) {
            out = start_refused(x, op, "Input.Invalid",
                                "invoke '%s': input rejected by the input schema of workflow "
                                "'%s': %s",
                                op->name, wf->name, msg);
            goto done;
        }
    }
    int64_t now = clock_now(x->clk);
    store_op r = replay_op_row(x, op, STORE_OP_CHAINED_INVOKE, "ChainedInvoke", STORE_STARTED);
    r.started_at = now;
    r.timeout_at = op->timeout_ms > 0 ? now + op->timeout_ms : STORE_NO_TIME;
    x->invoke = (journal_invoke){.id = child, .workflow = wf->name, .input = text};
    out = replay_suspend(x, &r, r.timeout_at);
    x->invoke = (journal_invoke){0};
done:
    cJSON_Delete(schema);
    cJSON_Delete(empty);
    cJSON_free(text);
    return out;
}

/* The word for how a child ended, in Invoke.Failed's message. */
static const char *ended_word(store_status s)
{
    switch (s) {
    case STORE_TIMED_OUT:
        return "timed out";
    case STORE_STOPPED:
        return "was stopped";
    default:
        return "failed";
    }
}

/* A replay of a STARTED invoke: the child as it stands decides. */
static int invoke_check(cairn_exec *x, const cairn_op *op, const store_op *row, const char *child)
{
    store_exec ch;
    memset(&ch, 0, sizeof ch);
    cairn_error err, e;
    err_init(&err);
    err_init(&e);
    int out = CAIRN_STOP;
    int rc =
        x->j->ops->execution ? x->j->ops->execution(x->j, child, &ch, &err) : CAIRN_ERR_NOT_FOUND;
    if (rc == CAIRN_ERR_NOT_FOUND) {
        err_set(&e, "Invoke.Failed",
                "invoke '%s': its child execution %s of workflow '%s' is not in %s", op->name,
                child, op->workflow ? op->workflow : "", x->j->name ? x->j->name : "the journal");
        out = invoke_failed(x, op, row, STORE_FAILED, &e);
        goto done;
    }
    if (rc != CAIRN_OK) {
        out = replay_stop_store(x, rc, &err);
        goto done;
    }
    int64_t now = clock_now(x->clk);
    if (ch.status == STORE_SUCCEEDED) {
        store_op r =
            replay_op_row(x, op, STORE_OP_CHAINED_INVOKE, "ChainedInvoke", STORE_SUCCEEDED);
        r.result = ch.result ? ch.result : "null";
        r.started_at = row->started_at;
        r.timeout_at = row->timeout_at;
        r.ended_at = now;
        if (replay_checkpoint_tx(x, &r, NULL, 1) == 0)
            out = replay_set_as(x, op->as, r.result) == 0 ? CAIRN_NEXT : CAIRN_STOP;
        goto done;
    }
    if (store_status_ended(ch.status)) {
        long failed_before = mem_failures();
        cJSON *data = ch.error ? cJSON_Parse(ch.error) : cJSON_CreateNull();
        if (!data) {
            out = replay_stop_unreadable(x, failed_before, "error of execution", child);
            goto done;
        }
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(data, "message");
        err_set_data(&e, "Invoke.Failed", data, "invoked workflow '%s' (execution %s) %s: %s",
                     ch.workflow, child, ended_word(ch.status),
                     cJSON_IsString(m) ? m->valuestring : "no message");
        out = invoke_failed(x, op, row, STORE_FAILED, &e);
        goto done;
    }
    if (row->timeout_at != STORE_NO_TIME && now >= row->timeout_at) {
        char d[32];
        duration_format(row->timeout_at - row->started_at, d, sizeof d);
        cJSON *data = cJSON_CreateObject();
        if (!data || !cJSON_AddStringToObject(data, "execution_id", child)) {
            cJSON_Delete(data);
            out = replay_stop(x, CAIRN_ERR_NOMEM, "Cairn.NoMemory", "out of memory");
            goto done;
        }
        err_set_data(&e, "Invoke.Timeout", data,
                     "invoked workflow '%s' (execution %s) did not end within %s; it goes on "
                     "running",
                     ch.workflow, child, d);
        out = invoke_failed(x, op, row, STORE_TIMED_OUT, &e);
        goto done;
    }
    out = replay_suspend(x, NULL, row->timeout_at); /* the child's end wakes the caller */
done:
    store_exec_cleanup(&ch);
    err_cleanup(&err);
    err_cleanup(&e);
    return out;
}

int cairn_invoke(cairn_exec *x, const cairn_op *op, const cJSON *input)
{
    const store_op *row;
    int out = CAIRN_STOP;
    if (replay_op_enter(x, STORE_OP_CHAINED_INVOKE, op, &row) != 0)
        goto done;
    if (row && row->status != STORE_STARTED) {
        out = replay_ended(x, op, row);
        goto done;
    }
    char child[IDS_CHILD_LEN + 1];
    op_invoke_child_id(x->row->id, x->cur_id, child, sizeof child);
    out = row ? invoke_check(x, op, row, child) : invoke_start(x, op, input, child);
done:
    scope_reset(x->sc);
    return out;
}
