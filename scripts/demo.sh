#!/usr/bin/env bash
# The first README command: set everything up on a fresh Debian machine
# (Python venv with Cinder 29, Ceph packages, a local Ceph cluster on
# 127.0.0.1) and run the demo on it.  The Ceph lab keeps running afterwards;
# `scripts/ceph-lab.sh stop` stops it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
echo "== python venv (cinder 29, os-brick, ...)"
venv=$(bash scripts/setup-venv.sh)
echo "== local ceph cluster"
bash scripts/ceph-lab.sh start >/dev/null
eval "$(bash scripts/ceph-lab.sh env)"
export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER
echo "== demo: a volume's life through Cinder's RBD driver, no Cinder service"
"$venv/bin/python" scripts/demo.py
echo "== ceph lab still running; stop it with: scripts/ceph-lab.sh stop"
