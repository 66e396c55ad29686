"""reliability.py — the drivers of tests/reliability/test_*.sh (not a test itself).

    python3 reliability.py kill      every kill point of the examples and torture
    python3 reliability.py workers   4 workers, 1,000 executions, callbacks from a 5th
    python3 reliability.py faults    VFS faults, a locked, corrupt and newer store

Env: CAIRN (the cairn tool), CAIRN_BINARY_DIR (the build folder: the hosts are
examples/order/order and tests/reliability/reliability_host), CAIRN_SOURCE_DIR;
CAIRN_REL_STRIDE=K (default 1) kills at every K-th kill point only (and the
last of each process), and breaks the disk at every K-th write of the fault
sweeps: the sanitized build's ctest sets 3 (tests/CMakeLists.txt), the normal
build runs them all; CAIRN_REL_EXECUTIONS (default 1000) for `workers`.
Each check that fails raises Failure with what was expected; the process exits 1.
"""
import collections
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

CAIRN = os.environ["CAIRN"]
BIN = os.environ["CAIRN_BINARY_DIR"]
SRC = os.environ["CAIRN_SOURCE_DIR"]
HOST = os.path.join(BIN, "tests/reliability/reliability_host")
ORDER = os.path.join(BIN, "examples/order/order")
APPROVAL = os.path.join(BIN, "examples/approval/approval")
PAYMENT = os.path.join(BIN, "examples/payment/payment")
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED")
FAULT_ENV = ("CAIRN_KILL_AT", "CAIRN_KILL_COUNT", "CAIRN_FAULT")
STRIDE = int(os.environ.get("CAIRN_REL_STRIDE", "1"))


class Failure(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failure(what)


class Proc:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "exit %s, stdout %r, stderr %r" % (self.rc, self.out[-400:], self.err[-600:])


def run(cmd, env=None, timeout=120):
    """Runs cmd with the test env plus env (a dict); the fault variables only when given."""
    full = {k: v for k, v in os.environ.items() if k not in FAULT_ENV}
    full.update(env or {})
    p = subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=timeout)
    return Proc(p.returncode, p.stdout, p.stderr)


def kill_points(p):
    """The count a process printed with CAIRN_KILL_COUNT=1 (0 if none)."""
    for line in p.err.splitlines():
        if line.startswith("cairn: ") and line.endswith(" kill points"):
            return int(line.split()[1])
    return 0


def executions(host, db, children=False):
    """The store's executions: those started from outside, or (children) also those an
    invoke started."""
    p = run([host, "list", "--db", db, "--json"])
    expect(p.rc == 0, "list: %r" % p)
    return [x for x in json.loads(p.out) if children or not x.get("parent")]


def history(host, db, xid):
    p = run([host, "history", xid, "--db", db, "--json"])
    expect(p.rc == 0, "history %s: %r" % (xid, p))
    return json.loads(p.out)


def events(host, db, xid):
    p = run([host, "history", xid, "--db", db, "--events", "--json"])
    expect(p.rc == 0, "history --events %s: %r" % (xid, p))
    return json.loads(p.out)


EVENT_PREFIX = {"EXECUTION": "Execution", "STEP": "Step", "WAIT": "Wait", "CALLBACK": "Callback",
                "CONTEXT": "Context", "CHAINED_INVOKE": "ChainedInvoke"}
# The event an operation's status leaves last; a step PENDING on a retry last failed.
EVENT_OF = {"STARTED": "Started", "SUCCEEDED": "Succeeded", "FAILED": "Failed",
            "TIMED_OUT": "TimedOut", "PENDING": "Failed"}


def check_events(host, db, xid, ops, label):
    """The events agree with the journal as it stands (after a kill too): each is written
    in the transaction of its update, so none exists for an update that did not commit
    and none is missing for one that did."""
    evs = events(host, db, xid)
    expect([e["EventId"] for e in evs] == list(range(1, len(evs) + 1)),
           "%s: event ids out of order: %s" % (label, [e["EventId"] for e in evs]))
    by_op = {}
    for e in evs:
        by_op.setdefault(e["Id"], []).append(e)
    journal = {o["id"]: o for o in ops}
    expect(set(by_op) <= set(journal), "%s: events of operations the journal lacks: %s"
           % (label, sorted(set(by_op) - set(journal))))
    for o in ops:
        mine = by_op.get(o["id"], [])
        prefix = EVENT_PREFIX[o["type"]]
        types = [e["EventType"] for e in mine]
        if o.get("sub_type") == "WaitForCondition":  # one StepSucceeded per check, no more
            expect(types.count(prefix + "Succeeded") <= (o["attempt"] or 0),
                   "%s: %s has more checks than attempts: %s" % (label, o["id"], types))
        else:
            expect(types.count(prefix + "Succeeded") <= 1, "%s: %s succeeded twice: %s"
                   % (label, o["id"], types))
        if o["type"] == "CALLBACK" and o["status"] in ("STARTED", "CANCELLED"):
            want = (prefix + "Started", prefix + "Heartbeat")
        elif o["status"] == "CANCELLED":  # a cancel leaves no event (a fan-out's straggler)
            want = (prefix + "Started",)
        elif o.get("sub_type") == "WaitForCondition" and o["status"] == "PENDING":
            want = (prefix + "Succeeded",)  # a check that missed: the state, and the delay
        else:
            want = (prefix + EVENT_OF[o["status"]],)
        expect(types and types[-1] in want, "%s: operation %s (%s %s) ends its events with %s, not %s"
               % (label, o["id"], o["type"], o["status"], types[-1:] or "nothing", want))
        last = mine[-1].get(types[-1] + "Details", {})
        if o["type"] == "STEP" and o["status"] in ("SUCCEEDED", "PENDING"):
            expect(last["RetryDetails"]["CurrentAttempt"] == o["attempt"],
                   "%s: step %s: event of attempt %s, journal attempt %s"
                   % (label, o["id"], last["RetryDetails"]["CurrentAttempt"], o["attempt"]))
        if o["type"] == "STEP" and o["status"] == "PENDING":
            expect(last["RetryDetails"].get("NextAttemptTimestamp") == o["next_attempt_at"],
                   "%s: step %s: next attempt %r in its event, %r in the journal"
                   % (label, o["id"], last["RetryDetails"], o["next_attempt_at"]))


