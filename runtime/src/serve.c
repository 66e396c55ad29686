/*
 * serve.c — `HOST serve` (placeholder while the HTTP API is being built; the
 * callback issue replaces this file).
 */
#include "serve.h"

#include <stdio.h>

int serve_main(int argc, char **argv, const cairn_workflow *const *wfs, size_t n)
{
    (void)argc;
    (void)argv;
    (void)wfs;
    (void)n;
    fputs("serve: not built yet\n", stderr);
    return 2;
}
