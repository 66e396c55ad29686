# @aws-sdk/client-lambda (pinned in aws/package-lock.json, installed with
# `npm ci` when aws/node_modules is missing) drives two executions that wait
# for a callback to their end: one succeeds with the result the SDK sent, one
# fails with Callback.Failed carrying the SDK's error; unknown and closed
# callbacks raise ResourceNotFoundException and CallbackTimeoutException.
. "$(dirname "$0")/lib.sh"
AWS=$(cd "$(dirname "$0")/aws" && pwd)
if [ ! -d "$AWS/node_modules" ]; then
    (cd "$AWS" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi

start_serve

# callback_id EXEC: the id of the execution's CALLBACK operation, once it exists.
callback_id() {
    local i
    for i in $(seq 1 200); do
        req GET "/executions/$1/history"
        CB=$(json_get "$WORK/b" '[o["callback_id"] for o in d["operations"] if o["type"] == "CALLBACK" and o["callback_id"]][0] if any(o["type"] == "CALLBACK" and o["callback_id"] for o in d["operations"]) else ""')
        [ -n "$CB" ] && return 0
        sleep 0.05
    done
    fail "execution $1 made no callback ($BODY)"
}

check "two executions wait for their callbacks"
req POST /executions -d '{"workflow":"waiter","input":{}}'
expect_code 200
OK=$(json_get "$WORK/b" 'd["id"]')
req POST /executions -d '{"workflow":"waiter","input":{}}'
expect_code 200
FAILING=$(json_get "$WORK/b" 'd["id"]')
callback_id "$OK"
OK_CB=$CB
callback_id "$FAILING"
FAIL_CB=$CB
wait_status "$OK" PENDING

check "the SDK sends heartbeat, success and failure, and gets the right exceptions"
node "$AWS/drive.js" "$BASE" "$OK_CB" "$FAIL_CB" || fail "the SDK script failed"

check "the execution answered with success ended with the SDK's result"
wait_status "$OK" SUCCEEDED
json_check "$WORK/b" 'd["result"] == {"approved": True, "by": "sdk"}'

check "the execution answered with failure failed with Callback.Failed and the SDK's error"
wait_status "$FAILING" FAILED
json_check "$WORK/b" 'd["error"]["type"] == "Callback.Failed"'
json_check "$WORK/b" '"Payment.Declined" in json.dumps(d["error"]["data"]) and "card declined" in json.dumps(d["error"]["data"])'
stop_serve
echo "ok"
