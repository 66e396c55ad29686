#!/usr/bin/env bash
# test_peers_table.sh — bench/peers.sh's table (bench/peers/table.py) read
# from what the benches print today, without running any bench.
#
# cairn's lines are rendered from the printf formats of bench_exec.c,
# bench_batch.c and callback_client.c as they stand in the tree (so a
# changed report fails here, not in the middle of a benchmark run); the
# peers' lines are checked to be printed by aws.mjs and restate-driver.mjs.
# Then: the table has its three rows, every cell a figure, ratios peer /
# cairn that are right, the disk's limit and the AWS notes; and a missing figure is an error, the
# table not printed.
#
# Env: CAIRN_SOURCE_DIR.
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
B="$CAIRN_SOURCE_DIR/bench"

# render SOURCE PHRASE ARGS...: the line SOURCE's printf whose format holds
# PHRASE prints, its conversions given ARGS (adjacent literals joined).
render() {
    python3 - "$@" <<'PY'
import re, sys
src, phrase, *args = sys.argv[1:]
text = open(src, encoding="utf-8").read()
for m in re.finditer(r'\bprintf\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
    fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
    fmt = fmt.encode().decode("unicode_escape")
    if phrase in fmt:
        vals = [int(a) if re.fullmatch(r"-?\d+", a) else float(a) for a in args]
        sys.stdout.write(fmt % tuple(vals))
        sys.exit(0)
sys.exit(f"{src}: no printf prints '{phrase}'")
PY
}

check "cairn's reports rendered from the benches' own printf formats"
{
    render "$B/bench_exec.c" "runs:" 2000 || fail "bench_exec.c"
    render "$B/bench_exec.c" "p50 " 2.5 4.25 2.75 400 || fail "bench_exec.c"
} >"$WORK/cairn_exec.txt"
{
    render "$B/bench_batch.c" "--batch 1 " 500 || fail "bench_batch.c"
    render "$B/bench_batch.c" "--batch 16" 4000 8 || fail "bench_batch.c"
    render "$B/bench_batch.c" "storage limit" 39000 150000 10 3 || fail "bench_batch.c"
} >"$WORK/cairn_batch.txt"
render "$B/callback_client.c" "succeed -> completed" 1000 0.8 2.5 1 7 >"$WORK/cairn_callback.txt" ||
    fail "callback_client.c"
cat "$WORK"/cairn_*.txt

check "the peers' scripts print every measure the table reads"
for m in latency_p50_ms throughput callback_p50_ms; do
    grep -q "console.log(\`restate $m " "$B/peers/restate-driver.mjs" || fail "restate-driver.mjs: $m"
    grep -q "console.log(\`aws $m " "$B/peers/aws.mjs" || fail "aws.mjs: $m"
done
for m in returned_p50_ms callback_returned_p50_ms; do
    grep -q "console.log(\`aws $m " "$B/peers/aws.mjs" || fail "aws.mjs: $m"
done
printf 'restate latency_p50_ms 30.000\nrestate throughput 120.0\nrestate callback_p50_ms 4.000\n' \
    >"$WORK/restate.txt"
printf '%s\n' 'aws latency_p50_ms 125.000' 'aws returned_p50_ms 20.000' 'aws throughput 100.0' \
    'aws callback_p50_ms 120.000' 'aws callback_returned_p50_ms 22.000' >"$WORK/aws.txt"
printf 'restate Restate 1.7.12\naws AWS local runner 1.1.4\n' >"$WORK/titles.txt"

check "the table: three rows, figures in every cell, ratios peer / cairn"
run_cmd table python3 "$B/peers/table.py" "$WORK"
expect_rc 0
echo "$OUT"
python3 - "$WORK/table.out" <<'PY' || fail "the table is not what the figures say"
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
rows = [[c.strip() for c in l.strip("|").split("|")] for l in lines if l.startswith("|")]
assert rows[0] == ["measure", "cairn", "Restate 1.7.12", "÷ cairn", "AWS local runner 1.1.4", "÷ cairn"], rows[0]
body = rows[2:]
assert [r[0] for r in body] == [
    "one 10-step execution, p50",
    "10-step executions per second, 16 in flight",
    "callback answered → execution completed, p50",
], [r[0] for r in body]
num = re.compile(r"^[0-9][0-9,]*(\.[0-9]+)?( ms|×)?$")
for r in body:
    assert len(r) == 6 and all(num.match(c) for c in r[1:]), r
want = [
    ["2.50 ms", "30.00 ms", "12×", "125 ms", "50×"],
    ["4,000", "120", "0.03×", "100", "0.03×"],
    ["0.80 ms", "4.00 ms", "5.00×", "120 ms", "150×"],
]
assert [r[1:] for r in body] == want, [r[1:] for r in body]
note = "\n".join(lines)
assert "one execution 20.00 ms, callback 22.00 ms." in note, note
assert "The disk in this run: 39,000 10-step executions/s at 16 a" in note, note
PY

check "a missing figure: status 1, no table"
grep -v throughput "$WORK/restate.txt" >"$WORK/r" && mv "$WORK/r" "$WORK/restate.txt"
run_cmd missing python3 "$B/peers/table.py" "$WORK"
expect_rc 1
[ -z "$OUT" ] || fail "printed a table: $OUT"
case "$ERR" in *"restate.txt: no throughput"*) ;; *) fail "the error does not name it: $ERR" ;; esac

echo "PASS: bench/peers.sh's table"
