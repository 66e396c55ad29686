# The HTTP API of serve without callbacks: start, status, history, events, and every
# error of the routes (unknown route, wrong method, bad parameters, unknown
# ids, bodies over 256 KiB), then a clean stop on SIGTERM.
. "$(dirname "$0")/lib.sh"

start_serve
case $(cat "$WORK/serve.out") in
"serve: listening on http://127.0.0.1:"*" (db $DB)") ;;
*) fail "unexpected first line: $(cat "$WORK/serve.out")" ;;
esac

check "POST /executions starts an execution and the worker runs it"
req POST /executions -H 'Content-Type: application/json' -d '{"workflow":"hello","input":{"who":"ann"}}'
expect_code 200
json_check "$WORK/b" 'list(d) == ["id"] and len(d["id"]) >= 22'
ID=$(json_get "$WORK/b" 'd["id"]')
wait_status "$ID" SUCCEEDED
json_check "$WORK/b" 'd["id"] == "'"$ID"'" and d["result"] == {"greeting": "hello ann"}'

check "GET /executions/ID is the document of status --json"
"$HOST" status "$ID" --db "$DB" --json >"$WORK/cli.json" || fail "status --json failed"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$WORK/b" "$WORK/cli.json" || fail "HTTP and CLI documents differ"

check "GET /executions/ID/history is the document of history --json"
req GET "/executions/$ID/history"
expect_code 200
json_check "$WORK/b" 'd["execution"]["id"] == "'"$ID"'" and d["operations"][0]["id"] == "0"'
"$HOST" history "$ID" --db "$DB" --json >"$WORK/cli.json" || fail "history --json failed"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$WORK/b" "$WORK/cli.json" || fail "HTTP and CLI documents differ"

check "GET /executions/ID/events is the document of history --events --json"
req GET "/executions/$ID/events"
expect_code 200
json_check "$WORK/b" '[e["EventType"] for e in d][0] == "ExecutionStarted" and [e["EventType"] for e in d] == ["ExecutionStarted", "ExecutionSucceeded"] and [e["EventId"] for e in d] == list(range(1, len(d) + 1))'
json_check "$WORK/b" 'd[-1]["ExecutionSucceededDetails"]["Result"]["Payload"] == "{\"greeting\":\"hello ann\"}"'
"$HOST" history "$ID" --events --db "$DB" --json >"$WORK/cli.json" || fail "history --events --json failed"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$WORK/b" "$WORK/cli.json" || fail "HTTP and CLI documents differ"
req POST "/executions/$ID/events"
expect_aws_error 405 MethodNotAllowedException

check "a percent-encoded execution id is decoded"
ENC=$(python3 -c 'import sys; print("".join("%%%02X" % ord(c) for c in sys.argv[1]))' "$ID")
req GET "/executions/$ENC"
expect_code 200
json_check "$WORK/b" 'd["id"] == "'"$ID"'"'

check "the same name twice gives the same execution"
req POST /executions -d '{"workflow":"hello","input":{"who":"bo"},"name":"order-1"}'
expect_code 200
FIRST=$(json_get "$WORK/b" 'd["id"]')
req POST /executions -d '{"workflow":"hello","input":{"who":"bo"},"name":"order-1"}'
expect_code 200
[ "$(json_get "$WORK/b" 'd["id"]')" = "$FIRST" ] || fail "a second id for the same name"

check "no input means {} (refused here by the input schema)"
req POST /executions -d '{"workflow":"hello"}'
expect_aws_error 400 InvalidParameterValueException

check "bad starts are 400 InvalidParameterValueException"
req POST /executions -d '{"workflow":"nope","input":{}}'
expect_aws_error 400 InvalidParameterValueException
req POST /executions -d '{"workflow":"hello","input":{"who":1},'
expect_aws_error 400 InvalidParameterValueException
req POST /executions -d '{"input":{"who":"x"}}'
expect_aws_error 400 InvalidParameterValueException
req POST /executions -d '{"workflow":"hello","input":{"who":"x"},"name":5}'
expect_aws_error 400 InvalidParameterValueException
req POST /executions
expect_aws_error 400 InvalidParameterValueException

