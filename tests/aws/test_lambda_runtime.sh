#!/usr/bin/env bash
# test_lambda_runtime.sh — `HOST lambda` (the custom runtime and the Lambda
# journal backend) against tests/aws/durable_standin.py, which plays Lambda:
# the Runtime API handing out invocation events, and the checkpoint and state
# routes keeping the operations as the service does.
#   - the order example, each of its inputs, ends as it ends on SQLite (same
#     status, same result or error type), through suspensions on a retry
#     delay and a wait, with its updates in AWS's shapes (md5 ids as the JS
#     SDK's, START before an end, WaitOptions, RETRY with StepOptions);
#   - the journal is paged (GetDurableExecutionState) when the event holds
#     only part of it;
#   - the approval example's wait_for_callback: the service mints the
#     callback id, the submitter sends it, `callback succeed --aws` answers,
#     the execution succeeds with the answer;
#   - faults: a 429 (after its Retry-After) and a 500 are sent again within
#     the invocation, as they were (same ClientToken), and the execution ends
#     with no /error; a fourth 429 in a row, or "Invalid Checkpoint Token"
#     (at once), is POSTed to /error (Lambda retries the invocation, which
#     then ends as it should); a response lost mid-request is sent again with
#     its ClientToken and applied once; another refusal (400) ends the
#     execution FAILED; a missing region is an init error
#     (/runtime/init/error);
#   - the deadline (Lambda-Runtime-Deadline-Ms): with less than the reserve
#     left no step starts (an at_most_once one is not STARTed to be cut off):
#     /error Lambda.Deadline, and the next invocation ends the execution with
#     the same updates as without; a bad CAIRN_LAMBDA_RESERVE_MS is an init
#     error;
#   - an output over 256 KiB (6.5 MB, over Lambda's 6 MiB answer) fails with
#     Payload.TooLarge as on SQLite: no answer can outgrow Lambda's.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ORDER="$CAIRN_BINARY_DIR/examples/order/order"
APPROVAL="$CAIRN_BINARY_DIR/examples/approval/approval"
[[ -x $ORDER && -x $APPROVAL ]] || fail "build the examples first ($ORDER, $APPROVAL)"
test_credentials

# jq-like: py FILE EXPR... each must hold, with d the file's JSON.
py() {
    python3 - "$@" <<'EOF'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
md5 = lambda s: hashlib.md5(s.encode()).hexdigest()[:16]
for e in sys.argv[2:]:
    if not eval(e):
        sys.exit("does not hold: %s\n  in %s" % (e, json.dumps(d)[:3000]))
EOF
}

check "the order example ends on Lambda as on SQLite, for each input"
standin main
host main "$ORDER"
for case in success out_of_stock declined; do
    "$ORDER" run order --db "$WORK/$case.db" --input "$(cat "$CAIRN_SOURCE_DIR/examples/order/inputs/$case.json")" \
        --skip-time --json >"$WORK/$case.sqlite.json" 2>/dev/null || true
    arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/$case.json")
    settle "$arn" "$WORK/$case.lambda.json"
    python3 - "$WORK/$case.sqlite.json" "$WORK/$case.lambda.json" <<'EOF' || fail "$case differs"
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:])
assert s["status"] == l["status"], (s["status"], l["status"])
if s["status"] == "SUCCEEDED":
    assert json.loads(l["result"]) == s["result"], (l["result"], s["result"])
else:
    assert l["error"]["ErrorType"] == s["error"]["type"], (l["error"], s["error"])
    assert l["error"]["ErrorMessage"] == s["error"]["message"], (l["error"], s["error"])
    assert json.loads(l["error"]["ErrorData"]) == s["error"]["data"], (l["error"], s["error"])
print("  %s: %s" % (sys.argv[1].split("/")[-1].split(".")[0], l["status"]))
EOF
done

check "the order's updates have AWS's shapes"
f="$WORK/success.lambda.json"
py "$f" 'd["answers"][-1]["body"]["Status"] == "SUCCEEDED"' \
    '[a["body"]["Status"] for a in d["answers"]] == ["PENDING", "PENDING", "SUCCEEDED"]' \
    'd["updates"][0] == {"Id": md5("1"), "Name": "validate", "Type": "STEP", "SubType": "Step", "Action": "START"}' \
    'd["updates"][1]["Action"] == "SUCCEED" and "Payload" in d["updates"][1] and "Error" not in d["updates"][1]' \
    '[u["Action"] for u in d["updates"] if u["Id"] == md5("2")] == ["START", "RETRY", "START", "SUCCEED"]' \
    '[u for u in d["updates"] if u["Action"] == "RETRY"][0]["StepOptions"]["NextAttemptDelaySeconds"] >= 1' \
    '[u for u in d["updates"] if u["Action"] == "RETRY"][0]["Error"]["ErrorType"] == "Inventory.Busy"' \
    '[u for u in d["updates"] if u["Type"] == "WAIT"] == [{"Id": md5("4"), "Name": "fraud-review", "Type": "WAIT", "SubType": "Wait", "Action": "START", "WaitOptions": {"WaitSeconds": 1800}}]' \
    'all(len(u["Id"]) == 16 for u in d["updates"])'
