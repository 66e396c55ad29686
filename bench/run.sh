#!/usr/bin/env bash
# bench/run.sh [--no-peers] [N] — the figures the issues ask for, measured on
# this machine:
#   - a durable 10-step execution, end to end (bench_exec, N runs, default 2000);
#   - a worker draining 10-step executions, one at a time and with group
#     commit, next to the storage limit (bench_batch, 3,000 executions);
#   - the same 10-step execution with Lua steps next to C steps, in process and
#     drained by a worker (bench_lua, 1,000 executions a side, in 5 rounds);
#   - resuming an execution after 10,000 journaled steps (bench_resume, 50 runs);
#   - the resident memory of an idle host (a worker waiting on an empty store),
#     its CPU over 10 s asleep and with the fallback that polls ($CAIRN_WAIT=poll),
#     and how soon it starts an execution another process starts (bench_wake);
#   - `cairn gen` of a 1,000-operation workflow (20 runs);
#   - the callback round trip inside `serve`, HTTP succeed -> completed
#     (bench_callback.sh, 1,000 callbacks);
#   - fan-out: a map of 1,000 C steps against 1,000 steps in sequence (run
#     and resume), and ten 200 ms HTTP calls in one map (bench_fanout);
#   - cairn next to its peers, Restate and AWS's durable execution SDK in its
#     local runner: latency, throughput at 16 in flight and the callback
#     round trip of the same workflows, one table with ratios (bench/peers.sh,
#     about 2 minutes; it installs the peers with npm ci, so it needs node and
#     the npm registry: --no-peers leaves it out).
# Builds a Release tree in build-bench/ first. Prints a small report.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=1
if [ "${1:-}" = --no-peers ]; then
    peers=0
    shift
fi
n=${1:-2000}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target cairn bench_exec bench_batch bench_lua bench_resume bench_fanout bench_wake order >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== durable 10-step execution =="
build-bench/bench/bench_exec "$tmp/bench.db" "$n"

echo "== a worker draining executions (group commit) =="
build-bench/bench/bench_batch "$tmp" 3000

echo "== Lua steps next to C steps =="
build-bench/bench/bench_lua "$tmp" 1000

echo "== resume after 10,000 journaled steps =="
build-bench/bench/bench_resume "$tmp/resume.db" 50

echo "== fan-out =="
python3 tests/fanout/slow_server.py "$tmp/slow.port" "$tmp/slow.log" &
slow=$!
for _ in $(seq 100); do [ -s "$tmp/slow.port" ] && break; sleep 0.05; done
build-bench/bench/bench_fanout "$tmp" 10 1000 "http://127.0.0.1:$(cat "$tmp/slow.port")"
kill "$slow"
wait "$slow" 2>/dev/null || true

echo "== idle host =="
build-bench/examples/order/order worker --db "$tmp/idle.db" &
idle=$!
sleep 1
awk '/^VmRSS/ {rss = $2} /^RssAnon/ {anon = $2} END {printf "  order worker, idle on an empty store: RSS %.1f MiB, of which %.1f MiB its own (RssAnon)\n", rss / 1024, anon / 1024}' "/proc/$idle/status"
kill "$idle"
wait "$idle" 2>/dev/null || true
# CPU (utime + stime, /proc/PID/stat, in clock ticks) of an idle worker over 10 s.
idle_cpu() {
    local pid a b hz
    hz=$(getconf CLK_TCK)
    "$@" &
    pid=$!
    sleep 1
    a=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    sleep 10
    b=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    awk -v t=$((b - a)) -v hz="$hz" 'BEGIN {printf "%.2f%% of a core (%d ticks of 1/%d s in 10 s)", 100 * t / hz / 10, t, hz}'
}
echo "  order worker, idle for 10 s: $(idle_cpu build-bench/examples/order/order worker --db "$tmp/idle2.db")"
echo "  the same with CAIRN_WAIT=poll (the fallback, polling every 2 ms as before): $(CAIRN_WAIT=poll idle_cpu build-bench/examples/order/order worker --db "$tmp/idle3.db")"
build-bench/bench/bench_wake "$tmp" 200
CAIRN_WAIT=poll build-bench/bench/bench_wake "$tmp" 200

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

# cairn, Restate and AWS's local runner on the same workflows, one table.
if [ "$peers" = 1 ]; then
    bash bench/peers.sh
fi
