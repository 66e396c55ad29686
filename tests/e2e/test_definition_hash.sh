# The definition hash covers meaning, not formatting: the same workflow
# written with other comments, blank lines, indentation, flow or block
# style, quote style on strings and another order of a mapping's keys gives
# the same definition_sha256; a changed value, a changed list order, a
# string that becomes a number, or a changed hooks file give another.
. "$CAIRN_SOURCE_DIR/tests/e2e/lib.sh"

# sha_of NAME: generates $WORK/NAME/w.yaml and prints the hash the C holds.
sha_of() {
    "$CAIRN" gen "$WORK/$1/w.yaml" -o "$WORK/$1" >/dev/null 2>"$WORK/$1.err" ||
        fail "cairn gen $1 failed: $(cat "$WORK/$1.err")"
    sed -n 's/^ *\.sha256 = "\([0-9a-f]\{64\}\)",$/\1/p' "$WORK/$1/w.c"
}

# put NAME: writes stdin to $WORK/NAME/w.yaml and the hooks file beside it.
put() {
    mkdir -p "$WORK/$1"
    cat >"$WORK/$1/w.yaml"
    printf '%s\n' "${HOOKS:-function f(args) return args end}" >"$WORK/$1/w.lua"
}

put base <<'Y'
cairn: 1
name: w
hooks: w.lua
steps:
  - step: one
    run: { lua: f }
    with:
      a: 1
      b: "x"
    retry: { max_attempts: 3, initial: 1s }
    as: one
  - wait: pause
    for: 1h
output:
  n: ${one.a}
Y
put styled <<'Y'
# the same workflow, written otherwise
name: w          # keys in another order
hooks: 'w.lua'
cairn: 1

steps:
    -   run:
            lua: f
        retry:
            initial: "1s"
            max_attempts: 3
        with: {b: x, a: 1}
        step: one
        as: one

    - { wait: pause, for: 1h }
output: { n: "${one.a}" }
Y
put value <<'Y'
cairn: 1
name: w
hooks: w.lua
steps:
  - step: one
    run: { lua: f }
    with:
      a: 2
      b: "x"
    retry: { max_attempts: 3, initial: 1s }
    as: one
  - wait: pause
    for: 1h
output:
  n: ${one.a}
Y
put typed <<'Y'
cairn: 1
name: w
hooks: w.lua
steps:
  - step: one
    run: { lua: f }
    with:
      a: "1"
      b: "x"
    retry: { max_attempts: 3, initial: 1s }
    as: one
  - wait: pause
    for: 1h
output:
  n: ${one.a}
Y
HOOKS='function f(args) return args end -- edited' put hooks <"$WORK/base/w.yaml"

check "comments, whitespace, style and key order leave the hash unchanged"
BASE=$(sha_of base)
[ ${#BASE} -eq 64 ] || fail "no sha256 in the generated C: '$BASE'"
[ "$(sha_of styled)" = "$BASE" ] || fail "a reformatted YAML changed the hash"

check "a changed value, a string become a number, or changed hooks change it"
[ "$(sha_of value)" != "$BASE" ] || fail "a changed value kept the hash"
[ "$(sha_of typed)" != "$BASE" ] || fail "\"1\" and 1 gave the same hash"
[ "$(sha_of hooks)" != "$BASE" ] || fail "a changed hooks file kept the hash"

check "the header comment of the generated C names the same hash"
head -2 "$WORK/styled/w.c" | grep -q "$BASE" || fail "the header comment does not name the hash"
echo "ok"
