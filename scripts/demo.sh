#!/bin/sh
# demo.sh - install what is needed, build, start the bundled test IdP and run
# a real login through PAM with the device grant: the user code, the URL and
# a QR code are shown. At a terminal, approve it yourself in a browser (log in
# as alice / alice-pass); without a terminal (CI, a pipe) the demo approves
# itself as alice after a few seconds.
#
# Nothing on the machine's PAM configuration is touched: the PAM stack runs
# through pam_wrapper with a private service directory, and the local account
# "alice" exists only for the demo process (nss_wrapper).
#
# It installs only what it needs (scripts/install-deps.sh --demo prints the
# list): the compiler and autotools, the module's libraries, pam_wrapper and
# nss_wrapper, curl, openssl, Node.js and npm, and the test IdP's npm
# packages. The test suite's own tools come with scripts/test.sh.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. scripts/lib.sh

sh scripts/install-deps.sh --demo
sh scripts/build.sh

STATE=$(mktemp -d /tmp/pam_oauth2-demo.XXXXXX)
APPROVER=""
cleanup() {
    [ -n "$APPROVER" ] && kill "$APPROVER" 2>/dev/null || true
    sh tests/idp/idp.sh stop "$STATE/idp" >/dev/null 2>&1 || true
    rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

echo "demo: starting the test IdP ..."
sh tests/idp/idp.sh start "$STATE/idp" --interval 2 >/dev/null
. "$STATE/idp/idp.env"

pam_stack "$STATE" "$TOP/.libs/pam_oauth2.so"

if [ -t 0 ] && [ -t 1 ]; then
    echo "demo: open the address below in a browser and log in as alice / alice-pass."
    echo "      (The IdP's certificate comes from a throwaway CA: $IDP_CA)"
    echo "      Or approve from another shell:"
    echo "      curl -X POST $IDP_CONTROL/device/approve -d '{\"user_code\":\"CODE\",\"username\":\"alice\"}'"
else
    echo "demo: no terminal, so the demo approves the login itself as alice."
    approve_next "$STATE" alice 3 >/dev/null &
    APPROVER=$!
fi
echo
pam_login "$STATE" alice
