# The kill test: a worker is SIGKILLed at a series of moments until the
# execution completes. Then: the result equals an uninterrupted run's, no
# operation once completed is missing or changed, and no at_most_once step
# ran twice with the same attempt (the hooks log "op attempt execution" to a
# side file).
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

INPUT='{"seed":10}'
export CAIRN_E2E_SLEEP_MS=15

check "an uninterrupted run gives the reference result"
run_cmd ref env CAIRN_E2E_SIDE="$WORK/ref-side.txt" "$HOST" run crash --input "$INPUT" --skip-time --json --db "$WORK/ref.db"
expect_rc 0
json_check "$WORK/ref.out" 'd["status"] == "SUCCEEDED" and d["result"] == {"a": 11, "b": 12, "c": 13, "d": 14, "e": 15, "f": 16}'
REF_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/ref.out")
"$HOST" history "$REF_ID" --json --db "$WORK/ref.db" >"$WORK/ref-history.json" || fail "history of the reference run"
grep -q '^c 3 ' "$WORK/ref-side.txt" || fail "the flaky step did not reach attempt 3: $(cat "$WORK/ref-side.txt")"

# Kill moments sweep 3..31 ms after the worker starts, in steps of 7 ms
# modulo 29, so kills land at many different places: while the process
# starts, replays, runs a hook, or commits. They also drift later by 1 ms a
# round, so a slow machine still gets through.
check "SIGKILL a worker at varied moments, restarting it, until the execution completes"
export CAIRN_E2E_SIDE=$WORK/side.txt
ID=$("$HOST" start crash --input "$INPUT") || fail "start"
landed=0
done_=0
for k in $(seq 1 200); do
    "$HOST" worker --until-idle --skip-time >>"$WORK/worker.out" 2>>"$WORK/worker.err" &
    PID=$!
    ms=$((3 + (7 * k) % 29 + k))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    hit=no
    if kill -KILL "$PID" 2>/dev/null; then
        landed=$((landed + 1))
        hit=yes
    fi
    wait "$PID" 2>/dev/null
    snap=$WORK/snap-$(printf '%03d' "$k").json # sorted by name = in kill order
    "$HOST" history "$ID" --json >"$snap" || fail "history after kill $k"
    status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["execution"]["status"])' "$snap")
    echo "  kill $k after ${ms} ms: worker still running: $hit; execution $status"
    if [ "$status" = SUCCEEDED ]; then
        done_=1
        break
    fi
    [ "$status" = FAILED ] || [ "$status" = TIMED_OUT ] && fail "the execution ended $status: $(cat "$snap")"
done
[ "$done_" -eq 1 ] || fail "not completed after 200 kills"
[ "$landed" -ge 5 ] || fail "only $landed kills hit a running worker: the test tested too little"
echo "  $landed kills hit a running worker"

check "the result equals the uninterrupted run's"
"$HOST" status "$ID" --json >"$WORK/final-status.json" || fail "status"
python3 - "$WORK/ref.out" "$WORK/final-status.json" <<'PY' || fail "results differ"
import json, sys
ref, got = (json.load(open(p)) for p in sys.argv[1:])
if got["status"] != "SUCCEEDED" or got["result"] != ref["result"]:
    sys.exit(f"expected {ref['result']}, got {got['status']} {got['result']}")
PY

check "no completed operation is missing or changed, and the journal has the reference's operations"
python3 - "$WORK/ref-history.json" "$WORK"/snap-*.json <<'PY' || fail "journal check"
import json, sys
ref = json.load(open(sys.argv[1]))
snaps = [json.load(open(p)) for p in sys.argv[2:]]
final = snaps[-1]
ops = {o["id"]: o for o in final["operations"]}
for snap, path in zip(snaps, sys.argv[2:]):
    for o in snap["operations"]:
        if o["status"] != "SUCCEEDED" or o["type"] == "EXECUTION":
            continue
        f = ops.get(o["id"])
        if f is None or f["name"] != o["name"] or f["status"] != "SUCCEEDED" \
                or f["result"] != o["result"] or f["attempt"] != o["attempt"]:
            sys.exit(f"{path}: completed operation {o} became {f}")
names = lambda h: [(o["name"], o["type"], o["status"]) for o in h["operations"]]
if names(final) != names(ref):
    sys.exit(f"journal {names(final)} differs from the reference {names(ref)}")
print(f"  {len(snaps)} snapshots checked against the final journal")
print("  final attempts: " + ", ".join(f"{o['name']} {o['attempt']}" for o in final["operations"] if o["type"] == "STEP"))
PY

check "no at_most_once step ran twice with the same attempt"
python3 - "$WORK/side.txt" <<'PY' || fail "side file check"
import collections, sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
seen = collections.Counter((op, int(a)) for op, a, _ in lines)
twice = [k for k, n in seen.items() if k[0] in ("b", "d", "f") and n > 1]
if twice:
    sys.exit(f"at_most_once steps ran twice: {twice}")
for op in "abcdef":
    if not any(o == op for o, _ in seen):
        sys.exit(f"step {op} never ran")
print(f"  {len(lines)} hook calls, {sum(n - 1 for n in seen.values())} repeated (op, attempt) pairs, none at_most_once")
PY
echo "ok"
