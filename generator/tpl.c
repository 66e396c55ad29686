/*
 * tpl.c — template filling (tpl.h): the header comment dropped, each
 * `@@NAME@@` insertion point replaced by its value.
 *
 * Owns: the template syntax. Never: reads a file (the loader or the embedded
 * table gives the text), knows what a value holds.
 */
#include "tpl.h"

#include <string.h>

const char *const tpl_names[] = {"workflow.c.in", "workflow.h.in", "main.c.in", NULL};

static const tpl_var *tpl_find(const tpl_var *vars, size_t nvars, const char *name, size_t len)
{
    for (size_t i = 0; i < nvars; i++)
        if (strlen(vars[i].name) == len && !strncmp(vars[i].name, name, len))
            return &vars[i];
    return NULL;
}

/* Length of the insertion point `@@NAME@@` at p, or 0. */
static size_t tpl_marker(const char *p)
{
    if (p[0] != '@' || p[1] != '@')
        return 0;
    size_t i = 2;
    while ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_')
        i++;
    return i > 2 && p[i] == '@' && p[i + 1] == '@' ? i + 2 : 0;
}

/*
 * Fills template text into out.
 *
 * The template's header comment — from a first line starting with `/ *%`
 * (no space) to the first line ending with `%* /` — is not copied. An
 * insertion point `@@NAME@@` alone on its line (but for indentation) is
 * replaced by vars' lines, each indented like the point (blank lines and
 * preprocessor lines stay at column 0); an empty value removes the line. One
 * inside other text is replaced by the value as it is. An unknown name is an
 * error at its place in the template.
 */
int tpl_fill(const char *where, const char *text, const tpl_var *vars, size_t nvars, buf *out,
             diag *d)
{
    const char *p = text;
    int line = 1;
    int ok = 1;

    if (!strncmp(p, "/*%", 3)) {
        for (;;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            int last = n >= 3 && !strncmp(p + n - 3, "%*/", 3);
            if (!nl) {
                if (!last) {
                    diag_report(d, DIAG_ERROR, DIAG_E_TEMPLATE, where, (pos){1, 1},
                                "the template's header comment does not end (a line ending "
                                "with %%*/)");
                    return -1;
                }
                p += n;
                break;
            }
            p = nl + 1;
            line++;
            if (last)
                break;
        }
    }

    for (; *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);

        /* A point alone on its line: a block. */
        size_t ind = 0;
        while (ind < n && (p[ind] == ' ' || p[ind] == '\t'))
            ind++;
        size_t m = tpl_marker(p + ind);
        size_t rest = ind + m;
        while (m && rest < n && (p[rest] == ' ' || p[rest] == '\t'))
            rest++;
        if (m && rest == n) {
            const tpl_var *v = tpl_find(vars, nvars, p + ind + 2, m - 4);
            if (!v) {
                diag_report(d, DIAG_ERROR, DIAG_E_TEMPLATE, where, (pos){line, (int)ind + 1},
                            "unknown insertion point %.*s", (int)m, p + ind);
                ok = 0;
            } else {
                for (const char *q = v->value; *q;) {
                    const char *qnl = strchr(q, '\n');
                    size_t qn = qnl ? (size_t)(qnl - q) : strlen(q);
                    if (qn > 0 && q[0] != '#')
                        buf_addn(out, p, ind);
                    buf_addn(out, q, qn);
                    buf_addc(out, '\n');
                    q += qnl ? qn + 1 : qn;
                }
            }
        } else {
            for (size_t i = 0; i < n;) {
                size_t mk = tpl_marker(p + i);
                if (!mk || i + mk > n) {
                    buf_addc(out, p[i]);
                    i++;
                    continue;
                }
                const tpl_var *v = tpl_find(vars, nvars, p + i + 2, mk - 4);
                if (!v) {
                    diag_report(d, DIAG_ERROR, DIAG_E_TEMPLATE, where, (pos){line, (int)i + 1},
                                "unknown insertion point %.*s", (int)mk, p + i);
                    ok = 0;
                } else {
                    buf_add(out, v->value);
                }
                i += mk;
            }
            if (nl)
                buf_addc(out, '\n');
        }
        p += nl ? n + 1 : n;
    }
    return ok ? 0 : -1;
}
