#!/usr/bin/env python3
"""durable_standin.py — a stand-in for AWS Lambda running a durable function,
for `HOST lambda` (tests/aws/test_lambda_runtime.sh, test_lambda_limits.sh).

    durable_standin.py --port-file F [--key AKID:SECRET] [--page-size N] [--log LOG]
                       [--function NAME]...

One process plays both sides of Lambda (shared/reference/lambda-wire.md):
  - the Runtime API (/2018-06-01/runtime/...): GET invocation/next hands out
    invocation events {DurableExecutionArn, CheckpointToken,
    InitialExecutionState {Operations (page-size of them, times as epoch ms),
    NextMarker}}; POST .../response and .../error and /runtime/init/error are
    recorded; an /error invocation is invoked again (at most 5 times);
  - the durable execution API (SigV4-checked with lambda_standin.verify):
    POST .../durable-executions/{Arn}/checkpoint applies OperationUpdates as
    Lambda would (a CheckpointToken that is not the last one handed out is
    refused, 400 "Invalid Checkpoint Token"; SUCCEED/FAIL/RETRY need a
    STARTED operation; the service completes WAIT and CALLBACK; at most 250
    updates and 750 KiB; a ClientToken sent again gets the first answer),
    mints callback ids, answers {CheckpointToken, NewExecutionState}; GET
    .../state pages the operations (MaxItems, Marker);
    POST /2025-12-01/durable-execution-callbacks/{Id}/succeed|fail;
  - several functions: each --function NAME has a Runtime API of its own (a
    listener whose port is written to F.NAME) that hands out the invocations
    of NAME's executions only; F's Runtime API hands out those of the
    executions /_test/start starts (function "cairn"). A CHAINED_INVOKE
    START {ChainedInvokeOptions.FunctionName, Payload} starts an execution
    of that function with the Payload as input (a function not served: the
    operation FAILS ResourceNotFoundException); when it ends, the service
    completes the operation (SUCCEEDED with ChainedInvokeDetails.Result, or
    FAILED with its Error) and invokes the caller again;
  - the rest for the test, unsigned under /_test/: POST /_test/start
    {"input", "function"?} -> {"arn"}; GET /_test/execution?arn= (status, result, error,
    operations, the invocations' answers); POST /_test/fault
    {"status", "type", "message", "count", "retry_after"} makes the next
    checkpoints fail so (with a Retry-After header when retry_after is set),
    and {"drop": true, "count"} makes the next checkpoints be applied and then
    answered with nothing (the connection closed: a response lost);
    POST /_test/deadline {"ms", "count"}: the next invocations' deadlines are
    ms from their start (else 900 s);
    POST /_test/inbox records what a submitter sends.

The log (--log) has a line per checkpoint request as it arrives: {"path",
"arrived" (epoch s), "client" (its ClientToken), "token", "updates",
"bytes", "in_flight" (checkpoint requests being handled then, itself
included)}, then one per answer ("status", and "replayed" when a ClientToken
sent again got the first answer, "dropped" when none was given).

The service side skips time: a WAIT completes and a retried STEP becomes READY
as soon as the invocation that asked for them has returned PENDING.
Timestamps in API answers are epoch seconds (floats). Listens on 127.0.0.1, on
a free port written to F once it listens."""
import argparse
import base64
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_standin import verify  # noqa: E402  (the independent SigV4 checker)

KEYS = {}
LOG = None
PAGE = 1000
cond = threading.Condition()
executions = {}   # arn -> execution
queue = []        # invocations to hand out: [arn, tries]
inflight = {}     # request id -> arn
faults = []       # checkpoint answers to give instead: {"status","type","message"[,"retry_after"]}
                  # or {"drop": true}
flight = threading.Lock()
in_flight = [0]   # checkpoint requests being handled
callbacks = {}    # callback id -> (arn, op id)
inbox = []
deadlines = []    # ms left at the next invocations' starts (else 900 s)
FUNCTIONS = set()  # the functions served besides the default one (--function)
DEFAULT_FN = "cairn"
invoked = {}      # child arn -> (caller arn, CHAINED_INVOKE op id)
ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ACTIONS = {"START", "SUCCEED", "FAIL", "RETRY", "CANCEL"}
TYPES = {"STEP", "WAIT", "CALLBACK", "CONTEXT", "CHAINED_INVOKE", "EXECUTION"}


