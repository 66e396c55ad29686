#!/usr/bin/env bash
# test_console.sh — serve's web console in a real browser.
#
# Serves tests/console's host (review.yaml: retries, a wait, a parallel and a
# callback; hello: an input schema) with a bearer token, on a free loopback
# port, over a store holding 10,000 executions (seeded with SQL beside the
# real ones), and drives the page in Debian's chromium, headless, through
# puppeteer-core (drive.mjs: what a person sees and does). Before that, from
# the shell: the page's weight and that its script builds the page from text
# only. SHOTS=DIR also saves screenshots of the main views into DIR (how
# docs/console/*.png are made).
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR. Needs node and chromium (Debian
# packages nodejs, npm, chromium); installs puppeteer-core from the committed
# package-lock.json when node_modules is missing (no browser download).
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
here=$CAIRN_SOURCE_DIR/tests/console
HOST=$CAIRN_BINARY_DIR/tests/console/console_host
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-console.XXXXXX")
DB=$WORK/cairn.db
SERVE_PID=""
cleanup() {
    if [ -n "$SERVE_PID" ]; then kill -KILL "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
on_fail() {
    if [ -f "$WORK/serve.err" ]; then
        echo "--- serve stderr (last lines):"
        tail -n 20 "$WORK/serve.err"
    fi
}

[ -x "$HOST" ] || fail "$HOST is not built"
command -v node >/dev/null || fail "node is not installed"
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is not installed (apt-get install chromium)"
if [ ! -d "$here/node_modules" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in $here"
fi

TOKEN="console-token-$RANDOM$RANDOM"
printf '%s\n' "$TOKEN" >"$WORK/token"
"$HOST" serve --listen 127.0.0.1:0 --db "$DB" --token-file "$WORK/token" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!
for _ in $(seq 1 100); do
    grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break
    kill -0 "$SERVE_PID" 2>/dev/null || fail "serve exited at start"
    sleep 0.05
done
BASE=$(sed -n 's|^serve: listening on \(http://[^ ]*\) .*|\1|p' "$WORK/serve.out")
[ -n "$BASE" ] || fail "serve printed no address"

# api METHOD PATH [BODY]: the body of the answer on stdout; fails on an error.
api() {
    curl -sSf -X "$1" -H "Authorization: Bearer $TOKEN" ${3:+-d "$3"} "$BASE$2" ||
        fail "$1 $2 failed"
}
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

check "the page is one bundle under 100 KB, served without the token"
weight=0
for path in / /console/console.js /console/console.css; do
    n=$(curl -sSf "$BASE$path" | wc -c) || fail "GET $path without a token failed"
    [ "$n" -gt 0 ] || fail "GET $path is empty"
    weight=$((weight + n))
done
[ "$weight" -lt 102400 ] || fail "the page weighs $weight bytes"
echo "page weight: $weight bytes"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/executions")
[ "$code" = 403 ] || fail "GET /executions without the token answered $code, not 403"
curl -sSf -D "$WORK/h" -o /dev/null "$BASE/"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$WORK/h" ||
    fail "no Content-Security-Policy on the page: $(cat "$WORK/h")"

check "the script builds the page from text: no HTML parsing, no storage, no eval"
for bad in innerHTML outerHTML insertAdjacentHTML document.write 'eval(' 'new Function' \
    localStorage sessionStorage document.cookie; do
    if grep -nF "$bad" "$CAIRN_SOURCE_DIR/runtime/console/console.js"; then
        fail "console.js uses $bad"
    fi
done

check "three reviews wait for their approval (retries, a wait and a parallel behind them)"
XSS='<img src=x onerror=alert(1)>'
X=$(api POST /executions "{\"workflow\":\"review\",\"input\":{\"doc\":\"$XSS\"}}" | jget 'd["id"]')
Y=$(api POST /executions '{"workflow":"review","input":{"doc":"second"}}' | jget 'd["id"]')
Z=$(api POST /executions '{"workflow":"review","input":{"doc":"third"}}' | jget 'd["id"]')
for id in $X $Y $Z; do
    for _ in $(seq 1 200); do
        n=$(api GET "/executions/$id/history" |
            jget 'len([o for o in d["operations"] if o["type"] == "CALLBACK" and o["status"] == "STARTED"])')
        [ "$n" = 1 ] && break
        sleep 0.1
    done
    [ "$n" = 1 ] || fail "execution $id never came to wait for its approval"
done

check "10,000 more executions in the store (rows copied with SQL: the list pages them)"
api POST /executions '{"workflow":"hello","input":{"who":"seed"}}' >/dev/null
sleep 0.5
python3 - "$DB" <<'PY' || fail "seeding the store failed"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
cols = [r[1] for r in db.execute("PRAGMA table_info(executions)")]
row = dict(zip(cols, db.execute(
    "SELECT * FROM executions WHERE workflow = 'hello' AND status = 'SUCCEEDED'").fetchone()))
rows = []
for i in range(10000):
    r = dict(row)
    r["id"] = "seed-%05d" % i
    r["created_at"] = row["created_at"] - 1000 * (i + 1)
    r["updated_at"] = r["ended_at"] = r["created_at"] + 1
    rows.append(tuple(r[c] for c in cols))
with db:
    db.executemany("INSERT INTO executions (%s) VALUES (%s)" % (", ".join(cols), ", ".join("?" * len(cols))), rows)
PY
TOTAL=$(api GET '/executions?limit=1' | jget 'd["total"]')
[ "$TOTAL" = 10004 ] || fail "the store holds $TOTAL executions, not 10004"
n=$(api GET '/executions?offset=9990&limit=50' | jget 'len(d["executions"])')
[ "$n" = 14 ] || fail "the last page holds $n executions, not 14"

check "in chromium: login, list, an execution, a callback answered, a stop, a start, the XSS case"
BASE=$BASE TOKEN=$TOKEN X=$X Y=$Y Z=$Z TOTAL=$TOTAL XSS=$XSS CHROMIUM=$CHROMIUM SHOTS=${SHOTS:-} \
    node "$here/drive.mjs" || fail "drive.mjs (above)"

check "the store agrees with what the page showed"
st=$(api GET "/executions/$X" | jget 'd["status"] + " " + d["result"]["decision"]["note"]')
[ "$st" = "SUCCEEDED $XSS" ] || fail "execution X: $st"
st=$(api GET "/executions/$Y" | jget 'd["status"] + " " + d["error"]["type"]')
[ "$st" = "FAILED Rejected" ] || fail "execution Y: $st"
st=$(api GET "/executions/$Z" | jget 'd["status"] + " " + d["error"]["type"]')
[ "$st" = "STOPPED Ops.Drain" ] || fail "execution Z: $st"
check "serve stops cleanly on SIGTERM (under ASan: no leak, no error)"
kill -TERM "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
SERVE_PID=""
[ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
if grep -E 'Sanitizer|runtime error' "$WORK/serve.err"; then fail "the sanitizers reported the above"; fi
echo "console: all checks passed"
