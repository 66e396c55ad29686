#!/usr/bin/env python3
"""compare.py DIR CASE... — compares the updates cairn's `HOST lambda` and the
JS SDK's twin sent for each CASE (test_wire.sh writes DIR/cairn-CASE.json and
DIR/js-CASE.json, durable_standin.py's record of the execution, and
DIR/SIDE-CASE.requests.log, its log of the checkpoint requests).

Updates are paired by (Id, Type, Action, n-th such): the same operation's
same action. For each pair every member is compared: Id, ParentId, Type,
SubType, Action, Name, WaitOptions, StepOptions, CallbackOptions,
ChainedInvokeOptions, ContextOptions, the presence of Payload and Error and
their values (a Payload as JSON; an Error's ErrorType, ErrorMessage,
ErrorData as JSON, StackTrace), and any other member either sends. An update
one side sends and the other does not is a difference too, and so is the
order of the updates (of sequential workflows; a fan-out's concurrent
branches may interleave). Each difference must be listed in KNOWN, with why;
anything else fails, and so does a KNOWN entry that did not happen.

Prints Markdown: a summary table, each case's updates side by side, the
checkpoint requests (how each side groups its updates: free, but for an
at-most-once step's START, which must end its request) and the differences."""
import json
import sys

# The differences cairn has on purpose, each with its reason. An entry names
# the case(s), the operation (its Name), the action and the field it is about
# (a field of the update; "update" when one side sends an update the other
# does not; "order" for the order of the updates), and what each side sends
# (None: the field or update is absent; "*": any value).
KNOWN = [
    *[{"cases": ["approval", "approval-away"], "type": t, "name": "manager-approval", "action": a, "field": "Name",
       "cairn": "manager-approval", "js": None,
       "why": "cairn names the callback and the submitter's step inside a wait_for_callback after "
              "the operation (its history and AWS's console show them by it); the JS SDK creates "
              "both unnamed inside the WaitForCallback context. Name is optional: AWS takes either, "
              "and the ids (md5 of 1-1, 1-2) are the same."}
      for t, a in (("CALLBACK", "START"), ("STEP", "START"), ("STEP", "SUCCEED"))],
    {"cases": ["approval", "approval-away"], "type": "STEP", "name": "manager-approval", "action": "SUCCEED",
     "field": "Payload", "cairn": {"notified": True}, "js": None,
     "why": "cairn journals what the submitter hook returns (notify_manager returns "
            "{notified: true}); a JS submitter returns void and its step SUCCEEDs with no Payload."},
    {"cases": ["approval"], "type": "CONTEXT", "name": "manager-approval", "action": "SUCCEED",
     "field": "Payload", "cairn": {"approved": True, "by": "ana"}, "js": '{"approved":true,"by":"ana"}',
     "why": "the answer's bytes are the same, encoded differently: cairn's await reads the answer "
            "as its result mode says (JSON by default) and journals that value; the JS SDK's "
            "waitForCallback result is the raw text, a string, which its serdes journals as a JSON "
            "string. Each side replays only its own journal, and AWS does not read payloads."},
    {"cases": ["approval-away"], "type": "CONTEXT", "name": "manager-approval", "action": "FAIL",
     "field": "Error.ErrorType", "cairn": "Callback.Failed", "js": "CallbackExternalError",
     "why": "a callback answered with a failure is Callback.Failed in cairn's vocabulary (what "
            "a workflow's catch names, as on SQLite); the JS SDK names it CallbackExternalError. "
            "ErrorMessage is the sender's on both sides."},
    {"cases": ["approval-away"], "type": "CONTEXT", "name": "manager-approval", "action": "FAIL",
     "field": "Error.ErrorData",
     "cairn": {"ErrorType": "Manager.Away", "ErrorMessage": "on leave until May", "ErrorData": '{"back":"May 4"}'},
     "js": {"back": "May 4"},
     "why": "cairn's Callback.Failed keeps the sender's whole error (its type too, which the "
            "JS SDK drops) as its data; the JS SDK passes on the sender's ErrorData only."},
    {"cases": ["approval-away"], "type": "EXECUTION", "name": "(execution)", "action": "-",
     "field": "outcome",
     "cairn": ["FAILED", None, {"ErrorType": "Callback.Failed", "ErrorMessage": "on leave until May",
                                "ErrorData": {"ErrorType": "Manager.Away", "ErrorMessage": "on leave until May",
                                              "ErrorData": '{"back":"May 4"}'}}],
     "js": ["FAILED", None, {"ErrorType": "CallbackExternalError", "ErrorMessage": "on leave until May",
                             "ErrorData": {"back": "May 4"}}],
     "why": "the execution fails with the wait_for_callback's error (above): each side's own name for it."},
    {"cases": ["aws_tolerate"], "type": "CONTEXT", "name": "map-item-2", "action": "FAIL",
     "field": "Error.ErrorType", "cairn": "Charge.Declined", "js": "StepError",
     "why": "an error nothing catches leaves a cairn branch (map item, parallel branch, group) "
            "unchanged, so a catch outside names its own type; the JS SDK rethrows a failed step "
            "as a StepError (the step's FAIL itself carries Charge.Declined on both sides)."},
    {"cases": ["aws_tolerate"], "type": "CONTEXT", "name": "lines", "action": "SUCCEED",
     "field": "Payload",
     "cairn": {"all": [{"index": 0, "status": "SUCCEEDED", "result": 10},
                       {"index": 1, "status": "SUCCEEDED", "result": 20},
                       {"index": 2, "status": "FAILED",
                        "error": {"type": "Charge.Declined", "message": "line 3 declined"}},
                       {"index": 3, "status": "SUCCEEDED", "result": 40}],
               "completionReason": "ALL_COMPLETED"},
     "js": {"all": [{"result": 10, "index": 0, "status": "SUCCEEDED"},
                    {"result": 20, "index": 1, "status": "SUCCEEDED"},
                    {"error": {"ErrorType": "ChildContextError", "ErrorMessage": "line 3 declined",
                               "Cause": {"ErrorType": "StepError", "ErrorMessage": "line 3 declined",
                                         "Cause": {"ErrorType": "StepError",
                                                   "ErrorMessage": "line 3 declined"}}},
                     "index": 2, "status": "FAILED"},
                    {"result": 40, "index": 3, "status": "SUCCEEDED"}],
            "completionReason": "ALL_COMPLETED"},
     "why": "the batch's summary has the same items, statuses and completionReason; a failed "
            "item's error is in each side's words: cairn's {type, message, data} (what ${m.results} "
            "and a workflow's catch see), the JS SDK's ErrorObject with its ChildContextError and "
            "StepError wrappers as Cause."},
    {"cases": ["aws_batch", "aws_tolerate"], "type": "-", "name": "(all)", "action": "-", "field": "order",
     "cairn": "*", "js": "*",
     "why": "cairn runs the branches of a parallel and the items of a map one after the other in "
            "one thread (each branch's updates together), the JS SDK interleaves them (both "
            "branches START, then both steps); each operation's own updates come in the same "
            "order on both sides, and every update is the same."},
]

