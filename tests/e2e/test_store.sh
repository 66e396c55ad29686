# `list`, `status`, `history`: text and --json, from the host and from the
# cairn tool on the same database; unknown executions and unreadable stores.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

# Three executions, created in this order (the sleeps keep their creation
# times apart, for the newest-first order): five (flow, by name), NEG (flow,
# failed), LONG (echo, with a result of 200 two-byte characters).
"$HOST" run flow --input '{"n":5}' --skip-time --name five >/dev/null || fail "setup: run flow failed"
ID=$("$HOST" start flow --input '{"n":5}' --name five) || fail "setup: start by name failed"
sleep 0.01
"$HOST" run flow --input '{"n":-1}' --skip-time >/dev/null && fail "setup: negative run succeeded"
NEG=$("$HOST" list --json | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin) if x["status"] == "FAILED"][0])') || fail "setup: no FAILED execution"
sleep 0.01
LONG=$("$HOST" start echo --input "{\"text\":\"$(printf 'ä%.0s' $(seq 1 200))\"}") || fail "setup: start echo"
"$HOST" worker --until-idle >/dev/null || fail "setup: worker"

for TOOL in "$HOST" "$CAIRN"; do
    T=$(basename "$TOOL")

    check "$T list: a table with the header and the three executions, newest first"
    run_cmd list "$TOOL" list --db "$DB"
    expect_rc 0
    printf '%s\n' "$OUT" | head -1 | grep -Eq '^ID +WORKFLOW +STATUS +CREATED +ENDED +NAME +DEFINITION$' || fail "bad header: $OUT"
    [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 4 ] || fail "expected 4 lines: $OUT"
    printf '%s\n' "$OUT" | sed -n 2p | grep -Eq "^$LONG +echo +SUCCEEDED " || fail "newest (echo) not first: $OUT"
    printf '%s\n' "$OUT" | sed -n 3p | grep -Eq "^$NEG +flow +FAILED " || fail "the failed one not second: $OUT"
    printf '%s\n' "$OUT" | sed -n 4p | grep -Eq "^$ID +flow +SUCCEEDED .* five +[0-9a-f]{12}$" || fail "bad row for $ID: $OUT"

    check "$T list --json: the engine's list, newest first"
    run_cmd listj "$TOOL" list --db "$DB" --json
    expect_rc 0
    json_check "$WORK/listj.out" '[x["id"] for x in d] == ["'"$LONG"'", "'"$NEG"'", "'"$ID"'"] and d[2]["name"] == "five" and d[1]["name"] is None'

    check "$T status: one field per line, result and error as JSON"
    run_cmd status "$TOOL" status "$ID" --db "$DB"
    expect_rc 0
    printf '%s\n' "$OUT" | grep -Eq "^id +$ID$" || fail "no id line: $OUT"
    printf '%s\n' "$OUT" | grep -Eq '^status +SUCCEEDED$' || fail "no status line: $OUT"
    printf '%s\n' "$OUT" | grep -Fq '{"result":11,"note":"n was 5"}' || fail "no result JSON: $OUT"
    printf '%s\n' "$OUT" | grep -Eq '^error +null$' || fail "no 'error null' line: $OUT"
    run_cmd status2 "$TOOL" status "$NEG" --db "$DB"
    printf '%s\n' "$OUT" | grep -Eq '^status +FAILED$' || fail "no FAILED line: $OUT"
    printf '%s\n' "$OUT" | grep -Fq '"type":"Flow.Negative"' || fail "no error JSON: $OUT"

    check "$T status: a workflow without a version shows '-', never 'version 0'"
    printf '%s\n' "$OUT" | grep -Eq '^version +1$' || fail "flow's status lacks 'version 1': $OUT"
    run_cmd status3 "$TOOL" status "$LONG" --db "$DB"
    expect_rc 0
    printf '%s\n' "$OUT" | grep -Eq '^version +-$' || fail "echo's status lacks 'version -': $OUT"

    check "$T status --json"
    run_cmd statusj "$TOOL" status "$ID" --db "$DB" --json
    expect_rc 0
    json_check "$WORK/statusj.out" 'd["id"] == "'"$ID"'" and d["status"] == "SUCCEEDED" and d["workflow"] == "flow" and d["version"] == 1 and d["name"] == "five" and d["result"] == {"result": 11, "note": "n was 5"} and d["ended_at"].endswith("Z")'

    check "$T history: a row per operation, execution first, results as compact JSON"
    run_cmd hist "$TOOL" history "$ID" --db "$DB"
    expect_rc 0
    printf '%s\n' "$OUT" | head -1 | grep -Eq '^ID +NAME +TYPE +STATUS +ATTEMPT +STARTED +ENDED +RESULT/ERROR$' || fail "bad header: $OUT"
    printf '%s\n' "$OUT" | sed -n 2p | grep -q 'EXECUTION' || fail "first row is not the execution: $OUT"
    printf '%s\n' "$OUT" | grep -E ' double +STEP +SUCCEEDED +1 ' | grep -Fq '{"value":10}' || fail "no double row with its result: $OUT"
    printf '%s\n' "$OUT" | grep -Eq ' pause +WAIT +SUCCEEDED ' || fail "no pause row: $OUT"
    printf '%s\n' "$OUT" | grep -E ' add +STEP +SUCCEEDED +1 ' | grep -Fq '{"value":11}' || fail "no add row with its result: $OUT"

    check "$T history --json: the journal in order"
    run_cmd histj "$TOOL" history "$ID" --db "$DB" --json
    expect_rc 0
    json_check "$WORK/histj.out" 'd["execution"]["id"] == "'"$ID"'" and d["operations"][0]["type"] == "EXECUTION" and [o["name"] for o in d["operations"][1:]] == ["double", "pause", "add"] and d["operations"][1]["result"] == {"value": 10}'

    check "$T history of a failed execution shows the error"
    run_cmd histf "$TOOL" history "$NEG" --db "$DB"
    expect_rc 0
    printf '%s\n' "$OUT" | grep -E 'EXECUTION +FAILED' | grep -Fq 'Flow.Negative' || fail "no failed execution row with its error: $OUT"

    check "$T: long results are cut with … in the history table, whole in --json"
    run_cmd hl "$TOOL" history "$LONG" --db "$DB"
    expect_rc 0
    row=$(printf '%s\n' "$OUT" | grep -E ' echo +STEP +SUCCEEDED ') || fail "no echo row: $OUT"
    case $row in *'{"text":"ääääääääää'*'…') ;; *) fail "result not cut with …: $row" ;; esac
    # 60 characters, cut between UTF-8 sequences (python refuses broken ones).
    cell=${row##*  }
    [ "$(printf '%s' "$cell" | PYTHONIOENCODING=utf-8:strict python3 -c 'import sys; print(len(sys.stdin.buffer.read().decode("utf-8")))')" = 60 ] || fail "cut cell is not 60 characters: $cell"
    run_cmd hlj "$TOOL" history "$LONG" --db "$DB" --json
    json_check "$WORK/hlj.out" 'd["operations"][1]["result"] == {"text": "\u00e4" * 200}'

    check "$T: an unknown execution is named, exit 1"
    run_cmd unk "$TOOL" status nosuch --db "$DB"
    expect_rc 1
    [ "$ERR" = "$(basename "$TOOL"): no execution 'nosuch' in $DB" ] || fail "message: $ERR"
    run_cmd unk2 "$TOOL" history nosuch --db "$DB" --json
    expect_rc 1
    expect_err "no execution 'nosuch'"
    [ -z "$OUT" ] || fail "stdout not empty: $OUT"

    check "$T: \$CAIRN_DB is the default database, and ./cairn.db without it"
    run_cmd envdb env CAIRN_DB="$DB" "$TOOL" status "$ID"
    expect_rc 0
    mkdir -p "$WORK/cwd"
    (cd "$WORK/cwd" && env -u CAIRN_DB "$TOOL" status "$ID") >"$WORK/cwd.out" 2>"$WORK/cwd.err" && fail "found $ID in an empty folder"
    grep -Fxq "$(basename "$TOOL"): no store at ./cairn.db" "$WORK/cwd.err" || fail "message: $(cat "$WORK/cwd.err")"
    [ ! -e "$WORK/cwd/cairn.db" ] || fail "reading created ./cairn.db"

    check "$T: list, status and history with no store say so, exit 1, and create none"
    for args in "list" "list --json" "status $ID" "history $ID --json"; do
        # shellcheck disable=SC2086
        run_cmd nostore "$TOOL" $args --db "$WORK/none.db"
        expect_rc 1
        [ "$ERR" = "$(basename "$TOOL"): no store at $WORK/none.db" ] || fail "$args: message: $ERR"
        [ -z "$OUT" ] || fail "$args: stdout not empty: $OUT"
        [ ! -e "$WORK/none.db" ] || fail "$args created the store"
    done

    check "$T: --json is indented with two spaces, never a tab"
    run_cmd ind "$TOOL" status "$ID" --db "$DB" --json
    expect_rc 0
    printf '%s\n' "$OUT" | grep -q "$(printf '\t')" && fail "a tab in: $OUT"
    printf '%s\n' "$OUT" | grep -Fxq '  "status": "SUCCEEDED",' || fail "no two-space member line: $OUT"
    run_cmd ind2 "$TOOL" history "$ID" --db "$DB" --json
    printf '%s\n' "$OUT" | grep -q "$(printf '\t')" && fail "a tab in: $OUT"
    printf '%s\n' "$OUT" | grep -Fxq '  "operations": [' || fail "no two-space operations line: $OUT"
    printf '%s\n' "$OUT" | grep -Fxq '      "type": "EXECUTION",' || fail "no six-space member of an operation: $OUT"

    check "$T: a file that is not a store is refused, exit 1, with one line"
    printf 'this is not a database, not at all, really not\n%.0s' $(seq 1 100) >"$WORK/junk.db"
    run_cmd junk "$TOOL" list --db "$WORK/junk.db"
    expect_rc 1
    expect_one_line_err
    expect_err "junk.db"

    check "$T: bad flags are usage errors (exit 2)"
    run_cmd bad "$TOOL" list --db "$DB" --bogus
    expect_rc 2
    expect_one_line_err
    expect_err "--bogus"
    run_cmd bad2 "$TOOL" status --db "$DB"
    expect_rc 2
    run_cmd bad3 "$TOOL" list --db
    expect_rc 2
    expect_err "--db needs a value"
done
echo "ok"
