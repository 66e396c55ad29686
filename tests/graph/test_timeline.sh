#!/usr/bin/env bash
# test_timeline.sh — `history EXEC --timeline` and `--format mermaid`, on the
# order example's host ($CAIRN_BINARY_DIR/examples/order/order) and the
# cairn tool, from journals written with --skip-time:
#   - a large order that ships: after the table, one timeline line per
#     operation in journal order, the fraud-review wait set for 30m and
#     lasting at least that, its bar spanning the execution, reserve-stock on attempt 2,
#     ship starting after the wait; the host and cairn print the same text,
#     twice the same;
#   - an order suspended on a retry (no --skip-time): open operations say so;
#   - --format mermaid: a gantt chart, one task per operation, the wait's
#     task at least 30 minutes long.
#
# Env: CAIRN, CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR. Needs python3.
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

: "${CAIRN:?set CAIRN to the cairn tool}"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
host=$CAIRN_BINARY_DIR/examples/order/order
[[ -x "$host" ]] || { echo "FAIL: $host is not built (target order)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

input=$(cat "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json")
db=$tmp/order.db
"$host" run order --db "$db" --input "$input" --skip-time >"$tmp/run.out" 2>/dev/null ||
    fail "run exited $?"
grep -q 'SUCCEEDED' "$tmp/run.out" || fail "the order did not succeed: $(cat "$tmp/run.out")"
id=$("$host" list --db "$db" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')

"$host" history "$id" --db "$db" --timeline >"$tmp/host.txt" 2>"$tmp/err" || fail "host history --timeline: $(cat "$tmp/err")"
"$CAIRN" history "$id" --db "$db" --timeline >"$tmp/cairn.txt" 2>"$tmp/err" || fail "cairn history --timeline: $(cat "$tmp/err")"
"$CAIRN" history "$id" --db "$db" --timeline >"$tmp/again.txt" 2>/dev/null
cmp -s "$tmp/host.txt" "$tmp/cairn.txt" || fail "the host and cairn print different timelines"
cmp -s "$tmp/cairn.txt" "$tmp/again.txt" || fail "two timelines of one journal differ"
"$CAIRN" history "$id" --db "$db" >"$tmp/table.txt"

python3 - "$tmp/cairn.txt" "$tmp/table.txt" <<'PY' || fail "the timeline text (above)"
import re, sys
text = open(sys.argv[1]).read()
table = open(sys.argv[2]).read()
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)

check(text.startswith(table), "the table comes first, unchanged")
rest = text[len(table):].splitlines()
check(rest[0] == "" and rest[1].startswith("timeline: 30m") and "from 20" in rest[1],
      "a blank line, then 'timeline: <span> from <time>': %r" % rest[:2])
check(rest[2].split() == ["NAME", "TYPE", "START", "DURATION", "ATTEMPTS", "TIMELINE",
                          "WAITED/OUTCOME"], "the timeline's header: %r" % rest[2])
rows = {}
names = []
for line in rest[3:]:
    m = re.match(r"(\S+)\s+(\S+)\s+\+(\S+)\s+(\S+)\s+(\S+)\s+\|(.{40})\|\s+(.*)$", line)
    check(m is not None, "a timeline line: %r" % line)
    if m:
        names.append(m.group(1))
        rows[m.group(1)] = m.groups()
check(names == ["order", "validate", "reserve-stock", "charge-card", "fraud-review", "ship"],
      "operations in journal order: %r" % names)

def ms(d):  # "30m2.005s", "2.003s", "1ms" -> milliseconds
    if d.endswith("ms") and re.fullmatch(r"\d+ms", d):
        return int(d[:-2])
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)(?:\.(\d{3}))?s)?", d)
    assert m and d, d
    h, mi, s, f = (int(x or 0) for x in m.groups())
    return ((h * 60 + mi) * 60 + s) * 1000 + f

