# Slow clients against `order serve` with CAIRN_SERVE_CONN_TIMEOUT_S=2 (a
# body may take 3 idle timeouts, 6 s): a client that sends its headers and
# then dribbles the body one byte a second is cut off (serve closes the
# connection) long before the body is complete, and without an answer; a
# client that sends half its headers and then nothing is closed too; and all
# the while serve answers other clients.
. "$(dirname "$0")/http_lib.sh"

CAIRN_SERVE_CONN_TIMEOUT_S=2 start_serve slow

python3 - "$PORT" <<'PY' || fail "slow clients"
import socket, sys, time, urllib.error, urllib.request

port = int(sys.argv[1])
BODY = 60  # bytes announced; sent one a second, it would take a minute

def other_client():
    """Another client meanwhile: GET of an unknown execution answers 404."""
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/executions/none" % port, timeout=5)
    except urllib.error.HTTPError as e:
        return e.code
    return 200

def closed(s):
    """True when serve has closed s (EOF or reset); False if it is still open."""
    s.settimeout(0)
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True

# 1. Headers, then one byte a second.
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /executions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % BODY)
sent, cut, answers = 0, False, []
while sent < BODY:
    try:
        s.sendall(b" ")
        sent += 1
    except (BrokenPipeError, ConnectionResetError):
        cut = True
        break
    time.sleep(1)
    answers.append(other_client())
    if closed(s):
        cut = True
        break
s.close()
print("dribbling client: %d of %d body bytes sent, then %s" % (sent, BODY, "cut off" if cut else "not cut"))
if not cut or sent >= BODY:
    sys.exit("the slow body was not cut off")
if any(a != 404 for a in answers):
    sys.exit("serve did not answer others meanwhile: %r" % answers)
print("other clients meanwhile: %d answers, all 404" % len(answers))

# 2. Half the headers, then silence: closed by the idle timeout.
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(b"GET /executions/none HTTP/1.1\r\nHost: 127.0.0.1\r\n")
try:
    got = s.recv(4096)
except ConnectionResetError:
    got = b""
s.close()
if got != b"":
    sys.exit("a half-sent request got an answer: %r" % got[:80])
print("half-sent headers: closed without an answer")
if other_client() != 404:
    sys.exit("serve stopped answering")
PY

kill -0 "$SERVE_PID" 2>/dev/null || fail "serve died"
alive
kill -TERM "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
[ "$rc" = 0 ] || fail "serve exited $rc on SIGTERM"
out=$("$HOST" list --json --db "$WORK/slow.db")
[ "$out" = "[]" ] || fail "a cut-off request started an execution: $out"
echo "serve still up, then stopped cleanly; no execution started"
