/*
 * layout.h — the clang-format layout emulator: the generated files pass
 * `clang-format --dry-run` with the project's .clang-format (LLVM, 4 spaces,
 * 100 columns) without running clang-format.
 */
#ifndef CAIRN_LAYOUT_H
#define CAIRN_LAYOUT_H

#include <stddef.h>

#include "buf.h"

#define LAYOUT_COLUMNS 100

/*
 * Appends s[0..n) to out laid out from column col (the current line holds col
 * characters already), breaking only the outermost group as clang-format
 * does; the template indents every line by base columns. Returns the column
 * after the text, or -1 when some line would not fit in LAYOUT_COLUMNS.
 */
int layout_flat(buf *out, const char *s, size_t n, int col, int base);

/*
 * The layout of a statement too deeply nested for layout_flat(): every group
 * that does not fit is broken, one indent deeper. ind: the indentation of the
 * current line. Returns the column after the text.
 */
int layout_deep(buf *out, const char *s, size_t n, int col, int ind, int base);

/*
 * Appends to out the whole file text in, with the finishing touches
 * clang-format would make: a long first-line comment reflowed, trailing
 * comments on consecutive lines aligned.
 */
void layout_tidy(const char *in, buf *out);

#endif