# At-most-once steps, (case, Name): on both sides their START must end its
# checkpoint request, so that it is durable before the step's body runs.
AT_MOST_ONCE = [(c, "reserve-stock") for c in ("order-success", "order-out_of_stock", "order-declined")]

# Values that differ from run to run, removed from both sides' Payload before
# they are compared: (case, Type, Name, Action, path in the Payload, why).
VOLATILE = [
    ("payment", "STEP", "request-charge", "SUCCEED", ("headers", "date"),
     "the http response's Date header: each side's request is its own, a second or more apart"),
]

FIELDS = ["Id", "ParentId", "Type", "SubType", "Action", "Name", "WaitOptions", "StepOptions",
          "CallbackOptions", "ChainedInvokeOptions", "ContextOptions", "Payload", "Error"]
ERROR_FIELDS = ["ErrorType", "ErrorMessage", "ErrorData", "StackTrace"]
MISSING = None


def as_json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def values(case, u, name):
    """update -> {field: comparable value}; absent fields are left out."""
    out = {}
    for k, v in u.items():
        if k == "Payload":
            out[k] = as_json(v)
            for vc, vt, vn, va, path, _ in VOLATILE:
                if (vc, vt, vn, va) == (case, u["Type"], name, u["Action"]):
                    x = out[k]
                    for p in path[:-1]:
                        x = x.get(p, {}) if isinstance(x, dict) else {}
                    if isinstance(x, dict):
                        x.pop(path[-1], None)
        elif k == "Error":
            for ek, ev in v.items():
                out["Error." + ek] = as_json(ev) if ek == "ErrorData" else ev
            out["Error"] = "present"
        else:
            out[k] = v
    return out


