/*
 * tpl.h — template filling: the text of a template (templates/NAME.in) with its
 * `@@NAME@@` insertion points replaced by values.
 */
#ifndef CAIRN_TPL_H
#define CAIRN_TPL_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* One insertion point's value (both strings borrowed). */
typedef struct tpl_var {
    const char *name;
    const char *value; /* borrowed */
} tpl_var;

/* The names of the templates the emitter fills, NULL-terminated. */
extern const char *const tpl_names[];

/* A template's text as the loader read it from a user's folder (`-T DIR`). */
typedef struct tpl_text {
    const char *name; /* one of tpl_names; NULL ends an array */
    char *where;      /* owned: DIR/name, to name it in messages */
    char *text;       /* owned: NULL when it could not be read */
    int err;          /* errno when text is NULL */
} tpl_text;

/*
 * Fills template text into out. The header comment (a first line starting
 * with a slash, a star and %, to the first line ending with %, a star and a
 * slash) is not copied. A point alone on its line is replaced by the lines of
 * its value, each indented like the point (blank and preprocessor lines stay
 * at column 0; an empty value removes the line); a point inside other text by
 * the value as it is. An unknown point is an error at its place, reported
 * under the name where. Returns 0, or -1 after reporting to d.
 */
int tpl_fill(const char *where, const char *text, const tpl_var *vars, size_t nvars, buf *out,
             diag *d);

#endif
