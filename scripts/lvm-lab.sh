#!/usr/bin/env bash
# lvm-lab.sh - a real LVM + LIO iSCSI host for tests: a Debian bookworm guest
# under qemu (software emulation: this machine's kernel has no device-mapper,
# SCSI or LIO, and nested KVM cannot boot a stock kernel), reachable over SSH
# on 127.0.0.1.
#
#   scripts/lvm-lab.sh tools    install the host tools the build and the guest need
#   scripts/lvm-lab.sh build    build the guest image, or reuse the cached one
#   scripts/lvm-lab.sh start    build if needed, boot the guest, wait for SSH,
#                               print the env lines below on stdout
#   scripts/lvm-lab.sh stop     stop the qemu this lab started, drop its disks
#   scripts/lvm-lab.sh status   exit 0 if the guest is up and answers SSH
#   scripts/lvm-lab.sh reboot   reboot the guest (same disks), wait for SSH
#   scripts/lvm-lab.sh ssh [command...]   a root shell (or command) in the guest
#   scripts/lvm-lab.sh env      print shell-sourceable CL_LVM_* lines
#
# The image (ext4 root file system, kernel, initrd) is cached under
# $CL_LVM_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/openstack-cinderlib/lvm-lab)
# in three stages, each keyed by a hash of its recipe below (and of
# requirements.txt): the debootstrap tree as a tarball (about 3 minutes to
# make), a wheelhouse of the requirements, and the image. Every checkout on
# this machine reuses them; a changed recipe rebuilds from the first stage it
# touches.
# The guest has the collection's Python requirements in a virtualenv at
# /opt/cinderlib-venv, installed in a chroot at native speed during the build.
# Each start boots from a fresh copy-on-write overlay: nothing a test does in
# the guest survives `stop`.
#
# Tunables (environment):
#   CL_LVM_LAB_DIR        run dir: pid, overlay, SSH key, console log
#                         (default: <repo root>/.lab/lvm)
#   CL_LVM_CACHE          image cache dir (see above)
#   CL_LVM_MEMORY_MB      guest memory (default 2048)
#   CL_LVM_CPUS           guest CPUs (default 2)
#   CL_LVM_DATA_DISK_GB   size of the extra empty disk, /dev/vdb (default 8)
#   CL_LVM_BOOT_TIMEOUT   seconds to wait for SSH (default 300)
#   CL_LVM_MIRROR         Debian mirror for debootstrap (default: the one this
#                         machine's apt uses)

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$SCRIPT_DIR")

LAB=$(realpath -m -- "${CL_LVM_LAB_DIR:-$REPO_ROOT/.lab/lvm}")
CACHE=$(realpath -m -- "${CL_LVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openstack-cinderlib/lvm-lab}")
MEMORY_MB=${CL_LVM_MEMORY_MB:-2048}
CPUS=${CL_LVM_CPUS:-2}
DATA_DISK_GB=${CL_LVM_DATA_DISK_GB:-8}
BOOT_TIMEOUT=${CL_LVM_BOOT_TIMEOUT:-300}

SUITE=bookworm
GUEST_VENV=/opt/cinderlib-venv
# Debian bookworm's Python: the wheelhouse is built for it.
GUEST_PYTHON=3.11
GUEST_HOSTNAME=cl-lvm-lab
# The guest's address on qemu's user-mode network.
GUEST_IP=10.0.2.15
GUEST_PACKAGES=(
    linux-image-amd64 systemd systemd-sysv udev kmod dbus iproute2
    openssh-server sudo ca-certificates
    lvm2 thin-provisioning-tools targetcli-fb open-iscsi lsscsi e2fsprogs
    python3 python3-venv python3-apt python3-packaging
)
REQUIREMENTS=$REPO_ROOT/requirements.txt

PID_FILE=$LAB/qemu.pid
PORT_FILE=$LAB/ssh-port
SSH_KEY=$LAB/id_ed25519
KNOWN_HOSTS=$LAB/known_hosts
OVERLAY=$LAB/root.qcow2
DATA_DISK=$LAB/data.img
CONSOLE_LOG=$LAB/console.log

LOG_PREFIX='lvm-lab: '
# shellcheck source=scripts/lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

ensure_host_tools() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v qemu-img >/dev/null || missing+=(qemu-utils)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
    command -v ssh-keygen >/dev/null || missing+=(openssh-client)
    command -v zstd >/dev/null || missing+=(zstd)
    command -v "python$GUEST_PYTHON" >/dev/null || missing+=("python$GUEST_PYTHON" python3-pip)
    [[ ${#missing[@]} -eq 0 ]] && return
    log "installing ${missing[*]}"
    local t0; t0=$(now)
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
    log "installed host tools in $(elapsed "$t0") s"
}

# The mirror this machine's apt uses, so the guest comes from the same place.
host_mirror() {
    if [[ -n ${CL_LVM_MIRROR:-} ]]; then
        echo "$CL_LVM_MIRROR"
        return
    fi
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -e $f ]] || continue
        awk '/^URIs:/ { print $2; exit }' "$f"
        return
    done
    awk '$1 == "deb" && $3 ~ /^'"$SUITE"'$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true
}

