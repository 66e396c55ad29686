# common.sh — what the test libraries of tests/e2e and tests/callback share
# (sourced by their lib.sh, not a test itself): `check` announces what is
# being checked, `fail` stops at the first failure naming it, `run_cmd`
# captures a command's output and status, `expect_rc` checks the status.
# The sourcing lib.sh sets $WORK (the script's temporary folder) first.

STEP=""
check() {
    STEP=$*
    echo "check: $*"
}

fail() {
    echo "FAIL: ${STEP:+$STEP: }$*" >&2
    exit 1
}

# run_cmd NAME CMD...: runs CMD with stdout in $WORK/NAME.out, stderr in
# $WORK/NAME.err; sets $OUT, $ERR and its exit status $RC.
run_cmd() {
    local name=$1
    shift
    RC=0
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || RC=$?
    OUT=$(cat "$WORK/$name.out")
    ERR=$(cat "$WORK/$name.err")
}

expect_rc() {
    [ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1 (stdout: $OUT) (stderr: $ERR)"
}