if len(rows) == 6:
    o, w, r, s = rows["order"], rows["fraud-review"], rows["reserve-stock"], rows["ship"]
    check(w[1] == "WAIT" and ms(w[3]) >= 30 * 60000, "fraud-review is a WAIT of 30m or more: %r" % (w,))
    check(w[6] == "waited %s (for 30m)" % w[3], "fraud-review says how long it waited, for 30m: %r" % w[6])
    check(w[5].count("=") >= 39, "the 30m wait spans the bar: %r" % w[5])
    check(r[4] == "2", "reserve-stock took 2 attempts: %r" % r[4])
    check(ms(r[2]) >= 1000, "reserve-stock's last attempt started after the retry delay: %r" % r[2])
    check(ms(s[2]) >= ms(w[2]) + 30 * 60000, "ship starts after the wait: %r" % s[2])
    check(s[5].rstrip().endswith("=") and s[5].count("=") == 1, "ship sits at the bar's end: %r" % s[5])
    check(rows["validate"][5].startswith("=") and rows["validate"][5].count("=") == 1,
          "validate sits at the bar's start: %r" % rows["validate"][5])
    check(o[5] == "=" * 40 and ms(o[3]) >= 30 * 60000, "the execution spans it all: %r" % (o,))
    starts = [ms(rows[n][2]) for n in names]
    check(starts == sorted(starts), "starts never go back: %r" % starts)
for b in bad:
    print("FAIL: timeline:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Mermaid: a gantt chart with one task per operation.
"$host" history "$id" --db "$db" --format mermaid >"$tmp/gantt.mmd" || fail "history --format mermaid"
python3 - "$tmp/gantt.mmd" <<'PY' || fail "the mermaid gantt chart (above)"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
bad = []
if lines[0] != "gantt" or "    dateFormat x" not in lines:
    bad.append("not a gantt chart with dateFormat x: %r" % lines[:4])
tasks = [re.match(r"    (\S+) (\S+) (\S+) (\S+) :(\w+), (\d+), (\d+)$", l) for l in lines if " :" in l]
if None in tasks or [t.group(1) for t in tasks] != ["order", "validate", "reserve-stock", "charge-card", "fraud-review", "ship"]:
    bad.append("one task per operation, in order: %r" % lines)
else:
    w = [t for t in tasks if t.group(1) == "fraud-review"][0]
    if int(w.group(7)) - int(w.group(6)) < 1800000 or w.group(5) != "done":
        bad.append("the wait's task lasts 30 minutes or more and is done: %r" % w.group(0))
for b in bad:
    print("FAIL: mermaid:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# A suspended execution: the open operations say so. Started, then run by a
# worker a little later (until it suspends on reserve-stock's retry delay),
# so that its journal spans some time whatever the machine's speed: a run
# journaled within one millisecond has no span to draw the bars on.
pdb=$tmp/pending.db
pid=$("$host" start order --db "$pdb" --input "$input") || fail "start of the pending execution"
sleep 0.05
"$host" worker --db "$pdb" --until-idle >/dev/null 2>&1 || fail "worker --until-idle on the pending execution"
"$CAIRN" history "$pid" --db "$pdb" --timeline >"$tmp/pending.txt" || fail "timeline of a pending execution"
grep -Eq '^order +EXECUTION +\+0ms +open .*=>\| +STARTED$' "$tmp/pending.txt" ||
    fail "the pending execution's line: $(grep '^order ' "$tmp/pending.txt")"
grep -Eq '^reserve-stock +STEP .* open .*>\| +PENDING Inventory.Busy, next attempt at \+' "$tmp/pending.txt" ||
    fail "the pending retry's line: $(grep '^reserve-stock ' "$tmp/pending.txt")"

# Usage.
"$CAIRN" list --db "$db" --timeline >/dev/null 2>&1; [[ $? == 2 ]] || fail "list --timeline should exit 2"
"$CAIRN" history "$id" --db "$db" --format svg >/dev/null 2>&1; [[ $? == 2 ]] || fail "--format svg should exit 2"
"$CAIRN" history "$id" --db "$db" --json --timeline >/dev/null 2>&1; [[ $? == 2 ]] || fail "--json --timeline should exit 2"

echo "timeline: all good"
