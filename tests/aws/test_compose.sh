#!/usr/bin/env bash
# test_compose.sh — the examples and the composition kinds on Lambda, each
# through tests/aws/durable_standin.py (the stand-in) and through AWS's own
# checkpoint logic (tests/aws/bridge/bridge.mjs), against the same workflow
# run on SQLite:
#   - payment (a callback whose id an http step sends to payment_service.py,
#     then an await): paid (`callback succeed --aws`), declined (`callback
#     fail --aws`: Payment.Declined with the sender's error), refused (a 402
#     not retried: Http.Status.402) end with SQLite's status and result or
#     error; the service got the id the backend minted;
#   - wait_for_condition (tests/fanout/fo_condition.yaml): each check that
#     misses is a STEP (WaitForCondition) START then RETRY with the state as
#     Payload and StepOptions.NextAttemptDelaySeconds (the backoff: 2, 4), the
#     invocation returns PENDING, the service makes the step READY and
#     invokes again; the one that meets `until` SUCCEEDs with the state; out
#     of attempts FAIL Condition.Exhausted, a check's error FAIL with its
#     type: SQLite's result;
#   - invoke (tests/fanout/fo_invoke.yaml, fo_invoke_map.yaml,
#     aws_invoke.yaml): a CHAINED_INVOKE START with
#     ChainedInvokeOptions.FunctionName the invoked workflow's name and
#     Payload its input, and nothing else of it from the caller; the service
#     runs that function (its own host, `HOST lambda fo_ship`) as an
#     execution of its own with that input; the caller ends with SQLite's
#     result; a child that fails fails the invoke with Invoke.Failed, the
#     child's error whole in data, as on SQLite; an input the child's schema
#     rejects fails the invoke with no child and no update at all.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

FANOUT="$CAIRN_BINARY_DIR/tests/fanout/fanout_host"
PAYMENT="$CAIRN_BINARY_DIR/examples/payment/payment"
BRIDGE="$HERE/bridge"
[[ -x $FANOUT && -x $PAYMENT ]] || fail "build the fan-out test host and the examples first ($FANOUT, $PAYMENT)"
command -v node >/dev/null || fail "node is not installed"
npm_ci "$BRIDGE" @aws/durable-execution-sdk-js-testing
test_credentials

on_fail() {
    echo "--- hosts' stderr:"
    tail -n 5 "$WORK"/host-*.err 2>/dev/null || true
    echo "--- stand-ins and bridges:"
    tail -n 5 "$WORK"/standin-*.err "$WORK"/bridge-*.out 2>/dev/null || true
}

# ---- the two services --------------------------------------------------------

# service KIND NAME [FUNCTION...]: a stand-in (KIND standin) or a bridge (KIND
# bridge) serving FUNCTIONs besides the default one; sets $PORT, $KIND, and
# the Runtime API port of each FUNCTION in $WORK/NAME.port.FUNCTION.
service() {
    KIND=$1
    local name=$2 f args=()
    shift 2
    for f in "$@"; do args+=(--function "$f"); done
    if [[ $KIND == standin ]]; then
        standin "$name" "${args[@]}"
    else
        node "$BRIDGE/bridge.mjs" --port-file "$WORK/$name.port" "${args[@]}" >"$WORK/bridge-$name.out" 2>&1 &
        PIDS+=($!)
    fi
    for _ in $(seq 200); do
        local all=1
        [[ -s $WORK/$name.port ]] || all=0
        for f in "$@"; do [[ -s $WORK/$name.port.$f ]] || all=0; done
        [[ $all == 1 ]] && break
        sleep 0.05
    done
    [[ -s $WORK/$name.port ]] || fail "the $KIND did not start"
    for f in "$@"; do [[ -s $WORK/$name.port.$f ]] || fail "the $KIND serves no Runtime API for $f"; done
    PORT=$(cat "$WORK/$name.port")
}

# runtime NAME RUNTIME-PORT BINARY [WORKFLOW]: BINARY lambda [WORKFLOW], its
# Runtime API on RUNTIME-PORT, the durable execution API on $PORT.
runtime() {
    AWS_LAMBDA_RUNTIME_API=127.0.0.1:$2 AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$PORT \
        "$3" lambda ${4:+"$4"} >"$WORK/host-$1.out" 2>"$WORK/host-$1.err" &
    PIDS+=($!)
}

