# Callback success through `cairn callback succeed` from another process:
# a JSON result (inline and from --result-file) reaches the `as` variable
# and the step after it; `result: text` keeps the raw text a string; a
# payload that is not JSON on a `result: json` callback is refused (exit 2,
# the parse position, the callback stays open, nothing journaled); the
# CALLBACK is journaled SUCCEEDED with the result; bad command lines exit 2.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

check "a callback execution suspends PENDING with a CALLBACK STARTED"
start cbsimple '{}'
expect_rc 0
json_check "$WORK/run.out" 'd["status"] == "PENDING"'
get_cb "$ID"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "PENDING"' \
    'op("cb", "CALLBACK")["status"] in ("STARTED", "PENDING")'
python3 - "$CB" <<'PY' || fail "callback id $CB is not >= 128 bits of URL-safe text"
import re, sys
cb = sys.argv[1]
assert re.fullmatch(r"[A-Za-z0-9_~.=%-]+", cb) and len(cb) >= 22, cb
PY

check "callback succeed (JSON) exits 0, and a worker finishes the execution with it"
run_cmd ok "$CAIRN" callback succeed "$CB" --result '{"approved": true, "n": [1, 2.5, "x"]}'
expect_rc 0
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["got"] == {"approved": True, "n": [1, 2.5, "x"]}' \
    'd["execution"]["result"]["seen"] == {"seen": {"approved": True, "n": [1, 2.5, "x"]}}' \
    'op("cb", "CALLBACK")["status"] == "SUCCEEDED"' \
    'count(lambda o: o["type"] == "CALLBACK" and o["status"] == "SUCCEEDED") == 1'
[ "$(side_count after "$ID")" = 1 ] || fail "the step after the callback ran $(side_count after "$ID") times"

check "callback succeed --result-file reads the result from a file"
start cbsimple '{}'
get_cb "$ID"
printf '{"from": "file", "text": "line 1\\nline 2"}\n' >"$WORK/result.json"
run_cmd file "$CAIRN" callback succeed "$CB" --result-file "$WORK/result.json"
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["got"] == {"from": "file", "text": "line 1\nline 2"}'

check "result: text keeps the raw payload a string; result: json parses"
start cbtext '{}'
get_cb "$ID" 1
run_cmd text "$CAIRN" callback succeed "$CB" --result '{not json at all'
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
get_cb "$ID" 2
run_cmd parsed "$CAIRN" callback succeed "$CB" --result '[1, {"a": null}]'
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"] == {"text": "{not json at all", "value": [1, {"a": None}]}'

check "a payload that is not JSON on a result: json callback is refused at the door"
start cbsimple '{}'
get_cb "$ID"
run_cmd invalid "$CAIRN" callback succeed "$CB" --result '{"approved":tru'
expect_rc 2
expect_err_i 'not JSON \(at byte 13'
run_cmd invalid2 "$CAIRN" callback succeed "$CB" --result 'approved, sort of'
expect_rc 2
history "$ID"
json_check "$H" 'd["execution"]["status"] == "PENDING"' \
    'op("cb", "CALLBACK")["status"] == "STARTED"' \
    'op("cb", "CALLBACK").get("result") is None'
"$HOST" worker --until-idle 2>/dev/null
history "$ID"
json_check "$H" 'd["execution"]["status"] == "PENDING"'
[ "$(side_count after "$ID")" = 0 ] || fail "the step after a refused result ran"
check "the callback stays open: a JSON answer afterwards is taken"
run_cmd valid "$CAIRN" callback succeed "$CB" --result '{"approved":true}'
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "SUCCEEDED"' \
    'd["execution"]["result"]["got"] == {"approved": True}'

check "bad command lines exit 2"
run_cmd u1 "$CAIRN" callback succeed
expect_rc 2
run_cmd u2 "$CAIRN" callback explode "$CB"
expect_rc 2
run_cmd u3 "$CAIRN" callback succeed "$CB" --result '{}' --result-file "$WORK/result.json"
expect_rc 2
run_cmd u4 "$CAIRN" callback succeed "$CB" --result-file "$WORK/no-such-file.json"
[ "$RC" -ne 0 ] || fail "a missing --result-file was accepted"
echo "ok"
