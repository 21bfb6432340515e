#!/usr/bin/env bash
# Unit tests.  The modules' tests run under `ansible-test units --local` in an
# ansible_collections/ copy of the collection, as Ansible users run them.
# The core's tests run under pytest directly: ansible-test clears the
# environment, and they read the CL_TEST_* database URLs from it (the tests
# for PostgreSQL, MariaDB and Redis skip when those are unset); they run on
# Python 3.11 (.venv) and, at the same time, 3.12 and 3.13
# (scripts/setup-core-venv.sh).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/collection-tree.sh
. scripts/lib/collection-tree.sh
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh

core_tests() {
    (cd tests/unit && "$1/bin/python" -m pytest -p no:cacheprovider -q \
        -W ignore::DeprecationWarning plugins/module_utils)
}
# The core on newer Pythons too (CL_CORE_PYTHONS, default "3.12 3.13"; an
# empty value skips them): the fake driver and the persistence plugins need
# no Ceph bindings, which exist for Python 3.11 only.  Those runs go beside
# the 3.11 one, each on databases of its own (<database>_py312...), so that
# no run empties the tables another is using.
pids=() logs=() versions=()
for python_version in ${CL_CORE_PYTHONS-3.12 3.13}; do
    core_venv=$(bash scripts/setup-core-venv.sh "$python_version")
    logs+=("$(mktemp)") versions+=("$python_version")
    (
        if [ -n "${CL_TEST_PG_URL:-}" ]; then
            db=${CL_TEST_PG_URL##*/}_py${python_version//./}
            bash scripts/services.sh createdb "$db"
            set -a; eval "$(bash scripts/services.sh urls "$db")"; set +a
        fi
        core_tests "$core_venv"
    ) > "${logs[-1]}" 2>&1 &
    pids+=($!)
done
status=0
core_tests "$venv" || status=$?
for i in "${!pids[@]}"; do
    echo "== the core's unit tests on Python ${versions[i]}"
    wait "${pids[i]}" || status=$?
    cat "${logs[i]}"
    rm -f "${logs[i]}"
done
[ "$status" = 0 ]

tree=$repo/.build/integration/ansible_collections/openstack/cinderlib
sync_tree "$tree"
cd "$tree"
PATH=$venv/bin:$PATH "$venv/bin/ansible-test" units --local --color no \
    --python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
    tests/unit/plugins/modules/ tests/unit/plugins/action/ \
    tests/unit/plugins/plugin_utils/
