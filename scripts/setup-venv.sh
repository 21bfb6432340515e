#!/usr/bin/env bash
# Create or update the project's Python 3.11 virtualenv (default .venv) with
# the collection's requirements and the test tools, and make Debian's Ceph
# bindings (rados, rbd: not on PyPI) importable in it, installing Debian's
# python3.11 and python3-rados/python3-rbd first when they are missing (as
# root), so the venv works whatever ran before it (scripts/ceph-lab.sh installs
# the rest of Ceph).
# Usage: scripts/setup-venv.sh [VENV_DIR]      Prints the venv path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${CL_VENV:-$repo/.venv}}
python=${CL_PYTHON:-python3.11}
dist_packages=/usr/lib/python3/dist-packages

LOG_PREFIX='[setup-venv] '
# shellcheck source=scripts/lib/common.sh
. "$repo/scripts/lib/common.sh"

# debian_install PACKAGE...: apt-get install them, waiting for another
# apt/dpkg run (a second checkout's set-up, ceph-lab.sh) instead of failing.
debian_install() {
    log "installing Debian's $*"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "$@" >&2
}

# debian_missing PACKAGE...: print those not installed (none off Debian).
debian_missing() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local p
    for p in "$@"; do
        [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
            echo "$p"
    done
}

if ! command -v "$python" >/dev/null 2>&1; then
    log "$python not found"
    debian_install python3.11 python3.11-venv
fi

# Cinder's RBD driver imports rados and rbd when it is loaded: install them
# now, not when the Ceph lab starts, or the venv's link below finds nothing.
mapfile -t missing < <(debian_missing python3-rados python3-rbd)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        debian_install "${missing[@]}"
    else
        log "WARNING: ${missing[*]} not installed and not root to install them:" \
            "Cinder's RBD driver will not load until they are installed and" \
            "this script runs again"
    fi
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
for so in "$dist_packages"/rados.cpython-311-*.so \
          "$dist_packages"/rbd.cpython-311-*.so; do
    [ ! -e "$so" ] || ln -sfn "$so" "$bindings/$(basename "$so")"
done
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$bindings" > "$site/cinderlib-ceph-bindings.pth"
if [ ${#missing[@]} -eq 0 ] &&
        ! err=$("$venv/bin/python" -c 'import rados, rbd' 2>&1); then
    log "WARNING: $venv/bin/python cannot import Debian's rados/rbd bindings" \
        "(${err##*$'\n'}); they are built for Python 3.11"
fi

# Make the collection importable as ansible_collections.openstack.cinderlib.
collections="$repo/.build/collections"
mkdir -p "$collections/ansible_collections/openstack"
ln -sfn "$repo" "$collections/ansible_collections/openstack/cinderlib"
echo "$collections" > "$site/cinderlib-collection.pth"

echo "$venv"
