#!/usr/bin/env bash
# test_wire.sh — cairn's Lambda wire against the official JS SDK's, update by
# update. Each workflow runs twice against tests/aws/durable_standin.py, which
# records every OperationUpdate it is sent: once as cairn's `HOST lambda`,
# once as its twin written with @aws/durable-execution-sdk-js
# (tests/aws/wire/twins.mjs) under a Node custom runtime (wire/runtime.mjs)
# whose LambdaClient checkpoints to the stand-in (AWS_ENDPOINT_URL_LAMBDA,
# signatures checked). wire/compare.py then compares the two traces update by
# update (Id, ParentId, Type, SubType, Action, Name, every *Options, Payload,
# Error) and fails on any difference not listed, with its reason, in its
# KNOWN table (and on a listed one that no longer happens); it prints the
# comparison as a table (docs/lambda.md "The wire, compared with the JS SDK").
# Cases: the order example (success, out of stock, declined), approval (a
# wait_for_callback answered with `callback succeed --aws`, and with
# `callback fail --aws`), payment (a callback, an http step, an await), and
# the fan-out workflows aws_batch (parallel, map, group, condition) and
# aws_tolerate (a map with a failed item, tolerated).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WIRE="$HERE/wire"
EX="$CAIRN_BINARY_DIR/examples"
FANOUT="$CAIRN_BINARY_DIR/tests/fanout/fanout_host"
for b in "$EX/order/order" "$EX/approval/approval" "$EX/payment/payment" "$FANOUT"; do
    [[ -x $b ]] || fail "build it first: $b"
done
command -v node >/dev/null || fail "node is not installed"
npm_ci "$WIRE" @aws/durable-execution-sdk-js
test_credentials

on_fail() {
    for f in "$WORK"/run-*.err "$WORK"/standin-*.err; do
        [[ -s $f ]] && { echo "--- $(basename "$f"):"; tail -15 "$f"; }
    done
    return 0
}

# runtime SIDE CASE WORKFLOW: a stand-in of its own for one execution, and
# SIDE's function on it: cairn's host (HOST lambda) or the JS twin.
runtime() {
    local side=$1 case=$2 wf=$3
    standin "$side-$case"
    if [[ $side == cairn ]]; then
        local bin
        case $wf in
        order | approval | payment) bin=$EX/$wf/$wf ;;
        *) bin=$FANOUT ;;
        esac
        AWS_LAMBDA_RUNTIME_API=127.0.0.1:$PORT AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$PORT \
            CAIRN_WORKFLOW=$wf "$bin" lambda >"$WORK/run-$side-$case.out" 2>"$WORK/run-$side-$case.err" &
    else
        AWS_LAMBDA_RUNTIME_API=127.0.0.1:$PORT AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$PORT \
            _HANDLER=$wf NODE_NO_WARNINGS=1 node "$WIRE/runtime.mjs" >"$WORK/run-$side-$case.out" 2>"$WORK/run-$side-$case.err" &
    fi
    PIDS+=($!)
}

# callback_of ARN: waits (10 s at most) for the execution to suspend on a
# CALLBACK; prints the id the stand-in minted for it.
callback_of() {
    python3 - "$PORT" "$1" <<'EOF' || fail "no CALLBACK to answer"
import json, sys, time, urllib.parse, urllib.request
port, arn = sys.argv[1:]
url = "http://127.0.0.1:%s/_test/execution?arn=%s" % (port, urllib.parse.quote(arn, safe=""))
for _ in range(200):
    d = json.load(urllib.request.urlopen(url))
    cbs = [o["CallbackDetails"]["CallbackId"] for o in d["ops"] if o["Type"] == "CALLBACK"]
    if cbs and d["answers"]:
        print(cbs[0])
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
}

# answer CALLBACK-ID ARGS...: `callback ARGS --aws` to the stand-in on $PORT
# (succeed --result R, or fail --error-type T ...).
answer() {
    local cid=$1 verb=$2
    shift 2
    run_cmd answer env AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT" "$CAIRN" callback "$verb" "$cid" --aws "$@"
    expect_rc 0
}