f="$WORK/declined.lambda.json"
py "$f" 'any(u["Action"] == "FAIL" and set(u["Error"]) >= {"ErrorType", "ErrorMessage"} and "Payload" not in u for u in d["updates"])'

check "a journal the event holds only part of is paged with GetDurableExecutionState"
standin paged --page-size 2
host paged "$ORDER"
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/paged.json"
py "$WORK/paged.json" 'd["status"] == "SUCCEEDED"' 'd["invocations"] == 3'
python3 - "$WORK/paged.log" <<'EOF' || fail "no paging seen: $(cat "$WORK/paged.log")"
import json, sys
pages = [e for e in map(json.loads, open(sys.argv[1])) if e["path"].endswith("/state")]
# the second invocation's event holds 2 of 3 operations (EXECUTION, validate, reserve-stock),
# the third's 2 of 5: one page each, the rest
assert [(p["marker"], p["max_items"], p["count"]) for p in pages] == [("2", "1000", 1), ("2", "1000", 3)], pages
EOF

check "wait_for_callback: the service mints the id, callback succeed --aws answers it"
standin cb
host cb "$APPROVAL"
python3 -c 'import json,sys; print(json.dumps({"request_id": "PR-1001", "amount": 1450, "item": "laptop", "inbox": "http://127.0.0.1:%s/_test/inbox" % sys.argv[1]}))' "$PORT" >"$WORK/approval.json"
arn=$(start "$WORK/approval.json")
for _ in $(seq 100); do
    cid=$(curl -s "http://127.0.0.1:$PORT/_test/execution?arn=$(python3 -c 'import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1],safe=""))' "$arn")" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(next((o["CallbackDetails"]["CallbackId"] for o in d["ops"] if o["Type"]=="CALLBACK"), "") if d["answers"] else "")')
    [[ -n $cid ]] && break
    sleep 0.05
done
[[ -n $cid ]] || fail "no callback was started"
grep -qF "$(python3 -c 'import json,sys;print(json.dumps(sys.argv[1])[1:-1])' "$cid")" <<<"$(curl -s "http://127.0.0.1:$PORT/_test/inboxes")" ||
    fail "the submitter did not send the service's callback id $cid"
run_cmd cbsucceed env AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT" "$APPROVAL" callback succeed "$cid" --aws \
    --result '{"approved":true,"by":"ana"}'
expect_rc 0
settle "$arn" "$WORK/approval.lambda.json"
py "$WORK/approval.lambda.json" 'd["status"] == "SUCCEEDED"' \
    'json.loads(d["result"]) == {"request": "PR-1001", "approved": True, "by": "ana"}' \
    '[(u["Type"], u["Action"], u.get("SubType")) for u in d["updates"]][:3] == [("CONTEXT", "START", "WaitForCallback"), ("CALLBACK", "START", "Callback"), ("STEP", "START", "Step")]' \
    'd["updates"][1]["ParentId"] == md5("1") and d["updates"][1]["Id"] == md5("1-1")' \
    'd["updates"][1]["CallbackOptions"] == {"TimeoutSeconds": 86400, "HeartbeatTimeoutSeconds": 7200}' \
    '[u["Action"] for u in d["updates"] if u["Id"] == md5("1")] == ["START", "SUCCEED"]'

# fault STATUS TYPE MESSAGE [COUNT [RETRY-AFTER]]: the next COUNT checkpoints are refused so.
fault() {
    python3 - "$PORT" "$@" <<'EOF'
import json, sys, urllib.request
port, status, etype, message = sys.argv[1:5]
f = {"status": int(status), "type": etype, "message": message}
if len(sys.argv) > 5:
    f["count"] = int(sys.argv[5])
if len(sys.argv) > 6:
    f["retry_after"] = sys.argv[6]
urllib.request.urlopen("http://127.0.0.1:%s/_test/fault" % port, json.dumps(f).encode())
EOF
}

# checkpoints LOG ARN OUT: the stand-in's log lines of ARN's checkpoint requests, in order, to
# OUT (an arrival has "arrived"; an answer "status").
checkpoints() {
    python3 - "$@" <<'EOF'
import json, sys, urllib.parse
log, arn, out = sys.argv[1:]
mine = [e for e in map(json.loads, open(log))
        if e["path"].endswith("/checkpoint") and arn in urllib.parse.unquote(e["path"])]
json.dump(mine, open(out, "w"))
EOF
}

# same_as_sqlite LAMBDA-JSON: the execution succeeded with the result of the order's success run.
same_as_sqlite() {
    python3 - "$WORK/success.sqlite.json" "$1" <<'EOF' || fail "not as on SQLite: $1"
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:])
assert l["status"] == s["status"] == "SUCCEEDED", (l["status"], s["status"])
assert json.loads(l["result"]) == s["result"], (l["result"], s["result"])
EOF
}

