/*
 * model.c — the YAML tree into the typed model of model.h (model_build, the
 * workflow's top level), kind names, and model_free.
 *
 * Owns: the shape of the v1 language at the top level (which keys exist,
 * defaults, the input schema, the order operations are read in); the readers
 * of values and retries are in model_read.c, those of operations in
 * model_op.c. It reports every problem and keeps going; it never resolves
 * names or targets (check.c does).
 */
#include "model_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "expr.h"
#include "lex.h"
#include "schemakw.h"
#include "yml.h"

const char *model_kind_name(op_kind k)
{
    return kind_name((kind)k);
}

/* ---- freeing ---- */

void mb_val_free(val *v)
{
    if (!v)
        return;
    free(v->text);
    expr_free(v->e);
    for (size_t i = 0; i < v->nparts; i++) {
        free(v->parts[i].text);
        expr_free(v->parts[i].e);
    }
    free(v->parts);
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        mb_val_free(v->items[i]);
    }
    free(v->keys);
    free(v->items);
    free(v);
}

void mb_strs_free(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static void run_free(run_spec *r)
{
    free(r->fn);
    mb_val_free(r->http.method);
    mb_val_free(r->http.url);
    mb_val_free(r->http.headers);
    mb_val_free(r->http.body);
    free(r->http.ok);
}

static void op_free(op *o);

void mb_seq_free(seq *s)
{
    free(s->name);
    for (size_t i = 0; i < s->nops; i++)
        op_free(&s->ops[i]);
    free(s->ops);
    mb_val_free(s->output);
}

static void op_free(op *o)
{
    for (size_t i = 0; i < o->nbranches; i++)
        mb_seq_free(&o->branches[i]);
    free(o->branches);
    mb_val_free(o->items);
    free(o->item_as);
    free(o->name);
    run_free(&o->run);
    run_free(&o->submitter);
    run_free(&o->result_hook);
    run_free(&o->encode);
    run_free(&o->decode);
    mb_val_free(o->with);
    mb_strs_free(o->retry.on, o->retry.non);
    free(o->as);
    for (size_t i = 0; i < o->ncatches; i++) {
        mb_strs_free(o->catches[i].errors, o->catches[i].nerrors);
        free(o->catches[i].go);
        free(o->catches[i].as);
    }
    free(o->catches);
    mb_val_free(o->until);
    mb_val_free(o->initial);
    expr_free(o->cond);
    free(o->await_of);
    for (size_t i = 0; i < o->nwhens; i++) {
        expr_free(o->whens[i].cond);
        free(o->whens[i].go);
    }
    free(o->whens);
    free(o->else_go);
    mb_val_free(o->output);
    free(o->workflow);
    mb_val_free(o->input);
    free(o->err_type);
    mb_val_free(o->err_message);
    mb_val_free(o->err_data);
}

void model_free(workflow *wf)
{
    if (!wf)
        return;
    free(wf->path);
    free(wf->name);
    free(wf->description);
    free(wf->input_schema_json);
    free(wf->hooks);
    free(wf->hooks_path);
    free(wf->hooks_source);
    mb_strs_free(wf->default_retry.on, wf->default_retry.non);
    mb_val_free(wf->output);
    for (size_t i = 0; i < wf->nops; i++)
        op_free(&wf->ops[i]);
    free(wf->ops);
    free(wf);
}

/* ---- the workflow ---- */

void mb_ops(builder *b, const yml_node *steps, op **ops, size_t *nops)
{
    *ops = calloc(steps->n ? steps->n : 1, sizeof **ops);
    *nops = 0;
    for (size_t i = 0; *ops && i < steps->n; i++) {
        const yml_node *item = steps->items[i], *kind_node = NULL;
        if (item->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, item->at,
                   "an operation is a mapping such as '- step: NAME', not %s", yml_kind_name(item));
            continue;
        }
        int k = mb_item_kind(b, item, &kind_node);
        if (k < 0)
            continue;
        mb_op(b, item, kind_node, (op_kind)k, &(*ops)[(*nops)++]);
    }
}

static cJSON *json_of(const yml_node *n)
{
    if (n->kind == YML_SCALAR) {
        int bl, is_int;
        double d;
        char *text;
        if (mb_null_plain(n))
            return cJSON_CreateNull();
        if (mb_bool_plain(n, &bl))
            return cJSON_CreateBool(bl);
        if (mb_number_plain(n, &d, &text, &is_int) == 1) {
            free(text);
            return cJSON_CreateNumber(d);
        }
        return cJSON_CreateString(n->text);
    }
    cJSON *o = n->kind == YML_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
    for (size_t i = 0; o && i < n->n; i++) {
        cJSON *c = json_of(n->items[i]);
        if (n->kind == YML_MAP)
            cJSON_AddItemToObject(o, n->keys[i]->text, c);
        else
            cJSON_AddItemToArray(o, c);
    }
    return o;
}

