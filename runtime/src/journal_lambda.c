/*
 * journal_lambda.c — the Lambda durable functions backend (journal_lambda.h).
 *
 * Owns: one invocation's view of the journal (what was loaded, what is now),
 * the map between engine ids and wire ids, the checkpoint token, and every
 * string it lends (an arena freed at cleanup, so a row refresh lent stays
 * readable after later appends).
 * Never: sends an update it cannot map to AWS's shapes, has two checkpoint
 * requests in flight, reuses a token an answer replaced, sends a request
 * again other than as it was (same body, same ClientToken), or completes an
 * operation the service completes (WAIT, CALLBACK, CHAINED_INVOKE).
 */
#include "journal_lambda.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "clock.h"
#include "engine_impl.h"
#include "error.h"
#include "ids.h"
#include "json.h"
#include "mem.h"
#include "rfc3339.h"

enum { MAX_UPDATES = 250, SEARCH_SLACK = 4096 };
/* A call is sent at most TRIES times in all (no answer, 429, 500, 502, 503, 504): after
 * Retry-After (at most RETRY_AFTER_CAP_MS), else BACKOFF_MS (THROTTLE_BACKOFF_MS after a
 * 429) doubled each time; never when the wait would end within DEADLINE_MARGIN_MS of the
 * invocation's deadline. */
enum {
    TRIES = 3,
    BACKOFF_MS = 100,
    THROTTLE_BACKOFF_MS = 500,
    RETRY_AFTER_CAP_MS = 10000,
    DEADLINE_MARGIN_MS = 1000
};
#define MAX_BYTES ((size_t)750 * 1024)
/* A time the engine never reaches: the service completes what waits for it. */
#define FAR_AWAY (INT64_MAX / 4)
/* The longest engine id (replay.h's OP_ID_MAX). */
#define OP_ID_MAX_WIRE 64

/* ---- ids ----------------------------------------------------------------- */

int journal_lambda_wire_id(const char *id, char out[17])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(id, strlen(id), md, &len, EVP_md5(), NULL) || len < 8)
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[16] = '\0';
    return 0;
}

/* wire id -> engine id (open addressing), and how far each parent's candidates were hashed. */
typedef struct id_entry {
    char wire[65];
    char *id; /* owned */
} id_entry;

typedef struct id_cursor {
    char *prefix; /* "" (top level) or "P-"; owned */
    long next;    /* the next candidate number to hash */
} id_cursor;

struct lambda_idmap {
    id_entry *t;
    size_t cap, n;
    id_cursor *c;
    size_t nc;
};

static size_t fnv(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static const char *idmap_get(const lambda_idmap *m, const char *wire)
{
    if (!m->cap)
        return NULL;
    for (size_t i = fnv(wire) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->t[i].id)
            return NULL;
        if (!strcmp(m->t[i].wire, wire))
            return m->t[i].id;
    }
}

static int idmap_put(lambda_idmap *m, const char *wire, const char *id)
{
    if (strlen(wire) >= sizeof m->t[0].wire)
        return 0; /* not a wire id of this scheme: never looked up */
    if (idmap_get(m, wire))
        return 0;
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        id_entry *t = mem_calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t k = 0; k < m->cap; k++) {
            if (!m->t[k].id)
                continue;
            size_t i = fnv(m->t[k].wire) & (cap - 1);
            while (t[i].id)
                i = (i + 1) & (cap - 1);
            t[i] = m->t[k];
        }
        mem_free(m->t);
        m->t = t;
        m->cap = cap;
    }
    char *copy = mem_strdup(id);
    if (!copy)
        return -1;
    size_t i = fnv(wire) & (m->cap - 1);
    while (m->t[i].id)
        i = (i + 1) & (m->cap - 1);
    snprintf(m->t[i].wire, sizeof m->t[i].wire, "%s", wire);
    m->t[i].id = copy;
    m->n++;
    return 0;
}

static void idmap_free(lambda_idmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        mem_free(m->t[i].id);
    for (size_t i = 0; i < m->nc; i++)
        mem_free(m->c[i].prefix);
    mem_free(m->t);
    mem_free(m->c);
    mem_free(m);
}

/*
 * The engine id of wire id `wire` under engine parent `parent` (NULL: top
 * level): the candidates parent-1, parent-2, ... are hashed (each once per
 * invocation) until one matches, at most `limit` of them. Returns the id
 * (the map's), or NULL (*oom set when memory ran out).
 */
static const char *idmap_find(lambda_idmap *m, const char *wire, const char *parent, long limit,
                              int *oom)
{
    const char *got = idmap_get(m, wire);
    if (got)
        return got;
    char prefix[OP_ID_MAX_WIRE];
    snprintf(prefix, sizeof prefix, "%s%s", parent ? parent : "", parent ? "-" : "");
    id_cursor *c = NULL;
    for (size_t i = 0; i < m->nc; i++)
        if (!strcmp(m->c[i].prefix, prefix))
            c = &m->c[i];
    if (!c) {
        id_cursor *v = mem_realloc(m->c, (m->nc + 1) * sizeof *v);
        if (!v)
            return *oom = 1, NULL;
        m->c = v;
        c = &m->c[m->nc];
        if (!(c->prefix = mem_strdup(prefix)))
            return *oom = 1, NULL;
        c->next = 1;
        m->nc++;
    }
    for (; c->next <= limit; c->next++) {
        char id[OP_ID_MAX_WIRE + 24], h[17];
        snprintf(id, sizeof id, "%s%ld", prefix, c->next);
        if (journal_lambda_wire_id(id, h) != 0 || idmap_put(m, h, id) != 0)
            return *oom = 1, NULL;
        if (!strcmp(h, wire)) {
            c->next++;
            return idmap_get(m, wire);
        }
    }
    return NULL;
}

/* ---- strings ------------------------------------------------------------- */

