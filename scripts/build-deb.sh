#!/bin/sh
# build-deb.sh [OUTDIR] - build the Debian package libpam-oauth2 and put
# libpam-oauth2_VERSION_ARCH.deb into OUTDIR (default: the top of the tree).
#
# Installs only what the package build needs (debian/control's
# Build-Depends, dpkg-dev and build-essential, with apt) when something is
# missing; none of the test tools. The build runs "dpkg-buildpackage -us -uc
# -b" in a temporary copy of the source tree, so the tree's own build (if
# any) is left alone. Unit tests run during the build unless
# DEB_BUILD_OPTIONS=nocheck. When the build fails, the end of the build log
# and the log of every failed test are printed, and kept in OUTDIR
# (build.log, build-logs/). Needs root (or sudo) only to install packages.
#
# Then, on the server:  apt install ./libpam-oauth2_*.deb
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$TOP}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# dpkg-checkbuilddeps (dpkg-dev) tells what debian/control still needs.
if ! command -v dpkg-checkbuilddeps >/dev/null 2>&1 ||
    ! (cd "$TOP" && dpkg-checkbuilddeps) >/dev/null 2>&1 ||
    ! dpkg-query -W -f='${Status}' build-essential 2>/dev/null | grep -q "install ok installed"; then
    echo "build-deb: installing the build dependencies of debian/control"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
        build-essential dpkg-dev
    # "apt-get build-dep DIR" reads DIR/debian/control.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -q --no-install-recommends "$TOP"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/oa2-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
SRC=$WORK/libpam-oauth2
mkdir -p "$SRC"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files plus new, not ignored ones: the sources, not build output.
    (cd "$TOP" && git ls-files -co --exclude-standard -z) |
        (cd "$TOP" && tar --null --no-recursion -T - -cf -) | tar -xf - -C "$SRC"
else
    (cd "$TOP" && tar --exclude=node_modules -cf - .) | tar -xf - -C "$SRC"
fi

echo "build-deb: dpkg-buildpackage -us -uc -b (log: build.log in $OUT on failure)"
rm -rf "$OUT/build-logs"
# A clean environment for the build's own make: under "make VAR=..." the
# outer make's MAKEFLAGS would override the variables debian/rules passes.
if ! (cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u OA2_TEST_PACKAGE \
    OA2_IN_PACKAGE_BUILD=1 dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
    cp "$WORK/build.log" "$OUT/build.log"
    tail -n 25 "$WORK/build.log" >&2
    # The logs of the failed tests name the cause; they go with the
    # temporary tree, so they are shown here and kept next to build.log.
    for trs in $(cd "$SRC" && find tests -name '*.trs' 2>/dev/null | sort); do
        grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$SRC/$trs" || continue
        log=${trs%.trs}.log
        echo "build-deb: ---- $log (last 60 lines) ----" >&2
        tail -n 60 "$SRC/$log" >&2
        mkdir -p "$OUT/build-logs/$(dirname "$log")"
        cp "$SRC/$log" "$OUT/build-logs/$log"
    done
    echo "build-deb: the package build failed (build.log; failed tests' logs in build-logs/)" >&2
    exit 1
fi
for f in "$WORK"/libpam-oauth2_*.deb "$WORK"/libpam-oauth2_*.changes "$WORK"/libpam-oauth2_*.buildinfo; do
    [ -f "$f" ] && cp "$f" "$OUT/"
done
ls "$OUT"/libpam-oauth2_*.deb
