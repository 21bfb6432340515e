#!/usr/bin/env bash
# End-to-end test on a real LVM + LIO iSCSI host: a qemu guest
# (scripts/lvm-lab.sh) that is both the storage host and the node.
#
#   1. build (or reuse) the guest image and boot it;
#   2. playbooks/lvm_host.yml: the roles make it an LVM + LIO storage host
#      (volume group on a loop device, thin pool) and an iSCSI initiator, and
#      lvm_backend makes a second volume group on a disk; run twice, the
#      second run must change nothing; after a reboot both groups are back;
#   3. with Cinder's LVMVolumeDriver inside the guest, through the
#      collection's modules: playbooks/provision.yml creates, extends,
#      snapshots and clones; playbooks/attach.yml exports a volume and logs
#      in over iSCSI, data written to the device is read back from the
#      logical volume;
#   4. day-2 operations (issue 14): playbooks/grow.yml grows the attached
#      volume, the node rescans it and resize2fs grows the ext4 on it, the
#      data intact (a second run changes nothing, a missing volume is
#      refused); a multiattach volume on two iSCSI sessions of two initiator
#      names; revert to a snapshot on thick LVM, refused on thin LVM; a
#      retype in place;
#   5. the volume detaches and is unexported, provision.yml deletes
#      everything. Every play of 2, 3 and 5 runs twice and the second run
#      must report changed=0.
#
# Prints how long each stage and each task took. Stops the guest only if it
# started it (a guest already running from `scripts/lvm-lab.sh start` is
# reused and left running).
#
# Usage: tests/e2e/run.sh
# Environment: CL_E2E_DIR work dir (default <repo>/.lab/e2e)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/tests/e2e
work=${CL_E2E_DIR:-$repo/.lab/e2e}
lab=(bash "$repo/scripts/lvm-lab.sh")

t_start=$SECONDS
t_stage=$SECONDS
stage_name=
timings=()
stage() {
    [[ -n $stage_name ]] && timings+=("$(printf '%5d s  %s' $((SECONDS - t_stage)) "$stage_name")")
    stage_name=$1
    t_stage=$SECONDS
    [[ -n $1 ]] && echo "== e2e: $1 (+$((SECONDS - t_start)) s)"
    return 0
}

started_guest=0
finish() {
    status=$?
    stage ""
    if [[ $started_guest = 1 ]]; then
        "${lab[@]}" stop || true
    fi
    echo "== e2e: stage timings"
    printf '%s\n' "${timings[@]}"
    echo "== e2e: total $((SECONDS - t_start)) s, $([[ $status = 0 ]] && echo passed || echo FAILED)"
    exit $status
}
trap finish EXIT
# Cut off by a signal (a CI's time limit): the EXIT trap must report a failure.
trap 'exit 143' TERM
trap 'exit 130' INT

stage "python venv (ansible-core)"
venv=$(bash "$repo/scripts/setup-venv.sh")

stage "guest image"
"${lab[@]}" build

stage "guest boot"
if ! "${lab[@]}" status 2>/dev/null; then
    started_guest=1
    "${lab[@]}" start >/dev/null
fi
eval "$("${lab[@]}" env)"

mkdir -p "$work"
cat > "$work/inventory.ini" <<EOF
[cinderlib_storage]
lab ansible_host=$CL_LVM_SSH_HOST ansible_port=$CL_LVM_SSH_PORT

[cinderlib_nodes]
lab

[all:vars]
ansible_user=$CL_LVM_SSH_USER
ansible_ssh_private_key_file=$CL_LVM_SSH_KEY
ansible_python_interpreter=$CL_LVM_PYTHON
EOF
cat > "$work/ansible.cfg" <<EOF
[defaults]
inventory = $work/inventory.ini
callback_plugins = $here/callback_plugins
callbacks_enabled = task_timer
collections_path = $repo/.build/collections
interpreter_python = auto_silent
retry_files_enabled = false
stdout_callback = default
show_custom_stats = true

[ssh_connection]
pipelining = true
ssh_args = -o ControlMaster=auto -o ControlPersist=600s -o StrictHostKeyChecking=no -o UserKnownHostsFile=$CL_LVM_SSH_KNOWN_HOSTS
EOF
export ANSIBLE_CONFIG=$work/ansible.cfg

# Run a playbook; with "idempotent" as first argument, fail unless the recap
# reports changed=0 for every host.
play() {
    local expect=any
    if [[ $1 = idempotent ]]; then expect=unchanged; shift; fi
    local log
    log=$work/$(basename "$1" .yml)-$((++play_count)).log
    last_log=$log
    echo "-- ansible-playbook $*" | sed "s|$repo/||g"
    if ! "$venv/bin/ansible-playbook" "$@" > "$log" 2>&1; then
        cat "$log"
        echo "e2e: playbook failed (log: $log)" >&2
        return 1
    fi
    grep -E '^(TASK|RUNNING HANDLER) |^ +took |^changed:|^fatal|"msg": |^PLAY RECAP|^[a-z].*: ok=' "$log" \
        | sed -E 's/\*+$//'
    if [[ $expect = unchanged ]] && grep -E ': ok=' "$log" | grep -vq 'changed=0 '; then
        echo "e2e: the second run changed something (log: $log)" >&2
        return 1
    fi
}
play_count=0