/* A copy of s (NULL: NULL) that lives until cleanup; *oom set on failure. */
static const char *keep(journal_lambda *jl, const char *s, int *oom)
{
    if (!s)
        return NULL;
    char **v = mem_grow(jl->arena, &jl->caparena, jl->narena + 1, sizeof *v);
    char *c = v ? mem_strdup(s) : NULL;
    if (!c) {
        *oom = 1;
        return NULL;
    }
    jl->arena = v;
    jl->arena[jl->narena++] = c;
    return c;
}

/* keep() of text that was made for it (NULL: making it ran out of memory), which it frees. */
static const char *keep_text(journal_lambda *jl, char *text, int *oom)
{
    const char *kept = keep(jl, text, oom);
    if (!text)
        *oom = 1;
    cJSON_free(text);
    return kept;
}

/* ---- words --------------------------------------------------------------- */

static const char *const type_words[] = {"EXECUTION", "STEP",    "WAIT",
                                         "CALLBACK",  "CONTEXT", "CHAINED_INVOKE"};
static const char *const action_words[] = {"START", "SUCCEED", "FAIL", "RETRY", "CANCEL"};

static int type_of(const char *w, store_op_type *t)
{
    for (size_t i = 0; w && i < sizeof type_words / sizeof type_words[0]; i++)
        if (!strcmp(w, type_words[i]))
            return *t = (store_op_type)i, 0;
    return -1;
}

static int status_of(const char *w, store_status *s)
{
    static const store_status all[] = {STORE_STARTED,   STORE_PENDING, STORE_READY,
                                       STORE_SUCCEEDED, STORE_FAILED,  STORE_TIMED_OUT,
                                       STORE_CANCELLED, STORE_STOPPED};
    for (size_t i = 0; w && i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(w, store_status_name(all[i])))
            return *s = all[i], 0;
    return -1;
}

/* ---- errors -------------------------------------------------------------- */

cJSON *journal_lambda_error_object(const char *error_json)
{
    cJSON *e = error_json ? cJSON_Parse(error_json) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "data");
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    if (ok)
        ok = cJSON_AddStringToObject(o, "ErrorType",
                                     cJSON_IsString(t) ? t->valuestring : "Cairn.Error") != NULL;
    if (ok && cJSON_IsString(m))
        ok = cJSON_AddStringToObject(o, "ErrorMessage", m->valuestring) != NULL;
    if (ok && d && !cJSON_IsNull(d)) {
        char *text = json_print(d);
        ok = text && cJSON_AddStringToObject(o, "ErrorData", text) != NULL;
        cJSON_free(text);
    }
    cJSON_Delete(e);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* cairn's {type, message, data} text from an AWS ErrorObject (NULL: none). */
