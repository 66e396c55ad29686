#!/usr/bin/env bash
# A hung worker's execution is taken over by another once its lease runs
# out, and its late result is refused; see reliability.py (test_takeover).
set -euo pipefail
exec python3 "$(dirname "$0")/reliability.py" takeover
