#!/bin/sh
# test_deb.sh - build the Debian package libpam-oauth2 and check what it
# installs, without installing it: the .deb is unpacked with "dpkg -x" into a
# temporary directory, so the machine's PAM configuration is never touched.
#
# Opt-in (a package build takes a while):
#   OA2_TEST_PACKAGE=1 sh tests/package/test_deb.sh      build, then check
#   OA2_DEB=/path/libpam-oauth2_X_amd64.deb sh tests/package/test_deb.sh
#                                                         check a given .deb
# Without either it exits 77 (automake's SKIP), so "make check" skips it
# unless run as "make check OA2_TEST_PACKAGE=1".
#
# The package is built with scripts/build-deb.sh, the recipe README gives
# ("dpkg-buildpackage -us -uc -b" in a copy of the source tree). Needs
# dpkg-dev, debhelper and the Build-Depends of debian/control (the script
# installs them when missing); lintian is used when installed. The package
# installed, used and purged in a clean Debian root: test_root.sh.
# Prints "ok"/"not ok" lines and ends with "package: N passed, N failed".
set -u

# The package build runs "make check" itself: never recurse into this test.
if [ -n "${OA2_IN_PACKAGE_BUILD:-}" ]; then
    echo "package test skipped: already inside a package build"
    exit 77
fi
if [ -z "${OA2_DEB:-}" ] && [ "${OA2_TEST_PACKAGE:-0}" != 1 ]; then
    echo "package test skipped: set OA2_TEST_PACKAGE=1 (or OA2_DEB=file.deb) to run it"
    exit 77
fi

TOP=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oa2-pkg.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

TAP_NAME=package
# shellcheck source=../lib/tap.sh
. "$TOP/tests/lib/tap.sh"

# ---- build (or take the given package) -------------------------------------
if [ -n "${OA2_DEB:-}" ]; then
    DEB=$OA2_DEB
    [ -f "$DEB" ] || { notok "package $DEB exists"; finish; }
    CHANGES=""
else
    # the documented build recipe (README "Install on a server")
    start=$(date +%s)
    if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh "$TOP/scripts/build-deb.sh" "$WORK" >"$WORK/build-deb.log" 2>&1; then
        ok "scripts/build-deb.sh ($(($(date +%s) - start)) s)"
    else
        notok "scripts/build-deb.sh" "$(tail -n 25 "$WORK/build-deb.log")"
        finish
    fi
    DEB=$(ls "$WORK"/libpam-oauth2_*.deb 2>/dev/null | head -n 1)
    CHANGES=$(ls "$WORK"/libpam-oauth2_*.changes 2>/dev/null | head -n 1)
    [ -n "$DEB" ] || { notok "the build produced libpam-oauth2_*.deb"; finish; }
    # scripts/test.sh hands the package on to test_root.sh
    if [ -n "${OA2_DEB_OUT:-}" ] && [ -d "$OA2_DEB_OUT" ]; then
        cp "$DEB" "$OA2_DEB_OUT/"
    fi
fi

# ---- unpack into a throwaway root -------------------------------------------
ROOT="$WORK/root"
CTRL="$WORK/control"
mkdir -p "$ROOT" "$CTRL"
check "dpkg -x unpacks the package" dpkg -x "$DEB" "$ROOT"
check "dpkg -e unpacks the control area" dpkg -e "$DEB" "$CTRL"
ARCH=$(dpkg-deb -f "$DEB" Architecture)
MA=$(dpkg-architecture -a "$ARCH" -qDEB_HOST_MULTIARCH 2>/dev/null)
LISTING=$(dpkg-deb -c "$DEB")

# ---- the module ---------------------------------------------------------------
SO="$ROOT/lib/$MA/security/pam_oauth2.so"
check "module at /lib/$MA/security/pam_oauth2.so" test -f "$SO"
check "diagnostic command at /usr/sbin/pam-oauth2" test -x "$ROOT/usr/sbin/pam-oauth2"
helper_line=$(printf '%s\n' "$LISTING" | grep ' \./usr/libexec/pam_oauth2/pam_oauth2_helper$')
case $helper_line in
    "-rwxr-xr-x root/root "*) ok "helper at /usr/libexec/pam_oauth2/pam_oauth2_helper, 0755 root:root, not set-uid" ;;
    *) notok "helper at /usr/libexec/pam_oauth2/pam_oauth2_helper, 0755 root:root, not set-uid" "got: ${helper_line:-missing}" ;;
esac
check "the module starts the packaged helper (its path is compiled in)" \
    grep -q /usr/libexec/pam_oauth2/pam_oauth2_helper "$SO"
check "no libtool .la file shipped" sh -c "! printf '%s\n' \"\$1\" | grep -q '\\.la\$'" sh "$LISTING"

check "module loads (dlopen) and has pam_sm_authenticate and pam_sm_acct_mgmt" \
    python3 - "$SO" <<'EOF'
import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)
for name in ("pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt"):
    getattr(lib, name)
EOF