static char *error_text(const cJSON *eo, int *oom)
{
    if (!cJSON_IsObject(eo))
        return NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(eo, "ErrorType");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(eo, "ErrorMessage");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(eo, "ErrorData");
    cJSON *o = cJSON_CreateObject();
    int ok =
        o &&
        cJSON_AddStringToObject(
            o, "type", cJSON_IsString(t) && *t->valuestring ? t->valuestring : "Lambda.Error") &&
        cJSON_AddStringToObject(o, "message", cJSON_IsString(m) ? m->valuestring : "");
    if (ok && cJSON_IsString(d)) {
        cJSON *parsed = cJSON_Parse(d->valuestring); /* cairn sends JSON text; others may not */
        if (!parsed)
            parsed = cJSON_CreateString(d->valuestring);
        ok = parsed && cJSON_AddItemToObject(o, "data", parsed);
    }
    char *text = ok ? json_print(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        *oom = 1;
    return text;
}

/* ---- operations from the wire ------------------------------------------- */

/* A timestamp as the API (epoch seconds), an emulator (epoch ms) or the docs (ISO-8601) write it.
 */
static int64_t stamp(const cJSON *v)
{
    int64_t ms;
    if (cJSON_IsNumber(v))
        return v->valuedouble > 1e11 ? (int64_t)v->valuedouble
                                     : (int64_t)llround(v->valuedouble * 1000.0);
    if (cJSON_IsString(v) && rfc3339_parse(v->valuestring, &ms) == 0)
        return ms;
    return STORE_NO_TIME;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Operation o (not the EXECUTION) as the engine reads it, into *r (strings
 * kept). Returns 0, -1 with err (a bad operation), or -2 (no memory).
 */
static int op_from_wire(journal_lambda *jl, const cJSON *o, store_op *r, cairn_error *err)
{
    memset(r, 0, sizeof *r);
    int oom = 0;
    const char *wid = str(o, "Id"), *wparent = str(o, "ParentId");
    if (!wid) {
        err_set(err, "Lambda.BadState", "an operation has no Id");
        return -1;
    }
    if (type_of(str(o, "Type"), &r->type) != 0 || status_of(str(o, "Status"), &r->status) != 0) {
        err_set(err, "Lambda.BadState", "operation %.64s: unknown Type '%.40s' or Status '%.40s'",
                wid, str(o, "Type") ? str(o, "Type") : "",
                str(o, "Status") ? str(o, "Status") : "");
        return -1;
    }
    const char *parent = NULL;
    if (wparent && (!jl->exec_op_id || strcmp(wparent, jl->exec_op_id))) {
        parent = idmap_get(jl->ids, wparent);
        if (!parent) {
            err_set(err, "Lambda.BadState",
                    "operation %.64s: its parent %.64s is not an operation of this execution", wid,
                    wparent);
            return -1;
        }
    }
    /* each parent's children are hashed as far as the operations could number */
    long limit = (long)jl->ncur + (long)jl->nloaded + SEARCH_SLACK;
    const char *id = idmap_find(jl->ids, wid, parent, limit, &oom);
    if (oom)
        return -2;
    if (!id) {
        err_set(err, "Lambda.BadState",
                "operation %.64s (%s %.80s) has an id cairn never makes (the first 16 hex digits "
                "of md5 of \"%s%sN\"): was this execution started by another SDK?",
                wid, str(o, "Type"), str(o, "Name") ? str(o, "Name") : "", parent ? parent : "",
                parent ? "-" : "");
        return -1;
    }
    r->id = keep(jl, id, &oom);
    r->parent_id = keep(jl, parent, &oom);
    r->name = keep(jl, str(o, "Name"), &oom);
    r->sub_type = keep(jl, str(o, "SubType"), &oom);
    r->started_at = stamp(cJSON_GetObjectItemCaseSensitive(o, "StartTimestamp"));
    r->ended_at = stamp(cJSON_GetObjectItemCaseSensitive(o, "EndTimestamp"));
    r->next_attempt_at = r->timeout_at = r->heartbeat_at = STORE_NO_TIME;
    static const char *const details[] = {"",
                                          "StepDetails",
                                          "WaitDetails",
                                          "CallbackDetails",
                                          "ContextDetails",
                                          "ChainedInvokeDetails"};
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, details[r->type]);
    r->result = keep(jl, str(d, "Result"), &oom);
    char *etext = error_text(cJSON_GetObjectItemCaseSensitive(d, "Error"), &oom);
    r->error = keep(jl, etext, &oom);
    cJSON_free(etext);
    switch (r->type) {
    case STORE_OP_STEP: {
        /* AWS's Attempt counts the attempts that ended; cairn's row holds the attempt's number */
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(d, "Attempt");
        int n = cJSON_IsNumber(a) && a->valueint > 0 ? a->valueint : 0;
        r->attempt = r->status == STORE_STARTED ? n + 1 : n > 0 ? n : 1;
        if (r->status == STORE_READY) { /* due: the engine runs the next attempt now */
            r->status = STORE_PENDING;
            r->next_attempt_at = STORE_NO_TIME;
        } else if (r->status == STORE_PENDING) {
            r->next_attempt_at = FAR_AWAY; /* the service makes it READY and invokes again */
        }
        break;
    }
    case STORE_OP_WAIT:
        r->timeout_at = r->status == STORE_STARTED
                            ? FAR_AWAY
                            : stamp(cJSON_GetObjectItemCaseSensitive(d, "ScheduledEndTimestamp"));
        break;
    case STORE_OP_CALLBACK: {
        r->callback_id = keep(jl, str(d, "CallbackId"), &oom);
        /* the raw text that was sent; the engine journals it as a JSON string */
        const char *raw = str(d, "Result");
        if (raw) {
            cJSON *s = cJSON_CreateString(raw);
            r->result = keep_text(jl, s ? json_print(s) : NULL, &oom);
            cJSON_Delete(s);
        }
        /* the service keeps the sender's ErrorObject as it was sent; the await raises what
         * callback fail journals on SQLite (callback_api.c): Callback.Failed, the sender's
         * error in the data */
        const cJSON *eo = cJSON_GetObjectItemCaseSensitive(d, "Error");
        if (r->status == STORE_FAILED && cJSON_IsObject(eo)) {
            static const char *const keys[] = {"ErrorType", "ErrorMessage", "ErrorData"};
            cJSON *sent = cJSON_CreateObject();
            for (size_t k = 0; sent && k < 3; k++) {
                const char *v = str(eo, keys[k]);
                cJSON *item = v ? cJSON_CreateString(v) : cJSON_CreateNull();
                if (!item || !cJSON_AddItemToObject(sent, keys[k], item)) {
                    cJSON_Delete(item);
                    cJSON_Delete(sent);
                    sent = NULL;
                }
            }
            const char *m = str(eo, "ErrorMessage");
            cairn_error failed;
            err_init(&failed);
            if (sent)
                err_set_data(&failed, "Callback.Failed", sent, "%s",
                             m && *m ? m : "Callback failed");
            r->error = keep_text(jl, sent ? engine_error_text(&failed) : NULL, &oom);
            err_cleanup(&failed);
        } else if (r->status == STORE_TIMED_OUT && !str(eo, "ErrorType")) {
            /* the service says only "Callback timed out [on heartbeat]": the types the
             * engine raises on SQLite (op_callback.c), so a catch of them works here too */
            const char *m = str(eo, "ErrorMessage");
            int beat = m && strstr(m, "heartbeat");
            cairn_error late;
            err_init(&late);
            err_set(&late, beat ? "Callback.Heartbeat" : "Callback.Timeout", "%s",
                    m && *m ? m
                    : beat  ? "Callback timed out on heartbeat"
                            : "Callback timed out");
            r->error = keep_text(jl, engine_error_text(&late), &oom);
            err_cleanup(&late);
        }
        break;
    }
    case STORE_OP_CHAINED_INVOKE:
        /* the service completes it with the invoked execution's own Error; the invoke raises
         * what it raises on SQLite (op_invoke.c): Invoke.Failed, that error whole in data */
        if (store_status_ended(r->status) && r->status != STORE_SUCCEEDED) {
            const char *word = r->status == STORE_TIMED_OUT ? "timed out"
                               : r->status == STORE_STOPPED ? "was stopped"
                                                            : "failed";
            cJSON *data = r->error ? cJSON_Parse(r->error) : NULL;
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(data, "message");
            char msg[600];
            snprintf(msg, sizeof msg, "invoke '%.100s': the invoked execution %s: %.400s",
                     r->name ? r->name : "", word,
                     cJSON_IsString(m) && *m->valuestring ? m->valuestring : "no message");
            int made = data || !r->error; /* else parsing it ran out of memory */
            cairn_error failed;
            err_init(&failed);
            if (made)
                err_set_data(&failed, "Invoke.Failed", data, "%s", msg);
            r->status = STORE_FAILED;
            r->error = keep_text(jl, made ? engine_error_text(&failed) : NULL, &oom);
            err_cleanup(&failed);
        }
        break;
    default:
        break;
    }
    return oom ? -2 : 0;
}

static store_op *cur_find(journal_lambda *jl, const char *id)
{
    for (size_t i = jl->ncur; i-- > 0;)
        if (!strcmp(jl->cur[i].id, id))
            return &jl->cur[i];
    return NULL;
}

/* Puts r in the current journal (replacing the row of its id). Returns 0 or -1 (no memory). */
static int cur_put(journal_lambda *jl, const store_op *r)
{
    store_op *at = cur_find(jl, r->id);
    if (!at) {
        store_op *v = mem_grow(jl->cur, &jl->capcur, jl->ncur + 1, sizeof *v);
        if (!v)
            return -1;
        jl->cur = v;
        at = &jl->cur[jl->ncur++];
        at->seq = (int64_t)jl->ncur;
    }
    int64_t seq = at->seq;
    *at = *r;
    at->seq = seq;
    at->mem = NULL;
    return 0;
}

/* Operations ops (an array of Operation) into the current journal. */
static int take_operations(journal_lambda *jl, const cJSON *ops, int initial, cairn_error *err)
{
    if (ops && !cJSON_IsArray(ops)) {
        err_set(err, "Lambda.BadState", "Operations is not an array");
        return CAIRN_ERR_INTERNAL;
    }
    /* parents first: an operation whose parent is not known yet waits for a later pass */
    size_t n = (size_t)cJSON_GetArraySize(ops), done = 0;
    unsigned char *taken = n ? mem_calloc(n, 1) : NULL;
    if (n && !taken)
        return err_set(err, "Cairn.NoMemory", "out of memory"), CAIRN_ERR_NOMEM;
    int rc = CAIRN_OK;
    for (int progress = 1; progress && done < n && rc == CAIRN_OK;) {
        progress = 0;
        size_t i = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, ops)
        {
            if (taken[i++] || rc != CAIRN_OK)
                continue;
            const char *type = str(o, "Type");
            if (type && !strcmp(type, "EXECUTION")) {
                taken[i - 1] = 1, done++, progress = 1;
                if (!initial)
                    continue;
                int oom = 0;
                mem_free(jl->exec_op_id);
                jl->exec_op_id = str(o, "Id") ? mem_strdup(str(o, "Id")) : NULL;
                const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "ExecutionDetails");
                const char *in = str(d, "InputPayload");
                jl->exec.input = keep(jl, in && *in ? in : "{}", &oom);
                int64_t t = stamp(cJSON_GetObjectItemCaseSensitive(o, "StartTimestamp"));
                if (t != STORE_NO_TIME)
                    jl->exec.created_at = t;
                if (oom || (str(o, "Id") && !jl->exec_op_id))
                    rc = CAIRN_ERR_NOMEM;
                continue;
            }
            const char *wp = str(o, "ParentId");
            if (wp && (!jl->exec_op_id || strcmp(wp, jl->exec_op_id)) && !idmap_get(jl->ids, wp))
                continue; /* its parent comes later in the list */
            store_op r;
            int got = op_from_wire(jl, o, &r, err);
            store_op *was = got == 0 && !initial ? cur_find(jl, r.id) : NULL;
            /* READY precedes STARTED: answered to this invocation's START of a due retry
             * (AWS's local runner leaves the Status as it was on a START of an existing
             * step), it is the state before the START, not a move by another invocation */
            int stale_ready = was && was->type == STORE_OP_STEP && was->status == STORE_STARTED &&
                              r.status == STORE_PENDING && r.next_attempt_at == STORE_NO_TIME;
            if (was && (was->status == r.status || stale_ready)) {
                /* as this invocation wrote it: its view stands (attempts are counted
                 * its way); what the service adds is the callback id it minted */
                if (r.callback_id)
                    was->callback_id = r.callback_id;
            } else if (got == -2 || (got == 0 && cur_put(jl, &r) != 0))
                rc = CAIRN_ERR_NOMEM;
            else if (got != 0)
                rc = CAIRN_ERR_INTERNAL;
            taken[i - 1] = 1, done++, progress = 1;
        }
    }
    if (rc == CAIRN_OK && done < n) {
        err_set(err, "Lambda.BadState",
                "%zu operation(s) name a ParentId that is not an operation of the execution",
                n - done);
        rc = CAIRN_ERR_INTERNAL;
    }
    if (rc == CAIRN_ERR_NOMEM)
        err_set(err, "Cairn.NoMemory", "out of memory");
    mem_free(taken);
    return rc;
}

