# shellcheck shell=bash disable=SC2154 # __doc: set by the script test_docs.sh writes
# runner.sh — the head of the script test_docs.sh writes for one document
# (rundoc.py appends the document's __file/__block/__learn/__run calls).
# Not a test itself; see test_docs.sh for the conventions.
set -u
declare -A __ids=()       # placeholder id shown in the doc -> id printed here
__status=0
__out="$(mktemp)"
__first_block=1

# The command with each placeholder replaced where it stands as a whole word
# ([A-Za-z0-9_-]+): an id printed may hold another placeholder's letters
# ("...GpIDD80FQ" holds "ID"), and is never rewritten itself.
__subst() {
    local s=$1 out="" tok
    while [[ $s =~ ^([^A-Za-z0-9_-]*)([A-Za-z0-9_-]+)(.*)$ ]]; do
        out+="${BASH_REMATCH[1]}"
        tok="${BASH_REMATCH[2]}"
        s="${BASH_REMATCH[3]}"
        if [[ -v "__ids[$tok]" ]]; then
            out+="${__ids[$tok]}"
        else
            out+="$tok"
        fi
    done
    printf '%s' "$out$s"
}

__fail() {
    echo "FAIL: $__doc:$1: $2" >&2
    __status=1
}

# The documents' own `exit` (a CI snippet's `exit $status`) ends the command.
exit() { return "${1:-0}"; }

__file() { # LINE NAME TEXT
    mkdir -p "$(dirname "$2")"
    rm -f "$2" # never through a symlink into the repository
    printf '%s' "$3" >"$2"
}

__block() { # LINE: a new sh block starts
    __block_line="$1"
}

__run() { # LINE STATUS COMMAND
    local line="$1" want="$2" cmd="$3" from got
    if [ "$__doc" = README.md ] && [ "$__first_block" = 1 ]; then
        case "$cmd" in
        "bash tools/demo.sh"*) return ;;
        "bash tools/test.sh"*) __first_block=0; return ;;
        *) __fail "$line" "README's first commands are not tools/demo.sh and tools/test.sh" ;;
        esac
    fi
    __first_block=0
    cmd="$(__subst "$cmd")"
    echo "\$ $cmd"
    local listing=0
    if [[ $cmd == "ctest --test-dir build "* ]]; then
        # This build's own suite, which runs every test it selects beside
        # this one: what it selects is listed (-N), and must not be nothing.
        cmd="ctest -N ${cmd#ctest }" # before any comment the line ends with
        listing=1
    fi
    if [[ $cmd =~ \&[[:space:]]*(#.*)?$ ]]; then
        eval "$cmd" >"$__out.bg.$line" 2>&1
        sleep 1
        return
    fi
    eval "$cmd" >"$__out" 2>&1
    got=$?
    cat "$__out"
    # EXECUTION-ID and CALLBACK-ID: the last ids printed.
    from="$(awk '$1 == "execution" { print $2; exit }' "$__out")"
    [ -z "$from" ] || __ids[EXECUTION-ID]="$from"
    from="$(awk '$1 == "callback" { print $2; exit }' "$__out")"
    [ -z "$from" ] || __ids[CALLBACK-ID]="$from"
    if [ "$got" != "$want" ]; then
        __fail "$line" "exit $got, not $want: $cmd"
    fi
    if ((listing)) && ! grep -Eq '^Total Tests: [1-9]' "$__out"; then
        __fail "$line" "selects no test of this build: $cmd"
    fi
}

__learn() { # KIND SHOWN-ID [N]: the last command printed KIND's real id (its Nth such line)
    local real
    real="$(awk -v k="$1" -v n="${3:-1}" '$1 == k && ++seen == n { print $2; exit }' "$__out")"
    if [ -z "$real" ]; then
        __fail "$__block_line" "the command before '$1 $2' printed no $1 id"
        return
    fi
    __ids["$2"]="$real"
    __ids["${1^^}-ID"]="$real"
}

__expect() { # KIND SHOWN: the last command printed `KIND  SHOWN ...`
    local real
    real="$(awk -v k="$1" '$1 == k { print $2; exit }' "$__out")"
    [ "$real" = "$2" ] || __fail "$__block_line" "shown '$1 $2', printed '$1 $real'"
}

__end() {
    local pid
    for pid in $(jobs -p); do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -f "$__out" "$__out".bg.*
    builtin exit "$__status"
}
