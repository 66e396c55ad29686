/*
 * The C hooks of crash.yaml. Each call appends "operation attempt execution"
 * to the file named by $CAIRN_E2E_SIDE (one write, O_APPEND) before it
 * sleeps $CAIRN_E2E_SLEEP_MS (default 5) milliseconds, so a SIGKILL often
 * lands inside a step. The result depends only on the input, never on the attempt.
 */
#include "crash.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void record(cairn_call *call)
{
    const char *side = getenv("CAIRN_E2E_SIDE");
    if (side && *side) {
        char line[128];
        int n = snprintf(line, sizeof line, "%s %d %s\n", cairn_call_operation(call),
                         cairn_call_attempt(call), cairn_call_execution_id(call));
        int fd = open(side, O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd >= 0) {
            if (write(fd, line, (size_t)n) != n)
                perror("crash hook: write");
            close(fd);
        }
    }
    const char *ms = getenv("CAIRN_E2E_SLEEP_MS");
    long d = ms ? atol(ms) : 5;
    struct timespec ts = {d / 1000, (d % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int next(cairn_call *call, const cJSON *args)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(args, "x");
    if (!cJSON_IsNumber(x))
        return cairn_call_fail(call, "Crash.Invalid", "x is not a number", NULL);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "x", x->valuedouble + 1);
    return cairn_call_return(call, out);
}

int crash_op(cairn_call *call, const cJSON *args)
{
    record(call);
    return next(call, args);
}

/* Fails its first two attempts with Crash.Busy. */
int crash_flaky(cairn_call *call, const cJSON *args)
{
    record(call);
    if (cairn_call_attempt(call) < 3)
        return cairn_call_fail(call, "Crash.Busy", "busy, try again", NULL);
    return next(call, args);
}
