# shellcheck shell=sh
# proc.sh - shared by the test servers' start/stop scripts (tests/idp/idp.sh,
# tests/op2/op2.sh): source it, then use the functions below.

# proc_fail PROG LOG MESSAGE...: print the message and the end of LOG, exit 1
proc_fail() {
    prog=$1
    log=$2
    shift 2
    echo "$prog: $*" >&2
    if [ -n "$log" ] && [ -f "$log" ]; then
        echo "---- last lines of $log ----" >&2
        tail -n 30 "$log" >&2
        echo "------------------------------------" >&2
    fi
    exit 1
}

# proc_alive PID: true while PID runs (a zombie, waiting for its reaper,
# counts as gone: a server started in the background is re-parented when its
# start script exits and may linger unreaped)
proc_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/stat" ]; then
        state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)
        [ "$state" != Z ] || return 1
    fi
    return 0
}

# proc_stop PID NAME: SIGTERM, wait up to 5 s, then SIGKILL. The caller
# checks first that PID is the process it started.
proc_stop() {
    kill -TERM "$1" 2>/dev/null || true
    i=0
    while proc_alive "$1"; do
        i=$((i + 1))
        if [ $i -ge 50 ]; then
            echo "$2 (pid $1) did not stop on SIGTERM, sending SIGKILL" >&2
            kill -KILL "$1" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.1
    done
}
