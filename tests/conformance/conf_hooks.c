/*
 * conf_hooks.c — the C hooks of the conformance workflows: what Lua cannot do
 * (crash the process) or does not have (a time parser).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/cairn.h>
#include <cjson/cJSON.h>

/*
 * 1-17, 1-18: logs the input, then on the first attempt kills the process in
 * the middle of the step, as a Lambda runtime crash (process.exit) does; on
 * a later attempt returns args.result.
 */
int conf_crash_on_first_attempt(cairn_call *call, const cJSON *args)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(args, "input");
    fprintf(stderr, "step %s attempt %d: input %s\n", cairn_call_operation(call),
            cairn_call_attempt(call), cJSON_IsString(in) ? in->valuestring : "?");
    fflush(stderr);
    if (cairn_call_attempt(call) == 1)
        _exit(3);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(args, "result");
    return cairn_call_return(call, r ? cJSON_Duplicate(r, 1) : NULL);
}

/*
 * 4-15: the result decoder of a callback. args is the raw payload (a JSON
 * string); it must be an object {id, message, timestamp} whose timestamp is
 * an ISO 8601 UTC time; the value is the same object with the timestamp in
 * seconds since the epoch.
 */
int conf_decode_event(cairn_call *call, const cJSON *args)
{
    cJSON *v = cJSON_IsString(args) ? cJSON_Parse(args->valuestring) : NULL;
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(v, "timestamp");
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char end = 0;
    if (!cJSON_IsString(ts) ||
        sscanf(ts->valuestring, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &end) != 7 ||
        (end != '.' && end != 'Z')) {
        cJSON_Delete(v);
        return cairn_call_fail(call, "Event.Invalid", "not an event with an ISO 8601 timestamp",
                               NULL);
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    cJSON_ReplaceItemInObjectCaseSensitive(v, "timestamp", cJSON_CreateNumber((double)timegm(&tm)));
    return cairn_call_return(call, v);
}

/*
 * 3-12: kills the process the first time it runs for this execution and
 * operation (an at_least_once step keeps no attempt count across a crash, so
 * a file in $TMPDIR marks the first run), as a Lambda crash does; then returns
 * args.result.
 */
int conf_crash_once(cairn_call *call, const cJSON *args)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/cairn-conf-crash-%s-%s", tmp && *tmp ? tmp : "/tmp",
             cairn_call_execution_id(call), cairn_call_operation(call));
    fprintf(stderr, "step %s runs\n", cairn_call_operation(call));
    fflush(stderr);
    if (access(path, F_OK) != 0) {
        FILE *f = fopen(path, "w");
        if (f)
            fclose(f);
        _exit(3);
    }
    unlink(path);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(args, "result");
    return cairn_call_return(call, r ? cJSON_Duplicate(r, 1) : NULL);
}
