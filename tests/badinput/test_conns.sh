# The connection limit of `order serve`, set to 4 by CAIRN_SERVE_MAX_CONNS.
# What serve does past the limit: it stops accepting, so a further
# connection waits in the kernel's accept queue (it is neither refused nor
# reset) and is answered as soon as a held connection goes away — closed by
# its client, or timed out by serve (CAIRN_SERVE_CONN_TIMEOUT_S). Serve never
# crashes, and stops cleanly on SIGTERM afterwards.
. "$(dirname "$0")/http_lib.sh"

# conns PORT MODE: the client side; MODE close (clients close their idle
# connections) or timeout (they keep them; serve must time them out).
conns() {
    python3 - "$1" "$2" <<'PY'
import socket, sys

port, mode = int(sys.argv[1]), sys.argv[2]
REQ = b"GET /executions/none HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

def answer(s, timeout):
    """The status line serve sends on s within timeout s; None if nothing came."""
    s.settimeout(timeout)
    try:
        got = s.recv(4096)
    except socket.timeout:
        return None
    return got.split(b"\r\n")[0].decode()

idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
extra = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(6)]
print("%d connections opened (4 idle at the limit, 6 more)" % (len(idle) + len(extra)))
probe = extra[-1]
probe.sendall(REQ)
if mode == "close":
    # The limit is reached: the request waits (serve's timeout here is 60 s).
    got = answer(probe, 1.0)
    if got is not None:
        sys.exit("answered past the limit of 4 while 4 idle were held: %r" % got)
    print("past the limit: no answer while the 4 idle connections are held (queued, not refused)")
    for s in idle + extra[:-1]:
        s.close()
    got = answer(probe, 10.0)
else:
    # Nobody closes anything: serve times out the idle ones (2 s each round).
    got = answer(probe, 30.0)
    for s in idle + extra[:-1]:
        s.settimeout(30.0)
        if s.recv(4096) != b"":
            sys.exit("an idle connection got data instead of being closed")
    print("serve closed every idle connection itself")
if got != "HTTP/1.1 404 Not Found":
    sys.exit("the queued request got %r, expected HTTP/1.1 404 Not Found" % got)
print("the queued request was answered: %s" % got)
PY
}

stop() {
    kill -TERM "$SERVE_PID"
    local rc=0
    wait "$SERVE_PID" || rc=$?
    [ "$rc" = 0 ] || fail "serve exited $rc on SIGTERM"
}

echo "== idle connections closed by their clients"
CAIRN_SERVE_MAX_CONNS=4 CAIRN_SERVE_CONN_TIMEOUT_S=60 start_serve held
conns "$PORT" close || fail "connection limit, clients closing"
alive
stop

echo "== idle connections kept open, timed out by serve"
CAIRN_SERVE_MAX_CONNS=4 CAIRN_SERVE_CONN_TIMEOUT_S=2 start_serve timed
conns "$PORT" timeout || fail "connection limit, serve timing out"
alive
stop
echo "serve answered after each flood and stopped cleanly"
