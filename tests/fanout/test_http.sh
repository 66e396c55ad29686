#!/usr/bin/env bash
# HTTP steps of different branches run at the same time (DESIGN §3b): a map
# of ten GETs against slow_server.py (each answered after 200 ms) has all ten
# in flight at once (the server counts them; no clock is read here), through
# `run` and through a `worker`; each is journaled as a sequential call would
# be (one STEP per item, attempt 1), a 503 is retried after its delay and
# fails its item within the tolerance, and a branch that waits before its
# call holds back no other.
. "$CAIRN_SOURCE_DIR/tests/fanout/lib.sh"

python3 "$CAIRN_SOURCE_DIR/tests/fanout/slow_server.py" "$WORK/port" "$WORK/server.log" &
BG_PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "slow_server.py did not start"
BASE="http://127.0.0.1:$(cat "$WORK/port")"
INPUT=$(printf '{"base": "%s", "paths": ["/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h", "/i", "/fail"]}' "$BASE")

# most PATH...: the most calls the server saw at once when it answered each PATH.
most() {
    python3 - "$WORK/server.log" "$@" <<'PY'
import sys
seen = {}
for line in open(sys.argv[1]):
    path, most = line.split()
    seen.setdefault(path, int(most))
print(min(seen.get(p, 0) for p in sys.argv[2:]))
PY
}

# check_outcome ID: the result and the journal's shape.
check_outcome() {
    "$HOST" status "$1" --json >"$WORK/final.json" || fail "status"
    json_check "$WORK/final.json" \
        'd["status"] == "SUCCEEDED"' \
        'd["result"]["fetched"] == ["/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h", "/i"]' \
        'd["result"]["failed"] == 1 and d["result"]["pair"] == ["/left", "/right"]'
    history "$1"
    json_check "$H" \
        '[(o["id"], o["status"], o["attempt"]) for o in ops if o["name"] == "get"] == [("1-%d-1" % i, "SUCCEEDED", 1) for i in range(1, 10)] + [("1-10-1", "FAILED", 2)]' \
        'all(o["result"]["status"] == 200 for o in ops if o["name"] == "get" and o["status"] == "SUCCEEDED")' \
        'ops[-1]["name"] == "right" and ops[-1]["status"] == "SUCCEEDED"'
}

check "run: the ten calls of the map are in flight at once"
start fo_http "$INPUT"
json_check "$WORK/run.out" 'd["status"] == "PENDING"' # the 503's retry delay
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
[ "$(most /a /b /c /d /e /f /g /h /i /fail)" = 10 ] ||
    fail "the server never saw the ten calls at once: $(cat "$WORK/server.log")"
[ "$(grep -c '^/fail ' "$WORK/server.log")" = 2 ] || fail "the 503 was not retried once"
check_outcome "$ID"

check "worker: the same, the calls made by a worker"
: >"$WORK/server.log"
ID=$("$HOST" start fo_http --input "$INPUT") || fail "start"
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
[ "$(most /a /b /c /d /e /f /g /h /i /fail)" = 10 ] ||
    fail "the worker's calls were not made at once: $(cat "$WORK/server.log")"
check_outcome "$ID"
echo "http: all checks passed"
