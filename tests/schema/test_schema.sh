#!/usr/bin/env bash
# test_schema.sh — keeps schemas/workflow.schema.json and `cairn check` in
# agreement.
#
# 1. validate.js (ajv, JSON Schema 2020-12) judges every examples/*/*.yaml,
#    tests/golden/*/*.yaml and tests/schema/valid/*.yaml (must pass) and
#    tests/schema/invalid/*.yaml (must fail, except the semantic exceptions
#    listed and explained in validate.js, which the schema cannot see).
# 2. `$CAIRN check --format json` judges the same files; every file must get
#    the verdict the schema gave it, and each semantic exception must be
#    refused. Each invalid file holds one problem and names the diagnostic
#    code it must draw on its second line (`# cairn check: E011`): the
#    checker must report that code and no other error, so a file refused for
#    an accidental reason does not pass.
#
# Env: CAIRN (the cairn tool), CAIRN_SOURCE_DIR (the source tree). Installs
# ajv and yaml from the committed package-lock.json when node_modules is
# missing. Exit 0 only when nothing disagrees.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${CAIRN_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
export CAIRN_SOURCE_DIR
: "${CAIRN:?set CAIRN to the cairn tool}"

if [[ ! -d "$here/node_modules" ]]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

verdicts=$(mktemp)
trap 'rm -f "$verdicts"' EXIT

failed=0
echo "== the schema (ajv)"
node "$here/validate.js" --verdicts "$verdicts" || failed=1

echo
echo "== the checker (cairn check) against the schema"
# Reads `cairn check --format json` output on stdin; prints the sorted,
# distinct codes of its errors, a tab, and the first error as file:line:col.
summarize='let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    let ds = [];
    try { ds = JSON.parse(s || "[]"); } catch (e) { console.log("unparsable\t" + s.slice(0, 200)); return; }
    const errs = ds.filter((d) => d.severity === "error");
    const codes = [...new Set(errs.map((d) => d.code))].sort().join(",");
    const e = errs[0];
    console.log(codes + "\t" + (e ? `${e.file}:${e.line}:${e.column}: ${e.message}` : ""));
});'

nfiles=0
while read -r schema_says file checker_must; do
    nfiles=$((nfiles + 1))
    set +e
    json=$(cd "$CAIRN_SOURCE_DIR" && "$CAIRN" check --format json "$file" 2>/dev/null)
    rc=$?
    set -e
    IFS=$'\t' read -r codes first < <(printf '%s' "$json" | node -e "$summarize")
    case $rc in
    0) checker_says=valid ;;
    1) checker_says=invalid ;;
    *)
        echo "MISMATCH $file: cairn check exited $rc (expected 0 or 1)"
        failed=1
        continue
        ;;
    esac
    if [[ $checker_says != "$checker_must" ]]; then
        if [[ $schema_says == "$checker_must" ]]; then
            echo "MISMATCH $file: schema says $schema_says, cairn check says $checker_says"
        else
            echo "MISMATCH $file: semantic exception, cairn check must refuse it but says $checker_says"
        fi
        [[ -n $first ]] && echo "        $first"
        failed=1
        continue
    fi
    if [[ $checker_says == invalid ]]; then
        want=$(sed -n '2s/^# cairn check: \([A-Z][0-9]*\)$/\1/p' "$CAIRN_SOURCE_DIR/$file")
        if [[ -z $want ]]; then
            echo "MISMATCH $file: no '# cairn check: CODE' on its second line"
            failed=1
            continue
        fi
        if [[ $codes != "$want" ]]; then
            echo "MISMATCH $file: cairn check reports ${codes:-no error code}, the file expects only $want"
            [[ -n $first ]] && echo "        $first"
            failed=1
            continue
        fi
    fi
    echo "ok $checker_says $file${codes:+ ($codes: $first)}"
done <"$verdicts"

echo
if ((failed)); then
    echo "FAILED: see the UNEXPECTED, UNDOCUMENTED and MISMATCH lines above"
    exit 1
fi
echo "$nfiles files: the schema and cairn check agree"
