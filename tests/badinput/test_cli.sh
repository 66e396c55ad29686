# The bad-command-line corpus: each tests/badinput/cli/*.case runs one
# command line against a fixture folder and checks its exit code, its stderr
# (exact, or a fixed substring) and that nothing changed: the fixture store's
# `list --json` is the same before and after, no file appeared or vanished,
# and the non-cairn file is untouched.
#
# A case file:
#   # one line saying what it tries
#   argv: host|cairn ARGS...     (shell words; host is the order example host)
#   exit: N
#   match: exact|substring
#   --- stderr
#   the expected stderr (exact), or one line that must occur in it (substring)
#
# The fixture folder (the working directory of every case) holds s.db, a
# store with one execution started but not run; good.json, a valid order
# input; notcairn.db, a text file; order.yaml. $CAIRN_DB is unset.
# UPDATE=1 rewrites the expected stderr of every case from what it printed.
set -u

: "${CAIRN_BINARY_DIR:?CAIRN_BINARY_DIR must name the build tree}"
: "${CAIRN_SOURCE_DIR:?CAIRN_SOURCE_DIR must name the source tree}"
: "${CAIRN:?CAIRN must name the cairn tool}"
HOST=$CAIRN_BINARY_DIR/examples/order/order
[ -x "$HOST" ] || { echo "FAIL: $HOST is not built" >&2; exit 1; }
CASES=$CAIRN_SOURCE_DIR/tests/badinput/cli
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-badcli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
unset CAIRN_DB

FIX=$WORK/fix
mkdir "$FIX"
cp "$CAIRN_SOURCE_DIR/examples/order/inputs/success.json" "$FIX/good.json"
cp "$CAIRN_SOURCE_DIR/examples/order/order.yaml" "$FIX/order.yaml"
echo "this is not a cairn store" >"$FIX/notcairn.db"
(cd "$FIX" && "$HOST" start order --input "$(cat good.json)" --db s.db >/dev/null) ||
    { echo "FAIL: cannot seed the fixture store" >&2; exit 1; }

# snapshot DIR OUT: the file names, the store's list --json, the non-cairn file.
snapshot() {
    (cd "$1" && ls -A && "$HOST" list --json --db s.db && cat notcairn.db) >"$2" 2>&1
}
snapshot "$FIX" "$WORK/before"

# field NAME FILE: the value of `NAME: value` in the header of a case.
field() {
    sed -n "/^--- stderr\$/q; s/^$1: //p" "$2"
}

failed=0 n=0
for c in "$CASES"/*.case; do
    n=$((n + 1))
    name=$(basename "$c" .case)
    argv=$(field argv "$c") want_rc=$(field exit "$c") match=$(field match "$c")
    sed '1,/^--- stderr$/d' "$c" >"$WORK/want"
    [ -n "$argv" ] && [ -n "$want_rc" ] && grep -q '^--- stderr$' "$c" &&
        { [ "$match" = exact ] || [ "$match" = substring ]; } ||
        { echo "FAIL $name: malformed case (argv, exit, match, --- stderr)"; failed=$((failed + 1)); continue; }
    tool=${argv%% *}
    case $tool in
    host) bin=$HOST prog=order ;;
    cairn) bin=$CAIRN prog=cairn ;;
    *) echo "FAIL $name: argv must start with host or cairn"; failed=$((failed + 1)); continue ;;
    esac
    rc=0
    # The words are expanded in the fixture folder: "$(cat good.json)" reads its file.
    (cd "$FIX" && eval "set -- $argv" && shift && exec -a "$prog" "$bin" "$@") \
        >/dev/null 2>"$WORK/got" </dev/null || rc=$?
    if [ "${UPDATE:-0}" = 1 ] && [ "$match" = exact ]; then
        { sed '/^--- stderr$/q' "$c"; cat "$WORK/got"; } >"$WORK/new" && cp "$WORK/new" "$c"
        cp "$WORK/got" "$WORK/want"
    fi
    bad=""
    [ "$rc" = "$want_rc" ] || bad="exit $rc, expected $want_rc"
    if [ "$match" = exact ]; then
        cmp -s "$WORK/want" "$WORK/got" || bad="$bad${bad:+; }stderr differs: $(diff "$WORK/want" "$WORK/got")"
    else
        grep -qF -- "$(head -n1 "$WORK/want")" "$WORK/got" ||
            bad="$bad${bad:+; }stderr lacks '$(head -n1 "$WORK/want")': $(cat "$WORK/got")"
    fi
    snapshot "$FIX" "$WORK/after"
    cmp -s "$WORK/before" "$WORK/after" ||
        bad="$bad${bad:+; }the fixture changed: $(diff "$WORK/before" "$WORK/after")"
    if [ -n "$bad" ]; then
        echo "FAIL $name: $bad"
        failed=$((failed + 1))
        snapshot "$FIX" "$WORK/before" # the next case compares against what is there now
    else
        echo "ok   $name"
    fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no case in $CASES" >&2; exit 1; }
echo "$n cases, $failed failed"
[ "$failed" = 0 ]