def timeless(result):
    """A result without what a real service stamps on each answer: an http step's Date."""
    if isinstance(result, dict) and isinstance(result.get("headers"), dict):
        result = dict(result, headers={k: v for k, v in result["headers"].items() if k != "date"})
    return result


def comparable(op):
    """What must be the same in any two complete runs (not times, attempts or callback ids)."""
    err = op.get("error")
    return (op["id"], op["name"], op["type"], op["status"], json.dumps(timeless(op.get("result")), sort_keys=True),
            json.dumps(err, sort_keys=True) if err else None)


def settled(op):
    """What a completed operation must keep forever."""
    return comparable(op) + (op.get("attempt"),)


# ---------------------------------------------------------------------------
# Crashes: every kill point in turn
# ---------------------------------------------------------------------------

class Scenario:
    """One workflow run the uninterrupted way as phases (argv lists); {db} and {cb} are filled in.
    answer is the argv tail of the `cairn callback` that answers its callback (None: no
    callback); skip says whether recovery may run on the virtual clock (not when a
    callback's deadline would pass before the answer); status is how it ends."""

    def __init__(self, name, host, start, phases, answer=None, skip=True, status="SUCCEEDED"):
        self.name, self.host, self.start, self.phases = name, host, start, phases
        self.answer, self.skip, self.status = answer, skip, status


def fill(argv, db, cb=None):
    return [a.replace("{db}", db).replace("{cb}", cb or "") for a in argv]


def callback_op(h):
    """The CALLBACK operations of a history."""
    return [o for o in h["operations"] if o["type"] == "CALLBACK"]


def answer_phase(answer):
    """The phase that answers the callback: `cairn callback succeed|fail {cb} ...`."""
    return [CAIRN, "callback", answer[0], "{cb}"] + answer[1:] + ["--db", "{db}"]


def send_callback(sc, db, cb, env=None):
    return run(fill(answer_phase(sc.answer), db, cb), env)


def answered(sc, op):
    """Whether the CALLBACK operation op holds the scenario's answer."""
    if sc.answer[0] == "succeed":
        return op["status"] == "SUCCEEDED" and op["result"] == sc.answer[2]
    err = op.get("error") or {}
    return (op["status"] == "FAILED" and err.get("type") == "Callback.Failed"
            and (err.get("data") or {}).get("ErrorType") == sc.answer[2])


def recover(sc, db, state):
    """Drives the store to the end without faults, as an operator would after a crash."""
    for _ in range(8):
        xs = executions(sc.host, db)
        if not xs:
            # The start never committed: its client saw no id and starts again.
            p = run(fill(sc.start, db), {"CAIRN_REL_SIDE": state["side"]})
            state["log"] += p.err
            expect(p.rc == 0, "%s: restart: %r" % (sc.name, p))
            continue
        expect(len(xs) == 1, "%s: one execution, found %d" % (sc.name, len(xs)))
        x = xs[0]
        if x["status"] in TERMINAL:
            return x["id"]
        cbs = callback_op(history(sc.host, db, x["id"]))
        if cbs and not state["answered"]:
            # The client never saw its answer accepted: it sends it (again). Refused
            # only if a killed `callback succeed` had committed it already.
            p = send_callback(sc, db, cbs[0]["callback_id"])
            if cbs[0]["status"] == "STARTED":
                expect(p.rc == 0, "%s: answering the callback: %r" % (sc.name, p))
            else:
                expect(p.rc == 1 and answered(sc, cbs[0]),
                       "%s: a resent answer of a delivered callback: %r, callback %r" % (sc.name, p, cbs[0]))
            state["answered"] = True
            continue
        p = run([sc.host, "worker", "--until-idle", "--db", db] + (["--skip-time"] if sc.skip else []),
                {"CAIRN_REL_SIDE": state["side"]})
        state["log"] += p.err
        expect(p.rc == 0, "%s: worker: %r" % (sc.name, p))
    raise Failure("%s: the execution did not complete after 8 rounds of recovery" % sc.name)


