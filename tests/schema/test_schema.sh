#!/usr/bin/env bash
# test_schema.sh — keeps schemas/workflow.schema.json and `cairn check` in
# agreement.
#
# 1. validate.js (ajv, JSON Schema 2020-12) judges every examples/*/*.yaml,
#    tests/golden/*/*.yaml and tests/schema/valid/*.yaml (must pass) and
#    tests/schema/invalid/*.yaml (must fail, except the semantic exceptions
#    listed and explained in validate.js, which the schema cannot see).
# 2. `$CAIRN check` judges the same files; every file must get the verdict
#    the schema gave it, and each semantic exception must be refused.
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
nfiles=0
while read -r schema_says file checker_must; do
    nfiles=$((nfiles + 1))
    set +e
    out=$(cd "$CAIRN_SOURCE_DIR" && "$CAIRN" check "$file" 2>&1)
    rc=$?
    set -e
    case $rc in
    0) checker_says=valid ;;
    1) checker_says=invalid ;;
    *)
        echo "MISMATCH $file: cairn check exited $rc (expected 0 or 1)"
        printf '%s\n' "$out" | sed -n '1,5s/^/        /p'
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
        printf '%s\n' "$out" | sed -n '1,5s/^/        /p'
        failed=1
    else
        first=$(printf '%s\n' "$out" | grep -m1 -E ': (error|warning):' || true)
        echo "ok $checker_says $file${first:+  [$first]}"
    fi
done <"$verdicts"

echo
if ((failed)); then
    echo "FAILED: the schema and the checker disagree (see above)"
    exit 1
fi
echo "$nfiles files: the schema and cairn check agree"
