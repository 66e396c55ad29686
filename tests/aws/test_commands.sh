#!/usr/bin/env bash
# The --aws commands against a stand-in for the Lambda API
# (lambda_standin.py: it checks each request's SigV4 signature with its own
# checker, which is first proven against @smithy/signature-v4's vectors, and
# logs what it received). For each command: the request (method, path with
# the ARN or callback id percent-encoded as one segment, query, body, the
# signed headers), cairn's output in the store's formats, and the errors: an
# AWS refusal with its type (403 InvalidSignatureException, 404, 400
# CallbackTimeoutException, 429 from a body-only __type), no region, no
# credentials, a bad endpoint, no answer, --db with --aws.
. "$(dirname "$0")/lib.sh"

KEY_ID=AKIDEXAMPLE
SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
ARN='arn:aws:lambda:us-east-1:123456789012:function:order-flow:$LATEST/durable-execution/run-1/5f0c2b1e-8d7a-4e1f-9b3c-2a6d4e8f0a1b'
ARN_ENC='arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorder-flow%3A%24LATEST%2Fdurable-execution%2Frun-1%2F5f0c2b1e-8d7a-4e1f-9b3c-2a6d4e8f0a1b'
ARN2='arn:aws:lambda:eu-west-1:123456789012:function:pay:7/durable-execution/a b~c_d.e/0e9c'
ARN2_ENC='arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Apay%3A7%2Fdurable-execution%2Fa%20b~c_d.e%2F0e9c'

check "the stand-in's SigV4 checker agrees with @smithy/signature-v4"
python3 "$HERE/lambda_standin.py" --check-vectors "$HERE/sigv4_vectors.json" >"$WORK/vec.out" 2>&1 ||
    fail "$(cat "$WORK/vec.out")"

cp "$HERE/standin_state.json" "$WORK/state.json"
python3 "$HERE/lambda_standin.py" --state "$WORK/state.json" --port-file "$WORK/port" \
    --log "$WORK/log" --key "$KEY_ID:$SECRET" 2>"$WORK/standin.err" &
standin=$!
trap 'kill "$standin" 2>/dev/null; wait "$standin" 2>/dev/null; rm -rf "$WORK"' EXIT
on_fail() { echo "stand-in stderr:"; cat "$WORK/standin.err"; }
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the stand-in did not start"
PORT=$(cat "$WORK/port")

export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT"
unset AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_ENDPOINT_URL CAIRN_DB

# last_request FIELD: FIELD of the last request the stand-in logged (signed.NAME for a signed header).
last_request() {
    python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
for k in sys.argv[2].split("."):
    r = r.get(k) if isinstance(r, dict) else None
print("" if r is None else r)' "$WORK/log" "$1"
}
requests() { wc -l <"$WORK/log"; }

check "callback succeed: the id with + / = as one segment, the raw result as the body"
run_cmd succeed "$CAIRN" callback succeed 'Ab+cD/ef==' --aws --result '{"approved": true}'
expect_rc 0
[ "$OUT" = 'callback Ab+cD/ef== succeeded' ] || fail "output: $OUT"
[ "$(last_request method) $(last_request path)" = \
    "POST /2025-12-01/durable-execution-callbacks/Ab%2BcD%2Fef%3D%3D/succeed" ] ||
    fail "request: $(last_request method) $(last_request path)"
[ "$(last_request body)" = '{"approved": true}' ] || fail "body: $(last_request body)"
[ "$(last_request signed.content-type)" = application/octet-stream ] || fail "content-type not signed"
[ "$(last_request signed.host)" = "127.0.0.1:$PORT" ] || fail "host: $(last_request signed.host)"
[ -n "$(last_request signed.x-amz-content-sha256)" ] || fail "x-amz-content-sha256 not signed"
[ -z "$(last_request signed.x-amz-security-token)" ] || fail "a token signed without one"

check "a second success: AWS's CallbackTimeoutException, exit 1"
run_cmd again "$CAIRN" callback succeed 'Ab+cD/ef==' --aws --result '{}'
expect_rc 1
[[ $ERR == *"CallbackTimeoutException (400): Callback Ab+cD/ef== is closed (SUCCEEDED)"* ]] || fail "stderr: $ERR"

