# `run`: to completion, failure, suspension, and a worker finishing later.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

check "--help lists the commands and both workflows with their versions"
run_cmd help "$HOST" --help
expect_rc 0
for word in start run worker list status history --db; do expect_out "$word"; done
printf '%s\n' "$OUT" | grep -Eq '^ +flow +version 1' || fail "no 'flow version 1' line: $OUT"
printf '%s\n' "$OUT" | grep -Eq '^ +crash +version 1' || fail "no 'crash version 1' line: $OUT"

check "a host holding one workflow runs and starts it without its name"
run_cmd one "$CAIRN_E2E_OTHER_HOST" run --db "$WORK/one.db" --input '{"n":5}' --skip-time
expect_rc 0
expect_out "SUCCEEDED"
ONE=$(printf '%s\n' "$OUT" | awk '$1 == "execution" { print $2 }')
run_cmd one2 "$CAIRN_E2E_OTHER_HOST" status "$ONE" --db "$WORK/one.db" --json
json_check "$WORK/one2.out" 'd["workflow"] == "flow" and d["input"] == {"n": 5}'
run_cmd one3 "$CAIRN_E2E_OTHER_HOST" start --db "$WORK/one.db"
expect_rc 0
[ -n "$OUT" ] || fail "start without a workflow printed no id"

check "a host holding several still wants the name, and says which it holds"
run_cmd several "$HOST" run --input '{"n":5}'
expect_rc 2
expect_one_line_err
expect_err "which workflow?"
expect_err "this host holds flow, crash, echo, slow, tick"

check "--help shows a workflow without a version as 'version -'"
run_cmd help2 "$HOST" --help
printf '%s\n' "$OUT" | grep -Eq '^ +echo +version -  ' || fail "no 'echo version -' line: $OUT"
printf '%s\n' "$OUT" | grep -q 'version 0' && fail "'version 0' in: $OUT"

check "run --skip-time completes flow with n=5: double, wait 10m, add one"
run_cmd run1 "$HOST" run flow --input '{"n":5}' --skip-time
expect_rc 0
expect_out "SUCCEEDED"
expect_out '{"result":11,"note":"n was 5"}'

check "run --json prints the status document"
run_cmd run2 "$HOST" run flow --input '{"n":20}' --skip-time --json
expect_rc 0
json_check "$WORK/run2.out" 'd["status"] == "SUCCEEDED" and d["result"] == {"result": 41, "note": "n was 20"} and d["error"] is None and d["workflow"] == "flow" and d["input"] == {"n": 20}'

check "a null member of the input reaches Lua as an absent key; an array keeps its null"
run_cmd runnull "$HOST" run echo --input '{"a":null,"b":{"c":null,"d":1},"l":[null,2]}'
expect_rc 0
expect_out '{"b":{"d":1},"l":[null,2]}'

check "run of a failing execution exits 1 with its error"
run_cmd run3 "$HOST" run flow --input '{"n":-3}' --skip-time
expect_rc 1
expect_out "FAILED"
expect_out '"type":"Flow.Negative"'
expect_out '"message":"n is -3"'

check "run of an execution that times out exits 1 with Execution.Timeout"
run_cmd run3b "$HOST" run slow --skip-time
expect_rc 1
expect_out "TIMED_OUT"
expect_out '"type":"Execution.Timeout"'

check "run without --skip-time suspends at the 10m wait: PENDING until a time, exit 0"
run_cmd run4 "$HOST" run flow --input '{"n":1}' --name later
expect_rc 0
printf '%s\n' "$OUT" | grep -Eq 'PENDING until [0-9]{4}-[0-9]{2}-[0-9]{2}T' || fail "no 'PENDING until <time>': $OUT"
ID=$(printf '%s\n' "$OUT" | awk '$1 == "execution" { print $2 }')
[ -n "$ID" ] || fail "run printed no execution id: $OUT"

check "the suspended execution is PENDING in the store, with the double step done"
run_cmd st1 "$HOST" history "$ID" --json
expect_rc 0
json_check "$WORK/st1.out" 'd["execution"]["status"] == "PENDING" and d["execution"]["wake_at"] is not None and any(o["name"] == "double" and o["status"] == "SUCCEEDED" for o in d["operations"]) and not any(o["name"] == "add" for o in d["operations"])'

check "a worker without --skip-time leaves it waiting and exits 0 with --until-idle"
run_cmd w1 "$HOST" worker --until-idle
expect_rc 0
run_cmd st2 "$HOST" status "$ID" --json
json_check "$WORK/st2.out" 'd["status"] == "PENDING"'

check "worker --until-idle --skip-time finishes it later"
run_cmd w2 "$HOST" worker --until-idle --skip-time
expect_rc 0
run_cmd st3 "$HOST" status "$ID" --json
json_check "$WORK/st3.out" 'd["status"] == "SUCCEEDED" and d["result"] == {"result": 3, "note": "n was 1"}'

check "run again with the same --name returns the completed execution"
run_cmd run5 "$HOST" run flow --input '{"n":1}' --name later
expect_rc 0
expect_out "$ID"
expect_out '{"result":3,"note":"n was 1"}'

echo "ok"
