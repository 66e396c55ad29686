/*
 * layout.c — the clang-format layout emulator (layout.h): long statements
 * broken as clang-format breaks them, and the finishing touches it would
 * make to a whole file.
 *
 * Owns: columns, breaks and comment alignment. Never: knows C beyond
 * brackets, literals, comments and operators, or what the text means.
 */
#include "layout.h"

#include <stdio.h>
#include <string.h>

/*
 * The generated files pass `clang-format --dry-run` with the project's
 * .clang-format (LLVM, 4 spaces, 100 columns). A statement that fits stays on
 * one line. One that does not is bin-packed at its outermost group, the way
 * clang-format breaks a call or a condition: the arguments (or the operands of
 * the lowest-precedence operator) fill each line up to column 100, the next
 * lines aligned after the opening bracket; a group holding a single call is
 * broken inside that call instead. When some piece would still not fit (an
 * expression nested deeply), clang-format's choice depends on its penalty
 * search, which the emitter does not imitate: the statement is then laid out
 * one level deeper by the same rule and marked `// clang-format off/on`.
 */

/* The offset just past the string or char literal, or comment, at s[i]. */
static size_t lay_skip(const char *s, size_t n, size_t i)
{
    if (s[i] == '"' || s[i] == '\'') {
        char q = s[i++];
        while (i < n && s[i] != q)
            i += s[i] == '\\' ? 2 : 1;
        return i < n ? i + 1 : n;
    }
    if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
        const char *end = strstr(s + i + 2, "*/");
        return end && (size_t)(end - s) + 2 <= n ? (size_t)(end - s) + 2 : n;
    }
    return i + 1;
}

/* The last non-empty bracketed group at depth 0 of s[0..n): a ( or { whose
 * matching closer is in s. 0 when there is none. */
static int lay_group(const char *s, size_t n, size_t *open, size_t *close)
{
    int depth = 0, found = 0;
    size_t at = 0;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == '(' || c == '{' || c == '[') {
            if (depth++ == 0)
                at = i;
        } else if (c == ')' || c == '}' || c == ']') {
            if (--depth == 0 && s[at] != '[' && i > at + 1) {
                *open = at;
                *close = i;
                found = 1;
            }
        }
        i = lay_skip(s, n, i);
    }
    return found;
}

/* The separators a group is split at, lowest precedence first. */
static const char *const lay_seps[] = {
    ", ", " || ", " && ", " == ", " != ", " <= ", " >= ", " < ", " > "};
static const int lay_prec[] = {0, 1, 2, 3, 3, 4, 4, 4, 4};

/* The separator at s[i] at depth 0, as an index in lay_seps, or -1. */
static int lay_sep_at(const char *s, size_t n, size_t i)
{
    for (size_t k = 0; k < sizeof lay_seps / sizeof lay_seps[0]; k++) {
        size_t len = strlen(lay_seps[k]);
        if (i + len <= n && !memcmp(s + i, lay_seps[k], len))
            return (int)k;
    }
    return -1;
}

/* Splits s[0..n) at its depth-0 separators of the lowest precedence: piece k
 * is s[at[k] .. at[k] + len[k]), its separator (but the space after it)
 * included. Returns the number of pieces (at most max). */
static size_t lay_pieces(const char *s, size_t n, size_t *at, size_t *len, size_t max)
{
    int low = 99;
    for (int pass = 0; pass < 2; pass++) {
        size_t np = 0, start = 0;
        int depth = 0;
        for (size_t i = 0; i < n;) {
            char c = s[i];
            if (c == '(' || c == '{' || c == '[')
                depth++;
            else if (c == ')' || c == '}' || c == ']')
                depth--;
            int k = depth == 0 && c != '"' && c != '\'' ? lay_sep_at(s, n, i) : -1;
            if (k >= 0 && pass == 0) {
                if (lay_prec[k] < low)
                    low = lay_prec[k];
            } else if (k >= 0 && lay_prec[k] == low && np + 1 < max) {
                size_t seplen = strlen(lay_seps[k]);
                at[np] = start;
                len[np++] = i + seplen - 1 - start; /* up to the separator's last char */
                start = i + seplen;
                i = start;
                continue;
            }
            i = lay_skip(s, n, i);
        }
        if (pass == 1) {
            at[np] = start;
            len[np++] = n - start;
            return np;
        }
    }
    return 0;
}

/*
 * Lays s[0..n) out from column col (the current line holds col characters
 * already) the way clang-format does when it only has to break the outermost
 * group: every line within LAYOUT_COLUMNS, or -1. The template indents every line by
 * base columns: a continuation line gets that many spaces fewer. Returns the
 * column after the text.
 */
