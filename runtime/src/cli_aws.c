/*
 * cli_aws.c — the store commands' documents read from AWS instead of the
 * store (`status|history EXEC --aws`): GetDurableExecution as the document
 * `status --json` prints, GetDurableExecutionHistory (every page) as the
 * events `history --events --json` prints, and those events folded into the
 * operations `history --json` prints, so that every output format of the
 * store commands works unchanged on a durable execution ARN.
 *
 * Owns: nothing past one call; the documents it returns are the caller's.
 * Never: writes anything to AWS, or reads the environment other than
 * through aws_config_from_env.
 */
#include "cli_aws.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "rfc3339.h"

/* The most history pages read (1000 events each): far past AWS's 25,000-30,000 operations. */
enum { HISTORY_PAGES_MAX = 1000, HISTORY_PAGE_ITEMS = 1000 };

int cli_aws_config(const char *prog, aws_config *c)
{
    cairn_error err;
    err_init(&err);
    int rc = aws_config_from_env(c, &err);
    if (rc != CAIRN_OK)
        fprintf(stderr, "%s: %s\n", prog, err.message ? err.message : cairn_strerror(rc));
    err_cleanup(&err);
    return rc == CAIRN_OK ? 0 : rc == CAIRN_ERR_USAGE ? 2 : 1;
}

/* ---- values ---- */

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An AWS timestamp (epoch seconds as a number; an RFC 3339 string) in ms, or -1. */
static int64_t aws_time(const cJSON *v)
{
    int64_t ms;
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0 &&
        v->valuedouble < 253402300800.0) /* year 10000 */
        return (int64_t)llround(v->valuedouble * 1000.0);
    if (cJSON_IsString(v) && rfc3339_parse(v->valuestring, &ms) == 0)
        return ms;
    return -1;
}

/* o[key] = the time of v as RFC 3339, or null. Returns 0, or -1 out of memory. */
static int add_time(cJSON *o, const char *key, const cJSON *v)
{
    int64_t ms = aws_time(v);
    char buf[40];
    if (ms < 0)
        return cJSON_AddNullToObject(o, key) ? 0 : -1;
    rfc3339_format(ms, buf, sizeof buf);
    return cJSON_AddStringToObject(o, key, buf) ? 0 : -1;
}

static int add_str(cJSON *o, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key)) ? 0 : -1;
}

/* A payload text as a value: its JSON, or the text itself when it is not JSON; null when absent. */
static cJSON *payload_value(const char *text)
{
    if (!text)
        return cJSON_CreateNull();
    cJSON *v = cJSON_Parse(text);
    return v ? v : cJSON_CreateString(text);
}

