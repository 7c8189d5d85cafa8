#!/bin/sh
# run.sh - many logins in one process against the test IdP (password grant,
# real PAM through pam_wrapper, account from nss_wrapper):
#   1. 1000 logins: every one succeeds and the heap does not grow per login
#      between login 700 and login 1000 (less than 8 bytes per login), as a
#      display manager that keeps the module loaded would see. The first few
#      hundred logins are a warm-up: libcurl with OpenSSL 3.0 fills bounded
#      internal caches (about 400 bytes per new TLS connection, flat after
#      ~600 connections; measured with plain libcurl too);
#   2. 15 logins under valgrind: no invalid access, no definite or indirect
#      leak.
# Prints ok/not ok lines and "leak: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$TOP}
cd "$TOP"
. scripts/lib.sh

STATE=$(mktemp -d /tmp/pam_oauth2-leak.XXXXXX)
cleanup() {
    sh tests/idp/idp.sh stop "$STATE/idp" >/dev/null 2>&1 || true
    rm -rf "$STATE"
    pam_wrapper_sweep
}
trap cleanup EXIT INT TERM

pass=0
fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }

if ! sh tests/idp/idp.sh start "$STATE/idp" >/dev/null; then
    notok "test IdP start"
    echo "leak: $pass passed, $fail failed"
    exit 1
fi
OA2_EXTRA_CONFIG="grant = password" pam_stack "$STATE" "$BUILD/.libs/pam_oauth2.so"

run() {
    pam_env_run "$STATE" "$@"
}

out=$(run "$BUILD/tests/leak/many_logins" oa2-demo alice alice-pass 1000 700 2>"$STATE/err")
echo "# $out"
set -- $out
if [ "${4:-x}" = 0 ] && [ "${2:-0}" = 1000 ]; then
    ok "1000 logins in one process all succeed"
else
    notok "1000 logins in one process all succeed"; sed 's/^/# /' "$STATE/err" | head -20
fi
growth=$(echo "${6:-0} ${8:-0}" | awk '{ printf "%.1f", ($2 - $1) / 300 }')
if awk -v g="$growth" 'BEGIN { exit !(g < 8) }'; then
    ok "heap growth per login, logins 700-1000: $growth bytes"
else
    notok "heap growth per login, logins 700-1000: $growth bytes (limit 8)"
fi

if command -v valgrind >/dev/null 2>&1; then
    if run valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=42 \
        "$BUILD/tests/leak/many_logins" oa2-demo alice alice-pass 15 5 >"$STATE/vg.out" 2>"$STATE/vg.err"; then
        ok "valgrind: 15 logins, no errors, no definite or indirect leaks"
    else
        notok "valgrind: 15 logins"; sed 's/^/# /' "$STATE/vg.err" | head -60
    fi
else
    notok "valgrind is not installed"
fi

echo "leak: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