# --- the build recipe (its text is part of the cache key) -------------------

# Boot and network setup the guest needs to be reachable over SSH.
configure_guest() {
    local root=$1
    echo "$GUEST_HOSTNAME" > "$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$GUEST_HOSTNAME" > "$root/etc/hosts"
    echo '/dev/vda / ext4 defaults,noatime 0 1' > "$root/etc/fstab"
    mkdir -p "$root/etc/systemd/network"
    printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' \
        > "$root/etc/systemd/network/10-eth0.network"
    # The SSH key comes from the kernel command line at every boot, so one
    # cached image serves every lab dir and its own key.
    cat > "$root/usr/local/sbin/cl-lab-ssh-key" <<'EOF'
#!/bin/sh
# Install root's authorized key from cl.ssh_key=<base64> on the kernel command line.
for arg in $(cat /proc/cmdline); do
    case $arg in cl.ssh_key=*)
        install -d -m 0700 /root/.ssh
        echo "${arg#cl.ssh_key=}" | base64 -d > /root/.ssh/authorized_keys
        chmod 0600 /root/.ssh/authorized_keys ;;
    esac
done
EOF
    chmod 0755 "$root/usr/local/sbin/cl-lab-ssh-key"
    cat > "$root/etc/systemd/system/cl-lab-ssh-key.service" <<'EOF'
[Unit]
Description=Install the lab's SSH key from the kernel command line
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/cl-lab-ssh-key

[Install]
WantedBy=multi-user.target
EOF
    printf 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' \
        > "$root/etc/ssh/sshd_config.d/cl-lab.conf"
    chroot "$root" systemctl enable -q systemd-networkd cl-lab-ssh-key.service
    # Units that would only compete for the emulated CPU during a test.
    chroot "$root" systemctl mask -q apt-daily.timer apt-daily-upgrade.timer \
        dpkg-db-backup.timer man-db.timer e2scrub_all.timer e2scrub_reap.service \
        fstrim.timer systemd-binfmt.service
}

# The collection's Python requirements, in the same virtualenv the
# controller role creates, installed at native speed through a chroot from
# the wheelhouse (no network inside the chroot).
install_python_venv() {
    local root=$1 wheels=$2
    mkdir -p "$root/tmp/wheels"
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    mount --bind -o ro "$wheels" "$root/tmp/wheels"
    cp "$REQUIREMENTS" "$root/tmp/requirements.txt"
    local pip=(chroot "$root" env -u PIP_FIND_LINKS -u PIP_CONSTRAINT
               "$GUEST_VENV/bin/pip" install -q --disable-pip-version-check
               --no-index --find-links /tmp/wheels)
    chroot "$root" python3 -m venv "$GUEST_VENV"
    "${pip[@]}" --upgrade pip
    "${pip[@]}" -r /tmp/requirements.txt
    umount "$root/tmp/wheels" "$root/dev" "$root/proc"
    rm -rf "$root/tmp/requirements.txt" "$root/tmp/wheels"
}

build_rootfs() {
    local root=$1 mirror
    mirror=$(host_mirror)
    local IFS=,
    debootstrap --variant=minbase --include="${GUEST_PACKAGES[*]}" \
        "$SUITE" "$root" ${mirror:+"$mirror"} >&2
    unset IFS
    chroot "$root" apt-get clean
}

# Wheels of the requirements and of pip, built by this machine's pip (its
# index, mirrors and CAs) with the guest's Python version (same Debian, so
# same glibc and CPython ABI).
build_wheelhouse() {
    local dir=$1
    "python$GUEST_PYTHON" -m pip wheel -q --disable-pip-version-check \
        --wheel-dir "$dir" pip -r "$REQUIREMENTS" 2>&1 \
        | { grep -v "^WARNING: Location '" || true; } >&2
}

# The cache has three stages, each keyed by what makes it: the debootstrap
# tree (a tarball), the wheelhouse, and the image made from both.
base_key() {
    { declare -f build_rootfs; echo "$SUITE ${GUEST_PACKAGES[*]}"; } | sha256sum | cut -c1-16
}

wheels_key() {
    { declare -f build_wheelhouse; echo "$GUEST_PYTHON"; cat "$REQUIREMENTS"; } | sha256sum | cut -c1-16
}

