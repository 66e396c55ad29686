/*
 * fuzz_yaml.c — the front end on hostile YAML: the bytes become a workflow
 * file that load_workflow() reads, builds into the model and checks. Any
 * outcome is fine (a model, or errors in the diag sink) except a crash, a
 * leak or undefined behaviour. A workflow that loads is also graphed (both
 * formats) and emitted as C, as `cairn graph` and `cairn gen` would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"
#include "emit.h"
#include "graph.h"
#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/cairn-fuzz-yaml-XXXXXX";
static FILE *sink;

static void cleanup(void)
{
    fclose(sink);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[sizeof dir + 16];
    if (!sink) {
        if (!mkdtemp(dir) || !(sink = fopen("/dev/null", "w")))
            abort();
        snprintf(path, sizeof path, "%s/wf.yaml", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    diag *d = diag_new(sink, 0);
    if (!d)
        abort();
    workflow *wf = load_workflow(path, d);
    if (wf) {
        free(graph_render(wf, GRAPH_MERMAID));
        free(graph_render(wf, GRAPH_DOT));
        emit_opts o = {0};
        char *c_text = NULL, *h_text = NULL;
        if (emit_workflow(wf, &o, d, &c_text, &h_text) == 0) {
            free(c_text);
            free(h_text);
        }
    }
    model_free(wf);
    diag_free(d);
    unlink(path);
    return 0;
}
