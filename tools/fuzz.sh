#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS [TARGET...]] — runs every fuzz target of tests/fuzz/
# (or the TARGETs named: yaml expr payload http journal lualib) for SECONDS (default
# 60) each, with libFuzzer, ASan and UBSan.
#
# Builds with clang in build-fuzz/ (or $CAIRN_FUZZ_BUILD) with -DCAIRN_FUZZ=ON,
# the whole tree instrumented for coverage. Each target starts from its
# committed corpus (tests/fuzz/corpus/NAME, read only) and dictionary
# (tests/fuzz/NAME.dict, when there is one); what it finds goes to
# build-fuzz/fuzz/corpus/NAME. Prints the executions per target (libFuzzer's
# final stats). Any crash, leak, UB or timeout fails the run: the input that
# did it is left in build-fuzz/fuzz/crashes/NAME/ and the log beside it. To
# replay one: build-fuzz/tests/fuzz/fuzz_NAME FILE.
# Needs clang with its runtime (Debian: clang, libclang-rt-14-dev).
set -euo pipefail

secs=${1:-60}
if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: tools/fuzz.sh [SECONDS [TARGET...]]  (seconds per target, default 60)" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CAIRN_FUZZ_BUILD:-$root/build-fuzz}
targets=(yaml expr payload http journal lualib)
[ $# -gt 1 ] && targets=("${@:2}")

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCAIRN_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_BUILD_EXAMPLES=OFF \
  "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

status=0
printf '%-8s %12s %8s  %s\n' target executions exec/s result
for t in "${targets[@]}"; do
  corpus=$build/fuzz/corpus/$t
  crashes=$build/fuzz/crashes/$t
  log=$build/fuzz/$t.log
  mkdir -p "$corpus" "$crashes"
  dict=()
  [ -f "$root/tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")
  rc=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=30 -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$crashes/" "$corpus" "$root/tests/fuzz/corpus/$t" \
    >"$log" 2>&1 || rc=$?
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
  rate=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log")
  result=ok
  if [ "$rc" -ne 0 ]; then
    status=1
    result="FAILED (exit $rc): $(ls "$crashes" | head -3 | tr '\n' ' ')log: $log"
    grep -m1 -E 'ERROR: |runtime error:|SUMMARY:' "$log" >&2 || tail -20 "$log" >&2
  fi
  printf '%-8s %12s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$result"
done
exit $status
