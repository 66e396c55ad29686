/*
 * cli_callback.c — `callback succeed|fail|heartbeat` (placeholder while the
 * callback runtime is being built; the callback issue replaces this file).
 */
#include "cli.h"

#include <stdio.h>

int cli_callback_command(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("callback: not built yet\n", stderr);
    return 2;
}
