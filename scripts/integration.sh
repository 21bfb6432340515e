#!/usr/bin/env bash
# The modules' integration tests: `ansible-test integration --local` on a
# copy of the collection in an ansible_collections/ tree, against the local
# Ceph lab (Cinder's RBD driver), with SQLite and PostgreSQL persistence.
#
# Usage: scripts/integration.sh [TARGET...]     (default: every target)
# CL_ANSIBLE_CONTROLLER=2.20|2.21 runs ansible-core of that version on its own
# Python (scripts/setup-controller-venv.sh) as the controller, the modules
# still on the storage host's Python 3.11 venv (.venv); default: 2.19, all
# in .venv.
# Expects the Ceph lab running and PostgreSQL reachable (scripts/test.sh
# takes care of both); CL_TEST_PG_URL names the PostgreSQL database.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/lib/collection-tree.sh
. scripts/lib/collection-tree.sh

# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
tree=$repo/.build/integration/ansible_collections/openstack/cinderlib
eval "$(bash scripts/ceph-lab.sh env)"
if [ -z "${CL_TEST_PG_URL:-}" ]; then
    bash scripts/services.sh ensure postgresql >&2
    bash scripts/services.sh createdb "${CL_TEST_DB_PREFIX:-cinderlib}_it" >&2
    eval "$(bash scripts/services.sh urls "${CL_TEST_DB_PREFIX:-cinderlib}_it")"
fi

target_python=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
controller_version=${CL_ANSIBLE_CONTROLLER:-2.19}
sync_tree "$tree"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# What the targets need to know about this machine.
cat > "$tree/tests/integration/integration_config.yml" <<YAML
cl_backend:
  volume_backend_name: it-ceph
  volume_driver: cinder.volume.drivers.rbd.RBDDriver
  rbd_pool: $CL_CEPH_POOL
  rbd_user: $CL_CEPH_USER
  rbd_ceph_conf: $CL_CEPH_CONF
  rbd_keyring_conf: $CL_CEPH_KEYRING
cl_work_dir: $work
cl_db_url: sqlite:///$work/cinderlib.sqlite
cl_pg_url: $CL_TEST_PG_URL
cl_rbd: rbd -c $CL_CEPH_CONF --id $CL_CEPH_USER --keyring $CL_CEPH_KEYRING -p $CL_CEPH_POOL
cl_ansible_core: "$controller_version"
cl_target_python: "$target_python"
YAML
cd "$tree"
if [ "$controller_version" = 2.19 ]; then
    PATH=$venv/bin:$PATH "$venv/bin/ansible-test" integration --local \
        --python "$target_python" --color no "$@"
else
    # ansible-test's split hosts: the controller on the controller venv's
    # Python, the target (ansible_python_interpreter) the storage venv's.
    controller=$(bash "$repo/scripts/setup-controller-venv.sh" "$controller_version")
    controller_python=$("$controller/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    PATH=$controller/bin:$PATH "$controller/bin/ansible-test" integration \
        --controller "origin:python=$controller_python@$controller/bin/python" \
        --target "controller:python=$target_python@$venv/bin/python" \
        --color no "$@"
fi
