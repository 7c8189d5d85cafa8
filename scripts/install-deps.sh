#!/bin/sh
# install-deps.sh - install everything pam_oauth2 needs to build, test and
# run its demo on Debian 12: build tools, libraries, test tools (Debian's
# chromium and chromium-driver for the real-browser test of the code grant),
# Node.js for the bundled test IdP, the IdP's npm packages (from its lockfile), the
# second test OP (Debian's glewlwyd: its libraries from apt, the program
# unpacked into tests/op2/glewlwyd by tests/op2/install.sh, never installed as
# a service), and the man page and Debian packaging tools (scdoc, debhelper,
# lintian); sshpass and PostgreSQL for the token-login end-to-end test
# (tests/e2e/test_token.py makes its own throwaway cluster; the package's
# own cluster is not used); gettext for the translations, and locales
# (localedef) and tmux for the 80x24 screen tests; debootstrap for the tests
# in clean Debian roots, and systemd-container (systemd-nspawn) to boot one
# (tests/package/test_boot.sh).
#
# install-deps.sh --demo installs only what scripts/demo.sh needs: the
# compiler and autotools, the libraries the module links with, pam_wrapper
# and nss_wrapper, curl and openssl, Node.js and npm, and the test IdP's npm
# packages; none of the test tools. It prints that list first.
# Idempotent; needs root (or sudo).
set -eu

HERE=$(cd "$(dirname "$0")/.." && pwd)

# what scripts/demo.sh needs: build (scripts/build.sh), run the login through
# pam_wrapper/nss_wrapper (scripts/lib.sh), start the test IdP (tests/idp)
DEMO_PKGS="build-essential autoconf automake libtool pkg-config
 libpam0g-dev libcurl4-openssl-dev libssl-dev libjson-c-dev libqrencode-dev libcrypt-dev
 libpam-wrapper libnss-wrapper openssl curl ca-certificates"

PKGS="build-essential autoconf automake libtool pkg-config
 libpam0g-dev libcurl4-openssl-dev libssl-dev libjson-c-dev libqrencode-dev libcrypt-dev
 libcmocka-dev libpam-wrapper libpamtest0-dev libnss-wrapper
 zbar-tools openssl curl ca-certificates python3 valgrind clang-14 libclang-rt-14-dev
 openssh-server openssh-client sudo login python3-pexpect python3-paramiko chromium chromium-driver
 sshpass postgresql tmux gettext locales
 scdoc debhelper dh-nss dh-autoreconf dpkg-dev fakeroot lintian binutils time debootstrap
 systemd-container"
# the libraries of glewlwyd 2.7 (the package's Depends without its maintainer
# script tools) and the sqlite3 program that creates its database
GLEWLWYD_LIBS="libc6 libcbor0.8 libconfig9 libcrypt1 libgnutls30 libhoel1.4 libiddawc1.1
 libjansson4 libldap-2.5-0 libnettle8 liboath0 liborcania2.3 librhonabwy1.1 libulfius2.7
 libyder2.0 zlib1g sqlite3"
PKGS="$PKGS $GLEWLWYD_LIBS"
if [ "${1:-}" = --demo ]; then
    PKGS=$DEMO_PKGS
    echo "install-deps: the demo needs (Debian packages, installed when missing):" $PKGS nodejs npm
    echo "install-deps: and the test IdP's npm packages (tests/idp/package-lock.json)"
fi

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
[ "${1:-}" = --demo ] && exit 0
# glewlwyd's package is fetched with apt and unpacked, not installed: its
# maintainer scripts would enable and start a system service (see
# tests/op2/README.md). A stale package list gets one refresh.
if ! sh "$HERE/tests/op2/install.sh"; then
    $SUDO apt-get update -q
    sh "$HERE/tests/op2/install.sh"
fi
