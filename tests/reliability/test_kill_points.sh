#!/usr/bin/env bash
# Crashes: SIGKILL at every kill point (before and after each journal commit)
# of every example (order; approval and payment with their stand-in services
# running) and the torture workflow, then recovery to the end; see
# reliability.py (test_kill) for what is checked.
set -euo pipefail
exec python3 "$(dirname "$0")/reliability.py" kill
