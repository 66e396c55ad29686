# Payloads over 256 KiB per operation, end to end on a host: a callback
# result of 300 KB given to `callback succeed --result-file` is refused
# (exit 1, a message naming the limit), the callback stays open and the
# execution waiting on it untouched, and a normal result then completes it.
# (A step result over 256 KiB failing with Payload.TooLarge, not retried, is
# tested in tests/unit/test_rt_engine.c.)
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
: "${CAIRN_BINARY_DIR:?CAIRN_BINARY_DIR must name the build tree}"
HOST=$CAIRN_BINARY_DIR/tests/serve/serve_host # holds the workflow `waiter`: one callback
[ -x "$HOST" ] || { echo "FAIL: $HOST is not built" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-payload.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
DB=$WORK/cairn.db

ID=$("$HOST" start waiter --db "$DB") || fail "start"
"$HOST" worker --until-idle --db "$DB" >/dev/null || fail "worker"
"$HOST" history "$ID" --db "$DB" --json >"$WORK/h.json" || fail "history"
CB=$(python3 -c 'import json,sys
ops = json.load(open(sys.argv[1]))["operations"]
print([o["callback_id"] for o in ops if o.get("callback_id")][0])' "$WORK/h.json") || fail "no callback id"

python3 -c 'import json; print(json.dumps("x" * 300000))' >"$WORK/big.json"
"$HOST" status "$ID" --db "$DB" --json >"$WORK/before.json"
rc=0
"$HOST" callback succeed "$CB" --result-file "$WORK/big.json" --db "$DB" 2>"$WORK/err" || rc=$?
[ "$rc" = 1 ] || fail "callback succeed with 300 KB exited $rc, expected 1"
size=$(stat -c %s "$WORK/big.json")
grep -qF "callback $CB: the result is $size bytes; a callback result holds at most 262144 (256 KiB)" \
    "$WORK/err" || fail "unexpected message: $(cat "$WORK/err")"
# From a pipe, where no size is known before reading, the size is still exact.
rc=0
"$HOST" callback succeed "$CB" --result-file /dev/stdin --db "$DB" <"$WORK/big.json" 2>"$WORK/err" ||
    rc=$?
[ "$rc" = 1 ] || fail "callback succeed with 300 KB from a pipe exited $rc, expected 1"
grep -qF "the result is $size bytes" "$WORK/err" || fail "unexpected message: $(cat "$WORK/err")"
"$HOST" worker --until-idle --db "$DB" >/dev/null || fail "worker"
"$HOST" status "$ID" --db "$DB" --json >"$WORK/after.json"
cmp -s "$WORK/before.json" "$WORK/after.json" ||
    fail "the refused result changed the execution: $(diff "$WORK/before.json" "$WORK/after.json")"
echo "300 KB callback result refused; execution unchanged: $(cat "$WORK/err")"

"$HOST" callback succeed "$CB" --result '{"ok":true}' --db "$DB" || fail "a normal result was refused"
"$HOST" worker --until-idle --db "$DB" >/dev/null || fail "worker"
"$HOST" status "$ID" --db "$DB" --json >"$WORK/done.json"
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["status"] == "SUCCEEDED" and d["result"] == {"ok": True} else 1)' "$WORK/done.json" ||
    fail "not SUCCEEDED with the normal result: $(cat "$WORK/done.json")"
echo "the callback stayed open: a normal result completed the execution"