check "an unknown execution is 404 ResourceNotFoundException"
req GET /executions/no-such-execution
expect_aws_error 404 ResourceNotFoundException
req GET /executions/no-such-execution/history
expect_aws_error 404 ResourceNotFoundException
req GET /executions/no-such-execution/events
expect_aws_error 404 ResourceNotFoundException

check "an unknown callback is 404 ResourceNotFoundException on each route"
for what in succeed fail heartbeat; do
    req POST "/2025-12-01/durable-execution-callbacks/bm9wZQ%3D%3D/$what"
    expect_aws_error 404 ResourceNotFoundException
done

check "a bad /fail body is 400 InvalidParameterValueException"
req POST /2025-12-01/durable-execution-callbacks/x/fail -d '{"ErrorType":'
expect_aws_error 400 InvalidParameterValueException
req POST /2025-12-01/durable-execution-callbacks/x/fail -d '["not", "an object"]'
expect_aws_error 400 InvalidParameterValueException
req POST /2025-12-01/durable-execution-callbacks/x/fail -d '{"ErrorType": 3}'
expect_aws_error 400 InvalidParameterValueException
req POST /2025-12-01/durable-execution-callbacks/x/fail -d '{"StackTrace": "not a list"}'
expect_aws_error 400 InvalidParameterValueException

check "a malformed percent escape in an id is 400"
req POST /2025-12-01/durable-execution-callbacks/ab%2/succeed
expect_aws_error 400 InvalidParameterValueException
req POST /2025-12-01/durable-execution-callbacks/ab%00c/succeed
expect_aws_error 400 InvalidParameterValueException

check "bodies over 256 KiB are 413 RequestTooLargeException (with and without Content-Length)"
head -c 262145 /dev/zero | tr '\0' 'a' >"$WORK/big"
req POST /2025-12-01/durable-execution-callbacks/x/succeed --data-binary @"$WORK/big"
expect_aws_error 413 RequestTooLargeException
req POST /2025-12-01/durable-execution-callbacks/x/succeed -H 'Transfer-Encoding: chunked' \
    --data-binary @"$WORK/big"
expect_aws_error 413 RequestTooLargeException
req POST /executions -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big"
expect_aws_error 413 RequestTooLargeException
check "exactly 256 KiB is not too large (the unknown id is what is refused)"
head -c 262144 /dev/zero | tr '\0' 'a' >"$WORK/max"
req POST /2025-12-01/durable-execution-callbacks/x/succeed --data-binary @"$WORK/max"
expect_aws_error 404 ResourceNotFoundException

check "unknown routes are 404, wrong methods 405"
req GET /nothing/here
expect_code 404
json_check "$WORK/b" 'd["Type"] == "User"'
req POST /2025-12-01/durable-execution-callbacks/x/resolve
expect_code 404
req POST /2025-12-01/durable-execution-callbacks/x
expect_code 404
req GET /2025-12-01/durable-execution-callbacks/x/succeed
expect_aws_error 405 MethodNotAllowedException
req DELETE "/executions/$ID"
expect_aws_error 405 MethodNotAllowedException
req PUT /executions
expect_aws_error 405 MethodNotAllowedException

check "SIGTERM stops serve with exit 0, and it no longer listens"
stop_serve
if curl -s -o /dev/null "$BASE/executions/$ID"; then fail "still answering after SIGTERM"; fi

check "a bad --listen is a usage error (exit 2)"
rc=0
"$HOST" serve --listen nowhere --db "$DB" >/dev/null 2>"$WORK/usage.err" || rc=$?
[ "$rc" -eq 2 ] || fail "exit $rc, expected 2"
echo "ok"
