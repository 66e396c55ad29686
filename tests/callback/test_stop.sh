# `cairn stop EXEC` (no workflow code) and `HOST stop EXEC`: the execution
# becomes STOPPED with Execution.Stopped or the error given, its open callback
# is closed (CANCELLED; a later answer is refused as closed), a worker never
# runs it again; stopping an ended or unknown execution exits 1 and changes
# nothing; a bad command line exits 2.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

check "cairn stop: STOPPED with Execution.Stopped, the callback closed"
start cbsimple '{}'
get_cb "$ID"
run_cmd stop "$CAIRN" stop "$ID"
expect_rc 0
[ "$OUT" = "execution $ID stopped" ] || fail "stop printed: $OUT"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "STOPPED"' \
    'd["execution"]["error"]["type"] == "Execution.Stopped"' \
    'op("cb", "CALLBACK")["status"] == "CANCELLED"'
run_cmd late "$CAIRN" callback succeed "$CB" --result '{"approved": true}'
expect_rc 1
expect_err_i 'closed: its execution ended'
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
history "$ID"
json_check "$H" 'd["execution"]["status"] == "STOPPED"'
[ "$(side_count after "$ID")" = 0 ] || fail "the step after the callback ran after the stop"

check "stopping it again exits 1 and keeps the first error"
run_cmd again "$CAIRN" stop "$ID" --error-type Ops.Other --error-message x
expect_rc 1
expect_err_i 'already ended \(STOPPED\)'
json_check "$H" 'd["execution"]["error"]["type"] == "Execution.Stopped"'

check "HOST stop with an error type and message"
start cbsimple '{}'
run_cmd hstop "$HOST" stop "$ID" --error-type Ops.Drain --error-message 'old definition'
expect_rc 0
history "$ID"
json_check "$H" 'd["execution"]["status"] == "STOPPED"' \
    'd["execution"]["error"] == {"type": "Ops.Drain", "message": "old definition"}'
run_cmd list "$CAIRN" list
printf '%s' "$OUT" | grep -q -e "$ID  *cbsimple  *STOPPED" || fail "list does not show it STOPPED: $OUT"

check "unknown execution exits 1; bad command lines exit 2"
run_cmd unknown "$CAIRN" stop no-such-execution
expect_rc 1
run_cmd u1 "$CAIRN" stop
expect_rc 2
run_cmd u2 "$CAIRN" stop a b
expect_rc 2
run_cmd u3 "$CAIRN" stop "$ID" --bogus
expect_rc 2
echo "ok"
