/*
 * model.h — the typed model of one workflow: what the loader and checker
 * produce (model.c, check.c) and what the emitter and the grapher consume
 * (emit.c). Everything here is owned by the workflow and freed by
 * model_free(). Positions are 1-based YAML line and column.
 */
#ifndef CAIRN_MODEL_H
#define CAIRN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"  /* pos */
#include "kinds.h" /* the kinds and their names */

/* ---- expressions: the AST of one ${...} ---- */

typedef enum expr_kind {
    EX_NULL,
    EX_BOOL,    /* b */
    EX_NUM,     /* num, and its source text in str (emitted as written) */
    EX_STR,     /* str (unescaped) */
    EX_PATH,    /* root, segs */
    EX_NOT,     /* a */
    EX_AND,     /* a, b */
    EX_OR,      /* a, b */
    EX_CMP,     /* a, cmp, b */
    EX_ARITH,   /* a, ar, b: + - * / % (unary minus is 0 - a) */
    EX_COALESCE /* a, b: a ?? b */
} expr_kind;

typedef enum expr_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } expr_cmp;

/* In the order of cairn_arith (cairn/workflow.h). */
typedef enum expr_arith { AR_ADD, AR_SUB, AR_MUL, AR_DIV, AR_MOD } expr_arith;

typedef struct path_seg {
    char *key;  /* member name, or NULL for an index */
    long index; /* when key is NULL */
} path_seg;

typedef struct expr {
    expr_kind kind;
    pos at; /* where this node starts in the YAML */
    int b;
    double num;
    char *str;
    char *root; /* EX_PATH: "input", "execution", or an `as` name */
    path_seg *segs;
    size_t nsegs;
    expr_cmp cmp;
    expr_arith ar;
    struct expr *a, *bx; /* operands (bx: right-hand side) */
} expr;

/* ---- values: a YAML subtree that may hold expressions ---- */

typedef enum val_kind {
    V_NULL,
    V_BOOL,   /* b */
    V_NUM,    /* num, text: the YAML scalar as written */
    V_STR,    /* text: a plain string, no ${} */
    V_EXPR,   /* e: the scalar is exactly one ${...}: any JSON value */
    V_INTERP, /* parts: text around expressions, always a string */
    V_MAP,    /* keys[i] -> items[i], in document order */
    V_LIST    /* items */
} val_kind;

typedef struct interp_part {
    char *text; /* literal text, or NULL when e is set */
    expr *e;
} interp_part;

typedef struct val {
    val_kind kind;
    pos at;
    int b;
    double num;
    char *text;
    expr *e;
    interp_part *parts;
    size_t nparts;
    char **keys;
    struct val **items;
    size_t n;
    int has_expr; /* any expression in this subtree (else it is constant JSON) */
} val;

/* ---- operations ---- */

/* The operation kinds are common/kinds.h's, which holds their names. */
typedef enum op_kind {
    OP_STEP = KIND_STEP,
    OP_WAIT = KIND_WAIT,
    OP_CALLBACK = KIND_CALLBACK,
    OP_AWAIT = KIND_AWAIT,
    OP_WAIT_FOR_CALLBACK = KIND_WAIT_FOR_CALLBACK,
    OP_CHOICE = KIND_CHOICE,
    OP_SUCCEED = KIND_SUCCEED,
    OP_FAIL = KIND_FAIL,
    OP_GOTO = KIND_GOTO,         /* name and else_go: the target; not journaled */
    OP_PARALLEL = KIND_PARALLEL, /* branches */
    OP_MAP = KIND_MAP,           /* items, item_as, one branch: the body */
    OP_GROUP = KIND_GROUP,       /* one branch: the body */
    OP_WAIT_FOR_CONDITION =
        KIND_WAIT_FOR_CONDITION, /* run (the check), with, initial, cond, retry */
    OP_INVOKE = KIND_INVOKE      /* workflow, input, timeout_ms */
} op_kind;

/* The YAML kind key of each op_kind ("step", "wait_for_callback", ...): kind_name(). */
const char *model_kind_name(op_kind k);

typedef enum jitter_kind { JITTER_FULL, JITTER_HALF, JITTER_NONE } jitter_kind;

typedef struct retry_spec {
    int given;        /* `retry:` was written here (or in defaults) */
    int none;         /* `retry: none` */
    int max_attempts; /* resolved: defaults and the AWS default fill the gaps */
    int64_t initial_ms, max_ms;
    double rate;
    jitter_kind jitter;
    char **on; /* error types, NULL when every error retries */
    size_t non;
    pos at;
} retry_spec;

typedef struct status_range {
    int lo, hi; /* inclusive, e.g. 200-299 */
} status_range;

typedef struct http_spec {
    val *method;        /* NULL: "GET" (POST when there is a body) */
    val *url;           /* required */
    val *headers;       /* V_MAP or NULL */
    val *body;          /* any value or NULL */
    int64_t timeout_ms; /* 0: the runtime default */
    status_range *ok;   /* NULL: 200-299 */
    size_t nok;
} http_spec;

