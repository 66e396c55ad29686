/*
 * order_hooks.c — the C hook of order.yaml: charges the card.
 *
 * Owns: order_charge_card(), declared in the generated order.h. It talks to
 * no real gateway: a card number starting with "4000" is declined, as test
 * cards are. It never keeps state between calls (a retry or a replay may
 * call it again) and never frees `args`, which the runtime lends it.
 */
#include <stdio.h>
#include <string.h>

#include "order.h"

int order_charge_card(cairn_call *call, const cJSON *args)
{
    const cJSON *order_id = cJSON_GetObjectItemCaseSensitive(args, "order_id");
    const cJSON *card = cJSON_GetObjectItemCaseSensitive(args, "card");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(args, "amount");
    const cJSON *currency = cJSON_GetObjectItemCaseSensitive(args, "currency");

    if (!cJSON_IsString(order_id) || !cJSON_IsString(card) || !cJSON_IsNumber(amount) ||
        !cJSON_IsString(currency))
        return cairn_call_fail(call, "Payment.Invalid", "order_id, card, amount and currency are required", NULL);

    size_t len = strlen(card->valuestring);
    const char *last4 = len >= 4 ? card->valuestring + len - 4 : card->valuestring;

    if (!strncmp(card->valuestring, "4000", 4)) {
        char msg[128];
        snprintf(msg, sizeof msg, "card ending %s declined: insufficient funds", last4);
        cJSON *data = cJSON_CreateObject();
        cJSON_AddStringToObject(data, "decline_code", "insufficient_funds");
        cJSON_AddStringToObject(data, "card", last4);
        return cairn_call_fail(call, "Payment.Declined", msg, data);
    }

    char charge_id[96];
    snprintf(charge_id, sizeof charge_id, "ch_%s_%d", order_id->valuestring, cairn_call_attempt(call));
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "charge_id", charge_id);
    cJSON_AddNumberToObject(out, "amount", amount->valuedouble);
    cJSON_AddStringToObject(out, "currency", currency->valuestring);
    cJSON_AddStringToObject(out, "card", last4);
    return cairn_call_return(call, out);
}
