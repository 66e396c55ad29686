# Lua hooks share nothing across executions: one worker (--batch 1: one
# thread, so one kept Lua state) runs several executions of `leak`, whose
# hook reports what an earlier call left behind and then leaves all it can.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

check "three executions, one worker thread: none sees what another left"
for i in 1 2 3; do
    run_cmd s$i "$HOST" start leak
    expect_rc 0
done
run_cmd w "$HOST" worker --until-idle --batch 1
expect_rc 0
run_cmd l "$HOST" list --json
json_check "$WORK/l.out" 'len(d) == 3 and all(x["status"] == "SUCCEEDED" for x in d)'
json_check "$WORK/l.out" 'all(x["result"] == {"calls": 1, "pi": 3.141592653589793, "g_meta": False, "tostring_gone": False} for x in d)'
echo "e2e lua isolation: all checks passed"
