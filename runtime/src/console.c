/*
 * console.c — the web console's side of `HOST serve` that is not the store:
 * the embedded page (runtime/console/, turned into console_assets[] by
 * cmake/embed.cmake at build time) and the host's workflows as JSON.
 *
 * Owns: nothing past one call.
 * Never: reads a file or the network (the page is in the binary), or
 * touches the store (serve.c reads it through engine.h).
 */
#include "console.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "schema.h"

/* cmake/embed.cmake's table: { file name, text } ..., { NULL, NULL }. */
struct cairn_embedded {
    const char *name;
    const char *text;
};
extern const struct cairn_embedded console_assets[];

#define ASSET_PREFIX "/console/"

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

const char *console_asset(const char *path, const char **type)
{
    const char *name = NULL;
    if (!strcmp(path, "/"))
        name = "index.html";
    else if (!strncmp(path, ASSET_PREFIX, strlen(ASSET_PREFIX)))
        name = path + strlen(ASSET_PREFIX);
    if (!name || !*name || strchr(name, '/'))
        return NULL;
    for (const struct cairn_embedded *a = console_assets; a->name; a++)
        if (!strcmp(a->name, name)) {
            *type = content_type(name);
            return a->text;
        }
    return NULL;
}

const cairn_workflow *console_find(const cairn_workflow *const *wfs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(wfs[i]->name, name))
            return wfs[i];
    return NULL;
}

/* Adds key: the JSON text parsed (null when text is NULL or not JSON). */
static int add_parsed(cJSON *o, const char *key, const char *text)
{
    cJSON *v = text ? cJSON_Parse(text) : NULL;
    if (!v)
        v = cJSON_CreateNull();
    if (!v || !cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return 0;
    }
    return 1;
}

cJSON *console_workflow_json(const cairn_workflow *wf, int graph)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "name", wf->name) ||
        !cJSON_AddNumberToObject(o, "version", wf->version) ||
        !cJSON_AddStringToObject(o, "definition_sha256", wf->sha256) ||
        !cJSON_AddNumberToObject(o, "timeout_ms", (double)wf->timeout_ms) ||
        !add_parsed(o, "input_schema", wf->input_schema) ||
        (graph && !add_parsed(o, "graph", wf->graph))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *console_workflows_json(const cairn_workflow *const *wfs, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *o = console_workflow_json(wfs[i], 0);
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    return a;
}

int console_check_input(const cairn_workflow *wf, const char *input, size_t len, char *msg,
                        size_t msglen)
{
    cJSON *v = strlen(input) == len ? cJSON_ParseWithOpts(input, NULL, 1) : NULL;
    cJSON *schema = NULL;
    int rc = 0;
    char why[512];
    if (!v) {
        snprintf(msg, msglen, "input of workflow '%s' is not valid JSON", wf->name);
        rc = -1;
    } else if (wf->input_schema && (schema = cJSON_Parse(wf->input_schema)) &&
               schema_check(schema, v, why, sizeof why) != 0) {
        snprintf(msg, msglen, "input rejected by the input schema of workflow '%s': %s", wf->name,
                 why);
        rc = -1;
    }
    cJSON_Delete(schema);
    cJSON_Delete(v);
    return rc;
}
