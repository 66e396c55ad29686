/*
 * expr.h — the ${...} expression language: parser into the AST of model.h.
 *
 *   or   := and ('||' and)*
 *   and  := cmp ('&&' cmp)*
 *   cmp  := dflt (('=='|'!='|'<'|'<='|'>'|'>=') dflt)?     (non-associative)
 *   dflt := sum ('??' dflt)?                               (right-associative)
 *   sum  := prod (('+'|'-') prod)*
 *   prod := unary (('*'|'/'|'%') unary)*
 *   unary:= '!' unary | '-' unary | primary    ('-' NUMBER is a negative literal)
 *   primary := NUMBER | STRING | true | false | null | '(' or ')' | path
 *   path := NAME ('.' NAME | '[' INT ']')*
 *
 * Emitting C from the AST is the emitter's job.
 */
#ifndef CAIRN_EXPR_H
#define CAIRN_EXPR_H

#include <stddef.h>

#include "diag.h"
#include "model.h"

/*
 * Parses src[0..len) (the text between "${" and "}"). at is the position of
 * src[0]; when exact is 0 every node and error is placed at `at` instead
 * (multi-line scalars). Returns the AST (caller frees with expr_free), or
 * NULL after reporting one error to d under file.
 */
expr *expr_parse(const char *src, size_t len, pos at, int exact, const char *file, diag *d);

/* As expr_parse, but reports nothing: the error message and its column
 * offset into src go to msg / *err_off. For tests and tools. */
expr *expr_parse_msg(const char *src, size_t len, char *msg, size_t msglen, size_t *err_off);

void expr_free(expr *e);

/*
 * Finds the end of the expression that starts at s[0] (just after "${"):
 * the index of its closing '}' (quotes are skipped), or -1 when none.
 */
long expr_find_end(const char *s, size_t len);

#endif