# begin INPUT-JSON [FUNCTION]: a new execution of FUNCTION (else the default function);
# prints its key (the stand-in's ARN, the bridge's run id).
begin() {
    python3 - "$PORT" "$KIND" "$1" "${2:-}" <<'PY'
import json, sys, urllib.request
port, kind, inp, fn = sys.argv[1:]
route, key = ("start", "arn") if kind == "standin" else ("run", "id")
body = json.dumps({"input": inp} | ({"function": fn} if fn else {})).encode()
print(json.load(urllib.request.urlopen("http://127.0.0.1:%s/_test/%s" % (port, route), body))[key])
PY
}

# view KEY: the service's view of the execution now, as JSON on stdout.
view() {
    python3 - "$PORT" "$KIND" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
port, kind, key = sys.argv[1:]
url = ("http://127.0.0.1:%s/_test/execution?arn=%s" % (port, urllib.parse.quote(key, safe=""))
       if kind == "standin" else "http://127.0.0.1:%s/_test/result?id=%s" % (port, key))
print(json.dumps(json.load(urllib.request.urlopen(url))))
PY
}

# finish KEY OUT: waits (20 s at most) for the execution to end; its view in OUT.
finish() {
    local v
    for _ in $(seq 200); do
        v=$(view "$1")
        python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d.get("done", d.get("status") != "RUNNING") else 1)' "$v" &&
            break
        sleep 0.1
    done
    printf '%s\n' "$v" >"$2"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("done", d.get("status") != "RUNNING") else 1)' "$2" ||
        fail "execution $1 did not end: $(head -c 2000 "$2")"
}

# minted KEY: the callback id the service minted for the execution, once there is one.
minted() {
    local cid=""
    for _ in $(seq 200); do
        cid=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
if "callbacks" in d:
    print((d["callbacks"] or [""])[-1])
else:
    print(next((o["CallbackDetails"]["CallbackId"] for o in d["ops"] if o["Type"] == "CALLBACK"), ""))' "$(view "$1")")
        [[ -n $cid ]] && break
        sleep 0.1
    done
    [[ -n $cid ]] || fail "the $KIND minted no callback id for $1"
    printf '%s\n' "$cid"
}

# same SQLITE-JSON LAMBDA-JSON: the same status and result, or error type, message and data
# (an http response's Date header aside: each request has its own); the service refused
# nothing and every invocation answered.
same() {
    python3 - "$1" "$2" <<'PY' || fail "$(basename "$2") differs from SQLite (above)"
import json, sys
def undated(v):
    if isinstance(v, dict):
        return {k: undated(x) for k, x in v.items()
                if not (k == "date" and isinstance(x, str))}
    return [undated(x) for x in v] if isinstance(v, list) else v
s, l = (json.load(open(p)) for p in sys.argv[1:])
name = sys.argv[2].split("/")[-1].rsplit(".", 1)[0]
assert not l.get("refusals"), "refused: %s" % l["refusals"]
assert all(a["kind"] == "response" for a in l["answers"]), l["answers"]
assert l["status"] == s["status"], (l["status"], s["status"], l.get("error"))
if s["status"] == "SUCCEEDED":
    r = l["result"]
    assert (json.loads(r) if isinstance(r, str) else r) == s["result"], (r, s["result"])
else:
    e = {k[0].upper() + k[1:]: v for k, v in l["error"].items()}  # the bridge's errorType...
    assert e["ErrorType"] == s["error"]["type"], (e, s["error"])
    assert e["ErrorMessage"] == s["error"]["message"], (e, s["error"])
    assert undated(json.loads(e["ErrorData"])) == undated(s["error"]["data"]), (e, s["error"])
print("  %s: %s, as on SQLite" % (name, l["status"]))
PY
}

