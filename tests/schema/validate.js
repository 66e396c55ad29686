#!/usr/bin/env node
/*
 * validate.js — validates workflow files against schemas/workflow.schema.json
 * with ajv (JSON Schema 2020-12).
 *
 *   node validate.js [--verdicts FILE] [YAML...]
 *
 * With no file arguments it takes the standard set (paths from the source
 * root): examples/NAME/*.yaml, tests/golden/NAME/*.yaml and
 * tests/schema/valid/*.yaml, which must pass, and tests/schema/invalid/*.yaml,
 * which must fail (but for the SEMANTIC exceptions below). It prints one
 * verdict per file ("valid" or "invalid", the path, and the first errors)
 * and exits 1 when a file's verdict is not the expected one.
 *
 * --verdicts FILE also writes "SCHEMA-VERDICT PATH CHECKER-VERDICT" lines
 * there for test_schema.sh: what the schema said, and what `cairn check`
 * must say (the same, except for the SEMANTIC exceptions). Explicit file
 * arguments are only judged, never expected anything.
 *
 * It also requires a title and a description on every property of the
 * schema (editors show them on hover), and counts each one missing as an
 * unexpected verdict.
 *
 * It never edits a file and never fetches anything: the schema is read from
 * the tree, and ajv checks it against the 2020-12 meta-schema it ships.
 */
"use strict";

const fs = require("fs");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020");
const YAML = require("yaml");

const root = path.resolve(process.env.CAIRN_SOURCE_DIR || path.join(__dirname, "..", ".."));

function yamlFilesIn(dir) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return [];
    return fs.readdirSync(abs).filter((f) => f.endsWith(".yaml")).sort().map((f) => path.join(dir, f));
}

function subdirs(dir) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return [];
    return fs.readdirSync(abs, { withFileTypes: true })
        .filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)).sort();
}

/*
 * The exceptions: files whose only problem is semantic, which a JSON Schema
 * cannot express. The schema must accept each of them and `cairn check`
 * must refuse it (test_schema.sh reads the third column of --verdicts).
 * Nothing else may go here: a problem of shape belongs in the schema.
 */
const SEMANTIC = new Map([
    // Names in ${...} are resolved against earlier `as` names.
    ["tests/schema/invalid/semantic_unknown_name.yaml", "an expression names an unknown variable"],
    // goto / else / catch targets are resolved against the operation list.
    ["tests/schema/invalid/semantic_bad_goto.yaml", "goto to no operation"],
    ["tests/schema/invalid/semantic_goto_out_of_branch.yaml", "a goto that leaves a branch"],
    ["tests/schema/invalid/semantic_name_from_branch.yaml", "a name set inside a group, read after it"],
    // Uniqueness of names across list items (JSON Schema has no such keyword).
    ["tests/schema/invalid/semantic_duplicate_name.yaml", "two operations share a name"],
    // A relation between a nested key (run.lua) and a top-level one (hooks).
    ["tests/schema/invalid/semantic_lua_without_hooks.yaml", "lua: without hooks:"],
    // await must name an earlier callback operation.
    ["tests/schema/invalid/semantic_await_unknown.yaml", "await of an unknown callback"],
    // The expression grammar is the generator's, not a regular language.
    ["tests/schema/invalid/semantic_bad_expression.yaml", "an expression that does not parse"],
    // Comparisons between two values of one file: JSON Schema compares a
    // value with constants only.
    ["tests/schema/invalid/semantic_heartbeat_not_shorter.yaml", "heartbeat not shorter than timeout"],
    ["tests/schema/invalid/semantic_retry_initial_over_max.yaml", "retry initial delay over its max"],
    ["tests/schema/invalid/semantic_ok_range_reversed.yaml", "status range 299-200"],
    // A value of one key (as) compared with the names of other operations.
    ["tests/schema/invalid/semantic_as_callback_name.yaml", "an as that overwrites a callback's id"],
    // Which days a month has (and February's in leap years) is the calendar's.
    ["tests/schema/invalid/semantic_until_no_such_day.yaml", "until: a date that does not exist"],
]);

/*
 * The standard set: [path relative to root, schema verdict expected,
 * checker verdict expected].
 */
function standardSet() {
    const files = [];
    for (const d of [...subdirs("examples"), ...subdirs("tests/golden"), "tests/schema/valid"])
        for (const f of yamlFilesIn(d)) files.push([f, "valid", "valid"]);
    for (const f of yamlFilesIn("tests/schema/invalid"))
        files.push([f, SEMANTIC.has(f) ? "valid" : "invalid", "invalid"]);
    for (const f of SEMANTIC.keys())
        if (!fs.existsSync(path.join(root, f))) throw new Error(`exception list names a missing file: ${f}`);
    return files;
}

/*
 * Parses one YAML document the way the checker reads it: the YAML 1.2 core
 * schema, one document, no duplicate keys, and none of the YAML features the
 * language refuses (anchors, aliases, tags). Returns {value} or {error}.
 */
