# The polling loop of poll.yaml (cairn 0.2): goto back to the check, a pass
# counter made with + and ??, the choice reading ?? and arithmetic, and the
# output's arithmetic, remainder and division by zero (null).
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

check "cairn check accepts the loop (?? reads what a later 'as' sets)"
run_cmd check "$CAIRN" check "$CAIRN_SOURCE_DIR/tests/e2e/poll.yaml"
expect_rc 0
[ -z "$ERR" ] || fail "check printed diagnostics: $ERR"

check "run --skip-time loops three passes and succeeds with the computed output"
run_cmd run1 "$HOST" run poll --input '{"max":10}' --skip-time --json
expect_rc 0
json_check "$WORK/run1.out" 'd["status"] == "SUCCEEDED" and d["result"] == {"passes": 3, "label": "pass 3", "half": 1.5, "odd": True, "negated": -3, "by_zero": None, "by_zero_default": "none"}'

check "each pass is its own operation in the journal: three checks, two waits, no goto"
run_cmd h1 "$HOST" history "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run1.out")" --json
expect_rc 0
json_check "$WORK/h1.out" '[o["name"] for o in d["operations"]].count("check") == 3 and [o["name"] for o in d["operations"]].count("pause") == 2 and not any(o["name"] in ("finished", "goto") for o in d["operations"])'

check "the loop gives up through the arithmetic condition: max 2 means two passes"
run_cmd run2 "$HOST" run poll --input '{"max":2,"done_at":99}' --skip-time
expect_rc 1
expect_out '"type":"Poll.TooLong"'
expect_out '"message":"gave up after 2 passes"'

echo "e2e poll: all checks passed"
