# Fan-out with real processes (DESIGN §3b): parallel, map and group run by
# the fixture host's CLI, answered through `callback`, driven by `worker`.
#   - quorum: three branches each open a callback, all open at once; answered
#     in any order (carol, then alice), the parallel completes at two
#     (MIN_SUCCESSFUL_REACHED); bob's branch is CANCELLED and its callback
#     closed: an answer to it is refused and changes nothing;
#   - the journal's shape is AWS's: CONTEXT Parallel 1, ParallelBranch 1-i,
#     the callbacks 1-i-1 under them, the parent's {"all", "completionReason"};
#   - map: items two at a time, a failure within the tolerance leaves the
#     batch SUCCEEDED with status FAILED; above it Map.ToleranceExceeded is
#     caught with the batch in `data`; an empty list completes at once; items
#     that are not an array fail with Map.InvalidItems;
#   - group: a wait inside suspends the execution, the output is the group's;
#     an inner error comes out unchanged and is caught;
#   - fail fast: a failing branch ends the parallel, the waiting one is
#     CANCELLED with its callback, and Parallel.ToleranceExceeded fails the
#     execution with the batch as data;
#   - waits in two branches hold back neither, max_concurrency starts the
#     third when one ends, and a map of groups nests inside a branch.
. "$CAIRN_SOURCE_DIR/tests/fanout/lib.sh"

# final ID: the execution as `status --json` shows it, in $WORK/final.json.
final() {
    "$HOST" status "$1" --json >"$WORK/final.json" || fail "status $1 failed"
}

check "quorum: three callbacks open at once, one per branch"
run_json fo_quorum '{}'
json_check "$WORK/run.json" 'd["status"] == "PENDING"'
history "$ID"
json_check "$H" \
    'op("ask-all")["id"] == "1" and op("ask-all")["type"] == "CONTEXT"' \
    '[(o["id"], o["name"], o.get("parent_id")) for o in ops if o["type"] == "CONTEXT" and o["id"] != "1"] == [("1-1", "alice", "1"), ("1-2", "bob", "1"), ("1-3", "carol", "1")]' \
    '[(o["id"], o.get("parent_id"), o["status"]) for o in ops if o["type"] == "CALLBACK"] == [("1-1-1", "1-1", "STARTED"), ("1-2-1", "1-2", "STARTED"), ("1-3-1", "1-3", "STARTED")]'
get_cb "$ID" 1
ALICE=$CB
get_cb "$ID" 2
BOB=$CB
get_cb "$ID" 3
CAROL=$CB

check "quorum: answered out of order, one answer is not enough"
"$HOST" callback succeed "$CAROL" --result '{"by":"carol"}' >/dev/null || fail "answer carol"
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
[ "$(status_of "$ID")" = PENDING ] || fail "one answer of three completed the quorum"

check "quorum: the second answer completes it; the third branch is cancelled"
"$HOST" callback succeed "$ALICE" --result '{"by":"alice"}' >/dev/null || fail "answer alice"
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
final "$ID"
json_check "$WORK/final.json" \
    'd["status"] == "SUCCEEDED"' \
    'd["result"]["approvals"] == 2 and d["result"]["reason"] == "MIN_SUCCESSFUL_REACHED"' \
    'd["result"]["results"] == [{"by": "alice"}, {"by": "carol"}]' \
    '[(i["index"], i["name"], i["status"]) for i in d["result"]["items"]] == [(0, "alice", "SUCCEEDED"), (1, "bob", "CANCELLED"), (2, "carol", "SUCCEEDED")]'
history "$ID"
json_check "$H" \
    'op("bob", "CONTEXT")["status"] == "CANCELLED"' \
    '[o for o in ops if o["id"] == "1-2-1"][0]["status"] == "CANCELLED"' \
    'op("ask-all")["status"] == "SUCCEEDED"' \
    'op("ask-all")["result"]["completionReason"] == "MIN_SUCCESSFUL_REACHED"' \
    '[(a["index"], a["status"]) for a in op("ask-all")["result"]["all"]] == [(0, "SUCCEEDED"), (1, "CANCELLED"), (2, "SUCCEEDED")]'
cp "$H" "$WORK/before.json"
run_cmd late "$HOST" callback succeed "$BOB" --result '{"by":"bob"}'
[ "$RC" -eq 1 ] || fail "an answer to the cancelled branch's callback was not refused (exit $RC): $OUT $ERR"
expect_err_i 'closed'
history "$ID"
cmp -s "$H" "$WORK/before.json" || fail "the refused answer changed the journal"