# holds FILE EXPR...: each EXPR holds, with d the file's JSON, md5 the JS SDK's ids.
holds() {
    python3 - "$@" <<'PY'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
md5 = lambda s: hashlib.md5(s.encode()).hexdigest()[:16]
for e in sys.argv[2:]:
    if not eval(e):
        sys.exit("does not hold: %s\n  in %s" % (e, json.dumps(d)[:3000]))
PY
}

# ---- payment -----------------------------------------------------------------

# pay_service NAME [ARGS]: examples/payment/payment_service.py on a free port;
# sets $SVC (its URL); what it is sent is logged in $WORK/NAME.log.
pay_service() {
    local name=$1
    shift
    python3 "$CAIRN_SOURCE_DIR/examples/payment/payment_service.py" --port 0 \
        --port-file "$WORK/$name.svcport" --log "$WORK/$name.log" "$@" 2>"$WORK/$name.svc.err" &
    PIDS+=($!)
    for _ in $(seq 100); do [[ -s $WORK/$name.svcport ]] && break; sleep 0.05; done
    [[ -s $WORK/$name.svcport ]] || fail "payment_service.py did not start"
    SVC=http://127.0.0.1:$(cat "$WORK/$name.svcport")
}

# pay_input ORDER: the example's order, for ORDER, charged at $SVC.
pay_input() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["service"]=sys.argv[2]; d["order_id"]=sys.argv[3]; print(json.dumps(d))' \
        "$CAIRN_SOURCE_DIR/examples/payment/inputs/order.json" "$SVC" "$1"
}

