# An idle worker sleeps: no timer of its own wakes it (its threads are not
# scheduled at all while nothing is due), yet a start committed by another
# process wakes it at once; with $CAIRN_WAIT=poll it looks at the store every
# few milliseconds instead (the fallback where inotify is missing).
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

# Context switches of all of a process's threads so far.
switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'
}

# ran_alone ID: ID has SUCCEEDED 2 s after its start, though no process but
# the worker opened the store meanwhile. (Not polled: a process that opens
# the store may touch its files, which could wake a worker the commit did not.)
ran_alone() {
    sleep 2
    run_cmd st "$HOST" status "$1" --json
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["status"] != "SUCCEEDED")' "$WORK/st.out" ||
        fail "execution $1 has not run 2 s after its start: $(cat "$WORK/st.out")"
}

# idle_switches PID: context switches of PID's threads over one second.
idle_switches() {
    local a b
    a=$(switches "$1")
    sleep 1
    b=$(switches "$1")
    echo $((b - a))
}

check "an idle worker is not woken once in a second"
"$HOST" worker >"$WORK/w.out" 2>"$WORK/w.err" &
PID=$!
sleep 0.3 # past its start-up
N=$(idle_switches "$PID")
[ "$N" -le 2 ] || fail "the idle worker's threads were switched $N times in 1 s: it polls"

check "a start committed by another process wakes it, and the execution runs"
run_cmd s1 "$HOST" start echo --input '{"n":1}'
expect_rc 0
ran_alone "$OUT"

check "it sleeps again once nothing is due, and a second start wakes it again"
N=$(idle_switches "$PID")
[ "$N" -le 2 ] || fail "the idle worker's threads were switched $N times in 1 s after an execution"
run_cmd s2 "$HOST" start echo --input '{"n":2}'
ran_alone "$OUT"

check "with only a timer ahead it sleeps until the timer, then finishes the execution"
run_cmd s3 "$HOST" start tick
ran_alone "$OUT"
kill -TERM "$PID"
RC=0
wait "$PID" || RC=$?
[ "$RC" -eq 0 ] || fail "worker exited $RC on SIGTERM: $(cat "$WORK/w.err")"

check "CAIRN_WAIT=poll: the fallback looks at the store (it is woken often) and still runs a start"
CAIRN_WAIT=poll "$HOST" worker >"$WORK/p.out" 2>"$WORK/p.err" &
PID=$!
sleep 0.3
N=$(idle_switches "$PID")
[ "$N" -ge 50 ] || fail "the polling worker was switched only $N times in 1 s: is it polling?"
run_cmd s4 "$HOST" start echo --input '{"n":3}'
ran_alone "$OUT"
kill -TERM "$PID"
RC=0
wait "$PID" || RC=$?
[ "$RC" -eq 0 ] || fail "polling worker exited $RC on SIGTERM: $(cat "$WORK/p.err")"
echo "e2e sleep: all checks passed"