image_key() {
    {
        base_key
        wheels_key
        declare -f configure_guest install_python_venv
        echo "$GUEST_VENV $GUEST_HOSTNAME"
    } | sha256sum | cut -c1-16
}

# -----------------------------------------------------------------------------

image_dir() { echo "$CACHE/image-$(image_key)"; }

mounts_under() { awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r; }

# Unmount what the build mounted (/dev, the wheelhouse) before deleting the
# tree, and never delete through a mount that is still there.
remove_rootfs() {
    local root=$1 m
    [[ -d $root ]] || return 0
    for m in $(mounts_under "$root"); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if [[ -n $(mounts_under "$root") ]]; then
        log "still mounted under $root, not deleting it: $(mounts_under "$root" | tr '\n' ' ')"
        return 1
    fi
    rm -rf "$root"
}

# Keep the newest two entries of a kind (another checkout may use the older).
prune() {
    find "$CACHE" -maxdepth 1 -name "$1-*" -printf '%T@ %p\n' | sort -rn | tail -n +3 \
        | cut -d' ' -f2- | while read -r old; do rm -rf "$old"; done
}

# build_stage WHAT DEST COMMAND [ARGS...]: run COMMAND DEST.tmp ARGS... unless
# DEST exists; DEST appears only once complete.
build_stage() {
    local what=$1 dest=$2 command=$3 t
    shift 3
    [[ -e $dest ]] && return
    t=$(now)
    rm -rf "$dest.tmp"
    "$command" "$dest.tmp" "$@"
    mv "$dest.tmp" "$dest"
    log "$what: $(elapsed "$t") s"
}

make_base_tarball() {
    local out=$1 root="$CACHE/rootfs.$$"
    log "debootstrap $SUITE (a few minutes)"
    build_rootfs "$root"
    tar -C "$root" --numeric-owner --xattrs -I 'zstd -T0 -3 -q' -cpf "$out" .
    remove_rootfs "$root"
}

make_image() {
    local out=$1 base=$2 wheels=$3 root="$CACHE/rootfs.$$" t
    mkdir -p "$out" "$root"
    t=$(now)
    tar -C "$root" --numeric-owner --xattrs -I zstd -xpf "$base"
    configure_guest "$root"
    log "guest unpacked and configured: $(elapsed "$t") s"
    t=$(now)
    install_python_venv "$root" "$wheels"
    log "python venv in chroot: $(elapsed "$t") s"
    cp "$root"/boot/vmlinuz-* "$out/vmlinuz"
    cp "$root"/boot/initrd.img-* "$out/initrd.img"
    local used_mb
    used_mb=$(du -sxm "$root" | cut -f1)
    # Room for what tests write (the loop-backed VG file is sparse).
    mkfs.ext4 -q -L clroot -d "$root" "$out/root.img" "$((used_mb + 3072))M"
    remove_rootfs "$root"
}

build() {
    ensure_host_tools
    local dir; dir=$(image_dir)
    if [[ -e $dir ]]; then
        log "image cached: $dir"
        return
    fi
    mkdir -p "$CACHE"
    take_lock "$CACHE/build.lock"
    local t0 base wheels
    t0=$(now)
    base=$CACHE/base-$(base_key).tar.zst
    wheels=$CACHE/wheels-$(wheels_key)
    trap 'remove_rootfs "'"$CACHE/rootfs.$$"'"' EXIT
    build_stage "base system (debootstrap)" "$base" make_base_tarball
    build_stage "wheelhouse" "$wheels" build_wheelhouse
    build_stage "image" "$dir" make_image "$base" "$wheels"
    trap - EXIT
    prune base
    prune wheels
    prune image
    log "image ready in $(elapsed "$t0") s: $dir"
}

# --- the running guest -------------------------------------------------------

