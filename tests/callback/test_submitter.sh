# wait_for_callback with a C submitter (cbwfc.yaml):
#   - the journal shape of AWS: a CONTEXT (sub_type WaitForCallback) holding
#     a CALLBACK and then a STEP (the submitter), as in `history --json`;
#   - a submitter failing once is retried with the same callback id (ctx and
#     ${callback.id} agree), then the callback's answer finishes it;
#   - a submitter failing on all 3 attempts fails the operation with
#     Submitter.Failed (cause in data): the execution ends FAILED instead of
#     waiting, and the callback is cancelled (an answer is refused).
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

check "a submitter that fails once is retried, then the execution waits"
run_cmd run "$HOST" run cbwfc --input '{"fail": 1}' --skip-time --json
expect_rc 0
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out")
json_check "$WORK/run.out" 'd["status"] == "PENDING"'
get_cb "$ID"
history "$ID"
lines=$(grep -c "^submit $ID " "$CAIRN_CB_SIDE")
[ "$lines" = 2 ] || fail "the submitter ran $lines times, expected 2: $(cat "$CAIRN_CB_SIDE")"
[ "$(grep "^submit $ID " "$CAIRN_CB_SIDE" | awk '{print $3}' | sort -u)" = "$CB" ] ||
    fail "the submitter did not see the journaled callback id $CB on every attempt: $(cat "$CAIRN_CB_SIDE")"

check "history --json: CONTEXT WaitForCallback holding a CALLBACK then a STEP"
json_check "$H" 'op("ask", "CONTEXT")["sub_type"] == "WaitForCallback"' \
    'op("ask", "CONTEXT")["status"] in ("STARTED", "PENDING")' \
    '[o["type"] for o in ops if o["parent_id"] == op("ask", "CONTEXT")["id"]] == ["CALLBACK", "STEP"]' \
    '[o for o in ops if o["type"] == "CALLBACK"][0]["parent_id"] == op("ask", "CONTEXT")["id"]' \
    '[o for o in ops if o["type"] == "STEP" and o["parent_id"] == op("ask", "CONTEXT")["id"]][0]["status"] == "SUCCEEDED"' \
    '[o for o in ops if o["type"] == "STEP" and o["parent_id"] == op("ask", "CONTEXT")["id"]][0]["attempt"] == 2' \
    '[o for o in ops if o["type"] == "CALLBACK"][0]["status"] in ("STARTED", "PENDING")' \
    'ops[0]["type"] == "EXECUTION"'

check "the answer completes the CONTEXT with the callback result"
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"ok": 1}'
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"] == {"answer": {"ok": 1}, "seen": {"seen": {"ok": 1}}}' \
    'op("ask", "CONTEXT")["status"] == "SUCCEEDED"' \
    'op("ask", "CONTEXT")["result"] == {"ok": 1}' \
    '[o for o in ops if o["type"] == "CALLBACK"][0]["status"] == "SUCCEEDED"'
[ "$(grep -c "^submit $ID " "$CAIRN_CB_SIDE")" = 2 ] || fail "the submitter ran again on replay"
[ "$(side_count after "$ID")" = 1 ] || fail "the step after ran $(side_count after "$ID") times"

check "a submitter failing on every attempt gives Submitter.Failed, not a wait"
run_cmd run "$HOST" run cbwfc --input '{"fail": 5}' --skip-time --json
expect_rc 1
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out")
json_check "$WORK/run.out" 'd["status"] == "FAILED"' 'd["error"]["type"] == "Submitter.Failed"' \
    '"Submit.Down" in json.dumps(d["error"]["data"])'
get_cb "$ID"
history "$ID"
json_check "$H" 'op("ask", "CONTEXT")["status"] == "FAILED"' \
    '[o for o in ops if o["type"] == "STEP" and o["parent_id"] == op("ask", "CONTEXT")["id"]][0]["status"] == "FAILED"' \
    '[o for o in ops if o["type"] == "STEP" and o["parent_id"] == op("ask", "CONTEXT")["id"]][0]["attempt"] == 3' \
    '[o for o in ops if o["type"] == "CALLBACK"][0]["status"] == "CANCELLED"' \
    'count(lambda o: o["name"] == "after") == 0'
lines=$(grep -c "^submit $ID " "$CAIRN_CB_SIDE")
[ "$lines" = 3 ] || fail "the submitter ran $lines times, expected 3 (max_attempts)"
run_cmd cancelled "$CAIRN" callback succeed "$CB" --result '{}'
expect_rc 1
expect_err_i 'cancel|ended|closed'
echo "ok"
