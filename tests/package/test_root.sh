#!/bin/sh
# test_root.sh - README's "Install on a server", followed to the letter in
# clean Debian 12 roots (throwaway minbase roots made with debootstrap; one
# debootstrap, kept as a tarball, gives both):
#   0. the build root: a copy of the source tree runs "sh scripts/build-deb.sh"
#      (which installs the build dependencies with apt and runs the unit
#      tests in the package build) and leaves libpam-oauth2_*.deb at the top
#      of the tree;
#   1. the server root, with openssh-server, sudo and libnss-systemd (an
#      ordinary Debian 12 server: systemd's NSS module is in its default
#      nsswitch.conf):
#      "apt-get install ./libpam-oauth2_*.deb" pulls in runtime libraries
#      only (no compiler, no -dev package, no Node.js) and enables nothing;
#   2. the files are where and as they should be (module, helper 0755 root
#      not set-uid, conffile 0600, pam-auth-update profile, man pages, the
#      examples, the guides README links to, with links that resolve);
#   3. README's configuration example (its values replaced by the test
#      IdP's, its ca_file line uncommented) passes "pam-oauth2 check";
#   4. "pam-auth-update --enable oauth2" puts pam_oauth2 after pam_unix into
#      common-auth and into common-account; the sshd drop-in is copied from
#      the package and README's /etc/pam.d/sudo from README, as README says;
#   5. real logins with the OpenSSH client against the root's sshd: with a
#      key (still works, for alice and for root); through the IdP (pam_unix's
#      "Password:" first, as README shows, then the device code); alice's
#      account approved by the IdP user alice succeeds, bob's is refused;
#      in that ssh session "sudo" asks the IdP once (one device code) and
#      runs as root; with README's "AuthenticationMethods
#      publickey,keyboard-interactive" a key alone is refused and a key plus
#      the IdP login succeeds;
#   5b. accounts = create as README says: postinst made /etc/userdb (0755)
#      and the registry's directory (0700), both root's; "pam-oauth2
#      accounts sync" reads sshd's LoginGraceTime (sshd -T); the IdP user
#      fleet01, unknown to the root, logs in over ssh in one connection and
#      gets a UID from uid_range, her records and a 0700 home
#      (pam_mkhomedir in /etc/pam.d/sshd, as README shows);
#   6. "apt-get remove" takes pam_oauth2 out of common-*, keeps the conffile
#      and names /etc/pam.d/sudo (edited by hand, still using the module);
#      "apt-get purge" names it too and leaves no file of the package: once
#      the administrator's own files (the drop-in, /etc/pam.d/sudo) are put
#      back, the root's file list is what it was before the install, but for
#      what purge keeps and says it keeps: the registry of created accounts,
#      their records in /etc/userdb and their homes (fleet01 still resolves,
#      her home still hers).
# The test IdP and the ssh client run outside the roots on 127.0.0.1 (the
# roots share the network); everything else happens inside them, in private
# mount namespaces. Nothing outside the temporary directory changes.
#
# Takes minutes, so "make check" does not run it; scripts/test.sh does,
# once per CI run. Needs root, debootstrap, network access to the Debian
# mirror this machine uses, ssh and python3-pexpect.
#   OA2_DEB=file.deb        test this package instead of building one in a root
#   OA2_DEB_OUT=DIR         copy the package built in the root there (scripts/test.sh)
#   OA2_ROOT_CACHE=file     tarball of a base root, shared between runs (tests/lib/root.sh)
#   OA2_KEEP_ROOT=1         keep the temporary directory (printed) for inspection
# Prints "ok"/"not ok" lines (with the time of each step) and ends with
# "package-root: N passed, N failed".
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
# since T0: seconds since the step began
since() { echo "$(($(date +%s) - $1)) s"; }
# new_root DIR LABEL: a minbase Debian 12 root in DIR, reported (and timed)
new_root() {
    _t=$(date +%s)
    if _out=$(root_make "$1" 2>&1); then
        ok "$2: a minbase Debian 12 root ($(since "$_t"))"
    else
        notok "$2: a minbase Debian 12 root" "$_out"
        finish
    fi
}

