#!/usr/bin/env bash
# test_bulk_charge.sh HOST CAIRN — drives the bulk-charge example through its
# outcomes with the host (CAIRN: the `cairn` tool, unused but for symmetry
# with the other examples' tests):
#   ok:            10 lines, one on a busy processor: every line charged,
#                  the busy one at its second attempt (Charge.Busy retried);
#                  the result lists the 10 charges in line order;
#   one declined:  1 of 10 (10%, within the tolerance): SUCCEEDED, charged 9,
#                  declined 1, the declined line FAILED Charge.Declined in
#                  the items after one attempt (not retried), no refund;
#   many declined: 3 of 10: the second decline exceeds the tolerance, the map
#                  stops (lines 6-9 are never charged), refund-charged
#                  refunds exactly the lines whose charge succeeded and skips
#                  the declined ones, and the order FAILS Order.ChargeFailed
#                  with every started line's outcome and the refunds;
#   four at a time: five busy lines: lines 0-3 wait for their retry at once,
#                  line 4 starts only when one of them has ended.
# Each case has its own database in a temporary folder. Needs python3.
set -uo pipefail

host=${1:?usage: test_bulk_charge.sh HOST CAIRN}
: "${2:?usage: test_bulk_charge.sh HOST CAIRN}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testlib.sh
. "$here/../testlib.sh"

# charge CASE INPUT-JSON WANT-EXIT: runs the order to its end on the virtual
# clock (the busy lines' 1 s retry delay skipped); the history is in
# $tmp/CASE.json, the input in $tmp/CASE.input.json.
charge() {
    local case=$1 rc=0
    db=$tmp/$case.db
    printf '%s' "$2" >"$tmp/$case.input.json"
    "$host" run bulk_charge --db "$db" --input "$2" --skip-time --json >"$tmp/$case.run.json" 2>"$tmp/$case.run.err" || rc=$?
    [ "$rc" = "$3" ] || fail "run exit $rc, expected $3: $(cat "$tmp/$case.run.err")"
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/$case.run.json") ||
        fail "no execution id: $(cat "$tmp/$case.run.err")"
    "$host" history "$id" --db "$db" --json >"$tmp/$case.json" || fail "history of $id"
}