def drive(sc, work, kill_phase=None, kill_at=None):
    """Runs the scenario in a fresh store, killing phase kill_phase at kill point kill_at.
    Returns (store, execution id, kill points per phase run uninterrupted, the journal right
    after the kill, state)."""
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    db = os.path.join(work, "cairn.db")
    state = {"side": os.path.join(work, "side.txt"), "answered": False, "log": ""}
    points, snapshot = [], None
    for i, phase in enumerate(sc.phases):
        cb = None
        if "{cb}" in phase:
            xs = executions(sc.host, db)
            cb = callback_op(history(sc.host, db, xs[0]["id"]))[0]["callback_id"]
        env = {"CAIRN_REL_SIDE": state["side"], "CAIRN_KILL_COUNT": "1"}
        if i == kill_phase:
            env["CAIRN_KILL_AT"] = str(kill_at)
        p = run(fill(phase, db, cb), env)
        state["log"] += p.err
        if i == kill_phase:
            expect(p.rc == -signal.SIGKILL,
                   "%s: phase %d did not die at kill point %d: %r" % (sc.name, i, kill_at, p))
            xs = executions(sc.host, db)
            snapshot = history(sc.host, db, xs[0]["id"])["operations"] if xs else []
            if xs:
                check_events(sc.host, db, xs[0]["id"], snapshot,
                             "%s: killed at point %d" % (sc.name, kill_at))
            break
        expect(p.rc in (0, 1), "%s: phase %d: %r" % (sc.name, i, p))
        if cb:
            state["answered"] = True
        points.append(kill_points(p))
    xid = recover(sc, db, state) if kill_phase is not None else executions(sc.host, db)[0]["id"]
    return db, xid, points, snapshot, state


def check_children(sc, label, db, xid):
    """An invoke's child is started once whatever crashed, and has ended with its caller."""
    kids = [x for x in executions(sc.host, db, children=True) if x.get("parent")]
    per_op = collections.Counter((k["parent"]["id"], k["parent"]["operation_id"]) for k in kids)
    expect(all(n == 1 for n in per_op.values()),
           "%s: an invoke started more than one child: %r" % (label, per_op))
    expect(all(k["parent"]["id"] == xid and k["status"] in TERMINAL for k in kids),
           "%s: a child of another caller, or one still running: %r" % (label, kids))
    return kids


def check_run(sc, label, ref, db, xid, snapshot, state):
    check_children(sc, label, db, xid)
    x = history(sc.host, db, xid)
    check_events(sc.host, db, xid, x["operations"], label)
    ex = x["execution"]
    expect(ex["status"] == ref["execution"]["status"],
           "%s: status %s, uninterrupted %s" % (label, ex["status"], ref["execution"]["status"]))
    expect(ex["result"] == ref["execution"]["result"] and ex["error"] == ref["execution"]["error"],
           "%s: result %r / error %r differ from the uninterrupted run's %r / %r"
           % (label, ex["result"], ex["error"], ref["execution"]["result"], ref["execution"]["error"]))
    # An at_most_once step found STARTED after the kill was retried as
    # Step.Interrupted: its later attempt may return another result (order's
    # reserve-stock returns its attempt). Every other result must be the same.
    interrupted = {o["id"] for o in snapshot or [] if o["type"] == "STEP" and o["status"] == "STARTED"}

    def pair(o, r):
        retried = o["id"] in interrupted and o["id"] == r["id"] and o["attempt"] != r["attempt"]
        n = 4 if retried else 6
        return comparable(o)[:n], comparable(r)[:n]

    pairs = [pair(o, r) for o, r in zip(x["operations"], ref["operations"])]
    got = [g for g, _ in pairs] + [comparable(o) for o in x["operations"][len(pairs):]]
    want = [w for _, w in pairs] + [comparable(o) for o in ref["operations"][len(pairs):]]
    expect(got == want, "%s: history differs from the uninterrupted run:\n  got  %s\n  want %s"
           % (label, got, want))
    final = {o["id"]: o for o in x["operations"]}
    for o in snapshot or []:
        if o["status"] in TERMINAL:
            expect(o["id"] in final and settled(final[o["id"]]) == settled(o),
                   "%s: completed operation %s (%s) was lost or changed: %r became %r"
                   % (label, o["id"], o["name"], o, final.get(o["id"])))
    # at_most_once bodies: never twice for one attempt.
    runs = open(state["side"]).read().split("\n") if os.path.exists(state["side"]) else []
    once = [tuple(line.split()[1:3]) for line in runs if line.startswith("once ")]
    expect(len(once) == len(set(once)), "%s: an at_most_once body ran twice in one attempt: %s"
           % (label, once))
    if sc.name.startswith("order"):  # Lua hooks log instead: reserve-stock is at_most_once
        reserved = [l for l in state["log"].split("[cairn]") if "reserve-stock: reserved" in l]
        attempts = [l.split("on attempt")[1].split()[0] for l in reserved]
        expect(len(attempts) == len(set(attempts)),
               "%s: reserve-stock (at_most_once) ran twice in one attempt: %s" % (label, attempts))
    cbs = callback_op(x)
    if sc.answer:
        # the first callback holds the answer; any other (fan-out's) was closed unanswered
        expect(cbs and answered(sc, cbs[0]) and all(c["status"] == "CANCELLED" for c in cbs[1:]),
               "%s: the callback does not hold the answer once: %r" % (label, cbs))
        p = send_callback(sc, db, cbs[0]["callback_id"])
        expect(p.rc == 1, "%s: a second delivery of the callback was not refused: %r" % (label, p))


