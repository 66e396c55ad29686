# lib.sh — shared by the fan-out scripts (sourced, not a test itself): the
# callback tests' helpers (tests/callback/lib.sh: $WORK, $DB, check, fail,
# json_check, history, start, get_cb, ...) with $HOST the fan-out host.
# shellcheck source=../callback/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../callback/lib.sh"
HOST=$CAIRN_BINARY_DIR/tests/fanout/fanout_host
[ -x "$HOST" ] || { echo "FAIL: no fixture host at $HOST (build the fanout_host target)" >&2; exit 1; }