/* ---- calls --------------------------------------------------------------- */

/* Why a call failed: whether Lambda should retry the invocation, or the execution fails. */
static lambda_failure classify(int rc, const cairn_error *e)
{
    if (rc == CAIRN_ERR_NOMEM)
        return LAMBDA_FAILURE_RETRY;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(e->data, "status");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e->data, "message");
    if (!cJSON_IsNumber(st))
        return LAMBDA_FAILURE_RETRY; /* no answer, an answer that is not JSON */
    int status = st->valueint;
    if (status == 429 || status >= 500)
        return LAMBDA_FAILURE_RETRY;
    if (status == 400 && cJSON_IsString(msg) &&
        strstr(msg->valuestring, "Invalid Checkpoint Token"))
        return LAMBDA_FAILURE_RETRY;
    return LAMBDA_FAILURE_FATAL;
}

/*
 * How long to wait before sending again a call that failed with e on try t
 * (0, 1, ...): -1 when a resend cannot help (an answer that refuses for good,
 * a stale token) or is not allowed (out of tries, past the deadline).
 */
static int64_t resend_after(const journal_lambda *jl, int rc, const cairn_error *e, int t)
{
    if (rc == CAIRN_ERR_NOMEM || t + 1 >= TRIES)
        return -1;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(e->data, "status");
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(e->data, "retry_after_ms");
    int status = cJSON_IsNumber(st) ? st->valueint : 0;
    int64_t wait;
    if (e->type && !strcmp(e->type, "Aws.Transport"))
        wait = (int64_t)BACKOFF_MS << t;
    else if (status != 429 && status != 500 && status != 502 && status != 503 && status != 504)
        return -1;
    else if (cJSON_IsNumber(ra) && ra->valuedouble >= 0)
        wait = ra->valuedouble < RETRY_AFTER_CAP_MS ? (int64_t)ra->valuedouble : RETRY_AFTER_CAP_MS;
    else
        wait = (int64_t)(status == 429 ? THROTTLE_BACKOFF_MS : BACKOFF_MS) << t;
    if (jl->deadline_ms > 0 && clock_real_ms() + wait + DEADLINE_MARGIN_MS > jl->deadline_ms)
        return -1;
    return wait;
}