def stand_in(script, tmp, name):
    """Starts an example's stand-in service (receiver.py, payment_service.py) on a free
    port; returns (process, its base URL)."""
    port_file = os.path.join(tmp, name + ".port")
    p = subprocess.Popen([sys.executable, os.path.join(SRC, script), "--port", "0",
                          "--port-file", port_file, "--log", os.path.join(tmp, name + ".log")])
    deadline = time.monotonic() + 10
    while not os.path.exists(port_file):
        expect(p.poll() is None and time.monotonic() < deadline, "%s did not start" % script)
        time.sleep(0.02)
    return p, "http://127.0.0.1:" + open(port_file).read()


def test_kill():
    tmp = tempfile.mkdtemp(prefix="cairn-kill.")
    services = []
    try:
        sweep(tmp, services)
    finally:
        for p in services:
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def sweep(tmp, services):
    """Every scenario killed at each of its kill points in turn; the stand-in services
    it starts go into services."""
    inbox, inbox_url = stand_in("examples/approval/receiver.py", tmp, "inbox")
    services.append(inbox)
    service, service_url = stand_in("examples/payment/payment_service.py", tmp, "service")
    services.append(service)
    order_in = open(os.path.join(SRC, "examples/order/inputs/success.json")).read()
    approval_in = json.dumps({"request_id": "PR-1001", "amount": 1450, "item": "laptop",
                              "inbox": inbox_url + "/inbox"})
    payment_in = json.dumps({"order_id": "A-2001", "amount": 89.9, "currency": "EUR",
                             "service": service_url})
    approve = ["succeed", "--result", '{"approved": true, "by": "ana"}']
    paid = ["succeed", "--result", '{"receipt": "r-2001"}']
    declined = ["fail", "--error-type", "Card.Declined", "--error-message", "insufficient funds",
                "--error-data", '{"code": 51}']

    def waits_for(name, workflow, host, inp, answer, status="SUCCEEDED"):
        """A workflow that suspends on a callback with deadlines: run, answer, resume,
        all on the real clock."""
        return Scenario(name, host, [host, "start", workflow, "--db", "{db}", "--input", inp],
                        [[host, "run", workflow, "--db", "{db}", "--input", inp],
                         answer_phase(answer),
                         [host, "worker", "--until-idle", "--db", "{db}"]],
                        answer=answer, skip=False, status=status)

    scenarios = [
        Scenario("order", ORDER,
                 [ORDER, "start", "order", "--db", "{db}", "--input", order_in],
                 [[ORDER, "run", "order", "--db", "{db}", "--input", order_in, "--skip-time"]]),
        # Suspended on reserve-stock's retry delay (real clock), resumed by a worker.
        Scenario("order-resumed", ORDER,
                 [ORDER, "start", "order", "--db", "{db}", "--input", order_in],
                 [[ORDER, "run", "order", "--db", "{db}", "--input", order_in],
                  [ORDER, "worker", "--until-idle", "--skip-time", "--db", "{db}"]]),
        Scenario("torture", HOST,
                 [HOST, "start", "torture", "--db", "{db}", "--input", '{"n": 7}'],
                 [[HOST, "run", "torture", "--db", "{db}", "--input", '{"n": 7}', "--skip-time"],
                  answer_phase(["succeed", "--result", '{"ok": true}']),
                  [HOST, "worker", "--until-idle", "--skip-time", "--db", "{db}"]],
                 answer=["succeed", "--result", '{"ok": true}']),
        # Fan-out: a parallel of two branches with a callback each, a map of retrying items
        # two at a time, a group that waits.
        Scenario("fanout", HOST,
                 [HOST, "start", "fanout", "--db", "{db}", "--input", '{"lines": [1, 2, 3]}'],
                 [[HOST, "run", "fanout", "--db", "{db}", "--input", '{"lines": [1, 2, 3]}',
                   "--skip-time"],
                  answer_phase(["succeed", "--result", '{"ok": true}']),
                  [HOST, "worker", "--until-idle", "--skip-time", "--db", "{db}"]],
                 answer=["succeed", "--result", '{"ok": true}']),
        # The Lua submitter POSTs the callback id to receiver.py; the manager approves.
        waits_for("approval", "approval", APPROVAL, approval_in, approve),
        # callback, http step to payment_service.py, await: paid, and declined (catch,
        # compensation, fail).
        waits_for("payment", "payment", PAYMENT, payment_in, paid),
        waits_for("payment-declined", "payment", PAYMENT, payment_in, declined, "FAILED"),
    ]
    total = 0
    for sc in scenarios:
        work = os.path.join(tmp, sc.name)
        db, xid, points, _, state = drive(sc, work)
        ref = history(sc.host, db, xid)
        expect(ref["execution"]["status"] == sc.status,
               "%s: the uninterrupted run did not end %s: %r" % (sc.name, sc.status, ref["execution"]))
        check_run(sc, sc.name + " uninterrupted", ref, db, xid, None, state)
        expect(sum(points) > 0, "%s: no kill points counted" % sc.name)
        print("%s: %s kill points (per process %s)" % (sc.name, sum(points), points))
        for phase, n in enumerate(points):
            ks = list(range(1, n + 1, STRIDE))
            for k in ks + ([n] if ks and ks[-1] != n else []):
                label = "%s: phase %d killed at point %d" % (sc.name, phase, k)
                db, xid, _, snap, state = drive(sc, work, phase, k)
                check_run(sc, label, ref, db, xid, snap, state)
                total += 1
        print("ok   %s: %s recovered to the same result"
              % (sc.name, "every kill point" if STRIDE == 1 else
                 "one kill point in %d (and each process's last)" % STRIDE))
    print("kill points exercised: %d" % total)


