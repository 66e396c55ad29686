/*
 * emit_int.h — private to the emitter (emit.c, emit_data.c, emit_writer.c):
 * the state of one workflow's emission and the code writer they share.
 */
#ifndef CAIRN_EMIT_INT_H
#define CAIRN_EMIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "emit.h"
#include "model.h"

/* ---- the code writer (emit_writer.c) ---- */

typedef struct writer {
    buf *out; /* borrowed */
    int no_line;
    const char *yaml;  /* `"basic.yaml"`, a C literal (borrowed) */
    const char *cfile; /* `"basic.c"` */
    int in_yaml;       /* the last #line pointed into the YAML */
    int base;          /* columns the template indents this text by */
} writer;

/* Writes statement text at indent (levels of 4 columns), laid out; with a
 * `#line` before it when yaml_line > 0 and lines are on. */
void w_text(writer *w, int indent, int yaml_line, const char *text);

/* A line of the generated file's own. */
void w_line(writer *w, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A statement compiled from YAML line `line`: `#line` before it. */
void w_yaml(writer *w, int line, int indent, const char *text);

/* A blank line (always the generated file's own). */
void w_blank(writer *w);

/* Back to the generated file's own numbering, if a #line left it. */
void w_back(writer *w);

/* Copies in to out with each `#line` back to the generated file numbered,
 * now that the whole text is known. */
void w_fix_lines(const char *in, buf *out);

/* Text that is safe inside a C block comment on one line. */
void w_comment(buf *out, const char *s);

/* A duration as the language writes it (duration_format): 5400000 -> "1h30m". */
void w_duration(buf *out, int64_t ms);

/* ---- one workflow's emission (emit.c) ---- */

/*
 * One list of operations and the state machine made of it: the workflow's
 * (NAME_run), a parallel's branch (NAME_branch_ID_K) or a map's or group's
 * body (NAME_body_ID). Its operations are all[first .. first + nops).
 */
typedef struct emit_list {
    const op *ops;
    size_t nops;
    size_t first;
    const val *output; /* what it ends with by default (NULL: the last `as`) */
    long owner;        /* the index in all of its parallel, map or group; -1: the workflow's */
    size_t branch;     /* which branch of the owner */
    char *fn;          /* its function (owned) */
    char *end_state;   /* its last state (owned) */
    char *output_fn;   /* the builder of output, when it needs one (owned) */
} emit_list;

typedef struct emitter {
    const workflow *wf;
    const emit_opts *o;
    const op **all; /* every operation, list by list (the workflow's first); owned array */
    size_t nall;
    size_t *list_of;    /* per operation: its list */
    emit_list *lists;   /* owned */
    size_t nlists;
    char **ids;    /* owned: per op, its unique lower-case C identifier part */
    char **states; /* owned: per op, its enum constant */
    char *upper; /* NAME in upper case */
    buf yaml_lit, cfile_lit;
} emitter;

static inline writer emitter_writer(emitter *e, buf *out)
{
    return (writer){.out = out,
                    .no_line = e->o && e->o->no_line,
                    .yaml = buf_str(&e->yaml_lit),
                    .cfile = buf_str(&e->cfile_lit)};
}

/* The list of branch k of operation i (a parallel, map or group). */
size_t emit_list_of(const emitter *e, size_t i, size_t k);

/* ---- the data of each operation (emit_data.c) ---- */

/*
 * The request of an http call, {method, url, headers, body}, as one value to
 * build: a map whose items borrow the spec's values. The method defaults to
 * GET, or POST when there is a body; absent headers and body are left out.
 * Lives on the caller's stack; nothing in it is freed.
 */
typedef struct emit_http_req {
    val map;
    val method; /* the default method, when the YAML has none */
    char *keys[4];
    val *items[4];
} emit_http_req;

void emit_http_req_init(emit_http_req *r, const run_spec *run);

/* "step reserve, basic.yaml:17" for comments. */
void emit_op_title(buf *out, const emitter *e, const op *op);

/* A static function fn that builds v (a map or list holding expressions). */
void emit_builder(emitter *e, buf *out, const char *fn, const val *v);

/* The C expression for value v at a use site: NULL when absent, a call of
 * its builder function fn when it needs one, else inline. */
void emit_val_ref(buf *out, const val *v, const char *fn);

/* Builder function names: NAME_<what>_<id>. */
void emit_fn_name(buf *out, const emitter *e, const char *what, size_t i);

/* Descriptors and builder functions of op i (the OPERATIONS point). */
void emit_op_data(emitter *e, buf *out, size_t i);

#endif