TAP_T0=$(date +%s)
root_workdir "$TAP_NAME"
IDP=$WORK/idp
B=$WORK/build-root
# one debootstrap for both roots
[ -n "${OA2_ROOT_CACHE:-}" ] || export OA2_ROOT_CACHE="$WORK/base-root.tar"
root_on_exit() {
    [ -n "${SERVER_PREP:-}" ] && wait "$SERVER_PREP"
    [ -f "$R/run/sshd.pid" ] && kill "$(cat "$R/run/sshd.pid")" 2>/dev/null
    sh "$TOP/tests/idp/idp.sh" stop "$IDP" >/dev/null 2>&1
    [ -d "$B" ] && root_remove "$B"
}

# server_root: the server root, an ordinary server before the package:
# sshd, sudo, two accounts (alice may sudo). Made while the package builds
# (apt waits on the network, the build on the CPU).
server_root() {
    _t=$(date +%s)
    root_make "$R" && root_sh "$R" '
    apt-get update -q >/tmp/apt-update.log 2>&1 || { cat /tmp/apt-update.log; exit 1; }
    apt-get install -y -q --no-install-recommends openssh-server sudo libnss-systemd >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
    useradd -m -u 1001 -s /bin/sh -G sudo alice && useradd -m -u 1002 -s /bin/sh bob
    for h in /root /home/alice; do mkdir -p $h/.ssh; done
    rm -f /tmp/apt-update.log /tmp/apt.log' && since "$_t" > "$WORK/server-root.time"
}

# ---- 0. the package, built in a clean root as README says ---------------------------
if [ -n "${OA2_DEB:-}" ]; then
    DEB=$OA2_DEB
    server_root > "$WORK/server-root.log" 2>&1 &
    SERVER_PREP=$!
else
    new_root "$B" "the build root"   # the first root: makes the base tarball
    server_root > "$WORK/server-root.log" 2>&1 &
    SERVER_PREP=$!
    root_copy_tree "$TOP" "$B"
    t=$(date +%s)
    out=$(root_sh "$B" 'cd /src/pam_oauth2 && sh scripts/build-deb.sh 2>&1')
    rc=$?
    printf '%s\n' "$out" > "$WORK/build.log"
    if [ $rc -eq 0 ] && ls "$B"/src/pam_oauth2/libpam-oauth2_*.deb >/dev/null 2>&1; then
        ok "sh scripts/build-deb.sh in the build root: build dependencies, build, unit tests ($(since "$t"))"
    else
        notok "sh scripts/build-deb.sh in the build root (exit $rc, $(since "$t"))" "$out"
        finish
    fi
    mkdir -p "$WORK/deb"
    cp "$B"/src/pam_oauth2/libpam-oauth2_*.deb "$WORK/deb/"
    DEB=$(ls "$WORK"/deb/libpam-oauth2_*.deb | head -n 1)
    # scripts/test.sh hands it on to tests/package/test_deb.sh
    if [ -n "${OA2_DEB_OUT:-}" ] && [ -d "$OA2_DEB_OUT" ]; then
        cp "$DEB" "$OA2_DEB_OUT/"
    fi
    root_remove "$B"
fi
[ -f "$DEB" ] || { notok "package $DEB exists"; finish; }
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# ---- the server root --------------------------------------------------------------------
wait "$SERVER_PREP"
rc=$?
SERVER_PREP=
if [ $rc -eq 0 ]; then
    ok "the server root: minbase Debian 12, apt-get update, openssh-server and sudo, accounts alice and bob ($(cat "$WORK/server-root.time"), made while the package built)"
else
    notok "the server root: minbase Debian 12, apt-get update, openssh-server and sudo, accounts alice and bob" \
        "$(cat "$WORK/server-root.log")"
    finish
fi
# An SSH key for alice and root. The file list taken next is what purge
# must return to.
ssh-keygen -q -t ed25519 -N "" -C oa2-test -f "$WORK/key"
for h in root home/alice; do
    cp "$WORK/key.pub" "$R/$h/.ssh/authorized_keys"
done
root_sh "$R" 'chown -R alice:alice /home/alice/.ssh; chmod 700 /root/.ssh /home/alice/.ssh'
cp "$R/etc/pam.d/sudo" "$WORK/sudo.pam.before"

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
cp "$R/etc/nsswitch.conf" "$WORK/nsswitch.before"
root_sh "$R" 'dpkg-query -W -f="\${Package}\n" | sort' > "$WORK/pkgs.before"