# ---------------------------------------------------------------------------
# Several workers on one store
# ---------------------------------------------------------------------------

def parallel(cmds, env, jobs=2):
    """Runs the argv lists, `jobs` at a time; returns their Procs in order."""
    full = {k: v for k, v in os.environ.items() if k not in FAULT_ENV}
    full.update(env)
    out, running = [None] * len(cmds), []
    for i, cmd in enumerate(cmds):
        running.append((i, subprocess.Popen(cmd, env=full, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True)))
        while len(running) >= jobs or (i == len(cmds) - 1 and running):
            j, p = running.pop(0)
            o, e = p.communicate(timeout=120)
            out[j] = Proc(p.returncode, o, e)
    return out


def side_lines(path, op):
    if not os.path.exists(path):
        return []
    return [l.split() for l in open(path).read().split("\n") if l.startswith(op + " ")]


def test_workers():
    count = int(os.environ.get("CAIRN_REL_EXECUTIONS", "1000"))
    tmp = tempfile.mkdtemp(prefix="cairn-workers.")
    db, side = os.path.join(tmp, "cairn.db"), os.path.join(tmp, "side.txt")
    env = {"CAIRN_REL_SIDE": side}
    full = {k: v for k, v in os.environ.items() if k not in FAULT_ENV}
    full.update(env)
    workers, codes = [], []
    t0 = time.monotonic()
    try:
        workers_run(tmp, db, side, env, full, count, workers, codes, t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def workers_run(tmp, db, side, env, full, count, workers, codes, t0):
    try:
        for w in range(4):
            workers.append(subprocess.Popen([HOST, "worker", "--db", db], env=full,
                                            stdout=subprocess.DEVNULL,
                                            stderr=open(os.path.join(tmp, "worker%d.err" % w), "w")))
        # The executions, started while the workers already run.
        # One in five is relay_fan: two branches whose callbacks are open at once.
        starts = parallel([[HOST, "start", "relay_fan" if i % 5 == 4 else "relay", "--db", db,
                            "--input", '{"n": %d}' % i] for i in range(count)], env)
        ids = {}
        for i, p in enumerate(starts):
            expect(p.rc == 0, "start %d: %r" % (i, p))
            ids[p.out.strip()] = i
        fan = {x for x, i in ids.items() if i % 5 == 4}
        expect(len(ids) == count, "%d distinct ids for %d starts" % (len(ids), count))
        print("started %d executions in %.1fs" % (count, time.monotonic() - t0))

        # The fifth process: answers every callback announced, once.
        answered, deadline = set(), time.monotonic() + 150
        while len(answered) < count + len(fan):
            expect(time.monotonic() < deadline,
                   "only %d of %d callbacks were announced: executions stalled"
                   % (len(answered), count + len(fan)))
            todo = [(x, cb) for _, x, _, _, cb in side_lines(side, "announce") if cb not in answered]
            if not todo:
                time.sleep(0.05)
                continue
            res = parallel([[CAIRN, "callback", "succeed", cb, "--db", db,
                             "--result", json.dumps({"v": "reply-" + x})] for x, cb in todo], {})
            for (x, cb), p in zip(todo, res):
                expect(p.rc == 0, "callback of %s: %r" % (x, p))
                answered.add(cb)
        print("answered %d callbacks at %.1fs" % (len(answered), time.monotonic() - t0))

        # Every execution completes: none stalls while workers are free.
        while True:
            xs = executions(HOST, db)
            done = [x for x in xs if x["status"] in TERMINAL]
            if len(done) == count:
                break
            expect(time.monotonic() < deadline,
                   "%d of %d executions stalled: %s" % (count - len(done), count,
                   [x["id"] for x in xs if x["status"] not in TERMINAL][:5]))
            time.sleep(0.1)
        print("completed %d executions at %.1fs" % (count, time.monotonic() - t0))
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        codes += [w.wait(timeout=60) for w in workers]
    errs = [open(os.path.join(tmp, "worker%d.err" % w)).read() for w in range(len(workers))]
    expect(codes == [0, 0, 0, 0], "workers exited %s after SIGTERM; what they said: %r"
           % (codes, [e[-2000:] for e in errs]))
    for w, e in enumerate(errs):  # a store error retried is no failure, but is shown
        if e:
            print("worker %d said %d line(s), the last: %s" % (w, e.count("\n"), e.splitlines()[-1]))
    expect(len(xs) == count, "%d executions in the store, %d started" % (len(xs), count))
    for x in xs:
        reply = "reply-" + x["id"]
        want = {"n": ids.get(x["id"]), "got": [reply, reply] if x["id"] in fan else reply}
        expect(x["status"] == "SUCCEEDED" and x["result"] == want,
               "execution %s: %s %r, expected SUCCEEDED %r" % (x["id"], x["status"],
                                                              x["result"], want))
    # Each body ran exactly once: nothing crashed, so no at_least_once rerun either.
    # (relay_fan's run twice: once per branch, once per item)
    for op in ("announce", "finish"):
        runs = collections.Counter(l[1] for l in side_lines(side, op))
        wrong = sorted(x for x in ids if runs[x] != (2 if x in fan else 1))
        expect(not wrong and set(runs) == set(ids),
               "%s ran %d times for %d executions (%d of them fan-out); wrong counts: %s"
               % (op, sum(runs.values()), count, len(fan), [(x, runs[x]) for x in wrong[:5]]))
    pids = {l[3] for l in side_lines(side, "finish")}
    expect(len(pids) >= 2, "one worker did all the work: the others never shared it")
    print("ok   %d executions (%d fan-out) completed exactly once with the right result, "
          "by %d workers, in %.1fs" % (count, len(fan), len(pids), time.monotonic() - t0))


def test_takeover():
    """A hung worker holds its lease; a second takes the execution over once the
    lease runs out, and the first one's late result is refused."""
    tmp = tempfile.mkdtemp(prefix="cairn-takeover.")
    procs = []
    try:
        db, side, hold = (os.path.join(tmp, n) for n in ("cairn.db", "side.txt", "hold"))
        open(hold, "w").close()
        lease = {"CAIRN_LEASE_MS": "1500", "CAIRN_REL_SIDE": side}
        p = run([HOST, "start", "relay", "--db", db, "--input", '{"n": 5}'], lease)
        expect(p.rc == 0, "start: %r" % p)
        xid = p.out.strip()
        full = {k: v for k, v in os.environ.items() if k not in FAULT_ENV}
        full.update(lease)

        def worker(name, extra):
            env = dict(full, **extra)
            w = subprocess.Popen([HOST, "worker", "--db", db], env=env, stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(tmp, name + ".err"), "w"))
            procs.append(w)
            return w

        hung = worker("hung", {"CAIRN_REL_HOLD": hold})
        deadline = time.monotonic() + 60
        while not side_lines(side, "announce"):
            expect(time.monotonic() < deadline, "the first worker never announced the callback")
            time.sleep(0.05)
        cb = side_lines(side, "announce")[0][4]
        p = send_callback(Scenario("relay", HOST, [], [], answer=["succeed", "--result", '{"v": "late"}']), db, cb)
        expect(p.rc == 0, "callback: %r" % p)
        while not side_lines(side, "finish"):
            expect(time.monotonic() < deadline, "the first worker never reached finish")
            time.sleep(0.05)
        # The first worker now hangs inside `finish`, its lease running out.
        other = worker("other", {})
        while executions(HOST, db)[0]["status"] != "SUCCEEDED":
            expect(time.monotonic() < deadline, "the execution was never taken over")
            time.sleep(0.1)
        done = history(HOST, db, xid)
        finish = [l for l in side_lines(side, "finish")]
        expect(len(finish) == 2 and finish[0][3] == str(hung.pid) and finish[1][3] == str(other.pid),
               "finish ran %r: expected once in the hung worker, then once in the other" % finish)
        # The hung worker wakes up: its result comes too late and is refused.
        # (A worker finishes the invocation in flight before SIGTERM stops it.)
        for w in procs:
            w.send_signal(signal.SIGTERM)
        os.unlink(hold)
        codes = [w.wait(timeout=30) for w in procs]
        expect(codes == [0, 0], "workers exited %s after SIGTERM" % codes)
        after = history(HOST, db, xid)
        expect(after == done, "the hung worker changed the journal after the takeover")
        expect(after["execution"]["result"] == {"n": 5, "got": "late"},
               "result %r" % after["execution"]["result"])
        print("ok   a hung worker's execution was taken over when its lease ran out; "
              "its late result changed nothing")
    finally:
        for w in procs:
            if w.poll() is None:
                w.kill()
                w.wait()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# Disk and database faults