static int add_payload(cJSON *o, const char *key, const char *text)
{
    cJSON *v = payload_value(text);
    if (!v || !cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

/* cairn's {type, message, data} of AWS's ErrorObject e (null when e is absent). */
static int add_error(cJSON *o, const char *key, const cJSON *e)
{
    if (!cJSON_IsObject(e))
        return cJSON_AddNullToObject(o, key) ? 0 : -1;
    cJSON *x = cJSON_AddObjectToObject(o, key);
    if (!x || add_str(x, "type", str(e, "ErrorType")) != 0 ||
        add_str(x, "message", str(e, "ErrorMessage")) != 0)
        return -1;
    return str(e, "ErrorData") ? add_payload(x, "data", str(e, "ErrorData")) : 0;
}

/* "order-flow" of "arn:aws:lambda:us-east-1:123456789012:function:order-flow[:qualifier]". */
static char *function_name(const char *arn)
{
    const char *p = arn ? strstr(arn, ":function:") : NULL;
    if (!p)
        return NULL;
    p += strlen(":function:");
    return mem_strndup(p, strcspn(p, ":"));
}

/* ---- status ---- */

static cJSON *status_doc(const cJSON *x)
{
    cJSON *o = cJSON_CreateObject();
    char *fn = function_name(str(x, "FunctionArn"));
    int bad =
        !o || add_str(o, "id", str(x, "DurableExecutionArn")) != 0 ||
        add_str(o, "workflow", fn) != 0 || add_str(o, "version", str(x, "Version")) != 0 ||
        add_str(o, "definition_sha256", NULL) != 0 ||
        add_str(o, "name", str(x, "DurableExecutionName")) != 0 ||
        add_str(o, "status", str(x, "Status")) != 0 ||
        add_payload(o, "input", str(x, "InputPayload")) != 0 ||
        add_payload(o, "result", str(x, "Result")) != 0 ||
        add_error(o, "error", cJSON_GetObjectItemCaseSensitive(x, "Error")) != 0 ||
        add_time(o, "created_at", cJSON_GetObjectItemCaseSensitive(x, "StartTimestamp")) != 0 ||
        add_str(o, "updated_at", NULL) != 0 ||
        add_time(o, "ended_at", cJSON_GetObjectItemCaseSensitive(x, "EndTimestamp")) != 0 ||
        add_str(o, "wake_at", NULL) != 0 || add_str(o, "timeout_at", NULL) != 0 ||
        add_str(o, "parent", NULL) != 0 || add_str(o, "function_arn", str(x, "FunctionArn")) != 0;
    mem_free(fn);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *nomem(int *rc, cairn_error *err)
{
    err_set(err, "Cairn.NoMemory", "out of memory");
    *rc = CAIRN_ERR_NOMEM;
    return NULL;
}

cJSON *cli_aws_status(const aws_config *c, const char *arn, int *rc, cairn_error *err)
{
    aws_op op = {.kind = AWS_GET_EXECUTION, .target = arn, .include_data = 1};
    cJSON *x = NULL;
    if ((*rc = aws_call(c, &op, &x, err)) != CAIRN_OK)
        return NULL;
    if (!cJSON_IsObject(x) || !str(x, "Status")) {
        cJSON_Delete(x);
        err_set(err, "Aws.BadResponse", "GetDurableExecution answered without a Status");
        *rc = CAIRN_ERR_INTERNAL;
        return NULL;
    }
    cJSON *doc = status_doc(x);
    cJSON_Delete(x);
    return doc ? doc : nomem(rc, err);
}

/* ---- events ---- */

/* Every member named *Timestamp that holds epoch seconds becomes RFC 3339, at any depth. */
static int normalise_times(cJSON *v)
{
    for (cJSON *m = v ? v->child : NULL; m; m = m->next) {
        size_t n = m->string ? strlen(m->string) : 0;
        if (n >= 9 && !strcmp(m->string + n - 9, "Timestamp") && cJSON_IsNumber(m)) {
            int64_t ms = aws_time(m);
            char buf[40];
            if (ms < 0)
                continue;
            rfc3339_format(ms, buf, sizeof buf);
            cJSON *s = cJSON_CreateString(buf);
            /* ...InObject gives s m's name (before m goes): ...ViaPointer would not */
            if (!s || !cJSON_ReplaceItemInObjectCaseSensitive(v, m->string, s)) {
                cJSON_Delete(s);
                return -1;
            }
            m = s;
        } else if ((cJSON_IsObject(m) || cJSON_IsArray(m)) && normalise_times(m) != 0) {
            return -1;
        }
    }
    return 0;
}

/*
 * RetryDetails.NextAttemptTimestamp, as cairn's own events carry it, where AWS
 * gives only NextAttemptDelaySeconds: the event's time plus the delay.
 */
static int add_next_attempts(cJSON *events)
{
    cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *type = str(ev, "EventType");
        char key[80];
        snprintf(key, sizeof key, "%sDetails", type ? type : "");
        cJSON *retry = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, key),
                                                        "RetryDetails");
        const cJSON *delay = cJSON_GetObjectItemCaseSensitive(retry, "NextAttemptDelaySeconds");
        int64_t at = aws_time(cJSON_GetObjectItemCaseSensitive(ev, "EventTimestamp"));
        if (!cJSON_IsNumber(delay) || at < 0 ||
            cJSON_GetObjectItemCaseSensitive(retry, "NextAttemptTimestamp"))
            continue;
        char buf[40];
        rfc3339_format(at + (int64_t)(delay->valuedouble * 1000), buf, sizeof buf);
        if (!cJSON_AddStringToObject(retry, "NextAttemptTimestamp", buf))
            return -1;
    }
    return 0;
}

