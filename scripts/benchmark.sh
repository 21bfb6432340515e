#!/usr/bin/env bash
# Performance figures (printed, not asserted): the core on the Ceph lab
# against raw librbd, start-up time and memory.  Starts the lab if needed
# and stops it again if it started it.
#   scripts/benchmark.sh           everything
#   scripts/benchmark.sh startup   only process start to ready Backend,
#                                  alternated with the code before the
#                                  start-up work (CL_BENCH_BASELINE_REF,
#                                  default e502eea) and the ratio printed
#   scripts/benchmark.sh modules   module tasks per loop item (playbooks);
#                                  the no-change run alternated with the
#                                  code before issue 12's restructure
#                                  (CL_BENCH_BASELINE_REF, default e98c248)
#                                  and the ratio printed
#   scripts/benchmark.sh bulk      cl_volumes against its floors (a
#                                  /bin/true task plus librbd calls), the
#                                  loop over cl_volume, 1,000 volumes with
#                                  nothing to change (docs/bulk.md)
# Further arguments go to the benchmark (modules, bulk: --volumes N
# --rounds N ...; startup's rounds: CL_BENCH_ROUNDS).
set -euo pipefail
case "${1:-all}" in
    all) bench=core_vs_librbd.py ;;
    startup) bench=startup.py ;;
    modules) bench=modules_bench.py ;;
    bulk) bench=bulk_bench.py ;;
    *) echo "usage: $0 [all|startup|modules|bulk] [ARGS...]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
# shellcheck source=scripts/lib/ceph-lab-env.sh
. scripts/lib/ceph-lab-env.sh
use_ceph_lab
export PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$repo/.build/collections
# The baseline of startup and modules: that commit's files (git archive),
# importable from a collections directory of its own (PYTHONPATH and
# ANSIBLE_COLLECTIONS_PATH of the child processes).
case $bench in
    startup.py) default_ref=e502eea ;;
    modules_bench.py) default_ref=e98c248 ;;
    *) default_ref= ;;
esac
if [ -n "$default_ref" ]; then
    ref=${CL_BENCH_BASELINE_REF:-$default_ref}
    base=$repo/.build/baseline-$ref
    if [ ! -d "$base" ]; then
        rm -rf "$base.tmp" && mkdir -p "$base.tmp"
        git -C "$repo" archive "$ref" | tar -x -C "$base.tmp"
        mv "$base.tmp" "$base"
    fi
    mkdir -p "$repo/.build/baseline-collections-$ref/ansible_collections/openstack"
    ln -sfn "$base" "$repo/.build/baseline-collections-$ref/ansible_collections/openstack/cinderlib"
    export CL_BENCH_BASELINE=$repo/.build/baseline-collections-$ref
fi
"$venv/bin/python" "tests/benchmark/$bench" "$@"
