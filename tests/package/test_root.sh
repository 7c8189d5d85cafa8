#!/bin/sh
# test_root.sh - the Debian package on a clean Debian 12, the way an
# administrator uses it (and what piuparts checks): in a throwaway minbase
# root made with debootstrap,
#   1. "apt-get install ./libpam-oauth2_*.deb" pulls in runtime libraries
#      only (no compiler, no -dev package, no Node.js) and enables nothing;
#   2. the files are where and as they should be (module, helper 0755 root
#      not set-uid, conffile 0600, pam-auth-update profile, man pages, the
#      examples: sample configuration and sshd drop-in);
#   3. "pam-oauth2 check" passes against the bundled test IdP with the
#      packaged helper (the configuration names no helper);
#   4. "pam-auth-update --enable oauth2" puts pam_oauth2 after pam_unix into
#      the root's /etc/pam.d/common-auth and into common-account;
#   5. a real login through that common-auth stack (pamtester) succeeds when
#      the IdP user alice approves for the account alice, and is refused when
#      alice approves for the account bob;
#   6. "apt-get remove" takes pam_oauth2 out of common-*, keeps the conffile;
#      "apt-get purge" leaves no file of the package, the root's file list
#      is what it was before the install, and common-* are as before.
# The test IdP runs outside the root on 127.0.0.1 (the root shares the
# network); everything else happens inside the root, in a private mount
# namespace. Nothing outside the temporary directory changes.
#
# Takes a few minutes, so "make check" does not run it; scripts/test.sh does,
# once per CI run. Needs root, debootstrap and network access to the Debian
# mirror this machine uses.
#   OA2_DEB=file.deb        test this package (else scripts/build-deb.sh builds one)
#   OA2_ROOT_CACHE=file     tarball of a base root, shared between runs (tests/lib/root.sh)
#   OA2_KEEP_ROOT=1         keep the temporary directory (printed) for inspection
# Prints "ok"/"not ok" lines and ends with "package-root: N passed, N failed".
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/root.sh
. "$TOP/tests/lib/root.sh"

TAP_NAME=package-root
# shellcheck source=../lib/tap.sh
. "$TOP/tests/lib/tap.sh"
# in_root "description" script: check, with the script run inside the root
in_root() {
    check "$1" root_sh "$R" "$2"
}

TAP_T0=$(date +%s)
root_workdir "$TAP_NAME"
IDP=$WORK/idp
root_on_exit() {
    [ -n "${APPROVER:-}" ] && kill "$APPROVER" 2>/dev/null
    sh "$TOP/tests/idp/idp.sh" stop "$IDP" >/dev/null 2>&1
}

# ---- the package ---------------------------------------------------------------
if [ -n "${OA2_DEB:-}" ]; then
    DEB=$OA2_DEB
else
    t=$(date +%s)
    if (sh "$TOP/scripts/build-deb.sh" "$WORK/deb") >"$WORK/build.log" 2>&1; then
        ok "scripts/build-deb.sh builds the package ($(($(date +%s) - t)) s)"
    else
        notok "scripts/build-deb.sh builds the package" "$(cat "$WORK/build.log")"
        finish
    fi
    DEB=$(ls "$WORK"/deb/libpam-oauth2_*.deb | head -n 1)
fi
[ -f "$DEB" ] || { notok "package $DEB exists"; finish; }
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# ---- the root --------------------------------------------------------------------
root_begin "$TAP_NAME"
# A PAM test client and two local accounts, before the package: the file
# list taken next is what purge must return to.
in_root "apt-get update; pamtester installed; accounts alice and bob" '
    apt-get update -q >/tmp/apt-update.log 2>&1 || { cat /tmp/apt-update.log; exit 1; }
    apt-get install -y -q --no-install-recommends pamtester >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
    useradd -m -u 1001 alice && useradd -m -u 1002 bob
    printf "@include common-auth\n@include common-account\n" > /etc/pam.d/oa2-test
    rm -f /tmp/apt-update.log /tmp/apt.log' || finish

# The file list, with owners and modes, outside the package manager's own
# state, logs and caches (and the test's /tmp)
snapshot() {
    root_sh "$R" 'find / -xdev \( -path /proc -o -path /dev -o -path /tmp -o -path /var/lib/dpkg \
        -o -path /var/lib/apt -o -path /var/cache/apt -o -path /var/cache/debconf -o -path /var/log \
        -o -path /var/cache/ldconfig -o -path /run \) -prune -o -printf "%p %u:%g %m\n" | sort' > "$1"
}
snapshot "$WORK/files.before"
cp "$R/etc/pam.d/common-auth" "$WORK/common-auth.before"
cp "$R/etc/pam.d/common-account" "$WORK/common-account.before"
root_sh "$R" 'dpkg-query -W -f="\${Package}\n" | sort' > "$WORK/pkgs.before"

