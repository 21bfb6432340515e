# shellcheck shell=bash
# Run from the repository root.
# start_ceph_lab: start the Ceph lab unless it is running, then export its
# CL_CEPH_* variables; the caller's EXIT trap calls release_ceph_lab.
# use_ceph_lab: the same, with that EXIT trap.
lab_started=0
start_ceph_lab() {
    if ! bash scripts/ceph-lab.sh status >/dev/null 2>&1; then
        bash scripts/ceph-lab.sh start >/dev/null
        lab_started=1
    fi
    eval "$(bash scripts/ceph-lab.sh env)"
    export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER CL_CEPH_DIR
}

use_ceph_lab() {
    start_ceph_lab
    trap release_ceph_lab EXIT
}

# release_ceph_lab: stop the lab if start_ceph_lab started it.
release_ceph_lab() {
    if [ "$lab_started" = 1 ]; then
        bash scripts/ceph-lab.sh stop >/dev/null 2>&1 || true
    fi
}