check "callback fail: the ErrorObject as the SDK writes it, with a session token (signed)"
run_cmd fail env AWS_SESSION_TOKEN='IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+test==' "$CAIRN" callback fail 'Zm9vYmFy+/==' --aws --error-type Payment.Declined \
    --error-message 'card "declined"' --error-data '{"code":51}'
expect_rc 0
[ "$OUT" = 'callback Zm9vYmFy+/== failed' ] || fail "output: $OUT"
[ "$(last_request path)" = "/2025-12-01/durable-execution-callbacks/Zm9vYmFy%2B%2F%3D%3D/fail" ] ||
    fail "path: $(last_request path)"
[ "$(last_request body)" = '{"ErrorMessage":"card \"declined\"","ErrorType":"Payment.Declined","ErrorData":"{\"code\":51}"}' ] ||
    fail "body: $(last_request body)"
[ "$(last_request signed.x-amz-security-token)" = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+test==' ] ||
    fail "the session token was not sent signed"
[ "$(last_request signed.content-type)" = application/json ] || fail "content-type"

check "callback heartbeat: an empty POST; unknown id: ResourceNotFoundException, exit 1"
run_cmd hb "$CAIRN" callback heartbeat 'Q2xvc2Vk+/==' --aws
expect_rc 1
[[ $ERR == *"CallbackTimeoutException (400)"* ]] || fail "stderr: $ERR"
[ "$(last_request path)" = "/2025-12-01/durable-execution-callbacks/Q2xvc2Vk%2B%2F%3D%3D/heartbeat" ] ||
    fail "path: $(last_request path)"
[ -z "$(last_request body)" ] || fail "a heartbeat with a body: $(last_request body)"
[ -z "$(last_request signed.content-type)" ] || fail "a heartbeat with a content type"
run_cmd unknown "$CAIRN" callback heartbeat nope --aws
expect_rc 1
[[ $ERR == *"ResourceNotFoundException (404): Callback not found: nope"* ]] || fail "stderr: $ERR"

check "an error named only by the body's __type (429)"
run_cmd throttle "$CAIRN" callback heartbeat throttle --aws
expect_rc 1
[[ $ERR == *"TooManyRequestsException (429): Rate exceeded"* ]] || fail "stderr: $ERR"

check "status ARN --aws: GetDurableExecution with its data, the ARN's : / \$ encoded once"
run_cmd status "$CAIRN" status "$ARN" --aws
expect_rc 0
[ "$(last_request method) $(last_request path)?$(last_request query)" = \
    "GET /2025-12-01/durable-executions/$ARN_ENC?IncludeExecutionData=true" ] ||
    fail "request: $(last_request path)?$(last_request query)"
grep -qx "id                 $ARN" "$WORK/status.out" || fail "no id line: $OUT"
grep -qx 'workflow           order-flow' "$WORK/status.out" || fail "no workflow line: $OUT"
grep -qx 'status             RUNNING' "$WORK/status.out" || fail "no status line: $OUT"
grep -qx 'input              {"order":42}' "$WORK/status.out" || fail "no input line: $OUT"
grep -qx 'created_at         2026-03-01T12:34:56.000Z' "$WORK/status.out" || fail "no created_at: $OUT"

check "status --json: the store's document (an ARN with a space, ~ _ ., a failed execution)"
run_cmd status2 "$CAIRN" status "$ARN2" --aws --json
expect_rc 0
[ "$(last_request path)" = "/2025-12-01/durable-executions/$ARN2_ENC" ] || fail "path: $(last_request path)"
python3 - "$WORK/status2.out" "$ARN2" <<'EOF' || fail "status --json: $OUT"
import json, sys
d = json.load(open(sys.argv[1]))
want = {"id": sys.argv[2], "workflow": "pay", "version": "7", "name": "a b~c_d.e", "status": "FAILED",
        "input": {"amount": 10}, "result": None,
        "error": {"type": "Payment.Declined", "message": "card declined", "data": {"code": 51}},
        "created_at": "2026-03-01T12:26:40.250Z", "ended_at": "2026-03-01T12:26:50.500Z",
        "definition_sha256": None, "parent": None}
for k, v in want.items():
    assert d.get(k) == v, (k, d.get(k), v)
EOF

check "history ARN --aws: every page (the marker with + / = sent back encoded), operations folded"
before=$(requests)
run_cmd history "$CAIRN" history "$ARN" --aws
expect_rc 0
pages=$(tail -n +$((before + 1)) "$WORK/log" | grep -c '/history"')
[ "$pages" = 3 ] || fail "$pages history pages read, not 3 (9 events, 3 a page)"
grep -q '"query": "IncludeExecutionData=true&MaxItems=1000&Marker=m%2B3%2F%3D%3D"' "$WORK/log" ||
    fail "the second page's marker was not sent back encoded"
grep -q 'Marker=m%2B6%2F%3D%3D' "$WORK/log" || fail "no third page"
python3 - "$WORK/history.out" <<'EOF' || fail "history table: $OUT"
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()]
assert rows[0][:5] == ["ID", "NAME", "TYPE", "STATUS", "ATTEMPT"], rows[0]
by = {r[1]: r for r in rows[1:]}
assert by["reserve"][2:5] == ["STEP", "SUCCEEDED", "2"], by["reserve"]
assert by["reserve"][-1] == '{"reserved":true}', by["reserve"]
assert by["cool-off"][2:4] == ["WAIT", "SUCCEEDED"], by["cool-off"]
assert by["approval"][2:4] == ["CALLBACK", "STARTED"], by["approval"]
assert " ".join(by["approval"][-3:]) == "callback id Ab+cD/ef==", by["approval"]
assert len(rows) == 5, rows
EOF