def log(entry):
    if LOG:
        with open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Refused(Exception):
    def __init__(self, status, etype, message, headers=None):
        super().__init__(message)
        self.status, self.etype, self.message = status, etype, message
        self.headers = headers or {}


def new_token(x):
    x["token_n"] += 1
    x["token"] = "tok-%d-%s" % (x["token_n"], secrets.token_hex(4))
    return x["token"]


def start(inp, fn=DEFAULT_FN):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:%s:$LATEST/durable-execution/%s/%s" % (
        fn, "run", secrets.token_hex(8))
    now = time.time()
    exec_op = {"Id": secrets.token_hex(8), "Type": "EXECUTION", "Status": "STARTED",
               "StartTimestamp": now, "ExecutionDetails": {"InputPayload": inp}}
    x = {"arn": arn, "status": "RUNNING", "ops": [exec_op], "token_n": 0, "token": None,
         "answers": [], "result": None, "error": None, "clients": {}, "updates": [],
         "requests": 0, "function": fn, "invokes": []}
    new_token(x)
    executions[arn] = x
    queue.append([arn, 0])
    cond.notify_all()
    return arn


def op_by_id(x, oid):
    for o in x["ops"]:
        if o["Id"] == oid:
            return o
    return None


def ms(t):
    return int(t * 1000) if isinstance(t, float) else t


def event_op(o):
    """An operation as the invocation event carries it: times in epoch ms, as emulators send."""
    e = json.loads(json.dumps(o))
    for k in ("StartTimestamp", "EndTimestamp"):
        if k in e:
            e[k] = ms(e[k])
    return e


