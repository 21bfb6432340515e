#!/usr/bin/env bash
# services.sh - make PostgreSQL, MariaDB and Redis available on 127.0.0.1 for
# the test suite (Debian bookworm, run as root, no systemd needed).
#
#   scripts/services.sh ensure postgresql|mariadb|redis [...]
#       For each service: if it already answers on 127.0.0.1, do nothing.
#       Otherwise start it if installed, or apt-get install, configure and start
#       it, then wait (CL_SERVICES_TIMEOUT seconds) until it answers.
#       What this script starts is recorded in the state dir.
#   scripts/services.sh stop
#       Stop only what this script recorded as started by it; clear records.
#       Services that were already running are never touched.
#   scripts/services.sh createdb NAME
#       Make sure database NAME exists in PostgreSQL (owner postgres) and in
#       MariaDB (utf8mb4). Idempotent; existing data is kept.
#   scripts/services.sh urls NAME
#       Print shell-sourceable CL_TEST_PG_URL / CL_TEST_MYSQL_URL /
#       CL_TEST_REDIS_URL lines for database NAME.
#
# Contract the tests rely on (and that a fresh install is configured for):
#   PostgreSQL  127.0.0.1:5432, user postgres, trust auth (127.0.0.1 and local)
#   MariaDB     127.0.0.1:3306, user root, empty password over TCP
#   Redis       127.0.0.1:6379 (or CL_REDIS_PORT), no auth, no persistence
# Every check talks to 127.0.0.1 only.
#
# Tunables (environment):
#   CL_SERVICES_STATE    state dir (default: <repo root>/.lab/services)
#   CL_SERVICES_TIMEOUT  seconds to wait for a service to answer (default 30)
#   CL_REDIS_PORT        Redis port (default 6379); used by ensure and urls

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$SCRIPT_DIR")

STATE=${CL_SERVICES_STATE:-$REPO_ROOT/.lab/services}
TIMEOUT=${CL_SERVICES_TIMEOUT:-30}
HOST=127.0.0.1
PG_PORT=5432
MYSQL_PORT=3306
REDIS_PORT=${CL_REDIS_PORT:-6379}
MARIADBD=/usr/sbin/mariadbd
MARK="cinderlib-tests (scripts/services.sh)"

APT_UPDATED=0

LOG_PREFIX='[services] '
# shellcheck source=scripts/lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# ---------------------------------------------------------------- helpers --

need_root() {
    [ "$(id -u)" -eq 0 ] || die "$1: need root to install or start it"
}

apt_install() {
    need_root "apt-get install $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2 || die "apt-get update failed"
        APT_UPDATED=1
    fi
    log "installing $*"
    run_closed env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" || die "apt-get install $* failed"
}

# ensure_tool COMMAND PACKAGE: install PACKAGE if COMMAND is missing.
ensure_tool() {
    command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

# Process start time (clock ticks since boot): with the pid it identifies a
# process, so a recycled pid is never mistaken for ours.
proc_start() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }            # drop "pid (comm) "; field 3 comes first
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20}"
}

proc_comm() { cat "/proc/$1/comm" 2>/dev/null; }

# proc_is PID COMM START: is PID still the very process we recorded?
proc_is() {
    [ -n "$1" ] && [ "$(proc_comm "$1")" = "$2" ] && [ "$(proc_start "$1")" = "$3" ]
}

# pids_new "BEFORE" "AFTER": pids in AFTER that are not in BEFORE.
pids_new() {
    local p
    for p in $2; do
        case " $1 " in *" $p "*) ;; *) echo "$p" ;; esac
    done
}

state_dir() {
    mkdir -p "$STATE"
}

# Serialise ensure/stop runs. Every command that may leave a daemon behind
# goes through run_closed, so no daemon inherits (and holds) this lock.
lock() {
    state_dir
    take_lock "$STATE/lock" 600
}

# record NAME KEY=VALUE...: remember that this script started something.
record() {
    local name=$1
    shift
    printf '%s\n' "$@" >"$STATE/$name.rec.tmp"
    mv -f "$STATE/$name.rec.tmp" "$STATE/$name.rec"
    log "recorded $name ($*) in $STATE/$name.rec"
}

