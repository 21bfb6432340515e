#!/usr/bin/env bash
# Create or update a venv for the core's tests on another Python than the
# project's 3.11 (.venv): requirements.txt and tests/requirements.txt on
# Python X.Y (pyenv's when it is not on PATH), in .build/core-pyX.Y, with the
# collection importable as ansible_collections.openstack.cinderlib.  Debian's
# Ceph bindings are CPython 3.11 builds: drivers that need them (RBD) do not
# run in it; the fake driver and the persistence layer do.
# Usage: scripts/setup-core-venv.sh X.Y       Prints the venv path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/extra-venv.sh
. "$repo/scripts/lib/extra-venv.sh"

version=${1:?usage: scripts/setup-core-venv.sh X.Y (a Python version, e.g. 3.13)}
python=$(find_python "$version")
venv=$repo/.build/core-py$version
ensure_venv "$python" "$venv" "$repo/requirements.txt" "$repo/tests/requirements.txt"

collections=$repo/.build/collections
mkdir -p "$collections/ansible_collections/openstack"
ln -sfn "$repo" "$collections/ansible_collections/openstack/cinderlib"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$collections" > "$site/cinderlib-collection.pth"
echo "$venv"