# ---- 1. install ------------------------------------------------------------------------
cp "$DEB" "$R/tmp/"
debname=$(basename "$DEB")
t=$(date +%s)
in_root "apt-get install ./$debname" "apt-get install -y -q /tmp/$debname >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }"
echo "# install took $(since "$t")"
root_sh "$R" 'dpkg-query -W -f="\${Package}\n" | sort' > "$WORK/pkgs.after"
new=$(comm -13 "$WORK/pkgs.before" "$WORK/pkgs.after" | tr '\n' ' ')
echo "# installed: $new"
bad=$(printf '%s\n' $new | grep -E -- '-dev$|^(gcc|cpp|g\+\+|make|build-essential|autoconf|automake|libtool|nodejs|npm|python3|cmocka|libcmocka|zbar)' || true)
if [ -z "$bad" ]; then
    ok "runtime dependencies only (no compiler, -dev package, Node.js or Python)"
else
    notok "runtime dependencies only (no compiler, -dev package, Node.js or Python)" "$bad"
fi
check "common-auth unchanged by the install (the profile is Default: no)" \
    cmp "$WORK/common-auth.before" "$R/etc/pam.d/common-auth"
check "the install puts oauth2 after systemd on nsswitch.conf's passwd line (libnss_oauth2)" \
    grep -q -E '^passwd:.*[[:space:]]systemd[[:space:]]+oauth2([[:space:]]|$)' "$R/etc/nsswitch.conf"

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
check "the installed README's links (docs/*.md guides among them) resolve where it is installed" \
    python3 "$TOP/tests/package/doc_links.py" "$R/usr/share/doc/libpam-oauth2" "$TOP/README.md"
in_root "postinst made /etc/userdb (0755) and the registry's directory /var/lib/pam_oauth2/accounts (0700), root's" '
    stat -c "%U:%G %a" /etc/userdb | grep -qx "root:root 755"
    stat -c "%U:%G %a" /var/lib/pam_oauth2 | grep -qx "root:root 755"
    stat -c "%U:%G %a" /var/lib/pam_oauth2/accounts | grep -qx "root:root 700"'
in_root "pam-oauth2 check refuses the unfilled configuration (issuer missing)" '
    out=$(pam-oauth2 check 2>&1) && exit 1; echo "$out" | grep -q "required key .issuer. is missing"'

# ---- 3. README's configuration against the test IdP, pam-oauth2 check ----------------
if out=$(sh "$TOP/tests/idp/idp.sh" start "$IDP" --interval 1 2>&1); then
    ok "test IdP started on 127.0.0.1 (outside the root)"
else
    notok "test IdP started on 127.0.0.1 (outside the root)" "$out"
    finish
fi
# shellcheck disable=SC1091
. "$IDP/idp.env"
export IDP_CONTROL
cp "$IDP_CA" "$R/etc/security/oa2-test-ca.pem"
# readme_block FIRST-LINE: the indented code block of README.md whose first
# line is FIRST-LINE, without its indentation
readme_block() {
    awk -v first="    $1" '
        $0 == first { on = 1 }
        on && !/^    / { exit }
        on { print substr($0, 5) }' "$TOP/README.md"
}
readme_block "# /etc/security/pam_oauth2.conf  (root-owned, mode 0600)" > "$WORK/readme.conf"
if grep -q '^#ca_file = ' "$WORK/readme.conf"; then
    ok "README's configuration example has a ca_file line"
else
    notok "README's configuration example has a ca_file line" "$(cat "$WORK/readme.conf")"
fi
# the values of the test IdP (alice and bob are in its group "users")
sed -e "s|^issuer = [^ ]*|issuer = $IDP_ISSUER|" -e "s|^client_id = [^ ]*|client_id = pam-public|" \
    -e "s|^require_groups = [^ ]*|require_groups = users|" \
    -e "s|^#ca_file = [^ ]*|ca_file = /etc/security/oa2-test-ca.pem|" "$WORK/readme.conf" \
    > "$R/etc/security/pam_oauth2.conf"
echo "device_timeout = 60" >> "$R/etc/security/pam_oauth2.conf"
in_root "pam-oauth2 check passes with README's configuration and the packaged helper" 'pam-oauth2 check'

