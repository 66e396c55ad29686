/*
 * serve.h — `HOST serve`: a worker plus the HTTP API of DESIGN §6
 * (libmicrohttpd): the Lambda callback routes, and start/status/history.
 */
#ifndef CAIRN_SERVE_H
#define CAIRN_SERVE_H

#include <stddef.h>

#include "cairn/workflow.h"

/*
 * argv[0] is "serve"; options --listen ADDR:PORT (default 127.0.0.1:8080),
 * --token-file F, --db PATH, --skip-time. Runs until SIGINT/SIGTERM; returns
 * the exit code (0 clean stop, 1 could not start, 2 usage).
 */
int serve_main(int argc, char **argv, const cairn_workflow *const *wfs, size_t n);

#endif
