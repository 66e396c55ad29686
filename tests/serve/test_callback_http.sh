# Callbacks over HTTP resume waiting executions: succeed (percent-encoded id,
# JSON result; one that is not JSON is refused with 400 and the callback
# stays open), heartbeat, fail with and without a body; a closed callback is
# refused on every route with 400 CallbackTimeoutException and changes
# nothing; a callback sent by `cairn callback` from another process while
# serve runs resumes the execution too, and so does one sent while serve is
# stopped, once serve starts again.
. "$(dirname "$0")/lib.sh"
: "${CAIRN:?CAIRN must name the cairn tool}"
CB_PATH=/2025-12-01/durable-execution-callbacks

# waiting: starts a waiter and sets $ID and $CB once it waits for its callback.
waiting() {
    req POST /executions -d '{"workflow":"waiter","input":{}}'
    expect_code 200
    ID=$(json_get "$WORK/b" 'd["id"]')
    wait_status "$ID" PENDING
    req GET "/executions/$ID/history"
    CB=$(json_get "$WORK/b" '[o["callback_id"] for o in d["operations"] if o["type"] == "CALLBACK"][0]')
    [ -n "$CB" ] && [ "$CB" != None ] || fail "no callback id in $BODY"
}

start_serve

check "succeed on a percent-encoded id resumes the execution with the result"
waiting
ENC=$(python3 -c 'import sys; print("".join("%%%02X" % ord(c) for c in sys.argv[1]))' "$CB")
req POST "$CB_PATH/$ENC/succeed" -H 'Content-Type: application/octet-stream' -d '{"v":[1,"two"]}'
expect_code 200
[ "$BODY" = "{}" ] || fail "body $BODY, expected {}"
grep -qi '^content-type: application/json' "$WORK/h" || fail "not JSON: $(cat "$WORK/h")"
wait_status "$ID" SUCCEEDED
json_check "$WORK/b" 'd["result"] == {"v": [1, "two"]}'

check "a closed callback is 400 CallbackTimeoutException on every route, and nothing changes"
for what in succeed fail heartbeat; do
    req POST "$CB_PATH/$CB/$what" -d '{}'
    expect_aws_error 400 CallbackTimeoutException
done
req GET "/executions/$ID"
json_check "$WORK/b" 'd["status"] == "SUCCEEDED" and d["result"] == {"v": [1, "two"]}'

check "a result that is not JSON is 400 InvalidParameterValueException; the callback stays open"
waiting
req POST "$CB_PATH/$CB/succeed" -H 'Content-Type: application/octet-stream' -d '{"approved":tru'
expect_aws_error 400 InvalidParameterValueException
printf '%s' "$BODY" | grep -q 'at byte 13' || fail "no parse position in $BODY"
req GET "/executions/$ID/history"
json_check "$WORK/b" 'd["execution"]["status"] == "PENDING"' \
    '[o["status"] for o in d["operations"] if o["type"] == "CALLBACK"] == ["STARTED"]'
req POST "$CB_PATH/$CB/succeed" -d '"yes"'
expect_code 200
wait_status "$ID" SUCCEEDED
json_check "$WORK/b" 'd["result"] == "yes"'

check "heartbeat on an open callback answers {} and the execution keeps waiting"
waiting
req POST "$CB_PATH/$CB/heartbeat"
expect_code 200
[ "$BODY" = "{}" ] || fail "body $BODY, expected {}"
req GET "/executions/$ID"
json_check "$WORK/b" 'd["status"] == "PENDING"'

check "fail with the AWS body fails the execution with Callback.Failed carrying it"
req POST "$CB_PATH/$CB/fail" -H 'Content-Type: application/json' \
    -d '{"ErrorType":"Card.Declined","ErrorMessage":"no funds","ErrorData":"{\"code\":51}","StackTrace":["a","b"]}'
expect_code 200
wait_status "$ID" FAILED
json_check "$WORK/b" 'd["error"]["type"] == "Callback.Failed"'
json_check "$WORK/b" '"Card.Declined" in json.dumps(d["error"]) and "no funds" in json.dumps(d["error"])'

check "the events show the callback and its failure as the sender reported it, in order (a heartbeat has no event, as in AWS)"
req GET "/executions/$ID/events"
expect_code 200
json_check "$WORK/b" '[e["EventType"] for e in d] == ["ExecutionStarted", "CallbackStarted", "CallbackFailed", "ExecutionFailed"]'
json_check "$WORK/b" 'd[1]["CallbackStartedDetails"]["CallbackId"] == "'"$CB"'"'
json_check "$WORK/b" 'd[2]["Id"] == d[1]["Id"]'
json_check "$WORK/b" 'd[2]["CallbackFailedDetails"]["Error"]["Payload"] == {"ErrorType": "Card.Declined", "ErrorMessage": "no funds", "ErrorData": "{\"code\":51}"}'
json_check "$WORK/b" 'd[3]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Failed"'

check "fail with an empty body (every field is optional)"
waiting
req POST "$CB_PATH/$CB/fail"
expect_code 200
wait_status "$ID" FAILED
json_check "$WORK/b" 'd["error"]["type"] == "Callback.Failed"'

check "cairn callback from another process resumes an execution while serve runs"
waiting
"$CAIRN" callback succeed "$CB" --result '"from the cli"' --db "$DB" >/dev/null ||
    fail "cairn callback succeed failed"
wait_status "$ID" SUCCEEDED
json_check "$WORK/b" 'd["result"] == "from the cli"'

check "a result sent while serve is stopped is delivered once serve starts again"
waiting
stop_serve
"$CAIRN" callback succeed "$CB" --result '{"late":true}' --db "$DB" >/dev/null ||
    fail "cairn callback succeed failed"
start_serve
wait_status "$ID" SUCCEEDED
json_check "$WORK/b" 'd["result"] == {"late": True}'
stop_serve
echo "ok"
