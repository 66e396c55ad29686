# lib.sh — shared by the fan-out scripts (sourced, not a test itself): the
# callback tests' helpers (tests/callback/lib.sh: $WORK, $DB, check, fail,
# json_check, history, start, get_cb, ...) with $HOST the fan-out host, and
# run_json.
# shellcheck source=../callback/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../callback/lib.sh"
HOST=$CAIRN_BINARY_DIR/tests/fanout/fanout_host
[ -x "$HOST" ] || { echo "FAIL: no fixture host at $HOST (build the fanout_host target)" >&2; exit 1; }

# run_json WORKFLOW INPUT: `run` (its exit status says how the execution
# ended: the checks read the JSON); sets $ID and writes the execution to $WORK/run.json.
run_json() {
    "$HOST" run "$1" --input "$2" --json >"$WORK/run.json" 2>"$WORK/run.err"
    ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/run.json") ||
        fail "run $1 printed no execution: $(cat "$WORK/run.err")"
}
