# `run` says which callbacks it waits for: one "callback  ID" line per open
# callback, the id the history journals, so a script can answer it without
# reading `history --json`; a run that waits for none prints no such line.
. "$CAIRN_SOURCE_DIR/tests/callback/lib.sh"

# ids_printed: the ids of the "callback" lines of $OUT, one a line.
ids_printed() {
    printf '%s\n' "$OUT" | awk '$1 == "callback" { print $2 }'
}

check "run on a callback prints its id, the one the history holds"
run_cmd run1 "$HOST" run cbsimple
expect_rc 0
expect_out "PENDING"
ID=$(printf '%s\n' "$OUT" | awk '$1 == "execution" { print $2 }')
[ -n "$ID" ] || fail "no execution id: $OUT"
get_cb "$ID"
[ "$(ids_printed)" = "$CB" ] || fail "printed '$(ids_printed)', the history holds $CB: $OUT"

check "the id printed is the one to answer: callback succeed with it finishes the execution"
run_cmd ok "$CAIRN" callback succeed "$(ids_printed)" --result '{"approved": true}'
expect_rc 0
run_cmd worker "$HOST" worker --until-idle
expect_rc 0
[ "$(status_of "$ID")" = SUCCEEDED ] || fail "status $(status_of "$ID") after answering the printed id"

check "run on a wait_for_callback prints the id its submitter was given"
run_cmd run2 "$HOST" run cbwfc --input '{"fail": 0}'
expect_rc 0
expect_out "PENDING"
ID=$(printf '%s\n' "$OUT" | awk '$1 == "execution" { print $2 }')
get_cb "$ID"
[ "$(ids_printed)" = "$CB" ] || fail "printed '$(ids_printed)', the history holds $CB: $OUT"
grep -q "^submit $ID $CB 1\$" "$CAIRN_CB_SIDE" || fail "the submitter was given another id: $(cat "$CAIRN_CB_SIDE")"

check "a run that completes (its callback answered) prints no callback line"
run_cmd run4 "$HOST" run cbsimple --name again
ID=$(printf '%s\n' "$OUT" | awk '$1 == "execution" { print $2 }')
get_cb "$ID"
run_cmd ok2 "$CAIRN" callback succeed "$CB" --result '{}'
run_cmd run5 "$HOST" run cbsimple --name again
expect_rc 0
expect_out "SUCCEEDED"
[ -z "$(ids_printed)" ] || fail "a completed execution printed callback lines: $OUT"

echo "ok"
