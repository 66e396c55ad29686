/*
 * expr.c — the parser of ${...} expressions (expr.h): a hand-written lexer
 * and recursive descent into model.h's AST.
 *
 * Owns: the syntax of expressions and their error messages, each placed at
 * the column of the problem. It never resolves names (check.c does) and
 * never emits C (emit.c does).
 */
#include "expr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

typedef enum tok_kind {
    T_EOF,
    T_NUM,
    T_STR,
    T_NAME,
    T_LPAREN,
    T_RPAREN,
    T_LBRACK,
    T_RBRACK,
    T_DOT,
    T_NOT,
    T_AND,
    T_OR,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PERCENT,
    T_QQ,
    T_BAD /* an error was recorded by the lexer */
} tok_kind;

typedef struct tok {
    tok_kind kind;
    size_t off, len; /* where in src */
    char *str;       /* T_STR: the unescaped text (owned until taken) */
} tok;

typedef struct parser {
    const char *src; /* borrowed */
    size_t len, i;
    pos at;
    int exact;
    tok t; /* the current token */
    char msg[256];
    size_t err_off;
    int failed;
} parser;

static void fail(parser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(parser *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return; /* the first error is the one to show */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
    p->err_off = off;
    p->failed = 1;
}

static pos pos_at(const parser *p, size_t off)
{
    pos q = p->at;
    if (p->exact)
        q.col += (int)off;
    return q;
}

/* ---- lexer ---- */

static int is_name_start(int c)
{
    return isalpha(c) || c == '_';
}

static int is_name_char(int c)
{
    return isalnum(c) || c == '_';
}

/* Lexes a quoted string at p->i into t->str. */
static void lex_string(parser *p, tok *t)
{
    char q = p->src[p->i];
    size_t start = p->i++;
    char *out = malloc(p->len - start + 1);
    size_t n = 0;
    if (!out) {
        fail(p, start, "out of memory");
        t->kind = T_BAD;
        return;
    }
    while (p->i < p->len && p->src[p->i] != q) {
        char c = p->src[p->i++];
        if (c == '\\') {
            if (p->i >= p->len)
                break;
            char e = p->src[p->i++];
            switch (e) {
            case '\\':
            case '\'':
            case '"':
            case '/':
                c = e;
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            default:
                fail(p, p->i - 2,
                     "unknown escape '\\%c' in a string (use \\\\, \\', \\\", \\n, \\t, \\r)", e);
                free(out);
                t->kind = T_BAD;
                return;
            }
        }
        out[n++] = c;
    }
    if (p->i >= p->len) {
        fail(p, start, "unterminated string: expected a closing %c", q);
        free(out);
        t->kind = T_BAD;
        return;
    }
    p->i++; /* the closing quote */
    out[n] = '\0';
    t->kind = T_STR;
    t->str = out;
}

/* A number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static void lex_number(parser *p, tok *t)
{
    const char *s = p->src;
    size_t i = p->i, start = p->i;
    if (s[i] == '-')
        i++;
    if (i < p->len && s[i] == '0')
        i++;
    else
        while (i < p->len && isdigit((unsigned char)s[i]))
            i++;
    if (i < p->len && s[i] == '.') {
        i++;
        if (i >= p->len || !isdigit((unsigned char)s[i])) {
            fail(p, i, "expected a digit after '.' in a number");
            t->kind = T_BAD;
            return;
        }
        while (i < p->len && isdigit((unsigned char)s[i]))
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || !isdigit((unsigned char)s[i])) {
            fail(p, i, "expected a digit in the exponent of a number");
            t->kind = T_BAD;
            return;
        }
        while (i < p->len && isdigit((unsigned char)s[i]))
            i++;
    }
    if (i < p->len && (is_name_char((unsigned char)s[i]) || s[i] == '.')) {
        fail(p, start, "malformed number '%.*s'", (int)(i - start + 1), s + start);
        t->kind = T_BAD;
        return;
    }
    t->kind = T_NUM;
    p->i = i;
}

static void lex(parser *p)
{
    tok *t = &p->t;
    free(t->str);
    *t = (tok){0};
    while (p->i < p->len && isspace((unsigned char)p->src[p->i]))
        p->i++;
    t->off = p->i;
    if (p->i >= p->len) {
        t->kind = T_EOF;
        return;
    }
    const char *s = p->src + p->i;
    size_t rest = p->len - p->i;
    int c = (unsigned char)s[0];
    static const struct {
        const char *text;
        tok_kind kind;
    } ops[] = {{"==", T_EQ},    {"!=", T_NE},    {"<=", T_LE},    {">=", T_GE},   {"&&", T_AND},
               {"||", T_OR},    {"<", T_LT},     {">", T_GT},     {"!", T_NOT},   {"(", T_LPAREN},
               {")", T_RPAREN}, {"[", T_LBRACK}, {"]", T_RBRACK}, {".", T_DOT},   {"??", T_QQ},
               {"+", T_PLUS},   {"-", T_MINUS},  {"*", T_STAR},   {"/", T_SLASH}, {"%", T_PERCENT}};
    if (c == '\'' || c == '"') {
        lex_string(p, t);
    } else if (isdigit(c)) {
        lex_number(p, t);
    } else if (is_name_start(c)) {
        while (p->i < p->len && is_name_char((unsigned char)p->src[p->i]))
            p->i++;
        t->kind = T_NAME;
    } else {
        for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
            size_t n = strlen(ops[k].text);
            if (rest >= n && !memcmp(s, ops[k].text, n)) {
                t->kind = ops[k].kind;
                p->i += n;
                t->len = n;
                return;
            }
        }
        if (c == '=')
            fail(p, t->off, "'=' is not an operator: compare with '=='");
        else if (c == '&')
            fail(p, t->off, "'&' is not an operator: use '&&'");
        else if (c == '|')
            fail(p, t->off, "'|' is not an operator: use '||'");
        else if (c == '?')
            fail(p, t->off, "'?' is not an operator: use '?\?' for a default (a ?\? b)");
        else if (c >= 0x20 && c < 0x7f)
            fail(p, t->off, "unexpected character '%c'", c);
        else
            fail(p, t->off, "unexpected character (byte 0x%02x)", c);
        t->kind = T_BAD;
    }
    t->len = p->i - t->off;
}

/* ---- AST ---- */

void expr_free(expr *e)
{
    if (!e)
        return;
    expr_free(e->a);
    expr_free(e->bx);
    for (size_t i = 0; i < e->nsegs; i++)
        free(e->segs[i].key);
    free(e->segs);
    free(e->str);
    free(e->root);
    free(e);
}

static expr *node(parser *p, expr_kind k, size_t off)
{
    expr *e = calloc(1, sizeof *e);
    if (!e) {
        fail(p, off, "out of memory");
        return NULL;
    }
    e->kind = k;
    e->at = pos_at(p, off);
    return e;
}

static char *tok_text(const parser *p)
{
    char *s = malloc(p->t.len + 1);
    if (s) {
        memcpy(s, p->src + p->t.off, p->t.len);
        s[p->t.len] = '\0';
    }
    return s;
}

/* How a token reads in a message. */
static void describe(const parser *p, char *out, size_t cap)
{
    if (p->t.kind == T_EOF)
        snprintf(out, cap, "the end of the expression");
    else
        snprintf(out, cap, "'%.*s'", (int)(p->t.len > 40 ? 40 : p->t.len), p->src + p->t.off);
}

static expr *parse_or(parser *p);

static expr *parse_path(parser *p)
{
    expr *e = node(p, EX_PATH, p->t.off);
    if (!e)
        return NULL;
    e->root = tok_text(p);
    lex(p);
    for (;;) {
        if (p->t.kind != T_DOT && p->t.kind != T_LBRACK)
            return e;
        path_seg seg = {0};
        if (p->t.kind == T_DOT) {
            lex(p);
            if (p->t.kind != T_NAME) {
                char d[64];
                describe(p, d, sizeof d);
                fail(p, p->t.off, "expected a name after '.', found %s", d);
                goto fail;
            }
            seg.key = tok_text(p);
            lex(p);
        } else {
            lex(p);
            /* A copy: src is not NUL-terminated at len. */
            char *digits = p->t.kind == T_NUM ? tok_text(p) : NULL;
            if (!digits || strspn(digits, "0123456789") < p->t.len) {
                free(digits);
                char d[64];
                describe(p, d, sizeof d);
                fail(p, p->t.off, "expected a list index (0, 1, ...) after '[', found %s", d);
                goto fail;
            }
            seg.index = strtol(digits, NULL, 10);
            free(digits);
            lex(p);
            if (p->t.kind != T_RBRACK) {
                char d[64];
                describe(p, d, sizeof d);
                fail(p, p->t.off, "expected ']' after the index, found %s", d);
                goto fail;
            }
            lex(p);
        }
        path_seg *segs = realloc(e->segs, (e->nsegs + 1) * sizeof *segs);
        if (!segs) {
            free(seg.key);
            fail(p, p->t.off, "out of memory");
            goto fail;
        }
        e->segs = segs;
        e->segs[e->nsegs++] = seg;
    }
fail:
    expr_free(e);
    return NULL;
}

static expr *parse_primary(parser *p)
{
    tok *t = &p->t;
    expr *e = NULL;
    switch (t->kind) {
    case T_BAD:
        return NULL;
    case T_NUM:
        if (!(e = node(p, EX_NUM, t->off)))
            return NULL;
        e->str = tok_text(p);
        e->num = e->str ? strtod(e->str, NULL) : 0;
        lex(p);
        return e;
    case T_STR:
        if (!(e = node(p, EX_STR, t->off)))
            return NULL;
        e->str = t->str;
        t->str = NULL;
        lex(p);
        return e;
    case T_NAME:
        if (t->len == 4 && !memcmp(p->src + t->off, "true", 4)) {
            if ((e = node(p, EX_BOOL, t->off)))
                e->b = 1;
        } else if (t->len == 5 && !memcmp(p->src + t->off, "false", 5))
            e = node(p, EX_BOOL, t->off);
        else if (t->len == 4 && !memcmp(p->src + t->off, "null", 4))
            e = node(p, EX_NULL, t->off);
        else
            return parse_path(p);
        if (e)
            lex(p);
        return e;
    case T_LPAREN: {
        size_t open = t->off;
        lex(p);
        e = parse_or(p);
        if (!e)
            return NULL;
        if (t->kind != T_RPAREN) {
            char d[64];
            describe(p, d, sizeof d);
            fail(p, t->off, "expected ')' to close the '(' at column %d, found %s",
                 pos_at(p, open).col, d);
            expr_free(e);
            return NULL;
        }
        lex(p);
        return e;
    }
    default: {
        char d[64];
        describe(p, d, sizeof d);
        fail(p, t->off,
             "expected a value (a path, a number, a string, true, false, null or '('), found %s",
             d);
        return NULL;
    }
    }
}

static expr *parse_unary(parser *p)
{
    if (p->t.kind == T_MINUS) {
        size_t off = p->t.off;
        lex(p);
        if (p->t.kind == T_NUM) { /* a negative literal, kept as written */
            expr *e = node(p, EX_NUM, off);
            char *digits = tok_text(p);
            if (e && digits && (e->str = malloc(strlen(digits) + 2))) {
                snprintf(e->str, strlen(digits) + 2, "-%s", digits);
                e->num = -strtod(digits, NULL);
            } else if (e) {
                fail(p, off, "out of memory");
            }
            free(digits);
            lex(p);
            if (p->failed) {
                expr_free(e);
                return NULL;
            }
            return e;
        }
        /* -x is 0 - x */
        expr *e = node(p, EX_ARITH, off), *zero = node(p, EX_NUM, off);
        if (!e || !zero || !(zero->str = malloc(2))) {
            expr_free(e);
            expr_free(zero);
            return NULL;
        }
        memcpy(zero->str, "0", 2);
        e->ar = AR_SUB;
        e->a = zero;
        if (!(e->bx = parse_unary(p))) {
            expr_free(e);
            return NULL;
        }
        return e;
    }
    if (p->t.kind != T_NOT)
        return parse_primary(p);
    expr *e = node(p, EX_NOT, p->t.off);
    if (!e)
        return NULL;
    lex(p);
    if (!(e->a = parse_unary(p))) {
        expr_free(e);
        return NULL;
    }
    return e;
}

/*
 * The node of the binary operator at the current token, of kind k: left
 * operand a, the operator consumed, right operand parsed by rhs. NULL on
 * failure, a freed.
 */
static expr *binary(parser *p, expr_kind k, expr *a, expr *(*rhs)(parser *))
{
    expr *e = node(p, k, p->t.off);
    if (!e) {
        expr_free(a);
        return NULL;
    }
    e->a = a;
    e->at = a->at;
    lex(p);
    if (!(e->bx = rhs(p))) {
        expr_free(e);
        return NULL;
    }
    return e;
}

static int arith_of(tok_kind k, int level, expr_arith *ar)
{
    static const struct {
        tok_kind t;
        int level; /* 0: + -, 1: * / % */
        expr_arith ar;
    } ops[] = {{T_PLUS, 0, AR_ADD},
               {T_MINUS, 0, AR_SUB},
               {T_STAR, 1, AR_MUL},
               {T_SLASH, 1, AR_DIV},
               {T_PERCENT, 1, AR_MOD}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].t == k && ops[i].level == level) {
            *ar = ops[i].ar;
            return 1;
        }
    return 0;
}