check "429 with Retry-After: 1: the same request is sent again a second later, no /error"
standin faults
host faults "$ORDER"
fault 429 TooManyRequestsException "Rate exceeded" 1 1
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/throttled.json"
same_as_sqlite "$WORK/throttled.json"
checkpoints "$WORK/faults.log" "$arn" "$WORK/throttled.log"
py "$WORK/throttled.json" '[a["kind"] for a in d["answers"]] == ["response"] * 3'
py "$WORK/throttled.log" '[e.get("status") for e in d][:4] == [None, 429, None, 200]' \
    'd[0]["client"] == d[2]["client"] and d[0]["token"] == d[2]["token"]' \
    'd[2]["arrived"] - d[0]["arrived"] >= 1.0' \
    'd[3]["body"]["ClientToken"] == d[0]["client"]'

check "500 once: the same request is sent again, no /error"
fault 500 ServiceException "internal"
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/5xx.json"
same_as_sqlite "$WORK/5xx.json"
checkpoints "$WORK/faults.log" "$arn" "$WORK/5xx.log"
py "$WORK/5xx.json" '[a["kind"] for a in d["answers"]] == ["response"] * 3'
py "$WORK/5xx.log" '[e.get("status") for e in d][:4] == [None, 500, None, 200]' \
    'd[0]["client"] == d[2]["client"]'

check "429 four times: three tries, then /error; Lambda's retry ends the execution"
fault 429 TooManyRequestsException "Rate exceeded" 4
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/throttled4.json"
same_as_sqlite "$WORK/throttled4.json"
checkpoints "$WORK/faults.log" "$arn" "$WORK/throttled4.log"
py "$WORK/throttled4.json" '[a["kind"] for a in d["answers"]] == ["error"] + ["response"] * 3' \
    'd["answers"][0]["body"]["errorType"] == "Aws.TooManyRequestsException"'
py "$WORK/throttled4.log" '[e["status"] for e in d if "status" in e][:5] == [429] * 4 + [200]' \
    'len({e["client"] for e in [e for e in d if "arrived" in e][:3]}) == 1' \
    '[e for e in d if "arrived" in e][3]["client"] != d[0]["client"]'

check "a stale checkpoint token: /error at once (a resend cannot mend it), then Lambda's retry"
fault 400 InvalidParameterValueException "Invalid Checkpoint Token"
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/stale.json"
same_as_sqlite "$WORK/stale.json"
checkpoints "$WORK/faults.log" "$arn" "$WORK/stale.log"
py "$WORK/stale.json" '[a["kind"] for a in d["answers"]] == ["error"] + ["response"] * 3' \
    'd["answers"][0]["body"]["errorType"] == "Aws.InvalidParameterValueException"'
py "$WORK/stale.log" '[e.get("status") for e in d][:4] == [None, 400, None, 200]' \
    'd[0]["client"] != d[2]["client"]'

check "a response lost mid-request: sent again with its ClientToken, applied once"
curl -s -X POST "http://127.0.0.1:$PORT/_test/fault" -d '{"drop": true}' >/dev/null
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/lost.json"
same_as_sqlite "$WORK/lost.json"
checkpoints "$WORK/faults.log" "$arn" "$WORK/lost.log"
py "$WORK/lost.json" '[a["kind"] for a in d["answers"]] == ["response"] * 3' \
    'len({o["Id"] for o in d["ops"]}) == len(d["ops"])'
python3 - "$WORK/lost.log" "$WORK/lost.json" "$WORK/success.lambda.json" <<'EOF' || fail "the lost response"
import json, sys
log, x, clean = (json.load(open(p)) for p in sys.argv[1:])
assert [e.get("status") for e in log][:4] == [None, 200, None, 200], log[:4]
assert log[1].get("dropped") and log[3].get("replayed"), log[:4]
assert log[0]["client"] == log[2]["client"] == log[1]["body"]["ClientToken"], log[:4]
assert log[1]["body"] == log[3]["body"], "the resend is not the same request"
# applied once: the dropped request's updates are in the journal once, and the
# execution made the same updates, in as many requests, as one with no fault
ups, lost = x["updates"], log[1]["body"]["Updates"]
assert sum(ups[i:i + len(lost)] == lost for i in range(len(ups))) == 1, lost
shape = lambda us: [(u["Id"], u["Type"], u["Action"]) for u in us]
assert shape(ups) == shape(clean["updates"]), (shape(ups), shape(clean["updates"]))
assert x["requests"] == clean["requests"], (x["requests"], clean["requests"])
EOF

