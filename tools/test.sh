#!/usr/bin/env bash
# tools/test.sh — build and run the whole test suite, three ways:
#   1. a normal build (RelWithDebInfo), every test;
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build, every test but
#      two that build their own unsanitized cairn (package_test_after_demo,
#      docs/cmake.md's commands), the reliability sweeps sampled (one kill
#      point and one fault position in three: tests/CMakeLists.txt);
#   3. the unit tests of build 1 under valgrind (no leaks, no invalid access).
# Installs what is missing first (tools/deps.sh --test). Exit 0 only if all pass.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

bash tools/deps.sh --test

stage() { printf '\n=== %s ===\n' "$*"; }

stage "build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

stage "tests"
ctest --test-dir build -j"$jobs" --output-on-failure

stage "build with ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

stage "tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j"$jobs" --output-on-failure

stage "unit tests under valgrind"
failed=0
for t in build/tests/test_*; do
    [[ -x "$t" && -f "$t" ]] || continue
    if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        "$t" >/dev/null 2>"$t.valgrind"; then
        echo "valgrind: $(basename "$t") clean"
    else
        echo "valgrind: $(basename "$t") FAILED"; cat "$t.valgrind"; failed=1
    fi
done
((failed == 0)) || exit 1
echo
echo "All test stages passed."