def keyed(updates):
    """[(key, update)] with key (Id, Type, Action, n)."""
    seen, out = {}, []
    for u in updates:
        k = (u["Id"], u["Type"], u["Action"])
        seen[k] = seen.get(k, 0) + 1
        out.append((k + (seen[k],), u))
    return out


def refusals(path):
    """What the stand-in refused (it refuses what AWS would: a bad id, an action on the wrong state, ...)."""
    return [e for e in map(json.loads, open(path)) if e.get("status", 200) != 200]


def requests(path):
    out = []
    for line in open(path):
        e = json.loads(line)
        if e["path"].endswith("/checkpoint") and e.get("status") == 200:
            out.append([(u["Id"], u["Type"], u["Action"]) for u in e["body"]["Updates"]])
    return out


def short(v, raw=False):
    t = v if raw else json.dumps(v, sort_keys=True)
    t = t.replace("|", "\\|")
    return t if len(t) <= 60 else t[:57] + "..."


def known_for(case, typ, name, action, field, cv, jv):
    for k in KNOWN:
        if case in k["cases"] and k["type"] == typ and k["name"] == name and k["action"] == action and \
                k["field"] == field and \
                (k["cairn"] == "*" or k["cairn"] == cv) and (k["js"] == "*" or k["js"] == jv):
            return k
    return None


