#!/bin/sh
# test_demo_root.sh - README's first command on a fresh Debian 12: in a
# throwaway minbase root made with debootstrap (nothing installed but the
# base system), a copy of the source tree runs "sh scripts/demo.sh" as root
# without a terminal. It must install what it needs from Debian (Node.js 18
# among it), build, start the test IdP and log alice in through PAM:
#   - the root's only Node.js before the demo is none, after it Debian's own
#     nodejs 18, which lacks URL.parse (what oidc-provider 9 calls: the
#     reason tests/idp/install.sh brings a newer Node.js for the IdP);
#   - the demo ends with "PAM: success, logged in as alice", exit status 0;
#   - the IdP ran on the Node.js that tests/idp/install.sh installed from
#     the npm registry, and Debian's node was not replaced.
# The second command (scripts/test.sh) is not run in the root: it is the
# CI run this test belongs to.
#
# The demo installs only what it needs (scripts/install-deps.sh --demo): no
# test tool may be in the root afterwards, and the demo must have said what
# it installs.
# Takes minutes (the demo installs the build packages and Node.js), so
# "make check" does not run it; scripts/test.sh does, once per CI run.
# Needs root, debootstrap and network access to the Debian mirror this
# machine uses and to the npm registry. OA2_ROOT_CACHE and OA2_KEEP_ROOT as
# for tests/package/test_root.sh (tests/lib/root.sh).
# Prints "ok"/"not ok" lines and ends with "fresh-demo: N passed, N failed".
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/root.sh
. "$TOP/tests/lib/root.sh"

TAP_NAME=fresh-demo
# shellcheck source=../lib/tap.sh
. "$TOP/tests/lib/tap.sh"

TAP_T0=$(date +%s)
root_begin "$TAP_NAME"

check "the fresh root has no Node.js" root_sh "$R" '! command -v node && ! command -v nodejs'

# The source tree as a clone has it: tracked and new files, no build output,
# no installed npm packages, no unpacked test OP.
root_copy_tree "$TOP" "$R"

t=$(date +%s)
out=$(root_sh "$R" 'cd /src/pam_oauth2 && sh scripts/demo.sh </dev/null 2>&1')
rc=$?
secs=$(($(date +%s) - t))
printf '%s\n' "$out" > "$WORK/demo.log"
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^PAM: success, logged in as alice$'; then
    ok "sh scripts/demo.sh: PAM: success, logged in as alice ($secs s)"
else
    notok "sh scripts/demo.sh: PAM: success, logged in as alice (exit $rc, $secs s)" "$out"
fi
check "the demo said what it installs (install-deps.sh --demo's list)" \
    grep -q "^install-deps: the demo needs (Debian packages, installed when missing): build-essential" "$WORK/demo.log"
# only what the demo needs: none of the test suite's tools
check "the demo installed none of the test tools (Chromium, PostgreSQL, valgrind, clang, cmocka, lintian, tmux)" \
    root_sh "$R" 'left=""
    for p in chromium postgresql valgrind clang-14 libcmocka-dev lintian tmux sshpass openssh-server debootstrap; do
        dpkg-query -W -f="\${Status}" "$p" 2>/dev/null | grep -q "install ok installed" && left="$left $p"
    done
    [ -z "$left" ] || { echo "installed:$left"; exit 1; }'
check "the root's node is Debian's nodejs 18" root_sh "$R" '
    dpkg-query -W -f="\${Version}\n" nodejs | grep -q "^18\."
    node --version | grep -q "^v18\."'
check "Debian's node 18 lacks URL.parse (why the IdP needs another Node.js)" \
    root_sh "$R" 'node -e "process.exit(typeof URL.parse === \"function\" ? 1 : 0)"'
check "the IdP's Node.js came from tests/idp/runtime (the npm registry) and runs" root_sh "$R" '
    n=$(sh /src/pam_oauth2/tests/idp/node.sh)
    case $n in /src/pam_oauth2/tests/idp/runtime/node_modules/node-linux-*/bin/node) ;; *) echo "node.sh: $n"; exit 1 ;; esac
    "$n" -e "process.exit(typeof URL.parse === \"function\" ? 0 : 1)"'
check "the demo left nothing in the root's /tmp" root_sh "$R" '
    left=$(find /tmp -mindepth 1 -maxdepth 1); [ -z "$left" ] || { echo "$left"; exit 1; }'

finish