static expr *parse_arith(parser *p, int level);

/* prod := unary (('*'|'/'|'%') unary)* */
static expr *parse_prod(parser *p)
{
    return parse_arith(p, 1);
}

/* level 1: a product; level 0: sum := prod (('+'|'-') prod)*. */
static expr *parse_arith(parser *p, int level)
{
    expr *(*operand)(parser *) = level ? parse_unary : parse_prod;
    expr *a = operand(p);
    expr_arith ar;
    while (a && arith_of(p->t.kind, level, &ar)) {
        if (!(a = binary(p, EX_ARITH, a, operand)))
            return NULL;
        a->ar = ar;
    }
    return a;
}

/* dflt := sum ('??' dflt)? */
static expr *parse_default(parser *p)
{
    expr *a = parse_arith(p, 0);
    if (!a || p->t.kind != T_QQ)
        return a;
    return binary(p, EX_COALESCE, a, parse_default);
}

static int cmp_of(tok_kind k, expr_cmp *c)
{
    switch (k) {
    case T_EQ:
        *c = CMP_EQ;
        return 1;
    case T_NE:
        *c = CMP_NE;
        return 1;
    case T_LT:
        *c = CMP_LT;
        return 1;
    case T_LE:
        *c = CMP_LE;
        return 1;
    case T_GT:
        *c = CMP_GT;
        return 1;
    case T_GE:
        *c = CMP_GE;
        return 1;
    default:
        return 0;
    }
}

