/*
 * The C hooks of the callback test workflows. Each call appends one line to
 * the file named by $CAIRN_CB_SIDE (one write, O_APPEND), so a test counts
 * how often each ran: "after EXEC", "hold EXEC", "submit EXEC CALLBACK-ID
 * ATTEMPT". cbt_hold and cbt_submit block (until killed) while $CAIRN_CB_HOLD
 * is set, after writing their line. Never keep state between calls.
 */
#include "cbsimple.h"
#include "cbwfc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void record(const char *line)
{
    const char *side = getenv("CAIRN_CB_SIDE");
    if (!side || !*side)
        return;
    int fd = open(side, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0)
        return;
    size_t n = strlen(line);
    if (write(fd, line, n) != (ssize_t)n)
        perror("cb hook: write");
    close(fd);
}

/* Blocks until the process is killed, while $CAIRN_CB_HOLD is set. */
static void hold_if_asked(void)
{
    const char *hold = getenv("CAIRN_CB_HOLD");
    while (hold && *hold)
        pause();
}

int cbt_after(cairn_call *call, const cJSON *args)
{
    char line[160];
    snprintf(line, sizeof line, "after %s\n", cairn_call_execution_id(call));
    record(line);
    const cJSON *got = cJSON_GetObjectItemCaseSensitive(args, "got");
    cJSON *out = cJSON_CreateObject();
    if (!out)
        return cairn_call_fail(call, "Test.NoMemory", "no memory", NULL);
    cJSON_AddItemToObject(out, "seen", got ? cJSON_Duplicate(got, 1) : cJSON_CreateNull());
    return cairn_call_return(call, out);
}

int cbt_hold(cairn_call *call, const cJSON *args)
{
    (void)args;
    char line[160];
    snprintf(line, sizeof line, "hold %s\n", cairn_call_execution_id(call));
    record(line);
    hold_if_asked();
    return cairn_call_return(call, cJSON_CreateTrue());
}

int cbt_submit(cairn_call *call, const cJSON *args)
{
    const char *id = cairn_call_callback_id(call);
    const cJSON *arg_id = cJSON_GetObjectItemCaseSensitive(args, "id");
    if (!id || !cJSON_IsString(arg_id) || strcmp(id, arg_id->valuestring) != 0)
        return cairn_call_fail(call, "Test.Mismatch", "ctx callback id differs from ${callback.id}",
                               NULL);
    char line[256];
    snprintf(line, sizeof line, "submit %s %s %d\n", cairn_call_execution_id(call), id,
             cairn_call_attempt(call));
    record(line);
    hold_if_asked();
    const cJSON *fail = cJSON_GetObjectItemCaseSensitive(args, "fail");
    if (cJSON_IsNumber(fail) && cairn_call_attempt(call) <= fail->valueint) {
        char msg[64];
        snprintf(msg, sizeof msg, "down on attempt %d", cairn_call_attempt(call));
        return cairn_call_fail(call, "Submit.Down", msg,
                               cJSON_CreateNumber(cairn_call_attempt(call)));
    }
    return cairn_call_return(call, cJSON_CreateString(id));
}
