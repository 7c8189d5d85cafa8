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
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

sh scripts/install-deps.sh
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

mkdir -p "$STATE/pam.d"
cat > "$STATE/pam_oauth2.conf" <<CONF
# pam_oauth2 demo configuration
issuer = $IDP_ISSUER
client_id = pam-public
ca_file = $IDP_CA
cache_dir = $STATE/cache
device_ui = info
device_timeout = 300
CONF
chmod 644 "$STATE/pam_oauth2.conf"
cat > "$STATE/pam.d/oa2-demo" <<PAM
auth    required $TOP/.libs/pam_oauth2.so config=$STATE/pam_oauth2.conf
account required $TOP/.libs/pam_oauth2.so config=$STATE/pam_oauth2.conf
PAM
echo "auth required pam_deny.so" > "$STATE/pam.d/other"
echo "alice:x:1001:1001:Alice:/home/alice:/bin/sh" > "$STATE/passwd"
echo "alice:x:1001:" > "$STATE/group"

if [ -t 0 ] && [ -t 1 ]; then
    echo "demo: open the address below in a browser and log in as alice / alice-pass."
    echo "      (The IdP's certificate comes from a throwaway CA: $IDP_CA)"
    echo "      Or approve from another shell:"
    echo "      curl -X POST $IDP_CONTROL/device/approve -d '{\"user_code\":\"CODE\",\"username\":\"alice\"}'"
else
    echo "demo: no terminal, so the demo approves the login itself as alice."
    (
        i=0
        while [ $i -lt 60 ]; do
            code=$(curl -s "$IDP_CONTROL/device/pending" | sed -n 's/^\["\([A-Z-]*\)".*/\1/p')
            if [ -n "$code" ]; then
                sleep 3
                curl -s -X POST "$IDP_CONTROL/device/approve" \
                    -d "{\"user_code\":\"$code\",\"username\":\"alice\"}" >/dev/null
                exit 0
            fi
            sleep 1
            i=$((i + 1))
        done
    ) &
    APPROVER=$!
fi
echo

PAM_WRAPPER_LIB=$(pkg-config --libs pam_wrapper | tr -d ' ')
NSS_WRAPPER_LIB=$(pkg-config --libs nss_wrapper | tr -d ' ')
env LD_PRELOAD="$PAM_WRAPPER_LIB $NSS_WRAPPER_LIB" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$STATE/pam.d" \
    NSS_WRAPPER_PASSWD="$STATE/passwd" NSS_WRAPPER_GROUP="$STATE/group" \
    "$TOP/tests/demo/pam_demo" oa2-demo alice
