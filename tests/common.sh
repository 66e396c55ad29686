# common.sh — what every test script of tests/ and examples/ shares
# (sourced, directly or by a lib.sh, not a test itself): `check` announces
# what is being checked, `fail` stops at the first failure naming it,
# `run_cmd` captures a command's output and status, `expect_rc` checks the
# status. run_cmd needs $WORK (the script's temporary folder).

STEP=""
check() {
    STEP=$*
    echo "check: $*"
}

# fail MESSAGE: the one way a test script fails. Says what failed (after the
# current check's name), then what the script's on_fail function adds when
# it defines one (a server's stderr, say), and ends the script with status 1;
# its EXIT trap cleans up. A script stops at its first failure, so what it
# prints last is what went wrong. (In a subshell or a pipeline, fail ends
# only that: test its status.)
fail() {
    echo "FAIL: ${STEP:+$STEP: }$*" >&2
    if declare -F on_fail >/dev/null; then
        on_fail >&2
    fi
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
