# lib.sh — shared by tests/aws/test_*.sh (sourced, not a test itself):
# common.sh's check/fail/run_cmd, $WORK (removed on exit), $HERE, and
# npm_ready, which installs the pinned npm packages of package-lock.json
# (@smithy/signature-v4, @aws-sdk/client-lambda) once.
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
HERE="$CAIRN_SOURCE_DIR/tests/aws"
CAIRN=${CAIRN:-$CAIRN_BINARY_DIR/generator/cairn}
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

npm_ready() {
    command -v node >/dev/null || fail "node is not installed"
    if [[ ! -d "$HERE/node_modules/@smithy/signature-v4" || ! -d "$HERE/node_modules/@aws-sdk/client-lambda" ]]; then
        (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in $HERE"
    fi
}
