#!/usr/bin/env bash
# test_golden.sh — `cairn gen` against the expected files in tests/golden/.
#
# Each folder tests/golden/CASE/ holds one or more workflow YAML files (with
# their hooks) and the expected output: NAME.c.expected, NAME.h.expected, and
# main.c.expected when the case is generated with --main. The test generates
# every case (from inside its folder, so the path in the output is the bare
# file name) and diffs. With UPDATE=1 it rewrites the expected files instead.
#
# It also checks, on every case: determinism (twice → same bytes; from a copy
# in another folder → same bytes once that folder's path is removed), that
# the generated C compiles with -Wall -Wextra -Werror under gcc and clang,
# that every generated file (with and without --no-line) passes
# `clang-format --dry-run -Werror` with the project's .clang-format, that
# --no-line leaves no #line, that unchanged files are not rewritten; and,
# once: that a C hook of the wrong type is reported at its YAML line, that a
# bad YAML writes nothing and leaves existing outputs byte-identical, that a
# callback misuse writes nothing either, and the usage errors.
#
# Env: CAIRN (the tool), CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (for cairn/version.h); CC (default cc), CLANG (default
# clang), CLANG_FORMAT (default clang-format).
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

: "${CAIRN:?set CAIRN to the cairn tool}"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
GOLDEN="$CAIRN_SOURCE_DIR/tests/golden"
CC="${CC:-cc}"
CLANG="${CLANG:-clang}"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"
STYLE="--style=file:$CAIRN_SOURCE_DIR/.clang-format"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -fsyntax-only "-I$CAIRN_SOURCE_DIR/runtime/include"
    "-I$CAIRN_BINARY_DIR/include")

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# compiles DIR CASE WHAT: every generated .c in DIR compiles with gcc and clang.
compiles() {
    local dir="$1" case="$2" what="$3" c cc
    for c in "$dir"/*.c; do
        for cc in "$CC" "$CLANG"; do
            "$cc" "${CFLAGS[@]}" "-I$dir" "$c" ||
                fail "$case: $(basename "$c") does not compile with $cc$what"
        done
    done
}

# formatted DIR CASE WHAT: every generated file in DIR is as clang-format lays it out.
formatted() {
    local dir="$1" case="$2" what="$3" f
    for f in "$dir"/*; do
        "$CLANG_FORMAT" "$STYLE" --dry-run -Werror "$f" ||
            fail "$case: $(basename "$f") is not clang-formatted$what"
    done
}

# header_joined FILE: FILE with its first comment (which clang-format may
# have wrapped over several lines) joined on one line.
header_joined() {
    awk 'h == 0 { sub(/^ \* /, ""); line = line (NR > 1 ? " " : "") $0
                  if (index($0, "*/")) { print line; h = 1 }; next }
         { print }' "$1"
}

# gen_case CASE OUTDIR [extra args...]: generate CASE from inside its folder.
gen_case() {
    local case="$1" out="$2"
    shift 2
    local main=()
    [ -f "$GOLDEN/$case/main.c.expected" ] && main=(--main)
    (cd "$GOLDEN/$case" && "$CAIRN" gen *.yaml -o "$out" "${main[@]}" "$@")
}

