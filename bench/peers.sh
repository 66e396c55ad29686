#!/usr/bin/env bash
# bench/peers.sh [--quick] — cairn next to its peers, in one run on this
# machine, as one table: the 10-step workflow of bench/ten.yaml (ten steps,
# each adding one) and the one-callback workflow of bench/waiter.yaml, on
#   - cairn: bench_exec (latency: start + 10 steps + end in process,
#     synchronous=FULL), bench_batch (throughput: one worker draining 3,000
#     queued executions, --batch 16), bench_callback.sh (HTTP succeed ->
#     execution completed, inside `serve`);
#   - Restate (restate-server, started here on free loopback ports with its
#     data in a temporary folder, and the TS SDK: bench/peers/restate-*.mjs):
#     latency and throughput of request-response calls to its ingress (16 in
#     flight), awakeable resolved -> workflow result received;
#   - AWS's durable execution JS SDK in its local runner
#     (bench/peers/aws.mjs): an in-memory test double in the same process,
#     nothing on disk, not AWS.
# Installs the peers from bench/peers/package-lock.json (npm ci), builds
# cairn's Release bench tree in build-bench/, prints the machine, the
# versions, each tool's own report, then the table (ratios: peer / cairn).
# --quick: a few runs of each, for checking the harness (figures meaningless).
# Every figure is measured in this run; the data of all three live on the
# disk of the temporary folder (mktemp -d), which the report names.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
case "${1:-}" in
"") ;;
--quick) quick=1 ;;
*)
    echo "usage: bench/peers.sh [--quick]" >&2
    exit 2
    ;;
esac
if [ "$quick" = 1 ]; then
    cairn_exec=50 cairn_batch=100 cairn_cb=20
    peer_lat=10 peer_tput=32 peer_cb=5 aws_lat=5 aws_tput=32 aws_cb=3
else
    cairn_exec=2000 cairn_batch=3000 cairn_cb=1000
    peer_lat=300 peer_tput=1500 peer_cb=300 aws_lat=100 aws_tput=500 aws_cb=50
fi

for tool in node npm cmake cc python3 curl; do
    command -v "$tool" >/dev/null || { echo "peers.sh: $tool is needed" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
# stop PID: SIGTERM, then SIGKILL if it has not ended within 5 s.
stop() {
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local p
    for p in "${pids[@]}"; do
        stop "$p"
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "== install the peers (npm ci in bench/peers) =="
(cd bench/peers && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "== build cairn's Release bench tree (build-bench) =="
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target cairn cairn_runtime bench_exec bench_batch >/dev/null
sync # npm ci wrote about 450 MB: not written back during the fsync'd benches

# The machine and the versions.
disk=$(findmnt -n -o SOURCE,FSTYPE -T "$tmp" | awk '{print $1 " (" $2 ")"}')
dev=$(lsblk -n -d -o PKNAME "$(findmnt -n -o SOURCE -T "$tmp")" 2>/dev/null || true)
[ -n "$dev" ] || dev=$(basename "$(findmnt -n -o SOURCE -T "$tmp")")
if [ -r "/sys/block/$dev/queue/rotational" ]; then
    kind=$([ "$(cat "/sys/block/$dev/queue/rotational")" = 1 ] && echo "reports rotational" || echo "non-rotational")
    disk="$disk, $dev $kind"
fi
. /etc/os-release
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
virt=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')
echo "machine: $(nproc) cores ($cpu${virt:+, a $virt guest}), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $PRETTY_NAME, $(uname -m)"
echo "disk of the data: $disk"
version() { node -p "require('./bench/peers/node_modules/$1/package.json').version"; }
case "$(uname -m)" in
x86_64) arch=x64 ;;
aarch64) arch=arm64 ;;
*) echo "peers.sh: no restate-server build for $(uname -m)" >&2; exit 1 ;;
esac
server=bench/peers/node_modules/@restatedev/restate-server-linux-$arch/bin/restate-server
restate_version=$("$server" --version | awk '{print $2}')
{
    echo "restate Restate $restate_version"
    echo "aws AWS local runner $(version @aws/durable-execution-sdk-js-testing)"
} >"$tmp/titles.txt"
echo "versions: node $(node --version), restate-server $restate_version,"\
    "@restatedev/restate-sdk $(version @restatedev/restate-sdk),"\
    "@aws/durable-execution-sdk-js $(version @aws/durable-execution-sdk-js),"\
    "@aws/durable-execution-sdk-js-testing $(version @aws/durable-execution-sdk-js-testing)"

echo "== cairn =="
build-bench/bench/bench_exec "$tmp/exec.db" "$cairn_exec" | tee "$tmp/cairn_exec.txt"
build-bench/bench/bench_batch "$tmp" "$cairn_batch" | tee "$tmp/cairn_batch.txt"
bash bench/bench_callback.sh "$cairn_cb" | tee "$tmp/cairn_callback.txt"

echo "== Restate =="
# Three free loopback ports: ingress, admin, node-to-node.
read -r ingress admin fabric < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
for s in ss:
    s.close()')
RESTATE_DISABLE_TELEMETRY=true RESTATE_LOG_DISABLE_ANSI_CODES=true RESTATE_LISTEN_MODE=tcp \
    RESTATE_INGRESS__BIND_ADDRESS="127.0.0.1:$ingress" RESTATE_ADMIN__BIND_ADDRESS="127.0.0.1:$admin" \
    RESTATE_BIND_ADDRESS="127.0.0.1:$fabric" RESTATE_ADVERTISED_ADDRESS="http://127.0.0.1:$fabric/" \
    "$server" --no-logo --node-name bench --base-dir "$tmp/restate" >"$tmp/restate-server.log" 2>&1 &
pids+=($!)
node bench/peers/restate-service.mjs "$tmp/service.port" >"$tmp/restate-service.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$admin/health" >/dev/null 2>&1 &&
        curl -sf "http://127.0.0.1:$ingress/restate/health" >/dev/null 2>&1 &&
        [ -s "$tmp/service.port" ] && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$ingress/restate/health" >/dev/null || {
    echo "peers.sh: restate-server did not start:" >&2
    tail -20 "$tmp/restate-server.log" >&2
    exit 1
}
[ -s "$tmp/service.port" ] || { echo "peers.sh: the service did not start: $(cat "$tmp/restate-service.log")" >&2; exit 1; }
RESTATE_ADMIN_URL="http://127.0.0.1:$admin" bench/peers/node_modules/.bin/restate --yes \
    deployments register "http://127.0.0.1:$(cat "$tmp/service.port")" >"$tmp/register.log" 2>&1 || {
    echo "peers.sh: registering the service failed: $(cat "$tmp/register.log")" >&2
    exit 1
}
node bench/peers/restate-driver.mjs "http://127.0.0.1:$ingress" "$peer_lat" "$peer_tput" "$peer_cb" |
    tee "$tmp/restate.txt"
for p in "${pids[@]}"; do
    stop "$p"
done
pids=()

echo "== AWS durable execution SDK, local runner (in memory) =="
(cd bench/peers && node aws.mjs "$aws_lat" "$aws_tput" "$aws_cb") | tee "$tmp/aws.txt"

echo
echo "== cairn and its peers, same run (ratio: peer / cairn) =="
[ "$quick" = 0 ] || echo "(--quick: a few runs of each; the figures say nothing)"
python3 bench/peers/table.py "$tmp"
