#!/usr/bin/env bash
# Create or update the project's Python 3.11 virtualenv (default .venv) with
# the collection's requirements and the test tools, and make Debian's Ceph
# bindings (rados, rbd: not on PyPI) importable in it.
# Usage: scripts/setup-venv.sh [VENV_DIR]      Prints the venv path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${CL_VENV:-$repo/.venv}}
python=${CL_PYTHON:-python3.11}

log() { echo "[setup-venv] $*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
    log "$python not found; installing Debian's python3.11"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3.11 python3.11-venv >&2
fi

stamp="$venv/.requirements.sha256"
want=$(cat "$repo/requirements.txt" "$repo/tests/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv"
    "$python" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing requirements into $venv (about a minute the first time)"
    # This machine's pip.conf names mirror directories that may not exist;
    # drop pip's warnings about them, keep everything else.
    {
        "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
        "$venv/bin/pip" install -q --disable-pip-version-check \
            -r "$repo/requirements.txt" -r "$repo/tests/requirements.txt"
    } 2>&1 | { grep -v "^WARNING: Location '" || true; } >&2
    echo "$want" > "$stamp"
fi

# Debian's python3-rados/python3-rbd are CPython 3.11 extensions; link only
# those two into a directory the venv sees, not all of dist-packages.
bindings="$venv/ceph-bindings"
mkdir -p "$bindings"
for so in /usr/lib/python3/dist-packages/rados.cpython-311-*.so \
          /usr/lib/python3/dist-packages/rbd.cpython-311-*.so; do
    [ ! -e "$so" ] || ln -sfn "$so" "$bindings/$(basename "$so")"
done
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$bindings" > "$site/cinderlib-ceph-bindings.pth"

# Make the collection importable as ansible_collections.openstack.cinderlib.
collections="$repo/.build/collections"
mkdir -p "$collections/ansible_collections/openstack"
ln -sfn "$repo" "$collections/ansible_collections/openstack/cinderlib"
echo "$collections" > "$site/cinderlib-collection.pth"

echo "$venv"