int layout_flat(buf *out, const char *s, size_t n, int col, int base)
{
    size_t open, close;
    if (col + (int)n <= LAYOUT_COLUMNS || !lay_group(s, n, &open, &close)) {
        buf_addn(out, s, n);
        return col + (int)n <= LAYOUT_COLUMNS ? col + (int)n : -1;
    }
    buf_addn(out, s, open + 1);
    int align = col + (int)open + 1;
    /* The pieces of the group; the last one carries the closer and the rest. */
    size_t at[64], len[64];
    size_t np = lay_pieces(s + open + 1, close - open - 1, at, len, 64);
    len[np - 1] = n - (open + 1) - at[np - 1];
    if (np == 1)
        return layout_flat(out, s + open + 1 + at[0], len[0], align, base);
    int c = align;
    for (size_t k = 0; k < np; k++) {
        if (k && c + 1 + (int)len[k] > LAYOUT_COLUMNS) {
            buf_printf(out, "\n%*s", align - base, "");
            c = align;
        } else if (k) {
            buf_addc(out, ' ');
            c++;
        }
        if (c + (int)len[k] > LAYOUT_COLUMNS)
            return -1;
        buf_addn(out, s + open + 1 + at[k], len[k]);
        c += (int)len[k];
    }
    return c;
}

/*
 * The layout of a statement too deeply nested for layout_flat(): each group that does
 * not fit is broken, its pieces bin-packed on the next lines one indent
 * deeper than the line it opens on (after a short head like `if (` or `!(`,
 * aligned after the bracket instead); a piece that fits on no line is broken
 * the same way. ind: the indentation of the current line.
 */
int layout_deep(buf *out, const char *s, size_t n, int col, int ind, int base)
{
    size_t open, close;
    if (col + (int)n <= LAYOUT_COLUMNS || !lay_group(s, n, &open, &close)) {
        buf_addn(out, s, n);
        return col + (int)n;
    }
    buf_addn(out, s, open + 1);
    int short_head = open + 1 <= 4;
    int align = short_head ? col + (int)open + 1 : ind + 4;
    size_t at[64], len[64];
    size_t np = lay_pieces(s + open + 1, close - open - 1, at, len, 64);
    len[np - 1] = n - (open + 1) - at[np - 1];
    int c = col + (int)open + 1, broken = !short_head;
    for (size_t k = 0; k < np; k++) {
        const char *p = s + open + 1 + at[k];
        if (broken || (k && c + 1 + (int)len[k] > LAYOUT_COLUMNS)) {
            buf_printf(out, "\n%*s", align - base, "");
            c = align;
        } else if (k) {
            buf_addc(out, ' ');
            c++;
        }
        broken = c + (int)len[k] > LAYOUT_COLUMNS;
        c = layout_deep(out, p, len[k], c, align, base);
    }
    return c;
}

/*
 * The finishing touches clang-format would make to a whole file:
 * - a first line `/_* ... *_/` wider than 100 columns is reflowed: words fill
 *   each line up to column 100, the next lines starting ` * `;
 * - trailing comments on consecutive lines are aligned one column after the
 *   longest code among them (not in `// clang-format off` regions, not on
 *   preprocessor lines).
 */
static size_t trailing_comment(const char *line, size_t n)
{
    size_t code_end = 0;
    for (size_t i = 0; i < n;) {
        if (line[i] == '/' && i + 1 < n && (line[i + 1] == '*' || line[i + 1] == '/')) {
            size_t end = line[i + 1] == '/' ? n : lay_skip(line, n, i);
            return code_end > 0 && end == n ? i : 0;
        }
        if (line[i] != ' ')
            code_end = i + 1;
        i = lay_skip(line, n, i);
    }
    return 0;
}

void layout_tidy(const char *in, buf *out)
{
    const char *p = in;
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n > LAYOUT_COLUMNS && !strncmp(p, "/* ", 3) && n >= 2 && !strncmp(p + n - 2, "*/", 2)) {
        size_t col = 0;
        for (size_t i = 0; i < n;) {
            size_t w = i;
            while (w < n && p[w] != ' ')
                w++;
            if (i > 0 && col + 1 + (w - i) > LAYOUT_COLUMNS) {
                buf_add(out, "\n *");
                col = 2;
            }
            if (i > 0) {
                buf_addc(out, ' ');
                col++;
            }
            buf_addn(out, p + i, w - i);
            col += w - i;
            i = w < n ? w + 1 : n;
        }
        p += n;
    }
    int off = 0;
    while (*p) {
        /* A run of lines with trailing comments: [p, q). */
        const char *q = p;
        size_t width = 0, count = 0;
        while (*q && !off) {
            const char *e = strchr(q, '\n');
            size_t len = e ? (size_t)(e - q) : strlen(q);
            size_t c = q[0] == '#' ? 0 : trailing_comment(q, len);
            if (!c)
                break;
            size_t code = c;
            while (code > 0 && q[code - 1] == ' ')
                code--;
            if (code > width)
                width = code;
            count++;
            q += e ? len + 1 : len;
        }
        for (size_t k = 0; k < count; k++) {
            const char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            size_t c = trailing_comment(p, len), code = c;
            while (code > 0 && p[code - 1] == ' ')
                code--;
            buf_addn(out, p, code);
            buf_printf(out, "%*s", (int)(width + 1 - code), "");
            buf_addn(out, p + c, len - c);
            if (e)
                buf_addc(out, '\n');
            p += e ? len + 1 : len;
        }
        if (count)
            continue;
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        const char *t = p;
        while (*t == ' ')
            t++;
        if (!strncmp(t, "// clang-format off", 19))
            off = 1;
        else if (!strncmp(t, "// clang-format on", 18))
            off = 0;
        buf_addn(out, p, len);
        p += len;
    }
}
