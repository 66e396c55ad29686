/*
 * engine_impl.h — the engine object's fields and the helpers the runtime's
 * engine files share (engine.c, replay.c, op_step.c, op_callback.c,
 * callback_api.c, report.c). Private: nothing outside runtime/src uses it.
 */
#ifndef CAIRN_ENGINE_IMPL_H
#define CAIRN_ENGINE_IMPL_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "engine.h"
#include "http_set.h"
#include "store.h"

/* AWS's limit on one operation payload. */
#define PAYLOAD_MAX (256 * 1024)

struct engine {
    store *st;
    char host[64];              /* this machine's name, as lease owners spell it */
    char owner[160];            /* this engine's lease owner id: "host/pid/random" */
    int64_t lease_ms;           /* lease length */
    int64_t reaped_at;          /* real time of the last look for dead local owners */
    const cairn_workflow **wfs; /* the host's table, copied; the descriptors are borrowed */
    size_t nwfs;
    clock_src clk;
    int wake_pipe[2];     /* engine_poke() writes, engine_wait_change() reads; owned */
    int64_t data_version; /* the store's data_version when last looked at */
    struct watch *watch;  /* inotify on the store's WAL (watch.h), or NULL; owned */
    int watch_tried;      /* watch_open was called (it is never retried once NULL) */
    int64_t lease_until;  /* the earliest live lease held elsewhere (engine_next_due), or -1 */
    struct group *group;  /* NULL, or the group commit its appends go through; borrowed */
    http_set hs;          /* the HTTP calls of one execution's branches (engine_invoke) */
};

/* Compact JSON text of v (NULL: "null"); free with cJSON_free() (engine.c). */
char *engine_json_text(const cJSON *v);
/* The error as JSON text {type,message,data}; free with cJSON_free() (engine.c). */
char *engine_error_text(const cairn_error *e);

#endif
