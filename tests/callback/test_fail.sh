# Callback failure through `cairn callback fail` from another process: the
# await fails with Callback.Failed, the sender's ErrorType, ErrorMessage and
# ErrorData (its text, as AWS keeps it) in the error's data; the CALLBACK is journaled FAILED; the
# step after it never runs; any later answer is refused.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

check "callback fail with type, message and data exits 0"
start cbsimple '{}'
json_check "$WORK/run.out" 'd["status"] == "PENDING"'
get_cb "$ID"
run_cmd fail "$CAIRN" callback fail "$CB" --error-type Card.Declined \
    --error-message "insufficient funds" --error-data '{"code": "51", "retry": false}'
expect_rc 0

check "the execution fails with Callback.Failed, the sender's error in data"
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["status"] == "FAILED"' \
    'd["execution"]["error"]["type"] == "Callback.Failed"' \
    'd["execution"]["error"]["data"]["ErrorType"] == "Card.Declined"' \
    'd["execution"]["error"]["data"]["ErrorMessage"] == "insufficient funds"' \
    'd["execution"]["error"]["data"]["ErrorData"] == "{\"code\": \"51\", \"retry\": false}"' \
    '"insufficient funds" in d["execution"]["error"]["message"]' \
    'op("cb", "CALLBACK")["status"] == "FAILED"' \
    'op("cb", "CALLBACK")["error"]["data"]["ErrorType"] == "Card.Declined"'
[ "$(side_count after "$ID")" = 0 ] || fail "the step after a failed callback ran"

check "a success after the failure is refused, saying the callback failed"
run_cmd late "$CAIRN" callback succeed "$CB" --result '{}'
expect_rc 1
expect_err_i 'fail'

check "callback fail needs --error-type and --error-message (exit 2); --error-data is optional"
start cbsimple '{}'
get_cb "$ID"
run_cmd nomsg "$CAIRN" callback fail "$CB" --error-type Vendor.Gone
expect_rc 2
run_cmd fail2 "$CAIRN" callback fail "$CB" --error-type Vendor.Gone --error-message "out of business"
expect_rc 0
"$HOST" worker --until-idle 2>/dev/null || fail "worker"
history "$ID"
json_check "$H" 'd["execution"]["error"]["type"] == "Callback.Failed"' \
    'd["execution"]["error"]["data"]["ErrorType"] == "Vendor.Gone"' \
    'd["execution"]["error"]["data"]["ErrorMessage"] == "out of business"' \
    'd["execution"]["error"]["data"].get("ErrorData") is None'
echo "ok"
