#!/bin/sh
# idp.sh start DIR [server options]   start the test IdP in the background
# idp.sh stop DIR                     stop the IdP started for DIR
#
# start: installs the node deps if needed (install.sh), creates the TLS
# material (mkca.sh DIR), runs "node server.mjs --state DIR ..." (node 20 or
# later, chosen by node.sh) with its log in
# DIR/idp.log and its PID in DIR/idp.pid, and waits (max ~15 s) until DIR/idp.env
# exists and the discovery document answers over TLS verified with DIR/ca.pem
# (max IDP_START_TIMEOUT seconds, default 30).
# Server options: --interval N, --device-ttl N, --cert expired,
# --enforce-interval, --cache-max-age N, --profile NAME,
# --profile-option KEY[=VALUE] (see README.md).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)

usage() {
    echo "usage: $0 start DIR [server options] | $0 stop DIR" >&2
    exit 2
}

[ $# -ge 2 ] || usage
CMD=$1
DIR=$2
shift 2

# shellcheck source-path=SCRIPTDIR source=../lib/proc.sh
. "$HERE/../lib/proc.sh"

fail() {
    proc_fail idp.sh "$DIR/idp.log" "$@"
}

alive() {
    proc_alive "$1"
}

# true when PID is alive and is our server for this DIR
is_ours() {
    [ -n "$1" ] && alive "$1" || return 1
    [ -r "/proc/$1/cmdline" ] || return 0
    tr '\0' ' ' < "/proc/$1/cmdline" | grep -q "server.mjs --state $DIR"
}

do_stop() {
    [ -f "$DIR/idp.pid" ] || return 0
    pid=$(cat "$DIR/idp.pid")
    if is_ours "$pid"; then
        proc_stop "$pid" "idp.sh: IdP"
    fi
    rm -f "$DIR/idp.pid" "$DIR/idp.env"
}

case $CMD in
start)
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    if [ -f "$DIR/idp.pid" ] && is_ours "$(cat "$DIR/idp.pid")"; then
        fail "an IdP is already running for $DIR (pid $(cat "$DIR/idp.pid")); run: $0 stop $DIR"
    fi
    command -v node >/dev/null 2>&1 || fail "node is not installed"
    command -v curl >/dev/null 2>&1 || fail "curl is not installed"
    "$HERE/install.sh" >&2 || fail "npm dependencies could not be installed"
    NODE=$("$HERE/node.sh") || fail "no Node.js 20 or later to run the IdP"
    "$HERE/mkca.sh" "$DIR" || fail "mkca.sh failed"
    rm -f "$DIR/idp.env"
    "$NODE" "$HERE/server.mjs" --state "$DIR" "$@" </dev/null >"$DIR/idp.log" 2>&1 &
    pid=$!
    echo "$pid" > "$DIR/idp.pid"
    deadline=$(( $(date +%s) + ${IDP_START_TIMEOUT:-30} ))
    while :; do
        if ! alive "$pid"; then
            rm -f "$DIR/idp.pid"
            fail "the IdP exited during start-up"
        fi
        if [ -f "$DIR/idp.env" ]; then
            # shellcheck disable=SC1091
            # the discovery document of the profile's (first) server
            probe=$(. "$DIR/idp.env" && echo "$IDP_DISCOVERY")
            if curl -fsS -o /dev/null --max-time 2 --cacert "$DIR/ca.pem" "$probe" 2>/dev/null; then
                break
            fi
            # with --cert expired the verified probe cannot pass: accept an answer
            # that fails only certificate verification
            case " $* " in
            *" --cert expired "*)
                if curl -ksS -o /dev/null --max-time 2 "$probe" 2>/dev/null; then
                    break
                fi ;;
            esac
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            if [ -f "$DIR/idp.env" ]; then
                echo "idp.sh: idp.env exists; last probe:" >&2
                curl -sS -o /dev/null --max-time 2 --cacert "$DIR/ca.pem" "$probe" >&2 || true
            else
                echo "idp.sh: idp.env was never written" >&2
            fi
            do_stop
            fail "the IdP did not become ready within ${IDP_START_TIMEOUT:-30} s"
        fi
        sleep 0.1
    done
    cat "$DIR/idp.env"
    ;;
stop)
    [ -d "$DIR" ] || exit 0
    DIR=$(cd "$DIR" && pwd)
    do_stop
    ;;
*)
    usage
    ;;
esac
