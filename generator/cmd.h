/*
 * cmd.h — the subcommands of the `cairn` tool. Each takes the arguments after
 * the subcommand name (argv[0] is the subcommand) and returns the exit code:
 * 0 success, 1 the input was refused (diagnostics printed), 2 usage error.
 */
#ifndef CAIRN_CMD_H
#define CAIRN_CMD_H

int cmd_check(int argc, char **argv); /* check.c's front end: cairn check FILE... */
int cmd_gen(int argc, char **argv);   /* emit.c: cairn gen FILE... -o DIR */

#endif
