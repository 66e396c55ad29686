# POST /executions/{id}/stop, as AWS StopDurableExecution: 200 with
# {"StopTimestamp"}; the execution is STOPPED with the error given (or
# Execution.Stopped), its callback closed (a later answer is 400
# CallbackTimeoutException); an unknown id is 404 ResourceNotFoundException;
# an execution that has ended is 400 InvalidParameterValueException, and so
# is a body that is not the AWS shape.
. "$(dirname "$0")/lib.sh"
CB_PATH=/2025-12-01/durable-execution-callbacks

waiting() {
    req POST /executions -d '{"workflow":"waiter","input":{}}'
    expect_code 200
    ID=$(json_get "$WORK/b" 'd["id"]')
    wait_status "$ID" PENDING
    req GET "/executions/$ID/history"
    CB=$(json_get "$WORK/b" '[o["callback_id"] for o in d["operations"] if o["type"] == "CALLBACK"][0]')
}

start_serve

check "stop with an error: 200 StopTimestamp, STOPPED, the callback closed"
waiting
req POST "/executions/$ID/stop" -H 'Content-Type: application/json' \
    -d '{"ErrorType":"Ops.Drain","ErrorMessage":"old definition"}'
expect_code 200
json_check "$WORK/b" 'isinstance(d["StopTimestamp"], (int, float)) and d["StopTimestamp"] > 1.7e9'
req GET "/executions/$ID"
json_check "$WORK/b" 'd["status"] == "STOPPED"' 'd["error"]["type"] == "Ops.Drain"' \
    'd["error"]["message"] == "old definition"'
req GET "/executions/$ID/history"
json_check "$WORK/b" '[o["status"] for o in d["operations"] if o["type"] == "CALLBACK"] == ["CANCELLED"]'
req POST "$CB_PATH/$CB/succeed" -d '{}'
expect_aws_error 400 CallbackTimeoutException

check "stopping it again is 400 InvalidParameterValueException and changes nothing"
req POST "/executions/$ID/stop"
expect_aws_error 400 InvalidParameterValueException
req GET "/executions/$ID"
json_check "$WORK/b" 'd["status"] == "STOPPED"' 'd["error"]["type"] == "Ops.Drain"'

check "stop without a body gives Execution.Stopped"
waiting
req POST "/executions/$ID/stop"
expect_code 200
req GET "/executions/$ID"
json_check "$WORK/b" 'd["status"] == "STOPPED"' 'd["error"]["type"] == "Execution.Stopped"'

check "an unknown id is 404; a bad body is 400; GET is 405"
req POST "/executions/no-such-id/stop"
expect_aws_error 404 ResourceNotFoundException
waiting
req POST "/executions/$ID/stop" -d '[1]'
expect_aws_error 400 InvalidParameterValueException
req POST "/executions/$ID/stop" -d '{"ErrorType":5}'
expect_aws_error 400 InvalidParameterValueException
req GET "/executions/$ID/stop"
expect_code 405
req GET "/executions/$ID"
json_check "$WORK/b" 'd["status"] == "PENDING"'
echo "ok"
