#!/usr/bin/env python3
"""lambda_standin.py — a stand-in for the AWS Lambda durable execution API,
for cairn's `--aws` commands (tests/aws/test_commands.sh, docs/lambda.md).

    lambda_standin.py --state STATE.json (--port-file F | --port N) [--log LOG]
                      [--key AKID:SECRET]...
    lambda_standin.py --check-vectors sigv4_vectors.json

Serves, as Lambda does (shared/reference/lambda-wire.md):
  POST /2025-12-01/durable-execution-callbacks/{CallbackId}/succeed|fail|heartbeat
  GET  /2025-12-01/durable-executions/{Arn}[?IncludeExecutionData=true]
  GET  /2025-12-01/durable-executions/{Arn}/history?MaxItems=&Marker=  (pages)
  POST /2025-12-01/durable-executions/{Arn}/stop
with the executions and callbacks of STATE.json:
  {"executions": {ARN: {GetDurableExecution's members, "Events": [...]}},
   "callbacks": {ID: "STARTED" | "SUCCEEDED" | ...}, "page_size": N}

Every request must carry a valid AWS Signature Version 4 for service lambda
(checked here with hmac/hashlib, independently of cairn's C signer; the test
first proves this checker against @smithy/signature-v4's vectors with
--check-vectors). A bad one is refused as AWS refuses it: 403 with
x-amzn-ErrorType InvalidSignatureException / UnrecognizedClientException /
MissingAuthenticationTokenException and {"message": ...}. Lambda's own
errors carry x-amzn-ErrorType and {"Type": "User", "Message": ...}; the
callback id "throttle" is refused with 429 and only a body
{"__type": "TooManyRequestsException", ...}, as some AWS errors come.

Each request is appended to LOG as one JSON line: method, raw path, raw
query, body, the signed headers and the answer's status. Listens on
127.0.0.1, on a free port written to F once it listens (or on port N)."""
import argparse
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def uri_encode(s):
    data = s.encode("utf-8") if isinstance(s, str) else s
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in data)


def canonical_uri(raw_path):
    """The canonical URI of a path as sent: segments normalised, each encoded once more."""
    segs = []
    for seg in raw_path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segs:
                segs.pop()
            continue
        segs.append(seg)
    out = ("/" if raw_path.startswith("/") else "") + "/".join(uri_encode(s) for s in segs)
    if segs and raw_path.endswith("/"):
        out += "/"
    return out


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        k, _, v = part.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote(k)), uri_encode(urllib.parse.unquote(v))))
    pairs.sort()
    return "&".join("%s=%s" % kv for kv in pairs)


def fold(v):
    return re.sub(r"[ \t]+", " ", v.replace("\r", " ").replace("\n", " ")).strip()


