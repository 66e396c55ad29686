#!/usr/bin/env bash
# wait_for_condition with real processes (DESIGN §3b, AWS waitForCondition):
#   - the check runs at once with the initial state; a state that does not
#     meet `until` is journaled in the PENDING row with the next check's time
#     (the backoff: 2s, then 4s, jitter none), and the execution suspends;
#   - each check gets `with` plus the state the previous one returned; the
#     state that meets `until` is the value (`as`), the row SUCCEEDED at
#     attempt 3; each check that missed leaves StepSucceeded with its state
#     and the delay, as AWS's requirements (6-1, 6-5) pin;
#   - out of attempts: Condition.Exhausted with the last state as data;
#   - an error in the check is not retried: the row FAILS at attempt 1 with
#     the check's own error, caught by type.
. "$CAIRN_SOURCE_DIR/tests/fanout/lib.sh"

check "the first check runs at once and its state is journaled with the next check's time"
start fo_condition '{"ready_at": 3}'
history "$ID"
json_check "$H" \
    'op("until-ready")["type"] == "STEP" and op("until-ready")["sub_type"] == "WaitForCondition"' \
    'op("until-ready")["status"] == "PENDING" and op("until-ready")["attempt"] == 1' \
    'op("until-ready")["result"] == {"tries": 1, "ready": False}' \
    'op("until-ready")["next_attempt_at"] is not None'
[ "$(status_of "$ID")" = PENDING ] || fail "the execution did not suspend between checks"

check "each check gets the last state; the one that meets until is the value"
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
"$HOST" status "$ID" --json >"$WORK/final.json" || fail "status"
json_check "$WORK/final.json" \
    'd["status"] == "SUCCEEDED"' \
    'd["result"]["job"] == {"tries": 3, "ready": True}'
history "$ID"
json_check "$H" 'op("until-ready")["status"] == "SUCCEEDED" and op("until-ready")["attempt"] == 3'

check "the backoff waits 2s then 4s; each check that misses leaves its state and delay"
"$HOST" history "$ID" --events --json >"$WORK/events.json" || fail "history --events"
python3 - "$WORK/events.json" <<'PY' || fail "events: $(cat "$WORK/events.json")"
import json, sys
from datetime import datetime
ev = [e for e in json.load(open(sys.argv[1])) if e.get("Name") == "until-ready"]
kinds = [e["EventType"] for e in ev]
assert kinds == ["StepStarted", "StepSucceeded"] * 3, kinds
d = [e["StepSucceededDetails"] for e in ev if e["EventType"] == "StepSucceeded"]
assert [json.loads(x["Result"]["Payload"]) for x in d] == [{"tries": n, "ready": n == 3} for n in (1, 2, 3)], d
assert [x["RetryDetails"].get("NextAttemptDelaySeconds") for x in d] == [2, 4, None], d
t = [datetime.fromisoformat(e["EventTimestamp"].replace("Z", "+00:00")) for e in ev if e["EventType"] == "StepStarted"]
gaps = [round((b - a).total_seconds() * 1000) for a, b in zip(t, t[1:])]
# each delay counts from the end of the check before it (a few ms after its start); the
# first check ran in `start`, the second in a worker started later (on a busy machine,
# maybe more than 2s later): only "not before its time" holds for that gap. The
# second gap is the worker's virtual clock alone.
assert 2000 <= gaps[0] and 4000 <= gaps[1] < 4100, gaps
PY

check "out of attempts: Condition.Exhausted carries the last state"
json_check "$WORK/final.json" 'd["result"]["gave_up"] == {"tries": 2, "ready": False}'
json_check "$H" \
    'op("never")["status"] == "FAILED" and op("never")["attempt"] == 2' \
    'op("never")["error"]["type"] == "Condition.Exhausted"'

check "an error in the check is not retried and keeps its type"
json_check "$WORK/final.json" 'd["result"]["error"] == "Boom"'
json_check "$H" \
    'op("broken")["status"] == "FAILED" and op("broken")["attempt"] == 1' \
    'op("broken")["error"]["type"] == "Boom"'
echo "condition: all checks passed"