/*
 * One API call. A call that got no answer, or a 429 or a 500/502/503/504, is
 * sent again as it was (same body, same ClientToken) after a wait
 * (resend_after), at most TRIES times in all; what still fails sets
 * jl->failure as classify says.
 */
static int call(journal_lambda *jl, const aws_op *op, cJSON **out, cairn_error *err)
{
    int rc = CAIRN_ERR_INTERNAL;
    for (int t = 0;; t++) {
        cairn_error e;
        err_init(&e);
        rc = aws_call(jl->cfg, op, out, &e);
        int64_t wait = rc == CAIRN_OK ? -1 : resend_after(jl, rc, &e, t);
        if (wait < 0) {
            if (rc != CAIRN_OK) {
                jl->failure = classify(rc, &e);
                err_move(err, &e);
            }
            err_cleanup(&e);
            return rc;
        }
        const char *why = e.message ? e.message : e.type ? e.type : "failed";
        fprintf(stderr, "cairn lambda: %s: %s; sending it again in %lld ms (try %d of %d)\n",
                jl->arn, why, (long long)wait, t + 2, TRIES);
        err_cleanup(&e);
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ; /* interrupted: sleep the rest */
    }
}

/* Pages of GetDurableExecutionState from marker on. */
static int page_state(journal_lambda *jl, const char *marker, cairn_error *err)
{
    char *m = marker ? mem_strdup(marker) : NULL;
    int rc = marker && !m ? CAIRN_ERR_NOMEM : CAIRN_OK;
    while (rc == CAIRN_OK && m && *m) {
        if (!jl->cfg) {
            err_set(err, "Lambda.BadEvent", "NextMarker is set, and there is no API to page with");
            rc = CAIRN_ERR_USAGE;
            break;
        }
        aws_op op = {.kind = AWS_GET_STATE,
                     .target = jl->arn,
                     .token = jl->token,
                     .marker = m,
                     .max_items = 1000};
        cJSON *page = NULL;
        if ((rc = call(jl, &op, &page, err)) != CAIRN_OK)
            break;
        rc = take_operations(jl, cJSON_GetObjectItemCaseSensitive(page, "Operations"), 1, err);
        const char *next = str(page, "NextMarker");
        mem_free(m);
        m = next ? mem_strdup(next) : NULL;
        if (next && !m)
            rc = CAIRN_ERR_NOMEM;
        cJSON_Delete(page);
    }
    if (rc == CAIRN_ERR_NOMEM)
        err_set(err, "Cairn.NoMemory", "out of memory");
    mem_free(m);
    return rc;
}

/* ---- updates to the wire ------------------------------------------------- */

static int64_t now_ms(const journal_lambda *jl)
{
    return jl->now_override ? jl->now_override : clock_real_ms();
}

/* Whole seconds of ms, rounded up, at least lo. */
static double seconds(int64_t ms, double lo)
{
    double s = ms > 0 ? ceil((double)ms / 1000.0) : 0;
    return s < lo ? lo : s;
}

