#!/usr/bin/env bash
# invoke with real processes (DESIGN §3b, AWS invoke / CHAINED_INVOKE):
#   - the caller journals one CHAINED_INVOKE (ChainedInvoke) and starts a
#     real child execution of fo_ship, listed with its parent; `run
#     --skip-time` drives the child too, so the caller ends with the child's
#     result as the value; its ChainedInvokeStartedDetails name the child
#     (FunctionName, Input, ExecutedVersion, DurableExecutionArn) as AWS's;
#   - a child that fails: Invoke.Failed, caught, with the child's error whole
#     in data;
#   - a child still running past the timeout: Invoke.Timeout; the child goes
#     on, and ends on its own later without touching the caller;
#   - a child that ends wakes its caller (due at once, a worker picks it up);
#   - starting is idempotent: the caller invoked again between the child's
#     start and its end, even with its CHAINED_INVOKE row gone, finds the
#     child it started: one child only;
#   - a host that links a workflow without the one it invokes refuses to start.
. "$CAIRN_SOURCE_DIR/tests/fanout/lib.sh"

# children ID: the executions whose parent is ID, as "id status" lines.
children() {
    "$HOST" list --json | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["parent"] and e["parent"]["id"] == sys.argv[1]:
        print(e["id"], e["status"], e["parent"]["operation_id"])' "$1"
}

# sql STATEMENT: runs it on the store (a test's way to simulate a crash or a clock).
sql() {
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$DB" "$1" ||
        fail "sql: $1"
}

check "a child that succeeds: its result is the value, it is listed with its parent"
run_cmd run "$HOST" run fo_invoke --input '{"id": "A1"}' --skip-time --json
expect_rc 0
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out")
json_check "$WORK/run.out" 'd["status"] == "SUCCEEDED"' \
    'd["result"] == {"shipment": {"label": "L-A1"}}' 'd["parent"] is None'
KIDS=$(children "$ID")
[ "$(printf '%s\n' "$KIDS" | wc -l)" = 1 ] || fail "expected one child of $ID, got: $KIDS"
CHILD=${KIDS%% *}
printf '%s\n' "$KIDS" | grep -q " SUCCEEDED 1$" || fail "the child did not succeed at operation 1: $KIDS"
"$HOST" status "$CHILD" --json >"$WORK/child.json" || fail "status of the child"
json_check "$WORK/child.json" 'd["workflow"] == "fo_ship"' 'd["input"] == {"order": "A1", "mode": None}' \
    "d[\"parent\"] == {\"id\": \"$ID\", \"operation_id\": \"1\"}"
"$HOST" status "$CHILD" >"$WORK/child.txt" || fail "status (text) of the child"
grep -Eq "^parent +$ID \(its operation 1\)$" "$WORK/child.txt" ||
    fail "status does not name the parent: $(cat "$WORK/child.txt")"
history "$ID"
json_check "$H" 'op("ship-it")["type"] == "CHAINED_INVOKE"' \
    'op("ship-it")["sub_type"] == "ChainedInvoke"' 'op("ship-it")["status"] == "SUCCEEDED"' \
    'op("ship-it")["result"] == {"label": "L-A1"}' 'op("ship-it")["timeout_at"] is not None'
"$HOST" history "$ID" --events --json >"$WORK/events.json" || fail "history --events"
json_check "$WORK/events.json" \
    '[e["EventType"] for e in d if e.get("Name") == "ship-it"] == ["ChainedInvokeStarted", "ChainedInvokeSucceeded"]'
# ChainedInvokeStartedDetails as AWS's: the child's workflow, input, version and id
json_check "$WORK/events.json" \
    'd[1]["ChainedInvokeStartedDetails"]["FunctionName"] == "fo_ship"' \
    'json.loads(d[1]["ChainedInvokeStartedDetails"]["Input"]["Payload"]) == {"order": "A1", "mode": None}' \
    'd[1]["ChainedInvokeStartedDetails"]["ExecutedVersion"] == "$LATEST"' \
    "d[1][\"ChainedInvokeStartedDetails\"][\"DurableExecutionArn\"] == \"$CHILD\""

check "a child that fails: Invoke.Failed, caught, with the child's error whole in data"
run_cmd run "$HOST" run fo_invoke --input '{"id": "B2", "mode": "fail"}' --skip-time --json
expect_rc 0
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out")
json_check "$WORK/run.out" 'd["status"] == "SUCCEEDED"' \
    'd["result"]["failed"]["type"] == "Invoke.Failed"' \
    'd["result"]["failed"]["data"] == {"type": "Ship.Refused", "message": "no carrier for B2", "data": {"order": "B2"}}' \
    '"no carrier for B2" in d["result"]["failed"]["message"]'
history "$ID"
json_check "$H" 'op("ship-it")["status"] == "FAILED"' \
    'op("ship-it")["error"]["type"] == "Invoke.Failed"'
children "$ID" | grep -q " FAILED 1$" || fail "the child is not FAILED: $(children "$ID")"

check "a child still running past the timeout: Invoke.Timeout; the child goes on"
run_cmd run "$HOST" run fo_invoke --input '{"id": "C3", "mode": "slow"}' --skip-time --json
expect_rc 0
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out")
json_check "$WORK/run.out" 'd["status"] == "SUCCEEDED"' \
    'd["result"]["late"]["type"] == "Invoke.Timeout"' \
    '"did not end within 1h" in d["result"]["late"]["message"]'
