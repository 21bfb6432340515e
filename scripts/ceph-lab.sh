#!/usr/bin/env bash
# ceph-lab.sh - a tiny, throwaway, real Ceph cluster in userspace on 127.0.0.1.
#
# One mon, one mgr and one memstore OSD, run directly (no systemd), with every
# file (conf, keyrings, daemon data, logs, admin sockets, pid files) kept in
# the lab dir. Nothing under /etc/ceph or /var/lib/ceph is used.
#
#   scripts/ceph-lab.sh start    create the cluster (or reuse a healthy one) and
#                                print the env lines below on stdout
#   scripts/ceph-lab.sh stop     stop the daemons this lab started, wipe the lab dir
#   scripts/ceph-lab.sh status   exit 0 if running and HEALTH_OK, 1 otherwise
#   scripts/ceph-lab.sh env      print shell-sourceable CL_CEPH_* lines
#   scripts/ceph-lab.sh osd-stop   freeze the OSD (SIGSTOP): the storage stops
#                                  answering, as a dead OSD does to clients
#   scripts/ceph-lab.sh osd-start  let it run again (SIGCONT)
#
# Usage from a shell:   set -a; eval "$(scripts/ceph-lab.sh start)"; set +a
#
# Tunables (environment):
#   CL_CEPH_DIR            lab dir (default: <repo root>/.lab/ceph)
#   CL_CEPH_MON_PORT       mon msgr v1 port (default 6789)
#   CL_CEPH_MON_V2_PORT    mon msgr v2 port (default 3300)
#   CL_CEPH_OSD_SIZE_GB    memstore (virtual) size of the OSD in GiB (default 8);
#                          only data actually written uses RAM
#   CL_CEPH_START_TIMEOUT  seconds to wait for HEALTH_OK (default 60)
#   CL_CEPH_ADDR           the address the daemons bind (default 127.0.0.1;
#                          scripts/netns-lab.sh gives one network namespaces reach)
#
# Data lives in the OSD's RAM: it is gone when the lab stops.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$SCRIPT_DIR")

LAB=${CL_CEPH_DIR:-$REPO_ROOT/.lab/ceph}
LAB=$(realpath -m -- "$LAB")

MON_V1_PORT=${CL_CEPH_MON_PORT:-6789}
MON_V2_PORT=${CL_CEPH_MON_V2_PORT:-3300}
OSD_SIZE_GB=${CL_CEPH_OSD_SIZE_GB:-8}
START_TIMEOUT=${CL_CEPH_START_TIMEOUT:-60}

POOL=volumes
CEPH_USER=cinder
MON_ID=a
MGR_ID=x
MON_ADDR=${CL_CEPH_ADDR:-127.0.0.1}

CONF=$LAB/ceph.conf
ADMIN_KEYRING=$LAB/ceph.client.admin.keyring
USER_KEYRING=$LAB/ceph.client.$CEPH_USER.keyring
RUN_DIR=$LAB/run
LOG_DIR=$LAB/log
MARKER=$LAB/.ceph-lab

PACKAGES=(ceph-mon ceph-mgr ceph-osd ceph-common python3-rados python3-rbd rbd-fuse)

# Optional Python mgr modules that are never loaded. The always-on ones
# (balancer crash devicehealth orchestrator pg_autoscaler progress rbd_support
# status telemetry volumes) must stay: disabling them is a HEALTH_ERR.
# `ceph df` and the pool stats cinder reads come from the mgr's C++ core.
MGR_DISABLED_MODULES="alerts cephadm dashboard diskprediction_local influx insights
 iostat k8sevents localpool mirroring nfs osd_perf_query osd_support prometheus
 restful rook selftest snap_schedule stats telegraf test_orchestrator zabbix"

# Never pick up a caller's ceph settings.
unset CEPH_ARGS
export CEPH_CONF=$CONF

LOG_PREFIX='ceph-lab: '
# shellcheck source=scripts/lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

print_env() {
    printf 'CL_CEPH_CONF=%q\n' "$CONF"
    printf 'CL_CEPH_KEYRING=%q\n' "$USER_KEYRING"
    printf 'CL_CEPH_POOL=%q\n' "$POOL"
    printf 'CL_CEPH_USER=%q\n' "$CEPH_USER"
    printf 'CL_CEPH_DIR=%q\n' "$LAB"
}

