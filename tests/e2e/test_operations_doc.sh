# docs/operations.md, run verbatim: every ```sh block of the page, in order,
# as one script in a fresh folder holding host-v1 (the e2e host: flow
# version 1) and host-v2 (the other host: flow version 2), with cairn on
# PATH. Then what the page says happened is checked: the v1 executions
# finished on v1 while v2 marked them (not held) and left them alone, the v2
# one finished on v2, and the stopped one is STOPPED with the error given.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"
: "${CAIRN_E2E_OTHER_HOST:?CAIRN_E2E_OTHER_HOST must name the second host}"
DOC=$CAIRN_SOURCE_DIR/docs/operations.md

ln -s "$HOST" "$WORK/host-v1"
ln -s "$CAIRN_E2E_OTHER_HOST" "$WORK/host-v2"
mkdir "$WORK/bin"
ln -s "$CAIRN" "$WORK/bin/cairn"

check "the page's sh blocks run, in order, without an error"
{
    echo 'set -eu'
    awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 } on' "$DOC"
} >"$WORK/doc.sh"
[ "$(grep -c . "$WORK/doc.sh")" -gt 8 ] || fail "no sh blocks found in $DOC"
(cd "$WORK" && unset CAIRN_DB && PATH="$WORK/bin:$PATH" bash "$WORK/doc.sh") \
    >"$WORK/doc.out" 2>"$WORK/doc.err" || fail "the page's commands failed: $(cat "$WORK/doc.err")"
OUT=$(cat "$WORK/doc.out")
ERR=$(cat "$WORK/doc.err")

check "v2 marked the v1 executions (not held) and its worker counted them in one line"
[ "$(printf '%s\n' "$OUT" | grep -c '(not held)$')" -ge 2 ] || fail "no (not held) rows: $OUT"
[ "$(printf '%s\n' "$ERR" | grep -c 'wait for a definition this host does not hold')" -eq 1 ] ||
    fail "not one line counting them: $ERR"
expect_err "host-v2 worker: 2 executions wait for a definition this host does not hold"

check "each execution ended where the page says"
"$CAIRN" list --json --db "$WORK/cairn.db" >"$WORK/list.json" || fail "cairn list"
json_check "$WORK/list.json" \
    'sorted((x["name"], x["version"], x["status"]) for x in d) == [("order-1", 1, "SUCCEEDED"), ("order-2", 1, "SUCCEEDED"), ("order-3", 1, "STOPPED"), ("order-4", 2, "SUCCEEDED")]' \
    '[x["error"] for x in d if x["name"] == "order-3"] == [{"type": "Order.Cancelled", "message": "cancelled by the customer"}]'
expect_out "status             STOPPED"
echo "ok"
