#!/usr/bin/env bash
# tools/demo.sh — the main job: install what is missing, build cairn, and run
# the order example end to end on the embedded SQLite store (build/demo.db):
# one order that ships, one that runs out of stock; then the journal of the first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# cairn and order for the demo; both libcairn builds too, so that
# `cmake --install build --prefix ...` works next (README, docs/cmake.md).
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target cairn order cairn_runtime cairn_runtime_shared >/dev/null

order=build/examples/order/order
db=build/demo.db
rm -f "$db" "$db-wal" "$db-shm"

echo "\$ order run order --input \"\$(cat examples/order/inputs/success.json)\" --skip-time"
"$order" run order --db "$db" --input "$(cat examples/order/inputs/success.json)" --skip-time
echo
echo "\$ order run order --input \"\$(cat examples/order/inputs/out_of_stock.json)\" --skip-time"
"$order" run order --db "$db" --input "$(cat examples/order/inputs/out_of_stock.json)" --skip-time || true
echo
echo "\$ cairn list"
build/generator/cairn list --db "$db"
first=$(build/generator/cairn list --db "$db" | awk '$3 == "SUCCEEDED" { print $1; exit }')
echo
echo "\$ cairn history $first"
build/generator/cairn history --db "$db" "$first"
