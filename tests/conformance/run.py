#!/usr/bin/env python3
"""Runs cairn's conformance cases against a host holding their workflows.

usage: run.py HOST (CASE.json | DIR)...  run the cases, print one line each
       run.py --check-doc DOC              DOC's table and list of what is
                                           not expressible match the cases

Each case (tests/conformance/SUITE/ID.json) names a requirement of AWS's
durable-execution conformance suite (aws/aws-durable-execution-conformance-
tests, test-requirements/SUITE/ID.yaml), the cairn workflow written from its
prose, the input, the callback actions an outside system performs, and what
must come out: the status, the result or error type, log lines, and the
execution history as AWS events (`history EXEC --events --json`).

How a case runs, on a store of its own, through the host's CLI only:
  1. `HOST start WORKFLOW --input JSON`;
  2. `HOST worker --until-idle` on the real clock: the first invocation runs,
     and the execution suspends at its first wait, callback or retry delay;
  3. every new CallbackStarted is answered at once, in history order, by the
     first unused action whose `callback` names it (or is "*"; a callback
     inside a wait_for_callback is named after it): `HOST callback succeed
     ID --result JSON`, `fail`, `heartbeat` (a heartbeat leaves the callback
     open for a later action); a callback no action names stays open;
  4. `HOST worker --until-idle --skip-time`: the virtual clock jumps from one
     wake-up to the next (timers, retry delays, callback deadlines);
  5. 3 and 4 again until the execution ends or nothing changes.
The actions of AWS's requirements are delayed by a second or so; every one
of them lands before the timer it races with, as answering at once does. A
worker that dies (a step that crashes its process on purpose, "crashes" in
the case) is run again.

Comparing the history: InvocationCompleted events are left out of both (AWS
writes one per Lambda invocation, cairn has no such event); then the lists
must have the same length and each expected event must match the actual one
at its position: an object matches when each of its keys matches (other keys
are ignored), "*" matches anything, "${NAME}" binds NAME to the actual value
at its first use and must equal it after, "${/RE/}" is a regular expression
the value must contain, anything else must be equal. Timestamps are never
compared.

The history compared is the case's execution's only. An invoke starts a
child execution of its own (with its own history); a case's "children"
lists what the executions whose parent is the case's must be, oldest first,
as `list --json` shows them (matched as above, with the same bindings: a
child's "id" can be bound to the DurableExecutionArn of its
ChainedInvokeStarted), which also pins how many were started.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
REGEX = re.compile(r"^\$\{/(.*)/\}$")
HERE = os.path.dirname(os.path.abspath(__file__))
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED")


class Mismatch(Exception):
    pass


def match(exp, act, path, binds):
    """Raises Mismatch unless actual value act matches expected exp."""
    if exp == "*":
        return
    if isinstance(exp, str):
        m = REGEX.match(exp)
        if m:
            if not isinstance(act, (str, int, float)) or not re.search(m.group(1), str(act)):
                raise Mismatch(f"{path}: {act!r} does not match /{m.group(1)}/")
            return
        m = PLACEHOLDER.match(exp)
        if m:
            name = m.group(1)
            if name not in binds:
                binds[name] = act
            elif binds[name] != act:
                raise Mismatch(f"{path}: ${{{name}}} is {binds[name]!r} earlier, {act!r} here")
            return
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            raise Mismatch(f"{path}: expected an object, got {act!r}")
        for k, v in exp.items():
            if k not in act:
                raise Mismatch(f"{path}.{k}: missing")
            match(v, act[k], f"{path}.{k}", binds)
        return
    if isinstance(exp, list):
        if not isinstance(act, list) or len(act) != len(exp):
            raise Mismatch(f"{path}: expected {len(exp)} items, got {act!r}")
        for i, (e, a) in enumerate(zip(exp, act)):
            match(e, a, f"{path}[{i}]", binds)
        return
    if exp != act or type(exp) is not type(act):
        raise Mismatch(f"{path}: expected {exp!r}, got {act!r}")


def summary(events):
    return "\n".join(
        f"    {e.get('EventType')} {e.get('Id', '')} {e.get('Name', '')}".rstrip()
        for e in events)


class Case:
    def __init__(self, host, path, work):
        with open(path) as f:
            self.c = json.load(f)
        self.host = host
        self.name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
        self.db = os.path.join(work, self.c["requirement"] + ".db")
        self.stderr = ""
        if os.path.exists(self.db):
            os.unlink(self.db)

    def cli(self, *args, ok=(0,)):
        p = subprocess.run([self.host, *args, "--db", self.db], capture_output=True, text=True,
                           timeout=120)
        self.stderr += p.stderr
        if p.returncode not in ok:
            raise Mismatch(f"`{' '.join(args)}` exited {p.returncode}: {p.stderr.strip()}")
        return p

    def events(self):
        return json.loads(self.cli("history", self.id, "--events", "--json").stdout)

    def status(self):
        return json.loads(self.cli("status", self.id, "--json").stdout)

    def worker(self, skip_time):
        crashes = self.c.get("crashes", 0)
        args = ["worker", "--until-idle"] + (["--skip-time"] if skip_time else [])
        p = self.cli(*args, ok=range(256) if crashes else (0,))
        if p.returncode != 0:
            self.crashed += 1
            if self.crashed > crashes:
                raise Mismatch(f"the worker died {self.crashed} times, {crashes} expected")

    def answer(self, handled, used):
        """Answers the new callbacks; returns how many actions it performed."""
        evs = self.events()
        names = {e["Id"]: e.get("Name") for e in evs}
        done = 0
        for e in evs:
            if e["EventType"] != "CallbackStarted":
                continue
            cid = e["CallbackStartedDetails"]["CallbackId"]
            if cid in handled:
                continue
            name = e.get("Name") or names.get(e.get("ParentId"))
            for i, a in enumerate(self.c["actions"]):
                if i in used or a["callback"] not in ("*", name):
                    continue
                used.add(i)
                if a["op"] == "succeed":
                    extra = ["--result", json.dumps(a["result"])] if "result" in a else []
                    self.cli("callback", "succeed", cid, *extra)
                elif a["op"] == "fail":
                    err = a["error"]
                    extra = ["--error-data", err["ErrorData"]] if "ErrorData" in err else []
                    self.cli("callback", "fail", cid, "--error-type", err["ErrorType"],
                             "--error-message", err["ErrorMessage"], *extra)
                else:
                    self.cli("callback", "heartbeat", cid)
                done += 1
                if a["op"] != "heartbeat":
                    handled.add(cid)
                    break
            else:
                handled.add(cid)  # no action for it: it stays open
        return done

    def run(self):
        c = self.c
        self.crashed = 0
        self.id = self.cli("start", c["workflow"], "--input", json.dumps(c["input"])).stdout.strip()
        handled, used = set(), set()
        self.worker(skip_time=False)
        for _ in range(100):
            acted = self.answer(handled, used)
            before = len(self.events())
            if self.status()["status"] in TERMINAL:
                break
            self.worker(skip_time=True)
            if not acted and len(self.events()) == before:
                break
        unused = [a for i, a in enumerate(c["actions"]) if i not in used]
        if unused:
            raise Mismatch(f"actions never performed: {unused}")
        self.check()

    def check(self):
        c = self.c
        st = self.status()
        binds = {}
        match(c["status"], st["status"], "status", binds)
        if "result" in c:
            match(c["result"], st.get("result"), "result", binds)
        if "error" in c:
            match(c["error"], st.get("error"), "error", binds)
        actual = [e for e in self.events() if e["EventType"] != "InvocationCompleted"]
        expected = [e for e in c["events"] if e["EventType"] != "InvocationCompleted"]
        if len(actual) != len(expected):
            raise Mismatch(f"{len(actual)} events, {len(expected)} expected:\n"
                           f"  actual:\n{summary(actual)}\n  expected:\n{summary(expected)}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            try:
                match(e, a, f"event {i + 1} ({a.get('EventType')})", binds)
            except Mismatch as m:
                raise Mismatch(f"{m}\n  actual:\n{summary(actual)}") from None
        if "children" in c:
            kids = [e for e in json.loads(self.cli("list", "--json").stdout)
                    if e.get("parent") and e["parent"]["id"] == self.id]
            kids.sort(key=lambda e: (e["created_at"], e["id"]))
            match(c["children"], kids, "children", binds)
        for want in c.get("logs", []):
            n = len(re.findall(want["match"], self.stderr))
            if n != want["count"]:
                raise Mismatch(f"log /{want['match']}/ printed {n} times, {want['count']} "
                               f"expected; stderr:\n{self.stderr}")


def suite_ids(d):
    """The requirement ids of the cases in folder d: {"1-1", ...}."""
    if not os.path.isdir(d):
        return set()
    return {f[:-5] for f in os.listdir(d) if f.endswith(".json")}


def table(suites):
    """docs/conformance.md's table: passed / expressible / total per suite.

    Every case in the tree passes (its ctest test fails otherwise), and a
    requirement without a case is not expressible in the language (the doc
    says why, which check_doc enforces)."""
    rows = ["| suite | passed | expressible | total |", "|---|---|---|---|"]
    for s in suites["suites"]:
        n = len(suite_ids(os.path.join(HERE, s["name"])))
        rows.append(f"| {s['name']} | {n} | {n} | {s['total']} |")
    return "\n".join(rows)


def check_doc(doc_path):
    """The doc's table is the tree's, and every requirement without a case
    has a row of its own, or its suite one, under "Not expressible"."""
    with open(os.path.join(HERE, "suites.json")) as f:
        suites = json.load(f)
    with open(doc_path) as f:
        doc = f.read()
    problems = []
    want = table(suites)
    if want not in doc:
        problems.append(f"{doc_path} lacks the table of the tree:\n{want}")
    section = doc.split("## Not expressible", 1)[-1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| requirement")}
    for s in suites["suites"]:
        have = suite_ids(os.path.join(HERE, s["name"]))
        prefix = {"step": 1, "wait": 2, "child": 3, "callback": 4, "invoke": 5,
                  "wait_for_condition": 6, "wait_for_callback": 7, "parallel": 8, "map": 9,
                  "plugin": 10}[s["name"]]
        for i in range(1, s["total"] + 1):
            rid = f"{prefix}-{i}"
            if rid not in have and rid not in rows and s["name"] not in rows:
                problems.append(f"{s['name']} {rid}: no case, and no row under Not expressible")
        for rid in have:
            if rid in rows:
                problems.append(f"{rid} has a case and a row under Not expressible")
    for p in problems:
        print(p)
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--check-doc":
        return check_doc(argv[2])
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    host, failed, paths = argv[1], 0, []
    for a in argv[2:]:  # case files, or folders of them
        if os.path.isdir(a):
            paths += sorted((os.path.join(a, f) for f in os.listdir(a) if f.endswith(".json")),
                            key=lambda p: [int(n) for n in re.findall(r"\d+", os.path.basename(p))])
        else:
            paths.append(a)
    with tempfile.TemporaryDirectory() as work:
        for path in paths:
            case = Case(host, path, work)
            try:
                case.run()
                print(f"ok    {case.name}")
            except (Mismatch, subprocess.TimeoutExpired, KeyError, ValueError) as e:
                failed += 1
                print(f"FAIL  {case.name}: {e}")
    print(f"{len(paths) - failed} of {len(paths)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
