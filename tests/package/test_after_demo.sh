#!/usr/bin/env bash
# test_after_demo.sh — `cmake --install build --prefix P` works right after
# tools/demo.sh (README: "Install cairn once"), with nothing else built.
#
# Configures a fresh build folder the way tools/demo.sh does and builds
# exactly the targets its `cmake --build` line names (read from demo.sh, so
# the two cannot drift), then installs into a temporary prefix and checks the
# install is complete: the tool runs, both libcairn builds and the CMake and
# pkg-config files are there. It failed when demo.sh built only cairn and
# order (libcairn.so was never built; the prefix was left half-installed).
#
# Env: CAIRN_SOURCE_DIR.
set -u
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

demo="$CAIRN_SOURCE_DIR/tools/demo.sh"
line="$(grep -E '^cmake --build build .*--target ' "$demo")" ||
    fail "tools/demo.sh has no 'cmake --build build ... --target' line"
configure="$(grep -E '^cmake -S \. -B build' "$demo")" ||
    fail "tools/demo.sh has no 'cmake -S . -B build' line"
targets="$(echo "$line" | sed -E 's/.*--target ([^>]*).*/\1/')"
type="$(echo "$configure" | grep -oE -- '-DCMAKE_BUILD_TYPE=[A-Za-z]+' || true)"
[ -n "$targets" ] || fail "no targets read from: $line"

build="$tmp/build"
# shellcheck disable=SC2086 # $type: empty or one word
cmake -S "$CAIRN_SOURCE_DIR" -B "$build" $type >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log" >&2; fail "configure failed"; }
# shellcheck disable=SC2086 # the target list splits into words
cmake --build "$build" -j2 --target $targets >"$tmp/build.log" 2>&1 ||
    { tail -30 "$tmp/build.log" >&2; fail "building demo.sh's targets ($targets) failed"; }

prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install after demo.sh's build (targets: $targets) failed"; }
for f in bin/cairn lib/libcairn.a lib/libcairn.so lib/libcairn.so.0 \
    include/cairn/cairn.h include/cairn/workflow.h lib/cmake/cairn/cairnConfig.cmake \
    lib/cmake/cairn/cairnTargets.cmake lib/pkgconfig/cairn.pc lib/pkgconfig/cairn-static.pc \
    share/cairn/workflow.schema.json; do
    [ -e "$prefix/$f" ] || fail "not installed after demo.sh's build: $f"
done
"$prefix/bin/cairn" check "$CAIRN_SOURCE_DIR/tests/package/hello.yaml" ||
    fail "the installed cairn does not check hello.yaml"
echo "PASS: cmake --install works after tools/demo.sh's build ($targets)"
