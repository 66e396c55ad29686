# lib.sh — shared by the e2e scripts (sourced, not a test itself).
#
# Gives each script its own temporary folder and database ($WORK, $DB,
# exported as CAIRN_DB for commands run without --db), removed on exit;
# `check` announces what is being checked, `fail` stops at the first failure.
set -u

: "${CAIRN_E2E_HOST:?CAIRN_E2E_HOST must name the e2e host binary}"
: "${CAIRN:?CAIRN must name the cairn tool}"
HOST=$CAIRN_E2E_HOST
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-e2e.XXXXXX")
DB=$WORK/cairn.db
export CAIRN_DB=$DB
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

expect_out() { # a fixed string that stdout must contain
    case $OUT in *"$1"*) ;; *) fail "stdout lacks '$1': $OUT" ;; esac
}

expect_err() { # a fixed string that stderr must contain
    case $ERR in *"$1"*) ;; *) fail "stderr lacks '$1': $ERR" ;; esac
}

expect_one_line_err() {
    [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && [ -n "$ERR" ] || fail "expected a one-line message, got: $ERR"
}

# json_check FILE PYTHON-EXPR: the expression, over the JSON document `d`
# read from FILE (and the module `json`), must be true.
json_check() {
    python3 - "$1" "$2" <<'PY' || fail "JSON check failed: $2"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
ok = eval(sys.argv[2], {"d": d, "json": json})
if not ok:
    print("document:", json.dumps(d, indent=1)[:3000], file=sys.stderr)
    sys.exit(1)
PY
}