# --- packages ---------------------------------------------------------------

ensure_packages() {
    local missing=() p
    command -v dpkg-query >/dev/null || die "dpkg-query not found: this script needs Debian's ceph packages"
    for p in "${PACKAGES[@]}"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) != installed ]]; then
            missing+=("$p")
        fi
    done
    ((${#missing[@]})) || return 0
    [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}) and not root to install them"
    log "installing ${missing[*]}"
    apt-get update >&2
    # Wait for another apt/dpkg run (a second checkout's lab, setup-venv.sh)
    # instead of failing on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
}

# --- daemons ------------------------------------------------------------------

# The lab's daemons, in the order they are stopped.
DAEMONS=("osd.0" "mgr.$MGR_ID" "mon.$MON_ID")

pid_file() { printf '%s/ceph-%s.pid' "$RUN_DIR" "$1"; }

# Print the pid recorded for daemon $1 if that process is alive and is really
# this lab's daemon (its command line names this lab's ceph.conf).
lab_pid() {
    local pf pid
    pf=$(pid_file "$1")
    [[ -r $pf ]] || return 1
    pid=$(tr -dc '0-9' <"$pf")
    [[ -n $pid ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$CONF" || return 1
    printf '%s\n' "$pid"
}

lab_running() { lab_pid "$1" >/dev/null; }

all_daemons_running() {
    local d
    for d in "${DAEMONS[@]}"; do
        lab_pid "$d" >/dev/null || return 1
    done
}

# Run the ceph CLI as client.admin against this lab only, never hanging forever.
lab_ceph() {
    timeout 60 ceph -c "$CONF" --connect-timeout 15 -n client.admin -k "$ADMIN_KEYRING" "$@"
}

health() {
    [[ -r $CONF && -r $ADMIN_KEYRING ]] || return 1
    timeout 10 ceph -c "$CONF" --connect-timeout 5 -n client.admin -k "$ADMIN_KEYRING" health 2>/dev/null
}

# Print "ready" if the cluster is HEALTH_OK, has an active mgr, its OSD up and
# in, and every PG active+clean; otherwise print why not (and return 1).
# HEALTH_OK alone is not enough: right after creation the mon reports OK
# before the mgr is active and has sent any PG stats.
cluster_state() {
    local js
    if [[ ! -r $CONF || ! -r $ADMIN_KEYRING ]]; then
        echo "no lab config in $LAB"
        return 1
    fi
    if ! js=$(timeout 10 ceph -c "$CONF" --connect-timeout 5 -n client.admin -k "$ADMIN_KEYRING" \
        status -f json 2>/dev/null); then
        echo "no answer from the mon"
        return 1
    fi
    python3 -c '
import json, sys
s = json.load(sys.stdin)
why = []
h = s["health"]["status"]
if h != "HEALTH_OK":
    why.append(h + " (" + ", ".join(sorted(s["health"].get("checks", {}))) + ")")
if not s.get("mgrmap", {}).get("available"):
    why.append("no active mgr")
o = s["osdmap"]
if o.get("num_up_osds") != 1 or o.get("num_in_osds") != 1:
    why.append("osd not up and in")
p = s["pgmap"]
clean = sum(x["count"] for x in p.get("pgs_by_state", [])
            if x["state_name"].startswith("active+clean"))
if not p.get("num_pgs") or clean != p["num_pgs"]:
    why.append("pgs %d/%d active+clean" % (clean, p.get("num_pgs", 0)))
print("; ".join(why) or "ready")
sys.exit(1 if why else 0)
' <<<"$js"
}

none_exist() {
    local pid
    for pid in "$@"; do [[ ! -e /proc/$pid ]] || return 1; done
}

# Stop every daemon this lab recorded. The OSD keeps its data in RAM and the
# lab is wiped right after, so it gets SIGKILL (a clean memstore shutdown would
# first dump every object to disk); mgr and mon get SIGTERM, then SIGKILL after
# 10 s.
stop_daemons() {
    local d pid sig pids=()
    for d in "${DAEMONS[@]}"; do
        pid=$(lab_pid "$d") || continue
        sig=TERM
        [[ $d == osd.* ]] && sig=KILL
        log "stopping $d (pid $pid, SIG$sig)"
        kill -s "$sig" "$pid" 2>/dev/null || true
        pids+=("$pid")
    done
    ((${#pids[@]})) || return 0
    reap 10 "${pids[@]}" || die "could not stop pids ${pids[*]}"
    # The daemons were orphaned when they daemonized, so their parent is
    # pid 1 (or a subreaper); give it a moment to reap them so that they are
    # gone from the process table, not just dead.
    wait_until -i 0.1 5 none_exist "${pids[@]}" ||
        log "pids ${pids[*]} are dead but not yet reaped by their parent (zombies)"
}

# Remove the lab dir, but only if it is empty or was made by this script.
wipe_lab() {
    [[ -e $LAB ]] || return 0
    [[ $LAB != / && $LAB != "$REPO_ROOT" && $LAB != "$HOME" ]] || die "refusing to wipe $LAB"
    if [[ ! -e $MARKER ]] && [[ -n $(ls -A -- "$LAB" 2>/dev/null) ]]; then
        die "$LAB exists, is not empty and was not made by ceph-lab.sh; refusing to touch it"
    fi
    rm -rf -- "$LAB"
}

port_in_use() {
    # Something answering on $MON_ADDR:$1 (this also catches 0.0.0.0 listeners).
    timeout 2 bash -c "exec 3<>/dev/tcp/$MON_ADDR/$1" 2>/dev/null
}

show_failure() {
    local f
    log "---- ceph health detail ----"
    if health >/dev/null; then
        lab_ceph health detail >&2 || true
    fi
    for f in "$LOG_DIR"/*.log "$LOG_DIR"/*.out; do
        [[ -s $f ]] || continue
        log "---- tail of $f ----"
        tail -n 15 -- "$f" >&2
    done
}

# Give up on creating the cluster: show why, stop what was started (the logs
# stay in the lab dir until the next start or stop) and exit 1.
fail() {
    log "ERROR: $*"
    show_failure
    stop_daemons
    log "daemons stopped; logs kept in $LOG_DIR (the next start or stop wipes them)"
    exit 1
}

write_conf() {
    local fsid=$1
    cat >"$CONF" <<EOF
# Generated by scripts/ceph-lab.sh - a throwaway single-host lab cluster.
[global]
fsid = $fsid
mon_initial_members = $MON_ID
mon_host = [v2:$MON_ADDR:$MON_V2_PORT,v1:$MON_ADDR:$MON_V1_PORT]
public_addr = $MON_ADDR
cluster_addr = $MON_ADDR
public_network = $MON_ADDR/32
ms_bind_ipv4 = true
ms_bind_ipv6 = false

auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
# Clients find their key as <lab>/ceph.client.<user>.keyring.
keyring = $LAB/\$cluster.\$name.keyring

run_dir = $RUN_DIR
crash_dir = $LAB/crash

# One OSD, no redundancy, and say nothing about it.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1

# Fast paxos and fast stats so HEALTH_OK comes in seconds.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mgr_tick_period = 1
mgr_stats_period = 1
mon_mgr_digest_period = 1
# Read by the mon when it creates the first mgr map: enable no optional module.
mgr_initial_modules =

[mon]
mon_data = $LAB/mon/\$cluster-\$id
keyring = \$mon_data/keyring
pid_file = $RUN_DIR/\$cluster-\$name.pid
log_file = $LOG_DIR/\$cluster-\$name.log
mon_cluster_log_file = $LOG_DIR/\$cluster.log
mon_cluster_log_file_level = info

[mgr]
mgr_data = $LAB/mgr/\$cluster-\$id
keyring = \$mgr_data/keyring
pid_file = $RUN_DIR/\$cluster-\$name.pid
log_file = $LOG_DIR/\$cluster-\$name.log
mgr_disabled_modules = ${MGR_DISABLED_MODULES//$'\n'/}

[osd]
osd_data = $LAB/osd/\$cluster-\$id
keyring = \$osd_data/keyring
pid_file = $RUN_DIR/\$cluster-\$name.pid
log_file = $LOG_DIR/\$cluster-\$name.log
osd_objectstore = memstore
memstore_device_bytes = $((OSD_SIZE_GB * 1024 * 1024 * 1024))
EOF
}

# Start a daemon (it daemonizes itself and writes its pid file) and check it.
start_daemon() {
    local name=$1
    shift
    local out=$LOG_DIR/ceph-$name.out
    # The daemon must not inherit any of our fds beyond 0-2: the lock fd would
    # keep the lab locked forever, and a caller's pipe would never see EOF.
    run_closed "$@" -c "$CONF" >"$out" 2>&1 || fail "$name failed to start: $*"
    wait_until -i 0.1 5 lab_running "$name" ||
        fail "$name did not record a live pid in $(pid_file "$name")"
}

create_cluster() {
    local t0 fsid secret osd_uuid osd_id
    t0=$(now)

    local port offset
    # Another lab (a second checkout, the demo's, a test's) may hold the
    # default ports: unless ports were asked for, move to the next free pair.
    if [[ -z ${CL_CEPH_MON_PORT:-} && -z ${CL_CEPH_MON_V2_PORT:-} ]]; then
        for offset in 0 $(seq 10000 10 10490); do
            if ! port_in_use $((3300 + offset)) && ! port_in_use $((6789 + offset)); then
                MON_V2_PORT=$((3300 + offset))
                MON_V1_PORT=$((6789 + offset))
                break
            fi
        done
    fi
    for port in "$MON_V2_PORT" "$MON_V1_PORT"; do
        if port_in_use "$port"; then
            die "port $MON_ADDR:$port is already in use (another ceph mon?); free it or set CL_CEPH_MON_PORT / CL_CEPH_MON_V2_PORT"
        fi
    done

    mkdir -p "$LAB"
    chmod 0700 "$LAB"
    : >"$MARKER"
    mkdir -p "$RUN_DIR" "$LOG_DIR" "$LAB/crash" "$LAB/mon/ceph-$MON_ID" "$LAB/mgr/ceph-$MGR_ID"

    fsid=$(cat /proc/sys/kernel/random/uuid)
    write_conf "$fsid"

    # Keys: mon., client.admin (for this script), both seeded into the mon.
    local mon_keyring=$LAB/mon-seed.keyring
    (
        umask 077
        ceph-authtool --create-keyring "$mon_keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
        ceph-authtool --create-keyring "$ADMIN_KEYRING" --gen-key -n client.admin \
            --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
        ceph-authtool "$mon_keyring" --import-keyring "$ADMIN_KEYRING" >/dev/null
    )
    monmaptool --create --fsid "$fsid" \
        --addv "$MON_ID" "[v2:$MON_ADDR:$MON_V2_PORT,v1:$MON_ADDR:$MON_V1_PORT]" \
        "$LAB/monmap" >/dev/null
    ceph-mon -c "$CONF" --mkfs -i "$MON_ID" --monmap "$LAB/monmap" --keyring "$mon_keyring" \
        >"$LOG_DIR/ceph-mon.$MON_ID.mkfs.out" 2>&1 || fail "ceph-mon --mkfs failed"
    # mkfs put the keys into the mon db and wrote mon.'s own key to
    # $mon_data/keyring; the seed (which also holds the admin key) can go.
    rm -f "$LAB/monmap" "$mon_keyring"

    start_daemon "mon.$MON_ID" ceph-mon -i "$MON_ID"
    log "mon up after $(elapsed "$t0") s"

    # mgr. Its devicehealth module (always on) would otherwise create a
    # device_health_metrics pool after startup and scrape SMART data.
    # --force: the mon does not know module options before a mgr reports them.
    lab_ceph config set mgr mgr/devicehealth/enable_monitoring false --force >/dev/null 2>&1 ||
        log "could not disable the mgr devicehealth module (harmless)"
    (umask 077 && lab_ceph auth get-or-create "mgr.$MGR_ID" \
        mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
        -o "$LAB/mgr/ceph-$MGR_ID/keyring" >/dev/null 2>&1) || fail "creating the mgr key failed"
    start_daemon "mgr.$MGR_ID" ceph-mgr -i "$MGR_ID"

    # OSD (memstore: mkfs is instant)
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    secret=$(ceph-authtool --gen-print-key)
    osd_id=$(printf '{"cephx_secret": "%s"}' "$secret" | lab_ceph osd new "$osd_uuid" -i - 2>/dev/null) ||
        fail "ceph osd new failed"
    [[ $osd_id == 0 ]] || fail "expected osd id 0 on a fresh cluster, got '$osd_id'"
    mkdir -p "$LAB/osd/ceph-$osd_id"
    (umask 077 && ceph-authtool --create-keyring "$LAB/osd/ceph-$osd_id/keyring" \
        --name "osd.$osd_id" --add-key "$secret" >/dev/null)
    ceph-osd -c "$CONF" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" \
        >"$LOG_DIR/ceph-osd.$osd_id.mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
    start_daemon "osd.$osd_id" ceph-osd -i "$osd_id"
    log "mon, mgr and osd started after $(elapsed "$t0") s"

    # Pool, client compat, cinder user.
    lab_ceph osd set-require-min-compat-client mimic >/dev/null 2>&1 ||
        fail "set-require-min-compat-client mimic failed"
    lab_ceph osd pool create "$POOL" 8 8 >/dev/null 2>&1 || fail "creating pool $POOL failed"
    timeout 60 rbd -c "$CONF" -n client.admin -k "$ADMIN_KEYRING" pool init "$POOL" ||
        fail "rbd pool init $POOL failed"
    (umask 077 && lab_ceph auth get-or-create "client.$CEPH_USER" \
        mon 'profile rbd' osd "profile rbd pool=$POOL" mgr "profile rbd pool=$POOL" \
        -o "$USER_KEYRING" >/dev/null 2>&1) || fail "creating client.$CEPH_USER failed"
    chmod 0600 "$USER_KEYRING" "$ADMIN_KEYRING"

    # Wait for HEALTH_OK, an active mgr and clean PGs.
    wait_until -i 0.2 "$START_TIMEOUT" cluster_ready_or_dead ||
        fail "not ready after ${START_TIMEOUT} s: $CLUSTER_STATE"
    log "HEALTH_OK after $(elapsed "$t0") s (lab dir $LAB)"
}

# cluster_ready: cluster_state, kept in CLUSTER_STATE; with _or_dead, fail
# (not wait) once a daemon died.
CLUSTER_STATE=
cluster_ready() { CLUSTER_STATE=$(cluster_state); }
cluster_ready_or_dead() {
    cluster_ready && return 0
    all_daemons_running || fail "a daemon died ($CLUSTER_STATE)"
    return 1
}

# --- commands -----------------------------------------------------------------

# Serialize start/stop of labs (they share the mon ports anyway).
lock() { take_lock "${BASH_SOURCE[0]}" 300; }

cmd_start() {
    lock
    if all_daemons_running; then
        # Running: give a busy cluster a little time to settle before
        # deciding it is broken and recreating it.
        if wait_until 15 cluster_ready; then
            log "already running and healthy"
            print_env
            return 0
        fi
        log "running but not healthy ($CLUSTER_STATE); recreating"
    fi
    ensure_packages
    stop_daemons
    wipe_lab
    create_cluster
    print_env
}

cmd_stop() {
    lock
    stop_daemons
    wipe_lab
    log "stopped"
}

cmd_status() {
    if ! all_daemons_running; then
        log "not running"
        return 1
    fi
    local state
    if state=$(cluster_state); then
        log "running, HEALTH_OK"
        return 0
    fi
    log "running, but not healthy: $state"
    return 1
}

# The memstore OSD keeps its data in RAM, so an outage is a freeze
# (SIGSTOP), not a kill: clients see no answer, and SIGCONT brings it back.
cmd_osd_signal() {
    local pid
    pid=$(lab_pid osd.0) || die "the lab's OSD is not running"
    kill -s "$1" "$pid"
    log "osd.0 (pid $pid): SIG$1"
}

# A PG whose read lease ran out while the OSD was frozen can stay "laggy"
# for good on a one-OSD cluster (Ceph tracker 80404): its client ops wait
# forever and `pg repeer` needs a second OSD.  The mgr's PG states lag by
# seconds, so whether it happened cannot be read right away: after every
# freeze the OSD is marked down, which makes it boot into a new map interval
# and renews the leases (its process and memstore data stay as they are).
renew_pg_leases() {
    local _
    lab_ceph osd down 0 >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
        cluster_state >/dev/null 2>&1 && return 0
        sleep 1
    done
    log "osd.0 is not serving every PG 60 s after SIGCONT: $(cluster_state || true)"
}

case ${1:-} in
start) cmd_start ;;
osd-stop) cmd_osd_signal STOP ;;
osd-start) cmd_osd_signal CONT; renew_pg_leases ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) print_env ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