check "another refusal ends the execution FAILED (Lambda does not retry it)"
fault 400 InvalidParameterValueException "Payload too large for the operation"
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/fatal.json"
py "$WORK/fatal.json" 'd["status"] == "FAILED"' '[a["kind"] for a in d["answers"]] == ["response"]' \
    'd["error"]["ErrorType"] == "Aws.InvalidParameterValueException"' \
    '"Payload too large" in d["error"]["ErrorMessage"]'

check "near the deadline no step starts: /error (Lambda.Deadline), and the next invocation goes on"
standin deadline
host deadline "$ORDER"
# the first invocation has 0.5 s left (under the 1 s reserve), the second all it needs, the
# third (after the retry delay) 0.5 s again
curl -s -X POST "http://127.0.0.1:$PORT/_test/deadline" -d '{"ms": 500}' >/dev/null
curl -s -X POST "http://127.0.0.1:$PORT/_test/deadline" -d '{"ms": 900000}' >/dev/null
curl -s -X POST "http://127.0.0.1:$PORT/_test/deadline" -d '{"ms": 500}' >/dev/null
arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
settle "$arn" "$WORK/deadline.json"
py "$WORK/deadline.json" 'd["status"] == "SUCCEEDED"' \
    '[a["kind"] for a in d["answers"]] == ["error", "response", "error", "response", "response"]' \
    'all(a["body"]["errorType"] == "Lambda.Deadline" for a in d["answers"] if a["kind"] == "error")' \
    '"was not started" in d["answers"][0]["body"]["errorMessage"]' \
    'json.loads(d["result"]) == json.loads(json.load(open(sys.argv[1].replace("deadline", "success.lambda")))["result"])' \
    '"Interrupted" not in json.dumps(d["ops"])' \
    '[(u["Id"], u["Action"]) for u in d["updates"]] == [(u["Id"], u["Action"]) for u in json.load(open(sys.argv[1].replace("deadline", "success.lambda")))["updates"]]'
run_cmd badreserve env CAIRN_LAMBDA_RESERVE_MS=soon AWS_LAMBDA_RUNTIME_API="127.0.0.1:$PORT" "$ORDER" lambda
expect_rc 1
py <(curl -s "http://127.0.0.1:$PORT/_test/init_errors") \
    'd[-1]["errorType"] == "Cairn.Config" and "CAIRN_LAMBDA_RESERVE_MS" in d[-1]["errorMessage"]'

check "an output over 256 KiB (here 6.5 MB, over Lambda's 6 MiB answer too) fails as on SQLite"
BIG="$CAIRN_BINARY_DIR/tests/fanout/fanout_host"
python3 -c 'import json; print(json.dumps({"chunks": list(range(26))}))' >"$WORK/big.json"
"$BIG" run aws_big --db "$WORK/big.db" --input "$(cat "$WORK/big.json")" --json >"$WORK/big.sqlite.json" 2>/dev/null || true
standin big
AWS_LAMBDA_RUNTIME_API=127.0.0.1:$PORT AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$PORT \
    "$BIG" lambda aws_big >"$WORK/host-big.out" 2>"$WORK/host-big.err" &
PIDS+=($!)
arn=$(start "$WORK/big.json")
settle "$arn" "$WORK/big.lambda.json"
py "$WORK/big.lambda.json" 'd["status"] == "FAILED"' \
    'd["error"]["ErrorType"] == "Payload.TooLarge" == json.load(open(sys.argv[1].replace("lambda", "sqlite")))["error"]["type"]' \
    'd["error"]["ErrorMessage"] == json.load(open(sys.argv[1].replace("lambda", "sqlite")))["error"]["message"]' \
    'sorted(len(u["Payload"]) for u in d["updates"] if u["Action"] == "SUCCEED" and u["Type"] == "STEP") == [250002] * 26'

check "a broken start is an init error"
run_cmd noregion env -u AWS_REGION AWS_LAMBDA_RUNTIME_API="127.0.0.1:$PORT" "$ORDER" lambda
expect_rc 1
py <(curl -s "http://127.0.0.1:$PORT/_test/init_errors") \
    'd[-1]["errorType"] == "Aws.Config" and "AWS_REGION" in d[-1]["errorMessage"]'
run_cmd noapi env -u AWS_LAMBDA_RUNTIME_API "$ORDER" lambda
expect_rc 2
[[ $ERR == *AWS_LAMBDA_RUNTIME_API* ]] || fail "no word of AWS_LAMBDA_RUNTIME_API: $ERR"

echo "ok"