def apply(x, u, now, touched):
    for k in ("Id", "Type", "Action"):
        if not isinstance(u.get(k), str):
            raise Refused(400, "InvalidParameterValueException", "an update has no %s" % k)
    if not ID_RE.match(u["Id"]) or (u.get("ParentId") and not ID_RE.match(u["ParentId"])):
        raise Refused(400, "InvalidParameterValueException", "bad operation id %r" % u["Id"])
    if u["Type"] not in TYPES or u["Action"] not in ACTIONS:
        raise Refused(400, "InvalidParameterValueException", "bad Type or Action")
    if "Name" in u and (len(u["Name"]) > 256 or not all(32 <= ord(c) < 127 for c in u["Name"])):
        raise Refused(400, "InvalidParameterValueException", "bad Name")
    if u.get("ParentId") and not op_by_id(x, u["ParentId"]):
        raise Refused(400, "InvalidParameterValueException", "unknown ParentId %s" % u["ParentId"])
    o = op_by_id(x, u["Id"])
    t, a = u["Type"], u["Action"]
    if a == "START":
        if o and not (t == "STEP" and o["Status"] in ("READY", "PENDING") or
                      o["Status"] == "STARTED" and t == "STEP"):
            raise Refused(400, "InvalidParameterValueException",
                          "operation %s is %s: cannot START it" % (u["Id"], o["Status"]))
        if not o:
            o = {"Id": u["Id"], "Type": t, "StartTimestamp": now}
            for k in ("ParentId", "Name", "SubType"):
                if k in u:
                    o[k] = u[k]
            x["ops"].append(o)
        if o["Type"] != t:
            raise Refused(400, "InvalidParameterValueException", "Type changed")
        o["Status"] = "STARTED"
        if t == "STEP":
            o.setdefault("StepDetails", {"Attempt": 0})
            o["StepDetails"].pop("NextAttemptTimestamp", None)
        elif t == "WAIT":
            secs = u.get("WaitOptions", {}).get("WaitSeconds")
            if not isinstance(secs, (int, float)) or secs < 1:
                raise Refused(400, "InvalidParameterValueException", "WaitOptions.WaitSeconds")
            o["WaitDetails"] = {"ScheduledEndTimestamp": now + secs}
        elif t == "CALLBACK":
            co = u.get("CallbackOptions")
            if not isinstance(co, dict):
                raise Refused(400, "InvalidParameterValueException", "CallbackOptions")
            cid = base64.b64encode(secrets.token_bytes(30) + b"\xfb\xff").decode()  # has + / =
            callbacks[cid] = (x["arn"], o["Id"])
            o["CallbackDetails"] = {"CallbackId": cid}
            o["options"] = co
        elif t == "CONTEXT":
            o["ContextDetails"] = {}
        elif t == "CHAINED_INVOKE":
            fn = u.get("ChainedInvokeOptions", {}).get("FunctionName")
            if not isinstance(fn, str) or not fn:
                raise Refused(400, "InvalidParameterValueException",
                              "ChainedInvokeOptions.FunctionName")
            if "Payload" in u and not isinstance(u["Payload"], str):
                raise Refused(400, "InvalidParameterValueException", "Payload")
            o["ChainedInvokeDetails"] = {}
            o["options"] = {"FunctionName": fn, "Payload": u.get("Payload")}
    else:
        if not o:
            raise Refused(400, "InvalidParameterValueException",
                          "%s of operation %s, which was never started" % (a, u["Id"]))
        if t in ("WAIT", "CALLBACK", "CHAINED_INVOKE") and a != "CANCEL":
            raise Refused(400, "InvalidParameterValueException",
                          "the service completes a %s, not the function" % t)
        if o["Status"] != "STARTED" and a != "CANCEL":
            raise Refused(400, "InvalidParameterValueException",
                          "operation %s is %s, not STARTED: cannot %s" % (u["Id"], o["Status"], a))
        det = {"STEP": "StepDetails", "CONTEXT": "ContextDetails", "WAIT": "WaitDetails",
               "CALLBACK": "CallbackDetails"}[t]
        d = o.setdefault(det, {})
        if a == "SUCCEED":
            if "Error" in u:
                raise Refused(400, "InvalidParameterValueException", "SUCCEED with an Error")
            o["Status"] = "SUCCEEDED"
            if "Payload" in u:  # no Payload (a JS submitter's void): no Result
                d["Result"] = u["Payload"]
            o["EndTimestamp"] = now
        elif a == "FAIL":
            if "Payload" in u:
                raise Refused(400, "InvalidParameterValueException", "FAIL with a Payload")
            o["Status"] = "FAILED"
            d["Error"] = u.get("Error", {})
            o["EndTimestamp"] = now
        elif a == "RETRY":
            if t != "STEP":
                raise Refused(400, "InvalidParameterValueException", "RETRY of a %s" % t)
            delay = u.get("StepOptions", {}).get("NextAttemptDelaySeconds")
            if not isinstance(delay, (int, float)) or delay < 1:
                raise Refused(400, "InvalidParameterValueException", "NextAttemptDelaySeconds")
            o["Status"] = "PENDING"
            d["Attempt"] = d.get("Attempt", 0) + 1
            d["NextAttemptTimestamp"] = now + delay
            if "Payload" in u:
                d["Result"] = u["Payload"]
            if "Error" in u:
                d["Error"] = u["Error"]
        elif a == "CANCEL":
            o["Status"] = "CANCELLED"
            o["EndTimestamp"] = now
    touched[o["Id"]] = o


def public(o):
    return {k: v for k, v in o.items() if k not in ("options", "unseen")}


def checkpoint(x, req, body):
    """Applies checkpoint request req; (answer, how): how is "replayed" (a ClientToken sent
    again: the first answer), "dropped" (applied, to be answered with nothing) or None."""
    ct = req.get("ClientToken")
    if ct and ct in x["clients"]:
        return x["clients"][ct], "replayed"  # the same request sent again: the same answer
    drop = False
    if faults:
        f = faults.pop(0)
        drop = f.get("drop", False)
        if not drop:
            ra = f.get("retry_after")
            raise Refused(f["status"], f["type"], f["message"],
                          {"Retry-After": str(ra)} if ra is not None else None)
    if req.get("CheckpointToken") != x["token"]:
        raise Refused(400, "InvalidParameterValueException", "Invalid Checkpoint Token")
    ups = req.get("Updates")
    if not isinstance(ups, list) or len(ups) > 250 or len(body) > 750 * 1024:
        raise Refused(400, "InvalidParameterValueException", "at most 250 updates and 750 KiB")
    if x["status"] not in ("RUNNING",):
        raise Refused(400, "InvalidParameterValueException", "the execution is not running")
    snapshot = json.dumps(x["ops"])
    touched = {}
    try:
        for u in ups:
            apply(x, u, time.time(), touched)
    except Refused:
        x["ops"] = json.loads(snapshot)  # all or nothing
        raise
    x["updates"].extend(ups)
    x["requests"] += 1
    for u in ups:  # committed: the chained invokes start their executions
        if u["Type"] == "CHAINED_INVOKE" and u["Action"] == "START":
            invoke(x, op_by_id(x, u["Id"]))
    ans = {"CheckpointToken": new_token(x),
           "NewExecutionState": {"Operations": [public(o) for o in touched.values()]}}
    if ct:
        x["clients"][ct] = ans
    return ans, "dropped" if drop else None