# ---- 4. switched on as README says --------------------------------------------------
in_root "pam-auth-update --enable oauth2" 'pam-auth-update --enable oauth2'
check "common-auth: pam_unix, then pam_oauth2 (try_first_pass), then the rest" python3 - "$R/etc/pam.d/common-auth" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.lstrip().startswith("#")]
mods = [next((t for t in l if t.endswith(".so")), "") for l in lines]
assert "pam_oauth2.so" in mods, "pam_oauth2.so not in common-auth: %r" % mods
assert mods.index("pam_unix.so") < mods.index("pam_oauth2.so"), "pam_oauth2 before pam_unix: %r" % mods
line = lines[mods.index("pam_oauth2.so")]
assert "try_first_pass" in line, "no try_first_pass: %r" % line
assert line[1].startswith("[success="), "pam_oauth2 is not a primary module: %r" % line
PY
check "common-account names pam_oauth2.so" grep -q 'pam_oauth2\.so' "$R/etc/pam.d/common-account"
in_root "README's sshd step: the packaged drop-in copied, sshd -t" '
    cp /usr/share/doc/libpam-oauth2/examples/sshd_config.d/pam_oauth2.conf /etc/ssh/sshd_config.d/
    mkdir -p /run/sshd && sshd -t'
readme_block "#%PAM-1.0" > "$WORK/readme.sudo"
if grep -q '^auth .*pam_oauth2\.so' "$WORK/readme.sudo" && ! grep -q 'common-auth' "$WORK/readme.sudo"; then
    ok "README has a complete /etc/pam.d/sudo with pam_oauth2 in place of common-auth"
else
    notok "README has a complete /etc/pam.d/sudo with pam_oauth2 in place of common-auth" "$(cat "$WORK/readme.sudo")"
fi
cp "$WORK/readme.sudo" "$R/etc/pam.d/sudo"

# ---- 5. real logins over ssh, sudo ------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_sshd() {
    rm -f "$R/run/sshd.pid"
    root_run "$R" /usr/sbin/sshd -p "$PORT" -o ListenAddress=127.0.0.1 -o PidFile=/run/sshd.pid || return 1
    _i=0
    while [ ! -s "$R/run/sshd.pid" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ -s "$R/run/sshd.pid" ]
}
stop_sshd() {
    [ -f "$R/run/sshd.pid" ] && kill "$(cat "$R/run/sshd.pid")" 2>/dev/null
    _i=0
    while [ -f "$R/run/sshd.pid" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    rm -f "$R/run/sshd.pid"
}
check "the root's sshd started on 127.0.0.1:$PORT" start_sshd
keyssh() { # USER COMMAND: a login with the key only (no keyboard-interactive)
    _u=$1
    shift
    ssh -F /dev/null -p "$PORT" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o LogLevel=ERROR -o IdentitiesOnly=yes -o IdentityAgent=none -o PreferredAuthentications=publickey \
        -i "$WORK/key" "$_u@127.0.0.1" "$@" </dev/null 2>&1
}
sshlogin() {
    python3 "$TOP/tests/package/ssh_login.py" --port "$PORT" "$@" 2>&1
}
has() { printf '%s\n' "$1" | grep -q -e "$2"; }

out=$(keyssh alice id -un)
if [ "$out" = alice ]; then ok "ssh with a key still works: alice"; else notok "ssh with a key still works: alice" "$out"; fi
out=$(keyssh root id -un)
if [ "$out" = root ]; then
    ok "ssh with a key still works: root (PermitRootLogin prohibit-password)"
else
    notok "ssh with a key still works: root (PermitRootLogin prohibit-password)" "$out"
fi

t=$(date +%s)
out=$(sshlogin --user alice --approve-as alice -- id -un)
ev=$(printf '%s\n' "$out" | sed -n 's/^event: //p' | tr '\n' ',')
if has "$out" '^alice$' && case $ev in "password-prompt,code "*" approved as alice,enter,exit 0,") true ;; *) false ;; esac; then
    ok "ssh through the IdP (pam-auth-update route): Password: first, as README shows, then the device code; alice logged in ($(since "$t"))"
else
    notok "ssh through the IdP (pam-auth-update route): Password: first, then the device code; alice logged in" "$out"
fi
out=$(sshlogin --user bob --approve-as alice -- id -un)
if ! has "$out" '^bob$' && has "$out" '^event: exit 255$' && has "$out" 'approved as alice'; then
    ok "ssh refused: account bob approved by the IdP user alice"
else
    notok "ssh refused: account bob approved by the IdP user alice" "$out"
fi

