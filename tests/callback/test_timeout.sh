# Callback deadlines.
#   - under --skip-time a callback nobody answers times out at its `timeout`
#     (1h later on the virtual clock): Callback.Timeout, CALLBACK TIMED_OUT;
#   - under --skip-time a callback with `heartbeat: 3s` and no heartbeat
#     ends with Callback.Heartbeat before its 8s timeout;
#   - on the real clock, heartbeats every 0.2 s keep that callback alive past
#     its first heartbeat deadline, and the overall 8s timeout still ends it
#     (Callback.Timeout, not HeartbeatTimeout); heartbeat_at moves past its
#     first deadline, and starts 3s after creation.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

# ms FIELD-EXPR: RFC 3339 text to milliseconds, inside json_check.
T='(lambda s: __import__("datetime").datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)'

check "skip-time: an unanswered callback times out at its 1h timeout"
start cbsimple '{}'
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Callback.Timeout"' \
    'op("cb", "CALLBACK")["status"] == "TIMED_OUT"' \
    "abs($T(op('cb', 'CALLBACK')['timeout_at']) - $T(op('cb', 'CALLBACK')['started_at']) - 3600000) < 1000" \
    "$T(op('cb', 'CALLBACK')['ended_at']) >= $T(op('cb', 'CALLBACK')['timeout_at'])"
[ "$(side_count after "$ID")" = 0 ] || fail "the step after a timed-out callback ran"

check "skip-time: no heartbeat within 3s gives Callback.Heartbeat"
start cbbeat '{}'
json_check "$WORK/run.out" 'd["status"] == "PENDING"'
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Callback.Heartbeat"' \
    'op("work", "CALLBACK")["status"] == "TIMED_OUT"' \
    "abs($T(op('work', 'CALLBACK')['heartbeat_at']) - $T(op('work', 'CALLBACK')['started_at']) - 3000) < 1000" \
    "$T(op('work', 'CALLBACK')['ended_at']) < $T(op('work', 'CALLBACK')['timeout_at'])"

check "real clock: heartbeats keep the callback alive past its heartbeat deadline"
bg worker "$HOST" worker
ID=$("$HOST" start cbbeat --input '{}') || fail "start"
wait_until "$ID" 'any(o["type"] == "CALLBACK" and o["callback_id"] for o in d["operations"])'
get_cb "$ID"
t0=$(date +%s%N)
beats=0
checked_alive=0
while :; do
    elapsed=$((($(date +%s%N) - t0) / 1000000))
    if [ "$checked_alive" = 0 ] && [ "$elapsed" -ge 4000 ]; then
        # 4 s after creation: past the first heartbeat deadline (3 s).
        history "$ID" "$WORK/alive.json"
        json_check "$WORK/alive.json" 'd["execution"]["status"] in ("PENDING", "RUNNING")' \
            'op("work", "CALLBACK")["status"] in ("STARTED", "PENDING")' \
            "$T(op('work', 'CALLBACK')['heartbeat_at']) > $T(op('work', 'CALLBACK')['started_at']) + 3000"
        checked_alive=1
        echo "  still waiting after ${elapsed} ms and $beats heartbeats"
    fi
    [ "$elapsed" -lt 30000 ] || fail "the execution still waits after 30 s: the 8 s timeout did not hold"
    if "$CAIRN" callback heartbeat "$CB" >/dev/null 2>"$WORK/beat.err"; then
        beats=$((beats + 1))
    else
        # Refused only once the callback closed, at the overall timeout.
        history "$ID"
        [ "$checked_alive" = 1 ] ||
            fail "the callback closed after ${elapsed} ms, before it could be seen alive past its heartbeat deadline: $(cat "$H")"
        break
    fi
    sleep 0.2
done
history "$ID"
json_check "$H" 'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Callback.Timeout"' \
    'op("work", "CALLBACK")["status"] == "TIMED_OUT"'
echo "  ended Callback.Timeout after $beats heartbeats"
run_cmd late "$CAIRN" callback heartbeat "$CB"
expect_rc 1
echo "ok"