check "history --events: AWS's events, RFC 3339 times, the retry's next attempt"
run_cmd events "$CAIRN" history "$ARN" --aws --events
expect_rc 0
grep -q '^2026-03-01T12:34:56.300Z  StepFailed .*Stock.Busy: try again; next attempt 2026-03-01T12:35:01.300Z (in 5s)' \
    "$WORK/events.out" || fail "no StepFailed line: $OUT"
[ "$(grep -c '^2026-' "$WORK/events.out")" = 9 ] || fail "not 9 events: $OUT"
run_cmd eventsj "$CAIRN" history "$ARN" --aws --events --json
expect_rc 0
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert [x["EventId"] for x in e] == list(range(1, 10)), e
assert e[5]["WaitStartedDetails"]["ScheduledEndTimestamp"] == "2026-03-01T12:36:01.700Z", e[5]
' "$WORK/eventsj.out" || fail "history --events --json: $OUT"

check "history --json and --timeline"
run_cmd histj "$CAIRN" history "$ARN" --aws --json
expect_rc 0
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["execution"]["status"] == "RUNNING"
ops = {o["name"]: o for o in d["operations"]}
r = ops["reserve"]
assert (r["attempt"], r["error"], r["result"]) == (2, None, {"reserved": True}), r
assert ops["cool-off"]["timeout_at"] == "2026-03-01T12:36:01.700Z", ops["cool-off"]
assert ops["approval"]["callback_id"] == "Ab+cD/ef==", ops["approval"]
assert ops["approval"]["timeout_at"] == "2026-03-01T13:36:02.000Z", ops["approval"]
' "$WORK/histj.out" || fail "history --json: $OUT"
run_cmd timeline "$CAIRN" history "$ARN" --aws --timeline
expect_rc 0
grep -q 'retried after 5s100ms' "$WORK/timeline.out" || fail "timeline: $OUT"

check "stop ARN --aws: StopDurableExecution with the error; then status says STOPPED"
run_cmd stop "$CAIRN" stop "$ARN" --aws --error-type Ops.Cancelled --error-message 'by the on-call'
expect_rc 0
[ "$OUT" = "execution $ARN stopped" ] || fail "output: $OUT"
[ "$(last_request method) $(last_request path)" = "POST /2025-12-01/durable-executions/$ARN_ENC/stop" ] ||
    fail "request: $(last_request path)"
