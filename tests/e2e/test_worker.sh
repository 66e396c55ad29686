# `start` and `worker`: several executions, idempotent start, signals.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

check "start prints an execution id and runs nothing"
run_cmd s1 "$HOST" start flow --input '{"n":1}'
expect_rc 0
ID1=$OUT
[ -n "$ID1" ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] || fail "expected one id line, got: $OUT"
run_cmd st "$HOST" history "$ID1" --json
json_check "$WORK/st.out" 'd["execution"]["status"] in ("RUNNING", "PENDING") and all(o["type"] == "EXECUTION" for o in d["operations"])'

check "start with the same --name twice gives the same id; a new name, a new one"
run_cmd s2 "$HOST" start flow --input '{"n":2}' --name order-42
expect_rc 0
ID2=$OUT
run_cmd s2b "$HOST" start flow --input '{"n":2}' --name order-42
expect_rc 0
[ "$OUT" = "$ID2" ] || fail "second start by name gave '$OUT', first gave '$ID2'"
run_cmd s3 "$HOST" start flow --input '{"n":3}' --name order-43
expect_rc 0
ID3=$OUT
[ "$ID3" != "$ID2" ] && [ "$ID3" != "$ID1" ] || fail "ids not distinct: $ID1 $ID2 $ID3"
run_cmd l1 "$HOST" list --json
json_check "$WORK/l1.out" 'len(d) == 3'

check "worker --until-idle --skip-time completes all three"
run_cmd w "$HOST" worker --until-idle --skip-time
expect_rc 0
run_cmd l2 "$HOST" list --json
json_check "$WORK/l2.out" 'sorted((x["id"], x["status"], x["result"]["result"]) for x in d) == sorted([("'"$ID1"'", "SUCCEEDED", 3), ("'"$ID2"'", "SUCCEEDED", 5), ("'"$ID3"'", "SUCCEEDED", 7)])'

check "start by name after completion still returns the same execution"
run_cmd s4 "$HOST" start flow --input '{"n":2}' --name order-42
expect_rc 0
[ "$OUT" = "$ID2" ] || fail "start by name after completion gave '$OUT', not '$ID2'"

check "a worker with nothing to do keeps running, and exits 0 on SIGTERM"
"$HOST" worker >"$WORK/wt.out" 2>"$WORK/wt.err" &
PID=$!
sleep 0.3
kill -0 "$PID" 2>/dev/null || fail "the worker exited before the signal: $(cat "$WORK/wt.err")"
kill -TERM "$PID"
RC=0
wait "$PID" || RC=$?
[ "$RC" -eq 0 ] || fail "worker exited $RC on SIGTERM: $(cat "$WORK/wt.err")"

check "a worker on the real clock sleeps until a wait is over, then finishes the execution"
run_cmd s7 "$HOST" start tick
ID7=$OUT
"$HOST" worker >"$WORK/wr.out" 2>"$WORK/wr.err" &
PID=$!
for _ in $(seq 1 400); do
    run_cmd st7 "$HOST" status "$ID7" --json
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["status"] != "SUCCEEDED")' "$WORK/st7.out" && break
    sleep 0.05
done
kill -TERM "$PID"
wait "$PID" || fail "worker exited non-zero: $(cat "$WORK/wr.err")"
json_check "$WORK/st7.out" 'd["status"] == "SUCCEEDED" and d["result"] == {"waited": True}'

check "a running worker picks up an execution started after it, and exits 0 on SIGINT"
"$HOST" worker --skip-time >"$WORK/wi.out" 2>"$WORK/wi.err" &
PID=$!
run_cmd s5 "$HOST" start flow --input '{"n":10}'
ID5=$OUT
for _ in $(seq 1 400); do
    run_cmd st5 "$HOST" status "$ID5" --json
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["status"] != "SUCCEEDED")' "$WORK/st5.out" && break
    sleep 0.05
done
json_check "$WORK/st5.out" 'd["status"] == "SUCCEEDED" and d["result"]["result"] == 21'
kill -INT "$PID"
RC=0
wait "$PID" || RC=$?
[ "$RC" -eq 0 ] || fail "worker exited $RC on SIGINT: $(cat "$WORK/wi.err")"
check "SIGTERM during an invocation: it finishes (up to its suspension), then the worker exits 0"
# crash runs a, b, then c fails its first attempt and the execution suspends
# for the retry delay: one invocation. Slow hooks keep it in flight while the
# signal arrives, as soon as a's line is in the side file.
export CAIRN_E2E_SIDE=$WORK/side.txt CAIRN_E2E_SLEEP_MS=200
ID6=$("$HOST" start crash --input '{"seed":0}') || fail "start crash"
"$HOST" worker --skip-time >"$WORK/ws.out" 2>"$WORK/ws.err" &
PID=$!
for _ in $(seq 1 400); do
    [ -s "$WORK/side.txt" ] && break
    sleep 0.01
done
[ -s "$WORK/side.txt" ] || fail "the worker never ran a hook"
kill -TERM "$PID"
RC=0
wait "$PID" || RC=$?
[ "$RC" -eq 0 ] || fail "worker exited $RC on SIGTERM: $(cat "$WORK/ws.err")"
[ "$(cat "$WORK/side.txt")" = "$(printf 'a 1 %s\nb 1 %s\nc 1 %s' "$ID6" "$ID6" "$ID6")" ] || fail "hook calls: $(cat "$WORK/side.txt")"
run_cmd h6 "$HOST" history "$ID6" --json
json_check "$WORK/h6.out" 'd["execution"]["status"] == "PENDING" and [(o["name"], o["status"]) for o in d["operations"][1:]] == [("a", "SUCCEEDED"), ("b", "SUCCEEDED"), ("c", "PENDING")]'
unset CAIRN_E2E_SIDE CAIRN_E2E_SLEEP_MS
echo "ok"
