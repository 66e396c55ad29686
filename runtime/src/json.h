/*
 * json.h — small cJSON helpers shared by the runtime: deep equality, number
 * text, compact printing, type names.
 */
#ifndef CAIRN_JSON_H
#define CAIRN_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Deep equality: numbers by value, strings bytewise, arrays element by
 * element, objects as sets of keys (order does not matter). NULL counts as
 * JSON null.
 */
int json_equal(const cJSON *a, const cJSON *b);

/*
 * The text JSON gives number d: integers without a fraction ("3", not
 * "3.0"), others in the shortest form that reads back exactly; NaN and the
 * infinities, which JSON cannot hold, as "null". buf holds at least 32 bytes.
 */
void json_number_text(double d, char *buf, size_t len);

/*
 * Compact JSON text of v (NULL: "null"), numbers as json_number_text writes
 * them, object members in their order. A new string (caller frees with
 * mem_free()), or NULL when out of memory.
 */
char *json_print(const cJSON *v);

/*
 * The same text indented for people: one member or element per line, two
 * spaces per level, "key": value, empty arrays and objects as [] and {}.
 * What every --json output and the HTTP API print (one function, so they
 * agree). A new string (caller frees with mem_free()), or NULL when out of memory.
 */
char *json_print_indented(const cJSON *v);

/* "null", "boolean", "number", "string", "array", "object" (NULL: "null"). */
const char *json_type_name(const cJSON *v);

/* Is v a number with an integral value? */
int json_is_integer(const cJSON *v);

#endif