# ---- 1. install ------------------------------------------------------------------------
cp "$DEB" "$R/tmp/"
debname=$(basename "$DEB")
t=$(date +%s)
in_root "apt-get install ./$debname" "apt-get install -y -q /tmp/$debname >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }"
echo "# install took $(($(date +%s) - t)) s"
root_sh "$R" 'dpkg-query -W -f="\${Package}\n" | sort' > "$WORK/pkgs.after"
new=$(comm -13 "$WORK/pkgs.before" "$WORK/pkgs.after" | tr '\n' ' ')
echo "# installed: $new"
bad=$(printf '%s\n' $new | grep -E -- '-dev$|^(gcc|cpp|g\+\+|make|build-essential|autoconf|automake|libtool|nodejs|npm|python3|cmocka|libcmocka)' || true)
if [ -z "$bad" ]; then
    ok "runtime dependencies only (no compiler, -dev package, Node.js or Python)"
else
    notok "runtime dependencies only (no compiler, -dev package, Node.js or Python)" "$bad"
fi
check "common-auth unchanged by the install (the profile is Default: no)" \
    cmp "$WORK/common-auth.before" "$R/etc/pam.d/common-auth"

# ---- 2. files ----------------------------------------------------------------------------
in_root "dpkg says libpam-oauth2 is installed" \
    'dpkg-query -W -f="\${Status}" libpam-oauth2 | grep -qx "install ok installed"'
in_root "module at /lib/$MA/security/pam_oauth2.so, root-owned, not writable by others" "
    f=/lib/$MA/security/pam_oauth2.so; test -f \$f; stat -c '%U:%G %a' \$f | grep -qx 'root:root 644'"
in_root "helper /usr/libexec/pam_oauth2/pam_oauth2_helper: 0755 root:root, not set-uid" '
    stat -c "%U:%G %a %F" /usr/libexec/pam_oauth2/pam_oauth2_helper | grep -qx "root:root 755 regular file"'
in_root "pam-oauth2 in /usr/sbin runs (--version)" 'pam-oauth2 --version'
in_root "/etc/security/pam_oauth2.conf: conffile, 0600 root:root, nothing set" '
    stat -c "%U:%G %a" /etc/security/pam_oauth2.conf | grep -qx "root:root 600"
    grep -qx /etc/security/pam_oauth2.conf /var/lib/dpkg/info/libpam-oauth2.conffiles
    ! grep -Ev "^[[:space:]]*(#|\$)" /etc/security/pam_oauth2.conf'
in_root "pam-auth-update profile /usr/share/pam-configs/oauth2" 'test -f /usr/share/pam-configs/oauth2'
in_root "man pages pam_oauth2(8), pam_oauth2.conf(5), pam-oauth2(8)" '
    for p in man8/pam_oauth2.8.gz man5/pam_oauth2.conf.5.gz man8/pam-oauth2.8.gz; do test -f /usr/share/man/$p; done'
in_root "examples: sample configuration and sshd drop-in" '
    d=/usr/share/doc/libpam-oauth2/examples
    test -f $d/pam_oauth2.conf && test -f $d/sshd_config.d/pam_oauth2.conf'
in_root "pam-oauth2 check refuses the unfilled configuration (issuer missing)" '
    out=$(pam-oauth2 check 2>&1) && exit 1; echo "$out" | grep -q "required key .issuer. is missing"'

# ---- 3. configuration against the test IdP, pam-oauth2 check ------------------------
if out=$(sh "$TOP/tests/idp/idp.sh" start "$IDP" --interval 1 2>&1); then
    ok "test IdP started on 127.0.0.1 (outside the root)"
else
    notok "test IdP started on 127.0.0.1 (outside the root)" "$out"
    finish
fi
# shellcheck disable=SC1091
. "$IDP/idp.env"
cp "$IDP_CA" "$R/etc/security/oa2-test-ca.pem"
cat > "$R/etc/security/pam_oauth2.conf" <<EOF
# written by tests/package/test_root.sh
issuer = $IDP_ISSUER
client_id = pam-public     # the test IdP's public client
ca_file = /etc/security/oa2-test-ca.pem
device_timeout = 60
EOF
in_root "pam-oauth2 check passes with the packaged helper" 'pam-oauth2 check'