# Run a playbook that must fail, saying the given message.
refused() {
    local message=$1 log
    shift
    log=$work/$(basename "$1" .yml)-$((++play_count)).log
    echo "-- ansible-playbook $* (must fail: $message)" | sed "s|$repo/||g"
    if "$venv/bin/ansible-playbook" "$@" > "$log" 2>&1; then
        cat "$log"
        echo "e2e: the playbook did not fail (log: $log)" >&2
        return 1
    fi
    if ! grep -qF -- "$message" "$log"; then
        cat "$log"
        echo "e2e: the playbook failed without saying: $message (log: $log)" >&2
        return 1
    fi
}

stage "roles: storage host and initiator (first run)"
play "$repo/playbooks/lvm_host.yml" "$here/disk_vg.yml" -e @"$here/vars.yml"

# The image comes with the virtualenv: the controller role must find it complete.
if awk '/^TASK \[/ { c = /^TASK \[openstack[.]cinderlib[.]controller / } c && /^changed:/' "$last_log" | grep -q .; then
    echo "e2e: the controller role changed the guest's pre-installed virtualenv (log: $last_log)" >&2
    exit 1
fi

stage "roles: second run changes nothing"
play idempotent "$repo/playbooks/lvm_host.yml" "$here/disk_vg.yml" -e @"$here/vars.yml"

stage "reboot: the loop-backed volume group comes back"
"${lab[@]}" reboot
"${lab[@]}" ssh 'vgs cinder-volumes cinder-disk && lvs cinder-volumes/cinder-volumes-pool &&
    systemctl is-active rtslib-fb-targetctl iscsid'

vars=(-e @"$here/vars.yml")
pb=$repo/playbooks

stage "provision: create a volume"
play "$pb/provision.yml" "${vars[@]}" -e @"$here/volumes-create.yml"

stage "provision: extend it, snapshot, clone, volume from snapshot"
play "$pb/provision.yml" "${vars[@]}" -e @"$here/volumes-grow.yml"
stage "provision: second run changes nothing"
play idempotent "$pb/provision.yml" "${vars[@]}" -e @"$here/volumes-grow.yml"

stage "attach over iSCSI, write and read back"
play "$pb/attach.yml" "$here/check_data.yml" "${vars[@]}" -e @"$here/attach-present.yml"
stage "attach: second run changes nothing"
play idempotent "$pb/attach.yml" "${vars[@]}" -e @"$here/attach-present.yml"

stage "day-2: grow the attached volume (playbooks/grow.yml), rescan, resize2fs"
play "$here/day2-grow-attached.yml" "${vars[@]}" -e @"$here/grow-attached.yml"
stage "grow: second run changes nothing; a missing volume is refused"
play idempotent "$pb/grow.yml" "${vars[@]}" -e @"$here/grow-attached.yml"
refused "cinderlib_grow: no volume named e2e-missing on backend lvm;" \
    "$pb/grow.yml" "${vars[@]}" -e '{"cinderlib_grow": [{"volume": "e2e-missing", "size": 1}]}'
"${lab[@]}" ssh 'umount /mnt/e2e-grow'

stage "day-2: multiattach over two iSCSI sessions"
play "$here/day2-multiattach.yml" "${vars[@]}"

stage "day-2: revert to a snapshot (thick LVM; thin refused)"
play "$here/day2-revert-thick.yml" "${vars[@]}"

stage "day-2: retype in place"
play "$here/day2-retype.yml" "${vars[@]}"

stage "detach, disconnect, delete everything"
play "$pb/attach.yml" "$pb/provision.yml" "${vars[@]}" \
    -e @"$here/attach-absent.yml" -e @"$here/volumes-absent.yml"
stage "detach and delete: second run changes nothing"
play idempotent "$pb/attach.yml" "$pb/provision.yml" "${vars[@]}" \
    -e @"$here/attach-absent.yml" -e @"$here/volumes-absent.yml"

stage "guest left clean"
"${lab[@]}" ssh 'set -e
    lvs --noheadings -o lv_name cinder-volumes | grep -v cinder-volumes-pool && exit 1
    iscsiadm -m session 2>/dev/null && exit 1
    ls /sys/kernel/config/target/iscsi | grep -q "^iqn" && exit 1
    echo "no volume, no iSCSI session, no LIO target left"'

stage ""