t=$(date +%s)
out=$(sshlogin --tty --user alice --approve-as alice -- sudo -k id -un)
codes=$(printf '%s\n' "$out" | grep -c '^event: code .* approved')
if has "$out" '^root' && [ "$codes" -eq 2 ] && has "$out" '^event: exit 0$'; then
    ok "sudo in the ssh session with README's /etc/pam.d/sudo: one device code, runs as root ($(since "$t"))"
else
    notok "sudo in the ssh session with README's /etc/pam.d/sudo: one device code (2 with the ssh login's), runs as root" "$out"
fi

# ---- 5b. an account created from the IdP (accounts = create) ----------------------------
# README's session line in /etc/pam.d/sshd; the administrator's file, put
# back before the purge below
cp "$R/etc/pam.d/sshd" "$WORK/sshd.pam.before"
printf 'session  required pam_mkhomedir.so umask=0077\n' >> "$R/etc/pam.d/sshd"
printf 'accounts = create\nnew_users = fleet01\n' >> "$R/etc/security/pam_oauth2.conf"
in_root "accounts = create: pam-oauth2 accounts sync publishes a lifetime from sshd -T (LoginGraceTime + 60)" '
    pam-oauth2 accounts sync
    g=$(sshd -T | sed -n "s/^logingracetime //p")
    grep -qx "lifetime $((g + 60))" /run/pam_oauth2/nss/settings'
t=$(date +%s)
out=$(sshlogin --user fleet01 --approve-as fleet01 -- id)
if has "$out" '^uid=1900000000(fleet01) gid=1900000000(fleet01)' && has "$out" '^event: exit 0$'; then
    ok "the IdP user fleet01, unknown to the root, logs in over ssh in one connection: a new account ($(since "$t"))"
else
    notok "the IdP user fleet01, unknown to the root, logs in over ssh in one connection: a new account" "$out"
fi
in_root "her registry line, her records in /etc/userdb, her home (0700, hers)" '
    grep -q "^1900000000	fleet01	active	" /var/lib/pam_oauth2/accounts/registry
    test -f /etc/userdb/fleet01.user && test -L /etc/userdb/1900000000.user
    stat -c "%u %a" /home/fleet01 | grep -qx "1900000000 700"'

# README's "a key and the IdP": added to the drop-in, sshd restarted
readme_methods=$(grep -x '    AuthenticationMethods publickey,keyboard-interactive' "$TOP/README.md" | sed 's/^    //')
if [ -n "$readme_methods" ]; then
    printf '%s\n' "$readme_methods" >> "$R/etc/ssh/sshd_config.d/pam_oauth2.conf"
    stop_sshd
    restart_sshd() { root_sh "$R" 'sshd -t' && start_sshd; }
    check "README's AuthenticationMethods publickey,keyboard-interactive: sshd -t, sshd restarted" restart_sshd
    out=$(keyssh alice id -un)
    if [ "$out" != alice ]; then ok "with it, a key alone is refused"; else notok "with it, a key alone is refused" "$out"; fi
    out=$(sshlogin --key "$WORK/key" --methods publickey,keyboard-interactive --user alice --approve-as alice -- id -un)
    if has "$out" '^alice$' && has "$out" '^event: exit 0$' && has "$out" 'approved as alice'; then
        ok "with it, a key and then the IdP login: alice logged in"
    else
        notok "with it, a key and then the IdP login: alice logged in" "$out"
    fi
else
    notok "README shows AuthenticationMethods publickey,keyboard-interactive"
fi
stop_sshd
in_root "the module used the packaged helper and its cache (/var/cache/pam_oauth2, 0700)" '
    stat -c "%U %a" /var/cache/pam_oauth2 | grep -qx "root 700"'
sh "$TOP/tests/idp/idp.sh" stop "$IDP" >/dev/null 2>&1

# ---- 6. remove, purge -------------------------------------------------------------------
# apt_out ACTION: apt-get ACTION libpam-oauth2 in the root, its output as
# the administrator reads it (apt runs dpkg on a pty: lines end in CR LF)
# and its exit status last
apt_out() {
    root_sh "$R" "{ apt-get $1 -y -q libpam-oauth2 2>&1; echo \"apt-get exit \$?\"; } | tr -d '\\r'"
}
out=$(apt_out remove)
if has "$out" '^apt-get exit 0$' && has "$out" '^libpam-oauth2:   /etc/pam.d/sudo$' &&
    ! has "$out" 'libpam-oauth2:   /etc/pam.d/common'; then
    ok "apt-get remove names /etc/pam.d/sudo, which still uses the module (and no common-* file)"
