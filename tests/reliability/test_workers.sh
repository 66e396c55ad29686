#!/usr/bin/env bash
# Several workers on one store: 4 workers, 1,000 executions with a callback
# each, answered from a fifth process; see reliability.py (test_workers).
set -euo pipefail
exec python3 "$(dirname "$0")/reliability.py" workers
