#!/usr/bin/env bash
# test_bridge.sh — `HOST lambda` against AWS's own checkpoint logic: the
# in-memory service of @aws/durable-execution-sdk-js-testing's local runner,
# served over loopback by tests/aws/bridge/bridge.mjs (the Runtime API, the
# checkpoint and state routes, the callback routes). The runner decides what
# an update does (tokens, the operation state machine, callback ids, waits
# and retries skipped in time); the C host only sees the wire.
#   - the order example, each input, ends with the status and result (or
#     error) it has on SQLite, through a retried step and a 30-minute wait,
#     and AWS's logic refuses none of cairn's checkpoints;
#   - the approval example's wait_for_callback: the runner mints the id, the
#     submitter sends it, `callback succeed --aws` answers through the bridge,
#     the result is SQLite's for the same answer (approved, rejected); a
#     `callback fail` ends it FAILED Callback.Failed with the sender's error
#     in the data, as on SQLite;
#   - the fan-out examples quorum (a parallel of callbacks, two of three
#     approving) and bulk-charge (a map, each input) end with SQLite's status
#     and result.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BRIDGE="$HERE/bridge"
ORDER="$CAIRN_BINARY_DIR/examples/order/order"
APPROVAL="$CAIRN_BINARY_DIR/examples/approval/approval"
[[ -x $ORDER && -x $APPROVAL ]] || fail "build the examples first ($ORDER, $APPROVAL)"
command -v node >/dev/null || fail "node is not installed"
npm_ci "$BRIDGE" @aws/durable-execution-sdk-js-testing
test_credentials


# bridge NAME: starts a bridge; sets $PORT.
bridge() {
    node "$BRIDGE/bridge.mjs" --port-file "$WORK/$1.port" >"$WORK/bridge-$1.out" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 200); do [[ -s $WORK/$1.port ]] && break; sleep 0.05; done
    [[ -s $WORK/$1.port ]] || fail "the bridge did not start: $(cat "$WORK/bridge-$1.out")"
    PORT=$(cat "$WORK/$1.port")
}

# host NAME BINARY (lib.sh) runs BINARY lambda against the bridge on $PORT.

# run INPUT-FILE: a new execution in the runner; prints its run id.
run() {
    python3 - "$PORT" "$1" <<'EOF'
import json, sys, urllib.request
body = json.dumps({"input": open(sys.argv[2]).read()}).encode()
print(json.load(urllib.request.urlopen("http://127.0.0.1:%s/_test/run" % sys.argv[1], body))["id"])
EOF
}

# settle ID OUT: waits (20 s at most) for the run to end; writes the bridge's view to OUT.
settle() {
    python3 - "$PORT" "$1" "$2" <<'EOF' || fail "run $1 did not end: $(head -c 3000 "$2")"
import json, sys, time, urllib.request
port, rid, out = sys.argv[1:]
for _ in range(400):
    d = json.load(urllib.request.urlopen("http://127.0.0.1:%s/_test/result?id=%s" % (port, rid)))
    if d["done"]:
        break
    time.sleep(0.05)
json.dump(d, open(out, "w"))
sys.exit(0 if d["done"] else 1)
EOF
}

# same SQLITE-JSON BRIDGE-JSON: the same status and result or error; no refusal.
same() {
    python3 - "$1" "$2" <<'EOF' || fail "$(basename "$2") differs from SQLite (above)"
import json, sys
s, b = (json.load(open(p)) for p in sys.argv[1:])
name = sys.argv[2].split("/")[-1].split(".")[0]
assert not b["refusals"], "AWS's logic refused: %s" % b["refusals"]
assert [a["kind"] for a in b["answers"]] == ["response"] * len(b["answers"]), b["answers"]
assert b["status"] == s["status"], (b["status"], s["status"], b.get("error"))
if s["status"] == "SUCCEEDED":
    r = b["result"]  # the runner's getResult(): the Result, parsed
    assert (json.loads(r) if isinstance(r, str) else r) == s["result"], (r, s["result"])
else:
    e = b["error"]  # the runner's getError(): {errorType, errorMessage, errorData}
    e = {k[0].upper() + k[1:]: v for k, v in e.items()}
    assert e["ErrorType"] == s["error"]["type"], (e, s["error"])
    assert e["ErrorMessage"] == s["error"]["message"], (e, s["error"])
    assert json.loads(e["ErrorData"]) == s["error"]["data"], (e, s["error"])
print("  %s: %s after %d invocation(s), %d update(s) accepted" % (
    name, b["status"], b["invocations"], len(b["updates"])))
EOF
}

