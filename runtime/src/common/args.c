/*
 * args.c — the option parser of args.h. Owns nothing: every string it hands
 * back is borrowed from argv. Never prints and never exits; the caller
 * reports the message.
 */
#include "args.h"

#include <stdio.h>
#include <string.h>

static const args_opt *find(const args_opt *opts, const char *name, size_t len)
{
    for (; opts->name; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
            return opts;
    return NULL;
}

/*
 * Is a an option? Only "--word" or "--word=value", the word in [a-z-], and
 * "-h" (made "--help" above). Anything else is an argument: an execution id
 * is base64url and may start with '-' or even "--", but not with "--" then
 * only lowercase letters and dashes up to its end or an '='.
 */
static int is_option(const char *a)
{
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0' || a[2] == '=')
        return 0;
    for (a += 2; *a && *a != '='; a++)
        if (!((*a >= 'a' && *a <= 'z') || *a == '-'))
            return 0;
    return 1;
}

int args_parse(int argc, char **argv, int first, const args_opt *opts, const char **pos, int maxpos,
               int *npos, char *msg, size_t msglen)
{
    int only_pos = 0;
    *npos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && strcmp(a, "-h") == 0)
            a = "--help";
        if (only_pos || !is_option(a)) {
            if (*npos >= maxpos) {
                snprintf(msg, msglen, "unexpected argument '%s'", a);
                return -1;
            }
            pos[(*npos)++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const args_opt *o = find(opts, name, len);
        if (!o) {
            snprintf(msg, msglen, "unknown option '--%.*s'", (int)len, name);
            return -1;
        }
        if (o->flag) {
            if (eq) {
                snprintf(msg, msglen, "--%s takes no value", o->name);
                return -1;
            }
            *o->flag = 1;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc && !is_option(argv[i + 1])) {
            *o->value = argv[++i];
        } else {
            snprintf(msg, msglen, "--%s needs a value", o->name);
            return -1;
        }
    }
    return 0;
}