cJSON *cli_aws_events(const aws_config *c, const char *arn, int *rc, cairn_error *err)
{
    cJSON *all = cJSON_CreateArray(), *page = NULL;
    char *marker = NULL;
    if (!all)
        return nomem(rc, err);
    for (int pages = 0;; pages++) {
        if (pages == HISTORY_PAGES_MAX) {
            err_set(err, "Aws.BadResponse",
                    "GetDurableExecutionHistory: still a NextMarker after %d pages", pages);
            *rc = CAIRN_ERR_INTERNAL;
            goto fail;
        }
        aws_op op = {.kind = AWS_GET_HISTORY,
                     .target = arn,
                     .include_data = 1,
                     .max_items = HISTORY_PAGE_ITEMS,
                     .marker = marker};
        if ((*rc = aws_call(c, &op, &page, err)) != CAIRN_OK)
            goto fail;
        cJSON *events = cJSON_GetObjectItemCaseSensitive(page, "Events");
        if (events && !cJSON_IsArray(events)) {
            err_set(err, "Aws.BadResponse", "GetDurableExecutionHistory: Events is not a list");
            *rc = CAIRN_ERR_INTERNAL;
            goto fail;
        }
        while (events && events->child) {
            cJSON *ev = cJSON_DetachItemViaPointer(events, events->child);
            cJSON_AddItemToArray(all, ev);
        }
        const char *next = str(page, "NextMarker");
        if (!next || !*next)
            break;
        if (marker && !strcmp(marker, next)) {
            err_set(err, "Aws.BadResponse",
                    "GetDurableExecutionHistory: the same NextMarker twice");
            *rc = CAIRN_ERR_INTERNAL;
            goto fail;
        }
        mem_free(marker);
        if (!(marker = mem_strdup(next))) {
            nomem(rc, err);
            goto fail;
        }
        cJSON_Delete(page);
        page = NULL;
    }
    cJSON_Delete(page);
    mem_free(marker);
    if (normalise_times(all) != 0 || add_next_attempts(all) != 0) {
        cJSON_Delete(all);
        return nomem(rc, err);
    }
    return all;
fail:
    cJSON_Delete(page);
    cJSON_Delete(all);
    mem_free(marker);
    return NULL;
}

/* ---- operations, folded from the events ---- */