function readYaml(file) {
    const text = fs.readFileSync(path.resolve(root, file), "utf8");
    const docs = YAML.parseAllDocuments(text, { schema: "core", uniqueKeys: true });
    if (docs.length !== 1) return { error: `${docs.length} YAML documents, expected 1` };
    const doc = docs[0];
    if (doc.errors.length) return { error: `YAML: ${doc.errors[0].message.split("\n")[0]}` };
    let refused = null;
    YAML.visit(doc, (key, node) => {
        if (YAML.isAlias(node)) refused = "YAML aliases (*name) are not part of the language";
        else if (YAML.isNode(node) && node.anchor) refused = "YAML anchors (&name) are not part of the language";
        else if (YAML.isNode(node) && node.tag) refused = "YAML tags (!name) are not part of the language";
        return refused ? YAML.visit.BREAK : undefined;
    });
    if (refused) return { error: refused };
    return { value: doc.toJS() };
}

/*
 * Editors show a key's title and description on hover: every property of
 * the schema must have both, on itself or on the definition it refers to.
 * Returns the JSON pointers of the properties that lack one.
 */
function undocumented(schema) {
    const missing = [];
    const resolve = (s) => {
        while (s && s.$ref && !(s.title && s.description)) {
            const target = s.$ref.replace(/^#\/\$defs\//, "");
            const next = schema.$defs[target];
            if (!next) return s;
            s = { ...next, title: s.title || next.title, description: s.description || next.description };
        }
        return s;
    };
    const walk = (s, where) => {
        if (!s || typeof s !== "object") return;
        if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}/${i}`));
        for (const [k, v] of Object.entries(s)) {
            if (k === "properties" && v && typeof v === "object" && !Array.isArray(v)) {
                // a map of names to schemas, not a schema: check and walk each
                for (const [name, prop] of Object.entries(v)) {
                    const r = resolve(prop);
                    if (!r || !r.title || !r.description) missing.push(`${where}/properties/${name}`);
                    walk(prop, `${where}/properties/${name}`);
                }
            } else {
                walk(v, `${where}/${k}`);
            }
        }
    };
    walk(schema, "#");
    return missing;
}

function describe(err) {
    const where = err.instancePath || "/";
    let what = err.message;
    if (err.keyword === "additionalProperties") what += `: '${err.params.additionalProperty}'`;
    if (err.keyword === "enum") what += `: ${err.params.allowedValues.join(", ")}`;
    return `${where} ${what}`;
}

/*
 * ajv reports every failing branch of the operation's oneOf. Show the
 * errors of the deepest places first: they name the real problem.
 */
function firstErrors(errors, n) {
    const depth = (e) => e.instancePath.split("/").length;
    const sorted = [...errors].sort((a, b) => depth(b) - depth(a));
    const seen = new Set();
    const out = [];
    for (const e of sorted) {
        if (e.keyword === "if") continue; // "must match then schema": the then errors say why
        const d = describe(e);
        if (seen.has(d)) continue;
        seen.add(d);
        out.push(d);
        if (out.length === n) break;
    }
    return out;
}

function main(argv) {
    let verdictsFile = null;
    const args = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--verdicts") verdictsFile = argv[++i];
        else args.push(argv[i]);
    }
    const files = args.length ? args.map((f) => [f, null, null]) : standardSet();

    const schemaPath = path.join(root, "schemas", "workflow.schema.json");
    const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);

    let mismatches = 0;
    const bare = undocumented(schema);
    for (const where of bare) console.log(`UNDOCUMENTED ${where}: needs a title and a description`);
    mismatches += bare.length;

    const verdicts = [];
    for (const [file, expected, checkerExpected] of files) {
        const doc = readYaml(file);
        let verdict, reasons;
        if (doc.error) {
            verdict = "invalid";
            reasons = [doc.error];
        } else if (validate(doc.value)) {
            verdict = "valid";
            reasons = [];
        } else {
            verdict = "invalid";
            reasons = firstErrors(validate.errors, 3);
        }
        verdicts.push(`${verdict} ${file} ${checkerExpected || verdict}`);
        const bad = expected !== null && verdict !== expected;
        if (bad) mismatches++;
        const mark = expected === null ? "" : bad ? `UNEXPECTED (wanted ${expected}) ` : "ok ";
        const why = SEMANTIC.has(file) ? ` (semantic: ${SEMANTIC.get(file)})` : "";
        console.log(`${mark}${verdict.padEnd(7)} ${file}${why}`);
        for (const r of reasons) console.log(`        ${r}`);
    }
    if (verdictsFile) fs.writeFileSync(verdictsFile, verdicts.join("\n") + "\n");
    if (!files.length) {
        console.log("no workflow files found");
        return 1;
    }
    console.log(`${files.length} files, ${mismatches} unexpected verdicts`);
    return mismatches ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
