/*
 * hooks.c — the C hooks of the reliability workflows (torture.yaml,
 * relay.yaml). Each call appends one line "OPERATION EXECUTION ATTEMPT PID
 * [CALLBACK-ID]" to $CAIRN_REL_SIDE (one write, O_APPEND) before it returns,
 * so a test counts how often each body ran. tt_echo then blocks while the
 * file named by $CAIRN_REL_HOLD exists (a hung worker that holds its lease).
 * Never keeps state between calls: every result depends on the arguments
 * only, not on the attempt.
 */
#include "fanout.h"
#include "relay.h"
#include "torture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void record(cairn_call *call, const char *extra)
{
    const char *side = getenv("CAIRN_REL_SIDE");
    if (!side || !*side)
        return;
    char line[512];
    int n = snprintf(line, sizeof line, "%s %s %d %ld%s%s\n", cairn_call_operation(call),
                     cairn_call_execution_id(call), cairn_call_attempt(call), (long)getpid(),
                     extra ? " " : "", extra ? extra : "");
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    int fd = open(side, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) != n)
        perror("reliability hook: write");
    close(fd);
}

/* Sleeps while the file named by $CAIRN_REL_HOLD exists. */
static void hold_while_asked(void)
{
    const char *hold = getenv("CAIRN_REL_HOLD");
    const struct timespec tick = {0, 20 * 1000 * 1000};
    while (hold && *hold && access(hold, F_OK) == 0)
        nanosleep(&tick, NULL);
}

/* Returns a copy of its arguments. */
int tt_echo(cairn_call *call, const cJSON *args)
{
    record(call, NULL);
    hold_while_asked();
    return cairn_call_return(call, cJSON_Duplicate(args, 1));
}

/* Fails its first attempt (Torture.Flaky), then returns its arguments. */
int tt_flaky(cairn_call *call, const cJSON *args)
{
    record(call, NULL);
    if (cairn_call_attempt(call) == 1)
        return cairn_call_fail(call, "Torture.Flaky", "first attempts fail", NULL);
    return cairn_call_return(call, cJSON_Duplicate(args, 1));
}

/* A condition's check: counts the looks in its state ({"n": looks}); the state is its result. */
int tt_poll(cairn_call *call, const cJSON *args)
{
    record(call, NULL);
    const cJSON *n =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(args, "state"), "n");
    cJSON *state = cJSON_CreateObject();
    if (!state ||
        !cJSON_AddNumberToObject(state, "n", (cJSON_IsNumber(n) ? n->valuedouble : 0) + 1)) {
        cJSON_Delete(state);
        return cairn_call_fail(call, "Cairn.NoMemory", "out of memory", NULL);
    }
    return cairn_call_return(call, state);
}

/* Always fails with Torture.Boom (caught by the workflow). */
int tt_boom(cairn_call *call, const cJSON *args)
{
    (void)args;
    record(call, NULL);
    return cairn_call_fail(call, "Torture.Boom", "boom", cJSON_CreateNumber(42));
}

/* Records the callback id it is given, for the test to answer. */
int tt_announce(cairn_call *call, const cJSON *args)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(args, "id");
    if (!cJSON_IsString(id))
        return cairn_call_fail(call, "Torture.NoId", "no callback id", NULL);
    record(call, id->valuestring);
    return cairn_call_return(call, NULL);
}
