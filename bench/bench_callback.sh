#!/usr/bin/env bash
# bench/bench_callback.sh [N] — the callback round trip inside `serve`:
# HTTP succeed sent → execution completed, p50 and p99 over N callbacks
# (default 1000).
#
# Builds a Release libcairn and the cairn tool in build-bench/ (or
# $CAIRN_BENCH_BUILD), generates a host for bench/waiter.yaml (a workflow
# that waits for one callback) with `cairn gen --main` and compiles it as a
# user would with cc, starts `HOST serve` on a fresh store on a free
# loopback port, and runs bench/callback_client.c against it: N executions
# started, then one at a time POST .../succeed and poll GET
# /executions/ID until it is SUCCEEDED.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
build=${CAIRN_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target cairn cairn_runtime >/dev/null

tmp=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

libs=$(pkg-config --libs libcjson lua5.4 sqlite3 libcurl libmicrohttpd libcrypto)
"$build/generator/cairn" gen bench/waiter.yaml -o "$tmp/gen" --main
cc -std=c11 -O2 -I runtime/include -I "$build/include" "$tmp"/gen/*.c "$build/runtime/libcairn.a" $libs -lpthread -lm \
    -o "$tmp/host"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 bench/callback_client.c \
    $(pkg-config --cflags --libs libcurl libcjson) -o "$tmp/client"

"$tmp/host" serve --listen 127.0.0.1:0 --db "$tmp/bench.db" >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 1 100); do
    grep -q 'listening on' "$tmp/serve.out" && break
    sleep 0.05
done
base=$(sed -n 's|^serve: listening on \(http://[^ ]*\) .*|\1|p' "$tmp/serve.out")
[ -n "$base" ] || { echo "serve did not start: $(cat "$tmp/serve.err")" >&2; exit 1; }

echo "== callback round trip inside serve (HTTP succeed -> execution completed) =="
"$tmp/client" "$base" "$n"
kill -TERM "$pid"
wait "$pid"
pid=""
