# Refusals of the callback API (`cairn callback` on the store, no workflow
# code): exit 1 with a message that says why, and nothing changes.
#   - a second success: "already succeeded"; the first result stands;
#   - a success, failure or heartbeat after the callback timed out;
#   - an unknown id (a distinct message);
#   - of two successes sent at the same moment, exactly one wins.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

check "a duplicate success is refused (exit 1, already succeeded) and changes nothing"
start cbsimple '{}'
get_cb "$ID"
run_cmd first "$CAIRN" callback succeed "$CB" --result '{"n": 1}'
expect_rc 0
run_cmd second "$CAIRN" callback succeed "$CB" --result '{"n": 2}'
expect_rc 1
expect_err_i 'already succeeded'
run_cmd fail_after "$CAIRN" callback fail "$CB" --error-type X.Y --error-message no
expect_rc 1
expect_err_i 'succeeded'
run_cmd beat_after "$CAIRN" callback heartbeat "$CB"
expect_rc 1
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["got"] == {"n": 1}' \
    'count(lambda o: o["type"] == "CALLBACK") == 1'
run_cmd after_end "$CAIRN" callback succeed "$CB" --result '{"n": 3}'
expect_rc 1

check "a late success after the timeout is refused, saying it timed out"
start cbsimple '{}'
get_cb "$ID"
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Callback.Timeout"' \
    'op("cb", "CALLBACK")["status"] == "TIMED_OUT"'
run_cmd late "$CAIRN" callback succeed "$CB" --result '{"n": 1}'
expect_rc 1
expect_err_i 'timed out'
run_cmd late_fail "$CAIRN" callback fail "$CB" --error-type X.Y --error-message no
expect_rc 1
run_cmd late_beat "$CAIRN" callback heartbeat "$CB"
expect_rc 1
history "$ID" "$WORK/after-late.json"
json_check "$WORK/after-late.json" 'op("cb", "CALLBACK")["status"] == "TIMED_OUT"' \
    'd["execution"]["error"]["type"] == "Callback.Timeout"'

check "an unknown id is refused with its own message"
for bad in "AAAAAAAAAAAAAAAAAAAAAA" "${CB}x" "nope"; do
    run_cmd unknown "$CAIRN" callback succeed "$bad" --result '{}'
    expect_rc 1
    expect_err_i 'unknown|not found|no such'
    case $ERR in *"timed out"* | *"succeeded"*) fail "the unknown-id message reads like a closed one: $ERR" ;; esac
    run_cmd unknown_beat "$CAIRN" callback heartbeat "$bad"
    expect_rc 1
    run_cmd unknown_fail "$CAIRN" callback fail "$bad" --error-type X.Y --error-message no
    expect_rc 1
done

check "two successes at the same moment: exactly one wins"
for round in 1 2 3 4 5; do
    start cbsimple '{}'
    get_cb "$ID"
    "$CAIRN" callback succeed "$CB" --result '{"by": "a"}' >/dev/null 2>"$WORK/a.err" &
    pa=$!
    "$CAIRN" callback succeed "$CB" --result '{"by": "b"}' >/dev/null 2>"$WORK/b.err" &
    pb=$!
    ra=0 rb=0
    wait "$pa" || ra=$?
    wait "$pb" || rb=$?
    [ $((ra + rb)) -eq 1 ] && [ $((ra * rb)) -eq 0 ] ||
        fail "round $round: exits $ra and $rb ($(cat "$WORK/a.err" "$WORK/b.err"))"
    winner=a
    [ "$ra" -eq 0 ] || winner=b
    "$HOST" worker --until-idle 2>/dev/null || fail "worker"
    history "$ID"
    json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
        "d[\"execution\"][\"result\"][\"got\"] == {\"by\": \"$winner\"}"
done
echo "ok"