history "$ID"
json_check "$H" 'op("ship-it")["status"] == "TIMED_OUT"' \
    'op("ship-it")["error"]["type"] == "Invoke.Timeout"'
KIDS=$(children "$ID")
printf '%s\n' "$KIDS" | grep -q " PENDING 1$" || fail "the child should still wait: $KIDS"
CHILD=${KIDS%% *}
"$HOST" worker --until-idle --skip-time 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
[ "$(status_of "$CHILD")" = SUCCEEDED ] || fail "the child did not end on its own"
"$HOST" status "$ID" --json >"$WORK/caller.json" || fail "status"
json_check "$WORK/caller.json" 'd["result"]["late"]["type"] == "Invoke.Timeout"'

check "a child that ends wakes its caller; starting twice finds the first child"
# Real clock: the caller suspends on its child (due in 1h), the child waits 2h.
run_cmd start "$HOST" start fo_invoke --input '{"id": "D4", "mode": "slow"}'
expect_rc 0
ID=$OUT
"$HOST" worker --until-idle 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
[ "$(status_of "$ID")" = PENDING ] || fail "the caller does not wait for its child"
KIDS=$(children "$ID")
CHILD=${KIDS%% *}
[ "$(status_of "$CHILD")" = PENDING ] || fail "the child does not wait: $KIDS"
# The caller invoked again before its child ends (made due by hand): it waits on the same child.
sql "UPDATE executions SET wake_at = 0 WHERE id = '$ID'"
"$HOST" worker --until-idle 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
[ "$(children "$ID" | wc -l)" = 1 ] || fail "a second child: $(children "$ID")"
[ "$(status_of "$ID")" = PENDING ] || fail "the caller stopped waiting"
# Its CHAINED_INVOKE row lost (what a start replayed after a crash would see): the start
# finds the child it started, and starts none.
sql "DELETE FROM operations WHERE execution_id = '$ID' AND id = '1';
     UPDATE executions SET wake_at = 0 WHERE id = '$ID'"
"$HOST" worker --until-idle 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
[ "$(children "$ID")" = "$CHILD PENDING 1" ] || fail "not the same one child: $(children "$ID")"
history "$ID"
json_check "$H" 'op("ship-it")["status"] == "STARTED"'
# The child ends (its wait made due by hand): in the same transaction its caller becomes due.
sql "UPDATE executions SET wake_at = 0 WHERE id = '$CHILD';
     UPDATE operations SET status = 'SUCCEEDED' WHERE execution_id = '$CHILD' AND name = 'linger'"
"$HOST" worker --until-idle 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
[ "$(status_of "$CHILD")" = SUCCEEDED ] || fail "the child did not end"
"$HOST" status "$ID" --json >"$WORK/caller.json" || fail "status"
json_check "$WORK/caller.json" 'd["status"] == "SUCCEEDED"' \
    'd["result"] == {"shipment": {"label": "L-D4"}}'
[ "$(children "$ID")" = "$CHILD SUCCEEDED 1" ] || fail "children: $(children "$ID")"

check "a child stopped from outside: Invoke.Failed with Execution.Stopped as data"
run_cmd start "$HOST" start fo_invoke --input '{"id": "E5", "mode": "slow"}'
expect_rc 0
ID=$OUT
"$HOST" worker --until-idle 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
CHILD=$(children "$ID")
CHILD=${CHILD%% *}
[ -n "$CHILD" ] || fail "no child"
run_cmd stop "$HOST" stop "$CHILD"
expect_rc 0
"$HOST" worker --until-idle 2>"$WORK/worker.err" || fail "worker: $(cat "$WORK/worker.err")"
"$HOST" status "$ID" --json >"$WORK/caller.json" || fail "status"
json_check "$WORK/caller.json" 'd["status"] == "SUCCEEDED"' \
    'd["result"]["failed"]["type"] == "Invoke.Failed"' \
    'd["result"]["failed"]["data"]["type"] == "Execution.Stopped"' \
    '"was stopped" in d["result"]["failed"]["message"]'

check "invokes inside a map: one child per item, each with its operation, results in order"
run_cmd run "$HOST" run fo_invoke_map --input '{"orders": ["F1", "F2", "F3"]}' --skip-time --json
expect_rc 0
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out")
json_check "$WORK/run.out" 'd["status"] == "SUCCEEDED"' 'd["result"] == ["L-F1", "L-F2", "L-F3"]'
"$HOST" list --json >"$WORK/list.json" || fail "list"
json_check "$WORK/list.json" \
    "sorted(e['parent']['operation_id'] for e in d if e['parent'] and e['parent']['id'] == '$ID') == ['1-1-1', '1-2-1', '1-3-1']" \
    "all(e['status'] == 'SUCCEEDED' for e in d if e['parent'] and e['parent']['id'] == '$ID')"

check "a host that does not link the workflow an invoke starts refuses to start"
run_cmd orphan "$CAIRN_BINARY_DIR/tests/fanout/fanout_orphan_host" list
expect_rc 1
expect_err_i "workflow 'fo_invoke' invokes workflow 'fo_ship', which this host does not link"
echo "invoke: all checks passed"
