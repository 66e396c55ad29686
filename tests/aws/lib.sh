# lib.sh — shared by tests/aws/test_*.sh (sourced, not a test itself):
# common.sh's check/fail/run_cmd, $WORK (removed on exit), $HERE, and
# npm_ready, which installs the pinned npm packages of package-lock.json
# (@smithy/signature-v4, @aws-sdk/client-lambda) once; and the helpers that
# drive tests/aws/durable_standin.py: standin, host, start, settle (the
# processes they start are killed on exit); test_credentials; a default on_fail.
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
HERE="$CAIRN_SOURCE_DIR/tests/aws"
CAIRN=${CAIRN:-$CAIRN_BINARY_DIR/generator/cairn}
WORK="$(mktemp -d)"

npm_ready() {
    command -v node >/dev/null || fail "node is not installed"
    npm_ci "$HERE" @smithy/signature-v4 @aws-sdk/client-lambda
}

# test_credentials: AWS's documented example key, region us-east-1, and none
# of the caller's AWS or cairn settings (the hosts read them).
test_credentials() {
    export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLE
    export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
    unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_DEFAULT_REGION CAIRN_WORKFLOW _HANDLER CAIRN_DB
}

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# standin NAME [ARGS]: starts a stand-in; sets $PORT.
standin() {
    local name=$1
    shift
    python3 "$HERE/durable_standin.py" --port-file "$WORK/$name.port" --log "$WORK/$name.log" \
        "$@" 2>"$WORK/standin-$name.err" &
    PIDS+=($!)
    for _ in $(seq 100); do [[ -s $WORK/$name.port ]] && break; sleep 0.05; done
    [[ -s $WORK/$name.port ]] || fail "the stand-in did not start"
    PORT=$(cat "$WORK/$name.port")
}

# on a failure (common.sh): the last of what the hosts and the stand-ins said.
on_fail() {
    echo "--- host stderr:"
    tail -c 3000 "$WORK"/host*.err 2>/dev/null
    echo "--- stand-in:"
    tail -5 "$WORK"/standin*.err 2>/dev/null
}

# host NAME BINARY: runs BINARY lambda against the stand-in on $PORT.
host() {
    AWS_LAMBDA_RUNTIME_API=127.0.0.1:$PORT AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:$PORT \
        "$2" lambda >"$WORK/host-$1.out" 2>"$WORK/host-$1.err" &
    PIDS+=($!)
}

# start INPUT-FILE: a new execution on the stand-in; prints its ARN.
start() {
    python3 - "$PORT" "$1" <<'EOF'
import json, sys, urllib.request
body = json.dumps({"input": open(sys.argv[2]).read()}).encode()
print(json.load(urllib.request.urlopen("http://127.0.0.1:%s/_test/start" % sys.argv[1], body))["arn"])
EOF
}

# settle ARN OUT [SECONDS]: waits (10 s, or SECONDS, at most) for the execution to end; writes
# the stand-in's view to OUT.
settle() {
    python3 - "$PORT" "$1" "$2" "${3:-10}" <<'EOF' || fail "execution $1 did not end: $(head -c 3000 "$2")"
import json, sys, time, urllib.parse, urllib.request
port, arn, out, seconds = sys.argv[1:]
url = "http://127.0.0.1:%s/_test/execution?arn=%s" % (port, urllib.parse.quote(arn, safe=""))
for _ in range(int(float(seconds) * 20)):
    d = json.load(urllib.request.urlopen(url))
    if d["status"] != "RUNNING":
        break
    time.sleep(0.05)
json.dump(d, open(out, "w"))
sys.exit(0 if d["status"] != "RUNNING" else 1)
EOF
}