qemu_pid() {
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
    # Ours only: a qemu whose command line names this lab's overlay.
    [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$OVERLAY" \
        && echo "$pid"
}

ssh_port() { cat "$PORT_FILE"; }

ssh_opts() {
    echo "-i $SSH_KEY -p $(ssh_port) -o BatchMode=yes -o ConnectTimeout=5" \
         "-o StrictHostKeyChecking=no -o UserKnownHostsFile=$KNOWN_HOSTS -o LogLevel=ERROR"
}

guest_ssh() {
    # shellcheck disable=SC2046,SC2029 # options split on purpose; the command runs in the guest
    ssh $(ssh_opts) root@127.0.0.1 "$@"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    if qemu_pid >/dev/null && guest_ssh true 2>/dev/null; then
        log "already running (pid $(qemu_pid))"
        print_env
        return
    fi
    qemu_pid >/dev/null && die "qemu $(qemu_pid) runs but does not answer SSH; run stop first"
    local t0; t0=$(now)
    build
    local dir; dir=$(image_dir)
    mkdir -p "$LAB"
    rm -f "$OVERLAY" "$DATA_DISK" "$KNOWN_HOSTS"
    [[ -e $SSH_KEY ]] || ssh-keygen -q -t ed25519 -N '' -C cl-lvm-lab -f "$SSH_KEY"
    qemu-img create -q -f qcow2 -F raw -b "$dir/root.img" "$OVERLAY"
    truncate -s "${DATA_DISK_GB}G" "$DATA_DISK"
    local key port
    key=$(base64 -w0 < "$SSH_KEY.pub")
    for _ in 1 2 3; do
        port=$(free_port)
        echo "$port" > "$PORT_FILE"
        rm -f "$PID_FILE"
        if qemu-system-x86_64 -accel tcg -cpu max -smp "$CPUS" -m "$MEMORY_MB" \
            -name cl-lvm-lab -display none -no-user-config -nodefaults \
            -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
            -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 mitigations=off quiet cl.ssh_key=$key" \
            -drive "file=$OVERLAY,if=virtio,format=qcow2,discard=unmap" \
            -drive "file=$DATA_DISK,if=virtio,format=raw,discard=unmap" \
            -netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
            -device virtio-net-pci,netdev=net0 \
            -serial "file:$CONSOLE_LOG" -monitor none \
            -daemonize -pidfile "$PID_FILE" 2>"$LAB/qemu.err"; then
            break
        fi
        grep -q 'hostfwd\|Could not set up host forwarding' "$LAB/qemu.err" \
            || die "qemu failed: $(cat "$LAB/qemu.err")"
        log "port $port taken, trying another"
    done
    qemu_pid >/dev/null || die "qemu did not start: $(cat "$LAB/qemu.err")"
    log "qemu started (pid $(qemu_pid), SSH on 127.0.0.1:$port) in $(elapsed "$t0") s"
    local t; t=$(now)
    wait_for_ssh
    log "guest booted to SSH in $(elapsed "$t") s"
    print_env
}

# ssh_up: the guest answers SSH; die once qemu is gone.
ssh_up() {
    guest_ssh true 2>/dev/null && return 0
    qemu_pid >/dev/null || die "qemu exited while booting; see $CONSOLE_LOG"
    return 1
}

wait_for_ssh() {
    wait_until -i 2 "$BOOT_TIMEOUT" ssh_up || die "no SSH after $BOOT_TIMEOUT s; see $CONSOLE_LOG"
}

boot_id_is_not() {
    [[ $(guest_ssh cat /proc/sys/kernel/random/boot_id 2>/dev/null) != "$1" ]]
}

reboot_guest() {
    qemu_pid >/dev/null || die "not running"
    local boot_id t
    boot_id=$(guest_ssh cat /proc/sys/kernel/random/boot_id)
    t=$(now)
    guest_ssh systemctl reboot || true
    # Until the old system is gone, SSH may still answer from it.
    wait_until -i 2 "$BOOT_TIMEOUT" boot_id_is_not "$boot_id" ||
        die "still not rebooted after $BOOT_TIMEOUT s; see $CONSOLE_LOG"
    wait_for_ssh
    log "guest rebooted to SSH in $(elapsed "$t") s"
}

stop() {
    local pid
    if pid=$(qemu_pid); then
        kill_wait 5 "$pid" || die "qemu $pid did not exit"
        log "stopped qemu $pid"
    else
        log "not running"
    fi
    rm -f "$PID_FILE" "$PORT_FILE" "$OVERLAY" "$DATA_DISK" "$KNOWN_HOSTS"
}

status() {
    qemu_pid >/dev/null && guest_ssh true 2>/dev/null
}

print_env() {
    cat <<EOF
CL_LVM_LAB_DIR=$LAB
CL_LVM_SSH_HOST=127.0.0.1
CL_LVM_SSH_PORT=$(ssh_port 2>/dev/null)
CL_LVM_SSH_USER=root
CL_LVM_SSH_KEY=$SSH_KEY
CL_LVM_SSH_KNOWN_HOSTS=$KNOWN_HOSTS
CL_LVM_PYTHON=$GUEST_VENV/bin/python
CL_LVM_GUEST_IP=$GUEST_IP
CL_LVM_DATA_DISK=/dev/vdb
EOF
}

case ${1:-} in
    tools) ensure_host_tools ;;
    build) build ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    reboot) reboot_guest ;;
    ssh) shift; [[ -e $PORT_FILE ]] || die "not running"; guest_ssh "$@" ;;
    env) print_env ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
