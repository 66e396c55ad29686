/* The C hook of flow.yaml: doubles a number. */
#include "flow.h"

int flow_double(cairn_call *call, const cJSON *args)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "value");
    if (!cJSON_IsNumber(v))
        return cairn_call_fail(call, "Flow.Invalid", "value is not a number", NULL);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "value", v->valuedouble * 2);
    return cairn_call_return(call, out);
}
