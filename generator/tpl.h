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
