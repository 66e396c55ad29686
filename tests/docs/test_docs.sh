#!/usr/bin/env bash
# test_docs.sh — every command README.md and docs/*.md show runs, verbatim,
# against this build; a doc command that fails fails this test.
#
# Each document runs in its own fresh temporary folder (also $HOME), holding
# symlinks to the repository's top-level files and folders (runtime/,
# examples/, schemas/, ...) and `build` -> this build tree, so commands run
# as the docs assume, from the root of a clone after tools/demo.sh. PATH is
# given build/generator (cairn as installed) for docs/*.md, not for README.md,
# which says how `cairn` gets on it. The
# extraction is tests/docs/rundoc.py; the conventions, for doc writers:
#   - ```sh blocks are run, in document order, in one shell per document
#     (variables, `export` and `cd` carry over); every command must exit 0,
#     or N when its comment says `# exit N`;
#   - `#` lines in a sh block are comments or shown output and are not run;
#   - a ```yaml / ```lua / ```cmake / ```c / ```make block whose first line
#     names a file (`# greet.yaml`, `-- greet.lua`) is written to that file
#     when the reader reaches it; other blocks are excerpts and not written;
#   - ids are placeholders: when output shown after a command has a line
#     `#   execution  ID` or `#   callback   ID`, the runner reads the real
#     id from the same line of that command's output and replaces ID by it
#     in every later command (several such lines of one kind: the Nth
#     stands for the Nth printed); EXECUTION-ID and CALLBACK-ID stand for the
#     last execution and callback id learned;
#   - a shown `#   status  STATUS` line must match the status that command
#     printed (its first word: `PENDING until ...` checks PENDING);
#   - a command ending in `&` (a stand-in server) is started in the
#     background and killed when the document ends;
#   - README's first sh block (`bash tools/demo.sh`, `bash tools/test.sh`)
#     is what CI runs itself: it is checked to be exactly those two
#     commands, not run;
#   - a `ctest --test-dir build ...` command is this build's own suite, which
#     runs every test it selects beside this one: it runs with -N (listing
#     them), and must select at least one;
#   - docs/cmake.md is a user's project beside a clone: its folder holds only
#     `cairn`, a copy of the repository's sources (no build tree), which the
#     doc builds and installs into $HOME/.local; a sanitized build's run
#     leaves it out (the same unsanitized build either way).
# Documents: README.md and every docs/*.md (docs/internals.md shows no
# command) but docs/operations.md: its commands need two hosts built from two
# definitions of one workflow, which the e2e build has, so
# tests/e2e/test_operations_doc.sh runs them verbatim there and checks what
# the page says happened. Also the READMEs of the examples written for this
# runner (examples/quorum, examples/bulk-charge: listed below; those of
# approval, payment and order show literal ids and foreground servers, and
# their own tests drive the same commands instead). An example's README runs
# from the root of the tree like README.md, and, like it, says how `cairn`
# gets on PATH. RUNDOC_ONLY=NAME runs one document (for iterating; an
# example's README is NAME example-DIR).
#
# The docs show fixed ports (serve on 127.0.0.1:8311 in docs/http.md, the
# approval example's inbox on 8765): the test runs in a network namespace of
# its own (common.sh's own_netns), so they are always free.
#
# Env: CAIRN_SOURCE_DIR, CAIRN_BINARY_DIR (a built tree).
set -u
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"
own_netns "$0" "$@"
: "${CAIRN_SOURCE_DIR:?set CAIRN_SOURCE_DIR}"
: "${CAIRN_BINARY_DIR:?set CAIRN_BINARY_DIR}"
HERE="$CAIRN_SOURCE_DIR/tests/docs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

# A sanitized build has a sanitized libcairn: the docs' own `cc` lines link
# it, so `cc` here is the system's with the same sanitizers (as
# tests/package/lib.sh's $extra), the commands themselves unchanged.
tools=""
if grep -q '^CAIRN_SANITIZE:BOOL=ON' "$CAIRN_BINARY_DIR/CMakeCache.txt" 2>/dev/null; then
    tools="$tmp/bin"
    mkdir -p "$tools"
    printf '#!/bin/sh\nexec %s -fsanitize=address,undefined "$@"\n' "$(command -v cc)" >"$tools/cc"
    chmod +x "$tools/cc"
fi

# doc_name DOC: README, a docs/ page's name, or example-DIR for an example's README.
doc_name() {
    case "$1" in
    "$CAIRN_SOURCE_DIR"/examples/*/README.md) echo "example-$(basename "$(dirname "$1")")" ;;
    *) basename "$1" .md ;;
    esac
}

# run_doc DOC: runs DOC's commands in a fresh folder; returns non-zero on failure.
run_doc() {
    local doc="$1" name dir script
    name="$(doc_name "$doc")"
    dir="$tmp/$name"
    mkdir -p "$dir"
    local entry
    if [ "$name" != cmake ]; then
        for entry in "$CAIRN_SOURCE_DIR"/*; do
            case "$(basename "$entry")" in build | build-*) continue ;; esac
            ln -s "$entry" "$dir/$(basename "$entry")"
        done
        ln -s "$CAIRN_BINARY_DIR" "$dir/build"
    else
        mkdir -p "$dir/cairn"
        (cd "$CAIRN_SOURCE_DIR" && git ls-files -z 2>/dev/null | grep -zv '^build' |
            xargs -0 cp --parents -t "$dir/cairn") ||
            cp -r "$CAIRN_SOURCE_DIR"/. "$dir/cairn"
        rm -rf "$dir/cairn/build" "$dir"/cairn/build-*
    fi
    script="$tmp/$name.sh"
    {
        cat "$HERE/runner.sh"
        printf '__doc=%q\n' "${doc#"$CAIRN_SOURCE_DIR"/}"
        python3 "$HERE/rundoc.py" "$doc" || echo '__fail 0 "rundoc.py failed"'
        echo '__end'
    } >"$script"
    local path=/usr/local/bin:/usr/bin:/bin
    case "$name" in README | example-*) ;; *) path="$CAIRN_BINARY_DIR/generator:$path" ;; esac
    [ -z "$tools" ] || path="$tools:$path"
    (cd "$dir" && env -u CAIRN_DB -u CAIRN HOME="$dir" PATH="$path" \
        bash "$script")
}

docs=("$CAIRN_SOURCE_DIR/README.md" "$CAIRN_SOURCE_DIR"/docs/*.md)
for example in quorum bulk-charge; do
    docs+=("$CAIRN_SOURCE_DIR/examples/$example/README.md")
done
for doc in "${docs[@]}"; do
    if [ -n "${RUNDOC_ONLY:-}" ] && [ "$(doc_name "$doc")" != "$RUNDOC_ONLY" ]; then
        continue
    fi
    if [ -n "$tools" ] && [ "$(basename "$doc")" = cmake.md ]; then
        # It builds its own, unsanitized cairn from a copy of the sources: the
        # same in this build as in the normal one, whose run of it counts.
        echo "== $doc: not run in a sanitized build (the normal build's suite runs it)"
        continue
    fi
    if [ "$(basename "$doc")" = operations.md ]; then
        [ -f "$CAIRN_SOURCE_DIR/tests/e2e/test_operations_doc.sh" ] ||
            fail "docs/operations.md is run by tests/e2e/test_operations_doc.sh, which is missing"
        continue
    fi
    echo "== $doc"
    run_doc "$doc" || failures=$((failures + 1))
done

if [ "$failures" -ne 0 ]; then
    echo "FAIL: $failures document(s) show a command that does not run" >&2
    exit 1
fi
echo "PASS: every command the docs show runs"
