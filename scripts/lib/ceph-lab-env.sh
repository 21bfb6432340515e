# shellcheck shell=bash
# use_ceph_lab [--own-trap]: start the Ceph lab unless it is running (and
# stop it on exit if this script started it: with --own-trap, the caller's
# EXIT trap calls release_ceph_lab), then export its CL_CEPH_* variables.
# Run from the repository root.
lab_started=0
use_ceph_lab() {
    if ! bash scripts/ceph-lab.sh status >/dev/null 2>&1; then
        bash scripts/ceph-lab.sh start >/dev/null
        lab_started=1
    fi
    [ "${1:-}" = --own-trap ] || trap release_ceph_lab EXIT
    eval "$(bash scripts/ceph-lab.sh env)"
    export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER CL_CEPH_DIR
}

# release_ceph_lab: stop the lab if use_ceph_lab started it.
release_ceph_lab() {
    if [ "$lab_started" = 1 ]; then
        bash scripts/ceph-lab.sh stop >/dev/null 2>&1 || true
    fi
}
