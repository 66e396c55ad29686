/*
 * emit_expr.c — values and expressions of the model as C text (emit_expr.h):
 * string literals, numbers, constant JSON, and the cairn_x_* calls that
 * evaluate ${...} at run time.
 *
 * Owns: how a value or an expression is spelled in generated C. Never: lays
 * out lines (layout.c), knows operations or states (emit.c).
 */
#include "emit_expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ex_c_escape(buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            buf_add(out, "\\\"");
            break;
        case '\\':
            buf_add(out, "\\\\");
            break;
        case '\n':
            buf_add(out, "\\n");
            break;
        case '\t':
            buf_add(out, "\\t");
            break;
        case '\r':
            buf_add(out, "\\r");
            break;
        case '?':
            buf_add(out, i > 0 && s[i - 1] == '?' ? "\\?" : "?");
            break;
        default:
            if (c < 0x20 || c >= 0x7f)
                buf_printf(out, "\\%03o", c);
            else
                buf_addc(out, (char)c);
        }
    }
}

/* A whole C string literal, quotes included. */
void ex_c_string(buf *out, const char *s)
{
    buf_addc(out, '"');
    ex_c_escape(out, s, strlen(s));
    buf_addc(out, '"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back as d. */
void ex_double(buf *out, double d)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    buf_add(out, tmp);
}

/* Is s a JSON number that is also a C constant of type int or double? */
static int plain_number(const char *s)
{
    if (!s)
        return 0;
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    size_t int_digits = (size_t)(p - s);
    int integral = 1;
    if (*p == '.') {
        integral = 0;
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        integral = 0;
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    /* An integer literal must fit an int, or C would type it otherwise. */
    return *p == '\0' && (!integral || int_digits <= 9);
}

/* A number as written when that is plain JSON and C, else its value. */
static void ex_number(buf *out, const char *text, double num)
{
    if (plain_number(text))
        buf_add(out, text);
    else if (!isfinite(num))
        buf_add(out, "null"); /* callers test isfinite first; JSON has no inf */
    else {
        size_t start = out->len;
        ex_double(out, num);
        const char *t = buf_str(out) + start;
        if (!strpbrk(t, ".eEn") && strlen(t) > 9)
            buf_add(out, ".0"); /* a double constant, not an overflowing int */
    }
}

/* ------------------------------------------------------------------------ */
/* JSON text of constant values                                              */
/* ------------------------------------------------------------------------ */

static void json_string(buf *out, const char *s)
{
    buf_addc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_addc(out, '\\');
            buf_addc(out, (char)c);
        } else if (c == '\n') {
            buf_add(out, "\\n");
        } else if (c == '\t') {
            buf_add(out, "\\t");
        } else if (c < 0x20) {
            buf_printf(out, "\\u%04x", c);
        } else {
            buf_addc(out, (char)c);
        }
    }
    buf_addc(out, '"');
}

/* Compact JSON of a value without expressions, in document order. */
static void ex_json(buf *out, const val *v)
{
    switch (v->kind) {
    case V_BOOL:
        buf_add(out, v->b ? "true" : "false");
        break;
    case V_NUM:
        if (isfinite(v->num))
            ex_number(out, v->text, v->num);
        else
            buf_add(out, "null");
        break;
    case V_STR:
        json_string(out, v->text ? v->text : "");
        break;
    case V_MAP:
        buf_addc(out, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_addc(out, ',');
            json_string(out, v->keys[i]);
            buf_addc(out, ':');
            ex_json(out, v->items[i]);
        }
        buf_addc(out, '}');
        break;
    case V_LIST:
        buf_addc(out, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_addc(out, ',');
            ex_json(out, v->items[i]);
        }
        buf_addc(out, ']');
        break;
    default: /* V_NULL; expressions never reach here */
        buf_add(out, "null");
    }
}

/* ------------------------------------------------------------------------ */
/* Expressions and values as C expressions                                   */
/* ------------------------------------------------------------------------ */

static void ex_value(buf *out, const expr *e);

static void ex_path(buf *out, const expr *e, size_t nsegs)
{
    if (nsegs == 0) {
        buf_add(out, "cairn_x_var(x, ");
        ex_c_string(out, e->root ? e->root : "");
        buf_addc(out, ')');
        return;
    }
    const path_seg *s = &e->segs[nsegs - 1];
    buf_add(out, s->key ? "cairn_x_get(x, " : "cairn_x_at(x, ");
    ex_path(out, e, nsegs - 1);
    buf_add(out, ", ");
    if (s->key)
        ex_c_string(out, s->key);
    else
        buf_printf(out, "%ld", s->index);
    buf_addc(out, ')');
}

