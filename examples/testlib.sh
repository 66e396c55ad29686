# testlib.sh — what the examples' test scripts share (sourced, not run):
# a temporary folder and the processes to stop at exit, check and fail
# (tests/common.sh: the examples' tests run only in the cairn tree, which
# always holds tests/, so they need not stand alone), jcheck for JSON
# documents, a stand-in service on a free port, and the callback id of an
# execution. The sourcing script sets `host` (the example's host program) and
# `here` (its folder) first, and ends with `report`.

# shellcheck source=../tests/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/common.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-example.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# jcheck FILE EXPR...: with `d` the JSON of FILE and `ops` its operations by
# name (history; the first of each name, so a CONTEXT before its children),
# each Python expression must be true.
jcheck() {
    local file=$1
    shift
    python3 - "$file" "$@" <<'PY' || fail "JSON check failed on $file"
import json, sys
d = json.load(open(sys.argv[1]))
ops = {}
for o in d.get("operations", []) if isinstance(d, dict) else []:
    if o["type"] != "EXECUTION":  # named after the workflow
        ops.setdefault(o["name"], o)
bad = [e for e in sys.argv[2:] if not eval(e, {"d": d, "ops": ops, "json": json})]
for e in bad:
    print("     not true:", e, file=sys.stderr)
if bad:
    print("     document:", json.dumps(d)[:2500], file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# stand_in SCRIPT NAME [options]: the stand-in service SCRIPT (in $here) on a
# free port, logging to $tmp/NAME.log; sets $url to http://127.0.0.1:PORT.
stand_in() {
    local script=$1 name=$2
    shift 2
    python3 "$here/$script" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" &
    pids+=("$!")
    for _ in $(seq 100); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
    [ -s "$tmp/$name.port" ] || fail "$script did not start"
    url="http://127.0.0.1:$(cat "$tmp/$name.port")"
    touch "$tmp/$name.log"
}

# callback_id DB ID: the callback id of the execution's CALLBACK operation.
callback_id() {
    "$host" history "$2" --db "$1" --json |
        python3 -c 'import json,sys; print([o["callback_id"] for o in json.load(sys.stdin)["operations"] if o["type"] == "CALLBACK"][0])'
}

# report: the end of a script that got this far: every check passed (the
# first failure ends the script, with status 1).
report() {
    echo "all checks passed"
}
