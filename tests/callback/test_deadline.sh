# Callback deadlines as AWS times them: a callback times out at its own
# deadline, awaited or not, while something else (a wait, a submitter's retry
# delay) is pending.
#   - `callback: c` (timeout 3s), `wait: w` for 6s, `await: c`: the execution
#     wakes at 3s (its wake-up time is the callback's deadline, not the
#     wait's end), the history reads CallbackStarted, WaitStarted,
#     CallbackTimedOut (start + 3s), WaitSucceeded (+ 6s), and the await
#     fails the execution with Callback.Timeout;
#   - the same with a heartbeat deadline (3s): Callback.Heartbeat at + 3s;
#   - a heartbeat re-arms that deadline: the execution woken at the old one
#     suspends again (no event) and times out at the new one, once;
#   - answered during the wait: CallbackSucceeded before WaitSucceeded, and
#     the execution succeeds with the result;
#   - wait_for_callback: the callback (3s) times out while the submitter's
#     retry (10s) is pending, before the submitter's second attempt.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

# events ID: writes the events of ID to $WORK/events.json and sets $EV.
events() {
    EV=$WORK/events.json
    "$HOST" history "$1" --events --json >"$EV" || fail "history $1 --events failed"
}

# events_check PYTHON-EXPR...: each must hold over `ev` (the events), with
# `types` (their EventType, in order), `t(type, n=0)` (the nth such event's
# time in ms) and `ms(rfc3339)`.
events_check() {
    python3 - "$EV" "$@" <<'PY' || fail "events check failed: $(python3 -c 'import json,sys; print([(e["EventType"], e["EventTimestamp"]) for e in json.load(open(sys.argv[1]))])' "$EV")"
import datetime, json, sys
ev = json.load(open(sys.argv[1]))
types = [e["EventType"] for e in ev]
def ms(s):
    return round(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
def t(type, n=0):
    return ms([e for e in ev if e["EventType"] == type][n]["EventTimestamp"])
env = {"ev": ev, "types": types, "t": t, "ms": ms}
bad = [e for e in sys.argv[2:] if not eval(e, env)]
for e in bad:
    print("  not true:", e, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

check "real clock: the execution suspended in the wait wakes at the callback's deadline"
start cbdeadline '{}'
"$HOST" status "$ID" --json >"$WORK/status.json" || fail "status"
history "$ID"
T='(lambda s: __import__("datetime").datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)'
json_check "$WORK/status.json" 'd["status"] == "PENDING"'
python3 - "$WORK/status.json" "$H" <<PY || fail "wake_at is not the callback's timeout: $(cat "$WORK/status.json")"
import json, sys
T = $T
st = json.load(open(sys.argv[1]))
cb = [o for o in json.load(open(sys.argv[2]))["operations"] if o["type"] == "CALLBACK"][0]
sys.exit(0 if T(st["wake_at"]) == T(cb["timeout_at"]) == T(cb["started_at"]) + 3000 else 1)
PY
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
events "$ID"
events_check \
    'types == ["ExecutionStarted", "CallbackStarted", "WaitStarted", "CallbackTimedOut", "WaitSucceeded", "ExecutionFailed"]' \
    't("CallbackTimedOut") == t("CallbackStarted") + 3000'

check "skip-time: CallbackTimedOut at + 3s, before WaitSucceeded at + 6s; the await fails with Callback.Timeout"
start_skip() {
    run_cmd run "$HOST" run "$1" --input "$2" --skip-time --json
    ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out" 2>/dev/null) ||
        fail "run $1 printed no execution id (exit $RC): $OUT $ERR"
}
start_skip cbdeadline '{}'
json_check "$WORK/run.out" 'd["status"] == "FAILED"' 'd["error"]["type"] == "Callback.Timeout"' \
    'd["error"]["message"] == "Callback timed out"'
events "$ID"
events_check \
    'types == ["ExecutionStarted", "CallbackStarted", "WaitStarted", "CallbackTimedOut", "WaitSucceeded", "ExecutionFailed"]' \
    't("CallbackTimedOut") == t("CallbackStarted") + 3000' \
    'abs(t("WaitSucceeded") - t("WaitStarted") - 6000) < 1000' \
    'ev[3]["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"' \
    'ev[5]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"'
history "$ID"
json_check "$H" 'op("c", "CALLBACK")["status"] == "TIMED_OUT"' \
    'op("c", "CALLBACK")["ended_at"] == op("c", "CALLBACK")["timeout_at"]'

check "skip-time: a heartbeat deadline times the callback out at + 3s with Callback.Heartbeat"
start_skip cbdeadbeat '{}'
json_check "$WORK/run.out" 'd["status"] == "FAILED"' 'd["error"]["type"] == "Callback.Heartbeat"' \
    'd["error"]["message"] == "Callback timed out on heartbeat"'
events "$ID"
events_check \
    'types == ["ExecutionStarted", "CallbackStarted", "WaitStarted", "CallbackTimedOut", "WaitSucceeded", "ExecutionFailed"]' \
    't("CallbackTimedOut") == t("CallbackStarted") + 3000' \
    'abs(t("WaitSucceeded") - t("WaitStarted") - 6000) < 1000' \
    'ev[3]["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Heartbeat"'

check "a heartbeat re-arms the deadline (no event): woken at the old one, it times out at the new one, once"
start cbdeadbeat '{}'
get_cb "$ID"
sleep 1
"$CAIRN" callback heartbeat "$CB" >/dev/null || fail "heartbeat refused"
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
events "$ID"
events_check \
    'types == ["ExecutionStarted", "CallbackStarted", "WaitStarted", "CallbackTimedOut", "WaitSucceeded", "ExecutionFailed"]' \
    't("CallbackTimedOut") >= t("CallbackStarted") + 4000' \
    'ev[3]["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Heartbeat"'
[ "$(status_of "$ID")" = FAILED ] || fail "status $(status_of "$ID"), expected FAILED"

check "answered during the wait: CallbackSucceeded before WaitSucceeded, the execution succeeds"
start cbdeadline '{}'
get_cb "$ID"
"$CAIRN" callback succeed "$CB" --result '{"ok": 1}' >/dev/null || fail "succeed refused"
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
events "$ID"
events_check \
    'types == ["ExecutionStarted", "CallbackStarted", "WaitStarted", "CallbackSucceeded", "WaitSucceeded", "ExecutionSucceeded"]' \
    'abs(t("WaitSucceeded") - t("WaitStarted") - 6000) < 1000'
"$HOST" status "$ID" --json >"$WORK/status.json" || fail "status"
json_check "$WORK/status.json" 'd["status"] == "SUCCEEDED"' 'd["result"] == {"ok": 1}'

check "wait_for_callback: the callback times out at 3s while the submitter's retry (10s) is pending"
start_skip cbwfcdead '{"fail": 1}'
json_check "$WORK/run.out" 'd["status"] == "FAILED"' 'd["error"]["type"] == "Callback.Timeout"'
events "$ID"
events_check \
    'types == ["ExecutionStarted", "ContextStarted", "CallbackStarted", "StepStarted", "StepFailed", "CallbackTimedOut", "StepStarted", "StepSucceeded", "ContextFailed", "ExecutionFailed"]' \
    't("CallbackTimedOut") == t("CallbackStarted") + 3000' \
    'abs(t("StepStarted", 1) - t("StepStarted") - 10000) < 1000'
[ "$(side_count submit "$ID")" = 2 ] || fail "the submitter ran $(side_count submit "$ID") times, expected 2"
echo "ok"
