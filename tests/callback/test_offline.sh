# Delivery across processes:
#   - a result sent while no host runs is kept durably: the store shows the
#     CALLBACK SUCCEEDED with the raw text sent, and a worker started later finishes the execution;
#   - a worker already running (idle, real clock) picks up a `callback
#     succeed` sent by another process, without a restart, and finishes it.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

check "a result sent while no host runs is kept, and a later worker resumes it"
start cbsimple '{}'
json_check "$WORK/run.out" 'd["status"] == "PENDING"'
get_cb "$ID"
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"offline": true}'
expect_rc 0
"$CAIRN" history "$ID" --json >"$WORK/kept.json" || fail "cairn history"
json_check "$WORK/kept.json" 'op("cb", "CALLBACK")["status"] == "SUCCEEDED"' \
    'op("cb", "CALLBACK")["result"] == "{\"offline\": true}"' \
    'd["execution"]["status"] in ("PENDING", "RUNNING")'
[ "$(side_count after "$ID")" = 0 ] || fail "something ran the step after the callback without a host"
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' 'd["execution"]["result"]["got"] == {"offline": True}'
[ "$(side_count after "$ID")" = 1 ] || fail "the step after ran $(side_count after "$ID") times"

check "a running worker picks up a callback sent from another process"
bg worker "$HOST" worker
WORKER=$BG
ID=$("$HOST" start cbsimple --input '{}') || fail "start"
wait_until "$ID" 'd["execution"]["status"] == "PENDING" and any(o["type"] == "CALLBACK" and o["callback_id"] for o in d["operations"])'
get_cb "$ID"
sleep 0.3 # let the worker go idle
t0=$(date +%s%N)
run_cmd ok2 "$CAIRN" callback succeed "$CB" --result '{"live": 1}'
expect_rc 0
wait_until "$ID" 'd["execution"]["status"] == "SUCCEEDED"' 10
echo "  completed about $((($(date +%s%N) - t0) / 1000000)) ms after the callback (polling every 50 ms)"
history "$ID"
json_check "$H" 'd["execution"]["result"]["got"] == {"live": 1}'
kill -0 "$WORKER" 2>/dev/null || fail "the worker exited: $(cat "$WORK/worker.err")"

check "the worker stops cleanly on SIGTERM"
kill -TERM "$WORKER"
rc=0
wait "$WORKER" || rc=$?
[ "$rc" = 0 ] || fail "worker exit $rc on SIGTERM: $(cat "$WORK/worker.err")"

check "serve: a success POSTed over HTTP completes the waiting execution"
# On a port the kernel picks (no probe-then-bind race): read from its first line.
bg serve "$HOST" serve --listen 127.0.0.1:0
SERVE=$BG
PORT=""
for _ in $(seq 100); do
    PORT=$(sed -n 's|^serve: listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$WORK/serve.out")
    [ -n "$PORT" ] && break
    kill -0 "$SERVE" 2>/dev/null || fail "serve exited at start: $(cat "$WORK/serve.err")"
    sleep 0.05
done
[ -n "$PORT" ] || fail "serve printed no listening line: $(cat "$WORK/serve.out")"
ID=$("$HOST" start cbsimple --input '{}') || fail "start"
wait_until "$ID" 'd["execution"]["status"] == "PENDING" and any(o["type"] == "CALLBACK" and o["callback_id"] for o in d["operations"])'
get_cb "$ID"
ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$CB")
code=$(curl -s -o "$WORK/http.out" -w '%{http_code}' -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary '{"http": true}' "http://127.0.0.1:$PORT/2025-12-01/durable-execution-callbacks/$ENC/succeed")
[ "$code" = 200 ] || fail "HTTP succeed answered $code: $(cat "$WORK/http.out") $(cat "$WORK/serve.err")"
wait_until "$ID" 'd["execution"]["status"] == "SUCCEEDED"' 10
history "$ID"
json_check "$H" 'd["execution"]["result"]["got"] == {"http": True}'
code=$(curl -s -o "$WORK/http.out" -w '%{http_code}' -X POST --data-binary '{}' \
    "http://127.0.0.1:$PORT/2025-12-01/durable-execution-callbacks/$ENC/succeed")
[ "$code" = 400 ] || fail "a second HTTP succeed answered $code, expected 400: $(cat "$WORK/http.out")"
kill -TERM "$SERVE"
rc=0
wait "$SERVE" || rc=$?
[ "$rc" = 0 ] || fail "serve exit $rc on SIGTERM: $(cat "$WORK/serve.err")"
echo "ok"
