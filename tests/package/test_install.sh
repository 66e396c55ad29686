#!/usr/bin/env bash
# test_install.sh — cairn as an installed package, used from outside its tree.
#
# Installs this build into a temporary prefix and checks the layout (libcairn
# static and shared, with SONAME libcairn.so.0, exporting only cairn_*, and
# without the test hooks: no fault_* and no mem_fail_at/mem_allocations symbol
# in either library), then builds tests/package/hello.yaml (one Lua step)
# several ways, each run to SUCCEEDED with the greeting as its result, under
# CAIRN_KILL_AT=1 and CAIRN_FAULT=write:after=0, which a test build of the
# runtime obeys (it would SIGKILL itself, or fail every write):
#   1. a CMake project of exactly three lines beyond its project() —
#      find_package(cairn REQUIRED); add_executable(hello);
#      cairn_add_workflow(hello hello.yaml HOOKS hello.lua MAIN) — found
#      through CMAKE_PREFIX_PATH, generating with the installed bin/cairn
#      (no cairn on PATH), linked with the static libcairn.a;
#   2. in the same project, the keyword form
#      cairn_add_workflow(TARGET ... YAML ... OUTPUT_DIR gen/kw SHARED), whose
#      files land in OUTPUT_DIR and whose host needs libcairn.so.0, and the
#      positional form under CAIRN_LINK_SHARED, linked shared as well;
#   3. plain Makefiles: the installed `cairn gen --main`, then cc with
#      `pkg-config --libs cairn` (libcairn.so; run with LD_LIBRARY_PATH) and
#      with `pkg-config --libs --static cairn-static` (libcairn.a).
# A keyword call without YAML is refused at configure time.
# Also: editing the YAML regenerates and rebuilds, a newer installed cairn
# (which embeds the templates) regenerates, a rebuild without a change
# regenerates nothing; in this build tree, the examples' generation depends
# on templates/*.in.
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (a built tree).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
HERE="$CAIRN_SOURCE_DIR/tests/package"
for f in bin/cairn lib/libcairn.a lib/libcairn.so lib/libcairn.so.0 lib/libcairn.so.0.1.0 \
    include/cairn/cairn.h include/cairn/workflow.h lib/cmake/cairn/cairnConfig.cmake \
    lib/cmake/cairn/cairnConfigVersion.cmake lib/cmake/cairn/cairnTargets.cmake \
    lib/cmake/cairn/cairn.cmake lib/pkgconfig/cairn.pc lib/pkgconfig/cairn-static.pc \
    share/cairn/workflow.schema.json share/cairn/templates/workflow.c.in; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
done
[ -L "$prefix/lib/libcairn.so" ] && [ -L "$prefix/lib/libcairn.so.0" ] ||
    fail "libcairn.so and libcairn.so.0 are not symlinks to the versioned library"
readelf -d "$prefix/lib/libcairn.so.0.1.0" | grep -q 'Library soname: \[libcairn.so.0\]' ||
    fail "libcairn.so.0.1.0 has no SONAME libcairn.so.0"
# It exports the public API and nothing else.
exported="$(nm -D --defined-only "$prefix/lib/libcairn.so.0.1.0" | awk '{print $3}')"
echo "$exported" | grep -qx cairn_host_main || fail "libcairn.so does not export cairn_host_main"
echo "$exported" | grep -qx cairn_store_main || fail "libcairn.so does not export cairn_store_main"
others="$(echo "$exported" | grep -v '^cairn_')"
[ -z "$others" ] || fail "libcairn.so exports more than cairn_*: $(echo $others)"
# The test hooks never ship (runtime/CMakeLists.txt): no symbol of fault.c or
# of mem.c's allocation-failure switch, in the symbol table, local or global.
for lib in libcairn.a libcairn.so.0.1.0; do
    hooks="$(nm "$prefix/lib/$lib" 2>/dev/null | grep -E ' (fault_|mem_fail_at$|mem_allocations$)')"
    [ -z "$hooks" ] || fail "$lib holds test hooks: $(echo $hooks)"
    nm "$prefix/lib/$lib" 2>/dev/null | grep -q ' mem_malloc$' || fail "nm cannot read $lib's symbols"
