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
 * Is a a long option? Only "--word" or "--word=value", the word in [a-z-].
 * Anything else is not: an execution id is base64url and may start with '-'
 * or even "--", but not with "--" then only lowercase letters and dashes up
 * to its end or an '='.
 */
static int is_long(const char *a)
{
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0' || a[2] == '=')
        return 0;
    for (a += 2; *a && *a != '='; a++)
        if (!((*a >= 'a' && *a <= 'z') || *a == '-'))
            return 0;
    return 1;
}

/* Is a a declared short option ("-o")? ("-h" is made "--help" before.) */
static int is_short(const args_opt *opts, const char *a)
{
    if (a[0] != '-' || a[1] == '\0' || a[1] == '-' || a[2] != '\0')
        return 0;
    return find(opts, a + 1, 1) != NULL;
}

/* Sets o from argv[*i] (its "=value" part eq, or NULL): its flag, or its value. */
static int take(const args_opt *o, const char *dashes, const char *eq, int argc, char **argv,
                int *i, const args_opt *opts, char *msg, size_t msglen)
{
    if (o->flag) {
        if (eq) {
            snprintf(msg, msglen, "%s%s takes no value", dashes, o->name);
            return -1;
        }
        *o->flag = 1;
    } else if (eq) {
        *o->value = eq + 1;
    } else if (*i + 1 < argc && !is_long(argv[*i + 1]) && !is_short(opts, argv[*i + 1])) {
        *o->value = argv[++*i];
    } else {
        snprintf(msg, msglen, "%s%s %s", dashes, o->name,
                 o->missing ? o->missing : "needs a value");
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, int first, const args_opt *opts, const char **pos,
                 int maxpos, int *npos, char *msg, size_t msglen, int files)
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
        if (!only_pos && is_short(opts, a)) {
            if (take(find(opts, a + 1, 1), "-", NULL, argc, argv, &i, opts, msg, msglen) != 0)
                return -1;
            continue;
        }
        if (!only_pos && files && a[0] == '-' && a[1] != '\0' && !is_long(a)) {
            snprintf(msg, msglen, "unknown option '%s'", a);
            return -1;
        }
        if (only_pos || !is_long(a)) {
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
        const args_opt *o = len > 1 ? find(opts, name, len) : NULL;
        if (!o) {
            snprintf(msg, msglen, "unknown option '--%.*s'", (int)len, name);
            return -1;
        }
        if (take(o, "--", eq, argc, argv, &i, opts, msg, msglen) != 0)
            return -1;
    }
    return 0;
}

int args_parse(int argc, char **argv, int first, const args_opt *opts, const char **pos, int maxpos,
               int *npos, char *msg, size_t msglen)
{
    return parse(argc, argv, first, opts, pos, maxpos, npos, msg, msglen, 0);
}

int args_parse_files(int argc, char **argv, int first, const args_opt *opts, const char **pos,
                     int maxpos, int *npos, char *msg, size_t msglen)
{
    return parse(argc, argv, first, opts, pos, maxpos, npos, msg, msglen, 1);
}