def main():
    d, cases = sys.argv[1], sys.argv[2:]
    used, unexpected, summary, detail = set(), [], [], []
    for case in cases:
        c = json.load(open("%s/cairn-%s.json" % (d, case)))
        j = json.load(open("%s/js-%s.json" % (d, case)))
        diffs = []  # (type, name, action, field, cairn, js)

        def outcome(x):
            e = dict(x["error"] or {})
            if "ErrorData" in e:
                e["ErrorData"] = as_json(e["ErrorData"])
            return [x["status"], as_json(x["result"]), e]
        if outcome(c) != outcome(j):
            diffs.append(("EXECUTION", "(execution)", "-", "outcome", outcome(c), outcome(j)))
        ck, jk = keyed(c["updates"]), keyed(j["updates"])
        cmap, jmap = dict(ck), dict(jk)
        names = {}
        for u in j["updates"] + c["updates"]:  # cairn's name, else the JS SDK's
            names[u["Id"]] = u.get("Name") or names.get(u["Id"])
        rows = []
        for key in [k for k, _ in ck] + [k for k, _ in jk if k not in cmap]:
            name, action = names.get(key[0]), key[2]
            cu, ju = cmap.get(key), jmap.get(key)
            row = {"key": key, "name": name, "u": cu or ju, "diffs": []}
            if cu is None or ju is None:
                row["diffs"].append(("update", "sent" if cu else None, "sent" if ju else None))
            else:
                cv, jv = values(case, cu, name), values(case, ju, name)
                for f in sorted(set(cv) | set(jv), key=lambda f: (FIELDS + ERROR_FIELDS + [f]).index(
                        f.split(".")[-1]) if f.split(".")[-1] in FIELDS + ERROR_FIELDS else 99):
                    if cv.get(f, MISSING) != jv.get(f, MISSING):
                        row["diffs"].append((f, cv.get(f, MISSING), jv.get(f, MISSING)))
            for f, a, b in row["diffs"]:
                diffs.append((key[1], name, action, f, a, b))
            rows.append(row)
        creq, jreq = requests("%s/cairn-%s.requests.log" % (d, case)), requests("%s/js-%s.requests.log" % (d, case))
        corder = [k for k, _ in ck if k in jmap]
        jorder = [k for k, _ in jk if k in cmap]
        if corder != jorder:
            diffs.append(("-", "(all)", "-", "order", "cairn's order", "the JS SDK's order"))
        for side, f in (("cairn", "cairn"), ("JS SDK", "js")):
            for e in refusals("%s/%s-%s.requests.log" % (d, f, case)):
                unexpected.append((case, "-", "(request)", "-", "request", "%s: the stand-in refused" % side, e))
        for side, reqs in (("cairn", creq), ("JS SDK", jreq)):
            for r in reqs:
                for i, x in enumerate(r):
                    if (case, names.get(x[0])) in AT_MOST_ONCE and x[2] == "START" and i != len(r) - 1:
                        unexpected.append((case, x[1], names.get(x[0]), "START", "request",
                                           "%s: an at-most-once START is not the last update of its "
                                           "request" % side, r))
        verdicts = {}
        for typ, name, action, f, a, b in diffs:
            k = known_for(case, typ, name, action, f, a, b)
            if k:
                used.add(id(k))
                verdicts[(typ, name, action, f)] = "known"
            else:
                unexpected.append((case, typ, name, action, f, a, b))
                verdicts[(typ, name, action, f)] = "DIFFERENT"
        summary.append((case, len(c["updates"]), len(j["updates"]),
                        sum(1 for r in rows if not r["diffs"]), len(creq), len(jreq),
                        sum(1 for v in verdicts.values() if v == "known"),
                        sum(1 for v in verdicts.values() if v != "known")))
        out = ["", "### %s" % case, "",
               "| # | Name | Type / SubType | Action | Id (ParentId) | options | Payload | Error | cairn vs JS SDK |",
               "|---|---|---|---|---|---|---|---|---|"]
        for i, r in enumerate(rows, 1):
            u = r["u"]
            opts = "; ".join("%s %s" % (k, short(v)) for k, v in u.items() if k.endswith("Options"))
            ids = u["Id"][:8] + ("… (" + u["ParentId"][:8] + "…)" if u.get("ParentId") else "…")
            verdict = "same" if not r["diffs"] else "; ".join(
                "%s %s: cairn %s, JS %s" % (verdicts[(r["key"][1], r["name"], r["key"][2], f)], f, short(a), short(b))
                for f, a, b in r["diffs"])
            out.append("| %d | %s | %s / %s | %s | %s | %s | %s | %s | %s |" % (
                i, r["name"], u["Type"], u.get("SubType", "-"), u["Action"], ids, opts or "-",
                short(u["Payload"], True) if "Payload" in u else "-",
                u["Error"].get("ErrorType", "?") if "Error" in u else "-", verdict))
        def label(x):
            return "%s %s" % (names.get(x[0]), x[2])
        out += ["", "Checkpoint requests (each a list of its updates):", "",
                "- cairn (%d): %s" % (len(creq), " · ".join("[%s]" % ", ".join(label(x) for x in r) for r in creq)),
                "- JS SDK (%d): %s" % (len(jreq), " · ".join("[%s]" % ", ".join(label(x) for x in r) for r in jreq))]
        detail += out
    print("| case | updates (cairn / JS) | identical | checkpoint requests (cairn / JS) | known differences | unexpected |")
    print("|---|---|---|---|---|---|")
    for s in summary:
        print("| %s | %d / %d | %d | %d / %d | %d | %d |" % s)
    print("\n".join(detail))
    stale = [k for k in KNOWN if id(k) not in used]
    sys.stdout.flush()
    if unexpected or stale:
        print("\nFAILED", file=sys.stderr)
        for case, typ, name, action, f, a, b in unexpected:
            if f == "request":
                print("%s: %s: %s %s" % (case, name, a, b), file=sys.stderr)
                continue
            print("unexpected difference: %s: %s %s %s: %s: cairn %s, JS SDK %s" % (
                case, typ, name, action, f, json.dumps(a), json.dumps(b)), file=sys.stderr)
        for k in stale:
            print("a known difference that did not happen (remove it from KNOWN): %s" % json.dumps(k),
                  file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
