#!/usr/bin/env bash
# test_lambda_limits.sh — the Lambda backend within AWS's limits, against
# tests/aws/durable_standin.py (which refuses a checkpoint of more than 250
# updates or 750 KiB, and pages the journal as the service does):
#   - lambda_big: five map items each make a 200 KiB result and wait; the
#     next invocation ends them all before anything else is checkpointed, so
#     one append carries the five items' ends, about 1 MiB: it goes as
#     several requests, each within 750 KiB and 250 updates, in order, one at
#     a time, each with the token the last answer gave, every update applied
#     once, and the execution ends with the result it has on SQLite;
#   - lambda_many: a map of 2,500 items, each a wait: over 5,000 operations,
#     appended 250 updates a request; the later invocations' events carry
#     1,000 operations and a NextMarker, and the host pages the rest with
#     GetDurableExecutionState (MaxItems 1000); the result is SQLite's.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BIG="$CAIRN_BINARY_DIR/tests/aws/lambda_big"
MANY="$CAIRN_BINARY_DIR/tests/aws/lambda_many"
[[ -x $BIG && -x $MANY ]] || fail "build the test hosts first ($BIG, $MANY)"
test_credentials

# same_result SQLITE-JSON LAMBDA-JSON: both SUCCEEDED with the same result.
same_result() {
    python3 - "$1" "$2" <<'EOF' || fail "not as on SQLite: $2"
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:])
assert l["status"] == s["status"] == "SUCCEEDED", (l["status"], s["status"], l.get("error"))
assert json.loads(l["result"]) == s["result"], "the results differ"
EOF
}

check "an append over 750 KiB goes as several requests within the limits, one at a time"
echo '{"pieces": [1, 2, 3, 4, 5], "kib": 200}' >"$WORK/big.in.json"
"$BIG" run lambda_big --db "$WORK/big.db" --input "$(cat "$WORK/big.in.json")" --skip-time --json \
    >"$WORK/big.sqlite.json" 2>/dev/null
standin big
host big "$BIG"
arn=$(start "$WORK/big.in.json")
settle "$arn" "$WORK/big.lambda.json"
same_result "$WORK/big.sqlite.json" "$WORK/big.lambda.json"
python3 - "$WORK/big.log" "$WORK/big.lambda.json" <<'EOF' || fail "the split"
import hashlib, json, sys
log = [e for e in map(json.loads, open(sys.argv[1])) if e["path"].endswith("/checkpoint")]
x = json.load(open(sys.argv[2]))
md5 = lambda s: hashlib.md5(s.encode()).hexdigest()[:16]
arrived = [e for e in log if "arrived" in e]
answers = [e for e in log if "status" in e]
assert all(e["status"] == 200 for e in answers), [e for e in answers if e["status"] != 200]
assert len(arrived) == len(answers) == x["requests"], (len(arrived), len(answers), x["requests"])
# within the limits, one in flight, each with the token the last answer handed out
assert all(e["bytes"] <= 750 * 1024 and e["updates"] <= 250 for e in arrived), \
    [(e["bytes"], e["updates"]) for e in arrived]
assert all(e["in_flight"] == 1 for e in arrived), [e["in_flight"] for e in arrived]
tokens = [e["token"] for e in arrived]
assert [int(t.split("-")[1]) for t in tokens] == list(range(1, len(tokens) + 1)), tokens
# the items' ends: one append of more than 750 KiB, sent as consecutive requests in order
ends = [i for i, e in enumerate(answers)
        if any(u["Action"] == "SUCCEED" and u["Type"] == "CONTEXT" and u.get("SubType") == "MapIteration"
               for u in e["body"]["Updates"])]
assert len(ends) >= 2 and ends == list(range(ends[0], ends[-1] + 1)), ends
assert sum(arrived[i]["bytes"] for i in ends) > 750 * 1024, [arrived[i]["bytes"] for i in ends]
sent = [u for i in ends for u in answers[i]["body"]["Updates"]]
items = [(u["Id"], u["Action"]) for u in sent if u["Type"] == "CONTEXT" and u.get("SubType") == "MapIteration"]
assert items == [(md5("1-%d" % k), "SUCCEED") for k in range(1, 6)], items
# every update once, in the order made
ups = x["updates"]
assert len({json.dumps(u, sort_keys=True) for u in ups}) == len(ups), "an update was applied twice"
print("  the items' ends: %d requests of %s bytes" % (len(ends), [arrived[i]["bytes"] for i in ends]))
EOF

check "2,500 operations: the events carry 1,000 and the host pages the rest"
python3 -c 'import json; print(json.dumps({"items": list(range(2500))}))' >"$WORK/many.in.json"
"$MANY" run lambda_many --db "$WORK/many.db" --input "$(cat "$WORK/many.in.json")" --skip-time --json \
    >"$WORK/many.sqlite.json" 2>/dev/null
standin many
host many "$MANY"
arn=$(start "$WORK/many.in.json")
settle "$arn" "$WORK/many.lambda.json" 60 # a sanitizer build under ctest -j is slow
same_result "$WORK/many.sqlite.json" "$WORK/many.lambda.json"
python3 - "$WORK/many.log" "$WORK/many.lambda.json" <<'EOF' || fail "the paging"
import json, sys
log = list(map(json.loads, open(sys.argv[1])))
x = json.load(open(sys.argv[2]))
n = len(x["ops"])
assert n > 5000 and x["invocations"] == 2, (n, x["invocations"])
pages = [(e["marker"], e["max_items"], e["count"]) for e in log if e["path"].endswith("/state")]
# the second invocation: its event held 1,000, the host read the rest a page at a time
want = [(str(m), "1000", min(1000, n - m)) for m in range(1000, n, 1000)]
assert pages == want, (pages, want)
arrived = [e for e in log if e["path"].endswith("/checkpoint") and "arrived" in e]
assert all(e["updates"] <= 250 and e["bytes"] <= 750 * 1024 for e in arrived)
assert sum(e["updates"] == 250 for e in arrived) >= 20, [e["updates"] for e in arrived]
assert all(e.get("status", 200) == 200 for e in log), [e for e in log if e.get("status", 200) != 200]
print("  %d operations, %d pages, %d checkpoint requests" % (n, len(pages), len(arrived)))
EOF

echo "ok"