/* n's JSON type as one of schemakw.h's bits, and in words for messages. */
static unsigned schema_value_type(const yml_node *n, const char **words)
{
    int bl;
    double d;
    char *json = NULL;
    unsigned t = SCHEMAKW_STRING;
    *words = "a string";
    if (n->kind == YML_MAP) {
        t = SCHEMAKW_OBJECT;
        *words = "a mapping";
    } else if (n->kind == YML_SEQ) {
        t = SCHEMAKW_ARRAY;
        *words = "a list";
    } else if (mb_null_plain(n)) {
        t = SCHEMAKW_NULL;
        *words = "null";
    } else if (mb_bool_plain(n, &bl)) {
        t = SCHEMAKW_BOOL;
        *words = "a boolean";
    } else if (mb_number_plain(n, &d, &json, &bl) == 1) { /* as json_of() reads it */
        t = SCHEMAKW_NUMBER;
        *words = "a number";
    }
    free(json);
    return t;
}

/* `type`: a JSON type name or a non-empty list of them. */
static void schema_type(builder *b, const yml_node *t)
{
    size_t total = t->kind == YML_SEQ ? t->n : 1;
    if (t->kind == YML_MAP || total == 0)
        mb_err(b, DIAG_E_TYPE, t->at,
               "'type' in the input schema must be a type name or a non-empty list of them");
    for (size_t i = 0; t->kind != YML_MAP && i < total; i++) {
        const yml_node *it = t->kind == YML_SEQ ? t->items[i] : t;
        if (it->kind != YML_SCALAR)
            mb_err(b, DIAG_E_TYPE, it->at, "a type in the input schema must be a name, not %s",
                   yml_kind_name(it));
        else if (!mb_listed(schemakw_type_names, it->text))
            mb_err(b, DIAG_E_VALUE, it->at,
                   "unknown type '%s' in the input schema: expected object, array, string, "
                   "number, integer, boolean or null",
                   it->text);
    }
}

/* `required`: a list of member names. */
static void schema_required(builder *b, const yml_node *r)
{
    if (r->kind != YML_SEQ) {
        mb_err(b, DIAG_E_TYPE, r->at,
               "'required' in the input schema must be a list of names, not %s",
               r->kind == YML_SCALAR ? "a scalar" : yml_kind_name(r));
        return;
    }
    for (size_t i = 0; i < r->n; i++)
        if (!mb_string_scalar(r->items[i]))
            mb_err(b, DIAG_E_TYPE, r->items[i]->at,
                   "'required' in the input schema must list member names (strings), not %s",
                   r->items[i]->kind != YML_SCALAR ? yml_kind_name(r->items[i])
                                                   : mb_scalar_kind(r->items[i]));
}

/*
 * An `input:` schema against what the runtime reads (common/schemakw.h), key
 * by key in document order: `type`, `required`, `properties` and `items` with
 * their own messages, every other keyword's value by its type in the table
 * (the runtime ignores a keyword whose value has another type: it would
 * never be enforced). A schema inside is checked in turn. Unknown keywords
 * are ignored, as JSON Schema and the runtime do.
 */
static void input_schema_check(builder *b, const yml_node *n)
{
    for (size_t i = 0; i < n->n; i++) {
        const char *key = n->keys[i]->text;
        const yml_node *v = n->items[i];
        const schemakw *k = schemakw_find(key);
        if (!k)
            continue;
        if (!strcmp(key, "type")) {
            schema_type(b, v);
        } else if (!strcmp(key, "required")) {
            schema_required(b, v);
        } else if (!strcmp(key, "properties") && v->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, v->at,
                   "'properties' in the input schema must map member names to schemas, not %s",
                   yml_kind_name(v));
        } else if (!strcmp(key, "properties")) {
            for (size_t j = 0; j < v->n; j++) {
                if (v->items[j]->kind == YML_MAP)
                    input_schema_check(b, v->items[j]);
                else
                    mb_err(b, DIAG_E_TYPE, v->items[j]->at,
                           "the schema of property '%s' must be a mapping, not %s",
                           v->keys[j]->text, yml_kind_name(v->items[j]));
            }
        } else if (!strcmp(key, "items") && v->kind != YML_MAP) {
            mb_err(b, DIAG_E_TYPE, v->at,
                   "'items' in the input schema must be a schema (a mapping), not %s",
                   yml_kind_name(v));
        } else {
            const char *words;
            if (!(k->types & schema_value_type(v, &words)))
                mb_err(b, DIAG_E_TYPE, v->at, "'%s' in the input schema must be %s, not %s", key,
                       k->what, words);
            else if (k->schema && v->kind == YML_MAP)
                input_schema_check(b, v);
        }
    }
}

