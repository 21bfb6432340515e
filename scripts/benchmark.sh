#!/usr/bin/env bash
# Performance figures (printed, not asserted): the core on the Ceph lab
# against raw librbd, start-up time and memory.  Starts the lab if needed
# and stops it again if it started it.
#   scripts/benchmark.sh           everything
#   scripts/benchmark.sh startup   only process start to ready Backend
#   scripts/benchmark.sh modules   module tasks per loop item (playbooks)
set -euo pipefail
case "${1:-all}" in
    all) bench=core_vs_librbd.py ;;
    startup) bench=startup.py ;;
    modules) bench=modules_bench.py ;;
    *) echo "usage: $0 [all|startup|modules]" >&2; exit 2 ;;
esac
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
venv=$(bash scripts/setup-venv.sh)
# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh
use_ceph_lab
export PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$repo/.build/collections
"$venv/bin/python" "tests/benchmark/$bench"
