/*
 * emit.h — the emitter: a checked workflow (model.h) to the text of NAME.c,
 * NAME.h and a host main.c, by filling the templates (templates/, embedded
 * into the tool at build time; with `-T DIR` the loader reads a user's copy
 * and the emitter is handed their text).
 *
 * The emitter reads and writes no file: it returns text, and gen_cmd.c
 * decides what to write. Output is deterministic: document order only, no time, no path
 * beyond wf->path as given.
 */
#ifndef CAIRN_EMIT_H
#define CAIRN_EMIT_H

#include <stddef.h>

#include "diag.h"
#include "model.h"

struct tpl_text;

typedef struct emit_opts {
    int no_line;                      /* emit no #line directives (--no-line) */
    const char *template_dir;         /* borrowed: -T DIR, read by load_templates(); the emitter
                                         only uses templates */
    const struct tpl_text *templates; /* borrowed: load_templates(template_dir); NULL: the
                                         embedded templates */
} emit_opts;

/*
 * Generates NAME.c and NAME.h for wf (borrowed). Returns 0 and sets *c_text
 * and *h_text (caller frees both), or reports to d (constructs gen refuses,
 * template errors, out of memory), returns -1 and sets neither.
 */
int emit_workflow(const workflow *wf, const emit_opts *o, diag *d, char **c_text, char **h_text);

/*
 * Generates a host main.c that includes every NAME.h of wfs[0..n) and passes
 * their descriptors, in that order, to cairn_host_main(). Returns 0 and sets
 * *text (caller frees), or reports to d and returns -1.
 */
int emit_main(const workflow *const *wfs, size_t n, const emit_opts *o, diag *d, char **text);

#endif
