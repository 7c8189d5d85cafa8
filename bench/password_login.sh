#!/bin/sh
# password_login.sh - one password-grant login with a warm cache, through the
# real PAM library (pam_wrapper) against the bundled test IdP:
#   * requests that reach the IdP (goal: exactly one, the token request)
#   * pam_authenticate's wall time beside a single curl of the same token
#     request in the same run (goal: within 1.2x); medians of RUNS each.
# Usage: bench/password_login.sh [runs, default 7]
set -eu

RUNS=${1:-7}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. scripts/lib.sh

OA2_EXTRA_CONFIG="grant = password" bench_idp

export PAM_DEMO_TIME=1
login() {
    echo alice-pass | pam_login "$STATE" alice 2>&1 >/dev/null |
        sed -n 's/.*pam_authenticate_ms //p'
}
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

login >/dev/null   # warm the discovery and JWKS cache
curl -s -X POST "$IDP_CONTROL/counts/reset" >/dev/null
ms=$(login)
[ -n "$ms" ] || { echo "bench: the password login failed" >&2; exit 1; }
counts=$(curl -s "$IDP_CONTROL/counts")

i=0
: > "$STATE/mod"
: > "$STATE/curl"
while [ "$i" -lt "$RUNS" ]; do
    login >> "$STATE/mod"
    curl -s -o /dev/null -w '%{time_total}\n' --cacert "$IDP_CA" \
        -d grant_type=password -d username=alice -d password=alice-pass \
        -d 'scope=openid profile email' -d client_id=pam-public \
        "$IDP_ISSUER/token" | awk '{ printf "%.2f\n", $1 * 1000 }' >> "$STATE/curl"
    i=$((i + 1))
done
mod=$(median < "$STATE/mod")
cur=$(median < "$STATE/curl")
echo "password login, warm cache:"
echo "  IdP requests for one login: $counts"
echo "  pam_authenticate median ${mod} ms; one curl of the same token request median ${cur} ms; ratio $(echo "$mod $cur" | awk '{ printf "%.2f", $1 / $2 }')x (runs: $RUNS)"
