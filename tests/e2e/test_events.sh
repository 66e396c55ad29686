# Retries are visible: a step that fails twice with Http.Status.503 then
# succeeds leaves every attempt in `history --events` (table and --json, the
# host's and cairn's), one stderr line per failed attempt from run and worker
# (never again on a replay), and its retry delays in `history --timeline`'s
# last column.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

check "run prints one line on stderr per failed attempt, with the next attempt's delay"
run_cmd run "$HOST" run retry --skip-time
expect_rc 0
expect_out "SUCCEEDED"
ID=$(printf '%s\n' "$OUT" | awk '$1 == "execution" { print $2 }')
[ -n "$ID" ] || fail "run printed no execution id: $OUT"
expect_err "cairn: execution $ID: step 'fetch' attempt 1 of 6 failed: Http.Status.503: Service Unavailable; next in 10s"
expect_err "cairn: execution $ID: step 'fetch' attempt 2 of 6 failed: Http.Status.503: Service Unavailable; next in 20s"
[ "$(printf '%s\n' "$ERR" | grep -c 'failed: ')" -eq 2 ] || fail "expected two failure lines: $ERR"

check "history --events --json: three StepStarted, two StepFailed with their next attempt, one StepSucceeded"
run_cmd evj "$HOST" history "$ID" --events --json
expect_rc 0
json_check "$WORK/evj.out" '[e["EventType"] for e in d] == ["ExecutionStarted", "StepStarted", "StepFailed", "StepStarted", "StepFailed", "StepStarted", "StepSucceeded", "ExecutionSucceeded"]'
json_check "$WORK/evj.out" '[e["StepFailedDetails"]["RetryDetails"]["NextAttemptDelaySeconds"] for e in d if e["EventType"] == "StepFailed"] == [10, 20]'
json_check "$WORK/evj.out" 'all(e["StepFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Http.Status.503" for e in d if e["EventType"] == "StepFailed")'
json_check "$WORK/evj.out" '[e["StepStartedDetails"]["Attempt"] for e in d if e["EventType"] == "StepStarted"] == [1, 2, 3]'
json_check "$WORK/evj.out" 'd[6]["StepSucceededDetails"]["RetryDetails"]["CurrentAttempt"] == 3 and d[6]["Name"] == "fetch" and d[6]["SubType"] == "Step"'
run_cmd cevj "$CAIRN" history "$ID" --events --json
expect_rc 0
cmp -s "$WORK/evj.out" "$WORK/cevj.out" || fail "cairn and the host print different events"

check "history --events: a table with time, event, id, name, attempt and details"
run_cmd ev "$CAIRN" history "$ID" --events
expect_rc 0
printf '%s\n' "$OUT" | head -1 | grep -Eq '^TIME +EVENT +ID +NAME +ATTEMPT +DETAILS$' || fail "header: $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c ' StepFailed ')" -eq 2 ] || fail "two StepFailed rows: $OUT"
printf '%s\n' "$OUT" | grep -Eq ' StepFailed +[^ ]+ +fetch +1 +Http\.Status\.503: Service Unavailable; next attempt [0-9T:.Z-]+ \(in 10s\)$' ||
    fail "no StepFailed row of attempt 1 with its next attempt: $OUT"
printf '%s\n' "$OUT" | grep -Eq ' StepSucceeded +[^ ]+ +fetch +3 ' || fail "no StepSucceeded of attempt 3: $OUT"

check "history --timeline shows the retry delays"
run_cmd tl "$HOST" history "$ID" --timeline
expect_rc 0
# Measured between events, so a loaded machine may add a few ms to each delay.
printf '%s\n' "$OUT" | grep -Eq '^fetch +STEP .*\| +retried after (9s9..ms|10s([0-9]+ms)?), (19s9..ms|20s([0-9]+ms)?)$' ||
    fail "no retry delays on fetch's timeline line: $OUT"

check "worker prints each failed attempt once, also across invocations"
run_cmd st "$HOST" start retry
expect_rc 0
ID2=$OUT
run_cmd w1 "$HOST" worker --until-idle
expect_rc 0
expect_err "step 'fetch' attempt 1 of 6 failed"
[ "$(printf '%s\n' "$ERR" | grep -c 'failed: ')" -eq 1 ] || fail "one failure line before the retry is due: $ERR"
run_cmd w2 "$HOST" worker --until-idle --skip-time
expect_rc 0
[ "$(printf '%s\n' "$ERR" | grep -c 'attempt 1 of 6')" -eq 0 ] || fail "attempt 1 printed again: $ERR"
expect_err "step 'fetch' attempt 2 of 6 failed"
run_cmd s2 "$HOST" status "$ID2" --json
json_check "$WORK/s2.out" 'd["status"] == "SUCCEEDED" and d["result"] == {"value": 42, "attempt": 3}'

check "--events belongs to history and takes --json only"
run_cmd bad1 "$CAIRN" status "$ID" --events
expect_rc 2
run_cmd bad2 "$CAIRN" history "$ID" --events --timeline
expect_rc 2
run_cmd bad3 "$CAIRN" history no-such-execution --events
expect_rc 1
expect_err "no execution 'no-such-execution'"

echo "ok"
