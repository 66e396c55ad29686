#!/usr/bin/env bash
# tools/deps.sh [--test] — install, with apt-get, the Debian packages cairn
# needs that are missing. --test adds what the test suite needs (node for the
# JSON Schema check and the AWS SDK client, valgrind, graphviz and chromium to
# render diagrams). Safe to run again: installs only what is missing.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libyaml-dev liblua5.4-dev libcjson-dev
      libsqlite3-dev libcmocka-dev libcurl4-openssl-dev libmicrohttpd-dev
      libssl-dev)
if [[ "${1:-}" == "--test" ]]; then
    # graphviz and chromium render the diagrams (dot -Tsvg, mermaid-cli) in tests/graph;
    # clang and clang-format check the generated code (tests/golden, tests/package).
    pkgs+=(python3 valgrind graphviz chromium clang clang-format)
    # Node.js for ajv: any recent one will do; take Debian's only when none is there.
    command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "cairn: installing ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then
        echo "cairn: run as root (or install these packages yourself)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