/* The common members of an OperationUpdate; NULL on OOM. */
static cJSON *update_head(const journal_update *u, journal_action action)
{
    char wid[17], wparent[17];
    cJSON *o = cJSON_CreateObject();
    if (!o || journal_lambda_wire_id(u->op.id, wid) != 0 ||
        (u->op.parent_id && journal_lambda_wire_id(u->op.parent_id, wparent) != 0))
        goto fail;
    if (!cJSON_AddStringToObject(o, "Id", wid) ||
        (u->op.parent_id && !cJSON_AddStringToObject(o, "ParentId", wparent)) ||
        (u->op.name && !cJSON_AddStringToObject(o, "Name", u->op.name)) ||
        !cJSON_AddStringToObject(o, "Type", type_words[u->op.type]) ||
        (u->op.sub_type && !cJSON_AddStringToObject(o, "SubType", u->op.sub_type)) ||
        !cJSON_AddStringToObject(o, "Action", action_words[action]))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* The START of update u: with its options (WAIT, CALLBACK, CHAINED_INVOKE). */
static cJSON *start_update(const journal_update *u)
{
    cJSON *o = update_head(u, JOURNAL_START);
    cJSON *opt = NULL;
    int ok = o != NULL;
    const store_op *r = &u->op;
    switch (r->type) {
    case STORE_OP_WAIT:
        ok = ok && (opt = cJSON_AddObjectToObject(o, "WaitOptions")) &&
             cJSON_AddNumberToObject(opt, "WaitSeconds",
                                     seconds(r->timeout_at - r->started_at, 1)) != NULL;
        break;
    case STORE_OP_CALLBACK:
        /* no timeout, no heartbeat: left out, as the JS SDK does (AWS's local service arms
         * a timer for any number given, so a 0 timed the callback out at once) */
        ok = ok && (opt = cJSON_AddObjectToObject(o, "CallbackOptions")) &&
             (r->timeout_at == STORE_NO_TIME ||
              cJSON_AddNumberToObject(opt, "TimeoutSeconds",
                                      seconds(r->timeout_at - r->started_at, 1))) &&
             (r->heartbeat_ms <= 0 ||
              cJSON_AddNumberToObject(opt, "HeartbeatTimeoutSeconds", seconds(r->heartbeat_ms, 1)));
        break;
    case STORE_OP_CHAINED_INVOKE:
        ok = ok && (opt = cJSON_AddObjectToObject(o, "ChainedInvokeOptions")) &&
             cJSON_AddStringToObject(opt, "FunctionName",
                                     u->invoke.workflow ? u->invoke.workflow : "") &&
             (!u->invoke.input || cJSON_AddStringToObject(o, "Payload", u->invoke.input));
        break;
    default:
        break;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Does the service complete operations of this type itself? */
static int service_completes(store_op_type t)
{
    return t == STORE_OP_WAIT || t == STORE_OP_CALLBACK || t == STORE_OP_CHAINED_INVOKE;
}

int journal_lambda_updates(journal_lambda *jl, const journal_update *u, size_t n, cJSON *arr,
                           cairn_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const journal_update *x = &u[i];
        const store_op *r = &x->op;
        cJSON *pre = NULL, *o = NULL;
        int ok = 1;
        if (x->action == JOURNAL_START) {
            ok = (o = start_update(x)) != NULL;
        } else if (x->action == JOURNAL_CANCEL && r->type != STORE_OP_WAIT) {
            /* AWS's service records a CANCEL of a WAIT only (WaitCancelled): a cancelled
             * branch's contexts, steps, callbacks and invokes stay open there, as the JS
             * SDK leaves them; its finished batch's payload says CANCELLED */
            continue;
        } else if ((x->action == JOURNAL_SUCCEED || x->action == JOURNAL_FAIL) &&
                   service_completes(r->type)) {
            /* the service completes it; a zero WAIT never needed the service; an invoke
             * refused before its child starts (not linked, input rejected) is no operation
             * AWS takes (no START: no child; a FAIL it refuses): each replay decides it
             * again, from the same input, the same way */
            continue;
        } else {
            /* an attempt or a context the service has not seen start starts in this request */
            if ((r->type == STORE_OP_STEP || r->type == STORE_OP_CONTEXT) &&
                x->expect_status != STORE_STARTED && x->action != JOURNAL_CANCEL)
                ok = (pre = update_head(x, JOURNAL_START)) != NULL;
            ok = ok && (o = update_head(x, x->action)) != NULL;
            if (ok && x->action == JOURNAL_FAIL) {
                cJSON *eo = journal_lambda_error_object(r->error);
                ok = eo && cJSON_AddItemToObject(o, "Error", eo);
            } else if (ok && x->action == JOURNAL_SUCCEED) {
                ok = cJSON_AddStringToObject(o, "Payload", r->result ? r->result : "null") != NULL;
            } else if (ok && x->action == JOURNAL_RETRY) {
                /* a condition's RETRY carries its new state; a failed attempt its error */
                if (r->result)
                    ok = cJSON_AddStringToObject(o, "Payload", r->result) != NULL;
                if (ok && r->error) {
                    cJSON *eo = journal_lambda_error_object(r->error);
                    ok = eo && cJSON_AddItemToObject(o, "Error", eo);
                }
                cJSON *so = ok ? cJSON_AddObjectToObject(o, "StepOptions") : NULL;
                int64_t delay =
                    r->next_attempt_at == STORE_NO_TIME ? 0 : r->next_attempt_at - now_ms(jl);
                ok = so && cJSON_AddNumberToObject(so, "NextAttemptDelaySeconds",
                                                   seconds(delay, 1)) != NULL;
            }
        }
        if (ok && pre)
            cJSON_AddItemToArray(arr, pre), pre = NULL;
        if (ok && o)
            cJSON_AddItemToArray(arr, o), o = NULL;
        cJSON_Delete(pre);
        cJSON_Delete(o);
        if (!ok) {
            err_set(err, "Cairn.NoMemory", "out of memory");
            return CAIRN_ERR_NOMEM;
        }
    }
    return CAIRN_OK;
}

/* Sends one CheckpointDurableExecution of updates [from, to) of arr; takes its answer. */
static int checkpoint(journal_lambda *jl, const cJSON *arr, int from, int to, cairn_error *err)
{
    char client[40];
    cJSON *body = cJSON_CreateObject(), *ups = NULL, *ans = NULL;
    char *text = NULL;
    int rc = CAIRN_ERR_NOMEM;
    if (!body || ids_random(client, sizeof client, 16) != 0 ||
        !cJSON_AddStringToObject(body, "CheckpointToken", jl->token) ||
        !(ups = cJSON_AddArrayToObject(body, "Updates")) ||
        !cJSON_AddStringToObject(body, "ClientToken", client))
        goto done;
    for (int i = from; i < to; i++) {
        cJSON *c = cJSON_Duplicate(cJSON_GetArrayItem(arr, i), 1);
        if (!c)
            goto done;
        cJSON_AddItemToArray(ups, c);
    }
    if (!(text = json_print(body)))
        goto done;
    aws_op op = {.kind = AWS_CHECKPOINT, .target = jl->arn, .body = text};
    if ((rc = call(jl, &op, &ans, err)) != CAIRN_OK)
        goto done;
    jl->requests++;
    const char *tok = str(ans, "CheckpointToken");
    if (!tok || !*tok) {
        err_set(err, "Lambda.BadResponse",
                "CheckpointDurableExecution answered with no CheckpointToken");
        jl->failure = LAMBDA_FAILURE_RETRY;
        rc = CAIRN_ERR_INTERNAL;
        goto done;
    }
    char *t = mem_strdup(tok);
    if (!t) {
        rc = CAIRN_ERR_NOMEM;
        goto done;
    }
    mem_free(jl->token);
    jl->token = t;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ans, "NewExecutionState");
    rc = take_operations(jl, cJSON_GetObjectItemCaseSensitive(st, "Operations"), 0, err);
    if (rc == CAIRN_OK)
        rc = page_state(jl, str(st, "NextMarker"), err);
    if (rc != CAIRN_OK && !jl->failure)
        jl->failure = LAMBDA_FAILURE_RETRY;
done:
    if (rc == CAIRN_ERR_NOMEM) {
        err_set(err, "Cairn.NoMemory", "out of memory");
        jl->failure = LAMBDA_FAILURE_RETRY;
    }
    cJSON_free(text);
    cJSON_Delete(body);
    cJSON_Delete(ans);
    return rc;
}

/* ---- the interface ------------------------------------------------------- */

static int lambda_load(journal *j, const store_exec **exec, const store_op **ops, size_t *n,
                       cairn_error *err)
{
    journal_lambda *jl = (journal_lambda *)j;
    (void)err;
    *exec = &jl->exec;
    *ops = jl->loaded;
    *n = jl->nloaded;
    return CAIRN_OK;
}

static int lambda_append(journal *j, const journal_update *u, size_t n, const journal_end *end,
                         cairn_error *err)
{
    journal_lambda *jl = (journal_lambda *)j;
    if (jl->ended) {
        err_set(err, "Execution.Conflict", "the invocation has already returned its outcome");
        return CAIRN_ERR_CONFLICT;
    }
    for (size_t i = 0; i < n; i++) { /* as the engine last saw it, or another invocation moved it */
        const store_op *now = cur_find(jl, u[i].op.id);
        int fits = u[i].expect_status == STORE_NONE ? now == NULL
                                                    : now && now->status == u[i].expect_status &&
                                                          now->attempt == u[i].expect_attempt;
        if (!fits) {
            err_set(err, "Execution.Conflict", "%s: operation %s changed meanwhile", jl->arn,
                    u[i].op.id);
            return CAIRN_ERR_CONFLICT;
        }
    }
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return err_set(err, "Cairn.NoMemory", "out of memory"), CAIRN_ERR_NOMEM;
    int rc = journal_lambda_updates(jl, u, n, arr, err);
    /* the engine's own view first, then what the service answers over it */
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        int oom = 0;
        store_op r = u[i].op;
        char wid[17];
        r.id = keep(jl, r.id, &oom);
        r.parent_id = keep(jl, r.parent_id, &oom);
        r.name = keep(jl, r.name, &oom);
        r.sub_type = keep(jl, r.sub_type, &oom);
        r.result = keep(jl, r.result, &oom);
        r.error = keep(jl, r.error, &oom);
        /* the service mints callback ids: the engine's own is never the one to hand out */
        r.callback_id = r.type == STORE_OP_CALLBACK && u[i].action == JOURNAL_START
                            ? NULL
                            : keep(jl, r.callback_id, &oom);
        if (r.type == STORE_OP_CALLBACK && u[i].action == JOURNAL_START) {
            const store_op *was = cur_find(jl, u[i].op.id);
            r.callback_id = was ? was->callback_id : NULL;
        }
        if (oom || journal_lambda_wire_id(u[i].op.id, wid) != 0 ||
            idmap_put(jl->ids, wid, u[i].op.id) != 0 || cur_put(jl, &r) != 0) {
            err_set(err, "Cairn.NoMemory", "out of memory");
            rc = CAIRN_ERR_NOMEM;
        }
    }
    /* requests of at most max_updates updates and max_bytes bytes, one at a time */
    int total = cJSON_GetArraySize(arr), from = 0;
    size_t bytes = 0, budget = jl->max_bytes > 4096 ? jl->max_bytes - 4096 : jl->max_bytes;
    for (int i = 0; rc == CAIRN_OK && i <= total; i++) {
        size_t len = 0;
        if (i < total) {
            char *t = json_print(cJSON_GetArrayItem(arr, i));
            if (!t) {
                err_set(err, "Cairn.NoMemory", "out of memory");
                rc = CAIRN_ERR_NOMEM;
                break;
            }
            len = strlen(t) + 1;
            cJSON_free(t);
        }
        int full = i - from >= jl->max_updates || (i > from && bytes + len > budget);
        if (i > from && (i == total || full)) {
            if (!jl->cfg) {
                err_set(err, "Lambda.NoApi", "no Lambda API to checkpoint through");
                rc = CAIRN_ERR_USAGE;
                break;
            }
            rc = checkpoint(jl, arr, from, i, err);
            from = i;
            bytes = 0;
        }
        bytes += len;
    }
    cJSON_Delete(arr);
    if (rc == CAIRN_ERR_NOMEM)
        jl->failure = LAMBDA_FAILURE_RETRY;
    if (rc != CAIRN_OK)
        return rc;
    if (end) {
        jl->ended = 1;
        jl->end_status = end->status;
        if ((end->result && !(jl->end_result = mem_strdup(end->result))) ||
            (end->error && !(jl->end_error = mem_strdup(end->error)))) {
            jl->failure = LAMBDA_FAILURE_RETRY;
            return err_set(err, "Cairn.NoMemory", "out of memory"), CAIRN_ERR_NOMEM;
        }
    }
    return CAIRN_OK;
}

