# lib.sh — shared by the callback scripts (sourced, not a test itself).
#
# Gives each script its own temporary folder and database ($WORK, $DB, also
# exported as CAIRN_DB), and the fixture host ($HOST, built from this
# folder's CMakeLists.txt). Background processes started with `bg` are
# killed on exit, then the folder is removed. `check` announces what is
# being checked; `fail` stops at the first failure with a clear message.
set -u

: "${CAIRN:?CAIRN must name the cairn tool}"
: "${CAIRN_BINARY_DIR:?CAIRN_BINARY_DIR must name the build folder}"
HOST=$CAIRN_BINARY_DIR/tests/callback/callback_host
[ -x "$HOST" ] || { echo "FAIL: no fixture host at $HOST (build the callback_host target)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-callback.XXXXXX")
DB=$WORK/cairn.db
export CAIRN_DB=$DB
export CAIRN_CB_SIDE=$WORK/side.txt
BG_PIDS=()
cleanup() {
    local p
    for p in "${BG_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

# bg NAME CMD...: starts CMD in the background (stdout/stderr in
# $WORK/NAME.out/.err); its pid in $BG, killed on exit if still running.
bg() {
    local name=$1
    shift
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    BG=$!
    BG_PIDS+=("$BG")
}

expect_err_i() { # stderr must match this extended regexp, ignoring case
    printf '%s' "$ERR" | grep -qiE "$1" || fail "stderr does not say /$1/: $ERR"
}

# json_check FILE PYTHON-EXPR...: each expression must hold, with `d` the
# JSON document of FILE, `ops` its operations (a list; empty unless it is a
# history) and the helpers `op(name, type)` (the one such operation) and
# `count(pred)`.
json_check() {
    local file=$1
    shift
    python3 - "$file" "$@" <<'PY' || fail "JSON check failed on $(basename "$file")"
import json, sys
d = json.load(open(sys.argv[1]))
ops = d.get("operations", []) if isinstance(d, dict) else []
def op(name, type=None):
    found = [o for o in ops if o["name"] == name and (type is None or o["type"] == type)]
    if len(found) != 1:
        raise SystemExit(f"expected one operation {name} {type or ''}, found {len(found)}")
    return found[0]
def count(pred):
    return sum(1 for o in ops if pred(o))
env = {"d": d, "ops": ops, "op": op, "count": count, "json": json}
bad = []
for e in sys.argv[2:]:
    try:
        ok = eval(e, env)
    except Exception as x:  # a missing key is a failed check, said plainly
        ok = False
        e = f"{e}  ({type(x).__name__}: {x})"
    if not ok:
        bad.append(e)
for e in bad:
    print("  not true:", e, file=sys.stderr)
if bad:
    print("  document:", json.dumps(d, indent=1)[:4000], file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# history ID [FILE]: writes the history JSON of ID to FILE (default
# $WORK/history.json) and sets $H to its path.
history() {
    H=${2:-$WORK/history.json}
    "$HOST" history "$1" --json >"$H" || fail "history $1 failed"
}

# start WORKFLOW INPUT: `run` until it completes or suspends (real clock);
# sets $ID. The run's JSON is in $WORK/run.json.
start() {
    run_cmd run "$HOST" run "$1" --input "$2" --json
    ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.out" 2>/dev/null) ||
        fail "run $1 printed no execution id (exit $RC): $OUT $ERR"
}

# get_cb ID [N]: sets $CB to the callback id of the execution's Nth
# (default 1st) CALLBACK operation, from history --json.
get_cb() {
    CB=$("$HOST" history "$1" --json |
        python3 -c 'import json,sys; n=int(sys.argv[1]); print([o["callback_id"] for o in json.load(sys.stdin)["operations"] if o["type"] == "CALLBACK"][n-1])' "${2:-1}") &&
        [ -n "$CB" ] || fail "no CALLBACK operation with an id in the history of $1"
}

# status_of ID: the execution's status.
status_of() {
    "$HOST" status "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'
}

# wait_until ID PYTHON-EXPR [SECONDS]: polls the history of ID every 50 ms
# until the expression (over `d`) holds; fails after SECONDS (default 20).
wait_until() {
    local i tries=$((${3:-20} * 20))
    for ((i = 0; i < tries; i++)); do
        if "$HOST" history "$1" --json >"$WORK/poll.json" 2>/dev/null &&
            python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
                "$WORK/poll.json" "$2" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    fail "not true after ${3:-20} s: $2; last history: $(cat "$WORK/poll.json" 2>/dev/null)"
}

# side_count WORD [EXEC]: how many lines of the side file start with WORD
# (and name EXEC).
side_count() {
    [ -f "$CAIRN_CB_SIDE" ] || { echo 0; return; }
    grep -c "^$1 ${2:-}" "$CAIRN_CB_SIDE" || true
}