def state_page(x, q):
    if q.get("CheckpointToken") != x["token"]:
        raise Refused(400, "InvalidParameterValueException", "Invalid Checkpoint Token")
    start_at = int(q.get("Marker") or 0)
    n = min(int(q.get("MaxItems") or 1000), 1000)
    ops = x["ops"][start_at:start_at + n]
    ans = {"Operations": [public(o) for o in ops]}
    if start_at + n < len(x["ops"]):
        ans["NextMarker"] = str(start_at + n)
    return ans


def invoke(x, o):
    """A CHAINED_INVOKE started: an execution of its function, or the operation fails."""
    fn, payload = o["options"]["FunctionName"], o["options"]["Payload"]
    if fn not in FUNCTIONS:
        o["Status"], o["EndTimestamp"] = "FAILED", time.time()
        o["ChainedInvokeDetails"]["Error"] = {"ErrorType": "ResourceNotFoundException",
                                              "ErrorMessage": "Function not found: %s" % fn}
        o["unseen"] = True
        return
    child = start(payload if payload is not None else "{}", fn)
    invoked[child] = (x["arn"], o["Id"])
    x["invokes"].append({"op": o["Id"], "function": fn, "arn": child})


def child_ended(child):
    """An invoked execution ended: the service completes its caller's CHAINED_INVOKE."""
    if child not in invoked:
        return
    arn, oid = invoked.pop(child)
    c, x = executions[child], executions[arn]
    o = op_by_id(x, oid)
    o["EndTimestamp"] = time.time()
    if c["status"] == "SUCCEEDED":
        o["Status"] = "SUCCEEDED"
        o["ChainedInvokeDetails"]["Result"] = c["result"] if c["result"] is not None else ""
    else:
        o["Status"] = "FAILED"
        o["ChainedInvokeDetails"]["Error"] = c["error"] or {}
    invoke_again(x, o)


def wake(x):
    """After PENDING: what the service completes (skipping time); True when it invokes again."""
    now = time.time()
    woke = False
    for o in x["ops"]:
        if o["Type"] == "WAIT" and o["Status"] == "STARTED":
            o["Status"], o["EndTimestamp"] = "SUCCEEDED", now
            woke = True
        elif o["Type"] == "STEP" and o["Status"] == "PENDING":
            o["Status"] = "READY"
            woke = True
        elif o["Type"] in ("CALLBACK", "CHAINED_INVOKE") and \
                o["Status"] in ("SUCCEEDED", "FAILED", "TIMED_OUT"):
            woke = woke or o.pop("unseen", False)
    return woke


def answered(rid, body, kind):
    arn = inflight.pop(rid, None)
    if not arn:
        raise Refused(400, "InvalidRequestID", "no invocation %s in flight" % rid)
    x = executions[arn]
    entry = {"kind": kind}
    try:
        entry["body"] = json.loads(body) if body else None
    except ValueError:
        entry["body"] = body.decode("utf-8", "replace")
    x["answers"].append(entry)
    if kind == "error":
        tries = x.get("tries", 0) + 1
        x["tries"] = tries
        if tries < 5:
            queue.append([arn, tries])
        else:
            x["status"] = "FAILED"
            child_ended(arn)
        return
    out = entry["body"] if isinstance(entry["body"], dict) else {}
    st = out.get("Status")
    if st == "SUCCEEDED":
        x["status"], x["result"] = "SUCCEEDED", out.get("Result")
    elif st == "FAILED":
        x["status"], x["error"] = "FAILED", out.get("Error")
    elif st == "PENDING":
        waiting = [o for o in x["ops"] if o["Status"] in ("STARTED", "PENDING") and
                   o["Type"] in ("WAIT", "CALLBACK", "STEP", "CONTEXT", "CHAINED_INVOKE")
                   or o.get("unseen")]
        if not waiting:
            x["status"] = "FAILED"
            x["error"] = {"ErrorType": "StandIn.PendingWithNothing",
                          "ErrorMessage": "PENDING with nothing pending"}
        elif wake(x):
            queue.append([arn, 0])
    else:
        x["status"] = "FAILED"
        x["error"] = {"ErrorType": "StandIn.BadOutput", "ErrorMessage": repr(out)}
    if st in ("SUCCEEDED", "FAILED"):
        exec_op = x["ops"][0]
        exec_op["Status"] = st
    if x["status"] != "RUNNING":
        child_ended(arn)
    cond.notify_all()


