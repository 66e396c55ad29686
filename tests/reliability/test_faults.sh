#!/usr/bin/env bash
# Disk and database faults: write, fsync and full-disk errors injected through
# the VFS shim ($CAIRN_FAULT) at every few writes of a run, a callback answer
# and a worker; a locked, a corrupt and a newer store; see reliability.py
# (test_faults).
set -euo pipefail
exec python3 "$(dirname "$0")/reliability.py" faults
