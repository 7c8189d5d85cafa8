#!/bin/sh
# install.sh - put Debian's glewlwyd (the second, independent OpenID Provider
# of the tests) into tests/op2/glewlwyd/ without installing the package.
#
# "apt-get install glewlwyd" would run the package's maintainer scripts: they
# ask debconf questions, create a system user, write /etc/glewlwyd and enable
# and start a glewlwyd service that listens on all interfaces. The tests need
# none of that: they run the binary themselves with their own configuration,
# database, certificate and port on 127.0.0.1 (op2.sh). So this script fetches
# the package with apt (signed archive, checked by apt) and only unpacks its
# files here. Its shared libraries are ordinary packages that
# scripts/install-deps.sh installs with apt.
#
# Idempotent: nothing happens when the unpacked version is the candidate
# version. Needs apt-get and dpkg-deb (Debian 12).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
DEST=$HERE/glewlwyd
PKG=glewlwyd

command -v apt-get >/dev/null 2>&1 || { echo "op2/install.sh: apt-get is missing" >&2; exit 1; }
command -v dpkg-deb >/dev/null 2>&1 || { echo "op2/install.sh: dpkg-deb is missing" >&2; exit 1; }

want=$(apt-cache policy "$PKG" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
if [ -z "$want" ] || [ "$want" = "(none)" ]; then
    echo "op2/install.sh: apt knows no $PKG package (run apt-get update)" >&2
    exit 1
fi
if [ -x "$DEST/usr/bin/glewlwyd" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$want" ]; then
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/op2-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
# apt drops privileges to _apt for downloads; let it write here.
chmod 0755 "$WORK"
if id _apt >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    chown _apt "$WORK"
fi
(cd "$WORK" && apt-get download -q "$PKG=$want" >&2)
deb=$(ls "$WORK"/"$PKG"_*.deb)
rm -rf "$DEST.new"
mkdir -p "$DEST.new"
dpkg-deb -x "$deb" "$DEST.new"
echo "$want" > "$DEST.new/VERSION"
rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "op2/install.sh: unpacked $PKG $want into $DEST" >&2
