/*
 * lambda_runtime.h — `HOST lambda`: the host as an AWS Lambda custom runtime
 * (lambda_runtime.c).
 */
#ifndef CAIRN_LAMBDA_RUNTIME_H
#define CAIRN_LAMBDA_RUNTIME_H

#include <stddef.h>

#include "cairn/workflow.h"

/*
 * argv[0] is "lambda", then an optional workflow name. Runs invocations until
 * the Runtime API stops answering; returns the exit code (1 then, 1 on a
 * broken start after POST /runtime/init/error, 2 on a usage error).
 */
int lambda_runtime_main(const char *prog, int argc, char **argv, const cairn_workflow *const *wfs,
                        size_t n);

#endif
