# serve --skip-time: the worker's virtual clock jumps to the next deadline
# when nothing is runnable, so a callback nobody answers times out (its 1h
# timeout passes at once) and the execution fails with Callback.Timeout; a
# late success is then refused as closed.
. "$(dirname "$0")/lib.sh"

start_serve --skip-time

check "an unanswered callback times out on the virtual clock"
req POST /executions -d '{"workflow":"waiter","input":{}}'
expect_code 200
ID=$(json_get "$WORK/b" 'd["id"]')
wait_status "$ID" FAILED
json_check "$WORK/b" 'd["error"]["type"] == "Callback.Timeout"'

check "a success after the timeout is 400 CallbackTimeoutException"
req GET "/executions/$ID/history"
CB=$(json_get "$WORK/b" '[o["callback_id"] for o in d["operations"] if o["type"] == "CALLBACK"][0]')
req POST "/2025-12-01/durable-execution-callbacks/$CB/succeed" -d '1'
expect_aws_error 400 CallbackTimeoutException
stop_serve
echo "ok"
