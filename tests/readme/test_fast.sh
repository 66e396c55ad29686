#!/usr/bin/env bash
# test_fast.sh — README.md's fast command, run verbatim.
#
# Takes the `ctest --test-dir build -L unit ...` line from the "Two commands"
# section of README.md and runs it exactly as written, from a folder whose
# `build` is this build tree; it must pass and run exactly the tests labelled
# unit and not slow, none of them slow, and there must be some. Also: every
# test of the tree has exactly one of the kinds unit, golden, e2e and
# reliability (tests/CMakeLists.txt), and this test is e2e (it must not run
# itself).
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (a built tree).
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

check "README.md's Two commands section names the fast command"
cmd=$(awk '/^## Two commands/ {in_s = 1; next} /^## / {in_s = 0} in_s && /^ctest --test-dir build -L unit/' \
    "$CAIRN_SOURCE_DIR/README.md")
[ "$(printf '%s\n' "$cmd" | grep -c .)" = 1 ] || fail "expected one ctest line, found: '$cmd'"

# count CTEST-ARGS...: how many tests ctest -N selects.
count() {
    ctest --test-dir "$CAIRN_BINARY_DIR" -N "$@" | sed -n 's/^Total Tests: //p'
}

check "every test has exactly one kind"
[ "$(count -LE '^(unit|golden|e2e|reliability)$')" = 0 ] ||
    fail "tests without a kind: $(ctest --test-dir "$CAIRN_BINARY_DIR" -N -LE '^(unit|golden|e2e|reliability)$')"
for a in unit golden e2e reliability; do
    for b in unit golden e2e reliability; do
        [ "$a" \< "$b" ] || continue
        n=$(ctest --test-dir "$CAIRN_BINARY_DIR" -N -L "^$a\$" | grep -c 'Test *#' || true)
        both=$(ctest --test-dir "$CAIRN_BINARY_DIR" -N -L "^$a\$" -L "^$b\$" | grep -c 'Test *#' || true)
        [ "$both" = 0 ] || fail "$both test(s) are both $a and $b"
        [ "$n" -gt 0 ] || [ "$a" = reliability ] || fail "no test is $a"
    done
done
ctest --test-dir "$CAIRN_BINARY_DIR" -N -L '^unit$' | grep -q 'readme_test_fast' && fail "this test is labelled unit"

check "the fast command, verbatim: $cmd"
want=$(count -L unit -LE slow)
[ "${want:-0}" -gt 10 ] || fail "only '${want}' tests are unit and not slow"
ln -s "$CAIRN_BINARY_DIR" "$WORK/build"
t0=$(date +%s)
(cd "$WORK" && eval "$cmd") >"$WORK/out" 2>&1 || fail "it failed: $(cat "$WORK/out")"
echo "  $(($(date +%s) - t0)) s"
grep -q "^100% tests passed, 0 tests failed out of $want\$" "$WORK/out" ||
    fail "it did not run the $want fast unit tests: $(tail -5 "$WORK/out")"
grep -q 'test_rt_torture' "$WORK/out" && fail "it ran test_rt_torture, which is slow"
echo "README's fast command runs $want unit tests"
