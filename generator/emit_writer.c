/*
 * emit_writer.c — the emitter's code writer (emit_int.h): indented, laid-out
 * lines with `#line` directives back to the YAML, the fix-up pass that numbers
 * the `#line`s back to the generated file, and the text helpers for comments.
 *
 * Owns: where `#line` goes and how comment text is made safe. Never: knows
 * operations (emit.c, emit_data.c) or how values are spelled (emit_expr.c).
 */
#include "emit_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "layout.h"

/* Stands for "the number of the next line" in `#line` directives back to the
 * generated file, until w_fix_lines() knows the true numbers. */
#define LINE_HERE '\x01'

/* ---- text for comments ---- */

/* Text that is safe inside a C block comment on one line: no comment
 * delimiters, no trigraphs, no control characters. */
void w_comment(buf *out, const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        char next = s[i + 1];
        if ((c == '/' && next == '*') || (c == '*' && next == '/') || (c == '?' && next == '?')) {
            buf_addc(out, c);
            buf_addc(out, ' ');
        } else if ((unsigned char)c < 0x20 || c == 0x7f) {
            buf_addc(out, ' ');
        } else {
            buf_addc(out, c);
        }
    }
}

void w_duration(buf *out, int64_t ms)
{
    char text[32];
    buf_add(out, duration_format(ms, text, sizeof text));
}

/* ---- the code writer: indented lines, and #line directives ---- */

static void w_indent(writer *w, int indent)
{
    for (int i = 0; i < indent; i++)
        buf_add(w->out, "    ");
}

/* Back to the generated file's own numbering, if a #line left it. */
void w_back(writer *w)
{
    if (w->in_yaml && !w->no_line)
        buf_printf(w->out, "#line %c %s\n", LINE_HERE, w->cfile);
    w->in_yaml = 0;
}

/* Writes statement text at indent (levels of 4 columns), laid out; with a
 * `#line` before it when yaml_line > 0 and lines are on. */
void w_text(writer *w, int indent, int yaml_line, const char *text)
{
    buf lines;
    buf_init(&lines);
    size_t n = strlen(text);
    int col = w->base + 4 * indent;
    int flat = layout_flat(&lines, text, n, col, w->base) >= 0;
    if (!flat) {
        buf_reset(&lines);
        layout_deep(&lines, text, n, col, col, w->base);
        w_indent(w, indent);
        buf_add(w->out, "// clang-format off\n");
    }
    if (yaml_line > 0 && !w->no_line)
        buf_printf(w->out, "#line %d %s\n", yaml_line, w->yaml);
    w_indent(w, indent);
    buf_add(w->out, buf_str(&lines));
    buf_addc(w->out, '\n');
    if (!flat) {
        /* Back to the file's own numbering first: clang-format indents a
         * comment before a preprocessor line unlike one before code. */
        w_back(w);
        /* In the body an `if` or a `{` opens, as clang-format indents it. */
        w_indent(w, indent + (!strncmp(text, "if (", 4) || (n && text[n - 1] == '{')));
        buf_add(w->out, "// clang-format on\n");
    }
    if (!buf_ok(&lines))
        w->out->oom = 1;
    buf_cleanup(&lines);
}

/* A line of the generated file's own. */
void w_line(writer *w, int indent, const char *fmt, ...)
{
    w_back(w);
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof small) {
        w_text(w, indent, 0, small);
    } else if (n >= 0) {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            w->out->oom = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        w_text(w, indent, 0, big);
        free(big);
    }
}

/* A statement compiled from YAML line `line`: `#line` before it. */
void w_yaml(writer *w, int line, int indent, const char *text)
{
    w->in_yaml = 1;
    w_text(w, indent, line > 0 ? line : 1, text);
}

/* A blank line (always the generated file's own). */
void w_blank(writer *w)
{
    w_back(w);
    buf_addc(w->out, '\n');
}

/*
 * Replaces each `#line LINE_HERE` with the number of the line after it, now
 * that the whole text is known.
 */
void w_fix_lines(const char *in, buf *out)
{
    long line = 1;
    for (const char *p = in; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (n > 7 && !strncmp(p, "#line ", 6) && p[6] == LINE_HERE) {
            buf_printf(out, "#line %ld", line + 1);
            buf_addn(out, p + 7, n - 7);
        } else {
            buf_addn(out, p, n);
        }
        p += n;
        line++;
    }
}
