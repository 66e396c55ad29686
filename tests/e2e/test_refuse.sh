# Bad command lines and bad input: a one-line message naming the problem,
# exit 2 (usage) or 1 (refused), and nothing created in the store.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

# refused CODE WORD ARGS...: the host exits CODE with one line naming WORD.
refused() {
    local code=$1 word=$2
    shift 2
    run_cmd ref "$HOST" "$@"
    expect_rc "$code"
    expect_one_line_err
    expect_err "$word"
    [ -z "$OUT" ] || fail "stdout not empty: $OUT"
}

check "command-line errors never open the store"
refused 2 "'--bogus'" start flow --input '{"n":1}' --bogus
refused 2 "--input needs a value" start flow --input
refused 2 "--name needs a value" run flow --input '{"n":1}' --name
refused 2 "unknown workflow 'nope'" start nope --input '{}'
refused 2 "which workflow" run --input '{"n":1}'
refused 2 "'extra'" start flow extra --input '{"n":1}'
refused 2 "--json" start flow --input '{"n":1}' --json
refused 2 "'--forever'" worker --forever
refused 2 "unknown command 'frobnicate'" frobnicate
refused 1 "not valid JSON" start flow --input '{"n":'
refused 1 "not valid JSON" run flow --input 'n=1' --skip-time
refused 1 "not valid JSON" start flow --input '{"n":1} trailing'
[ ! -e "$DB" ] || fail "a refused command created $DB"

check "input that fails the workflow's schema is refused by the engine, nothing created"
refused 1 "input" start flow --input '{"m":1}'
refused 1 "input" run flow --input '{"n":"five"}' --skip-time
run_cmd l "$HOST" list --json
expect_rc 0
json_check "$WORK/l.out" 'd == []'

check "a store that cannot be opened is refused with the engine's message"
mkdir -p "$WORK/dir.db"
refused 1 "dir.db" start flow --input '{"n":1}' --db "$WORK/dir.db"

check "no arguments: usage on stderr, exit 2; --help on stdout, exit 0"
run_cmd none "$HOST"
expect_rc 2
expect_err "usage:"
for cmd in start run worker list status history; do
    run_cmd h "$HOST" "$cmd" --help
    expect_rc 0
    expect_out "usage:"
    expect_out "--db"
done
echo "ok"
