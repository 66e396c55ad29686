#!/usr/bin/env bash
# test_install.sh — cairn as an installed package, used from outside its tree.
#
# Installs this build into a temporary prefix and checks the layout, then
# builds tests/package/hello.yaml (one Lua step) two ways, each run to
# SUCCEEDED with the greeting as its result:
#   1. a CMake project of exactly three lines beyond its project() —
#      find_package(cairn REQUIRED); add_executable(hello);
#      cairn_add_workflow(hello hello.yaml HOOKS hello.lua MAIN) — found
#      through CMAKE_PREFIX_PATH, generating with the installed bin/cairn
#      (no cairn on PATH);
#   2. a plain Makefile: the installed `cairn gen --main`, then cc with
#      `pkg-config --cflags --libs --static cairn`.
# Also: editing the YAML regenerates and rebuilds, a rebuild without a change
# regenerates nothing.
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (a built tree).
set -u
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
HERE="$CAIRN_SOURCE_DIR/tests/package"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# A sanitized build installs a sanitized libcairn: its users link the same runtime.
extra=""
if grep -q '^CAIRN_SANITIZE:BOOL=ON' "$CAIRN_BINARY_DIR/CMakeCache.txt"; then
    extra="-fsanitize=address,undefined"
fi

prefix="$tmp/prefix"
if ! cmake --install "$CAIRN_BINARY_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "cmake --install failed"
    exit 1
fi
for f in bin/cairn lib/libcairn.a include/cairn/cairn.h lib/cmake/cairn/cairnConfig.cmake \
    lib/cmake/cairn/cairnConfigVersion.cmake lib/cmake/cairn/cairnTargets.cmake \
    lib/cmake/cairn/cairn.cmake lib/pkgconfig/cairn.pc share/cairn/workflow.schema.json \
    share/cairn/templates/workflow.c.in; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
done
[ -x "$prefix/bin/cairn" ] || fail "bin/cairn is not executable"
"$prefix/bin/cairn" gen --help >/dev/null || fail "the installed cairn does not run"

# Nothing from the build tree on PATH: the package must name its own cairn.
export PATH=/usr/local/bin:/usr/bin:/bin

# run_host HOST WHAT: runs hello to SUCCEEDED with the greeting.
run_host() {
    local host="$1" what="$2" out
    out="$("$host" run hello --input '{"name":"world"}' --db "$tmp/$what.db" 2>&1)"
    case "$out" in
    *SUCCEEDED*'"message":"hello, world"'*) ;;
    *) fail "$what: hello did not succeed with its greeting: $out" ;;
    esac
}

# 1. CMake: find_package + cairn_add_workflow.
proj="$tmp/cmake-project"
mkdir -p "$proj"
cp "$HERE/hello.yaml" "$HERE/hello.lua" "$proj/"
cat >"$proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(hello LANGUAGES C)
find_package(cairn REQUIRED)
add_executable(hello)
cairn_add_workflow(hello hello.yaml HOOKS hello.lua MAIN)
CMAKE
if cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >"$tmp/configure.log" 2>&1 &&
    cmake --build "$proj/build" >"$tmp/build.log" 2>&1; then
    run_host "$proj/build/hello" cmake
    grep -q "$prefix/bin/cairn" "$proj/build/CMakeFiles/hello.dir/build.make" 2>/dev/null ||
        grep -rq "$prefix/bin/cairn" "$proj/build" ||
        fail "cmake: the build does not run the installed cairn"

    # No change: nothing is regenerated.
    cmake --build "$proj/build" >"$tmp/build2.log" 2>&1 || fail "cmake: a second build failed"
    grep -q "Generating hello.c" "$tmp/build2.log" && fail "cmake: a build without a change regenerated"
    # A changed YAML: regenerated, rebuilt, and the new text runs.
    sed -i 's/^# The outside project.*/# changed: regenerate/' "$proj/hello.yaml"
    sed -i 's/"hello, "/"hi, "/' "$proj/hello.lua"
    cmake --build "$proj/build" >"$tmp/build3.log" 2>&1 || fail "cmake: the rebuild failed"
    grep -q "Generating hello.c" "$tmp/build3.log" || fail "cmake: a changed YAML was not regenerated"
    out="$("$proj/build/hello" run hello --input '{"name":"you"}' --db "$tmp/cmake2.db" 2>&1)"
    case "$out" in
    *'"message":"hi, you"'*) ;;
    *) fail "cmake: the rebuilt host does not run the changed hooks: $out" ;;
    esac
else
    cat "$tmp/configure.log" "$tmp/build.log" >&2 2>/dev/null
    fail "cmake: the outside project did not configure and build"
fi

# 2. A plain Makefile with pkg-config.
mk="$tmp/make-project"
mkdir -p "$mk"
cp "$HERE/hello.yaml" "$HERE/hello.lua" "$mk/"
printf '%s\n' \
    'CAIRN = $(shell pkg-config --variable=cairn cairn)' \
    'CFLAGS += -std=c11 -Wall -Wextra -Werror -Igen $(shell pkg-config --cflags cairn) $(EXTRA)' \
    'LDLIBS += $(shell pkg-config --libs --static cairn)' \
    'LDFLAGS += $(EXTRA)' \
    '' \
    'hello: gen/hello.c gen/main.c' \
    '	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)' \
    '' \
    'gen/hello.c gen/main.c: hello.yaml hello.lua' \
    '	$(CAIRN) gen hello.yaml -o gen --main' >"$mk/Makefile"
if PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -C "$mk" EXTRA="$extra" >"$tmp/make.log" 2>&1; then
    run_host "$mk/hello" make
else
    cat "$tmp/make.log" >&2
    fail "make: the pkg-config project did not build"
fi
# --static lists every library libcairn needs.
libs="$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs --static cairn)"
for l in -lcairn -lcjson -llua5.4 -lsqlite3 -lcurl -lmicrohttpd -lm; do
    case " $libs " in
    *" $l "*) ;;
    *) fail "pkg-config --libs --static cairn lacks $l: $libs" ;;
    esac
done

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "package: installed cairn builds and runs hello with CMake and with pkg-config"