check "the order example ends in AWS's local service as on SQLite, for each input"
bridge main
host main "$ORDER"
for case in success out_of_stock declined; do
    "$ORDER" run order --db "$WORK/$case.db" --input "$(cat "$CAIRN_SOURCE_DIR/examples/order/inputs/$case.json")" \
        --skip-time --json >"$WORK/$case.sqlite.json" 2>/dev/null || true
    id=$(run "$CAIRN_SOURCE_DIR/examples/order/inputs/$case.json")
    settle "$id" "$WORK/$case.bridge.json"
    same "$WORK/$case.sqlite.json" "$WORK/$case.bridge.json"
done
python3 - "$WORK/success.bridge.json" <<'EOF' || fail "the success run did not go through a retry and a wait"
import json, sys
d = json.load(open(sys.argv[1]))
acts = [(u["Type"], u["Action"]) for u in d["updates"]]
assert ("STEP", "RETRY") in acts and ("WAIT", "START") in acts, acts
assert d["invocations"] >= 3, d["invocations"]
# the runner's own record of the operations: every step it holds ended
assert all(o["status"] in ("SUCCEEDED", "FAILED") for o in d["operations"]), d["operations"]
EOF

# approve RUN-NAME VERB ARGS...: an approval run; its callback, once the runner
# minted it and the submitter sent it, answered with `callback VERB ID --aws ARGS`.
approve() {
    local name=$1 verb=$2
    shift 2
    python3 -c 'import json,sys; print(json.dumps({"request_id": sys.argv[2], "amount": 1450, "item": "laptop", "inbox": "http://127.0.0.1:%s/_test/inbox" % sys.argv[1]}))' \
        "$PORT" "PR-$name" >"$WORK/$name.input.json"
    local id cid=""
    id=$(run "$WORK/$name.input.json")
    for _ in $(seq 200); do
        cid=$(curl -s "http://127.0.0.1:$PORT/_test/result?id=$id" | python3 -c 'import json,sys; print((json.load(sys.stdin)["callbacks"] or [""])[-1])')
        [[ -n $cid ]] && curl -s "http://127.0.0.1:$PORT/_test/inboxes" |
            grep -qF "$(python3 -c 'import json,sys;print(json.dumps(sys.argv[1])[1:-1])' "$cid")" && break
        sleep 0.05
    done
    [[ -n $cid ]] || fail "$name: AWS's logic minted no callback id"
    grep -qF "$(python3 -c 'import json,sys;print(json.dumps(sys.argv[1])[1:-1])' "$cid")" <<<"$(curl -s "http://127.0.0.1:$PORT/_test/inboxes")" ||
        fail "$name: the submitter did not send the runner's callback id $cid"
    run_cmd "cb-$name" env AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT" "$APPROVAL" callback "$verb" "$cid" --aws "$@"
    expect_rc 0
    settle "$id" "$WORK/$name.bridge.json"
}

check "approval: the runner mints the callback id, callback succeed --aws answers it through the bridge"
bridge cb
host cb "$APPROVAL"
approve yes succeed --result '{"approved":true,"by":"ana"}'
# what approval ends with on SQLite for these answers (examples/approval/test_approval.sh)
echo '{"status": "SUCCEEDED", "result": {"request": "PR-yes", "approved": true, "by": "ana"}}' >"$WORK/yes.sqlite.json"
same "$WORK/yes.sqlite.json" "$WORK/yes.bridge.json"
approve no succeed --result '{"approved":false,"by":"bo"}'
echo '{"status": "FAILED", "error": {"type": "Approval.Rejected", "message": "request PR-no rejected by bo", "data": {"approved": false, "by": "bo"}}}' >"$WORK/no.sqlite.json"
same "$WORK/no.sqlite.json" "$WORK/no.bridge.json"
approve declined fail --error-type Manager.Away --error-message "on leave until May"
python3 - "$WORK/declined.bridge.json" <<'EOF2' || fail "callback fail does not end it as on SQLite"
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["refusals"] and d["status"] == "FAILED", (d["status"], d["refusals"], d.get("error"))
e = {k[0].upper() + k[1:]: v for k, v in d["error"].items()}
assert "ErrorData" in e, ("no ErrorData", e, [a["body"] for a in d["answers"]][-1])
data = json.loads(e["ErrorData"])
# on SQLite (examples/approval/test_approval.sh): Callback.Failed, the sender's error in the data
assert e["ErrorType"] == "Callback.Failed", e
assert data["ErrorType"] == "Manager.Away" and data["ErrorMessage"] == "on leave until May", data
print("  declined: FAILED Callback.Failed, the sender's Manager.Away kept")
EOF2
python3 - "$WORK/yes.bridge.json" <<'EOF2' || fail "the approval's updates are not the wait_for_callback's"
import json, sys
d = json.load(open(sys.argv[1]))
got = [(u["Type"], u["Action"], u.get("SubType")) for u in d["updates"]][:3]
assert got == [("CONTEXT", "START", "WaitForCallback"), ("CALLBACK", "START", "Callback"), ("STEP", "START", "Step")], got
EOF2