else
    notok "apt-get remove names /etc/pam.d/sudo, which still uses the module (and no common-* file)" "$out"
fi
check "after remove: common-auth no longer names pam_oauth2" \
    sh -c '! grep -q pam_oauth2 "$1/etc/pam.d/common-auth" "$1/etc/pam.d/common-account"' sh "$R"
in_root "after remove: the module is gone, the conffile stays" "
    test ! -e /lib/$MA/security/pam_oauth2.so && test -f /etc/security/pam_oauth2.conf"
out=$(apt_out purge)
if has "$out" '^apt-get exit 0$' && has "$out" '^libpam-oauth2:   /etc/pam.d/sudo$'; then
    ok "apt-get purge names /etc/pam.d/sudo again"
else
    notok "apt-get purge names /etc/pam.d/sudo again" "$out"
fi
if has "$out" '^libpam-oauth2: keeping /var/lib/pam_oauth2/accounts (the registry of accounts created from IdP identities), their records in /etc/userdb and their homes'; then
    ok "apt-get purge says it keeps the registry, the records and the homes"
else
    notok "apt-get purge says it keeps the registry, the records and the homes" "$out"
fi
in_root "after purge: the registry, fleet01's records and home are kept; she still resolves, her home is still hers" '
    grep -q "^1900000000	fleet01	active	" /var/lib/pam_oauth2/accounts/registry
    stat -c "%U:%G %a" /var/lib/pam_oauth2/accounts | grep -qx "root:root 700"
    getent passwd fleet01 | grep -q "^fleet01:x:1900000000:1900000000:"
    stat -c "%U %a" /home/fleet01 | grep -qx "fleet01 700"
    test ! -e /var/lib/pam_oauth2/offline && test ! -e /run/pam_oauth2'
in_root "after purge: dpkg knows no libpam-oauth2" '! dpkg-query -W -f="\${Status}" libpam-oauth2 2>/dev/null | grep -q installed'
# the administrator's own files: the test's CA, the copied drop-in, sudo's
# PAM file as Debian ships it
rm -f "$R/etc/security/oa2-test-ca.pem" "$R/etc/ssh/sshd_config.d/pam_oauth2.conf"
cp "$WORK/sudo.pam.before" "$R/etc/pam.d/sudo"
cp "$WORK/sshd.pam.before" "$R/etc/pam.d/sshd"
in_root "after purge: no file named *oauth2* left (conffile, cache, offline data, profile) but the kept registry" '
    left=$(find / -xdev \( -path /proc -o -path /tmp -o -path /var/lib/pam_oauth2/accounts \) -prune \
        -o -name "*oauth2*" -print | { grep -vx /var/lib/pam_oauth2 || true; })
    [ -z "$left" ] || { echo "$left"; exit 1; }'
snapshot "$WORK/files.after"
# the runtime libraries the package pulled in stay (apt autoremove is the
# administrator's call): compare without them; what the logins left in
# the users' homes and in sudo's state is theirs
for p in $new; do
    [ "$p" = libpam-oauth2 ] && continue
    root_sh "$R" "dpkg-query -L $p 2>/dev/null" || true
done | sed 's/$/ /' > "$WORK/deps.files"
diffs=$(diff "$WORK/files.before" "$WORK/files.after" | grep '^[<>]' | grep -v -F -f "$WORK/deps.files" |
    grep -v -E '^> /(etc/ssl/certs|usr/share/ca-certificates|etc/ca-certificates|usr/local/share/ca-certificates|etc/ld.so.cache|usr/lib/ssl|etc/ssl)' |
    grep -v -E '^[<>] /(home/(alice|bob)|root|var/lib/sudo)(/| )' |
    grep -v -E '^> /(home/fleet01|etc/userdb|var/lib/pam_oauth2)(/| )' || true)
if [ -z "$diffs" ]; then
    ok "after purge: the root's files are as before the install (but for the dependencies' own)"
else
    notok "after purge: the root's files are as before the install (but for the dependencies' own)" "$diffs"
fi
check "after purge: common-auth as before the install" cmp "$WORK/common-auth.before" "$R/etc/pam.d/common-auth"
check "after purge: common-account as before the install" cmp "$WORK/common-account.before" "$R/etc/pam.d/common-account"
check "after purge: nsswitch.conf as before the install" cmp "$WORK/nsswitch.before" "$R/etc/nsswitch.conf"

finish