rec_get() {
    sed -n "s/^$2=//p" "$1" | head -n1
}

show_log() {
    [ -r "$1" ] || return 0
    log "last lines of $1:"
    tail -n 20 "$1" >&2 || true
}

valid_name() {
    [[ ${1:-} =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] \
        || die "invalid database name '${1:-}' (letters, digits, _; max 63; not starting with a digit)"
}

# ------------------------------------------------------------- postgresql --

pg_sql() {
    PGCONNECT_TIMEOUT=3 timeout 15 psql -X -w -q -v ON_ERROR_STOP=1 \
        -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -tA "$@"
}

pg_answers() { [ "$(pg_sql -c 'select 1' 2>/dev/null)" = 1 ]; }

pg_up() { timeout 10 pg_isready -q -h "$HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1; }

# Newest installed server version, preferring one with a "main" cluster.
pg_version() {
    local bin v vers=()
    for bin in /usr/lib/postgresql/*/bin/postgres; do
        [ -x "$bin" ] && vers+=("$(basename "$(dirname "$(dirname "$bin")")")")
    done
    [ ${#vers[@]} -gt 0 ] || return 1
    for v in $(printf '%s\n' "${vers[@]}" | sort -rV); do
        [ -d "/etc/postgresql/$v/main" ] && { echo "$v"; return 0; }
    done
    printf '%s\n' "${vers[@]}" | sort -V | tail -n1
}

pg_installed() { command -v pg_ctlcluster >/dev/null 2>&1 && pg_version >/dev/null; }

# pg_cluster_field VERSION COLUMN: a column of "pg_lsclusters -h" for VERSION/main
# (3 port, 4 status, 6 data dir, 7 log file).
pg_cluster_field() {
    pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v c="$2" '$1 == v && $2 == "main" { print $c; exit }'
}

pg_online() { case "$(pg_cluster_field "$1" 4)" in online*) return 0 ;; *) return 1 ;; esac; }

pg_postmaster_pid() {
    local datadir
    datadir=$(pg_cluster_field "$1" 6)
    [ -n "$datadir" ] && head -n1 "$datadir/postmaster.pid" 2>/dev/null
}

# Listen on 127.0.0.1:5432 only; trust postgres on 127.0.0.1 and the socket.
pg_configure() {
    local ver=$1 dir=/etc/postgresql/$1/main hba tmp
    if grep -Eq "^[[:space:]]*include_dir[[:space:]]*=?[[:space:]]*'conf\.d'" "$dir/postgresql.conf"; then
        mkdir -p "$dir/conf.d"
        printf '# %s\nlisten_addresses = %s\nport = %s\n' "$MARK" "'$HOST'" "$PG_PORT" \
            >"$dir/conf.d/zz-cinderlib-tests.conf"
        chown postgres:postgres "$dir/conf.d/zz-cinderlib-tests.conf"
    else
        pg_conftool "$ver" main set listen_addresses "$HOST"
        pg_conftool "$ver" main set port "$PG_PORT"
    fi
    hba=$dir/pg_hba.conf
    if ! grep -qF "BEGIN $MARK" "$hba"; then
        log "postgresql: adding trust rules for local and $HOST/32 to $hba"
        tmp=$(mktemp)
        {
            echo "# BEGIN $MARK"
            echo "local   all   all                  trust"
            echo "host    all   all   $HOST/32    trust"
            echo "# END $MARK"
            cat "$hba"
        } >"$tmp"
        cat "$tmp" >"$hba"   # rewrite in place: keeps owner and mode
        rm -f "$tmp"
    fi
}

ensure_postgresql() {
    local ver pid logf
    ensure_tool psql postgresql-client
    ensure_tool pg_isready postgresql-client
    if pg_answers; then
        log "postgresql: already answering on $HOST:$PG_PORT"
        return 0
    fi
    if pg_up; then
        die "postgresql: a server accepts connections on $HOST:$PG_PORT but" \
            "'psql -h $HOST -U postgres' fails (auth?); it was not started by" \
            "this script, so it is left alone: allow trust for postgres from $HOST"
    fi
    need_root postgresql
    if ! pg_installed; then
        apt_install postgresql
        ver=$(pg_version) || die "postgresql: installed, but no server binary found"
        if pg_online "$ver"; then   # the package's postinst may have started it
            log "postgresql: stopping the cluster the package started, to configure it"
            pg_ctlcluster --skip-systemctl-redirect "$ver" main stop >&2 || true
        fi
    fi
    ver=$(pg_version) || die "postgresql: no server binary under /usr/lib/postgresql"
    if [ ! -d "/etc/postgresql/$ver/main" ]; then
        log "postgresql: creating cluster $ver/main"
        pg_createcluster --locale C.UTF-8 --port "$PG_PORT" "$ver" main >&2 \
            || die "postgresql: pg_createcluster $ver main failed"
    fi
    if pg_online "$ver"; then
        log "postgresql: cluster $ver/main is running but not answering yet; waiting (not recorded as ours)"
    else
        pg_configure "$ver"
        log "postgresql: starting cluster $ver/main"
        run_closed pg_ctlcluster --skip-systemctl-redirect "$ver" main start \
            || { show_log "$(pg_cluster_field "$ver" 7)"; die "postgresql: pg_ctlcluster $ver main start failed"; }
        pid=$(pg_postmaster_pid "$ver") || pid=
        [ -n "$pid" ] || die "postgresql: started $ver/main but found no postmaster.pid"
        record postgresql svc=postgresql version="$ver" cluster=main pid="$pid" \
            comm="$(proc_comm "$pid")" start="$(proc_start "$pid")"
    fi
    if ! wait_until "$TIMEOUT" pg_answers; then
        logf=$(pg_cluster_field "$ver" 7)
        show_log "$logf"
        die "postgresql: no answer from 'psql -h $HOST -p $PG_PORT -U postgres' after ${TIMEOUT}s"
    fi
    log "postgresql: answering on $HOST:$PG_PORT"
}

# ---------------------------------------------------------------- mariadb --

my_tcp() {
    timeout 15 mariadb --no-defaults --protocol=tcp -h "$HOST" -P "$MYSQL_PORT" \
        -uroot --connect-timeout=3 -NB "$@"
}

my_answers() { [ "$(my_tcp -e 'select 1' 2>/dev/null)" = 1 ]; }

# Server alive at all (mariadb-admin ping succeeds even on "access denied").
my_up() {
    timeout 10 mariadb-admin --no-defaults --protocol=tcp -h "$HOST" -P "$MYSQL_PORT" \
        --connect-timeout=3 ping >/dev/null 2>&1
}

# Let root in over TCP from 127.0.0.1 with an empty password. Only done on a
# server this script started; uses the unix socket (root via unix_socket auth).
my_fix_root() {
    log "mariadb: granting root@$HOST with empty password (via the local socket)"
    timeout 15 mariadb --protocol=socket -uroot -NB -e "
        CREATE USER IF NOT EXISTS 'root'@'$HOST' IDENTIFIED BY '';
        ALTER USER 'root'@'$HOST' IDENTIFIED BY '';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'$HOST' WITH GRANT OPTION;
        FLUSH PRIVILEGES;" >&2
}

ensure_mariadb() {
    local before new pid ours=0
    ensure_tool mariadb mariadb-client
    ensure_tool mariadb-admin mariadb-client
    if my_answers; then
        log "mariadb: already answering on $HOST:$MYSQL_PORT"
        return 0
    fi
    if my_up; then
        die "mariadb: a server answers on $HOST:$MYSQL_PORT but root with an empty" \
            "password cannot log in over TCP; it was not started by this script," \
            "so it is left alone. Fix: CREATE USER 'root'@'$HOST' IDENTIFIED BY '';" \
            "GRANT ALL ON *.* TO 'root'@'$HOST' WITH GRANT OPTION;"
    fi
    need_root mariadb
    if [ ! -x "$MARIADBD" ]; then
        before=$(pidof mariadbd || true)
        apt_install mariadb-server
        new=$(pids_new "$before" "$(pidof mariadbd || true)")
        if [ -n "$new" ]; then   # the package's postinst may have started it
            log "mariadb: stopping the server the package started ($(echo "$new" | xargs)), to start it our way"
            # shellcheck disable=SC2086
            kill_wait 60 $new
        fi
    fi
    [ -x "$MARIADBD" ] || die "mariadb: $MARIADBD not found after install"
    if pid=$(pidof mariadbd); then
        log "mariadb: mariadbd (pid $pid) is running but not answering yet; waiting (not recorded as ours)"
    else
        install -d -o mysql -g mysql -m 0755 /run/mysqld
        rm -f "$STATE/mariadb.pid"
        log "mariadb: starting $MARIADBD (log: $STATE/mariadb.log)"
        run_closed start-stop-daemon --start --oknodo --background \
            --make-pidfile --pidfile "$STATE/mariadb.pid" --output "$STATE/mariadb.log" \
            --exec "$MARIADBD" -- \
            --user=mysql --bind-address="$HOST" --port="$MYSQL_PORT" --skip-name-resolve \
            || die "mariadb: start-stop-daemon failed"
        pid=$(cat "$STATE/mariadb.pid" 2>/dev/null) || die "mariadb: no pid file from start-stop-daemon"
        record mariadb svc=mariadb pid="$pid" comm="$(proc_comm "$pid")" start="$(proc_start "$pid")"
        ours=1
    fi
    if ! wait_until "$TIMEOUT" my_up; then
        show_log "$STATE/mariadb.log"
        show_log /var/log/mysql/error.log
        die "mariadb: no answer on $HOST:$MYSQL_PORT after ${TIMEOUT}s"
    fi
    if ! wait_until 5 my_answers; then
        [ "$ours" -eq 1 ] || die "mariadb: server is up but 'mariadb -h $HOST -uroot' (empty password) fails"
        my_fix_root || die "mariadb: could not grant root@$HOST through the local socket"
        wait_until 5 my_answers \
            || die "mariadb: 'mariadb -h $HOST -uroot' (empty password) still fails after the grant"
    fi
    log "mariadb: answering on $HOST:$MYSQL_PORT"
}

# ------------------------------------------------------------------ redis --

redis_answers() {
    [ "$(timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

ensure_redis() {
    local before new pid pidfile=$STATE/redis-$REDIS_PORT.pid logf=$STATE/redis-$REDIS_PORT.log
    ensure_tool redis-cli redis-tools
    if redis_answers; then
        log "redis: already answering on $HOST:$REDIS_PORT"
        return 0
    fi
    need_root redis
    if ! command -v redis-server >/dev/null 2>&1; then
        before=$(pidof redis-server || true)
        apt_install redis-server
        new=$(pids_new "$before" "$(pidof redis-server || true)")
        if [ -n "$new" ]; then   # the package's postinst may have started it
            log "redis: stopping the server the package started ($(echo "$new" | xargs)), to start it our way"
            # shellcheck disable=SC2086
            kill_wait 30 $new
        fi
        if redis_answers; then
            die "redis: something still answers on $HOST:$REDIS_PORT after stopping the package's server"
        fi
    fi
    rm -f "$pidfile"
    log "redis: starting redis-server on $HOST:$REDIS_PORT (log: $logf)"
    run_closed redis-server --daemonize yes --bind "$HOST" --port "$REDIS_PORT" --protected-mode yes \
        --save "" --appendonly no --dir "$STATE" --pidfile "$pidfile" --logfile "$logf" \
        || { show_log "$logf"; die "redis: redis-server failed to start"; }
    if ! wait_until "$TIMEOUT" test -s "$pidfile"; then
        show_log "$logf"
        die "redis: no pid file $pidfile after ${TIMEOUT}s (port $REDIS_PORT in use?)"
    fi
    pid=$(cat "$pidfile")
    record "redis-$REDIS_PORT" svc=redis port="$REDIS_PORT" pid="$pid" \
        comm="$(proc_comm "$pid")" start="$(proc_start "$pid")"
    if ! wait_until "$TIMEOUT" redis_answers; then
        show_log "$logf"
        die "redis: no PONG from $HOST:$REDIS_PORT after ${TIMEOUT}s"
    fi
    log "redis: answering on $HOST:$REDIS_PORT"
}

# --------------------------------------------------------------- commands --

cmd_ensure() {
    local svc
    [ $# -gt 0 ] || usage
    for svc in "$@"; do
        case $svc in
            postgresql|mariadb|redis) ;;
            *) die "unknown service '$svc' (postgresql, mariadb, redis)" ;;
        esac
    done
    lock
    for svc in "$@"; do
        "ensure_$svc"
    done
}

cmd_stop() {
    local rec svc pid comm start ver cluster stopped=0
    lock
    for rec in "$STATE"/*.rec; do
        [ -e "$rec" ] || continue
        svc=$(rec_get "$rec" svc)
        pid=$(rec_get "$rec" pid)
        comm=$(rec_get "$rec" comm)
        start=$(rec_get "$rec" start)
        if ! proc_is "$pid" "$comm" "$start"; then
            log "$(basename "$rec" .rec): recorded pid ${pid:-?} is gone (or is another process now); nothing to stop"
            rm -f "$rec"
            continue
        fi
        case $svc in
            postgresql)
                ver=$(rec_get "$rec" version)
                cluster=$(rec_get "$rec" cluster)
                log "postgresql: stopping cluster $ver/$cluster (pid $pid), started by this script"
                pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" stop >&2 \
                    || die "postgresql: pg_ctlcluster $ver $cluster stop failed (record kept: $rec)"
                ;;
            mariadb)
                log "mariadb: stopping mariadbd (pid $pid), started by this script"
                kill_wait 60 "$pid" || die "mariadb: pid $pid did not exit (record kept: $rec)"
                rm -f "$STATE/mariadb.pid"
                ;;
            redis)
                log "redis: stopping redis-server on port $(rec_get "$rec" port) (pid $pid), started by this script"
                kill_wait 30 "$pid" || die "redis: pid $pid did not exit (record kept: $rec)"
                rm -f "$STATE/redis-$(rec_get "$rec" port).pid"
                ;;
            *)
                log "ignoring unknown record $rec"
                ;;
        esac
        rm -f "$rec"
        stopped=$((stopped + 1))
    done
    [ "$stopped" -gt 0 ] || log "nothing to stop: this script has no running service on record"
}

cmd_createdb() {
    local name=${1:-} exists
    valid_name "$name"
    pg_answers || die "postgresql: not answering on $HOST:$PG_PORT; run '$0 ensure postgresql' first"
    my_answers || die "mariadb: not answering on $HOST:$MYSQL_PORT; run '$0 ensure mariadb' first"

    exists=$(pg_sql -c "select 1 from pg_database where datname = '$name'") \
        || die "postgresql: could not list databases"
    if [ "$exists" = 1 ]; then
        log "postgresql: database $name exists"
    else
        log "postgresql: creating database $name"
        if [ "$(pg_sql -c "select pg_encoding_to_char(encoding) from pg_database where datname = 'template1'")" = UTF8 ]; then
            pg_sql -c "CREATE DATABASE \"$name\" OWNER postgres" >&2 || true
        else   # e.g. a cluster created under the C locale (SQL_ASCII)
            pg_sql -c "CREATE DATABASE \"$name\" OWNER postgres ENCODING 'UTF8'
                       LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0" >&2 || true
        fi
        # Re-check rather than trust the exit status: a concurrent run may have won.
        [ "$(pg_sql -c "select 1 from pg_database where datname = '$name'")" = 1 ] \
            || die "postgresql: could not create database $name"
    fi

    my_tcp -e "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4" \
        || die "mariadb: could not create database $name"
    log "mariadb: database $name present (utf8mb4)"
}

cmd_urls() {
    local name=${1:-}
    valid_name "$name"
    echo "CL_TEST_PG_URL=postgresql+psycopg://postgres@$HOST:$PG_PORT/$name"
    echo "CL_TEST_MYSQL_URL=mysql+pymysql://root@$HOST:$MYSQL_PORT/$name"
    echo "CL_TEST_REDIS_URL=redis://$HOST:$REDIS_PORT"
}

main() {
    local cmd=${1:-}
    [ $# -gt 0 ] && shift
    case $cmd in
        ensure) cmd_ensure "$@" ;;
        stop) [ $# -eq 0 ] || usage; cmd_stop ;;
        createdb) [ $# -eq 1 ] || usage; cmd_createdb "$1" ;;
        urls) [ $# -eq 1 ] || usage; cmd_urls "$1" ;;
        -h|--help|help) usage ;;
        *) usage ;;
    esac
}

main "$@"
