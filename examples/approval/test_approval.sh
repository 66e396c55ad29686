#!/usr/bin/env bash
# test_approval.sh HOST CAIRN — drives the approval example through its
# outcomes with real processes: the host, the `cairn` tool answering the
# callback from another process, and receiver.py as the manager's inbox.
#   approved:   the submitter POSTed the callback id to the inbox (the same
#               id `history` shows on the CALLBACK); `callback succeed`
#               resumes it to SUCCEEDED with the manager's name; a second
#               answer is refused (exit 1);
#   rejected:   an approval of 32000 (over the managers' limit) FAILS
#               Approval.Rejected;
#   declined:   `callback fail` ends it FAILED Callback.Failed, the
#               manager's error type kept in the error's data;
#   silence:    on the virtual clock the heartbeat deadline passes, the
#               catch runs escalate (which POSTs to the inbox), and the
#               execution FAILS Approval.Escalated (Callback.Heartbeat);
#   busy inbox: the inbox answers 503 once; the submitter's second attempt
#               gets through and the execution waits for the answer;
#   over HTTP:  `serve` starts the request (POST /executions), takes the
#               manager's answer on the Lambda callback route and resumes it;
#   no inbox:   nothing listens at the inbox URL: after 3 attempts the
#               operation fails with Submitter.Failed (Http.Transport in its
#               data) and the execution ends FAILED instead of waiting.
# Each case has its own database in a temporary folder. Needs python3.
set -uo pipefail

host=${1:?usage: test_approval.sh HOST CAIRN}
cairn=${2:?usage: test_approval.sh HOST CAIRN}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testlib.sh
. "$here/../testlib.sh"

# start_inbox NAME [receiver options]: receiver.py on a free port (see
# stand_in); sets $inbox to its URL.
start_inbox() {
    stand_in receiver.py "$@"
    inbox=$url/inbox
}

# input FILE: the input of inputs/FILE.json with the inbox of this test.
input() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["inbox"]=sys.argv[2]; print(json.dumps(d))' "$here/inputs/$1.json" "$inbox"; }

# begin CASE INPUT: runs the workflow until it waits; sets $db, $id, $cb.
begin() {
    local case=$1
    db=$tmp/$case.db
    "$host" run approval --db "$db" --input "$(input "$2")" --json >"$tmp/$case.run.json" 2>"$tmp/$case.run.err"
    jcheck "$tmp/$case.run.json" 'd["status"] == "PENDING"'
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/$case.run.json") || fail "no execution id: $(cat "$tmp/$case.run.err")"
    cb=$(callback_id "$db" "$id") || fail "no CALLBACK in the history of $id"
}

# finish CASE: a worker runs what is due, then the history is in $tmp/CASE.json.
finish() {
    "$host" worker --db "$db" --until-idle "${@:2}" 2>>"$tmp/$1.worker.err" || fail "worker exit $?: $(cat "$tmp/$1.worker.err")"
    "$host" history "$id" --db "$db" --json >"$tmp/$1.json" || fail "history of $id"
}

start_inbox inbox

check "approved: the submitter hands the callback id to the inbox"
begin approved laptop
python3 - "$tmp/inbox.log" "$cb" <<'PY' || fail "the inbox did not get the callback id"
import json, sys
msgs = [json.loads(l)["message"] for l in open(sys.argv[1])]
assert any(m.get("callback_id") == sys.argv[2] and m["request"] == "PR-1001" and m["kind"] == "approval-request" for m in msgs), msgs
PY
check "approved: callback succeed from another process resumes it to SUCCEEDED"
"$cairn" callback succeed "$cb" --db "$db" --result '{"approved": true, "by": "ana"}' || fail "callback succeed exit $?"
finish approved
jcheck "$tmp/approved.json" \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"] == {"request": "PR-1001", "approved": True, "by": "ana"}' \
    'ops["manager-approval"]["type"] == "CONTEXT" and ops["manager-approval"]["status"] == "SUCCEEDED"' \
    '"escalate" not in ops'
check "approved: a second answer is refused and changes nothing"
rc=0
"$cairn" callback succeed "$cb" --db "$db" --result '{"approved": false, "by": "bob"}' 2>"$tmp/dup.err" || rc=$?
[ "$rc" = 1 ] || fail "second succeed: exit $rc, expected 1"
"$host" status "$id" --db "$db" --json >"$tmp/approved.status.json"
jcheck "$tmp/approved.status.json" 'd["result"]["by"] == "ana"'

check "rejected: 32000 is over the managers' limit"
begin rejected forklift
"$cairn" callback succeed "$cb" --db "$db" --result '{"approved": true, "by": "ana"}' || fail "callback succeed exit $?"
finish rejected
jcheck "$tmp/rejected.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Approval.Rejected"' \
    'd["execution"]["error"]["message"] == "request PR-1002 rejected by ana"'

check "declined: callback fail ends it FAILED Callback.Failed with the sender's error kept"
begin declined laptop
"$cairn" callback fail "$cb" --db "$db" --error-type Manager.Away --error-message "on leave until May" || fail "callback fail exit $?"
finish declined
jcheck "$tmp/declined.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Callback.Failed"' \
    'd["execution"]["error"]["data"]["ErrorType"] == "Manager.Away"' \
    'd["execution"]["error"]["data"]["ErrorMessage"] == "on leave until May"'

