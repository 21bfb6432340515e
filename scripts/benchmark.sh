#!/usr/bin/env bash
# Performance figures (printed, not asserted): the core on the Ceph lab
# against raw librbd, start-up time and memory.  Starts the lab if needed
# and stops it again if it started it.
#   scripts/benchmark.sh           everything
#   scripts/benchmark.sh startup   only process start to ready Backend,
#                                  alternated with the code before the
#                                  start-up work (CL_BENCH_BASELINE_REF,
#                                  default e502eea) and the ratio printed
#   scripts/benchmark.sh modules   module tasks per loop item (playbooks)
#   scripts/benchmark.sh bulk      cl_volumes against its floors (a
#                                  /bin/true task plus librbd calls), the
#                                  loop over cl_volume, 1,000 volumes with
#                                  nothing to change (docs/bulk.md)
set -euo pipefail
case "${1:-all}" in
    all) bench=core_vs_librbd.py ;;
    startup) bench=startup.py ;;
    modules) bench=modules_bench.py ;;
    bulk) bench=bulk_bench.py ;;
    *) echo "usage: $0 [all|startup|modules|bulk]" >&2; exit 2 ;;
esac
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh
use_ceph_lab
export PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$repo/.build/collections
if [ "$bench" = startup.py ]; then
    # The baseline: a git worktree of that commit, importable from a
    # collections directory of its own (PYTHONPATH in the child processes).
    ref=${CL_BENCH_BASELINE_REF:-e502eea}
    base=$repo/.build/baseline-$ref
    if [ ! -d "$base" ]; then
        git -C "$repo" worktree add --detach "$base" "$ref" >/dev/null 2>&1
    fi
    mkdir -p "$repo/.build/baseline-collections-$ref/ansible_collections/openstack"
    ln -sfn "$base" "$repo/.build/baseline-collections-$ref/ansible_collections/openstack/cinderlib"
    export CL_BENCH_BASELINE=$repo/.build/baseline-collections-$ref
fi
"$venv/bin/python" "tests/benchmark/$bench"
