#!/usr/bin/env bash
# test_examples.sh — examples/ built out of tree against the installed cairn.
#
# Installs this build into a temporary prefix, then, with nothing of the
# build tree on PATH and the prefix found through CMAKE_PREFIX_PATH:
#   1. a wrapper project — find_package(cairn REQUIRED), then add_subdirectory
#      of examples/order, approval, payment, quorum and bulk-charge —
#      configures, builds the five hosts (their generation run by the
#      installed bin/cairn), and the order host runs inputs/success.json to
#      SUCCEEDED with --skip-time;
#   2. examples/order configured on its own as the top-level project (its
#      CMakeLists.txt then does the find_package itself) builds and runs the
#      same order to SUCCEEDED;
#   3. so do examples/quorum (its request waits on three callbacks) and
#      examples/bulk-charge (inputs/ok.json SUCCEEDS, 10 lines charged), the
#      fan-out examples.
# No example registers a test out of the cairn tree, even with
# CAIRN_BUILD_TESTS set (their tests need the in-tree cairn target).
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (a built tree).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
EXAMPLES="$CAIRN_SOURCE_DIR/examples"
export PATH=/usr/local/bin:/usr/bin:/bin

# build WHAT SOURCE BUILD: configures and builds SOURCE against the prefix.
build() {
    local what="$1" src="$2" bin="$3"
    if cmake -S "$src" -B "$bin" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >"$tmp/$what.configure.log" 2>&1 &&
        cmake --build "$bin" -j2 >"$tmp/$what.build.log" 2>&1; then
        grep -rqs "$prefix/bin/cairn" "$bin" || fail "$what: the build does not run the installed cairn"
        return 0
    fi
    cat "$tmp/$what.configure.log" "$tmp/$what.build.log" >&2 2>/dev/null
    fail "$what: did not configure and build"
    return 1
}

# run_order HOST WHAT: the success input runs to SUCCEEDED, shipped.
run_order() {
    local out
    out="$("$1" run order --db "$tmp/$2.db" --input "$(cat "$EXAMPLES/order/inputs/success.json")" \
        --skip-time --json 2>"$tmp/$2.err")"
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["status"] == "SUCCEEDED" and d["result"]["status"] == "shipped" else 1)' "$out" ||
        fail "$2: the order did not succeed shipped: $out $(cat "$tmp/$2.err")"
}

# 1. All examples under one wrapper project.
wrap="$tmp/wrapper"
mkdir -p "$wrap"
cat >"$wrap/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(cairn_examples LANGUAGES C)
find_package(cairn REQUIRED)
enable_testing()
set(CAIRN_BUILD_TESTS ON) # as in the cairn tree: the examples must still add no test
foreach(example IN ITEMS order approval payment quorum bulk-charge)
  add_subdirectory("$EXAMPLES/\${example}" \${example})
endforeach()
CMAKE
if build wrapper "$wrap" "$wrap/build"; then
    for host in order/order approval/approval payment/payment quorum/quorum bulk-charge/bulk_charge; do
        [ -x "$wrap/build/$host" ] || fail "wrapper: no host $host"
    done
    run_order "$wrap/build/order/order" wrapper
    tests="$(ctest --test-dir "$wrap/build" -N 2>&1)"
    case "$tests" in
    *"Total Tests: 0"*) ;;
    *) fail "wrapper: examples registered tests out of the cairn tree: $tests" ;;
    esac
fi

# 2. examples/order as the top-level project.
if build standalone "$EXAMPLES/order" "$tmp/order-build"; then
    run_order "$tmp/order-build/order" standalone
fi

# 3. The fan-out examples as top-level projects.
if build quorum "$EXAMPLES/quorum" "$tmp/quorum-build"; then
    out="$("$tmp/quorum-build/quorum" run quorum --db "$tmp/quorum.db" \
        --input "$(cat "$EXAMPLES/quorum/inputs/contract.json")" 2>"$tmp/quorum.err")"
    [ "$(printf '%s\n' "$out" | grep -c '^callback ')" = 3 ] && printf '%s\n' "$out" | grep -q '^status *PENDING' ||
        fail "quorum: the request does not wait on three callbacks: $out $(cat "$tmp/quorum.err")"
fi
if build bulk-charge "$EXAMPLES/bulk-charge" "$tmp/bulk-charge-build"; then
    out="$("$tmp/bulk-charge-build/bulk_charge" run bulk_charge --db "$tmp/bulk.db" --skip-time --json \
        --input "$(cat "$EXAMPLES/bulk-charge/inputs/ok.json")" 2>"$tmp/bulk.err")"
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["status"] == "SUCCEEDED" and d["result"]["charged"] == 10 else 1)' "$out" ||
        fail "bulk-charge: the order was not charged: $out $(cat "$tmp/bulk.err")"
fi

echo "package: examples/ build out of tree against the installed cairn; order and bulk-charge run to SUCCEEDED, quorum waits"