static expr *parse_cmp(parser *p)
{
    expr *a = parse_default(p);
    expr_cmp c;
    if (!a || !cmp_of(p->t.kind, &c))
        return a;
    expr *e = binary(p, EX_CMP, a, parse_default);
    if (!e)
        return NULL;
    e->cmp = c;
    if (cmp_of(p->t.kind, &c)) {
        fail(p, p->t.off,
             "comparisons do not chain: '%.*s' cannot follow a comparison; add parentheses or '&&'",
             (int)p->t.len, p->src + p->t.off);
        expr_free(e);
        return NULL;
    }
    return e;
}

static expr *parse_binary(parser *p, int is_or);

/* and := cmp ('&&' cmp)* */
static expr *parse_and(parser *p)
{
    return parse_binary(p, 0);
}

/* is_or: or := and ('||' and)*; else an and. */
static expr *parse_binary(parser *p, int is_or)
{
    expr *(*operand)(parser *) = is_or ? parse_and : parse_cmp;
    expr *a = operand(p);
    while (a && p->t.kind == (is_or ? T_OR : T_AND))
        a = binary(p, is_or ? EX_OR : EX_AND, a, operand);
    return a;
}

static expr *parse_or(parser *p)
{
    return parse_binary(p, 1);
}

static expr *parse_all(parser *p)
{
    lex(p);
    if (p->t.kind == T_EOF) {
        fail(p, 0, "empty expression: write a path or a value inside ${ }");
        return NULL;
    }
    expr *e = parse_or(p);
    if (e && p->t.kind != T_EOF) {
        char d[64];
        describe(p, d, sizeof d);
        fail(p, p->t.off, "unexpected %s after the expression (missing '&&' or '||'?)", d);
        expr_free(e);
        e = NULL;
    }
    free(p->t.str);
    p->t.str = NULL;
    if (p->failed) {
        expr_free(e);
        return NULL;
    }
    return e;
}

expr *expr_parse_msg(const char *src, size_t len, char *msg, size_t msglen, size_t *err_off)
{
    parser p = {.src = src, .len = len, .at = {1, 1}, .exact = 1};
    expr *e = parse_all(&p);
    if (!e) {
        if (msg && msglen)
            snprintf(msg, msglen, "%s", p.msg);
        if (err_off)
            *err_off = p.err_off;
    }
    return e;
}

expr *expr_parse(const char *src, size_t len, pos at, int exact, const char *file, diag *d)
{
    parser p = {.src = src, .len = len, .at = at, .exact = exact};
    expr *e = parse_all(&p);
    if (!e)
        diag_report(d, DIAG_ERROR, DIAG_E_EXPR, file, pos_at(&p, p.err_off), "%s", p.msg);
    return e;
}

long expr_find_end(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '}')
            return (long)i;
        if (c == '\'' || c == '"') {
            for (i++; i < len && s[i] != c; i++)
                if (s[i] == '\\')
                    i++;
            if (i >= len)
                return -1;
        }
    }
    return -1;
}
