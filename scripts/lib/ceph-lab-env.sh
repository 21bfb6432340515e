# shellcheck shell=bash
# use_ceph_lab: start the Ceph lab unless it is running (and stop it on exit
# if this script started it), then export its CL_CEPH_* variables.  Run
# from the repository root.
use_ceph_lab() {
    lab_started=0
    if ! bash scripts/ceph-lab.sh status >/dev/null 2>&1; then
        bash scripts/ceph-lab.sh start >/dev/null
        lab_started=1
    fi
    trap '[ "$lab_started" = 1 ] && bash scripts/ceph-lab.sh stop >/dev/null 2>&1 || true' EXIT
    eval "$(bash scripts/ceph-lab.sh env)"
    export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER CL_CEPH_DIR
}