check "silence: the heartbeat deadline passes, escalate runs, FAILED Approval.Escalated"
begin silence laptop
finish silence --skip-time
jcheck "$tmp/silence.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Approval.Escalated"' \
    'd["execution"]["error"]["data"] == {"reason": "Callback.Heartbeat", "ticket": "ESC-PR-1001"}' \
    'ops["escalate"]["status"] == "SUCCEEDED"'
python3 - "$tmp/inbox.log" <<'PY' || fail "the director was not told: $(cat "$tmp/inbox.log")"
import json, sys
msgs = [json.loads(l)["message"] for l in open(sys.argv[1])]
esc = [m for m in msgs if m.get("kind") == "escalation"]
assert esc == [{"kind": "escalation", "request": "PR-1001", "amount": 1450,
                "reason": "Callback.Heartbeat", "ticket": "ESC-PR-1001"}], esc
PY
check "silence: the callback is closed; a late answer is refused"
rc=0
"$cairn" callback succeed "$cb" --db "$db" --result '{"approved": true, "by": "ana"}' 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "late succeed: exit $rc, expected 1"

check "busy inbox: the submitter's retry gets through"
start_inbox busy --fail 1
begin busy laptop
sleep 1.2 # the retry delay (1s, no jitter) on the real clock
finish busy
python3 - "$tmp/busy.log" <<'PY' || fail "the inbox did not see a 503 then a 200"
import json, sys
answers = [json.loads(l)["answered"] for l in open(sys.argv[1])]
assert answers == [503, 200], answers
PY
jcheck "$tmp/busy.json" 'd["execution"]["status"] == "PENDING"' \
    'any(o["type"] == "STEP" and o["status"] == "SUCCEEDED" and o["attempt"] == 2 for o in d["operations"])'
cb=$(callback_id "$db" "$id")
"$cairn" callback succeed "$cb" --db "$db" --result '{"approved": true, "by": "cy"}' || fail "callback succeed exit $?"
finish busy
jcheck "$tmp/busy.json" 'd["execution"]["status"] == "SUCCEEDED" and d["execution"]["result"]["by"] == "cy"'

check "over HTTP: serve starts the request and takes the answer on the Lambda route"
# On a port the kernel picks (no probe-then-bind race): read from its first line.
"$host" serve --db "$tmp/serve.db" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve=$!
pids+=("$serve")
port=""
for _ in $(seq 100); do
    port=$(sed -n 's|^serve: listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$tmp/serve.out")
    [ -n "$port" ] && break
    kill -0 "$serve" 2>/dev/null || fail "serve exited at start: $(cat "$tmp/serve.err")"
    sleep 0.05
done
[ -n "$port" ] || fail "serve printed no listening line: $(cat "$tmp/serve.out")"
api=http://127.0.0.1:$port
start_inbox http
id=$(curl -sf -X POST -H 'Content-Type: application/json' \
    --data "{\"workflow\": \"approval\", \"input\": $(input laptop)}" "$api/executions" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "POST /executions failed: $(cat "$tmp/serve.err")"
for _ in $(seq 200); do grep -q callback_id "$tmp/http.log" && break; sleep 0.05; done
cb=$(python3 -c 'import json,sys; print([json.loads(l)["message"]["callback_id"] for l in open(sys.argv[1])][0])' "$tmp/http.log") ||
    fail "the inbox got no callback id"
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$cb")
code=$(curl -s -o "$tmp/http.out" -w '%{http_code}' -X POST --data-binary '{"approved": true, "by": "dee"}' \
    "$api/2025-12-01/durable-execution-callbacks/$enc/succeed")
[ "$code" = 200 ] || fail "the succeed route answered $code: $(cat "$tmp/http.out")"
for _ in $(seq 200); do
    curl -sf "$api/executions/$id" >"$tmp/http.status.json" &&
        python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["status"] != "SUCCEEDED")' "$tmp/http.status.json" && break
    sleep 0.05
done
jcheck "$tmp/http.status.json" 'd["status"] == "SUCCEEDED"' \
    'd["result"] == {"request": "PR-1001", "approved": True, "by": "dee"}'
kill -TERM "$serve"
wait "$serve" || fail "serve did not stop cleanly on SIGTERM: $(cat "$tmp/serve.err")"

check "no inbox: Submitter.Failed after 3 attempts, not a wait"
inbox="http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')/inbox"
rc=0
"$host" run approval --db "$tmp/down.db" --input "$(input laptop)" --skip-time --json >"$tmp/down.run.json" 2>"$tmp/down.err" || rc=$?
[ "$rc" = 1 ] || fail "run exit $rc, expected 1: $(cat "$tmp/down.err")"
jcheck "$tmp/down.run.json" 'd["status"] == "FAILED"' 'd["error"]["type"] == "Submitter.Failed"' \
    '"Http.Transport" in json.dumps(d["error"]["data"])'
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/down.run.json")
"$host" history "$id" --db "$tmp/down.db" --json >"$tmp/down.json"
jcheck "$tmp/down.json" \
    'any(o["type"] == "STEP" and o["status"] == "FAILED" and o["attempt"] == 3 for o in d["operations"])' \
    'any(o["type"] == "CALLBACK" and o["status"] == "CANCELLED" for o in d["operations"])' \
    '"escalate" not in ops'

report
