#!/bin/sh
# memory.sh - peak resident memory of one password login through real PAM
# (pam_wrapper) against the bundled test IdP, warm cache, measured apart:
#   * the PAM host process (pam_demo's own VmHWM after pam_authenticate),
#     beside the same process running pam_permit.so: what the module adds
#     to sshd, su, login...;
#   * the helper process the module starts for the login (the largest child
#     the host waited for, getrusage RUSAGE_CHILDREN), with ca_file (the
#     test IdP's CA, as in every bench) and with the system CA store (no
#     ca_file: the IdP's test certificate is then refused, after the store
#     was loaded, so that login fails by design);
#   * the helper started with no channel (it exits at once): exec and
#     dynamic linking alone.
# Each figure is the median of RUNS logins. /usr/bin/time's %M is not used:
# for the host it would report the helper's peak when that is the larger.
# Usage: bench/memory.sh [runs, default 5]
set -eu

RUNS=${1:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. scripts/lib.sh

OA2_EXTRA_CONFIG="grant = password" bench_idp
printf 'auth required pam_permit.so\naccount required pam_permit.so\n' > "$STATE/pam.d/permit"
grep -v '^ca_file' "$STATE/pam_oauth2.conf" > "$STATE/sysca.conf"
sed "s|config=$STATE/pam_oauth2.conf|config=$STATE/sysca.conf|" "$STATE/pam.d/oa2-demo" > "$STATE/pam.d/sysca"

# mem SERVICE PASSWORD: "start authenticated child" KiB of one login
mem() {
    echo "$2" | pam_env_run "$STATE" PAM_DEMO_MEM=1 "$TOP/tests/demo/pam_demo" "$1" alice 2>&1 >/dev/null |
        sed -n 's/.*vmhwm_kib start \([0-9]*\) authenticated \([0-9]*\) child \([0-9]*\).*/\1 \2 \3/p'
}
# median FIELD over RUNS logins of SERVICE
median_of() {
    _f=$1
    shift
    i=0
    while [ $i -lt "$RUNS" ]; do
        mem "$@"
        i=$((i + 1))
    done | awk -v f="$_f" '{ print $f }' | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

mem oa2-demo alice-pass >/dev/null   # warm the cache (discovery, JWKS)
[ -n "$(mem oa2-demo alice-pass)" ] || { echo "memory.sh: pam_demo printed no figures" >&2; exit 1; }

host_mod=$(median_of 2 oa2-demo alice-pass)
host_base=$(median_of 2 permit x)
helper_ca=$(median_of 3 oa2-demo alice-pass)
helper_sys=$(median_of 3 sysca alice-pass)
helper_idle=$(
    i=0
    while [ $i -lt "$RUNS" ]; do
        /usr/bin/time -f '%M' "$TOP/pam_oauth2_helper" 3<&- 2>&1 >/dev/null | tail -n 1
        i=$((i + 1))
    done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
)

printf 'peak RSS of one login (KiB, median of %s):\n' "$RUNS"
printf '  PAM host process    %6s with pam_oauth2, %6s with pam_permit: %s added\n' \
    "$host_mod" "$host_base" "$((host_mod - host_base))"
printf '  helper process      %6s with ca_file, %6s with the system CA store\n' \
    "$helper_ca" "$helper_sys"
printf '  helper, no login    %6s (exec and dynamic linking only)\n' "$helper_idle"
