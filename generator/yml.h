/*
 * yml.h — a YAML document as a tree of nodes that keep their position.
 *
 * Built from libyaml's event API. Only what the workflow language needs:
 * scalars, mappings with scalar keys, sequences; one document; no anchors,
 * aliases or tags beyond the core ones. Everything is owned by the root and
 * freed by yml_free().
 */
#ifndef CAIRN_YML_H
#define CAIRN_YML_H

#include <stddef.h>

#include "diag.h"

typedef enum yml_kind { YML_SCALAR, YML_MAP, YML_SEQ } yml_kind;

typedef struct yml_node {
    yml_kind kind;
    pos at;     /* where the node starts (for quoted scalars: the quote) */
    char *text; /* YML_SCALAR: the value, NUL-terminated (may hold NULs: len) */
    size_t len;
    int plain;               /* YML_SCALAR: plain style (typed per the core schema) */
    int quoted;              /* YML_SCALAR: single or double quoted */
    int one_line;            /* YML_SCALAR: starts and ends on the same line, and its
                                source text between the quotes is exactly `text`, so a
                                byte offset into text is a column offset */
    struct yml_node **keys;  /* YML_MAP: scalar keys, in document order */
    struct yml_node **items; /* YML_MAP: the values; YML_SEQ: the items */
    size_t n;
} yml_node;

/*
 * Parses buf (len bytes; file names it in diagnostics). Returns the root
 * node (caller frees with yml_free), or NULL after reporting to d. An empty
 * document yields NULL with an error too.
 */
yml_node *yml_parse(const char *file, const char *buf, size_t len, diag *d);
void yml_free(yml_node *n);

/* The value of key in a mapping, or NULL. */
const yml_node *yml_get(const yml_node *map, const char *key);

/* "a mapping", "a list", "a string"... for messages. */
const char *yml_kind_name(const yml_node *n);

#endif
