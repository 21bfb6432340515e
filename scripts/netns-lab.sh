#!/usr/bin/env bash
# netns-lab.sh - two "controller hosts" as network namespaces, and the
# servers they share reached over their links: PostgreSQL, Redis and a Ceph
# lab, all bound to one address of this machine that only the links lead to.
#
#   scripts/netns-lab.sh start     make it all (stops what it made on failure)
#                                  and print the env lines below
#   scripts/netns-lab.sh stop      stop the servers it started (by pid), delete
#                                  its namespaces and links
#   scripts/netns-lab.sh cut NS    take NS's link down (a cable pulled)
#   scripts/netns-lab.sh mend NS   bring it up again
#   scripts/netns-lab.sh env       print shell-sourceable CL_NETNS_* lines
#
# Layout (CL_NETNS_NET, default 10.77: the first two octets):
#   10.77.0.1/32   the servers' address, on clmh-srv0 (one end of a veth pair
#                  kept in this namespace: the kernel here has no dummy links)
#   clmh-c1        namespace; clmh-n1 10.77.1.2/24 <-> clmh-h1 10.77.1.1/24
#   clmh-c2        namespace; clmh-n2 10.77.2.2/24 <-> clmh-h2 10.77.2.1/24
# Each namespace routes to 10.77.0.1 through its link; this machine delivers
# what arrives there as local traffic, so no forwarding is enabled.  Ceph:
# inside a namespace 127.0.0.1 is the namespace's own loopback, so the lab
# Ceph on 127.0.0.1 is out of reach; a second Ceph lab (scripts/ceph-lab.sh
# with CL_CEPH_ADDR) binds its mon, mgr and OSD to 10.77.0.1, and its
# ceph.conf names that address.  The machine's own PostgreSQL and Redis are
# not touched: dedicated ones listen on 10.77.0.1 only.
#
# Needs root, ip (iproute2), redis-server, PostgreSQL 15's initdb/pg_ctl.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
STATE=${CL_NETNS_STATE:-$repo/.lab/netns}
NET=${CL_NETNS_NET:-10.77}
SRV=$NET.0.1
PG_PORT=${CL_NETNS_PG_PORT:-5499}
REDIS_PORT=${CL_NETNS_REDIS_PORT:-6399}
PG_BIN=${CL_NETNS_PG_BIN:-/usr/lib/postgresql/15/bin}
NAMESPACES=(clmh-c1 clmh-c2)

LOG_PREFIX='[netns-lab] '
# shellcheck source=scripts/lib/common.sh
. "$repo/scripts/lib/common.sh"

print_env() {
    cat <<EOF
CL_NETNS_NAMESPACES="${NAMESPACES[*]}"
CL_NETNS_SERVER=$SRV
CL_NETNS_PG_URL='postgresql+psycopg://postgres@$SRV:$PG_PORT/cinderlib?connect_timeout=5&tcp_user_timeout=15000'
CL_NETNS_REDIS_URL='redis://$SRV:$REDIS_PORT?socket_timeout=5&socket_connect_timeout=5'
CL_NETNS_CEPH_DIR=$STATE/ceph
EOF
    CL_CEPH_DIR=$STATE/ceph bash "$repo/scripts/ceph-lab.sh" env | sed 's/^CL_CEPH_/CL_NETNS_CEPH_/' |
        grep -v '^CL_NETNS_CEPH_DIR='
}

# The pid in FILE, if that process still runs.
live_pid() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && pid_alive "$pid" && echo "$pid"
}

links() {
    ip link add clmh-srv0 type veth peer name clmh-srv1
    ip addr add "$SRV/32" dev clmh-srv0
    ip link set clmh-srv0 up
    ip link set clmh-srv1 up
    local i ns
    for i in 1 2; do
        ns=clmh-c$i
        ip netns add "$ns"
        ip link add "clmh-h$i" type veth peer name "clmh-n$i"
        ip link set "clmh-n$i" netns "$ns"
        ip addr add "$NET.$i.1/24" dev "clmh-h$i"
        ip link set "clmh-h$i" up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$NET.$i.2/24" dev "clmh-n$i"
        ip -n "$ns" link set "clmh-n$i" up
        ip -n "$ns" route add default via "$NET.$i.1"
    done
}

start_postgresql() {
    local data=$STATE/pg
    mkdir -p "$data"
    chown postgres: "$data"
    chmod 0700 "$data"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -U postgres \
        --auth=trust >/dev/null
    echo "host all all $NET.0.0/16 trust" >> "$data/pg_hba.conf"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -l "$data/log" -w \
        -o "-c listen_addresses=$SRV -p $PG_PORT -k $data" start >/dev/null
    head -1 "$data/postmaster.pid" > "$STATE/pg.pid"
    runuser -u postgres -- "$PG_BIN/createdb" -h "$SRV" -p "$PG_PORT" \
        -U postgres cinderlib
}

start_redis() {
    redis-server --bind "$SRV" --port "$REDIS_PORT" --save '' \
        --appendonly no --protected-mode no --dir "$STATE" --daemonize yes \
        --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
    wait_until -i 0.2 10 redis_answers ||
        die "redis-server did not answer on $SRV:$REDIS_PORT"
}

redis_answers() {
    [ -s "$STATE/redis.pid" ] && timeout 1 bash -c \
        "exec 3<>/dev/tcp/$SRV/$REDIS_PORT" 2>/dev/null
}

# Partly made and failing: undo it all.
undo_failed_start() {
    local status=$?
    if [ "$status" -ne 0 ]; then
        log "start failed; cleaning up"
        stop
    fi
    exit "$status"
}

start() {
    [ "$(id -u)" -eq 0 ] || die "needs root (ip netns, veth)"
    [ ! -e "$STATE/started" ] || die "already started ($STATE); stop it first"
    trap undo_failed_start EXIT
    mkdir -p "$STATE"
    touch "$STATE/started"
    log "namespaces and links"
    links
    log "PostgreSQL on $SRV:$PG_PORT"
    start_postgresql
    log "Redis on $SRV:$REDIS_PORT"
    start_redis
    log "Ceph lab on $SRV"
    CL_CEPH_DIR=$STATE/ceph CL_CEPH_ADDR=$SRV bash "$repo/scripts/ceph-lab.sh" start >/dev/null
    trap - EXIT
    print_env
}

stop() {
    local pid ns
    if [ -d "$STATE/ceph" ]; then
        CL_CEPH_DIR=$STATE/ceph bash "$repo/scripts/ceph-lab.sh" stop >/dev/null 2>&1 || true
    fi
    if pid=$(live_pid "$STATE/redis.pid"); then
        kill "$pid" 2>/dev/null || true
    fi
    if live_pid "$STATE/pg.pid" >/dev/null; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg" -m immediate \
            -w stop >/dev/null 2>&1 || true
    fi
    for ns in "${NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    for link in clmh-srv0 clmh-h1 clmh-h2; do
        ip link del "$link" 2>/dev/null || true
    done
    rm -rf -- "$STATE"
}

link_of() {
    case "$1" in
        clmh-c1) echo clmh-h1 ;; clmh-c2) echo clmh-h2 ;;
        *) die "no such namespace: $1 (one of ${NAMESPACES[*]})" ;;
    esac
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    cut) ip link set "$(link_of "${2:-}")" down ;;
    mend) ip link set "$(link_of "${2:-}")" up ;;
    env) print_env ;;
    *) sed -n '2,/^set -e/{s/^# \{0,1\}//;/^set -e/d;p}' "$0" >&2; exit 2 ;;
esac
