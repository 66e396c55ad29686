/* The C hook of basic.yaml: charges what was reserved. */
#include "basic.h"

int basic_charge(cairn_call *call, const cJSON *args)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(args, "reservation");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(r, "amount");
    if (!cJSON_IsNumber(amount))
        return cairn_call_fail(call, "Charge.Invalid", "no amount reserved", NULL);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "total", amount->valuedouble * 1.1);
    return cairn_call_return(call, out);
}