/* "Step" of "StepStarted", as cairn's type word ("STEP"); the rest in *what. */
static const char *event_type(const char *ev, const char **what)
{
    static const struct {
        const char *prefix, *type;
    } t[] = {{"ChainedInvoke", "CHAINED_INVOKE"},
             {"Execution", "EXECUTION"},
             {"Context", "CONTEXT"},
             {"Step", "STEP"},
             {"Wait", "WAIT"},
             {"Callback", "CALLBACK"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = strlen(t[i].prefix);
        if (!strncmp(ev, t[i].prefix, n)) {
            *what = ev + n;
            return t[i].type;
        }
    }
    return NULL;
}

static const char *end_status(const char *what)
{
    static const struct {
        const char *event, *status;
    } s[] = {{"Succeeded", "SUCCEEDED"},
             {"Failed", "FAILED"},
             {"TimedOut", "TIMED_OUT"},
             {"Stopped", "STOPPED"},
             {"Cancelled", "CANCELLED"}};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (!strcmp(what, s[i].event))
            return s[i].status;
    return NULL;
}

/* Replaces o[key] with v (taken). Returns 0, or -1 (v freed). */
static int set(cJSON *o, const char *key, cJSON *v)
{
    if (!v)
        return -1;
    if (!cJSON_ReplaceItemInObjectCaseSensitive(o, key, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

static cJSON *new_op(const cJSON *ev, const char *type)
{
    static const char *const keys[] = {
        "status", "attempt", "started_at",  "ended_at",   "next_attempt_at",
        "result", "error",   "callback_id", "timeout_at", "heartbeat_at"};
    cJSON *op = cJSON_CreateObject();
    int bad = !op || add_str(op, "id", str(ev, "Id")) != 0 ||
              add_str(op, "parent_id", str(ev, "ParentId")) != 0 ||
              add_str(op, "name", str(ev, "Name")) != 0 || add_str(op, "type", type) != 0 ||
              add_str(op, "sub_type", str(ev, "SubType")) != 0;
    for (size_t i = 0; !bad && i < sizeof keys / sizeof keys[0]; i++)
        bad = !cJSON_AddNullToObject(op, keys[i]);
    if (!bad)
        bad = set(op, "started_at",
                  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ev, "EventTimestamp"), 1));
    if (bad) {
        cJSON_Delete(op);
        return NULL;
    }
    return op;
}

static const cJSON *member(const cJSON *o, const char *a, const char *b)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

/* One event's change to its operation. Returns 0, or -1 out of memory. */
static int apply(cJSON *op, const cJSON *ev, const char *type, const char *what)
{
    char key[80];
    snprintf(key, sizeof key, "%sDetails", str(ev, "EventType"));
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(ev, key);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(ev, "EventTimestamp");
    const cJSON *retry = cJSON_GetObjectItemCaseSensitive(d, "RetryDetails");
    const cJSON *attempt = cJSON_GetObjectItemCaseSensitive(d, "Attempt");
    if (!cJSON_IsNumber(attempt))
        attempt = cJSON_GetObjectItemCaseSensitive(retry, "CurrentAttempt");
    if (cJSON_IsNumber(attempt) && attempt->valuedouble > 0 &&
        set(op, "attempt", cJSON_CreateNumber(attempt->valuedouble)) != 0)
        return -1;
    if (!strcmp(what, "Started")) {
        /* AWS's StepStarted names no attempt: the first is 1, one after a retry the next */
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(op, "attempt");
        const char *was = str(op, "status");
        if (!strcmp(type, "STEP") && !cJSON_IsNumber(attempt) &&
            set(op, "attempt",
                cJSON_CreateNumber(!cJSON_IsNumber(a)               ? 1
                                   : was && !strcmp(was, "PENDING") ? a->valuedouble + 1
                                                                    : a->valuedouble)) != 0)
            return -1;
        if (set(op, "status", cJSON_CreateString("STARTED")) != 0 ||
            set(op, "next_attempt_at", cJSON_CreateNull()) != 0)
            return -1;
        const char *cb = str(d, "CallbackId");
        if (cb && set(op, "callback_id", cJSON_CreateString(cb)) != 0)
            return -1;
        const cJSON *end = cJSON_GetObjectItemCaseSensitive(d, "ScheduledEndTimestamp");
        const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(d, "Timeout");
        int64_t start = aws_time(at);
        char buf[40];
        if (cJSON_IsString(end) && set(op, "timeout_at", cJSON_Duplicate(end, 1)) != 0)
            return -1;
        if (cJSON_IsNumber(timeout) && timeout->valuedouble > 0 && start >= 0) {
            rfc3339_format(start + (int64_t)(timeout->valuedouble * 1000), buf, sizeof buf);
            if (set(op, "timeout_at", cJSON_CreateString(buf)) != 0)
                return -1;
        }
        return 0;
    }
    const char *status = end_status(what);
    if (!status)
        return 0; /* CallbackHeartbeat and what AWS adds later: no change of state */
    const cJSON *e = member(d, "Error", "Payload");
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(retry, "NextAttemptDelaySeconds");
    if (e) {
        cJSON *holder = cJSON_CreateObject();
        int bad = !holder || add_error(holder, "error", e) != 0 ||
                  set(op, "error", cJSON_DetachItemFromObject(holder, "error")) != 0;
        cJSON_Delete(holder);
        if (bad)
            return -1;
    }
    if (!strcmp(what, "Succeeded") && set(op, "error", cJSON_CreateNull()) != 0)
        return -1; /* an earlier attempt's error is not the outcome */
    const cJSON *payload = member(d, "Result", "Payload");
    if (cJSON_IsString(payload) && set(op, "result", payload_value(payload->valuestring)) != 0)
        return -1;
    if (!strcmp(type, "STEP") && !strcmp(what, "Failed") && cJSON_IsNumber(delay)) {
        /* a retry is due: the step waits, PENDING, until its next attempt */
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(retry, "NextAttemptTimestamp");
        int64_t t = aws_time(next);
        if (t < 0 && aws_time(at) >= 0)
            t = aws_time(at) + (int64_t)(delay->valuedouble * 1000);
        char buf[40];
        rfc3339_format(t, buf, sizeof buf);
        return set(op, "status", cJSON_CreateString("PENDING")) != 0 ||
                       set(op, "next_attempt_at",
                           t >= 0 ? cJSON_CreateString(buf) : cJSON_CreateNull()) != 0
                   ? -1
                   : 0;
    }
    return set(op, "status", cJSON_CreateString(status)) != 0 ||
                   set(op, "ended_at", cJSON_Duplicate(at, 1)) != 0
               ? -1
               : 0;
}

cJSON *cli_aws_history(cJSON *status, const cJSON *events, int *rc, cairn_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc || !cJSON_AddItemToObject(doc, "execution", status)) {
        cJSON_Delete(doc);
        cJSON_Delete(status);
        return nomem(rc, err);
    }
    cJSON *ops = cJSON_AddArrayToObject(doc, "operations");
    if (!ops)
        goto oom;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *id = str(ev, "Id"), *t = str(ev, "EventType"), *what = NULL;
        const char *type = t ? event_type(t, &what) : NULL;
        if (!id || !type)
            continue; /* InvocationCompleted, and events without an operation */
        cJSON *op = NULL, *o;
        cJSON_ArrayForEach(o, ops)
        {
            if (!strcmp(str(o, "id"), id))
                op = o;
        }
        if (!op) {
            if (!(op = new_op(ev, type)))
                goto oom;
            cJSON_AddItemToArray(ops, op);
        }
        if (apply(op, ev, type, what) != 0)
            goto oom;
    }
    return doc;
oom:
    cJSON_Delete(doc);
    return nomem(rc, err);
}
