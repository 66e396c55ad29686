/*
 * yml.c — libyaml's event stream into a tree of positioned nodes (yml.h).
 *
 * Owns: the node tree and the translation of libyaml's errors into
 * diagnostics. It never types scalars (model.c does, per the core schema)
 * and never accepts what the language does not use: anchors, aliases, tags,
 * complex keys, several documents.
 */
#include "yml.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "diag.h"

#define YML_MAX_DEPTH 200

typedef struct yml_reader {
    yaml_parser_t parser;
    const char *file; /* borrowed */
    const char *buf;  /* borrowed: the source, for positions and hints */
    size_t len;
    diag *d;
    int failed;
} yml_reader;

static pos mark_pos(yaml_mark_t m)
{
    return (pos){(int)m.line + 1, (int)m.column + 1};
}

void yml_free(yml_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            yml_free(n->keys[i]);
        yml_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->text);
    free(n);
}

const yml_node *yml_get(const yml_node *map, const char *key)
{
    if (!map || map->kind != YML_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (!strcmp(map->keys[i]->text, key))
            return map->items[i];
    return NULL;
}

const char *yml_kind_name(const yml_node *n)
{
    if (n->kind == YML_MAP)
        return "a mapping";
    if (n->kind == YML_SEQ)
        return "a list";
    return "a scalar";
}

/* The text of source line `line` (1-based) into out, or "" when absent. */
static void source_line(const yml_reader *r, int line, char *out, size_t cap)
{
    const char *p = r->buf, *end = r->buf + r->len;
    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    size_t n = 0;
    while (p + n < end && p[n] != '\n' && n + 1 < cap)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void syntax_error(yml_reader *r)
{
    yaml_parser_t *p = &r->parser;
    pos at = mark_pos(p->problem_mark);
    const char *problem = p->problem ? p->problem : "not valid YAML";
    r->failed = 1;
    if (p->error == YAML_MEMORY_ERROR) {
        diag_report(r->d, DIAG_ERROR, DIAG_E_IO, r->file, at, "out of memory");
        return;
    }
    char line[512];
    source_line(r, at.line, line, sizeof line);
    if (p->context && strstr(p->context, "flow") && strstr(line, "${")) {
        diag_report(r->d, DIAG_ERROR, DIAG_E_YAML, r->file, at,
                    "%s: a bare ${...} cannot stand inside a flow collection ({ } or [ ]); "
                    "quote it ({ a: \"${x}\" }) or use block style",
                    problem);
        return;
    }
    if (p->context)
        diag_report(r->d, DIAG_ERROR, DIAG_E_YAML, r->file, at,
                    "%s %s started at line %d, column %d", problem, p->context,
                    (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    else
        diag_report(r->d, DIAG_ERROR, DIAG_E_YAML, r->file, at, "%s", problem);
}

/* Next event into ev; 0 on success, -1 after reporting. */
static int next_event(yml_reader *r, yaml_event_t *ev)
{
    if (yaml_parser_parse(&r->parser, ev))
        return 0;
    syntax_error(r);
    return -1;
}

/* Reports a YAML feature the language does not use; what completes
 * "... not supported in workflow files" or is a whole sentence. */
static int refuse(yml_reader *r, yaml_mark_t m, const char *what)
{
    diag_report(r->d, DIAG_ERROR, DIAG_E_YAML_FEATURE, r->file, mark_pos(m), "%s", what);
    r->failed = 1;
    return -1;
}

static int append(yml_node *n, yml_node *key, yml_node *item)
{
    yml_node **items = realloc(n->items, (n->n + 1) * sizeof *items);
    if (!items)
        return -1;
    n->items = items;
    if (n->kind == YML_MAP) {
        yml_node **keys = realloc(n->keys, (n->n + 1) * sizeof *keys);
        if (!keys)
            return -1;
        n->keys = keys;
        n->keys[n->n] = key;
    }
    n->items[n->n++] = item;
    return 0;
}

/* Does the source between byte offsets [from, to) read exactly `text`? */
static int source_is(const yml_reader *r, size_t from, size_t to, const yml_node *n)
{
    return to >= from && to <= r->len && to - from == n->len &&
           !memcmp(r->buf + from, n->text, n->len);
}

static yml_node *node_from(yml_reader *r, yaml_event_t *ev, int depth);

static yml_node *scalar_from(yml_reader *r, yaml_event_t *ev)
{
    yml_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = YML_SCALAR;
    n->at = mark_pos(ev->start_mark);
    n->len = ev->data.scalar.length;
    n->text = malloc(n->len + 1);
    if (!n->text) {
        free(n);
        return NULL;
    }
    memcpy(n->text, ev->data.scalar.value, n->len);
    n->text[n->len] = '\0';
    yaml_scalar_style_t st = ev->data.scalar.style;
    n->plain = st == YAML_PLAIN_SCALAR_STYLE;
    n->quoted = st == YAML_SINGLE_QUOTED_SCALAR_STYLE || st == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (ev->start_mark.line == ev->end_mark.line) {
        /* libyaml's index counts characters: on ASCII lines it is a byte offset */
        size_t from = ev->start_mark.index, to = ev->end_mark.index;
        if (n->plain)
            n->one_line = source_is(r, from, to, n);
        else if (n->quoted && to >= from + 2)
            n->one_line = source_is(r, from + 1, to - 1, n);
    }
    return n;
}

static yml_node *collection_from(yml_reader *r, yaml_event_t *start, int depth)
{
    int is_map = start->type == YAML_MAPPING_START_EVENT;
    yaml_event_type_t end_type = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    yml_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = is_map ? YML_MAP : YML_SEQ;
    n->at = mark_pos(start->start_mark);
    for (;;) {
        yaml_event_t ev;
        if (next_event(r, &ev) < 0)
            goto fail;
        if (ev.type == end_type) {
            yaml_event_delete(&ev);
            return n;
        }
        yml_node *key = NULL;
        if (is_map) {
            if (ev.type != YAML_SCALAR_EVENT) {
                refuse(r, ev.start_mark,
                       "a mapping key must be a plain name, not a list or a mapping");
                yaml_event_delete(&ev);
                goto fail;
            }
            key = node_from(r, &ev, depth + 1);
            yaml_event_delete(&ev);
            if (!key)
                goto fail;
            const yml_node *first = NULL;
            for (size_t i = 0; i < n->n && !first; i++)
                if (!strcmp(n->keys[i]->text, key->text))
                    first = n->keys[i];
            if (first) {
                diag_report(r->d, DIAG_ERROR, DIAG_E_DUPLICATE, r->file, key->at,
                            "duplicate key '%s'", key->text);
                diag_report(r->d, DIAG_NOTE, DIAG_E_DUPLICATE, r->file, first->at,
                            "'%s' first given here", key->text);
            }
            if (next_event(r, &ev) < 0) {
                yml_free(key);
                goto fail;
            }
        }
        yml_node *item = node_from(r, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!item || append(n, key, item) < 0) {
            yml_free(key);
            yml_free(item);
            goto fail;
        }
    }
fail:
    yml_free(n);
    return NULL;
}

/* The node that starts with ev (borrowed; the caller deletes it). */
static yml_node *node_from(yml_reader *r, yaml_event_t *ev, int depth)
{
    if (depth > YML_MAX_DEPTH) {
        refuse(r, ev->start_mark, "the document is nested too deeply");
        return NULL;
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        refuse(r, ev->start_mark, "YAML aliases (*name) are not supported in workflow files");
        return NULL;
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.anchor) {
            refuse(r, ev->start_mark, "YAML anchors (&name) are not supported in workflow files");
            return NULL;
        }
        if (ev->data.scalar.tag) {
            refuse(r, ev->start_mark, "YAML tags (!name) are not supported in workflow files");
            return NULL;
        }
        return scalar_from(r, ev);
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        void *anchor =
            is_map ? (void *)ev->data.mapping_start.anchor : (void *)ev->data.sequence_start.anchor;
        void *tag =
            is_map ? (void *)ev->data.mapping_start.tag : (void *)ev->data.sequence_start.tag;
        if (anchor) {
            refuse(r, ev->start_mark, "YAML anchors (&name) are not supported in workflow files");
            return NULL;
        }
        if (tag) {
            refuse(r, ev->start_mark, "YAML tags (!name) are not supported in workflow files");
            return NULL;
        }
        return collection_from(r, ev, depth);
    }
    default:
        diag_report(r->d, DIAG_ERROR, DIAG_E_YAML, r->file, mark_pos(ev->start_mark),
                    "unexpected YAML event");
        r->failed = 1;
        return NULL;
    }
}

yml_node *yml_parse(const char *file, const char *buf, size_t len, diag *d)
{
    yml_reader r = {.file = file, .buf = buf, .len = len, .d = d};
    yml_node *root = NULL;
    yaml_event_t ev;
    int have_ev = 0;
    if (!yaml_parser_initialize(&r.parser)) {
        diag_report(d, DIAG_ERROR, DIAG_E_IO, file, (pos){1, 1}, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)buf, len);

    /* STREAM-START, then DOCUMENT-START or (empty file) STREAM-END */
    if (next_event(&r, &ev) < 0)
        goto done;
    yaml_event_delete(&ev);
    if (next_event(&r, &ev) < 0)
        goto done;
    have_ev = 1;
    if (ev.type == YAML_STREAM_END_EVENT) {
        diag_report(d, DIAG_ERROR, DIAG_E_YAML, file, mark_pos(ev.start_mark),
                    "the file is empty: expected a workflow (a mapping with cairn, name, steps)");
        goto done;
    }
    yaml_event_delete(&ev);
    have_ev = 0;
    if (next_event(&r, &ev) < 0)
        goto done;
    have_ev = 1;
    root = node_from(&r, &ev, 0);
    yaml_event_delete(&ev);
    have_ev = 0;
    if (!root)
        goto done;
    /* DOCUMENT-END, then STREAM-END: anything else is a second document */
    if (next_event(&r, &ev) < 0)
        goto done;
    yaml_event_delete(&ev);
    if (next_event(&r, &ev) < 0)
        goto done;
    have_ev = 1;
    if (ev.type != YAML_STREAM_END_EVENT)
        refuse(&r, ev.start_mark,
               "a workflow file holds one YAML document: remove the second one (after '---')");
done:
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&r.parser);
    if (r.failed) {
        yml_free(root);
        return NULL;
    }
    return root;
}
