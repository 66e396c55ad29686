# Where serve listens: without --listen, on the loopback address only
# (127.0.0.1:8080), never on every interface; with --listen 0.0.0.0:0, on
# every interface, because it was told so. Read from the kernel's own table
# of listening sockets (/proc/net/tcp), not from serve's words alone. A busy
# port is refused in serve's own words, one line.
#
# Port 8080 must be free for this, whatever else runs on the machine (other
# tests in parallel, a developer's server): the script runs in a network
# namespace of its own (common.sh's own_netns).
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
own_netns "$0" "$@"
. "$(dirname "$0")/lib.sh"

# listening HEXADDR PORT: a LISTEN socket on HEXADDR:PORT in /proc/net/tcp
# (addresses as the kernel prints them: 0100007F is 127.0.0.1, 00000000 any).
listening() {
    local want
    want=$(printf '%s:%04X' "$1" "$2")
    awk -v want="$want" 'NR > 1 && $2 == want && $4 == "0A" {found = 1} END {exit !found}' /proc/net/tcp
}

# serve_at OPTIONS...: runs serve with OPTIONS, waits for its listening line, sets $PORT.
serve_at() {
    rm -f "$WORK/serve.out"
    "$HOST" serve --db "$DB" "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
    SERVE_PID=$!
    PIDS="$PIDS $SERVE_PID"
    for _ in $(seq 1 100); do
        grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break
        kill -0 "$SERVE_PID" 2>/dev/null || fail "serve exited at start: $(cat "$WORK/serve.err")"
        sleep 0.05
    done
    PORT=$(sed -n 's|^serve: listening on http://[^ ]*:\([0-9]*\) .*|\1|p' "$WORK/serve.out")
    [ -n "$PORT" ] || fail "no listening line: $(cat "$WORK/serve.out")"
}

check "no --listen: 127.0.0.1:8080, and nothing on every interface"
serve_at
grep -q "^serve: listening on http://127.0.0.1:8080 " "$WORK/serve.out" ||
    fail "serve says: $(cat "$WORK/serve.out")"
listening 0100007F 8080 || fail "no socket listening on 127.0.0.1:8080"
listening 00000000 8080 && fail "a socket listens on 0.0.0.0:8080"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8080/executions/nope" >"$WORK/code" ||
    fail "curl could not reach 127.0.0.1:8080"
[ "$(cat "$WORK/code")" = 404 ] || fail "GET /executions/nope answered $(cat "$WORK/code"), not 404"
stop_serve

check "--listen 0.0.0.0:0: every interface, as told"
serve_at --listen 0.0.0.0:0
listening 00000000 "$PORT" || fail "no socket listening on 0.0.0.0:$PORT"
stop_serve

check "a busy port: one line, serve's own, and exit 1"
serve_at --listen 127.0.0.1:0
BUSY=$PORT
rc=0
timeout 10 "$HOST" serve --db "$WORK/busy.db" --listen "127.0.0.1:$BUSY" >"$WORK/busy.out" 2>"$WORK/busy.err" || rc=$?
[ "$rc" = 1 ] || fail "a second serve on port $BUSY: exit $rc, expected 1"
[ "$(cat "$WORK/busy.err")" = "serve: cannot listen on 127.0.0.1:$BUSY: Address already in use" ] ||
    fail "stderr is not serve's one line: $(cat "$WORK/busy.err")"
[ ! -s "$WORK/busy.out" ] || fail "stdout not empty: $(cat "$WORK/busy.out")"
stop_serve

echo "serve binds loopback unless told otherwise"
