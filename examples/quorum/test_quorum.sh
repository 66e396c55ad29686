#!/usr/bin/env bash
# test_quorum.sh HOST CAIRN — drives the quorum example through its outcomes
# with real processes: the host, and the `cairn` tool answering the
# approvers' callbacks from another process.
#   quorum:     `run` asks the three approvers at once (three callbacks open,
#               the ids `run` prints, `history` shows and the submitters
#               logged); finance and the manager approve: SUCCEEDED with both
#               names; legal's branch is CANCELLED, its callback closed, and
#               a late answer to it is refused (exit 1) and changes nothing;
#   tolerated:  one rejection (legal) then two approvals: SUCCEEDED, the
#               rejection kept in the parallel's items;
#   rejected:   legal and the manager reject (`callback fail`): the tolerance
#               (1) is exceeded, escalate runs and the request FAILS
#               Approval.Escalated, finance's open question cancelled;
#   silence:    nobody answers; `worker --until-idle --skip-time` jumps over
#               the 2d timeouts: escalate runs, FAILED Approval.Escalated
#               with "no answer" outcomes, every callback closed.
# Each case has its own database in a temporary folder. Needs python3.
set -uo pipefail

host=${1:?usage: test_quorum.sh HOST CAIRN}
cairn=${2:?usage: test_quorum.sh HOST CAIRN}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testlib.sh
. "$here/../testlib.sh"

input=$(cat "$here/inputs/contract.json")

# begin CASE: runs the request until it waits; sets $db, $id, and
# $finance, $legal, $manager (the callback ids of the three approvers).
begin() {
    local case=$1
    db=$tmp/$case.db
    "$host" run quorum --db "$db" --input "$input" >"$tmp/$case.run.out" 2>"$tmp/$case.run.err" ||
        fail "run exit $?: $(cat "$tmp/$case.run.err")"
    id=$(awk '$1 == "execution" { print $2 }' "$tmp/$case.run.out")
    [ -n "$id" ] || fail "run printed no execution id: $(cat "$tmp/$case.run.out")"
    grep -q '^status *PENDING until ' "$tmp/$case.run.out" || fail "not PENDING: $(cat "$tmp/$case.run.out")"
    "$host" history "$id" --db "$db" --json >"$tmp/$case.begin.json" || fail "history of $id"
    read -r finance legal manager < <(python3 - "$tmp/$case.begin.json" <<'PY'
import json, sys
ops = json.load(open(sys.argv[1]))["operations"]
cb = {o["name"]: o["callback_id"] for o in ops if o["type"] == "CALLBACK"}
print(cb["ask-finance"], cb["ask-legal"], cb["ask-manager"])
PY
    ) || fail "no three CALLBACKs in the history of $id"
}

# finish CASE [worker options]: a worker runs what is due, then the history
# is in $tmp/CASE.json.
finish() {
    "$host" worker --db "$db" --until-idle "${@:2}" 2>>"$tmp/$1.worker.err" || fail "worker exit $?: $(cat "$tmp/$1.worker.err")"
    "$host" history "$id" --db "$db" --json >"$tmp/$1.json" || fail "history of $id"
}

# approve WHO-ID NAME / reject WHO-ID REASON: an approver answers.
approve() { "$cairn" callback succeed "$1" --db "$db" --result "{\"by\": \"$2\"}" >/dev/null || fail "callback succeed exit $?"; }
reject() {
    "$cairn" callback fail "$1" --db "$db" --error-type Approval.Rejected --error-message "$2" >/dev/null ||
        fail "callback fail exit $?"
}

# The CALLBACK operations by name, for jcheck.
cbs='{o["name"]: o for o in d["operations"] if o["type"] == "CALLBACK"}'

check "quorum: run asks the three approvers at once, each with its own callback"
begin quorum
jcheck "$tmp/quorum.begin.json" \
    'd["execution"]["status"] == "PENDING"' \
    'ops["approvals"]["type"] == "CONTEXT" and ops["approvals"]["sub_type"] == "Parallel" and ops["approvals"]["status"] == "STARTED"' \
    '[(o["name"], o["status"]) for o in d["operations"] if o["type"] == "CALLBACK"] == [("ask-finance", "STARTED"), ("ask-legal", "STARTED"), ("ask-manager", "STARTED")]' \
    '[o["result"] for o in d["operations"] if o["type"] == "STEP"] == [{"notified": "finance"}, {"notified": "legal"}, {"notified": "manager"}]'
[ "$(awk '$1 == "callback" { print $2 }' "$tmp/quorum.run.out" | tr '\n' ' ')" = "$finance $legal $manager " ] ||
    fail "run did not print the three callback ids in branch order: $(cat "$tmp/quorum.run.out")"
for who in finance legal manager; do
    grep -q "asked $who about PR-2001: callback ${!who}\$" "$tmp/quorum.run.err" ||
        fail "the submitter did not log $who's callback id: $(cat "$tmp/quorum.run.err")"
done

check "quorum: one approval is not enough"
approve "$manager" mo
finish quorum.one
jcheck "$tmp/quorum.one.json" 'd["execution"]["status"] == "PENDING"' \
    '[o["status"] for o in d["operations"] if o["type"] == "CALLBACK"] == ["STARTED", "STARTED", "SUCCEEDED"]'