static int lambda_refresh(journal *j, const char *op_id, store_op *out, cairn_error *err)
{
    journal_lambda *jl = (journal_lambda *)j;
    const store_op *r = cur_find(jl, op_id);
    if (!r) {
        err_set(err, "Store.Error", "%s: no operation %s", jl->arn, op_id);
        return CAIRN_ERR_NOT_FOUND;
    }
    *out = *r; /* lent: the arena lives as long as the backend */
    return CAIRN_OK;
}

static const cairn_workflow *lambda_workflow(journal *j, const char *name)
{
    journal_lambda *jl = (journal_lambda *)j;
    for (size_t i = 0; i < jl->nwfs; i++)
        if (!strcmp(jl->wfs[i]->name, name))
            return jl->wfs[i];
    return NULL;
}

/* A child the service invoked: the engine waits until its CHAINED_INVOKE is completed. */
static int lambda_execution(journal *j, const char *id, store_exec *out, cairn_error *err)
{
    (void)j;
    (void)err;
    memset(out, 0, sizeof *out);
    out->id = id;
    out->status = STORE_RUNNING;
    out->created_at = out->updated_at = out->ended_at = out->wake_at = out->timeout_at =
        STORE_NO_TIME;
    return CAIRN_OK;
}

static const journal_ops lambda_ops = {.load = lambda_load,
                                       .append = lambda_append,
                                       .refresh = lambda_refresh,
                                       .workflow = lambda_workflow,
                                       .execution = lambda_execution};

