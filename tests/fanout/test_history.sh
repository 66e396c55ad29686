# `history` of a fan-out as a tree (runtime/src/cli_tree.c), with real
# processes on the fan-out fixture host:
#   - fo_waits (a parallel of three branches, the second holding a map of
#     groups) journals its branches interleaved; the table prints each
#     branch, then its operations, depth-first, every name indented two
#     spaces per level: step `a` comes right after its branch's wait, under
#     parallel-branch-0, before parallel-branch-1, indented deeper than its
#     branch, which is deeper than the parallel;
#   - --timeline's lanes come in the same order with the same indentation;
#     the host and the `cairn` tool print the same text;
#   - --json keeps journal order (other tools parse it): `a` after `long`;
#   - a damaged journal (a parent that is not there, a parent cycle) still
#     prints every row once, at once.
. "$CAIRN_SOURCE_DIR/tests/fanout/lib.sh"

# tree_check TABLE TIMELINE: both list the operations of fo_waits as the
# tree, indented by depth (ids are <parent>-<i>: the depth is the count of
# dashes), the timeline's lanes as the table's rows.
tree_check() {
    python3 - "$1" "$2" <<'PY' || fail "the tree order (above)"
import sys
def rows(lines, has_id):
    """(id or None, name, indent) for each line under the header."""
    head = lines[0]
    at = head.index("NAME")
    out = []
    for line in lines[1:]:
        if not line.strip():
            break
        cell = line[at:]
        name = cell.split()[0]
        out.append((line.split()[0] if has_id else None, name, len(cell) - len(cell.lstrip(" "))))
    return out
table = open(sys.argv[1]).read().splitlines()
text = open(sys.argv[2]).read().splitlines()
t = rows(table, True)
start = [i for i, l in enumerate(text) if l.startswith("timeline: ")][0]
lanes = rows(text[start + 1:], False)
want = ["0", "1", "1-1", "1-1-1", "1-1-2", "1-2", "1-2-1", "1-2-2",
        "1-2-2-1", "1-2-2-1-1", "1-2-2-1-1-1", "1-2-2-2", "1-2-2-2-1", "1-2-2-2-1-1",
        "1-2-2-3", "1-2-2-3-1", "1-2-2-3-1-1", "1-3", "1-3-1"]
bad = []
if [r[0] for r in t] != want:
    bad.append("table rows depth-first: %r" % [r[0] for r in t])
for id, name, indent in t:
    depth = 0 if id == "0" else id.count("-")
    if indent != 2 * depth:
        bad.append("%s %s indented %d, not %d" % (id, name, indent, 2 * depth))
names = [r[1] for r in t]
if "a" in names:
    a, b0, b1 = names.index("a"), names.index("parallel-branch-0"), names.index("parallel-branch-1")
    if not (b0 < names.index("short") < a < b1):
        bad.append("step a is not under parallel-branch-0: %r" % names)
    ind = {r[1]: r[2] for r in t}
    if not (ind["a"] > ind["parallel-branch-0"] > ind["lanes"]):
        bad.append("a, its branch and the parallel are not indented deeper each: %r" % ind)
if [(n, i) for _, n, i in lanes] != [(n, i) for _, n, i in t]:
    bad.append("timeline lanes differ from the table: %r" % lanes)
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

check "fo_waits: the table and the timeline print the tree, indented"
run_json fo_waits '{"xs":[1,2,3]}'
"$HOST" worker --until-idle --skip-time 2>/dev/null || fail "worker"
[ "$(status_of "$ID")" = SUCCEEDED ] || fail "fo_waits did not succeed"
"$HOST" history "$ID" >"$WORK/table.txt" || fail "history"
"$HOST" history "$ID" --timeline >"$WORK/timeline.txt" || fail "history --timeline"
tree_check "$WORK/table.txt" "$WORK/timeline.txt"
head -n "$(wc -l <"$WORK/table.txt")" "$WORK/timeline.txt" | cmp -s - "$WORK/table.txt" ||
    fail "--timeline does not start with the table"
grep -Eq '^1-1-2 +    a +STEP +SUCCEEDED ' "$WORK/table.txt" ||
    fail "step a is not shown indented two levels: $(grep -E '^1-1-2 ' "$WORK/table.txt")"
"$CAIRN" history "$ID" --timeline >"$WORK/cairn.txt" || fail "cairn history --timeline"
cmp -s "$WORK/cairn.txt" "$WORK/timeline.txt" || fail "the host and cairn print different text"

check "fo_waits: --json keeps journal order"
history "$ID"
json_check "$H" \
    '[o["id"] for o in ops][:8] == ["0", "1", "1-1", "1-1-1", "1-2", "1-2-1", "1-1-2", "1-3"]' \
    'all(not o["name"].startswith(" ") for o in ops)'

check "a damaged journal: a missing parent and a parent cycle print every row once"
python3 - "$DB" "$ID" <<'PY' || fail "could not damage the journal"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
up = "UPDATE operations SET parent_id = ? WHERE execution_id = ? AND id = ?"
db.execute(up, ("nowhere", sys.argv[2], "1-3"))      # its parent is not there
db.execute(up, ("1-2-2-1-1-1", sys.argv[2], "1-2-2-1"))  # a cycle of three rows
db.commit()
PY
timeout 20 "$HOST" history "$ID" >"$WORK/bad.txt" || fail "history of the damaged journal (exit $?)"
timeout 20 "$HOST" history "$ID" --timeline >/dev/null || fail "timeline of the damaged journal (exit $?)"
python3 - "$WORK/bad.txt" <<'PY' || fail "the damaged journal's table: $(cat "$WORK/bad.txt")"
import sys
lines = open(sys.argv[1]).read().splitlines()
ids = [l.split()[0] for l in lines[1:]]
assert sorted(ids) == sorted(set(ids)) and len(ids) == 19, ids
at = lines[0].index("NAME")
indent = {l.split()[0]: len(l[at:]) - len(l[at:].lstrip(" ")) for l in lines[1:]}
assert indent["1-3"] == 0 and indent["1-3-1"] == 2, indent  # the orphan: top level
assert ids.index("1-3") < ids.index("1-3-1") == ids.index("1-3") + 1, ids
# the cycle follows the tree, from its first row in journal order
assert ids[-3:] == ["1-2-2-1", "1-2-2-1-1", "1-2-2-1-1-1"], ids
assert [indent[i] for i in ids[-3:]] == [0, 2, 4], indent
PY
echo "PASS"
