#!/bin/bash
# test_check.sh — `cairn check` against the bad-input corpus and the good files.
#
# tests/check/cases/NAME.yaml holds one problem each; NAME.expected is the
# exact stderr of `cairn check NAME.yaml` run inside cases/. A case whose
# expected text has an error must exit 1; a warnings-only case exits 0.
# Every golden and example workflow must pass (exit 0). The JSON form must
# parse and agree with the text form.
#
# Env: CAIRN (the tool), CAIRN_SOURCE_DIR. UPDATE=1 rewrites the .expected files.
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
: "${CAIRN:?set CAIRN to the cairn tool}"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"

cases="$CAIRN_SOURCE_DIR/tests/check/cases"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count=0

cd "$cases" || exit 1
for yaml in *.yaml; do
    name=${yaml%.yaml}
    count=$((count + 1))
    "$CAIRN" check "$yaml" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/stderr" "$name.expected"
    fi
    if [ ! -f "$name.expected" ]; then
        fail "$name: no $name.expected (run with UPDATE=1)"
        continue
    fi
    if ! diff -u "$name.expected" "$tmp/stderr"; then
        fail "$name: diagnostics differ"
    fi
    want=0
    grep -q ': error: ' "$name.expected" && want=1
    [ "$rc" = "$want" ] || fail "$name: exit $rc, want $want"
    [ -s "$tmp/stdout" ] && fail "$name: text form wrote to stdout"
    [ -s "$tmp/stderr" ] || fail "$name: no diagnostic at all"

    # the JSON form: parses, and says the same as the text form
    "$CAIRN" check --format json "$yaml" >"$tmp/json" 2>"$tmp/json_err"
    jrc=$?
    [ "$jrc" = "$rc" ] || fail "$name: --format json exit $jrc, text exit $rc"
    [ -s "$tmp/json_err" ] && fail "$name: --format json wrote to stderr"
    python3 - "$tmp/json" "$tmp/stderr" <<'PY' || fail "$name: JSON form does not match the text form"
import json, sys
items = json.load(open(sys.argv[1]))
text = [l for l in open(sys.argv[2]).read().splitlines() if l]
assert isinstance(items, list) and len(items) == len(text), (len(items), len(text))
# one diagnostic a line, between "[" and "]" lines, no tabs
raw = open(sys.argv[1]).read()
assert "\t" not in raw, "tab in the JSON form"
assert raw.splitlines()[1:-1] == ["  " + json.dumps(it, separators=(",", ":"), ensure_ascii=False) + ("," if i + 1 < len(items) else "") for i, it in enumerate(items)], raw
for it, line in zip(items, text):
    assert set(it) == {"file", "line", "column", "severity", "code", "message"}, it
    assert it["code"][:1] in "EW" and len(it["code"]) == 4, it
    # column 0: a place known by its line only (a Lua syntax error)
    place = "%s:%d" % (it["file"], it["line"]) + (":%d" % it["column"] if it["column"] else "")
    want = "%s: %s: %s" % (place, it["severity"], it["message"])
    assert want == line, (want, line)
PY
done
[ "$count" -ge 30 ] || fail "only $count cases"

# several files at once: every file's problems, one exit code
"$CAIRN" check unknown_key.yaml unreachable.yaml 2>"$tmp/multi" >/dev/null
[ $? = 1 ] || fail "two files with an error: want exit 1"
cat unknown_key.expected unreachable.expected | diff -u - "$tmp/multi" || fail "two files: diagnostics differ"

# usage
"$CAIRN" check >/dev/null 2>&1
[ $? = 2 ] || fail "no file: want exit 2"
"$CAIRN" check --bogus x.yaml >/dev/null 2>&1
[ $? = 2 ] || fail "unknown option: want exit 2"
"$CAIRN" check --format yaml x.yaml >/dev/null 2>&1
[ $? = 2 ] || fail "bad --format: want exit 2"
"$CAIRN" check --help >"$tmp/help" 2>&1 || fail "--help: want exit 0"
grep -q 'usage: cairn check' "$tmp/help" || fail "--help: no usage"
"$CAIRN" check does-not-exist.yaml 2>"$tmp/missing" >/dev/null
[ $? = 1 ] || fail "missing file: want exit 1"
grep -q '^does-not-exist.yaml:1:1: error: cannot read the file' "$tmp/missing" || fail "missing file: message"

# the good files pass, with no diagnostic at all; but the golden callbacks
# case, whose generated C must not change, keeps its catch of only
# Callback.Timeout on a callback with a heartbeat, and the one warning (W004)
# that earns
shopt -s nullglob
for yaml in "$CAIRN_SOURCE_DIR"/tests/golden/*/*.yaml "$CAIRN_SOURCE_DIR"/examples/*/*.yaml; do
    "$CAIRN" check "$yaml" 2>"$tmp/good" >/dev/null
    rc=$?
    [ "$rc" = 0 ] || fail "$yaml: exit $rc"
    if [ "$yaml" = "$CAIRN_SOURCE_DIR/tests/golden/callbacks/callbacks.yaml" ]; then
        grep -q '^[^ ]*callbacks.yaml:30:17: warning: this catch names Callback.Timeout but not Callback.Heartbeat' "$tmp/good" &&
            [ "$(wc -l <"$tmp/good")" = 1 ] || fail "$yaml: want exactly the heartbeat warning"
    elif [ -s "$tmp/good" ]; then
        cat "$tmp/good"
        fail "$yaml: diagnostics on a good file"
    fi
    "$CAIRN" check --format json "$yaml" | python3 -m json.tool >/dev/null || fail "$yaml: JSON form does not parse"
done

echo "$count cases passed"