typedef enum run_kind { RUN_NONE, RUN_LUA, RUN_C, RUN_HTTP } run_kind;

typedef struct run_spec {
    run_kind kind;
    char *fn; /* RUN_LUA: the Lua function; RUN_C: the C symbol */
    http_spec http;
    pos at;
} run_spec;

typedef struct catch_spec {
    char **errors;
    size_t nerrors;
    char *go;   /* target operation name */
    int target; /* its index in workflow.ops, resolved by the checker */
    char *as;   /* NULL when absent */
    pos at;
    pos go_at;     /* the goto value */
    pos errors_at; /* the errors value */
} catch_spec;

typedef struct choice_when {
    expr *cond;
    char *go;
    int target;
    pos at;
    pos go_at; /* the goto value */
} choice_when;

struct op;

/*
 * A list of operations with its own scope: a parallel's branch, a map's or a
 * group's body. Names inside are visible inside only; gotos stay inside.
 */
typedef struct seq {
    char *name; /* a branch's name (NULL: parallel-branch-<i>); NULL for a body */
    pos at;     /* the branch's mapping, or the body's `steps` */
    struct op *ops;
    size_t nops;
    val *output; /* NULL: the last `as` value inside */
} seq;

typedef struct op {
    op_kind kind;
    char *name;
    pos at;      /* the list item */
    pos name_at; /* the name scalar */

    run_spec run;       /* OP_STEP */
    run_spec submitter; /* OP_WAIT_FOR_CALLBACK */
    val *with;          /* NULL when absent */
    retry_spec retry;   /* resolved for steps and submitters */
    int at_most_once;
    char *as;
    catch_spec *catches;
    size_t ncatches;

    int64_t for_ms; /* OP_WAIT: `for` (ms), or -1 when `until` is used */
    val *until;
    val *initial; /* OP_WAIT_FOR_CONDITION: the first state (NULL: null) */
    expr *cond;   /* OP_WAIT_FOR_CONDITION: `until`, of `state` */

    int64_t timeout_ms, heartbeat_ms; /* callbacks; 0 when absent */
    pos timeout_at, heartbeat_at;     /* their values */
    int result_text;                  /* result: text */
    run_spec result_hook;             /* result: {lua|c}: decodes the raw payload; RUN_NONE: none */
    run_spec encode, decode;          /* OP_STEP serdes: {lua|c} each; RUN_NONE: JSON */
    char *await_of;                   /* OP_AWAIT: the callback's name */
    int await_target;                 /* its index in the same list, or -1 */
    const struct op *await_cb;        /* the callback (here or in an enclosing list): checker */

    choice_when *whens; /* OP_CHOICE; OP_GOTO has only else_go */
    size_t nwhens;
    char *else_go; /* NULL: fall through to the next operation */
    int else_target;
    pos else_at; /* the else value */

    val *output; /* OP_SUCCEED: its own output, or NULL */

    seq *branches; /* OP_PARALLEL: each branch; OP_MAP, OP_GROUP: one, the body */
    size_t nbranches;
    val *items;          /* OP_MAP: an expression yielding an array */
    char *item_as;       /* OP_MAP: the item's name inside (NULL: item) */
    int max_concurrency; /* OP_PARALLEL, OP_MAP: 0: all at once */
    unsigned complete;   /* which of the three below were given (COMPLETE_*) */
    int min_successful, tolerated_failures;
    double tolerated_percent;

    char *workflow; /* OP_INVOKE: the workflow it starts (a name), input its input */
    pos workflow_at;
    val *input;

    char *err_type; /* OP_FAIL */
    val *err_message;
    val *err_data;

    int reachable; /* set by the checker */
} op;

enum { COMPLETE_MIN = 1, COMPLETE_FAILURES = 2, COMPLETE_PERCENT = 4 };

typedef struct workflow {
    char *path; /* the YAML path as given */
    char *name;
    int version;       /* 0: none */
    char *description; /* NULL when absent */
    int64_t timeout_ms;
    pos timeout_at;          /* the timeout value */
    char *input_schema_json; /* `input:` as compact JSON text, or NULL */
    char *hooks;             /* `hooks:` as written, or NULL */
    char *hooks_path;        /* resolved relative to the YAML */
    char *hooks_source;      /* its text, read by the loader; NULL when unreadable */
    size_t hooks_len;
    int hooks_errno; /* why hooks_source is NULL (the checker reports it) */
    retry_spec default_retry;
    val *output;
    op *ops;
    size_t nops;
    char sha256[65]; /* hex of sha256(canonical YAML tree || hooks bytes): load.c */
} workflow;

struct yml_node;

/*
 * Builds the model from the YAML tree (root borrowed). Returns the model
 * (caller frees with model_free) even when errors were reported, so the
 * checker can report more; NULL only when root is not a mapping or memory
 * runs out. path is copied into wf->path.
 */
workflow *model_build(const struct yml_node *root, const char *path, diag *d);

void model_free(workflow *wf);

#endif