def invoke_again(x, o):
    """The service completed o: the execution is invoked again, or, while an invocation of it is
    in flight or queued, that one is told when it returns PENDING (wake)."""
    arn = x["arn"]
    if x["status"] == "RUNNING" and arn not in inflight.values() and \
            not any(q[0] == arn for q in queue):
        queue.append([arn, 0])
        cond.notify_all()
    else:
        o["unseen"] = True


def callback_answer(cid, verb, body):
    if cid not in callbacks:
        raise Refused(404, "ResourceNotFoundException", "no callback %s" % cid)
    arn, oid = callbacks[cid]
    x = executions[arn]
    o = op_by_id(x, oid)
    if o["Status"] != "STARTED":
        raise Refused(400, "CallbackTimeoutException", "callback %s is closed" % cid)
    if verb == "succeed":
        o["Status"] = "SUCCEEDED"
        o["CallbackDetails"]["Result"] = body.decode("utf-8")
    elif verb == "fail":
        o["Status"] = "FAILED"
        o["CallbackDetails"]["Error"] = json.loads(body or b"{}")
    else:
        return
    o["EndTimestamp"] = time.time()
    invoke_again(x, o)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def settled(self):
        """A checkpoint request is no longer in flight (once: before its answer leaves, so that
        the next request, which may follow at once, does not see it)."""
        if getattr(self, "in_flight", False):
            self.in_flight = False
            with flight:
                in_flight[0] -= 1

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else
                                          json.dumps(body).encode())
        self.settled()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        raw_path, _, raw_query = self.path.partition("?")
        q = dict(urllib.parse.parse_qsl(raw_query))
        if method == "POST" and raw_path.endswith("/checkpoint"):
            with flight:
                in_flight[0] += 1
                self.in_flight = True
                self.arrival = {"path": raw_path, "arrived": time.time(), "bytes": len(body),
                                "in_flight": in_flight[0]}
            try:
                self.handle_request(method, raw_path, raw_query, q, body)
            finally:
                self.settled()
        else:
            self.handle_request(method, raw_path, raw_query, q, body)

    def handle_request(self, method, raw_path, raw_query, q, body):
        try:
            if raw_path == "/2018-06-01/runtime/invocation/next" and method == "GET":
                return self.next_invocation()
            with cond:
                if raw_path.startswith("/2018-06-01/") or raw_path.startswith("/_test/"):
                    return self.local(method, raw_path, q, body)
                headers = {k.lower(): v for k, v in self.headers.items()}
                bad, _ = verify(method, raw_path, raw_query, headers, body, KEYS, now=time.time())
                if bad:
                    raise Refused(403, bad[0], bad[1])
                self.api(method, raw_path, q, body)
        except Refused as r:
            log({"path": raw_path, "status": r.status, "type": r.etype, "message": r.message})
            self.answer(r.status, {"Type": "User", "Message": r.message},
                        {"x-amzn-ErrorType": r.etype, **r.headers})

    function = DEFAULT_FN  # whose invocations this listener's Runtime API hands out

    def next_invocation(self):
        with cond:
            mine = None
            while mine is None:
                mine = next((e for e in queue if executions[e[0]]["function"] == self.function),
                            None)
                if mine is None:
                    cond.wait()
            queue.remove(mine)
            arn = mine[0]
            x = executions[arn]
            rid = "req-" + secrets.token_hex(6)
            inflight[rid] = arn
            ops = x["ops"]
            ev = {"DurableExecutionArn": arn, "CheckpointToken": x["token"],
                  "InitialExecutionState": {"Operations": [event_op(public(o)) for o in ops[:PAGE]]}}
            if len(ops) > PAGE:
                ev["InitialExecutionState"]["NextMarker"] = str(PAGE)
            x["invocations"] = x.get("invocations", 0) + 1
            left = deadlines.pop(0) if deadlines else 900000
        self.answer(200, ev, {"Lambda-Runtime-Aws-Request-Id": rid,
                              "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + left)})

    def local(self, method, path, q, body):
        m = re.match(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$", path)
        if m and method == "POST":
            answered(m.group(1), body, m.group(2))
            return self.answer(202, {"status": "OK"})
        if path == "/2018-06-01/runtime/init/error" and method == "POST":
            executions.setdefault("init_errors", []).append(json.loads(body or b"{}"))
            return self.answer(202, {"status": "OK"})
        if path == "/_test/start":
            req = json.loads(body)
            return self.answer(200, {"arn": start(req["input"], req.get("function", DEFAULT_FN))})
        if path == "/_test/fault":
            f = json.loads(body)
            faults.extend([f] * int(f.get("count", 1)))
            return self.answer(200, {})
        if path == "/_test/deadline":
            d = json.loads(body)
            deadlines.extend([int(d["ms"])] * int(d.get("count", 1)))
            return self.answer(200, {})
        if path == "/_test/inbox":
            inbox.append(body.decode("utf-8", "replace"))
            return self.answer(200, {"ok": True})
        if path == "/_test/inboxes":
            return self.answer(200, inbox)
        if path == "/_test/init_errors":
            return self.answer(200, executions.get("init_errors", []))
        if path == "/_test/execution":
            x = executions.get(q.get("arn"))
            if not x:
                raise Refused(404, "ResourceNotFoundException", "no execution")
            return self.answer(200, {k: (public_ops(v) if k == "ops" else v) for k, v in x.items()
                                     if k != "clients"} | {"queued": any(e[0] == x["arn"] for e in queue)})
        raise Refused(404, "UnknownOperationException", "no route %s %s" % (method, path))

    def api(self, method, path, q, body):
        m = re.match(r"^/2025-12-01/durable-executions/([^/]+)/(checkpoint|state)$", path)
        if m:
            arn = urllib.parse.unquote(m.group(1))
            x = executions.get(arn)
            if not x:
                raise Refused(404, "ResourceNotFoundException", "no execution %s" % arn)
            if m.group(2) == "checkpoint" and method == "POST":
                try:
                    req = json.loads(body)
                except ValueError:
                    raise Refused(400, "InvalidParameterValueException", "the body is not JSON")
                ups = req.get("Updates")
                log(self.arrival | {"client": req.get("ClientToken"),
                                    "token": req.get("CheckpointToken"),
                                    "updates": len(ups) if isinstance(ups, list) else None})
                ans, how = checkpoint(x, req, body)
                log({"path": path, "status": 200, "body": req} | ({how: True} if how else {}))
                if how == "dropped":
                    self.close_connection = True  # no answer at all: the response is lost
                    return
                return self.answer(200, ans)
            if m.group(2) == "state" and method == "GET":
                ans = state_page(x, q)
                log({"path": path, "status": 200, "marker": q.get("Marker"),
                     "max_items": q.get("MaxItems"), "count": len(ans["Operations"])})
                return self.answer(200, ans)
        m = re.match(r"^/2025-12-01/durable-execution-callbacks/([^/]+)/(succeed|fail|heartbeat)$", path)
        if m and method == "POST":
            callback_answer(urllib.parse.unquote(m.group(1)), m.group(2), body)
            return self.answer(200, {})
        raise Refused(404, "UnknownOperationException", "no route %s %s" % (method, path))

    def log_message(self, *args):
        pass


def public_ops(ops):
    return [public(o) for o in ops]


def main():
    global LOG, PAGE
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--key", action="append", default=[])
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--log")
    ap.add_argument("--function", action="append", default=[])
    a = ap.parse_args()
    for k in a.key or ["AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]:
        akid, secret = k.split(":", 1)
        KEYS[akid] = secret
    LOG, PAGE = a.log, a.page_size
    for fn in a.function:  # each function's Runtime API: a listener of its own
        FUNCTIONS.add(fn)
        fsrv = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler_" + fn, (Handler,),
                                                           {"function": fn}))
        fsrv.daemon_threads = True
        with open(a.port_file + "." + fn + ".tmp", "w") as f:
            f.write(str(fsrv.server_address[1]))
        os.rename(a.port_file + "." + fn + ".tmp", a.port_file + "." + fn)
        threading.Thread(target=fsrv.serve_forever, daemon=True).start()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