check "map: two at a time, one failure of three within a 34% tolerance"
run_json fo_map '{"lines":[{"amount":5},{"amount":7},{"amount":9,"fail":true}]}'
json_check "$WORK/run.json" \
    'd["status"] == "SUCCEEDED"' \
    'd["result"]["status"] == "FAILED" and d["result"]["completion_reason"] == "ALL_COMPLETED"' \
    'd["result"]["results"] == [5, 7] and d["result"]["failure_count"] == 1' \
    'd["result"]["items"][2]["error"]["type"] == "Charge.Declined"'
history "$ID"
json_check "$H" \
    '[(o["id"], o["name"], o.get("sub_type")) for o in ops if o["type"] == "CONTEXT"] == [("1", "charge-lines", "Map"), ("1-1", "map-item-0", "MapIteration"), ("1-2", "map-item-1", "MapIteration"), ("1-3", "map-item-2", "MapIteration")]'

check "map: two failures of three pass the tolerance: Map.ToleranceExceeded is caught"
run_json fo_map '{"lines":[{"amount":5,"fail":true},{"amount":7},{"amount":9,"fail":true}]}'
json_check "$WORK/run.json" \
    'd["status"] == "FAILED"' \
    'd["error"]["type"] == "Refunded" and d["error"]["message"] == "2 of 3 lines failed"' \
    'd["error"]["data"] == [7]'

check "map: an empty list completes at once; items that are not a list fail clearly"
run_json fo_map '{"lines":[]}'
json_check "$WORK/run.json" 'd["status"] == "SUCCEEDED"' \
    'd["result"]["total_count"] == 0 and d["result"]["completion_reason"] == "ALL_COMPLETED"'
run_json fo_map '{"lines":3}'
json_check "$WORK/run.json" 'd["status"] == "FAILED"' \
    'd["error"]["type"] == "Map.InvalidItems" and "got a number" in d["error"]["message"]'

check "group: a wait inside suspends the execution; an inner error is caught unchanged"
run_json fo_group '{"order":"o-1"}'
json_check "$WORK/run.json" 'd["status"] == "PENDING"'
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
final "$ID"
json_check "$WORK/final.json" 'd["status"] == "SUCCEEDED"' \
    'd["result"] == {"shipped": "o-1", "caught": "Boom", "where": "boom"}'
history "$ID"
json_check "$H" \
    'op("shipping")["sub_type"] == "RunInChildContext" and op("shipping")["result"] == "o-1"' \
    'op("settle")["parent_id"] == "1" and op("settle")["id"] == "1-1"' \
    'op("risky")["status"] == "FAILED" and op("risky")["error"]["type"] == "Boom"'

check "fail fast: the failing branch ends the parallel and cancels the waiting one"
run_json fo_failfast '{}'
json_check "$WORK/run.json" \
    'd["status"] == "FAILED" and d["error"]["type"] == "Parallel.ToleranceExceeded"' \
    'd["error"]["data"]["completion_reason"] == "FAILURE_TOLERANCE_EXCEEDED"' \
    '[(i["name"], i["status"]) for i in d["error"]["data"]["items"]] == [("slow", "CANCELLED"), ("broken", "FAILED")]' \
    'd["error"]["data"]["items"][1]["error"]["type"] == "Boom"'
history "$ID"
json_check "$H" 'op("never")["status"] == "CANCELLED"' 'op("slow")["status"] == "CANCELLED"'

check "waits in two branches hold back neither; nested map of groups"
run_json fo_waits '{"xs":[1,2,3]}'
json_check "$WORK/run.json" 'd["status"] == "PENDING"'
history "$ID"
# max_concurrency 2: the third branch has not started while both wait
json_check "$H" '[o["id"] for o in ops if o["type"] == "CONTEXT"] == ["1", "1-1", "1-2"]'
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
final "$ID"
json_check "$WORK/final.json" 'd["status"] == "SUCCEEDED"' 'd["result"] == [1, [2, 4, 6], 3]'
"$HOST" history "$ID" --events --json >"$WORK/events.json" || fail "history --events"
python3 - "$WORK/events.json" <<'PY' || fail "events out of order: $(cat "$WORK/events.json")"
import json, sys
ev = [(e["EventType"], e.get("Name")) for e in json.load(open(sys.argv[1]))]
pos = {k: i for i, k in enumerate(ev)}
# the 1h lane ends and the third lane runs before the 2h lane's map starts
# (hours, not seconds: the skipped clock jumps to each wake-up, while the
# wall time between the start and the worker, on a loaded machine, once
# passed both ends of 3 s and 5 s waits)
assert pos[("WaitSucceeded", "short")] < pos[("ContextStarted", "parallel-branch-2")] < pos[("WaitSucceeded", "long")] < pos[("ContextStarted", "double")], ev
assert sum(1 for t, n in ev if t == "StepSucceeded" and n == "twice") == 3, ev
PY
echo "fanout: all checks passed"
