#!/usr/bin/env bash
# Fan-out as AWS does it: the same workflows run in AWS's durable execution
# SDK for JavaScript under its local runner (aws/run_aws.mjs, from npm) and in
# cairn (aws_*.yaml), and aws/compare.py checks they did the same: status,
# result, and every operation's type, sub-type, name, place in the tree,
# status and result, with the deliberate differences (cancelled stragglers)
# listed there and nothing else allowed.
. "$CAIRN_SOURCE_DIR/tests/fanout/lib.sh"
here="$CAIRN_SOURCE_DIR/tests/fanout/aws"
command -v node >/dev/null || fail "node is not installed"
if [[ ! -d "$here/node_modules" ]]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in $here"
fi

check "AWS's local runner runs the twins"
node "$here/run_aws.mjs" >"$WORK/aws.json" 2>"$WORK/aws.err" || fail "run_aws.mjs: $(cat "$WORK/aws.err")"

check "cairn runs them"
for c in aws_batch:'{"lines": [1, 2, 3]}' aws_tolerate:'{"lines": [1, 2, 3, 4]}' aws_quorum:'{}'; do
    name=${c%%:*}
    "$HOST" run "$name" --input "${c#*:}" --skip-time --json >"$WORK/$name.run.json" 2>/dev/null
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/$name.run.json") ||
        fail "run $name printed no execution"
    "$HOST" status "$id" --json >"$WORK/$name.status.json" || fail "status $name"
    "$HOST" history "$id" --json >"$WORK/$name.history.json" || fail "history $name"
done

check "the same operations and results, but for the deliberate differences"
python3 "$here/compare.py" "$WORK/aws.json" "$WORK" || fail "cairn and AWS differ (above)"
echo "aws: all checks passed"
