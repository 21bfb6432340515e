#!/usr/bin/env bash
# The first README command: set everything up on a fresh Debian machine
# (Python venv with Cinder 29, Ceph packages, a local Ceph cluster on
# 127.0.0.1) and run the demo on it: the demo playbook (the modules), then
# the same life through the Python API.  The Ceph lab keeps running afterwards;
# `scripts/ceph-lab.sh stop` stops it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
echo "== python venv (cinder 29, os-brick, ...)"
# shellcheck source=scripts/lib/project-venv.sh
. scripts/lib/project-venv.sh
echo "== local ceph cluster"
bash scripts/ceph-lab.sh start >/dev/null
eval "$(bash scripts/ceph-lab.sh env)"
export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER
echo "== demo playbook: a volume's life through the collection's modules"
ANSIBLE_COLLECTIONS_PATH=$repo/.build/collections "$venv/bin/ansible-playbook" \
    playbooks/demo.yml -e demo_ceph_lab_dir="$CL_CEPH_DIR"
echo "== the same through the Python API (the core), with timings"
"$venv/bin/python" scripts/demo.py
echo "== ceph lab still running; stop it with: scripts/ceph-lab.sh stop"