# pay_sqlite CASE ORDER [VERB ARGS...]: the payment on SQLite, its callback answered with
# `callback VERB ID --db ARGS` (no VERB: it ends by itself); its status in $WORK/CASE.sqlite.json.
pay_sqlite() {
    local case=$1 db="$WORK/$1.db" id cb
    "$PAYMENT" run payment --db "$db" --input "$(pay_input "$2")" --json \
        >"$WORK/$case.run.json" 2>"$WORK/$case.run.err" || true
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/$case.run.json") ||
        fail "$case: no execution on SQLite: $(cat "$WORK/$case.run.err")"
    if [[ $# -gt 2 ]]; then
        cb=$("$PAYMENT" history "$id" --db "$db" --json |
            python3 -c 'import json,sys; print([o["callback_id"] for o in json.load(sys.stdin)["operations"] if o["type"] == "CALLBACK"][0])')
        "$PAYMENT" callback "$3" "$cb" --db "$db" "${@:4}" >/dev/null || fail "$case: callback $3 on SQLite"
        "$PAYMENT" worker --db "$db" --until-idle 2>/dev/null || fail "$case: worker on SQLite"
    fi
    "$PAYMENT" status "$id" --db "$db" --json >"$WORK/$case.sqlite.json"
}

# pay_lambda CASE ORDER [VERB ARGS...]: the payment on the service ($KIND on $PORT, its host
# running), its callback answered with `callback VERB ID --aws ARGS` once the service minted
# the id and the http step sent it to payment_service.py; its view in $WORK/CASE.$KIND.json.
pay_lambda() {
    local case=$1 key cid
    key=$(begin "$(pay_input "$2")")
    if [[ $# -gt 2 ]]; then
        cid=$(minted "$key")
        local sent=0
        for _ in $(seq 200); do
            python3 -c 'import json,sys; sys.exit(0 if any(json.loads(l)["request"]["callback_id"] == sys.argv[2] for l in open(sys.argv[1])) else 1)' \
                "$WORK/pay.log" "$cid" 2>/dev/null && sent=1 && break
            sleep 0.1
        done
        [[ $sent == 1 ]] || fail "$case: payment_service.py was not sent the minted callback id $cid: $(cat "$WORK/pay.log")"
        run_cmd "$case-cb" env AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT" "$PAYMENT" callback "$3" "$cid" --aws "${@:4}"
        expect_rc 0
    fi
    finish "$key" "$WORK/$case.$KIND.json"
}

pay_service refusing --refuse 1000
SVC_NO=$SVC
pay_service pay
SVC_OK=$SVC
DECLINE=(--error-type Card.Declined --error-message "insufficient funds" --error-data '{"code": "51"}')

check "payment on SQLite: paid, declined, refused (what Lambda must match)"
pay_sqlite paid A-2001 succeed --result '{"receipt": "R-77"}'
pay_sqlite declined A-2002 fail "${DECLINE[@]}"
SVC=$SVC_NO pay_sqlite refused A-2005
holds "$WORK/paid.sqlite.json" 'd["status"] == "SUCCEEDED"'
holds "$WORK/declined.sqlite.json" 'd["error"]["type"] == "Payment.Declined"'
holds "$WORK/refused.sqlite.json" 'd["error"]["type"] == "Http.Status.402"'

for kind in standin bridge; do
    check "payment on the $kind: the service mints the callback id, the http step sends it, callback --aws answers: SQLite's ends"
    service "$kind" "pay-$kind"
    runtime "pay-$kind" "$PORT" "$PAYMENT"
    pay_lambda paid A-2001 succeed --result '{"receipt": "R-77"}'
    same "$WORK/paid.sqlite.json" "$WORK/paid.$kind.json"
    pay_lambda declined A-2002 fail "${DECLINE[@]}"
    same "$WORK/declined.sqlite.json" "$WORK/declined.$kind.json"
    SVC=$SVC_NO pay_lambda refused A-2005
    same "$WORK/refused.sqlite.json" "$WORK/refused.$kind.json"
done
holds "$WORK/paid.standin.json" \
    '[(u["Type"], u["Action"], u.get("SubType")) for u in d["updates"]][:3] == [("CALLBACK", "START", "Callback"), ("STEP", "START", "Step"), ("STEP", "SUCCEED", "Step")]' \
    'd["updates"][0]["CallbackOptions"] == {"TimeoutSeconds": 3600}' \
    '[a["body"]["Status"] for a in d["answers"]] == ["PENDING", "SUCCEEDED"]'

# ---- wait_for_condition ------------------------------------------------------

check "wait_for_condition on SQLite (what Lambda must match)"
"$FANOUT" run fo_condition --db "$WORK/cond.db" --input '{"ready_at": 3}' --skip-time --json \
    >"$WORK/cond.sqlite.json" 2>/dev/null || true
holds "$WORK/cond.sqlite.json" 'd["status"] == "SUCCEEDED"' 'd["result"]["job"] == {"tries": 3, "ready": True}'

for kind in standin bridge; do
    check "wait_for_condition on the $kind: RETRY with the state and the delay, PENDING, READY, checked again: SQLite's result"
    service "$kind" "cond-$kind"
    runtime "cond-$kind" "$PORT" "$FANOUT" fo_condition
    key=$(begin '{"ready_at": 3}')
    finish "$key" "$WORK/cond.$kind.json"
    same "$WORK/cond.sqlite.json" "$WORK/cond.$kind.json"
    # until-ready misses twice (RETRY: the state as Payload, the backoff 2 s then 4 s), then
    # meets `until`; never runs out of its 2 attempts; broken's check fails, not retried
    holds "$WORK/cond.$kind.json" \
        'all(u["Type"] == "STEP" and u["SubType"] == "WaitForCondition" for u in d["updates"])' \
        '[u["Action"] for u in d["updates"] if u["Id"] == md5("1")] == ["START", "RETRY", "START", "RETRY", "START", "SUCCEED"]' \
        'all(u["Name"] == "until-ready" for u in d["updates"] if u["Id"] == md5("1"))' \
        '[(json.loads(u["Payload"]), u["StepOptions"]) for u in d["updates"] if u["Action"] == "RETRY" and u["Id"] == md5("1")] == [({"tries": 1, "ready": False}, {"NextAttemptDelaySeconds": 2}), ({"tries": 2, "ready": False}, {"NextAttemptDelaySeconds": 4})]' \
        '[json.loads(u["Payload"]) for u in d["updates"] if u["Action"] == "SUCCEED"] == [{"tries": 3, "ready": True}]' \
        'not any("Error" in u for u in d["updates"] if u["Action"] == "RETRY")' \
        '[u["Action"] for u in d["updates"] if u["Id"] == md5("2")] == ["START", "RETRY", "START", "FAIL"]' \
        '[(u["Error"]["ErrorType"], json.loads(u["Error"]["ErrorData"])) for u in d["updates"] if u["Id"] == md5("2") and u["Action"] == "FAIL"] == [("Condition.Exhausted", {"tries": 2, "ready": False})]' \
        '[(u["Action"], u.get("Error", {}).get("ErrorType")) for u in d["updates"] if u["Id"] == md5("3")] == [("START", None), ("FAIL", "Boom")]' \
        '[a["body"]["Status"] for a in d["answers"]] == ["PENDING", "PENDING", "PENDING", "SUCCEEDED"]' \
        'd["invocations"] == 4'
done
# the service made the retried step READY before invoking again, its state kept
holds "$WORK/cond.bridge.json" \
    '[next(o for o in e["InitialExecutionState"]["Operations"] if o["Id"] == md5("1"))["Status"] for e in d["events"][1:3]] == ["READY", "READY"]' \
    'json.loads(next(o for o in d["events"][2]["InitialExecutionState"]["Operations"] if o["Id"] == md5("1"))["StepDetails"]["Result"]) == {"tries": 2, "ready": False}'

# ---- invoke (CHAINED_INVOKE) ---------------------------------------------------

check "invoke on SQLite (what Lambda must match)"
sq=0
for c in "fo_invoke ok {\"id\": \"A1\"}" "fo_invoke fail {\"id\": \"B2\", \"mode\": \"fail\"}" \
    "fo_invoke_map map {\"orders\": [\"F1\", \"F2\", \"F3\"]}" "aws_invoke rejected {\"ship\": {\"mode\": \"fail\"}}"; do
    read -r wf case inp <<<"$c"
    sq=$((sq + 1))
    "$FANOUT" run "$wf" --db "$WORK/inv$sq.db" --input "$inp" --skip-time --json >"$WORK/inv-$case.sqlite.json" 2>/dev/null || true
done
holds "$WORK/inv-ok.sqlite.json" 'd["result"] == {"shipment": {"label": "L-A1"}}'
holds "$WORK/inv-fail.sqlite.json" 'd["result"]["failed"]["type"] == "Invoke.Failed"'
holds "$WORK/inv-rejected.sqlite.json" 'd["result"]["failed"]["data"]["type"] == "Input.Invalid"'

# child KEY N OUT: the N-th execution the caller KEY invoked, as the service holds it:
# {function, input, status, result, error}.
child() {
    python3 - "$PORT" "$KIND" "$(view "$1")" "$2" >"$3" <<'PY'
import json, sys, urllib.parse, urllib.request
port, kind, d, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
if kind == "standin":
    c = d["invokes"][n]
    x = json.load(urllib.request.urlopen("http://127.0.0.1:%s/_test/execution?arn=%s" % (port, urllib.parse.quote(c["arn"], safe=""))))
    out = {"function": c["function"], "op": c["op"], "input": x["ops"][0]["ExecutionDetails"]["InputPayload"],
           "status": x["status"], "result": x["result"], "error": x["error"], "count": len(d["invokes"])}
else:
    c = d["children"][n]
    body = c["answers"][-1]["body"]
    out = {"function": c["function"], "input": c["input"], "status": body["Status"],
           "result": body.get("Result"), "error": body.get("Error"), "count": len(d["children"])}
print(json.dumps(out))
PY
}

for kind in standin bridge; do
    check "invoke on the $kind: a CHAINED_INVOKE START naming the function, its child an execution of its own: SQLite's result"
    service "$kind" "inv-$kind" fo_invoke fo_invoke_map aws_invoke fo_ship
    for wf in fo_invoke fo_invoke_map aws_invoke fo_ship; do
        runtime "inv-$kind-$wf" "$(cat "$WORK/inv-$kind.port.$wf")" "$FANOUT" "$wf"
    done
    key=$(begin '{"id": "A1"}' fo_invoke)
    finish "$key" "$WORK/inv-ok.$kind.json"
    same "$WORK/inv-ok.sqlite.json" "$WORK/inv-ok.$kind.json"
    # the caller's only update: the START, FunctionName the workflow's name, Payload its input
    holds "$WORK/inv-ok.$kind.json" \
        'len(d["updates"]) == 1' \
        '{k: v for k, v in d["updates"][0].items() if k != "Payload"} == {"Id": md5("1"), "Name": "ship-it", "Type": "CHAINED_INVOKE", "SubType": "ChainedInvoke", "Action": "START", "ChainedInvokeOptions": {"FunctionName": "fo_ship"}}' \
        'json.loads(d["updates"][0]["Payload"]) == {"order": "A1", "mode": None}' \
        '[a["body"]["Status"] for a in d["answers"]] == ["PENDING", "SUCCEEDED"]'
    child "$key" 0 "$WORK/inv-ok.$kind.child.json"
    holds "$WORK/inv-ok.$kind.child.json" 'd["count"] == 1' 'd["function"] == "fo_ship"' \
        'json.loads(d["input"]) == {"order": "A1", "mode": None}' 'd["status"] == "SUCCEEDED"' \
        'json.loads(d["result"]) == {"label": "L-A1"}'

    check "invoke on the $kind: a child that fails fails the invoke with Invoke.Failed, its error whole in data"
    key=$(begin '{"id": "B2", "mode": "fail"}' fo_invoke)
    finish "$key" "$WORK/inv-fail.$kind.json"
    python3 - "$WORK/inv-fail.sqlite.json" "$WORK/inv-fail.$kind.json" <<'PY' || fail "the failed invoke differs from SQLite's (above)"
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:])
assert not l.get("refusals"), l["refusals"]
assert l["status"] == s["status"] == "SUCCEEDED", (l["status"], l.get("error"))
r = l["result"]
f, sf = (json.loads(r) if isinstance(r, str) else r)["failed"], s["result"]["failed"]
# the message names the child: its execution id on SQLite, not on Lambda; both carry its message
assert f["type"] == sf["type"] == "Invoke.Failed", (f, sf)
assert f["data"] == sf["data"] == {"type": "Ship.Refused", "message": "no carrier for B2", "data": {"order": "B2"}}, (f, sf)
assert "no carrier for B2" in f["message"] and "no carrier for B2" in sf["message"], (f, sf)
print("  inv-fail: Invoke.Failed caught, the child's Ship.Refused in data, as on SQLite")
PY
    child "$key" 0 "$WORK/inv-fail.$kind.child.json"
    holds "$WORK/inv-fail.$kind.child.json" 'd["status"] == "FAILED"' \
        'd["error"]["ErrorType"] == "Ship.Refused"' 'json.loads(d["input"]) == {"order": "B2", "mode": "fail"}'

    check "invoke on the $kind: invokes inside a map, one child each, results in order"
    key=$(begin '{"orders": ["F1", "F2", "F3"]}' fo_invoke_map)
    finish "$key" "$WORK/inv-map.$kind.json"
    same "$WORK/inv-map.sqlite.json" "$WORK/inv-map.$kind.json"
    holds "$WORK/inv-map.$kind.json" \
        'sorted(u["Id"] for u in d["updates"] if u["Type"] == "CHAINED_INVOKE") == sorted(md5(i) for i in ("1-1-1", "1-2-1", "1-3-1"))' \
        'all(u["Action"] == "START" and u["ParentId"] == md5(u2) for u, u2 in [(u, "1-%s" % i) for i in "123" for u in d["updates"] if u["Type"] == "CHAINED_INVOKE" and u["Id"] == md5("1-%s-1" % i)])'
    child "$key" 2 "$WORK/inv-map.$kind.child.json"
    holds "$WORK/inv-map.$kind.child.json" 'd["count"] == 3'

    check "invoke on the $kind: an input the child's schema rejects: Invoke.Failed, no child, no update"
    key=$(begin '{"ship": {"mode": "fail"}}' aws_invoke)
    finish "$key" "$WORK/inv-rejected.$kind.json"
    same "$WORK/inv-rejected.sqlite.json" "$WORK/inv-rejected.$kind.json"
    holds "$WORK/inv-rejected.$kind.json" 'd["updates"] == []' \
        'd.get("invokes", d.get("children")) == []' '[a["body"]["Status"] for a in d["answers"]] == ["SUCCEEDED"]'
done

echo "compose: all checks passed"