done
[ -x "$prefix/bin/cairn" ] || fail "bin/cairn is not executable"
"$prefix/bin/cairn" gen --help >/dev/null || fail "the installed cairn does not run"

# Nothing from the build tree on PATH: the package must name its own cairn.
export PATH=/usr/local/bin:/usr/bin:/bin

# run_host HOST WHAT: runs hello to SUCCEEDED with the greeting, with the
# test hooks' variables set: an installed runtime has no kill points (a test
# build would SIGKILL itself at the first), no failing VFS (it would fail
# every write) and prints no kill-point count.
run_host() {
    local host="$1" what="$2" out
    out="$(CAIRN_KILL_AT=1 CAIRN_KILL_COUNT=1 CAIRN_FAULT=write:after=0 \
        "$host" run hello --input '{"name":"world"}' --db "$tmp/$what.db" 2>&1)"
    case "$out" in
    *"kill points"*) fail "$what: the installed runtime counts kill points: $out" ;;
    *SUCCEEDED*'"message":"hello, world"'*) ;;
    *) fail "$what: hello did not succeed with its greeting: $out" ;;
    esac
}

# linked_shared HOST: true when HOST needs libcairn.so.0 at run time.
linked_shared() {
    readelf -d "$1" | grep -q 'Shared library: \[libcairn.so.0\]'
}

# In this build tree the generation depends on the template sources (besides
# the tool that embeds them).
grep -rqs --include=build.make --include=build.ninja "templates/workflow.c.in" \
    "$CAIRN_BINARY_DIR/examples/order" "$CAIRN_BINARY_DIR/build.ninja" ||
    fail "in-tree: the generation of examples/order does not depend on templates/workflow.c.in"

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

add_executable(hello_kw)
cairn_add_workflow(TARGET hello_kw YAML hello.yaml HOOKS hello.lua OUTPUT_DIR gen/kw MAIN SHARED)
set(CAIRN_LINK_SHARED ON)
add_executable(hello_var)
cairn_add_workflow(hello_var hello.yaml HOOKS hello.lua MAIN)
CMAKE
if cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >"$tmp/configure.log" 2>&1 &&
    cmake --build "$proj/build" >"$tmp/build.log" 2>&1; then
    run_host "$proj/build/hello" cmake
    linked_shared "$proj/build/hello" && fail "cmake: hello (default) links libcairn.so, not libcairn.a"
    for f in hello.c hello.h main.c; do
        [ -f "$proj/build/gen/kw/$f" ] || fail "cmake: OUTPUT_DIR gen/kw has no $f"
    done
    # RUNPATH (CMake's build-tree rpath) finds the installed libcairn.so.
    for h in hello_kw hello_var; do
        run_host "$proj/build/$h" "cmake-$h"
        linked_shared "$proj/build/$h" || fail "cmake: $h does not link libcairn.so.0"
    done
    grep -q "$prefix/bin/cairn" "$proj/build/CMakeFiles/hello.dir/build.make" 2>/dev/null ||
        grep -rq "$prefix/bin/cairn" "$proj/build" ||
        fail "cmake: the build does not run the installed cairn"

    # No change: nothing is regenerated.
    cmake --build "$proj/build" >"$tmp/build2.log" 2>&1 || fail "cmake: a second build failed"
    grep -q "Generating hello.c" "$tmp/build2.log" && fail "cmake: a build without a change regenerated"
    # A newer cairn (it embeds the templates): regenerated. Restore the
    # tool's time after, so the next builds see the outputs up to date again.
    touch -r "$prefix/bin/cairn" "$tmp/tool-time"
    touch "$prefix/bin/cairn"
    cmake --build "$proj/build" >"$tmp/build-tool.log" 2>&1 || fail "cmake: the build after a new cairn failed"
    grep -q "Generating hello.c" "$tmp/build-tool.log" || fail "cmake: a newer cairn did not regenerate"
    touch -r "$tmp/tool-time" "$prefix/bin/cairn"
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