/* A JSON-valued C expression (const cJSON *). */
static void ex_value(buf *out, const expr *e)
{
    switch (e->kind) {
    case EX_NULL:
        buf_add(out, "cairn_x_null(x)");
        break;
    case EX_BOOL:
        buf_printf(out, "cairn_x_bool(x, %d)", e->b ? 1 : 0);
        break;
    case EX_NUM:
        if (isfinite(e->num)) {
            buf_add(out, "cairn_x_num(x, ");
            ex_number(out, e->str, e->num);
            buf_addc(out, ')');
        } else {
            buf_add(out, "cairn_x_null(x)");
        }
        break;
    case EX_STR:
        buf_add(out, "cairn_x_str(x, ");
        ex_c_string(out, e->str ? e->str : "");
        buf_addc(out, ')');
        break;
    case EX_PATH:
        ex_path(out, e, e->nsegs);
        break;
    case EX_ARITH: {
        static const char *const ar_names[] = {"CAIRN_ADD", "CAIRN_SUB", "CAIRN_MUL", "CAIRN_DIV",
                                               "CAIRN_MOD"};
        buf_add(out, "cairn_x_arith(x, ");
        ex_value(out, e->a);
        buf_printf(out, ", %s, ", ar_names[e->ar]);
        ex_value(out, e->bx);
        buf_addc(out, ')');
        break;
    }
    case EX_COALESCE:
        buf_add(out, "cairn_x_coalesce(x, ");
        ex_value(out, e->a);
        buf_add(out, ", ");
        ex_value(out, e->bx);
        buf_addc(out, ')');
        break;
    default: /* a boolean operator: its truth as a JSON boolean */
        buf_add(out, "cairn_x_bool(x, ");
        ex_cond(out, e);
        buf_addc(out, ')');
    }
}

/* An operand of && / ||: parenthesised when it is the other operator (which
 * -Wparentheses wants even where precedence would do). */
static void ex_operand(buf *out, const expr *e, expr_kind parent)
{
    int paren = (e->kind == EX_AND || e->kind == EX_OR) && e->kind != parent;
    if (paren)
        buf_addc(out, '(');
    ex_cond(out, e);
    if (paren)
        buf_addc(out, ')');
}

/* A C condition (int). */
void ex_cond(buf *out, const expr *e)
{
    static const char *const cmp_names[] = {"CAIRN_EQ", "CAIRN_NE", "CAIRN_LT",
                                            "CAIRN_LE", "CAIRN_GT", "CAIRN_GE"};
    switch (e->kind) {
    case EX_CMP:
        buf_add(out, "cairn_x_cmp(");
        ex_value(out, e->a);
        buf_printf(out, ", %s, ", cmp_names[e->cmp]);
        ex_value(out, e->bx);
        buf_addc(out, ')');
        break;
    case EX_AND:
    case EX_OR:
        ex_operand(out, e->a, e->kind);
        buf_add(out, e->kind == EX_AND ? " && " : " || ");
        ex_operand(out, e->bx, e->kind);
        break;
    case EX_NOT:
        buf_addc(out, '!');
        if (e->a->kind == EX_AND || e->a->kind == EX_OR) {
            buf_addc(out, '(');
            ex_cond(out, e->a);
            buf_addc(out, ')');
        } else {
            ex_cond(out, e->a);
        }
        break;
    default:
        buf_add(out, "cairn_x_truthy(");
        ex_value(out, e);
        buf_addc(out, ')');
    }
}

/* Does v hold an expression anywhere? */
int ex_holds_expr(const val *v)
{
    if (!v)
        return 0;
    if (v->kind == V_EXPR || v->kind == V_INTERP)
        return 1;
    if (v->kind == V_MAP || v->kind == V_LIST)
        for (size_t i = 0; i < v->n; i++)
            if (ex_holds_expr(v->items[i]))
                return 1;
    return 0;
}

/* A map or list with expressions needs statements (a builder function). */
int ex_needs_builder(const val *v)
{
    return v && (v->kind == V_MAP || v->kind == V_LIST) && ex_holds_expr(v);
}

/* A value as one C expression; v must not need a builder. */
void ex_val_inline(buf *out, const val *v)
{
    switch (v->kind) {
    case V_NULL:
        buf_add(out, "cairn_x_null(x)");
        break;
    case V_BOOL:
        buf_printf(out, "cairn_x_bool(x, %d)", v->b ? 1 : 0);
        break;
    case V_NUM:
        if (isfinite(v->num)) {
            buf_add(out, "cairn_x_num(x, ");
            ex_number(out, v->text, v->num);
            buf_addc(out, ')');
        } else {
            buf_add(out, "cairn_x_null(x)");
        }
        break;
    case V_STR:
        buf_add(out, "cairn_x_str(x, ");
        ex_c_string(out, v->text ? v->text : "");
        buf_addc(out, ')');
        break;
    case V_EXPR:
        ex_value(out, v->e);
        break;
    case V_INTERP:
        buf_add(out, "cairn_x_concat(x, (const cJSON *const[]){");
        for (size_t i = 0; i < v->nparts; i++) {
            if (v->parts[i].e) {
                ex_value(out, v->parts[i].e);
            } else {
                buf_add(out, "cairn_x_str(x, ");
                ex_c_string(out, v->parts[i].text ? v->parts[i].text : "");
                buf_addc(out, ')');
            }
            buf_add(out, ", ");
        }
        buf_add(out, "NULL})");
        break;
    case V_MAP:
    case V_LIST: {
        buf json;
        buf_init(&json);
        ex_json(&json, v);
        buf_add(out, "cairn_x_json(x, ");
        ex_c_string(out, buf_str(&json));
        buf_addc(out, ')');
        if (!buf_ok(&json))
            out->oom = 1;
        buf_cleanup(&json);
        break;
    }
    }
}
