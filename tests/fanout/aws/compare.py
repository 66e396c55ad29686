#!/usr/bin/env python3
"""compare.py AWS_JSON CAIRN_DIR — compares what AWS's local runner did
(run_aws.mjs's output) with what cairn did (CAIRN_DIR/CASE.status.json and
CASE.history.json, from `status --json` and `history --json`), case by case:
the execution's status and result, and every operation's type, sub-type,
name, place in the tree (its ancestors' sub-types and names: AWS's ids are
hashes, cairn's are p-i-k) and status, and the result of every one that
succeeded. The differences cairn makes on purpose are listed in DELIBERATE
and applied to AWS's side first; anything else fails. Prints each case's
operations side by side (a Markdown table)."""
import json
import sys

# (case, path) -> (AWS's status, cairn's status): when a completion policy is
# met, cairn cancels the branches still running (AWS leaves them STARTED
# forever) and every operation still open inside them (AWS's local runner
# lets the wait's timer fire).
DELIBERATE = {
    ("aws_quorum", (("Parallel", "race"), ("ParallelBranch", "slow"))): ("STARTED", "CANCELLED"),
    ("aws_quorum", (("Parallel", "race"), ("ParallelBranch", "slow"), ("Wait", "pause"))):
        ("SUCCEEDED", "CANCELLED"),
}
# ... and the parent's payload says so: {"index": 0, "status": "STARTED"} -> CANCELLED.
DELIBERATE_ALL = {("aws_quorum", "race"): {0: ("STARTED", "CANCELLED")}}


def tree(ops, key_id, key_parent, key_sub):
    """{id: op} and each op's path from the root."""
    by_id = {o[key_id]: o for o in ops}

    def path(o):
        p = []
        while o is not None:
            p.append((o[key_sub], o["name"]))
            o = by_id.get(o[key_parent])
        return tuple(reversed(p))
    return [(path(o), o) for o in ops]


def rows(case, ops, aws):
    out = []
    for path, o in ops:
        status, result = o["status"], o.get("result")
        if aws:
            status = DELIBERATE.get((case, path), (status, status))[1] if \
                DELIBERATE.get((case, path), (None,))[0] == status else status
            fix = DELIBERATE_ALL.get((case, o["name"]))
            if fix and isinstance(result, dict):
                for item in result.get("all", []):
                    want = fix.get(item["index"])
                    if want and item["status"] == want[0]:
                        item["status"] = want[1]
        if status != "SUCCEEDED":
            result = None  # errors are each side's own words
        if isinstance(result, dict):  # so are a batch's items' errors (AWS: ChildContextError)
            for item in result.get("all", []):
                if "error" in item:
                    item["error"] = "(an error)"
        out.append((path, o["type"], status, json.dumps(result, sort_keys=True)))
    return sorted(out)


def main():
    aws_all = json.load(open(sys.argv[1]))
    failures = 0
    for case, aws in aws_all.items():
        st = json.load(open("%s/%s.status.json" % (sys.argv[2], case)))
        hist = json.load(open("%s/%s.history.json" % (sys.argv[2], case)))
        cops = [o for o in hist["operations"] if o["type"] != "EXECUTION"]
        a = rows(case, tree(aws["operations"], "id", "parent", "subType"), True)
        c = rows(case, tree(cops, "id", "parent_id", "sub_type"), False)
        print("\n### %s\n\n| operation (path) | type | AWS local runner | cairn |\n|---|---|---|---|" % case)
        for path, o in tree(aws["operations"], "id", "parent", "subType"):
            mine = [x for p, x in tree(cops, "id", "parent_id", "sub_type") if p == path]
            print("| %s | %s | %s | %s |" % (" / ".join(n for _, n in path), o["type"], o["status"],
                                           mine[0]["status"] if mine else "(none)"))
        problems = []
        if aws["status"] != st["status"]:
            problems.append("status: AWS %s, cairn %s" % (aws["status"], st["status"]))
        if aws["result"] != st["result"]:
            problems.append("result: AWS %s, cairn %s" % (json.dumps(aws["result"]), json.dumps(st["result"])))
        if a != c:
            for x in sorted(set(a) - set(c)):
                problems.append("AWS only:   %s" % (x,))
            for x in sorted(set(c) - set(a)):
                problems.append("cairn only: %s" % (x,))
        for p in problems:
            print("FAIL: %s: %s" % (case, p), file=sys.stderr)
        failures += bool(problems)
    print("\n%d of %d cases the same (deliberate differences applied)" % (len(aws_all) - failures, len(aws_all)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
