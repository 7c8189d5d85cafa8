#!/bin/sh
# helper_start.sh - what the helper process costs each login: the median
# wall time to start pam_oauth2_helper (exec, dynamic linking of libcurl,
# OpenSSL and their libraries) and let it exit, beside /bin/true, over RUNS
# runs each. The helper exits at once when it has no channel on fd 3.
# Usage: bench/helper_start.sh [runs, default 200]
set -eu

RUNS=${1:-200}
TOP=$(cd "$(dirname "$0")/.." && pwd)
HELPER=$TOP/pam_oauth2_helper
[ -x "$HELPER" ] || { echo "bench: build first ($HELPER missing)" >&2; exit 1; }

# timings CMD...: RUNS wall times in microseconds, one a line
timings() {
    i=0
    while [ $i -lt "$RUNS" ]; do
        t0=$(date +%s%N)
        "$@" 2>/dev/null 3<&- || true
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
        i=$((i + 1))
    done
}
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

h=$(timings "$HELPER" | median)
t=$(timings /bin/true | median)
libs=$(ldd "$HELPER" | grep -c '=>' || true)
echo "helper start and exit: median $(awk "BEGIN { printf \"%.2f\", $h / 1000 }") ms" \
    "(/bin/true $(awk "BEGIN { printf \"%.2f\", $t / 1000 }") ms; the helper links $libs libraries;" \
    "runs: $RUNS)"
echo "extra cost per login: $(awk "BEGIN { printf \"%.2f\", ($h - $t) / 1000 }") ms"
