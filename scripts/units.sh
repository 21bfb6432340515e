#!/usr/bin/env bash
# Unit tests.  The modules' tests run under `ansible-test units --local` in an
# ansible_collections/ copy of the collection, as Ansible users run them.
# The core's tests run under pytest directly: ansible-test clears the
# environment, and they read the CL_TEST_* database URLs from it (the tests
# for PostgreSQL, MariaDB and Redis skip when those are unset).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/collection-tree.sh
. scripts/lib/collection-tree.sh
venv=$(bash scripts/setup-venv.sh)

(cd tests/unit && "$venv/bin/python" -m pytest -p no:cacheprovider -q \
    -W ignore::DeprecationWarning plugins/module_utils)

tree=$repo/.build/integration/ansible_collections/openstack/cinderlib
sync_tree "$tree"
cd "$tree"
PATH=$venv/bin:$PATH "$venv/bin/ansible-test" units --local --color no \
    --python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
    tests/unit/plugins/modules/
