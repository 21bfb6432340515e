#!/usr/bin/env bash
# Fault injection, large N (not part of CI; CI runs a small N through
# tests/functional/test_kill_points.py): SIGKILL module and core processes
# inside the RBD driver's librbd calls and at random moments, re-run each
# declaration once, and check that the pool and the records agree.  Prints
# every kill point and its outcome.  Starts the Ceph lab if needed and stops
# it again if it started it.  Also runs the storage outage tests (the OSD
# frozen mid-run).
#   scripts/faults.sh [CYCLES]      default 12 (about 100 kills)
set -euo pipefail
cycles=${1:-12}
case $cycles in ''|*[!0-9]*) echo "usage: $0 [CYCLES]" >&2; exit 2 ;; esac
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh
use_ceph_lab
cd tests/functional
CL_KILL_POINTS_CYCLES=$cycles "$venv/bin/python" -m pytest -p no:cacheprovider \
    -q -s -W ignore::DeprecationWarning test_kill_points.py test_storage_outage.py