# jcheck_case CASE EXPR...: jcheck on the history of CASE, with `lines` the
# input's lines, `items` the operations under charge-lines' items by index
# ({index: {"item": CONTEXT, "charge": STEP}}), `steps(NAME)` the STEPs named
# NAME, and `charges(prefix)` the expected result of each line.
jcheck_case() {
    local case=$1
    shift
    python3 - "$tmp/$case.json" "$tmp/$case.input.json" "$@" <<'PY' || fail "JSON check failed on $tmp/$case.json"
import json, sys
d = json.load(open(sys.argv[1]))
lines = json.load(open(sys.argv[2]))["lines"]
order = json.load(open(sys.argv[2]))["order_id"]
ops = {}
for o in d["operations"]:
    if o["type"] != "EXECUTION":
        ops.setdefault(o["name"], o)
byid = {o["id"]: o for o in d["operations"]}
def under(name):
    """The item CONTEXTs of the map NAME by index, each with its step."""
    m = ops.get(name)
    out = {}
    if m is None:
        return out
    for o in d["operations"]:
        if o["parent_id"] == m["id"]:
            i = int(o["name"].rsplit("-", 1)[1])
            out[i] = {"item": o, "step": [s for s in d["operations"] if s["parent_id"] == o["id"]][0]}
    return out
items = under("charge-lines")
refunds = under("refund-charged")
def charge_of(i):
    l = lines[i]
    return {"amount": l["amount"], "charge_id": "ch-%s-%d" % (order, i), "currency": "EUR", "index": i, "sku": l["sku"]}
env = {"d": d, "ops": ops, "lines": lines, "items": items, "refunds": refunds, "charge_of": charge_of, "json": json}
bad = [e for e in sys.argv[3:] if not eval(e, env)]
for e in bad:
    print("     not true:", e, file=sys.stderr)
if bad:
    print("     document:", json.dumps(d)[:3000], file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

check "ok: every line charged, the busy one at its second attempt"
charge ok "$(cat "$here/inputs/ok.json")" 0
jcheck_case ok \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["status"] == "charged"' \
    'd["execution"]["result"]["charged"] == 10 and d["execution"]["result"]["declined"] == 0' \
    'd["execution"]["result"]["charges"] == [charge_of(i) for i in range(10)]' \
    'd["execution"]["result"]["lines"] == [{"index": i, "name": "map-item-%d" % i, "status": "SUCCEEDED", "result": charge_of(i)} for i in range(10)]' \
    'ops["charge-lines"]["sub_type"] == "Map" and ops["charge-lines"]["result"]["completionReason"] == "ALL_COMPLETED"' \
    'sorted(items) == list(range(10))' \
    '[items[i]["step"]["attempt"] for i in range(10)] == [1, 1, 1, 1, 1, 1, 2, 1, 1, 1]' \
    '[l["card"] for l in lines].index("busy") == 6' \
    '"refund-charged" not in ops'

check "one declined: 1 of 10 is within 10%: SUCCEEDED, the declined line reported"
charge one "$(cat "$here/inputs/one_declined.json")" 0
jcheck_case one \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["charged"] == 9 and d["execution"]["result"]["declined"] == 1' \
    'd["execution"]["result"]["charges"] == [charge_of(i) for i in range(10) if i != 3]' \
    'd["execution"]["result"]["lines"][3] == {"index": 3, "name": "map-item-3", "status": "FAILED", "error": {"type": "Charge.Declined", "message": "card of line 3 declined", "data": {"index": 3, "sku": "monitor"}}}' \
    '[i["status"] for i in d["execution"]["result"]["lines"]] == ["SUCCEEDED"] * 3 + ["FAILED"] + ["SUCCEEDED"] * 6' \
    'ops["charge-lines"]["result"]["completionReason"] == "ALL_COMPLETED"' \
    'items[3]["step"]["status"] == "FAILED" and items[3]["step"]["attempt"] == 1' \
    '"refund-charged" not in ops'

check "many declined: the tolerance is exceeded, the charged lines are refunded, FAILED Order.ChargeFailed"
charge many "$(cat "$here/inputs/many_declined.json")" 1
jcheck_case many \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Order.ChargeFailed"' \
    'd["execution"]["error"]["message"] == "order B-3003: 2 of the first 6 lines declined, more than 10%: charging stopped, every charged line refunded"' \
    'ops["charge-lines"]["result"]["completionReason"] == "FAILURE_TOLERANCE_EXCEEDED"' \
    '[(i["index"], i["status"]) for i in d["execution"]["error"]["data"]["lines"]] == [(0, "SUCCEEDED"), (1, "SUCCEEDED"), (2, "FAILED"), (3, "SUCCEEDED"), (4, "SUCCEEDED"), (5, "FAILED")]' \
    'd["execution"]["error"]["data"]["declined"] == 2' \
    'sorted(items) == [0, 1, 2, 3, 4, 5]' \
    '[items[i]["step"]["status"] for i in range(6)] == ["SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED", "SUCCEEDED", "FAILED"]' \
    'ops["refund-charged"]["status"] == "SUCCEEDED" and sorted(refunds) == [0, 1, 2, 3, 4, 5]' \
    '[r["step"]["result"] for i, r in sorted(refunds.items())] == [{"index": 0, "refunded": "ch-B-3003-0", "amount": 349}, {"index": 1, "refunded": "ch-B-3003-1", "amount": 189.5}, {"index": 2, "skipped": True, "status": "FAILED"}, {"index": 3, "refunded": "ch-B-3003-3", "amount": 219.99}, {"index": 4, "refunded": "ch-B-3003-4", "amount": 79.9}, {"index": 5, "skipped": True, "status": "FAILED"}]' \
    'sorted(r["step"]["result"]["refunded"] for r in refunds.values() if "refunded" in r["step"]["result"]) == sorted(it["step"]["result"]["charge_id"] for it in items.values() if it["step"]["status"] == "SUCCEEDED")' \
    'd["execution"]["error"]["data"]["refunds"] == [r["step"]["result"] for i, r in sorted(refunds.items())]' \
    'all(r["step"]["started_at"] >= ops["charge-lines"]["ended_at"] for r in refunds.values())'
grep -c '/refund: refunded ch-B-3003-' "$tmp/many.run.err" | grep -qx 4 || fail "the refund hook did not log 4 refunds: $(cat "$tmp/many.run.err")"

check "four at a time: five lines waiting for a retry, never more than four items at once"
busy=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["order_id"] = "B-3004"
for l in d["lines"][:5]:
    l["card"] = "busy"
print(json.dumps(d))' "$here/inputs/ok.json")
charge busy "$busy" 0
jcheck_case busy \
    'd["execution"]["status"] == "SUCCEEDED" and d["execution"]["result"]["charged"] == 10' \
    '[items[i]["step"]["attempt"] for i in range(10)] == [2, 2, 2, 2, 2, 1, 2, 1, 1, 1]' \
    'items[4]["item"]["started_at"] >= min(items[i]["item"]["ended_at"] for i in range(4))' \
    'max(sum(1 for j in items.values() if j["item"]["started_at"] <= it["item"]["started_at"] < j["item"]["ended_at"]) for it in items.values()) == 4'

report