for dir in "$GOLDEN"/*/; do
    case="$(basename "$dir")"
    out="$tmp/$case"

    if ! gen_case "$case" "$out"; then
        fail "$case: cairn gen exited $?"
        continue
    fi

    # Every output has an expected file, and every expected file an output.
    for f in "$out"/*; do
        [ -f "$dir/$(basename "$f").expected" ] || [ "${UPDATE:-0}" = 1 ] ||
            fail "$case: $(basename "$f") has no expected file"
    done
    for exp in "$dir"/*.expected; do
        [ -e "$exp" ] || continue
        got="$out/$(basename "$exp" .expected)"
        if [ "${UPDATE:-0}" = 1 ]; then
            continue
        elif [ ! -f "$got" ]; then
            fail "$case: $(basename "$got") was not generated"
        elif ! diff -u "$exp" "$got"; then
            fail "$case: $(basename "$got") differs from its expected file"
        fi
    done
    if [ "${UPDATE:-0}" = 1 ]; then
        for f in "$out"/*; do
            cp "$f" "$dir/$(basename "$f").expected"
        done
        echo "updated $case"
    fi

    # Determinism: a second run gives the same bytes.
    gen_case "$case" "$tmp/$case.again" || fail "$case: second run failed"
    diff -r "$out" "$tmp/$case.again" >/dev/null || fail "$case: two runs differ"

    # From a copy elsewhere, given as a longer path: only the path changes.
    mkdir -p "$tmp/copy/elsewhere"
    cp -r "$dir" "$tmp/copy/elsewhere/$case"
    main=()
    [ -f "$dir/main.c.expected" ] && main=(--main)
    yamls=()
    for y in "$dir"/*.yaml; do yamls+=("elsewhere/$case/$(basename "$y")"); done
    if (cd "$tmp/copy" && "$CAIRN" gen "${yamls[@]}" -o "$tmp/$case.copy" "${main[@]}"); then
        for f in "$out"/*; do
            name="$(basename "$f")"
            header_joined "$tmp/$case.copy/$name" | sed "s|elsewhere/$case/||g" \
                >"$tmp/$case.copy.$name"
            header_joined "$f" >"$tmp/$case.orig.$name"
            cmp -s "$tmp/$case.orig.$name" "$tmp/$case.copy.$name" ||
                fail "$case: $name from a copy differs beyond its path"
        done
    else
        fail "$case: gen from a copy failed"
    fi

    # The generated C compiles cleanly with both compilers, and is formatted.
    compiles "$out" "$case" ""
    formatted "$out" "$case" ""

    # --no-line: no #line at all, and still compiles.
    gen_case "$case" "$tmp/$case.noline" --no-line || fail "$case: --no-line failed"
    if grep -l '#line' "$tmp/$case.noline"/* >/dev/null 2>&1; then
        fail "$case: --no-line left #line directives"
    fi
    compiles "$tmp/$case.noline" "$case" " without #line"
    formatted "$tmp/$case.noline" "$case" " without #line"

    # Unchanged outputs are not rewritten (same inode after a second run).
    before="$(stat -c '%i' "$out"/* | tr '\n' ' ')"
    gen_case "$case" "$out" || fail "$case: regenerating in place failed"
    after="$(stat -c '%i' "$out"/* | tr '\n' ' ')"
    [ "$before" = "$after" ] || fail "$case: unchanged outputs were rewritten"
done

# A C hook of the wrong type: the compiler's error points at the YAML line of
# the `run: { c: ... }` that names it. The hook is declared in the generated
# header; a copy of it declares basic_charge as taking an int instead.
hookline="$(grep -n 'run: { c: basic_charge }' "$GOLDEN/basic/basic.yaml" | cut -d: -f1)"
mkdir -p "$tmp/wrong"
cp "$tmp/basic/basic.c" "$tmp/wrong/"
sed 's/^int basic_charge(.*;$/int basic_charge(int n);/' "$tmp/basic/basic.h" \
    >"$tmp/wrong/basic.h"
if cmp -s "$tmp/basic/basic.h" "$tmp/wrong/basic.h"; then
    fail "could not find basic_charge's prototype in basic.h to break it"
fi
for cc in "$CC" "$CLANG"; do
    if "$cc" "${CFLAGS[@]}" "-I$tmp/wrong" "$tmp/wrong/basic.c" 2>"$tmp/wrong/err"; then
        fail "$cc: a C hook of the wrong type compiled"
    elif ! grep -q "^basic.yaml:$hookline:[0-9]*: error: .*incompatible" "$tmp/wrong/err"; then
        fail "$cc: the error for a hook of the wrong type is not at basic.yaml:$hookline: $(cat "$tmp/wrong/err")"
    fi
done

# A bad YAML among good ones: exit 1, nothing written, existing files intact.
bad="$tmp/bad"
mkdir -p "$bad/out"
cp "$GOLDEN/basic/basic.yaml" "$GOLDEN/basic/basic.lua" "$bad/"
printf 'cairn: 1\nname: broken\nsteps:\n  - step: a\n    run: { lua: f }\n    goto: nowhere\n' >"$bad/broken.yaml"
echo "/* an older basic.c */" >"$bad/out/basic.c"
cp "$bad/out/basic.c" "$bad/basic.c.before"
(cd "$bad" && "$CAIRN" gen basic.yaml broken.yaml -o out 2>"$bad/stderr")
rc=$?
[ "$rc" = 1 ] || fail "gen with a bad YAML exited $rc, not 1"
grep -q '^broken.yaml:[0-9]*:[0-9]*: error: ' "$bad/stderr" || fail "no file:line:col error for the bad YAML"
cmp -s "$bad/out/basic.c" "$bad/basic.c.before" || fail "gen with a bad YAML changed an existing file"
[ "$(ls "$bad/out")" = "basic.c" ] || fail "gen with a bad YAML wrote files: $(ls "$bad/out")"

# A callback misuse the checker refuses (await before the callback exists):
# gen exits 1 with the checker's diagnostic and writes nothing.
printf 'cairn: 1\nname: cb\nsteps:\n  - await: pay\n  - callback: pay\n    timeout: 1h\n' >"$bad/cb.yaml"
(cd "$bad" && "$CAIRN" gen cb.yaml -o out2 2>"$bad/stderr")
rc=$?
[ "$rc" = 1 ] || fail "gen of an await before its callback exited $rc, not 1"
grep -q "^cb.yaml:4:12: error: await of callback 'pay' before it is created" "$bad/stderr" ||
    fail "gen of an await before its callback: wrong message: $(cat "$bad/stderr")"
[ ! -e "$bad/out2" ] || fail "gen of an await before its callback wrote something"

# Two files with one workflow name: refused.
cp "$GOLDEN/basic/basic.yaml" "$bad/basic2.yaml"
(cd "$bad" && "$CAIRN" gen basic.yaml basic2.yaml -o out3 2>/dev/null)
rc=$?
[ "$rc" = 1 ] || fail "two workflows named basic: exit $rc, not 1"
[ ! -e "$bad/out3" ] || fail "two workflows named basic: something was written"

# Usage errors exit 2; --help exits 0.
"$CAIRN" gen 2>/dev/null
[ $? = 2 ] || fail "gen without files should exit 2"
"$CAIRN" gen "$GOLDEN/basic/basic.yaml" 2>/dev/null
[ $? = 2 ] || fail "gen without -o should exit 2"
"$CAIRN" gen "$GOLDEN/basic/basic.yaml" -o "$tmp/x" --bogus 2>/dev/null
[ $? = 2 ] || fail "gen with an unknown option should exit 2"
"$CAIRN" gen --help | grep -q -- '--no-line' || fail "gen --help does not describe its options"

echo "golden: all cases pass"
