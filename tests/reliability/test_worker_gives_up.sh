#!/usr/bin/env bash
# `worker --until-idle` on a store that keeps failing (every write refused by
# the fault shim) retries a few times, then exits 1 naming the file and the
# cause, instead of looping forever; without the fault the execution completes.
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
ORDER=$CAIRN_BINARY_DIR/examples/order/order
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-giveup.XXXXXX")
trap 'rm -rf "$work"' EXIT
db=$work/cairn.db

id=$("$ORDER" start order --db "$db" --input "$(cat "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")")
rc=0
CAIRN_FAULT=write:after=0 timeout 60 "$ORDER" worker --until-idle --db "$db" >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "worker exit $rc, expected 1: $(cat "$work/err")"
grep -q "$db: .*disk I/O error (giving up)" "$work/err" || fail "no 'giving up' line naming the store: $(cat "$work/err")"
[ "$(grep -c 'will retry' "$work/err")" -ge 1 ] || fail "no retry before giving up: $(cat "$work/err")"

"$ORDER" worker --until-idle --skip-time --db "$db" 2>/dev/null || fail "worker without the fault"
"$ORDER" status "$id" --db "$db" | grep -q "SUCCEEDED" || fail "not completed after the fault: $("$ORDER" status "$id" --db "$db")"
echo "ok: gave up after $(grep -c 'will retry' "$work/err") retries, then completed without the fault"
