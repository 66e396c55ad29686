# The bad-HTTP-request corpus: each tests/badinput/http/*.case is sent raw on
# a socket to `order serve` (on a free loopback port, one serve without a
# token and one with --token-file) and its status, x-amzn-errortype and
# JSON Message are checked. Afterwards both serves still answer, and neither
# store holds an execution (no bad request started one).
#
# A case file:
#   # one line saying what it tries
#   token: none|good|wrong|absent  (none: the serve without a token; else the
#                                  serve with one, sent right, wrong, or not)
#   status: N
#   errortype: NAME | -            (-: no x-amzn-errortype header)
#   message: TEXT | -              (-: the body is not a cairn error; not read)
#   --- request
#   METHOD PATH HTTP/1.1           (then header lines, a blank line, the body)
# Host, Connection: close, Content-Length (unless Transfer-Encoding is given:
# then the body is sent in 64 KiB chunks) and Authorization are added. A body
# `@N*C@` is N copies of the character C; @NUL@ in a body is a NUL byte. UPDATE=1 rewrites status,
# errortype and message from the answers. The work folder in a message
# (the store's path) reads @WORK@.
. "$(dirname "$0")/http_lib.sh"

printf 's3cret-token-%s\n' "$RANDOM" >"$WORK/token"
start_serve open
OPEN_PID=$SERVE_PID OPEN_PORT=$PORT
start_serve locked --token-file "$WORK/token"
LOCKED_PID=$SERVE_PID LOCKED_PORT=$PORT

python3 - "$HERE/http" "$OPEN_PORT" "$LOCKED_PORT" "$WORK" <<'PY' || fail "some cases failed"
import glob, json, os, re, socket, sys

cases, open_port, locked_port, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
token = open(os.path.join(work, "token")).read().strip()
update = os.environ.get("UPDATE") == "1"

def parse(path):
    text = open(path, encoding="utf-8").read()
    head, sep, req = text.partition("--- request\n")
    if not sep:
        raise ValueError("no --- request line")
    fields = dict(re.findall(r"^(\w+): (.*)$", head, re.M))
    for k in ("token", "status", "errortype", "message"):
        if k not in fields:
            raise ValueError("no " + k)
    top, _, body = req.partition("\n\n")
    if body.endswith("\n"):
        body = body[:-1]
    m = re.fullmatch(r"@(\d+)\*(.)@", body)
    body = (m.group(2) * int(m.group(1))).encode() if m else body.replace("@NUL@", "\0").encode()
    return text, fields, top.split("\n"), body

def build(lines, body, tok):
    hdrs = [l for l in lines[1:] if l]
    chunked = any(h.lower().startswith("transfer-encoding:") for h in hdrs)
    hdrs += ["Host: 127.0.0.1", "Connection: close"]
    if tok == "good":
        hdrs.append("Authorization: Bearer " + token)
    elif tok == "wrong":
        hdrs.append("Authorization: Bearer " + token + "x")
    if chunked:
        out = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                       for i in range(0, len(body), 65536)) + b"0\r\n\r\n"
    else:
        hdrs.append("Content-Length: %d" % len(body))
        out = body
    return ("\r\n".join([lines[0]] + hdrs) + "\r\n\r\n").encode() + out

def send(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # serve answered early (413) and closed: read what it sent
    got = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        got += b
    s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1] if lines[0].startswith("HTTP/") else "none"
    etype = "-"
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "x-amzn-errortype":
            etype = v.strip()
    return status, etype, body

n = failed = 0
for path in sorted(glob.glob(os.path.join(cases, "*.case"))):
    n += 1
    name = os.path.basename(path)[:-5]
    try:
        text, f, lines, body = parse(path)
    except (ValueError, OSError) as e:
        print("FAIL %s: malformed case: %s" % (name, e)); failed += 1; continue
    port = open_port if f["token"] == "none" else locked_port
    status, etype, rbody = send(port, build(lines, body, f["token"]))
    message = "-"
    if f["message"] != "-" or update:
        try:
            doc = json.loads(rbody)
            message = doc["Message"].replace(work, "@WORK@")
            if doc.get("Type") != ("Service" if status.startswith("5") else "User"):
                message = "wrong Type: " + str(doc.get("Type"))
        except (ValueError, KeyError, TypeError):
            message = "not a cairn error: " + rbody[:200].decode("latin-1")
        if f["message"] == "-" and update and etype == "-":
            message = "-"
    got = {"status": status, "errortype": etype, "message": message}
    if update:
        for k, v in got.items():
            text = re.sub(r"^%s: .*$" % k, ("%s: %s" % (k, v)).replace("\\", "\\\\"), text, count=1, flags=re.M)
        open(path, "w", encoding="utf-8").write(text)
        f.update(got)
    bad = ["%s %r, expected %r" % (k, got[k], f[k]) for k in got if got[k] != f[k]]
    if bad:
        print("FAIL %s: %s" % (name, "; ".join(bad))); failed += 1
    else:
        print("ok   %s" % name)
print("%d cases, %d failed" % (n, failed))
sys.exit(1 if failed or n == 0 else 0)
PY

for name in open locked; do
    out=$("$HOST" list --json --db "$WORK/$name.db") || fail "list on $name.db failed"
    [ "$out" = "[]" ] || fail "a bad request started an execution in $name.db: $out"
done
kill -0 "$LOCKED_PID" 2>/dev/null || fail "serve with a token died"
SERVE_PID=$OPEN_PID PORT=$OPEN_PORT
alive
echo "both serves still up, both stores empty"

for pid in "$OPEN_PID" "$LOCKED_PID"; do
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" = 0 ] || fail "serve exited $rc on SIGTERM"
done
echo "both serves stopped cleanly"
