/*
 * args.h — the command-line option parser of every command: the host's and
 * the store commands (args_parse) and the `cairn` tool's check, gen and
 * graph (args_parse_files). The rules, the same for both:
 *   - a long option is "--" and a word of lowercase letters and dashes:
 *     `--db PATH`, `--db=PATH`, `--json`;
 *   - a short option is "-" and one character, declared as a one-character
 *     name: `-o DIR` (its value is the next argument; "-oDIR" is not it);
 *   - `-h` is `--help`; `--` ends the options (what follows is positional);
 *   - a value is never taken from a next argument that is itself an option:
 *     write --opt=--x for that;
 *   - positional arguments may come anywhere, before or after options.
 * The two differ only on an argument that starts with '-' and is none of the
 * above. args_parse takes it as positional: execution and callback ids are
 * base64url and may start with '-' or even "--". args_parse_files refuses it
 * as an unknown option (its positionals are file names; "-" alone stays
 * positional).
 */
#ifndef CAIRN_ARGS_H
#define CAIRN_ARGS_H

#include <stddef.h>

/*
 * One option. Exactly one of value / flag is set:
 *   value: the option takes a value; *value receives a borrowed argv string
 *          (the last one wins when given twice);
 *   flag:  the option is a switch; *flag becomes 1.
 */
typedef struct args_opt {
    const char *name; /* without the dashes: "db" for --db, "o" for -o */
    const char **value;
    int *flag;
    /* What the message says after the option when its value is missing:
     * "needs a directory" gives "-o needs a directory"; NULL: "needs a value". */
    const char *missing;
} args_opt;

/*
 * Parses argv[first..argc) against opts (terminated by an entry with name
 * NULL). Positional arguments are stored, borrowed, in pos (at most maxpos);
 * *npos receives their count. Returns 0, or -1 with a one-line message in
 * msg ("unknown option '--x'", "--db needs a value", "-o needs a directory"
 * (see missing), "--json takes no value", "unexpected argument 'y'").
 */
int args_parse(int argc, char **argv, int first, const args_opt *opts, const char **pos, int maxpos,
               int *npos, char *msg, size_t msglen);

/* The same, for commands whose positionals are files: an argument starting
 * with '-' that is no declared option fails ("unknown option '-x'"). */
int args_parse_files(int argc, char **argv, int first, const args_opt *opts, const char **pos,
                     int maxpos, int *npos, char *msg, size_t msglen);

#endif
