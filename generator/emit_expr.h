/*
 * emit_expr.h — values and expressions of the model as C text: string
 * literals, numbers, and the cairn_x_* calls that evaluate ${...} at run time
 * in generated code (`x` is the evaluation context there).
 */
#ifndef CAIRN_EMIT_EXPR_H
#define CAIRN_EMIT_EXPR_H

#include <stddef.h>

#include "buf.h"
#include "model.h"

/*
 * Appends to out the body of a C string literal (no quotes) holding s[0..n):
 * `"` and `\` escaped, \n \t \r by name, other control bytes and bytes
 * >= 0x80 as 3-digit octal, and `?` after `?` as `\?` (no trigraphs).
 */
void ex_c_escape(buf *out, const char *s, size_t n);

/* A whole C string literal, quotes included. */
void ex_c_string(buf *out, const char *s);

/* The shortest of %.15g, %.16g, %.17g that reads back as d. */
void ex_double(buf *out, double d);

/* A C condition (int) for a boolean expression. */
void ex_cond(buf *out, const expr *e);

/* Does v hold an expression anywhere? */
int ex_holds_expr(const val *v);

/* A map or list with expressions needs statements (a builder function). */
int ex_needs_builder(const val *v);

/* A value as one C expression (const cJSON *); v must not need a builder. */
void ex_val_inline(buf *out, const val *v);

#endif
