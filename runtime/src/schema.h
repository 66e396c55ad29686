/*
 * schema.h — the JSON Schema subset checked on an execution's input.
 *
 * Keywords (common/schemakw.h's table, which `cairn check` shares): type
 * (string or list; "integer" included), properties, required,
 * additionalProperties (boolean or schema), items, enum, const, minimum,
 * maximum, minLength, maxLength, minItems, maxItems. Others are ignored, and
 * so is a keyword whose value has the wrong type.
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
