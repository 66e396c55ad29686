#!/usr/bin/env bash
# test_order.sh HOST — drives the order example's host through its outcomes
# and checks the journal, not just the exit codes:
#   success:      SUCCEEDED with the shipped output; reserve-stock succeeded
#                 on attempt 2 (attempt 1 met Inventory.Busy); the
#                 fraud-review wait is journaled;
#   out of stock: FAILED Order.Rejected whose message and data carry
#                 Inventory.OutOfStock; charge-card never ran;
#   declined:     FAILED Order.Rejected carrying Payment.Declined, after
#                 release-stock gave the reservation back;
#   suspension:   without --skip-time the large order suspends PENDING on
#                 the retry delay, and `worker --skip-time --until-idle`
#                 finishes it from the journal;
#   bad input:    an input that fails the workflow's `input:` schema is
#                 refused, naming the field, and no execution is created.
# Each case uses its own database in a temporary folder. Needs python3.
set -euo pipefail

host=${1:?usage: test_order.sh HOST}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testlib.sh
. "$here/../testlib.sh"

input() { cat "$here/inputs/$1.json"; }

# expect NAME JSON-FILE PYTHON-EXPR...: the check NAME: each expression,
# with `d` the parsed file and `ops` its operations by name, must be true.
expect() {
    check "$1"
    jcheck "${@:2}"
}

# run CASE INPUT EXPECTED-EXIT: runs to the end on the virtual clock and
# writes the outcome and the history as JSON.
run_case() {
    local case=$1 in=$2 want=$3 rc=0
    "$host" run order --db "$tmp/$case.db" --input "$(input "$in")" --skip-time --json \
        >"$tmp/$case.json" 2>"$tmp/$case.err" || rc=$?
    [[ $rc == "$want" ]] || fail "$case: exit $rc, expected $want: $(cat "$tmp/$case.err")"
    local id
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/$case.json")
    "$host" history "$id" --db "$tmp/$case.db" --json >"$tmp/$case.history.json"
}

run_case success success 0
expect "success: shipped with its output" "$tmp/success.json" \
    'd["status"] == "SUCCEEDED"' \
    'd["result"]["status"] == "shipped" and d["result"]["order_id"] == "A-1001"' \
    'd["result"]["total"] == 1375 and d["result"]["tracking"] == "TRK-A-1001"' \
    'd["result"]["charge"] == "ch_A-1001_1" and d["result"]["card"] == "4242"'
expect "success: the retry really retried, the fraud hold was journaled" "$tmp/success.history.json" \
    'ops["reserve-stock"]["status"] == "SUCCEEDED" and ops["reserve-stock"]["attempt"] == 2' \
    'ops["reserve-stock"]["result"]["attempt"] == 2' \
    'ops["fraud-review"]["type"] == "WAIT" and ops["fraud-review"]["status"] == "SUCCEEDED"' \
    'ops["ship"]["result"]["to"] == "Lyon"' \
    '"release-stock" not in ops'

run_case stock out_of_stock 1
expect "out of stock: rejected with the reason" "$tmp/stock.json" \
    'd["status"] == "FAILED" and d["error"]["type"] == "Order.Rejected"' \
    'd["error"]["message"] == "order A-1002 rejected: only 2 of LAMP-3 left, 3 wanted"' \
    'd["error"]["data"]["type"] == "Inventory.OutOfStock"' \
    'd["error"]["data"]["data"] == {"sku": "LAMP-3", "wanted": 3, "available": 2}'
expect "out of stock: no charge, no release" "$tmp/stock.history.json" \
    'ops["reserve-stock"]["status"] == "FAILED"' \
    '"charge-card" not in ops and "release-stock" not in ops'

run_case declined declined 1
expect "declined: rejected with the reason" "$tmp/declined.json" \
    'd["status"] == "FAILED" and d["error"]["type"] == "Order.Rejected"' \
    'd["error"]["message"] == "order A-1003 rejected: card ending 0002 declined: insufficient funds"' \
    'd["error"]["data"]["type"] == "Payment.Declined"'
expect "declined: the stock was released, nothing shipped" "$tmp/declined.history.json" \
    'ops["charge-card"]["status"] == "FAILED" and ops["charge-card"]["attempt"] == 1' \
    'ops["release-stock"]["result"] == {"released": "rsv-A-1003", "reason": "Payment.Declined"}' \
    '"ship" not in ops'

# Suspension: on the real clock the first invocation stops at the retry
# delay of reserve-stock; a worker on the virtual clock finishes the order.
rc=0
"$host" run order --db "$tmp/suspend.db" --input "$(input success)" --json >"$tmp/suspend.json" 2>/dev/null || rc=$?
expect "suspend: PENDING on the retry delay (exit $rc)" "$tmp/suspend.json" \
    'd["status"] == "PENDING"'
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/suspend.json")
"$host" worker --db "$tmp/suspend.db" --skip-time --until-idle 2>/dev/null
"$host" history "$id" --db "$tmp/suspend.db" --json >"$tmp/suspend.history.json"
expect "suspend: the worker finished it from the journal" "$tmp/suspend.history.json" \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["tracking"] == "TRK-A-1001"' \
    'ops["validate"]["attempt"] == 1 and ops["reserve-stock"]["attempt"] == 2'

# Bad input: qty must be an integer of at least 1 (order.yaml's input schema).
rc=0
"$host" run order --db "$tmp/refused.db" --skip-time \
    --input '{"order_id":"A-1004","card":{"number":"4242424242424242"},"items":[{"sku":"MUG-7","qty":0}]}' \
    >"$tmp/refused.out" 2>"$tmp/refused.err" || rc=$?
"$host" list --db "$tmp/refused.db" --json >"$tmp/refused.list.json"
if [[ $rc != 0 ]] && grep -q "qty" "$tmp/refused.err" &&
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != [])' "$tmp/refused.list.json"; then
    echo "ok   bad input: refused before any execution exists"
else
    fail "bad input: exit $rc, stderr: $(cat "$tmp/refused.err") list: $(cat "$tmp/refused.list.json")"
fi
report
