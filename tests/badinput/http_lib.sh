# http_lib.sh — shared by the HTTP scripts of tests/badinput (sourced, not a
# test itself): a work folder, the order example host, and start_serve which
# runs `order serve` on a free loopback port (port read back from its first
# line; every server started is killed on exit).
set -u
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

: "${CAIRN_BINARY_DIR:?CAIRN_BINARY_DIR must name the build tree}"
: "${CAIRN_SOURCE_DIR:?CAIRN_SOURCE_DIR must name the source tree}"
HOST=$CAIRN_BINARY_DIR/examples/order/order
[ -x "$HOST" ] || { echo "FAIL: $HOST is not built" >&2; exit 1; }
HERE=$CAIRN_SOURCE_DIR/tests/badinput
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-badhttp.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# What `fail` (common.sh) shows after its message: every server's stderr.
on_fail() {
    for f in "$WORK"/*.err; do [ -s "$f" ] && { echo "--- $f:"; cat "$f"; }; done
}

# start_serve NAME [OPTIONS...]: serve on $WORK/NAME.db in the background;
# sets SERVE_PID and PORT.
start_serve() {
    local name=$1 i
    shift
    "$HOST" serve --listen 127.0.0.1:0 --db "$WORK/$name.db" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    for i in $(seq 1 100); do
        PORT=$(sed -n 's|^serve: listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$WORK/$name.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$SERVE_PID" 2>/dev/null || fail "serve exited at start"
        sleep 0.05
    done
    fail "serve did not print its listening line"
}

# alive: serve $SERVE_PID is running and answers a request on $PORT.
alive() {
    kill -0 "$SERVE_PID" 2>/dev/null || fail "serve died"
    local code
    code=$(curl -sS -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$PORT/executions/none") ||
        fail "serve does not answer"
    [ "$code" = 404 ] || fail "serve answered $code to GET /executions/none, expected 404"
}
