# SIGKILL of the host around a callback: no lost and no doubled result.
#   A. the host is killed after the callback was created (a worker idle on
#      the waiting execution); the result, sent with no host alive, is kept;
#      a new worker finishes with it;
#   B. the host is killed after the result was consumed (the step after the
#      await committed, the next step running) and before completion; a new
#      worker completes the execution without replaying the result or the
#      step after it;
#   C. wait_for_callback: the host is killed inside the submitter, after the
#      callback was created; the restarted submitter sees the same callback
#      id, and the answer completes the execution;
#   D. the host is killed at varied moments while it resumes on a result.
# Each case ends with one CALLBACK SUCCEEDED holding the result sent, and the
# step after the callback run exactly once (counted in the side file).
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

# one_delivery ID RESULT-JSON: the journal and the side file show one
# delivery of RESULT.
one_delivery() {
    history "$1"
    json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
        "d['execution']['result']['got'] == json.loads('$2')" \
        'count(lambda o: o["type"] == "CALLBACK") == 1' \
        'count(lambda o: o["type"] == "CALLBACK" and o["status"] == "SUCCEEDED") == 1'
    local n
    n=$(side_count after "$1")
    [ "$n" = 1 ] || fail "the step after the callback ran $n times: $(cat "$CAIRN_CB_SIDE")"
}

check "A: SIGKILL between callback creation and the result"
bg worker "$HOST" worker
ID=$("$HOST" start cbsimple --input '{}') || fail "start"
wait_until "$ID" 'd["execution"]["status"] == "PENDING" and any(o["type"] == "CALLBACK" and o["callback_id"] for o in d["operations"])'
get_cb "$ID"
kill -KILL "$BG"
wait "$BG" 2>/dev/null
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"case": "A"}'
expect_rc 0
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
one_delivery "$ID" '{"case": "A"}'

check "B: SIGKILL between the result and completion"
start cbsimple '{}'
get_cb "$ID"
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"case": "B"}'
expect_rc 0
CAIRN_CB_HOLD=1 bg held "$HOST" worker
for _ in $(seq 400); do [ "$(side_count hold "$ID")" -ge 1 ] && break; sleep 0.05; done
[ "$(side_count hold "$ID")" -ge 1 ] || fail "the held worker never reached the step after the callback"
kill -KILL "$BG"
wait "$BG" 2>/dev/null
history "$ID" "$WORK/killed.json"
json_check "$WORK/killed.json" 'd["execution"]["status"] in ("RUNNING", "PENDING")' \
    'op("cb", "CALLBACK")["status"] == "SUCCEEDED"' 'op("after", "STEP")["status"] == "SUCCEEDED"'
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
one_delivery "$ID" '{"case": "B"}'
run_cmd again "$CAIRN" callback succeed "$CB" --result '{"case": "B2"}'
expect_rc 1

check "C: SIGKILL inside the submitter of a wait_for_callback"
CAIRN_CB_HOLD=1 bg held "$HOST" run cbwfc --input '{"fail": 0}'
for _ in $(seq 400); do grep -q '^submit ' "$CAIRN_CB_SIDE" 2>/dev/null && break; sleep 0.05; done
line=$(grep '^submit ' "$CAIRN_CB_SIDE" | head -1)
[ -n "$line" ] || fail "the submitter never ran"
ID=$(echo "$line" | awk '{print $2}')
FIRST_CB=$(echo "$line" | awk '{print $3}')
kill -KILL "$BG"
wait "$BG" 2>/dev/null
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
get_cb "$ID"
[ "$CB" = "$FIRST_CB" ] || fail "the callback id changed across the crash: $FIRST_CB then $CB"
[ "$(grep "^submit $ID " "$CAIRN_CB_SIDE" | awk '{print $3}' | sort -u)" = "$CB" ] ||
    fail "the restarted submitter saw another callback id: $(cat "$CAIRN_CB_SIDE")"
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"case": "C"}'
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["answer"] == {"case": "C"}' \
    'count(lambda o: o["type"] == "CALLBACK") == 1' \
    'count(lambda o: o["type"] == "CONTEXT") == 1'
[ "$(side_count after "$ID")" = 1 ] || fail "the step after ran $(side_count after "$ID") times"

check "D: SIGKILL at varied moments while a worker resumes on a result"
start cbsimple '{}'
get_cb "$ID"
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"case": "D"}'
expect_rc 0
done_=0
for k in $(seq 1 60); do
    "$HOST" worker --until-idle >/dev/null 2>>"$WORK/d.err" &
    pid=$!
    ms=$((1 + (5 * k) % 13 + k / 4))
    sleep "$(printf '0.%03d' "$ms")"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ "$(status_of "$ID")" = SUCCEEDED ]; then
        done_=1
        break
    fi
done
[ "$done_" = 1 ] || "$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["got"] == {"case": "D"}' \
    'count(lambda o: o["type"] == "CALLBACK" and o["status"] == "SUCCEEDED") == 1'
# at_least_once: a kill inside `after` may run it again, never zero times.
n=$(side_count after "$ID")
[ "$n" -ge 1 ] || fail "the step after the callback never ran"
echo "  after $k kill rounds; the step after ran $n time(s)"
echo "ok"