# ---------------------------------------------------------------------------

CAUSES = {"write": "disk I/O error", "fsync": "disk I/O error", "full": "database or disk is full"}


def torture():
    return Scenario("torture", HOST,
                    [HOST, "start", "torture", "--db", "{db}", "--input", '{"n": 7}'], [],
                    answer=["succeed", "--result", '{"ok": true}'])


def fresh(work):
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    db = os.path.join(work, "cairn.db")  # created by the first command that writes
    return db, {"side": os.path.join(work, "side.txt"), "answered": False, "log": ""}


def names_fault(p, db, cause, label):
    """A refusal: exit 1 (not a crash or a sanitizer's report), naming the store and the cause."""
    sane = "Sanitizer" not in p.err and "runtime error:" not in p.err
    expect(p.rc == 1 and sane and db in p.err and cause in p.err,
           "%s: expected a non-zero exit naming %s and '%s': %r" % (label, db, cause, p))


def snapshot_of(db):
    xs = executions(HOST, db)
    return xs, (history(HOST, db, xs[0]["id"])["operations"] if xs else [])


def fault_runs(sc, ref, tmp, kind, step, limit=400):
    """CAIRN_FAULT=KIND:after=N on `run`, for N = 0, step, 2 step, ... until a run goes through."""
    tried = 0
    for n in range(0, limit, step * STRIDE):
        label = "run with %s:after=%d" % (kind, n)
        db, state = fresh(os.path.join(tmp, "vfs"))
        p = run([HOST, "run", "torture", "--db", db, "--input", '{"n": 7}', "--skip-time", "--json"],
                {"CAIRN_FAULT": "%s:after=%d" % (kind, n), "CAIRN_REL_SIDE": state["side"]})
        state["log"] += p.err
        xs, snap = snapshot_of(db)
        if p.rc == 0:
            # Success is only reported for what the store holds.
            told = json.loads(p.out)
            expect(len(xs) == 1 and xs[0]["id"] == told["id"] and xs[0]["status"] == told["status"],
                   "%s: reported %s %s, the store holds %r" % (label, told["id"], told["status"], xs))
        else:
            names_fault(p, db, CAUSES[kind], label)
        xid = recover(sc, db, state)
        check_run(sc, label, ref, db, xid, snap, state)
        tried += 1
        if p.rc == 0:
            return tried
    raise Failure("%s: runs still fail after %d writes allowed" % (kind, limit))


