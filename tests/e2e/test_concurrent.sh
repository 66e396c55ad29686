# Two workers on one database: every execution completes once, with the
# right result, and no at_most_once step is ever seen as interrupted (no
# process crashed) or run twice with the same attempt.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"
export CAIRN_E2E_SIDE=$WORK/side.txt CAIRN_E2E_SLEEP_MS=2

check "start 8 crash executions, then run two workers at once until idle"
for seed in 1 2 3 4 5 6 7 8; do
    "$HOST" start crash --input "{\"seed\":$((seed * 100))}" >/dev/null || fail "start $seed"
done
"$HOST" worker --until-idle --skip-time >"$WORK/w1.out" 2>"$WORK/w1.err" &
P1=$!
"$HOST" worker --until-idle --skip-time >"$WORK/w2.out" 2>"$WORK/w2.err" &
P2=$!
RC1=0 RC2=0
wait "$P1" || RC1=$?
wait "$P2" || RC2=$?
[ "$RC1" -eq 0 ] && [ "$RC2" -eq 0 ] || fail "workers exited $RC1 and $RC2: $(cat "$WORK/w1.err" "$WORK/w2.err")"

check "all succeeded with their results"
run_cmd l "$HOST" list --json
json_check "$WORK/l.out" 'len(d) == 8 and all(x["status"] == "SUCCEEDED" and x["result"] == {k: x["input"]["seed"] + i + 1 for i, k in enumerate("abcdef")} for x in d)'

check "no at_most_once step was interrupted or ran twice"
for id in $(python3 -c 'import json,sys; print(" ".join(x["id"] for x in json.load(open(sys.argv[1]))))' "$WORK/l.out"); do
    "$HOST" history "$id" --json >"$WORK/h-$id.json" || fail "history $id"
done
python3 - "$WORK/side.txt" "$WORK"/h-*.json <<'PY' || fail "at_most_once check"
import collections, json, sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
seen = collections.Counter((x, op, int(a)) for op, a, x in lines)
twice = [k for k, n in seen.items() if k[1] in ("b", "d", "f") and n > 1]
if twice:
    sys.exit(f"at_most_once steps ran twice: {twice}")
for path in sys.argv[2:]:
    h = json.load(open(path))
    for o in h["operations"]:
        if o["name"] in ("b", "d", "f") and o["attempt"] != 1:
            sys.exit(f"{h['execution']['id']}: step {o['name']} at attempt {o['attempt']} with no crash")
print(f"  {len(lines)} hook calls over {len(sys.argv) - 2} executions")
PY
echo "ok"