# A keyword call without its YAML is refused at configure time, by name.
bad="$tmp/bad-project"
mkdir -p "$bad"
cp "$HERE/hello.yaml" "$HERE/hello.lua" "$bad/"
cat >"$bad/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(bad LANGUAGES C)
find_package(cairn REQUIRED)
add_executable(hello)
cairn_add_workflow(TARGET hello HOOKS hello.lua MAIN)
CMAKE
if cmake -S "$bad" -B "$bad/build" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/bad.log" 2>&1; then
    fail "cmake: cairn_add_workflow(TARGET hello) without YAML configured"
else
    grep -q "TARGET and YAML each need a value" "$tmp/bad.log" ||
        fail "cmake: the refusal does not say YAML is missing: $(cat "$tmp/bad.log")"
fi

# 3. Plain Makefiles with pkg-config: cairn (shared), cairn-static (static).
# make_project DIR PACKAGE [--static]: builds hello in DIR linked with
# `pkg-config --libs PACKAGE [--static]`.
make_project() {
    local mk="$1" pkg="$2" static="${3:-}"
    mkdir -p "$mk"
    cp "$HERE/hello.yaml" "$HERE/hello.lua" "$mk/"
    printf '%s\n' \
        "PKG = $pkg" \
        'CAIRN = $(shell pkg-config --variable=cairn $(PKG))' \
        'CFLAGS += -std=c11 -Wall -Wextra -Werror -Igen $(shell pkg-config --cflags $(PKG)) $(EXTRA)' \
        "LDLIBS += \$(shell pkg-config --libs $static \$(PKG))" \
        'LDFLAGS += $(EXTRA)' \
        '' \
        'hello: gen/hello.c gen/main.c' \
        '	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)' \
        '' \
        'gen/hello.c gen/main.c: hello.yaml hello.lua' \
        '	$(CAIRN) gen hello.yaml -o gen --main' >"$mk/Makefile"
    PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -C "$mk" EXTRA="$extra" >"$tmp/make-$pkg.log" 2>&1 || {
        cat "$tmp/make-$pkg.log" >&2
        return 1
    }
}
if make_project "$tmp/make-shared" cairn; then
    linked_shared "$tmp/make-shared/hello" || fail "make: pkg-config --libs cairn did not link libcairn.so.0"
    LD_LIBRARY_PATH="$prefix/lib" run_host "$tmp/make-shared/hello" make-shared
else
    fail "make: the project on pkg-config cairn did not build"
fi
if make_project "$tmp/make-static" cairn-static --static; then
    linked_shared "$tmp/make-static/hello" && fail "make: pkg-config --libs --static cairn-static linked libcairn.so"
    run_host "$tmp/make-static/hello" make-static
else
    fail "make: the project on pkg-config cairn-static did not build"
fi
# cairn-static lists libcairn.a and every library it needs, with or without
# --static; cairn --static lists them after -lcairn.
for args in "--libs cairn-static" "--libs --static cairn-static" "--libs --static cairn"; do
    libs="$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config $args)"
    for l in -lcjson -llua5.4 -lsqlite3 -lcurl -lmicrohttpd -lcrypto -lm; do
        case " $libs " in
        *" $l "*) ;;
        *) fail "pkg-config $args lacks $l: $libs" ;;
        esac
    done
done
case " $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs cairn-static) " in
*"/lib/libcairn.a "*) ;;
*) fail "pkg-config --libs cairn-static does not name libcairn.a" ;;
esac

echo "package: installed cairn builds and runs hello with CMake and with pkg-config, static and shared"
