/*
 * schema.h — the JSON Schema subset checked on an execution's input.
 *
 * Keywords: type (string or list; "integer" included), properties, required,
 * additionalProperties (boolean), items, enum, const, minimum, maximum,
 * minLength, maxLength, minItems, maxItems. Others are ignored.
 */
#ifndef CAIRN_SCHEMA_H
#define CAIRN_SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Returns 0 when value satisfies schema; else -1 with a message naming the
 * first failing place, e.g. "input.amount: expected number, got string".
 */
int schema_check(const cJSON *schema, const cJSON *value, char *msg, size_t msglen);

#endif
