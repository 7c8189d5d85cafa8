#!/bin/sh
# device_login.sh - one device-grant login with a warm cache, through the real
# PAM library (pam_wrapper) against the bundled test IdP:
#   * which requests reach the IdP (goal: the device authorization request
#     plus the polls, nothing else)
#   * the time from the approval at the IdP to PAM_SUCCESS (goal: within one
#     poll interval)
# Usage: bench/device_login.sh [poll interval in seconds, default 5] [runs, default 3]
set -eu

INTERVAL=${1:-5}
RUNS=${2:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. scripts/lib.sh

bench_idp --interval "$INTERVAL"

# warm the discovery and JWKS cache
approve_next "$STATE" alice 0 >/dev/null &
pam_login "$STATE" alice >/dev/null 2>&1 || { echo "bench: warm-up login failed" >&2; exit 1; }
wait

echo "device login, warm cache, poll interval ${INTERVAL} s:"
i=1
while [ "$i" -le "$RUNS" ]; do
    curl -s -X POST "$IDP_CONTROL/counts/reset" >/dev/null
    # the user takes a moment that is not a multiple of the interval
    approve_next "$STATE" alice 2.3 > "$STATE/approved" &
    approver=$!
    pam_login "$STATE" alice > "$STATE/out" 2>&1 || { cat "$STATE/out" >&2; exit 1; }
    t_done=$(date +%s.%N)
    wait "$approver"
    t_approved=$(cat "$STATE/approved")
    counts=$(curl -s "$IDP_CONTROL/counts")
    latency=$(echo "$t_approved $t_done" | awk '{ printf "%.2f", $2 - $1 }')
    echo "  run $i: approval -> PAM_SUCCESS ${latency} s (interval ${INTERVAL} s); IdP requests: $counts"
    i=$((i + 1))
done