check "quorum: the second approval ends it SUCCEEDED; legal's question is withdrawn"
approve "$finance" ana
finish quorum
jcheck "$tmp/quorum.json" \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"] == {"request": "PR-2001", "approved": True, "approvals": 2, "by": [{"approver": "finance", "by": "ana"}, {"approver": "manager", "by": "mo"}]}' \
    'ops["approvals"]["result"]["completionReason"] == "MIN_SUCCESSFUL_REACHED"' \
    '[(i["index"], i["status"]) for i in ops["approvals"]["result"]["all"]] == [(0, "SUCCEEDED"), (1, "CANCELLED"), (2, "SUCCEEDED")]' \
    'ops["legal"]["status"] == "CANCELLED"' \
    "$cbs"'["ask-legal"]["status"] == "CANCELLED"' \
    '"escalate" not in ops'

check "quorum: a late answer to legal's callback is refused and changes nothing"
"$host" status "$id" --db "$db" --json >"$tmp/quorum.status.before.json"
for answer in succeed fail heartbeat; do
    rc=0
    case $answer in
    succeed) "$cairn" callback succeed "$legal" --db "$db" --result '{"by": "lee"}' 2>"$tmp/late.err" || rc=$? ;;
    fail) "$cairn" callback fail "$legal" --db "$db" --error-type Approval.Rejected --error-message late 2>"$tmp/late.err" || rc=$? ;;
    heartbeat) "$cairn" callback heartbeat "$legal" --db "$db" 2>"$tmp/late.err" || rc=$? ;;
    esac
    [ "$rc" = 1 ] || fail "late callback $answer: exit $rc, expected 1"
    grep -q "callback $legal is closed: it was cancelled with its branch" "$tmp/late.err" ||
        fail "late callback $answer: $(cat "$tmp/late.err")"
done
finish quorum.late
cmp -s "$tmp/quorum.json" "$tmp/quorum.late.json" || fail "the history changed: $(diff "$tmp/quorum.json" "$tmp/quorum.late.json")"
"$host" status "$id" --db "$db" --json >"$tmp/quorum.status.after.json"
cmp -s "$tmp/quorum.status.before.json" "$tmp/quorum.status.after.json" || fail "the status changed"

check "tolerated: one rejection, then two approvals: SUCCEEDED"
begin tolerated
reject "$legal" "clause 7 is unacceptable"
finish tolerated.one
jcheck "$tmp/tolerated.one.json" 'd["execution"]["status"] == "PENDING"'
approve "$manager" mo
approve "$finance" ana
finish tolerated
jcheck "$tmp/tolerated.json" \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["approvals"] == 2' \
    'ops["approvals"]["result"]["completionReason"] == "ALL_COMPLETED"' \
    'ops["approvals"]["result"]["all"][1] == {"index": 1, "status": "FAILED", "error": {"type": "Callback.Failed", "message": "clause 7 is unacceptable", "data": {"ErrorType": "Approval.Rejected", "ErrorMessage": "clause 7 is unacceptable", "ErrorData": None}}}'

check "rejected: two rejections exceed the tolerance: escalate, FAILED Approval.Escalated"
begin rejected
reject "$legal" "clause 7 is unacceptable"
reject "$manager" "not in this year's budget"
finish rejected
jcheck "$tmp/rejected.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Approval.Escalated"' \
    'd["execution"]["error"]["message"] == "request PR-2001 escalated: 2 of 3 approvers rejected it or did not answer"' \
    'd["execution"]["error"]["data"] == {"ticket": "ESC-PR-2001", "outcomes": [{"approver": "finance", "outcome": "cancelled"}, {"approver": "legal", "outcome": "rejected", "reason": "clause 7 is unacceptable"}, {"approver": "manager", "outcome": "rejected", "reason": "not in this year'"'"'s budget"}]}' \
    'ops["approvals"]["result"]["completionReason"] == "FAILURE_TOLERANCE_EXCEEDED"' \
    'ops["escalate"]["status"] == "SUCCEEDED"' \
    "$cbs"'["ask-finance"]["status"] == "CANCELLED"'
rc=0
"$cairn" callback succeed "$finance" --db "$db" --result '{"by": "ana"}' 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "late approval after the escalation: exit $rc, expected 1"

check "silence: the 2d timeouts pass on the virtual clock: escalate, FAILED Approval.Escalated"
begin silence
finish silence --skip-time
jcheck "$tmp/silence.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Approval.Escalated"' \
    'd["execution"]["error"]["data"]["ticket"] == "ESC-PR-2001"' \
    'd["execution"]["error"]["data"]["outcomes"] == [{"approver": "finance", "outcome": "no answer"}, {"approver": "legal", "outcome": "no answer"}, {"approver": "manager", "outcome": "cancelled"}]' \
    '[o["status"] for o in d["operations"] if o["type"] == "CALLBACK"] == ["TIMED_OUT", "TIMED_OUT", "CANCELLED"]' \
    'ops["approvals"]["result"]["completionReason"] == "FAILURE_TOLERANCE_EXCEEDED"' \
    'ops["escalate"]["started_at"] >= ops["ask-legal"]["ended_at"]'
for who in finance legal manager; do
    rc=0
    "$cairn" callback succeed "${!who}" --db "$db" --result '{"by": "late"}' 2>/dev/null || rc=$?
    [ "$rc" = 1 ] || fail "late answer of $who after the timeouts: exit $rc, expected 1"
done

report
