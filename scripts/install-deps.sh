#!/bin/sh
# install-deps.sh - install everything pam_oauth2 needs to build, test and
# run its demo on Debian 12: build tools, libraries, test tools, Node.js for
# the bundled test IdP, the IdP's npm packages (from its lockfile), and the
# man page and Debian packaging tools (scdoc, debhelper, lintian).
# Idempotent; needs root (or sudo).
set -eu

HERE=$(cd "$(dirname "$0")/.." && pwd)

PKGS="build-essential autoconf automake libtool pkg-config
 libpam0g-dev libcurl4-openssl-dev libssl-dev libjson-c-dev libqrencode-dev libcrypt-dev
 libcmocka-dev libpam-wrapper libpamtest0-dev libnss-wrapper
 zbar-tools openssl curl ca-certificates python3 valgrind clang-14 libclang-rt-14-dev
 openssh-server openssh-client sudo login python3-pexpect
 scdoc debhelper dh-autoreconf dpkg-dev fakeroot lintian binutils time"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

sh "$HERE/tests/idp/install.sh"
