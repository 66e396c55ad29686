# lib.sh — shared by tests/package/test_*.sh (sourced, not a test itself):
# checks the environment, makes $tmp (removed at exit), takes `fail` from
# tests/common.sh, sets $extra (the sanitizer flags a sanitized libcairn wants of its
# users) and installs the build into $prefix, ending the script when that fails.
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (a built tree).
set -u
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A sanitized build installs a sanitized libcairn: its users link the same runtime.
extra=""
if grep -q '^CAIRN_SANITIZE:BOOL=ON' "$CAIRN_BINARY_DIR/CMakeCache.txt"; then
    extra="-fsanitize=address,undefined"
fi

prefix="$tmp/prefix"
if ! cmake --install "$CAIRN_BINARY_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "cmake --install failed"
fi
