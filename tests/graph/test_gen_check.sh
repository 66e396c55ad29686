#!/usr/bin/env bash
# test_gen_check.sh — `cairn gen FILE... -o DIR --check` (for projects that
# commit generated files): 0 when DIR holds exactly what gen would write,
# 1 naming each stale or missing file, 2 on usage; it never writes.
#
# Env: CAIRN (the tool), CAIRN_SOURCE_DIR.
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

: "${CAIRN:?set CAIRN to the cairn tool}"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect RC WHAT CMD...: CMD exits RC; its stderr is kept in $tmp/err.
expect() {
    local want=$1 what=$2 rc=0
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [[ $rc == "$want" ]]; then
        echo "ok   $what"
    else
        fail "$what: exit $rc, expected $want"
        cat "$tmp/err" >&2
    fi
}

# A listing of DIR with sizes and modification times: --check must not change it.
snapshot() { find "$1" -type f -printf '%p %s %T@\n' 2>/dev/null | sort; }

cp "$CAIRN_SOURCE_DIR"/tests/golden/flow/flow.yaml "$CAIRN_SOURCE_DIR"/tests/golden/steps/steps.* "$tmp/"
cd "$tmp"
out=gen

expect 1 "nothing generated yet: every file is missing" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --check
for f in flow.c flow.h steps.c steps.h; do
    grep -qxF "$out/$f is missing: regenerate with cairn gen" err || fail "no 'missing' line for $f"
done
[[ ! -e "$out" ]] || fail "--check created $out"

expect 0 "gen writes" "$CAIRN" gen flow.yaml steps.yaml -o "$out"
before=$(snapshot "$out")
expect 0 "fresh outputs pass" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --check
[[ ! -s err ]] || fail "a fresh check should print nothing, printed: $(cat err)"

# A change to the YAML's content (the wait's duration) makes both outputs of
# that workflow stale, and only those.
sed -i 's/for: 1h30m/for: 1h45m/' flow.yaml
grep -q 'for: 1h45m' flow.yaml || fail "the test did not change flow.yaml"
expect 1 "a changed YAML is caught" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --check
grep -qxF "$out/flow.c is stale: regenerate with cairn gen" err || fail "flow.c not named stale"
grep -qxF "$out/flow.h is stale: regenerate with cairn gen" err || fail "flow.h not named stale"
grep -q steps err && fail "steps is up to date but was named: $(cat err)"
[[ "$(snapshot "$out")" == "$before" ]] || fail "--check changed files in $out"

expect 0 "regenerating makes it fresh again" "$CAIRN" gen flow.yaml steps.yaml -o "$out"
expect 0 "... and --check agrees" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --check

# A hand edit of a generated file is stale too.
echo '/* edited */' >>"$out/steps.h"
expect 1 "a hand-edited output is caught" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --check
grep -qxF "$out/steps.h is stale: regenerate with cairn gen" err || fail "steps.h not named stale"
"$CAIRN" gen flow.yaml steps.yaml -o "$out"

rm "$out/steps.c"
expect 1 "a missing output is caught" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --check
grep -qxF "$out/steps.c is missing: regenerate with cairn gen" err || fail "steps.c not named missing"
[[ $(wc -l <err) == 1 ]] || fail "only steps.c should be named: $(cat err)"
[[ ! -e "$out/steps.c" ]] || fail "--check wrote steps.c"

# --main: main.c is checked like the others.
"$CAIRN" gen flow.yaml steps.yaml -o "$out"
expect 1 "a missing main.c is caught with --main" "$CAIRN" gen flow.yaml steps.yaml -o "$out" --main --check
grep -qxF "$out/main.c is missing: regenerate with cairn gen" err || fail "main.c not named missing"

expect 2 "--check without -o is a usage error" "$CAIRN" gen flow.yaml --check
printf 'cairn: 1\nname: bad\nsteps:\n  - step: x\n' >bad.yaml
expect 1 "a bad YAML fails the check with its diagnostics" "$CAIRN" gen bad.yaml -o "$out" --check
grep -q 'bad.yaml:4:' err || fail "no diagnostic for bad.yaml"

echo "gen --check: all good"