# one SIDE CASE WORKFLOW INPUT-FILE: runs CASE on SIDE to its end; writes the
# stand-in's record to $WORK/SIDE-CASE.json and its requests to SIDE-CASE.log.
one() {
    local side=$1 case=$2 wf=$3 input=$4 arn cid
    runtime "$side" "$case" "$wf"
    case $wf in
    approval)
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["inbox"]="http://127.0.0.1:%s/_test/inbox" % sys.argv[2]; print(json.dumps(d))' \
            "$input" "$PORT" >"$WORK/$side-$case.input.json"
        ;;
    payment)
        python3 "$CAIRN_SOURCE_DIR/examples/payment/payment_service.py" --port 0 \
            --port-file "$WORK/svc-$side-$case.port" --log "$WORK/svc-$side-$case.log" 2>/dev/null &
        PIDS+=($!)
        for _ in $(seq 100); do [[ -s $WORK/svc-$side-$case.port ]] && break; sleep 0.05; done
        [[ -s $WORK/svc-$side-$case.port ]] || fail "payment_service.py did not start"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["service"]="http://127.0.0.1:%s" % sys.argv[2]; print(json.dumps(d))' \
            "$input" "$(cat "$WORK/svc-$side-$case.port")" >"$WORK/$side-$case.input.json"
        ;;
    *) cp "$input" "$WORK/$side-$case.input.json" ;;
    esac
    arn=$(start "$WORK/$side-$case.input.json")
    case $wf in
    approval)
        cid=$(callback_of "$arn")
        # the submitter handed the stand-in's id to the inbox
        grep -qF "$(python3 -c 'import json,sys;print(json.dumps(sys.argv[1])[1:-1])' "$cid")" \
            <<<"$(curl -s "http://127.0.0.1:$PORT/_test/inboxes")" || fail "$side: the submitter did not send $cid"
        if [[ $case == approval-away ]]; then
            answer "$cid" fail --error-type Manager.Away --error-message "on leave until May" --error-data '{"back":"May 4"}'
        else
            answer "$cid" succeed --result '{"approved":true,"by":"ana"}'
        fi
        ;;
    payment)
        cid=$(callback_of "$arn")
        grep -qF "$cid" "$WORK/svc-$side-$case.log" || fail "$side: the charge request did not carry $cid"
        answer "$cid" succeed --result '{"receipt":"R-77"}'
        ;;
    esac
    settle "$arn" "$WORK/$side-$case.json"
    cp "$WORK/$side-$case.log" "$WORK/$side-$case.requests.log"
}

CASES=(
    order-success:order:examples/order/inputs/success.json
    order-out_of_stock:order:examples/order/inputs/out_of_stock.json
    order-declined:order:examples/order/inputs/declined.json
    approval:approval:examples/approval/inputs/laptop.json
    approval-away:approval:examples/approval/inputs/laptop.json
    payment:payment:examples/payment/inputs/order.json
    aws_batch:aws_batch:-
    aws_tolerate:aws_tolerate:-
)
echo '{"lines": [1, 2, 3]}' >"$WORK/aws_batch.input.json"
echo '{"lines": [1, 2, 3, 4]}' >"$WORK/aws_tolerate.input.json"

for side in cairn js; do
    check "the workflows run on $side's runtime against the recording stand-in"
    for c in "${CASES[@]}"; do
        IFS=: read -r case wf input <<<"$c"
        [[ $input == - ]] && input=$WORK/$case.input.json || input=$CAIRN_SOURCE_DIR/$input
        one "$side" "$case" "$wf" "$input"
    done
done

check "cairn's updates are the JS SDK's, but for the known differences"
names=()
for c in "${CASES[@]}"; do names+=("${c%%:*}"); done
python3 "$WIRE/compare.py" "$WORK" "${names[@]}" | tee "$WORK/compare.md" ||
    fail "cairn's wire differs from the JS SDK's (above)"
echo "wire: all checks passed"
