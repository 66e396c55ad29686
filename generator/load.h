/*
 * load.h — the front end: read a workflow file, build the model, check it.
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

#endif
