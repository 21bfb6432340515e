#!/usr/bin/env bash
# Create or update an Ansible controller venv: ansible-core VERSION only, on
# the Python tests/controllers/ansible-core-VERSION.txt names (pyenv's when
# it is not on PATH), in .build/controller-VERSION.  The storage-side modules
# do not run in it: point ansible_python_interpreter at the storage host's
# venv (.venv/bin/python here).  Reinstalled when the requirement file
# changes.  2.19 is the project venv (.venv, Python 3.11: scripts/setup-venv.sh).
# Usage: scripts/setup-controller-venv.sh VERSION      Prints the venv path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib/extra-venv.sh
. "$repo/scripts/lib/extra-venv.sh"

version=${1:-}
if [ "$version" = 2.19 ]; then
    exec bash "$repo/scripts/setup-venv.sh"
fi
requirements=$repo/tests/controllers/ansible-core-$version.txt
if [ -z "$version" ] || [ ! -f "$requirements" ]; then
    known=(2.19)
    for f in "$repo"/tests/controllers/ansible-core-*.txt; do
        f=${f##*/ansible-core-}; known+=("${f%.txt}")
    done
    echo "usage: scripts/setup-controller-venv.sh VERSION (one of: ${known[*]})" >&2
    exit 2
fi
python_version=$(sed -n 's/^# controller-python: *//p' "$requirements")
python=$(find_python "$python_version")
venv=$repo/.build/controller-$version
ensure_venv "$python" "$venv" "$requirements"
echo "$venv"
