#!/usr/bin/env bash
# The README's commands on a fresh machine: no venv, no Ceph packages.
#
# Runs as root in a private mount namespace (nothing here is visible to other
# processes), where Debian's python3-rados and python3-rbd look not
# installed: their files are hidden from /usr/lib/python3/dist-packages, and
# dpkg-query/apt-get first on PATH report the two packages missing and
# "install" them by putting their files back.  Every other package is the
# machine's own, and every script runs unchanged, so the scripts take the
# path they take on a fresh machine; only the package manager is simulated.
# HOME, the venv (CL_VENV), the Ceph lab and /var/lib/cinderlib are scratch.
#
#   1. scripts/demo.sh, the first README command, with no venv and no
#      bindings: it must run the demo (playbook and Python API) the first time.
#   2. The bindings hidden again and the venv's link removed (a venv made
#      before Ceph was installed, as scripts/test.sh's first stage makes it):
#      scripts/setup-venv.sh, scripts/ceph-lab.sh start, then a module task
#      (cl_backend_facts on the lab).
#
# Usage: tests/setup/first-run.sh [REPO]   REPO: the checkout whose scripts run
# (default: this one), e.g. a clone of another branch to compare.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${1:-$here/../..}" && pwd)
dist_packages=/usr/lib/python3/dist-packages
packages=(python3-rados python3-rbd)

LOG_PREFIX='[first-run] '
# shellcheck source=scripts/lib/common.sh
. "$here/../../scripts/lib/common.sh"

if [ -z "${CL_FIRST_RUN_SCRATCH:-}" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
        log "SKIPPED: needs root and unshare (a private mount namespace)"
        exit 0
    fi
    scratch=$(mktemp -d /tmp/cl-first-run.XXXXXX)
    # The mounts exist only in the namespace, and end with it: removing the
    # scratch directory from out here never reaches the machine's files.
    status=0
    CL_FIRST_RUN_SCRATCH=$scratch unshare --mount --propagation private \
        bash "$0" "$repo" || status=$?
    rm -rf --one-file-system "$scratch"
    if [ "$status" = 0 ]; then log "PASSED"; else log "FAILED"; fi
    exit "$status"
fi

# --- inside the namespace ------------------------------------------------
s=$CL_FIRST_RUN_SCRATCH
export CL_CEPH_DIR=$s/ceph
cleanup() {
    bash "$repo/scripts/ceph-lab.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The real dist-packages, read-only, where the fake apt-get finds the files.
mkdir -p "$s/system" "$s/view" "$s/bin" "$s/home" "$s/var-lib-cinderlib"
mount --bind "$dist_packages" "$s/system"
mount -o remount,bind,ro "$s/system"
mapfile -t package_files < <(dpkg -L "${packages[@]}" |
    sed -n "s|^$dist_packages/\([^/]*\)\$|\1|p" | sort -u)
[ ${#package_files[@]} -gt 0 ] || { log "dpkg lists no files of ${packages[*]}"; exit 1; }
hide_packages() {
    local entry name
    rm -f "$s"/installed-*
    find "$s/view" -mindepth 1 -maxdepth 1 -delete
    for entry in "$s/system"/*; do
        name=${entry##*/}
        case " ${package_files[*]} " in *" $name "*) continue ;; esac
        ln -s "$entry" "$s/view/$name"
    done
}
hide_packages
mount --bind "$s/view" "$dist_packages"
mkdir -p /var/lib/cinderlib
mount --bind "$s/var-lib-cinderlib" /var/lib/cinderlib

cat > "$s/bin/dpkg-query" <<EOF
#!/bin/bash
# The simulated packages are missing until the fake apt-get installs them.
for pkg; do :; done
case \$pkg in python3-rados | python3-rbd)
    [ -e "$s/installed-\$pkg" ] || exit 1 ;;
esac
exec /usr/bin/dpkg-query "\$@"
EOF
cat > "$s/bin/apt-get" <<EOF
#!/bin/bash
# update: nothing to do; install: only the simulated packages, by putting
# their files back into dist-packages.
[ "\$1" = update ] && exit 0
[ "\$1" = install ] || { echo "first-run: apt-get \$* not simulated" >&2; exit 100; }
shift
skip=0
for arg; do
    if [ \$skip = 1 ]; then skip=0; continue; fi
    case \$arg in
    -o) skip=1 ;;
    -*) ;;
    python3-rados | python3-rbd)
        pkg=\${arg#python3-}
        ln -sfn "$s/system/\$pkg".cpython-*.so "$s/system/\$pkg"-*.egg-info "$dist_packages/"
        touch "$s/installed-\$arg"
        echo "first-run: simulated apt-get install \$arg" >&2 ;;
    *) echo "first-run: apt-get install \$arg: this machine should have it already" >&2
       exit 100 ;;
    esac
done
EOF
chmod +x "$s/bin/dpkg-query" "$s/bin/apt-get"

# A fresh user on this machine: own HOME, the machine's pip configuration
# (its wheel mirrors) kept.
pip_conf=${PIP_CONFIG_FILE:-$HOME/.config/pip/pip.conf}
[ -r "$pip_conf" ] && export PIP_CONFIG_FILE=$pip_conf
export HOME=$s/home PATH=$s/bin:$PATH
export CL_VENV=$s/venv CL_DEMO_DIR=$s/demo
unset CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER
cd "$repo"

python3 -c 'import rados' 2>/dev/null && { log "the bindings are not hidden"; exit 1; }

log "1. scripts/demo.sh on a machine with neither the venv nor the bindings"
t0=$SECONDS
if ! bash scripts/demo.sh > "$s/demo.log" 2>&1; then
    tail -n 40 "$s/demo.log" >&2
    log "1. scripts/demo.sh failed the first time (log above)"
    exit 1
fi
grep -q "^== ceph lab still running" "$s/demo.log" || { cat "$s/demo.log" >&2; exit 1; }
grep -B1 "simulated apt-get install" "$s/demo.log" >&2 || true
"$CL_VENV/bin/python" -c 'import rados, rbd'
log "1. ok: the demo ran the first time ($((SECONDS - t0)) s)"

log "2. a venv made before the bindings, then setup-venv.sh and ceph-lab.sh start"
hide_packages
rm -rf "$CL_VENV/ceph-bindings"
"$CL_VENV/bin/python" -c 'import rados' 2>/dev/null && { log "rados still importable"; exit 1; }
bash scripts/setup-venv.sh >/dev/null
bash scripts/ceph-lab.sh start >/dev/null
eval "$(bash scripts/ceph-lab.sh env)"
ANSIBLE_COLLECTIONS_PATH=$repo/.build/collections "$CL_VENV/bin/ansible" localhost \
    -e ansible_python_interpreter="$CL_VENV/bin/python" \
    -m openstack.cinderlib.cl_backend_facts -a "$(printf '{"backend": {
        "volume_backend_name": "first-run",
        "volume_driver": "cinder.volume.drivers.rbd.RBDDriver",
        "rbd_pool": "%s", "rbd_user": "%s", "rbd_ceph_conf": "%s",
        "rbd_keyring_conf": "%s"}}' "$CL_CEPH_POOL" "$CL_CEPH_USER" \
        "$CL_CEPH_CONF" "$CL_CEPH_KEYRING")" > "$s/facts.log" 2>&1 ||
    { cat "$s/facts.log" >&2; log "2. the module task failed"; exit 1; }
log "2. ok: cl_backend_facts on the lab ($((SECONDS - t0)) s in all)"
