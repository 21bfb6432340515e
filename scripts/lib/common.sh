# shellcheck shell=bash
# What the scripts and labs share: messages, processes, waits, a lock.
# Source it after setting LOG_PREFIX, the start of each message line (e.g.
# 'ceph-lab: ' or '[services] ').

LOG_PREFIX=${LOG_PREFIX:-"[$(basename "$0" .sh)] "}

log() { printf '%s%s\n' "$LOG_PREFIX" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

now() { date +%s.%N; }
# elapsed START: seconds since START (a `now`), one decimal.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# _microseconds SECONDS: SECONDS (whole or decimal, e.g. 0.2) in µs.
_microseconds() {
    local whole=${1%%.*} fraction=
    [[ $1 == *.* ]] && fraction=${1#*.}
    fraction=${fraction}000000
    echo $((10#${whole:-0} * 1000000 + 10#${fraction:0:6}))
}

# wait_until [-i INTERVAL] SECONDS COMMAND...: run COMMAND (in this shell,
# so it may set variables or die) every INTERVAL seconds (default 0.5) until
# it succeeds (0) or SECONDS have passed (1).
wait_until() {
    local interval=0.5
    if [[ $1 == -i ]]; then
        interval=$2
        shift 2
    fi
    local deadline=$((${EPOCHREALTIME/./} + $(_microseconds "$1")))
    shift
    while :; do
        "$@" && return 0
        ((${EPOCHREALTIME/./} < deadline)) || return 1
        sleep "$interval"
    done
}

# pid_alive PID: running (a zombie left for a non-reaping PID 1 counts as gone).
pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

none_alive() {
    local pid
    for pid in "$@"; do pid_alive "$pid" && return 1; done
    return 0
}

# reap SECONDS PID...: wait up to SECONDS for PIDs (already signalled) to
# exit, then SIGKILL those left and wait 5 s more; 1 if some still run.
reap() {
    local seconds=$1 pid
    shift
    [[ $# -gt 0 ]] || return 0
    wait_until -i 0.1 "$seconds" none_alive "$@" && return 0
    for pid in "$@"; do
        if pid_alive "$pid"; then
            log "pid $pid did not exit within $seconds s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait_until -i 0.1 5 none_alive "$@"
}

# kill_wait SECONDS PID...: SIGTERM, wait, SIGKILL as a last resort.
kill_wait() {
    local seconds=$1
    shift
    [[ $# -gt 0 ]] || return 0
    kill -TERM "$@" 2>/dev/null || true
    reap "$seconds" "$@"
}

# run_closed COMMAND...: run COMMAND with stdin from /dev/null, stdout sent to
# stderr and every other inherited descriptor closed, so a daemon it leaves
# behind holds neither a lock (fd 9) nor a caller's pipe (no hang in "$(...)").
run_closed() {
    (
        exec </dev/null >&2
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
        done
        exec "$@"
    )
}

# take_lock FILE [SECONDS]: hold an exclusive flock on FILE (fd 9) until this
# shell exits, waiting up to SECONDS (default: as long as it takes). An
# existing FILE is opened read-only (a script may lock itself).
take_lock() {
    command -v flock >/dev/null || die "flock not found (util-linux)"
    if [[ -e $1 ]]; then
        exec 9<"$1"
    else
        exec 9>>"$1"
    fi
    flock ${2:+-w "$2"} 9 ||
        die "another run has held the lock $1 for ${2:-?} s; try again once it is done"
}
