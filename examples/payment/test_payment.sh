#!/usr/bin/env bash
# test_payment.sh HOST CAIRN — drives the payment example through its
# outcomes with real processes: the host, the `cairn` tool answering the
# callback from another process, and payment_service.py.
#   paid:      the http step POSTed ${payment.id} (the id `history` shows on
#              the CALLBACK) to the service, which took it with 202; the
#              execution waits; `callback succeed` resumes it to SUCCEEDED
#              with the charge id (from the http result) and the receipt;
#   declined:  `callback fail --error-type Card.Declined ...` is caught
#              (Callback.Failed), cancel-order runs, and it FAILS
#              Payment.Declined with the sender's type, message and data;
#   expired:   on the virtual clock the callback's 1h timeout passes; it
#              FAILS Payment.Expired after cancel-order;
#   busy:      a worker already running (real clock) retries the http step
#              past a 503, then picks up a `callback succeed` sent from
#              another process;
#   refused:   a 402 is not retried (`on: [Http.Transport, Http.Status.5xx]`):
#              one request, and the execution FAILS Http.Status.402 with the
#              response in its data.
# Each case has its own database in a temporary folder. Needs python3.
set -uo pipefail

host=${1:?usage: test_payment.sh HOST CAIRN}
cairn=${2:?usage: test_payment.sh HOST CAIRN}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testlib.sh
. "$here/../testlib.sh"

# start_service NAME [options]: payment_service.py on a free port (see
# stand_in); sets $service to its base URL.
start_service() {
    stand_in payment_service.py "$@"
    service=$url
}

input() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["service"]=sys.argv[2]; d["order_id"]=sys.argv[3]; print(json.dumps(d))' "$here/inputs/order.json" "$service" "$1"; }

# begin CASE ORDER: runs the workflow until it awaits; sets $db, $id, $cb.
begin() {
    local case=$1
    db=$tmp/$case.db
    "$host" run payment --db "$db" --input "$(input "$2")" --json >"$tmp/$case.run.json" 2>"$tmp/$case.run.err"
    jcheck "$tmp/$case.run.json" 'd["status"] == "PENDING"'
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/$case.run.json") || fail "no execution id: $(cat "$tmp/$case.run.err")"
    cb=$(callback_id "$db" "$id") || fail "no CALLBACK in the history of $id"
}

finish() {
    "$host" worker --db "$db" --until-idle "${@:2}" 2>>"$tmp/$1.worker.err" || fail "worker exit $?: $(cat "$tmp/$1.worker.err")"
    "$host" history "$id" --db "$db" --json >"$tmp/$1.json" || fail "history of $id"
}

# wait_for DB ID EXPR: polls the history (up to 20 s) until EXPR holds.
wait_for() {
    for _ in $(seq 200); do
        "$host" history "$2" --db "$1" --json >"$tmp/poll.json" 2>/dev/null &&
            python3 - "$tmp/poll.json" "$3" <<'PY' && return 0
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2], {"d": d}) else 1)
PY
        sleep 0.1
    done
    fail "still not true after 20 s: $3 ($(cat "$tmp/poll.json"))"
    return 1
}

start_service service

check "paid: the http step sends \${payment.id} to the service and the execution waits"
begin paid A-2001
python3 - "$tmp/service.log" "$cb" <<'PY' || fail "the service did not get the callback id"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["request"]["callback_id"] for r in reqs] == [sys.argv[2]], reqs
assert reqs[0]["request"]["order_id"] == "A-2001" and reqs[0]["request"]["amount"] == 89.9, reqs
assert reqs[0]["idempotency_key"] == "charge-A-2001", reqs
PY
"$host" history "$id" --db "$db" --json >"$tmp/paid.waiting.json"
jcheck "$tmp/paid.waiting.json" \
    'ops["payment"]["type"] == "CALLBACK" and ops["payment"]["status"] in ("STARTED", "PENDING")' \
    'ops["request-charge"]["result"]["status"] == 202' \
    'ops["request-charge"]["result"]["body"] == {"charge_id": "ch_A-2001", "status": "pending"}'
