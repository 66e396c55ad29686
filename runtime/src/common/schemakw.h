/*
 * schemakw.h — the input-schema keywords (the JSON Schema subset an
 * execution's input is checked against, DESIGN §3 `input:`): which keywords
 * exist and what type each one's value must have. The runtime enforces a
 * keyword only when its value has that type; `cairn check` refuses one that
 * does not, so a schema the runtime would not enforce never passes the check.
 */
#ifndef CAIRN_SCHEMAKW_H
#define CAIRN_SCHEMAKW_H

/* JSON value types, as a set. */
#define SCHEMAKW_NULL 0x01u
#define SCHEMAKW_BOOL 0x02u
#define SCHEMAKW_NUMBER 0x04u
#define SCHEMAKW_STRING 0x08u
#define SCHEMAKW_ARRAY 0x10u
#define SCHEMAKW_OBJECT 0x20u
#define SCHEMAKW_ANY 0x3fu

typedef struct schemakw {
    const char *name; /* "minimum" */
    unsigned types;   /* the types its value may have */
    unsigned items;   /* when the value is an array: the types of its items (ANY: any) */
    int schema;       /* an object value is a schema, or (properties) maps names to schemas */
    const char *what; /* the value as a message says it: "a number" */
} schemakw;

/* The keyword named name, or NULL (other keywords are ignored). */
const schemakw *schemakw_find(const char *name);

/* Every keyword, in a fixed order; ends with a NULL name. */
extern const schemakw schemakw_table[];

/* Is a value of type t (one SCHEMAKW_* bit) right for keyword name? 0 for
 * an unknown keyword. */
int schemakw_accepts(const char *name, unsigned t);

/* The type names of `type:` ("object", "integer", ...); ends with NULL. */
extern const char *const schemakw_type_names[];

#endif