if command -v nm >/dev/null 2>&1; then
    extra=$(nm -D --defined-only "$SO" | awk 'NF >= 3 { print $3 }' | grep -v '^pam_sm_')
    if [ -z "$extra" ]; then
        ok "only pam_sm_* symbols are exported"
    else
        notok "only pam_sm_* symbols are exported" "also exported: $extra"
    fi
    # The version script names exactly what the module defines: a name
    # listed there but not defined (a PAM entry point the module does not
    # implement) is silently dropped by the linker and misleads readers.
    listed=$(sed -n 's/^[[:space:]]*\(pam_sm_[a-z_]*\);.*/\1/p' "$TOP/src/module/pam_oauth2.map" | sort)
    defined=$(nm -D --defined-only "$SO" | awk 'NF >= 3 && $3 ~ /^pam_sm_/ { print $3 }' | sort)
    if [ "$listed" = "$defined" ]; then
        ok "src/module/pam_oauth2.map lists exactly the exported pam_sm_* symbols"
    else
        notok "src/module/pam_oauth2.map lists exactly the exported pam_sm_* symbols" \
            "listed: $(echo $listed); defined: $(echo $defined)"
    fi
else
    notok "only pam_sm_* symbols are exported" "nm not found (binutils)"
fi

# ---- configuration: root-only conffile ----------------------------------------
conf_line=$(printf '%s\n' "$LISTING" | grep ' \./etc/security/pam_oauth2.conf$')
case $conf_line in
    "-rw------- root/root "*) ok "/etc/security/pam_oauth2.conf is 0600 root:root" ;;
    *) notok "/etc/security/pam_oauth2.conf is 0600 root:root" "got: ${conf_line:-missing}" ;;
esac
check "/etc/security/pam_oauth2.conf is a conffile" \
    grep -qx /etc/security/pam_oauth2.conf "$CTRL/conffiles"
check "example config sets nothing (every key commented out)" \
    sh -c "! grep -Ev '^[[:space:]]*(#|\$)' \"\$1\"" sh "$ROOT/etc/security/pam_oauth2.conf"

# ---- pam-auth-update profile ----------------------------------------------------
PROFILE="$ROOT/usr/share/pam-configs/oauth2"
check "pam-auth-update profile present" test -f "$PROFILE"
check "profile parses: Name, Default: no, Priority, Auth and Account with pam_oauth2.so" \
    python3 - "$PROFILE" <<'EOF'
import re, sys
fields, cur = {}, None
for raw in open(sys.argv[1]):
    # pam-auth-update's own pattern, applied (like Perl) to the line with its
    # newline, so "Auth:" alone on a line starts a field.
    m = re.match(r"^(\S+):\s+(.*?)\s*$", raw)
    line = raw.rstrip("\n")
    if m:
        cur = m.group(1)
        fields[cur] = m.group(2)
    elif line.strip():
        assert cur is not None, "text before the first field: %r" % line
        assert line[0] in " \t", "continuation line not indented: %r" % line
        fields[cur] = (fields[cur] + "\n" + line.strip()).strip()
for k in ("Name", "Default", "Priority", "Auth-Type", "Auth", "Account-Type", "Account"):
    assert fields.get(k), "field %s missing or empty" % k
assert fields["Default"] == "no", "Default is %r, want no" % fields["Default"]
prio = int(fields["Priority"])
assert 0 < prio < 256, "Priority %d is not below pam_unix (256)" % prio
assert fields["Auth-Type"] in ("Primary", "Additional")
assert fields["Account-Type"] in ("Primary", "Additional")
for k in ("Auth", "Account", "Auth-Initial"):
    if k in fields:
        assert "pam_oauth2.so" in fields[k], "%s does not name pam_oauth2.so" % k
EOF
check "prerm removes the profile from common-* (pam-auth-update --remove oauth2)" \
    grep -q 'pam-auth-update --package --remove oauth2' "$CTRL/prerm"
check "postinst runs pam-auth-update --package" grep -q 'pam-auth-update --package' "$CTRL/postinst"

# ---- the boot unit: pam-oauth2 accounts sync before ssh.service ----------------
UNIT="$ROOT/lib/systemd/system/pam-oauth2-sync.service"
check "boot unit lib/systemd/system/pam-oauth2-sync.service present" test -f "$UNIT"
check "boot unit runs the packaged 'pam-oauth2 accounts sync --if-enabled', oneshot, before ssh.service" \
    sh -c 'grep -qx "ExecStart=/usr/sbin/pam-oauth2 accounts sync --if-enabled" "$1" &&
           grep -qx "Type=oneshot" "$1" && grep -q "^Before=.*ssh.service" "$1" &&
           grep -qx "WantedBy=multi-user.target" "$1" && test -x "$2/usr/sbin/pam-oauth2"' \
    sh "$UNIT" "$ROOT"
check "postinst enables the boot unit (dh_installsystemd)" \
    grep -q "deb-systemd-helper .*pam-oauth2-sync.service" "$CTRL/postinst"
check "postrm purges the boot unit's enablement" \
    sh -c 'grep -q "deb-systemd-helper purge .*pam-oauth2-sync.service" "$1"' sh "$CTRL/postrm"