check "paid: callback succeed resumes it to SUCCEEDED"
"$cairn" callback succeed "$cb" --db "$db" --result '{"receipt": "R-77"}' || fail "callback succeed exit $?"
finish paid
jcheck "$tmp/paid.json" \
    'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"] == {"order_id": "A-2001", "status": "paid", "charge": "ch_A-2001", "receipt": "R-77"}' \
    'ops["payment"]["status"] == "SUCCEEDED"' \
    '"cancel-order" not in ops'

check "declined: Callback.Failed is caught, the order cancelled, FAILED Payment.Declined"
begin declined A-2002
"$cairn" callback fail "$cb" --db "$db" --error-type Card.Declined --error-message "insufficient funds" \
    --error-data '{"code": "51"}' || fail "callback fail exit $?"
finish declined
jcheck "$tmp/declined.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Payment.Declined"' \
    'd["execution"]["error"]["message"] == "order A-2002 cancelled: insufficient funds"' \
    'd["execution"]["error"]["data"]["type"] == "Callback.Failed"' \
    'd["execution"]["error"]["data"]["data"] == {"ErrorType": "Card.Declined", "ErrorMessage": "insufficient funds", "ErrorData": "{\"code\": \"51\"}"}' \
    'ops["payment"]["status"] == "FAILED"' \
    'ops["cancel-order"]["result"] == {"cancelled": "A-2002", "reason": "Callback.Failed"}'

check "expired: the 1h callback timeout passes on the virtual clock, FAILED Payment.Expired"
begin expired A-2003
finish expired --skip-time
jcheck "$tmp/expired.json" \
    'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Payment.Expired"' \
    'd["execution"]["error"]["data"] == {"cancelled": "A-2003", "reason": "Callback.Timeout"}' \
    'ops["payment"]["status"] == "TIMED_OUT"'
rc=0
"$cairn" callback succeed "$cb" --db "$db" --result '{"receipt": "late"}' 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "a success after the timeout: exit $rc, expected 1"

check "busy: a running worker retries past a 503, then picks up a callback from another process"
start_service busy --fail 1
db=$tmp/busy.db
"$host" worker --db "$db" 2>"$tmp/busy.worker.err" &
worker=$!
pids+=("$worker")
id=$("$host" start payment --db "$db" --input "$(input A-2004)") || fail "start"
wait_for "$db" "$id" 'any(o["name"] == "request-charge" and o["status"] == "SUCCEEDED" and o["attempt"] == 2 for o in d["operations"])'
cb=$(callback_id "$db" "$id")
"$cairn" callback succeed "$cb" --db "$db" --result '{"receipt": "R-78"}' || fail "callback succeed exit $?"
wait_for "$db" "$id" 'd["execution"]["status"] == "SUCCEEDED" and d["execution"]["result"]["receipt"] == "R-78"'
python3 -c 'import json,sys; a=[json.loads(l)["answered"] for l in open(sys.argv[1])]; sys.exit(a != [503, 202])' "$tmp/busy.log" ||
    fail "the service did not see a 503 then a 202: $(cat "$tmp/busy.log")"
kill -TERM "$worker"
wait "$worker" || fail "the worker did not stop cleanly on SIGTERM"

check "refused: a 402 is not retried (Http.Status.5xx), the execution FAILS Http.Status.402"
start_service refused --refuse 4
db=$tmp/refused.db
rc=0
"$host" run payment --db "$db" --input "$(input A-2005)" --skip-time --json >"$tmp/refused.json" 2>"$tmp/refused.err" || rc=$?
[ "$rc" = 1 ] || fail "run exit $rc, expected 1: $(cat "$tmp/refused.err")"
jcheck "$tmp/refused.json" \
    'd["status"] == "FAILED"' \
    'd["error"]["type"] == "Http.Status.402"' \
    'd["error"]["data"]["status"] == 402 and d["error"]["data"]["body"] == {"error": "card declined"}'
python3 -c 'import json,sys; a=[json.loads(l)["answered"] for l in open(sys.argv[1])]; sys.exit(a != [402])' "$tmp/refused.log" ||
    fail "the service did not see exactly one request (402): $(cat "$tmp/refused.log")"

report