check "the fan-out example quorum (a parallel of three callbacks, two approvals) ends as on SQLite"
# AWS's logic refuses CANCEL of a CONTEXT or STEP and records none of a CALLBACK: the
# straggler branch (legal's) is left open there, as the JS SDK leaves it.
QUORUM="$CAIRN_BINARY_DIR/examples/quorum/quorum"
QIN="$CAIRN_SOURCE_DIR/examples/quorum/inputs/contract.json"
[[ -x $QUORUM ]] || fail "build the examples first ($QUORUM)"
x=$("$QUORUM" run quorum --db "$WORK/q.db" --input "$(cat "$QIN")" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
read -r qfin qlegal qmgr < <("$QUORUM" history "$x" --db "$WORK/q.db" --json |
    python3 -c 'import json,sys; print(*[o["callback_id"] for o in json.load(sys.stdin)["operations"] if o["type"] == "CALLBACK"])')
"$QUORUM" callback succeed "$qmgr" --db "$WORK/q.db" --result '{"by": "mo"}' >/dev/null
"$QUORUM" callback succeed "$qfin" --db "$WORK/q.db" --result '{"by": "ana"}' >/dev/null
"$QUORUM" worker --until-idle --db "$WORK/q.db" 2>/dev/null
"$QUORUM" status "$x" --db "$WORK/q.db" --json >"$WORK/quorum.sqlite.json"
bridge quorum
host quorum "$QUORUM"
id=$(run "$QIN")
cbs=""
for _ in $(seq 200); do
    cbs=$(curl -s "http://127.0.0.1:$PORT/_test/result?id=$id" |
        python3 -c 'import json,sys; c = json.load(sys.stdin)["callbacks"] or []; print(*c) if len(c) == 3 else print()')
    [[ -n $cbs ]] && break
    sleep 0.05
done
[[ -n $cbs ]] || fail "quorum: AWS's logic did not mint three callback ids"
read -r bfin blegal bmgr <<<"$cbs"
for answer in "$bmgr"/'{"by": "mo"}' "$bfin"/'{"by": "ana"}'; do
    run_cmd "quorum-cb" env AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT" "$QUORUM" callback succeed \
        "${answer%%/\{*}" --aws --result "{${answer#*/\{}"
    expect_rc 0
done
settle "$id" "$WORK/quorum.bridge.json"
same "$WORK/quorum.sqlite.json" "$WORK/quorum.bridge.json"
check "the fan-out example bulk-charge (a map) ends as on SQLite"
for ex in bulk-charge:bulk_charge; do
    dir=${ex%%:*} name=${ex#*:}
    bin="$CAIRN_BINARY_DIR/examples/$dir/$name"
    [[ -x $bin ]] || fail "build the examples first ($bin)"
    bridge "$name"
    host "$name" "$bin"
    for in in "$CAIRN_SOURCE_DIR/examples/$dir/inputs/"*.json; do
        case=$name-$(basename "$in" .json)
        "$bin" run "$name" --db "$WORK/$case.db" --input "$(cat "$in")" --skip-time --json \
            >"$WORK/$case.sqlite.json" 2>/dev/null || true
        id=$(run "$in")
        settle "$id" "$WORK/$case.bridge.json"
        same "$WORK/$case.sqlite.json" "$WORK/$case.bridge.json"
    done
done

echo "bridge: all checks passed"
