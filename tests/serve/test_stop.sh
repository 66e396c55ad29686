# SIGTERM (and SIGINT) while an invocation runs: serve stops accepting,
# lets the invocation finish (the execution ends SUCCEEDED, not left
# half-run), and exits 0.
. "$(dirname "$0")/lib.sh"

for sig in TERM INT; do
    check "SIG$sig during a step: the step finishes and serve exits 0"
    start_serve
    req POST /executions -d '{"workflow":"slowstep","input":{}}'
    expect_code 200
    ID=$(json_get "$WORK/b" 'd["id"]')
    for i in $(seq 1 200); do
        grep -q grinding "$WORK/serve.err" && break
        sleep 0.02
    done
    grep -q grinding "$WORK/serve.err" || fail "the step never began"
    kill -"$sig" "$SERVE_PID"
    rc=0
    wait "$SERVE_PID" || rc=$?
    [ "$rc" -eq 0 ] || fail "serve exited $rc"
    "$HOST" status "$ID" --db "$DB" --json >"$WORK/st.json" || fail "status failed"
    json_check "$WORK/st.json" 'd["status"] == "SUCCEEDED" and d["result"]["sum"] > 0'
done
echo "ok"
