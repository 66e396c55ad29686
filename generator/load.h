/*
 * load.h — the front end: read a workflow file, build the model, check it;
 * and every other file the generator reads (a user's templates).
 * Shared by `cairn check`, `cairn gen` and `cairn graph`.
 */
#ifndef CAIRN_LOAD_H
#define CAIRN_LOAD_H

#include "diag.h"
#include "model.h"

/*
 * Loads the YAML at path, builds the model, reads the hooks file, runs every
 * check, and reports all problems to d. Returns the model (free with
 * model_free) when there is no error (warnings allowed), else NULL.
 */
workflow *load_workflow(const char *path, diag *d);

struct tpl_text;

/*
 * Reads every template of tpl_names (tpl.h) from dir (`cairn gen -T DIR`).
 * Returns an array ended by a NULL name (free with load_templates_free), or
 * NULL when memory runs out. A template that cannot be read keeps its errno:
 * the emitter reports it when it needs that one.
 */
struct tpl_text *load_templates(const char *dir);
void load_templates_free(struct tpl_text *t);

#endif
