#!/usr/bin/env bash
# SigV4 as AWS's own JS SDK signs: vectors.mjs builds the requests cairn's
# --aws commands send with @aws-sdk/client-lambda's serializer and signs them
# with @smithy/signature-v4 (fixed credentials and date). The fresh output
# must equal the committed sigv4_vectors.json (which the unit test
# test_rt_aws_sigv4 reads without node), and cairn's signer must match it
# byte for byte: canonical request and Authorization header.
. "$(dirname "$0")/lib.sh"
npm_ready
unit="$CAIRN_BINARY_DIR/tests/test_rt_aws_sigv4"
[ -x "$unit" ] || fail "no $unit (build the test_rt_aws_sigv4 target)"

check "the SDK and smithy give the committed vectors"
NODE_NO_WARNINGS=1 node "$HERE/vectors.mjs" >"$WORK/vectors.json" 2>"$WORK/vectors.err" ||
    fail "vectors.mjs: $(cat "$WORK/vectors.err")"
diff -u "$HERE/sigv4_vectors.json" "$WORK/vectors.json" ||
    fail "sigv4_vectors.json is stale: regenerate it with node tests/aws/vectors.mjs"

check "cairn signs every vector as smithy does"
"$unit" "$WORK/vectors.json" >"$WORK/unit.out" 2>&1 || fail "$(cat "$WORK/unit.out")"
echo "sigv4: all checks passed"
