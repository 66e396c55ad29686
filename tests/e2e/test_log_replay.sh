# Replay-aware logging: a line a hook logs with ctx.log is written when the
# step runs, never again when a later invocation replays the step.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

ORDER=$CAIRN_BINARY_DIR/examples/order/order
INPUT=$(cat "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")

check "the first invocation logs validate, then suspends on reserve-stock's retry delay"
run_cmd first "$ORDER" run order --input "$INPUT"
expect_rc 0
expect_out "PENDING"
[ "$(grep -c '/validate: order A-1001' "$WORK/first.err")" -eq 1 ] ||
    fail "validate should log once in the first invocation: $ERR"

check "the invocations that replay validate do not log it again"
run_cmd rest "$ORDER" worker --until-idle --skip-time
expect_rc 0
grep -q '/validate:' "$WORK/rest.err" && fail "validate logged again on replay: $ERR"
grep -q '/reserve-stock: reserved 2 lines on attempt 2' "$WORK/rest.err" ||
    fail "reserve-stock's second attempt should log once: $ERR"
ID=$("$ORDER" list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$ORDER" status "$ID" --json >"$WORK/status.json" || fail "status"
json_check "$WORK/status.json" 'd["status"] == "SUCCEEDED"'
echo "ok"