# systemd-analyze verify works offline (no running systemd needed; systemd
# 252 here). It checks that ExecStart's program exists on this machine, so
# it reads a copy whose ExecStart is the unpacked program; the man page is
# in the package, not installed here (checked below), hence --man=no. It
# exits 0 on warnings (an unknown key, a bad Type), so any output fails.
if command -v systemd-analyze >/dev/null 2>&1; then
    sed "s|^ExecStart=/usr/sbin/|ExecStart=$ROOT/usr/sbin/|" "$UNIT" > "$WORK/pam-oauth2-sync.service"
    verify() { _v=$(cd "$WORK" && systemd-analyze verify --man=no "$1" 2>&1) && [ -z "$_v" ] || {
        printf '%s\n' "$_v"; return 1; }; }
    check "systemd-analyze verify: the boot unit has no error and no warning" \
        verify "$WORK/pam-oauth2-sync.service"
    sed 's/^Type=oneshot/Type=oneshoot/' "$WORK/pam-oauth2-sync.service" > "$WORK/broken.service"
    if verify "$WORK/broken.service" >/dev/null; then
        notok "systemd-analyze verify: a broken copy (Type=oneshoot) is caught"
    else ok "systemd-analyze verify: a broken copy (Type=oneshoot) is caught"; fi
else
    echo "# systemd-analyze not installed: the boot unit's verify skipped"
fi

# ---- man pages and docs -----------------------------------------------------------
# pam_oauth2(8) and pam_oauth2.conf(5) for the module, pam-oauth2(8) for the
# diagnostic command in /usr/sbin (lintian: no-manual-page without it).
for page in man8/pam_oauth2.8.gz man8/pam-oauth2.8.gz man5/pam_oauth2.conf.5.gz; do
    f="$ROOT/usr/share/man/$page"
    check "man page $page present" test -f "$f"
    if [ -f "$f" ] && command -v man >/dev/null 2>&1; then
        warn=$(MANWIDTH=80 man -l "$f" 2>&1 >/dev/null)
        if [ -z "$warn" ]; then ok "man -l $page renders without warnings"; else notok "man -l $page renders without warnings" "$warn"; fi
    fi
done
for ex in examples/pam_oauth2.conf examples/sshd_config.d/pam_oauth2.conf; do
    check "example $ex present" test -f "$ROOT/usr/share/doc/libpam-oauth2/$ex"
done
for doc in copyright README.Debian README.md; do
    d="$ROOT/usr/share/doc/libpam-oauth2/$doc"
    check "doc $doc present" sh -c 'test -f "$1" || test -f "$1.gz"' sh "$d"
done
# Every guide of docs/ is installed as docs/NAME.md (uncompressed), so that
# README's links work where it is installed; doc_links.py resolves every
# link of every installed .md file against the installed files.
for doc in "$TOP"/docs/*.md; do
    check "guide docs/$(basename "$doc") installed, uncompressed" \
        test -f "$ROOT/usr/share/doc/libpam-oauth2/docs/$(basename "$doc")"
done
check "the installed documentation's links resolve against the installed files" \
    python3 "$TOP/tests/package/doc_links.py" "$ROOT/usr/share/doc/libpam-oauth2" "$TOP/README.md"
# every installed path the documentation names exists in the package
named=$(cat "$TOP"/README.md "$TOP"/docs/*.md "$TOP"/docs/*.scd "$TOP"/debian/README.Debian \
    "$TOP"/debian/conf/pam_oauth2.conf | grep -o '/usr/share/doc/libpam-oauth2/[A-Za-z0-9._/-]*' |
    sed 's/[._]*$//' | sort -u)
missing=$(for p in $named; do [ -e "$ROOT$p" ] || echo "$p"; done)
if [ -n "$named" ] && [ -z "$missing" ]; then
    ok "every /usr/share/doc/libpam-oauth2/... path the docs name is in the package ($(echo $named | wc -w))"
else
    notok "every /usr/share/doc/libpam-oauth2/... path the docs name is in the package" "missing: $missing"
fi
# the same check on a copy with one link broken must fail
cp -R "$ROOT/usr/share/doc/libpam-oauth2" "$WORK/doc-broken"
echo "[gone](docs/no-such-guide.md)" >> "$WORK/doc-broken/README.md"
if python3 "$TOP/tests/package/doc_links.py" "$WORK/doc-broken" >/dev/null 2>&1; then
    notok "negative: a link to a file that is not installed is found"
else
    ok "negative: a link to a file that is not installed is found"
fi

# ---- lintian --------------------------------------------------------------------------
if command -v lintian >/dev/null 2>&1; then
    target=${CHANGES:-$DEB}
    lout=$(lintian "$target" 2>&1)
    bad=$(printf '%s\n' "$lout" | grep -E '^(E|W): ')
    if [ -z "$bad" ]; then
        ok "lintian: no errors or warnings that are not overridden"
    else
        notok "lintian: no errors or warnings that are not overridden" "$bad"
    fi
else
    echo "# lintian not installed: lintian check skipped"
fi

finish
