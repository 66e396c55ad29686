# Pinning: an execution runs only on a host holding the definition it started
# with. Another host's worker counts those in one line, skips them (no retry
# loop), and leaves them untouched; its list and status mark them not held;
# `run` on one is refused.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"
: "${CAIRN_E2E_OTHER_HOST:?CAIRN_E2E_OTHER_HOST must name the second host}"
OTHER=$CAIRN_E2E_OTHER_HOST

check "the other host holds flow, version 2"
run_cmd help "$OTHER" --help
expect_rc 0
printf '%s\n' "$OUT" | grep -Eq '^ +flow +version 2' || fail "no 'flow version 2' line: $OUT"

check "its own executions run: flow v2 adds one"
run_cmd r "$OTHER" run flow --input '{"n":4}' --skip-time --json
expect_rc 0
json_check "$WORK/r.out" 'd["status"] == "SUCCEEDED" and d["version"] == 2 and d["result"] == {"value": 5}'

check "an execution of flow v1 is reported once by the other host's worker, skipped, untouched"
ID=$("$HOST" start flow --input '{"n":1}') || fail "start on the first host"
"$HOST" history "$ID" --json >"$WORK/before.json"
run_cmd w "$OTHER" worker --until-idle --skip-time
expect_rc 0
expect_one_line_err
expect_err "$ID"
"$HOST" history "$ID" --json >"$WORK/after.json"
cmp -s "$WORK/before.json" "$WORK/after.json" || fail "the refused execution changed: $(diff "$WORK/before.json" "$WORK/after.json")"

check "the worker's one line counts them, however many"
"$HOST" start flow --input '{"n":3}' >/dev/null || fail "start a third"
run_cmd w3 "$OTHER" worker --until-idle --skip-time
expect_rc 0
expect_one_line_err
expect_err "2 executions wait for a definition this host does not hold"

check "list and status on the other host mark them not held; the first host and cairn do not"
SHORT=$("$HOST" status "$ID" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["definition_sha256"][:12])')
run_cmd ol "$OTHER" list
printf '%s\n' "$OUT" | grep -q "^$ID .* $SHORT (not held)\$" || fail "the other host's list does not mark $ID: $OUT"
printf '%s\n' "$OUT" | head -1 | grep -q 'DEFINITION$' || fail "no DEFINITION column: $OUT"
run_cmd os "$OTHER" status "$ID"
expect_out "definition_held    false: this host does not hold this definition"
run_cmd osj "$OTHER" status "$ID" --json
json_check "$WORK/osj.out" 'd["definition_held"] is False'
run_cmd hl "$HOST" list
printf '%s\n' "$OUT" | grep -q "^$ID .* $SHORT\$" || fail "the first host's list: $OUT"
run_cmd hsj "$HOST" status "$ID" --json
json_check "$WORK/hsj.out" 'd["definition_held"] is True'
run_cmd cl "$CAIRN" list
printf '%s\n' "$OUT" | grep -q "^$ID .* $SHORT\$" || fail "cairn list: $OUT"
run_cmd csj "$CAIRN" status "$ID" --json
json_check "$WORK/csj.out" '"definition_held" not in d'

check "run on the other host with the name of a v1 execution is refused, exit 1"
"$HOST" start flow --input '{"n":2}' --name pinned >/dev/null || fail "start by name"
run_cmd r2 "$OTHER" run flow --input '{"n":2}' --name pinned --skip-time
expect_rc 1
expect_one_line_err

check "the first host finishes both"
run_cmd w2 "$HOST" worker --until-idle --skip-time
expect_rc 0
run_cmd l "$HOST" list --json
json_check "$WORK/l.out" 'sorted(json.dumps([x["version"], x["status"], x["result"]], sort_keys=True) for x in d) == sorted(json.dumps(v, sort_keys=True) for v in [[1, "SUCCEEDED", {"result": 3, "note": "n was 1"}], [1, "SUCCEEDED", {"result": 7, "note": "n was 3"}], [1, "SUCCEEDED", {"result": 5, "note": "n was 2"}], [2, "SUCCEEDED", {"value": 5}]])'
echo "ok"