[ "$(last_request body)" = '{"ErrorMessage":"by the on-call","ErrorType":"Ops.Cancelled"}' ] ||
    fail "body: $(last_request body)"
run_cmd stopped "$CAIRN" status "$ARN" --aws
grep -qx 'status             STOPPED' "$WORK/stopped.out" || fail "status after stop: $OUT"
grep -qx 'error              {"type":"Ops.Cancelled","message":"by the on-call"}' "$WORK/stopped.out" ||
    fail "error after stop: $OUT"
run_cmd stop_unknown "$CAIRN" stop 'arn:aws:lambda:us-east-1:1:function:f:$LATEST/durable-execution/x/y' --aws
expect_rc 1
[[ $ERR == *"ResourceNotFoundException (404)"* ]] || fail "stderr: $ERR"

check "a wrong secret: AWS's 403 InvalidSignatureException, with its message"
run_cmd badsig env AWS_SECRET_ACCESS_KEY=not-the-secret "$CAIRN" status "$ARN" --aws
expect_rc 1
[[ $ERR == *"AWS refused: InvalidSignatureException (403): The request signature we calculated does not match"* ]] ||
    fail "stderr: $ERR"
[[ $ERR != *not-the-secret* ]] || fail "the secret is in the message"
run_cmd badkey env AWS_ACCESS_KEY_ID=AKIDUNKNOWN "$CAIRN" callback heartbeat x --aws
expect_rc 1
[[ $ERR == *"UnrecognizedClientException (403)"* ]] || fail "stderr: $ERR"

check "no region, no credentials, a bad endpoint: exit 2 before any request"
before=$(requests)
run_cmd noregion env -u AWS_REGION "$CAIRN" status "$ARN" --aws
expect_rc 2
[[ $ERR == *"no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)"* ]] || fail "stderr: $ERR"
run_cmd defregion env -u AWS_REGION AWS_DEFAULT_REGION=us-east-1 "$CAIRN" status "$ARN" --aws
expect_rc 0
before=$(requests)
run_cmd nokey env -u AWS_SECRET_ACCESS_KEY "$CAIRN" callback heartbeat x --aws
expect_rc 2
[[ $ERR == *"no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"* ]] || fail "stderr: $ERR"
run_cmd badurl env AWS_ENDPOINT_URL_LAMBDA=ftp://example.com "$CAIRN" stop "$ARN" --aws
expect_rc 2
[[ $ERR == *"AWS_ENDPOINT_URL_LAMBDA is not an endpoint URL"* ]] || fail "stderr: $ERR"
run_cmd both "$CAIRN" status "$ARN" --aws --db x.db
expect_rc 2
run_cmd list "$CAIRN" list --aws
expect_rc 2
[ "$(requests)" = "$before" ] || fail "a refused command still called the API"

check "AWS_ENDPOINT_URL when AWS_ENDPOINT_URL_LAMBDA is not set; a path prefix on the endpoint"
run_cmd generic env -u AWS_ENDPOINT_URL_LAMBDA AWS_ENDPOINT_URL="http://127.0.0.1:$PORT/" \
    "$CAIRN" callback heartbeat nope --aws
[[ $ERR == *"ResourceNotFoundException (404)"* ]] || fail "stderr: $ERR"
run_cmd prefix env AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT/prefix" "$CAIRN" callback heartbeat nope --aws
expect_rc 1
[ "$(last_request path)" = /prefix/2025-12-01/durable-execution-callbacks/nope/heartbeat ] ||
    fail "path: $(last_request path)"
[[ $ERR == *"UnknownOperationException (404)"* ]] || fail "stderr: $ERR (a signed request to an unknown route)"

check "no answer: a transport error naming the endpoint"
kill "$standin"
wait "$standin" 2>/dev/null
run_cmd down "$CAIRN" callback heartbeat x --aws
expect_rc 1
[[ $ERR == *"cannot reach the Lambda API at http://127.0.0.1:$PORT"* ]] || fail "stderr: $ERR"
echo "aws commands: all checks passed"