static const char *const top_keys[] = {"cairn",   "name",  "version", "description",
                                       "timeout", "input", "hooks",   "defaults",
                                       "output",  "steps", NULL};

workflow *model_build(const yml_node *root, const char *path, diag *d)
{
    builder b = {.file = path, .d = d};
    if (root->kind != YML_MAP) {
        mb_err(&b, DIAG_E_TYPE, root->at,
               "a workflow is a mapping (cairn, name, steps, ...), not %s", yml_kind_name(root));
        return NULL;
    }
    workflow *wf = calloc(1, sizeof *wf);
    if (!wf)
        return NULL;
    wf->path = strdup(path);
    mb_keys(&b, root, top_keys, "the workflow");

    const yml_node *n;
    if (!(n = yml_get(root, "cairn"))) {
        mb_err(&b, DIAG_E_MISSING_KEY, root->at, "missing 'cairn: 1' (the language version)");
    } else if (n->kind != YML_SCALAR || !n->plain || strcmp(n->text, "1")) {
        mb_err(&b, DIAG_E_VALUE, n->at,
               "unsupported language version '%s': this cairn reads 'cairn: 1'",
               n->kind == YML_SCALAR ? n->text : yml_kind_name(n));
    }
    if ((n = yml_get(root, "name"))) {
        wf->name = mb_dup(mb_scalar(&b, n, "name", "a name"));
        if (wf->name && !lex_workflow_name(wf->name))
            mb_err(
                &b, DIAG_E_NAME, n->at,
                "bad workflow name '%s': a lowercase letter, then lowercase letters, digits or '_' "
                "(it names C symbols)",
                wf->name);
    } else {
        mb_err(&b, DIAG_E_MISSING_KEY, root->at,
               "missing 'name' (the workflow's name, [a-z][a-z0-9_]*)");
    }
    if ((n = yml_get(root, "version"))) {
        double v;
        char *json = NULL;
        int is_int;
        if (n->kind == YML_SCALAR && mb_number_plain(n, &v, &json, &is_int) == 1 && is_int &&
            v >= 1 && v <= INT_MAX)
            wf->version = (int)v;
        else
            mb_err(&b, DIAG_E_TYPE, n->at, "'version' must be a positive integer");
        free(json);
    }
    if ((n = yml_get(root, "description")) && mb_want_string(&b, n, "description", "a string"))
        wf->description = mb_dup(mb_scalar(&b, n, "description", "a string"));
    mb_duration(&b, root, "timeout", &wf->timeout_ms);
    if (yml_get(root, "timeout"))
        wf->timeout_at = yml_get(root, "timeout")->at;
    if ((n = yml_get(root, "input"))) {
        if (n->kind != YML_MAP) {
            mb_err(&b, DIAG_E_TYPE, n->at, "'input' must be a JSON Schema (a mapping), not %s",
                   yml_kind_name(n));
        } else {
            input_schema_check(&b, n);
            cJSON *j = json_of(n);
            wf->input_schema_json = j ? cJSON_PrintUnformatted(j) : NULL;
            cJSON_Delete(j);
        }
    }
    if ((n = yml_get(root, "hooks")))
        wf->hooks = mb_dup(mb_scalar(&b, n, "hooks", "a file path"));
    if ((n = yml_get(root, "defaults"))) {
        static const char *const defaults_keys[] = {"retry", NULL};
        if (n->kind != YML_MAP) {
            mb_err(&b, DIAG_E_TYPE, n->at, "'defaults' must be a mapping, not %s",
                   yml_kind_name(n));
        } else {
            mb_keys(&b, n, defaults_keys, "defaults");
            mb_retry_raw(&b, yml_get(n, "retry"), "retry", &b.defaults);
        }
    }
    retry_raw none = {0};
    mb_retry_resolve(&b, &b.defaults, &none, &wf->default_retry);
    if ((n = yml_get(root, "output")))
        wf->output = mb_val(&b, n);

    const yml_node *steps = yml_get(root, "steps");
    if (!steps) {
        mb_err(&b, DIAG_E_MISSING_KEY, root->at, "missing 'steps' (the list of operations)");
    } else if (steps->kind != YML_SEQ || !steps->n) {
        mb_err(&b, DIAG_E_TYPE, steps->at, "'steps' must be a non-empty list of operations");
    } else {
        mb_ops(&b, steps, &wf->ops, &wf->nops);
    }
    mb_strs_free(b.defaults.v.on, b.defaults.v.non);
    return wf;
}
