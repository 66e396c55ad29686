#!/usr/bin/env bash
# bench/run.sh [N] — the figures the issues ask for, measured on this machine:
#   - a durable 10-step execution, end to end (bench_exec, N runs, default 2000);
#   - `cairn gen` of a 1,000-operation workflow (20 runs);
#   - the callback round trip inside `serve`, HTTP succeed -> completed
#     (bench_callback.sh, 1,000 callbacks).
# Builds a Release tree in build-bench/ first. Prints a small report.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target cairn bench_exec >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== durable 10-step execution =="
build-bench/bench/bench_exec "$tmp/bench.db" "$n"

echo "== cairn gen, 1,000 operations =="
python3 bench/gen_big.py 1000 > "$tmp/big.yaml"
build-bench/generator/cairn gen "$tmp/big.yaml" -o "$tmp/out" # warm up, and check it passes
python3 - "$tmp" <<'PY'
import statistics, subprocess, sys, time
tmp = sys.argv[1]
runs = []
for _ in range(20):
    t = time.perf_counter()
    subprocess.run(["build-bench/generator/cairn", "gen", f"{tmp}/big.yaml", "-o", f"{tmp}/out"], check=True)
    runs.append((time.perf_counter() - t) * 1e3)
print(f"  median {statistics.median(runs):.1f} ms   min {min(runs):.1f} ms   max {max(runs):.1f} ms  (20 runs, process start included)")
PY
wc -l "$tmp/out/big.c" | awk '{print "  generated big.c: " $1 " lines"}'

# The callback round trip inside serve: HTTP succeed -> execution completed (1,000 callbacks).
bash bench/bench_callback.sh 1000
