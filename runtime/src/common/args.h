/*
 * args.h — a small command-line option parser for the host and store
 * commands: long options (`--db PATH`, `--db=PATH`, `--json`), `-h` as
 * `--help`, `--` ending the options, and positional arguments anywhere.
 * An option is "--" and a word of lowercase letters and dashes; any other
 * argument is positional, even one starting with '-' (execution ids are
 * base64url and may start with '-' or "--").
 */
#ifndef CAIRN_ARGS_H
#define CAIRN_ARGS_H

#include <stddef.h>

/*
 * One option. Exactly one of value / flag is set:
 *   value: the option takes a value; *value receives a borrowed argv string
 *          (the last one wins when given twice; a next argument that is
 *          an option is not taken as a value: write --opt=--x for that);
 *   flag:  the option is a switch; *flag becomes 1.
 */
typedef struct args_opt {
    const char *name; /* without the dashes: "db" for --db */
    const char **value;
    int *flag;
} args_opt;

/*
 * Parses argv[first..argc) against opts (terminated by an entry with name
 * NULL). Positional arguments are stored, borrowed, in pos (at most maxpos);
 * *npos receives their count. Returns 0, or -1 with a one-line message in
 * msg ("unknown option '--x'", "--db needs a value", "unexpected argument
 * 'y'").
 */
int args_parse(int argc, char **argv, int first, const args_opt *opts, const char **pos, int maxpos,
               int *npos, char *msg, size_t msglen);

#endif
