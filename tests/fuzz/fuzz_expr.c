/*
 * fuzz_expr.c — the ${...} expression parser on hostile text: expr_find_end
 * over the whole input, then expr_parse_msg on the text up to the closing
 * brace it found (or all of it), and expr_parse with a diag sink, as the
 * loader calls it. An AST or an error message; never a crash or a leak.
 * A parsed AST is also printed back to source text (graph_expr_text).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "expr.h"
#include "graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    /* The parser reads [src, src+len) only; an exact-size copy lets ASan check that. */
    char *src = malloc(size ? size : 1);
    if (!src)
        abort();
    if (size)
        memcpy(src, data, size);
    long end = expr_find_end(src, size);
    if (end >= 0 && (size_t)end >= size)
        abort(); /* the closing brace must lie inside the text */
    size_t len = end >= 0 ? (size_t)end : size;

    char msg[256];
    size_t off = 0;
    expr *e = expr_parse_msg(src, len, msg, sizeof msg, &off);
    if (e) {
        buf b;
        buf_init(&b);
        graph_expr_text(&b, e);
        buf_cleanup(&b);
    } else if (off > len || !memchr(msg, '\0', sizeof msg)) {
        abort(); /* an error must point inside the text, with a message */
    }
    expr_free(e);

    diag *d = diag_new(sink, 0);
    if (!d)
        abort();
    e = expr_parse(src, len, (pos){1, 1}, size % 2, "fuzz.yaml", d);
    if (!e != (diag_errors(d) > 0))
        abort(); /* NULL exactly when one error was reported */
    expr_free(e);
    diag_free(d);
    free(src);
    return 0;
}
