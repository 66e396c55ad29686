# lib.sh — shared by the serve scripts (sourced, not a test itself).
#
# Each script gets its own temporary folder and database ($WORK, $DB), and
# the serve host built by tests/serve/CMakeLists.txt ($HOST). start_serve
# runs `HOST serve` on a free loopback port (--listen 127.0.0.1:0, port read
# back from its first line) and sets $BASE; every server started is stopped
# on exit. `req` sends one request with curl and leaves the status in $CODE,
# the headers in $WORK/h and the body in $WORK/b (and $BODY).
set -u
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

: "${CAIRN_BINARY_DIR:?CAIRN_BINARY_DIR must name the build tree}"
HOST=$CAIRN_BINARY_DIR/tests/serve/serve_host
[ -x "$HOST" ] || { echo "FAIL: $HOST is not built" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-serve.XXXXXX")
DB=$WORK/cairn.db
PIDS=""
cleanup() {
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# What `fail` (common.sh) shows after its message: serve's stderr.
on_fail() {
    if [ -f "$WORK/serve.err" ]; then
        echo "--- serve stderr:"
        cat "$WORK/serve.err"
    fi
}

# start_serve [OPTIONS...]: runs serve in the background on a free port.
start_serve() {
    rm -f "$WORK/serve.out" # now: the child's own truncation may come after our first look
    "$HOST" serve --listen 127.0.0.1:0 --db "$DB" "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    local i
    for i in $(seq 1 100); do
        if grep -q "listening on" "$WORK/serve.out" 2>/dev/null; then
            BASE=$(sed -n 's|^serve: listening on \(http://[^ ]*\) .*|\1|p' "$WORK/serve.out")
            return 0
        fi
        kill -0 "$SERVE_PID" 2>/dev/null || fail "serve exited at start: $(cat "$WORK/serve.err")"
        sleep 0.05
    done
    fail "serve did not print its listening line"
}

# stop_serve: SIGTERM, and the exit status must be 0.
stop_serve() {
    kill -TERM "$SERVE_PID"
    local rc=0
    wait "$SERVE_PID" || rc=$?
    [ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
}

# req METHOD PATH [curl options...]
req() {
    local method=$1 path=$2
    shift 2
    CODE=$(curl -sS -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' -X "$method" "$@" "$BASE$path") ||
        fail "curl $method $path failed"
    BODY=$(cat "$WORK/b")
}

expect_code() {
    [ "$CODE" = "$1" ] || fail "status $CODE, expected $1 (body: $BODY)"
}

# expect_aws_error STATUS NAME: the error as AWS sends it.
expect_aws_error() {
    expect_code "$1"
    grep -qi "^x-amzn-errortype: $2"$'\r'"\?$" "$WORK/h" ||
        fail "no x-amzn-errortype: $2 in: $(cat "$WORK/h")"
    json_check "$WORK/b" 'd["Type"] == "User" and isinstance(d["Message"], str) and d["Message"]'
}

# json_check FILE PYTHON-EXPR: true over the JSON document `d` in FILE.
json_check() {
    python3 - "$1" "$2" <<'PY' || fail "JSON check failed: $2 (document: $(cat "$1"))"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# json_get FILE PYTHON-EXPR: prints the expression's value.
json_get() {
    python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
print(eval(sys.argv[2]))
PY
}

# wait_status ID STATUS: polls GET /executions/ID until it has STATUS (at most 10 s).
wait_status() {
    local i
    for i in $(seq 1 200); do
        req GET "/executions/$1"
        [ "$CODE" = 200 ] && [ "$(json_get "$WORK/b" 'd["status"]')" = "$2" ] && return 0
        sleep 0.05
    done
    fail "execution $1 did not reach $2 (last: $BODY)"
}