def test_faults():
    sc = torture()
    tmp = tempfile.mkdtemp(prefix="cairn-faults.")
    try:
        db, state = fresh(os.path.join(tmp, "ref"))
        expect(run(sc.start[:-4] + ["--db", db, "--input", '{"n": 7}'],
                   {"CAIRN_REL_SIDE": state["side"]}).rc == 0, "reference start")
        ref = history(HOST, db, recover(sc, db, state))
        expect(ref["execution"]["status"] == "SUCCEEDED", "reference: %r" % ref["execution"])

        # The VFS shim on a whole run, at every write (sync) it makes in turn.
        for kind, step in (("write", 2), ("fsync", 1), ("full", 3)):
            tried = fault_runs(sc, ref, tmp, kind, step)
            print("ok   %s faults: %d runs, each failed naming the store and the cause, "
                  "then recovered to the same result" % (kind, tried))

        # `start` under faults: an id printed is an execution the store holds.
        for kind in ("write", "fsync", "full"):
            for n in range(0, 60):
                label = "start with %s:after=%d" % (kind, n)
                db, state = fresh(os.path.join(tmp, "start"))
                p = run([HOST, "start", "torture", "--db", db, "--input", '{"n": 7}'],
                        {"CAIRN_FAULT": "%s:after=%d" % (kind, n)})
                if p.rc != 0:
                    names_fault(p, db, CAUSES[kind], label)
                    continue
                xs = executions(HOST, db)
                expect([x["id"] for x in xs] == [p.out.strip()],
                       "%s: printed %r, the store holds %r" % (label, p.out, xs))
                check_run(sc, label, ref, db, recover(sc, db, state), [], state)
                break
            else:
                raise Failure("start with %s faults never went through" % kind)
        print("ok   start under write, fsync and full faults: refused naming them, or its id is stored")

        # A callback answer that cannot be committed is not reported delivered.
        for kind in ("write", "fsync", "full"):
            label = "callback succeed with %s:after=0" % kind
            db, state = fresh(os.path.join(tmp, "cb"))
            p = run([HOST, "run", "torture", "--db", db, "--input", '{"n": 7}', "--skip-time"],
                    {"CAIRN_REL_SIDE": state["side"]})
            expect(p.rc == 0, "run to the callback: %r" % p)
            xs, snap = snapshot_of(db)
            cb = callback_op({"operations": snap})[0]["callback_id"]
            p = send_callback(sc, db, cb, {"CAIRN_FAULT": kind + ":after=0"})
            names_fault(p, db, CAUSES[kind], label)
            again = send_callback(sc, db, cb)
            expect(again.rc == 0, "%s: the answer was refused after a failed delivery: %r" % (label, again))
            state["answered"] = True
            check_run(sc, label, ref, db, recover(sc, db, state), snap, state)
        print("ok   a callback answer that failed to commit is reported failed, and delivered once when resent")

        # A long-running worker reports the fault, keeps what it had, stops on SIGTERM.
        db, state = fresh(os.path.join(tmp, "worker"))
        expect(run(sc.start[:-4] + ["--db", db, "--input", '{"n": 7}']).rc == 0, "start")
        full = {k: v for k, v in os.environ.items() if k not in FAULT_ENV}
        full.update({"CAIRN_FAULT": "fsync:after=3", "CAIRN_REL_SIDE": state["side"]})
        errf = os.path.join(tmp, "worker.err")
        w = subprocess.Popen([HOST, "worker", "--db", db], env=full, stdout=subprocess.DEVNULL,
                             stderr=open(errf, "w"))
        deadline = time.monotonic() + 30
        while CAUSES["fsync"] not in open(errf).read() and time.monotonic() < deadline:
            time.sleep(0.05)
        w.send_signal(signal.SIGTERM)
        w.wait(timeout=30)
        err = open(errf).read()
        expect(db in err and CAUSES["fsync"] in err,
               "worker with fsync:after=3: its errors do not name %s and the cause: %r" % (db, err))
        xs, snap = snapshot_of(db)
        check_run(sc, "worker with fsync faults", ref, db, recover(sc, db, state), snap, state)
        print("ok   a worker under fsync faults names them and loses nothing")

        # A database locked by another connection past busy_timeout (5 s).
        db, state = fresh(os.path.join(tmp, "locked"))
        p = run([HOST, "run", "torture", "--db", db, "--input", '{"n": 7}', "--skip-time"],
                {"CAIRN_REL_SIDE": state["side"]})
        xs, snap = snapshot_of(db)
        cb = callback_op({"operations": snap})[0]["callback_id"]
        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        lock.execute("UPDATE executions SET updated_at = updated_at")
        p = send_callback(sc, db, cb)
        names_fault(p, db, "database is locked", "callback succeed on a locked store")
        p = run([HOST, "start", "torture", "--db", db, "--input", "{}"])
        names_fault(p, db, "database is locked", "start on a locked store")
        lock.execute("ROLLBACK")
        lock.close()
        expect(len(executions(HOST, db)) == 1, "a start on a locked store created an execution")
        check_run(sc, "locked store", ref, db, recover(sc, db, state), snap, state)
        print("ok   a locked store: callback and start refused naming the lock, then recovered")

        # Damaged files and a newer schema: refused by every command, file unchanged.
        db, state = fresh(os.path.join(tmp, "damaged"))
        junk = os.path.join(tmp, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"this is not a database, only text that looks nothing like one\n" * 100)
        newer = os.path.join(tmp, "newer.db")
        expect(run([HOST, "start", "torture", "--db", newer]).rc == 0, "newer: create")
        c = sqlite3.connect(newer)
        c.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        c.commit()
        c.close()
        torn = os.path.join(tmp, "torn.db")
        for i in range(20):
            expect(run([HOST, "start", "torture", "--db", torn, "--input", '{"pad": "%s"}' % ("x" * 2000)]).rc == 0,
                   "torn: start")
        with open(torn, "r+b") as f:  # the WAL was checkpointed into it by the last close
            f.seek(2 * 4096)
            f.write(b"\xa5" * 8 * 4096)
        cases = [(junk, "not an SQLite database"), (torn, "malformed"),
                 (newer, "store schema version 99 is newer than this cairn supports")]
        for path, cause in cases:
            before = open(path, "rb").read()
            for cmd in ([HOST, "list"], [HOST, "worker", "--until-idle"],
                        [HOST, "run", "torture", "--input", "{}"], [CAIRN, "list"],
                        [CAIRN, "callback", "succeed", "x" * 32]):
                p = run(cmd + ["--db", path])
                names_fault(p, path, cause, " ".join(os.path.basename(a) for a in cmd[:2]))
            expect(open(path, "rb").read() == before, "%s was changed by a refusal" % path)
        print("ok   a corrupt store and a newer schema are refused, naming the file, unchanged")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main():
    tests = {"kill": test_kill}
    for extra in ("workers", "takeover", "faults"):
        fn = globals().get("test_" + extra)
        if fn:
            tests[extra] = fn
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in tests:
        print("usage: reliability.py %s" % "|".join(tests), file=sys.stderr)
        return 2
    try:
        tests[name]()
    except Failure as f:
        print("FAIL: %s" % f, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