# ---- 4. pam-auth-update ---------------------------------------------------------------
in_root "pam-auth-update --enable oauth2" 'pam-auth-update --enable oauth2'
check "common-auth: pam_unix, then pam_oauth2 (try_first_pass), then the rest" python3 - "$R/etc/pam.d/common-auth" <<'EOF'
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.lstrip().startswith("#")]
mods = [next((t for t in l if t.endswith(".so")), "") for l in lines]
assert "pam_oauth2.so" in mods, "pam_oauth2.so not in common-auth: %r" % mods
assert mods.index("pam_unix.so") < mods.index("pam_oauth2.so"), "pam_oauth2 before pam_unix: %r" % mods
line = lines[mods.index("pam_oauth2.so")]
assert "try_first_pass" in line, "no try_first_pass: %r" % line
assert line[1].startswith("[success="), "pam_oauth2 is not a primary module: %r" % line
EOF
check "common-account names pam_oauth2.so" grep -q 'pam_oauth2\.so' "$R/etc/pam.d/common-account"

# ---- 5. real logins through common-auth --------------------------------------------------
# login ACCOUNT APPROVER: pamtester on service oa2-test (common-auth and
# common-account); pam_unix asks for a password first (an empty line), then
# pam_oauth2 shows the device code, which APPROVER approves at the IdP.
login() {
    (. "$TOP/scripts/lib.sh" && approve_next "$WORK" "$2" 1 >/dev/null) &
    APPROVER=$!
    out=$(echo | root_run "$R" pamtester -v oa2-test "$1" authenticate acct_mgmt 2>&1)
    rc=$?
    wait "$APPROVER" 2>/dev/null
    approved=$?
    APPROVER=""
    printf '%s\napproved: %s\n' "$out" "$approved"
    return $rc
}
t=$(date +%s)
out=$(login alice alice)
if [ $? -eq 0 ] && printf '%s\n' "$out" | grep -q "successfully authenticated" &&
    printf '%s\n' "$out" | grep -q "and enter the code" && printf '%s\n' "$out" | grep -qx "approved: 0"; then
    ok "login through common-auth: alice approved by the IdP user alice ($(($(date +%s) - t)) s)"
else
    notok "login through common-auth: alice approved by the IdP user alice" "$out"
fi
out=$(login bob alice)
if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q "Authentication failure" &&
    printf '%s\n' "$out" | grep -qx "approved: 0"; then
    ok "login refused: account bob approved by the IdP user alice"
else
    notok "login refused: account bob approved by the IdP user alice" "$out"
fi
in_root "the module used the packaged helper and its cache (/var/cache/pam_oauth2, 0700)" '
    stat -c "%U %a" /var/cache/pam_oauth2 | grep -qx "root 700"'
sh "$TOP/tests/idp/idp.sh" stop "$IDP" >/dev/null 2>&1

# ---- 6. remove, purge -------------------------------------------------------------------
in_root "apt-get remove libpam-oauth2" 'apt-get remove -y -q libpam-oauth2 >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }'
check "after remove: common-auth no longer names pam_oauth2" \
    sh -c '! grep -q pam_oauth2 "$1/etc/pam.d/common-auth" "$1/etc/pam.d/common-account"' sh "$R"
in_root "after remove: the module is gone, the conffile stays" "
    test ! -e /lib/$MA/security/pam_oauth2.so && test -f /etc/security/pam_oauth2.conf"
in_root "apt-get purge libpam-oauth2" 'apt-get purge -y -q libpam-oauth2 >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }'
in_root "after purge: dpkg knows no libpam-oauth2" '! dpkg-query -W -f="\${Status}" libpam-oauth2 2>/dev/null | grep -q installed'
rm -f "$R/etc/security/oa2-test-ca.pem" # the test's own file
in_root "after purge: no file named *oauth2* left (conffile, cache, offline data, profile)" '
    left=$(find / -xdev \( -path /proc -o -path /tmp \) -prune -o -name "*oauth2*" -print)
    [ -z "$left" ] || { echo "$left"; exit 1; }'
snapshot "$WORK/files.after"
# the runtime libraries the package pulled in stay (apt autoremove is the
# administrator's call): compare without them
for p in $new; do
    [ "$p" = libpam-oauth2 ] && continue
    root_sh "$R" "dpkg-query -L $p 2>/dev/null" || true
done | sed 's/$/ /' > "$WORK/deps.files"
diffs=$(diff "$WORK/files.before" "$WORK/files.after" | grep '^[<>]' | grep -v -F -f "$WORK/deps.files" |
    grep -v -E '^> /(etc/ssl/certs|usr/share/ca-certificates|etc/ca-certificates|usr/local/share/ca-certificates|etc/ld.so.cache|usr/lib/ssl|etc/ssl)' || true)
if [ -z "$diffs" ]; then
    ok "after purge: the root's files are as before the install (but for the dependencies' own)"
else
    notok "after purge: the root's files are as before the install (but for the dependencies' own)" "$diffs"
fi
check "after purge: common-auth as before the install" cmp "$WORK/common-auth.before" "$R/etc/pam.d/common-auth"
check "after purge: common-account as before the install" cmp "$WORK/common-account.before" "$R/etc/pam.d/common-account"

finish
