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

# npm_ci DIR PACKAGE...: `npm ci` in DIR (its package-lock.json) unless each
# PACKAGE is in DIR/node_modules; under a lock, since two tests share a DIR
# and a fresh clone's `ctest -j` may start them together (one `npm ci`
# deleting the node_modules the other is filling).
npm_ci() {
    local dir=$1 p missing=0
    shift
    command -v npm >/dev/null || fail "npm is not installed"
    (
        flock 9 || exit 1
        for p in "$@"; do [[ -d "$dir/node_modules/$p" ]] || missing=1; done
        ((missing == 0)) || (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    ) 9>"$dir/.npm-ci.lock" || fail "npm ci in $dir"
}

# own_netns "$0" "$@": re-runs the calling script in a network namespace of
# its own (unshare -n; as root, or where unprivileged user namespaces allow
# `unshare -rn`) with only its loopback interface, up, so the fixed ports it
# uses (a default such as serve's 8080, a port a doc shows) are free whatever
# else runs on the machine. Without one it fails: it never skips.
own_netns() {
    if [ -z "${CAIRN_OWN_NETNS:-}" ]; then
        command -v unshare >/dev/null || fail "unshare (util-linux) is needed"
        command -v ip >/dev/null || fail "ip (iproute2) is needed"
        local userns=""
        [ "$(id -u)" = 0 ] || userns="-r"
        export CAIRN_OWN_NETNS=1
        # exec: unshare's own failure (no permission) is the test's failure.
        exec unshare $userns -n -- bash "$@"
    fi
    ip link set lo up || fail "cannot bring lo up in the new network namespace"
    [ "$(awk 'NR > 1' /proc/net/tcp | wc -l)" = 0 ] ||
        fail "not in a network namespace of its own: /proc/net/tcp has sockets"
}