int journal_lambda_init(journal_lambda *jl, const aws_config *cfg, const cairn_workflow *wf,
                        const cairn_workflow *const *wfs, size_t nwfs, const cJSON *ev,
                        int64_t deadline_ms, cairn_error *err)
{
    memset(jl, 0, sizeof *jl);
    jl->deadline_ms = deadline_ms;
    jl->j.ops = &lambda_ops;
    jl->j.name = "Lambda";
    jl->j.mints_callback_ids = 1;
    jl->cfg = cfg;
    jl->wf = wf;
    jl->wfs = wfs;
    jl->nwfs = nwfs;
    jl->max_updates = MAX_UPDATES;
    jl->max_bytes = MAX_BYTES;
    if (!(jl->ids = mem_calloc(1, sizeof *jl->ids)))
        return err_set(err, "Cairn.NoMemory", "out of memory"), CAIRN_ERR_NOMEM;
    const char *arn = str(ev, "DurableExecutionArn"), *tok = str(ev, "CheckpointToken");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev, "InitialExecutionState");
    if (!cJSON_IsObject(ev) || !arn || !*arn || !tok || !*tok || !cJSON_IsObject(st)) {
        err_set(err, "Lambda.BadEvent",
                "the invocation event is not a durable execution's: it needs "
                "DurableExecutionArn, CheckpointToken and InitialExecutionState "
                "(is the function's DurableConfig set?)");
        return CAIRN_ERR_USAGE;
    }
    jl->arn = mem_strdup(arn);
    jl->token = mem_strdup(tok);
    if (!jl->arn || !jl->token)
        return err_set(err, "Cairn.NoMemory", "out of memory"), CAIRN_ERR_NOMEM;
    jl->j.name = jl->arn;
    jl->exec = (store_exec){.id = jl->arn,
                            .workflow = wf->name,
                            .version = wf->version,
                            .definition_sha256 = wf->sha256,
                            .status = STORE_RUNNING,
                            .created_at = clock_real_ms(),
                            .updated_at = STORE_NO_TIME,
                            .ended_at = STORE_NO_TIME,
                            .wake_at = STORE_NO_TIME,
                            .timeout_at = STORE_NO_TIME, /* the service's ExecutionTimeout */
                            .lease_until = STORE_NO_TIME};
    int rc = take_operations(jl, cJSON_GetObjectItemCaseSensitive(st, "Operations"), 1, err);
    if (rc == CAIRN_OK)
        rc = page_state(jl, str(st, "NextMarker"), err);
    if (rc == CAIRN_OK && !jl->exec.input) {
        err_set(err, "Lambda.BadEvent",
                "the invocation event's InitialExecutionState has no EXECUTION operation "
                "(its ExecutionDetails.InputPayload is the input)");
        rc = CAIRN_ERR_USAGE;
    }
    if (rc == CAIRN_OK && jl->ncur) { /* the snapshot the engine replays */
        if (!(jl->loaded = mem_malloc(jl->ncur * sizeof *jl->loaded)))
            return err_set(err, "Cairn.NoMemory", "out of memory"), CAIRN_ERR_NOMEM;
        memcpy(jl->loaded, jl->cur, jl->ncur * sizeof *jl->loaded);
        jl->nloaded = jl->ncur;
    }
    return rc;
}

void journal_lambda_cleanup(journal_lambda *jl)
{
    for (size_t i = 0; i < jl->narena; i++)
        mem_free(jl->arena[i]);
    mem_free(jl->arena);
    mem_free(jl->loaded);
    mem_free(jl->cur);
    idmap_free(jl->ids);
    mem_free(jl->arn);
    mem_free(jl->token);
    mem_free(jl->exec_op_id);
    mem_free(jl->end_result);
    mem_free(jl->end_error);
    memset(jl, 0, sizeof *jl);
}

cJSON *journal_lambda_output(const journal_lambda *jl)
{
    if (!jl->ended)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    switch (jl->end_status) {
    case STORE_SUCCEEDED:
        ok = ok && cJSON_AddStringToObject(o, "Status", "SUCCEEDED") &&
             cJSON_AddStringToObject(o, "Result", jl->end_result ? jl->end_result : "null");
        break;
    case STORE_PENDING:
        ok = ok && cJSON_AddStringToObject(o, "Status", "PENDING");
        break;
    default: { /* FAILED, TIMED_OUT (the workflow's own timeout) */
        cJSON *eo = journal_lambda_error_object(jl->end_error);
        ok = ok && eo && cJSON_AddStringToObject(o, "Status", "FAILED") &&
             cJSON_AddItemToObject(o, "Error", eo);
        if (!ok)
            cJSON_Delete(eo);
        break;
    }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
