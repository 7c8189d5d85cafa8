#!/bin/sh
# load.sh - throughput of password-grant logins through real PAM
# (pam_wrapper) against the bundled test IdP, warm cache: logins per second
# with P processes logging in at once (each runs tests/leak/many_logins;
# every login must succeed). Memory: bench/memory.sh.
# Usage: bench/load.sh [processes, default 4] [logins per process, default 50]
set -eu

PROCS=${1:-4}
EACH=${2:-50}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. scripts/lib.sh

OA2_EXTRA_CONFIG="grant = password" bench_idp

run() {
    pam_env_run "$STATE" "$@"
}

echo alice-pass | run "$TOP/tests/demo/pam_demo" oa2-demo alice >/dev/null 2>&1   # warm cache

# Every process logs in once (pam_wrapper set-up, staggered), waits at a
# barrier, then all run their remaining logins at once; the rate is the
# timed logins over the slowest process's time.
i=0
pids=""
while [ "$i" -lt "$PROCS" ]; do
    MANY_LOGINS_READY="$STATE/ready.$i" MANY_LOGINS_GO="$STATE/go" \
        run "$TOP/tests/leak/many_logins" oa2-demo alice alice-pass "$((EACH + 1))" 1 > "$STATE/out.$i" 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
    sleep 0.2
done
n=0
while [ "$(ls "$STATE" | grep -c '^ready\.')" -lt "$PROCS" ] && [ $n -lt 300 ]; do
    sleep 0.1
    n=$((n + 1))
done
touch "$STATE/go"
fails=0
for p in $pids; do
    wait "$p" || fails=$((fails + 1))
done
cat "$STATE"/out.* | awk -v procs="$PROCS" -v fails="$fails" '
    $1 == "logins" { n += $10; if ($11 > t) t = $11 }
    END { printf "%d processes logging in at once: %.0f logins/s (%d logins in %.2f s), %d processes with failures\n", procs, n / t, n, t, fails }'