def hm(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret, date, region, service, string_to_sign):
    k = hm(("AWS4" + secret).encode("utf-8"), date[:8])
    for part in (region, service, "aws4_request"):
        k = hm(k, part)
    return hmac.new(k, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/([^/,]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def verify(method, raw_path, raw_query, headers, body, keys, now=None):
    """(None, canonical) when the request is signed right, else ((type, message), canonical).
    headers: lower-case name -> value; keys: access key id -> secret."""
    auth = headers.get("authorization")
    if not auth:
        return ("MissingAuthenticationTokenException", "Missing Authentication Token"), ""
    m = AUTH_RE.match(auth)
    if not m:
        return ("IncompleteSignatureException", "Authorization header is malformed: " + auth), ""
    akid, day, region, service, signed, sig = m.groups()
    if akid not in keys:
        return ("UnrecognizedClientException",
                "The security token included in the request is invalid."), ""
    date = headers.get("x-amz-date", "")
    if not re.match(r"^\d{8}T\d{6}Z$", date) or date[:8] != day:
        return ("IncompleteSignatureException", "x-amz-date is missing or not the scope's day"), ""
    if now is not None:
        at = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        if abs(at.timestamp() - now) > 15 * 60:
            return ("InvalidSignatureException", "Signature expired: %s is now earlier or later "
                    "than 15 minutes from the server's time" % date), ""
    if service != "lambda":
        return ("InvalidSignatureException", "Credential should be scoped to correct service: "
                "'lambda'."), ""
    names = signed.split(";")
    for need in ("host", "x-amz-date"):
        if need not in names:
            return ("InvalidSignatureException", "'%s' must be a signed header" % need), ""
    if "x-amz-security-token" in headers and "x-amz-security-token" not in names:
        return ("InvalidSignatureException", "the security token is not signed"), ""
    if names != sorted(names) or any(n not in headers for n in names):
        return ("InvalidSignatureException", "SignedHeaders names headers not sent, or unsorted"), ""
    payload = hashlib.sha256(body).hexdigest()
    if headers.get("x-amz-content-sha256", payload) != payload:
        return ("InvalidSignatureException", "x-amz-content-sha256 is not the body's"), ""
    canon = "\n".join([method, canonical_uri(raw_path), canonical_query(raw_query)] +
                      ["%s:%s" % (n, fold(headers[n])) for n in names] +
                      ["", signed, payload])
    sts = "\n".join(["AWS4-HMAC-SHA256", date, "%s/%s/%s/aws4_request" % (day, region, service),
                     hashlib.sha256(canon.encode("utf-8")).hexdigest()])
    if signature(keys[akid], date, region, service, sts) != sig:
        return ("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details."), canon
    return None, canon


def check_vectors(path):
    """Proves verify() against @smithy/signature-v4's signatures: each vector verifies,
    and fails once its signature is changed by one digit."""
    vec = json.load(open(path))
    keys = {vec["access_key_id"]: vec["secret_access_key"]}
    n = 0
    for c in vec["cases"]:
        r = c["request"]
        query = "&".join("%s=%s" % (uri_encode(k), uri_encode(v)) for k, v in r["query"])
        headers = dict(r["headers"])
        headers.update(c["sent"])
        headers["authorization"] = c["authorization"]
        bad, canon = verify(r["method"], r["path"], query, headers, r["body"].encode("utf-8"), keys)
        if bad or canon != c["canonical_request"]:
            print("FAIL: %s: %s\n--- here\n%s\n--- smithy\n%s" % (c["name"], bad, canon,
                                                                 c["canonical_request"]))
            return 1
        last = c["authorization"][-1]
        headers["authorization"] = c["authorization"][:-1] + ("0" if last != "0" else "1")
        if verify(r["method"], r["path"], query, headers, r["body"].encode("utf-8"), keys)[0] is None:
            print("FAIL: %s: a changed signature verifies" % c["name"])
            return 1
        n += 1
    print("ok: the stand-in's checker verifies all %d smithy vectors" % n)
    return 0


lock = threading.Lock()
STATE = {}
KEYS = {}
LOG = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.status = status

    def lambda_error(self, status, etype, message):
        self.answer(status, {"Type": "User", "Message": message}, {"x-amzn-ErrorType": etype})

    def handle_any(self, method):
        self.status = 0
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        bad, _ = verify(method, raw_path, raw_query, headers, body, KEYS, now=time.time())
        try:
            if bad:
                self.answer(403, {"message": bad[1]}, {"x-amzn-ErrorType": bad[0]})
            else:
                with lock:
                    self.route(method, raw_path, raw_query, body)
        finally:
            if LOG:
                signed = {}
                m = AUTH_RE.match(headers.get("authorization", ""))
                for n in (m.group(5).split(";") if m else []):
                    signed[n] = headers.get(n)
                with open(LOG, "a") as f:
                    f.write(json.dumps({"method": method, "path": raw_path, "query": raw_query,
                                        "body": body.decode("utf-8", "replace"),
                                        "signed": signed, "status": self.status}) + "\n")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def route(self, method, raw_path, raw_query, body):
        q = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        m = re.match(r"^/2025-12-01/durable-execution-callbacks/([^/]+)/(succeed|fail|heartbeat)$",
                     raw_path)
        if m and method == "POST":
            return self.callback(urllib.parse.unquote(m.group(1)), m.group(2), body)
        m = re.match(r"^/2025-12-01/durable-executions/([^/]+)(/history|/stop)?$", raw_path)
        if m:
            arn = urllib.parse.unquote(m.group(1))
            x = STATE["executions"].get(arn)
            if x is None:
                return self.lambda_error(404, "ResourceNotFoundException",
                                         "Durable execution not found: " + arn)
            what = m.group(2) or ""
            if what == "" and method == "GET":
                out = {k: v for k, v in x.items() if k != "Events"}
                if q.get("IncludeExecutionData") != "true":
                    out.pop("InputPayload", None)
                    out.pop("Result", None)
                return self.answer(200, out)
            if what == "/history" and method == "GET":
                return self.history(x, q)
            if what == "/stop" and method == "POST":
                return self.stop(x, body)
        self.lambda_error(404, "UnknownOperationException", "Unknown operation %s %s" %
                          (method, raw_path))

    def callback(self, cid, verb, body):
        if cid == "throttle":
            return self.answer(429, {"__type": "TooManyRequestsException", "message": "Rate exceeded"},
                               {"Retry-After": "1"})
        st = STATE["callbacks"].get(cid)
        if st is None:
            return self.lambda_error(404, "ResourceNotFoundException", "Callback not found: " + cid)
        if st != "STARTED":
            return self.lambda_error(400, "CallbackTimeoutException",
                                     "Callback %s is closed (%s)" % (cid, st))
        if verb == "fail":
            try:
                err = json.loads(body or b"{}")
                assert isinstance(err, dict)
            except (ValueError, AssertionError):
                return self.lambda_error(400, "InvalidParameterValueException",
                                         "the failure is not an ErrorObject")
            STATE["callbacks"][cid] = "FAILED"
        elif verb == "succeed":
            STATE["callbacks"][cid] = "SUCCEEDED"
        self.answer(200)

    def history(self, x, q):
        events = x.get("Events", [])
        size = int(STATE.get("page_size", 1000))
        try:
            size = min(size, int(q.get("MaxItems", "1000")))
        except ValueError:
            return self.lambda_error(400, "InvalidParameterValueException", "MaxItems")
        start = 0
        marker = q.get("Marker")
        if marker is not None:
            m = re.match(r"^m\+(\d+)/==$", marker)
            if not m:
                return self.lambda_error(400, "InvalidParameterValueException",
                                         "bad Marker: %r" % marker)
            start = int(m.group(1))
        page = events[start:start + size]
        out = {"Events": page}
        if start + size < len(events):
            out["NextMarker"] = "m+%d/==" % (start + size)  # opaque, with + / =
        self.answer(200, out)

    def stop(self, x, body):
        if x.get("Status") != "RUNNING":
            return self.lambda_error(400, "InvalidParameterValueException",
                                     "Durable execution %s is not running (%s)" %
                                     (x["DurableExecutionArn"], x.get("Status")))
        try:
            err = json.loads(body or b"{}")
        except ValueError:
            return self.lambda_error(400, "InvalidParameterValueException", "not JSON")
        now = round(time.time(), 3)
        x["Status"] = "STOPPED"
        x["EndTimestamp"] = now
        if err:
            x["Error"] = err
        self.answer(200, {"StopTimestamp": now})

    def log_message(self, *args):
        pass


def main():
    global LOG
    p = argparse.ArgumentParser()
    p.add_argument("--state")
    p.add_argument("--port-file")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log")
    p.add_argument("--key", action="append", default=[])
    p.add_argument("--check-vectors")
    a = p.parse_args()
    if a.check_vectors:
        sys.exit(check_vectors(a.check_vectors))
    STATE.update(json.load(open(a.state)))
    STATE.setdefault("executions", {})
    STATE.setdefault("callbacks", {})
    for k in a.key or ["AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]:
        akid, _, secret = k.partition(":")
        KEYS[akid] = secret
    LOG = a.log
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
