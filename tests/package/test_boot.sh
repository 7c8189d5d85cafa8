#!/bin/sh
# test_boot.sh - the package's boot unit pam-oauth2-sync.service in a real
# boot: a clean Debian 12 root with systemd, libnss-systemd and
# openssh-server, the package installed with apt (which enables the unit),
# booted with systemd-nspawn (systemd as PID 1, no network), three times:
#   1. accounts = create: the unit ran before ssh.service and succeeded, and
#      libnss_oauth2's settings are in /run/pam_oauth2/nss (root-only)
#      with a reservation lifetime of sshd's LoginGraceTime + 60 s, read
#      with sshd -T (the unit made /run/sshd for it, ssh.service was not
#      up yet);
#   2. accounts = off: the unit succeeds, says "nothing to publish", and
#      writes nothing;
#   3. accounts = create with sshd's LoginGraceTime 0 (no limit): the unit
#      fails, its journal says why, and no settings exist (libnss_oauth2
#      answers nothing);
# then "apt-get purge": no account was created, so the empty /etc/userdb and
# registry directory that postinst made are gone and purge keeps nothing.
# A probe unit ordered after both writes what systemctl, journalctl and
# the files say into /root of the root, then powers the machine off.
#
# Needs root, debootstrap and systemd-nspawn (systemd-container), and a
# package: $OA2_DEB, else the libpam-oauth2_*.deb in $OA2_DEB_OUT (where
# scripts/test.sh has test_root.sh leave it); without one it skips (77).
#   OA2_ROOT_CACHE=file  tarball of a base root (tests/lib/root.sh)
#   OA2_KEEP_ROOT=1      keep the temporary directory
# Prints "ok"/"not ok" lines and "package-boot: N passed, N failed".
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/root.sh
. "$TOP/tests/lib/root.sh"
TAP_NAME=package-boot
# shellcheck source=../lib/tap.sh
. "$TOP/tests/lib/tap.sh"
TAP_T0=$(date +%s)

DEB=${OA2_DEB:-}
if [ -z "$DEB" ] && [ -n "${OA2_DEB_OUT:-}" ]; then
    DEB=$(ls "$OA2_DEB_OUT"/libpam-oauth2_*.deb 2>/dev/null | head -n 1)
fi
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
    echo "$TAP_NAME: skipped: no package (set OA2_DEB)"
    exit 77
fi
if ! command -v systemd-nspawn >/dev/null 2>&1; then
    echo "$TAP_NAME: skipped: no systemd-nspawn (package systemd-container)"
    exit 77
fi
root_begin "$TAP_NAME"

cp "$DEB" "$R/tmp/"
t=$(date +%s)
check "apt-get install systemd, libnss-systemd, openssh-server and the package" root_sh "$R" "
    apt-get update -q >/tmp/apt.log 2>&1 &&
    apt-get install -y -q --no-install-recommends systemd systemd-sysv libnss-systemd dbus \
        openssh-server /tmp/$(basename "$DEB") >>/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }"
echo "# install took $(($(date +%s) - t)) s"
check "the install enabled the unit (multi-user.target wants it)" \
    test -L "$R/etc/systemd/system/multi-user.target.wants/pam-oauth2-sync.service"

# The probe: after the unit and sshd, what they did, then power off.
cat > "$R/etc/systemd/system/oa2-probe.service" <<'EOF'
[Unit]
Description=pam_oauth2 test: what pam-oauth2-sync.service did at boot
After=pam-oauth2-sync.service ssh.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c '\
  systemctl show -p Result -p ExecMainStatus -p ExecMainExitTimestampMonotonic pam-oauth2-sync.service > /root/probe.sync; \
  systemctl show -p ExecMainStartTimestampMonotonic -p ActiveState ssh.service > /root/probe.ssh; \
  journalctl -b -u pam-oauth2-sync.service -o cat --no-pager > /root/probe.journal 2>&1; \
  { stat -c "%%U %%a" /run/pam_oauth2/nss /run/pam_oauth2/nss/settings && cat /run/pam_oauth2/nss/settings; } > /root/probe.settings 2>&1; \
  sshd -T 2>&1 | sed -n "s/^logingracetime //p" > /root/probe.grace; \
  systemctl poweroff'

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/oa2-probe.service \
    "$R/etc/systemd/system/multi-user.target.wants/oa2-probe.service"
# the machine-id systemd wants, and no getty on the console
root_sh "$R" 'systemd-machine-id-setup >/dev/null 2>&1 || true
    systemctl mask console-getty.service getty@tty1.service >/dev/null 2>&1 || true'

CONF="issuer = https://idp.example.test
client_id = linux-login"
# boot LABEL: boot the root once (at most 180 s); the probe's files stay in $R/root
boot() {
    rm -f "$R"/root/probe.*
    timeout 180 systemd-nspawn -q -b -D "$R" --register=no --keep-unit --private-network \
        --console=pipe >"$WORK/boot-$1.log" 2>&1 </dev/null
    _rc=$?
    if [ -f "$R/root/probe.sync" ]; then
        ok "$1: the root booted with systemd and powered off ($(($(date +%s) - t)) s)"
    else
        notok "$1: the root booted with systemd and powered off (systemd-nspawn exit $_rc)" \
            "$(cat "$WORK/boot-$1.log")"
    fi
}
val() { sed -n "s/^$1=//p" "$2" 2>/dev/null; }
# no_settings DESCRIPTION RESULT TEXT: the unit's Result, TEXT in its
# journal, and no libnss_oauth2 settings after the boot
no_settings() {
    if [ "$(val Result "$R/root/probe.sync")" = "$2" ] && grep -q "$3" "$R/root/probe.journal" &&
        grep -q "No such file" "$R/root/probe.settings"; then
        ok "$1"
    else
        notok "$1" "$(cat "$R/root/probe.sync" "$R/root/probe.journal" "$R/root/probe.settings" 2>/dev/null)"
    fi
}

# ---- 1. accounts = create --------------------------------------------------------------
printf '%s\naccounts = create\nnew_users = *\n' "$CONF" > "$R/etc/security/pam_oauth2.conf"
t=$(date +%s)
boot "accounts = create"
grace=$(cat "$R/root/probe.grace" 2>/dev/null)
if [ "$(val Result "$R/root/probe.sync")" = success ] &&
    [ "$(val ExecMainStatus "$R/root/probe.sync")" = 0 ] &&
    grep -q "settings written to /run/pam_oauth2/nss" "$R/root/probe.journal"; then
    ok "accounts = create: pam-oauth2-sync.service succeeded: $(grep "settings written" "$R/root/probe.journal")"
else
    notok "accounts = create: pam-oauth2-sync.service succeeded" \
        "$(cat "$R/root/probe.sync" "$R/root/probe.journal" 2>/dev/null)"
fi
s_end=$(val ExecMainExitTimestampMonotonic "$R/root/probe.sync")
ssh_start=$(val ExecMainStartTimestampMonotonic "$R/root/probe.ssh")
if [ -n "$s_end" ] && [ -n "$ssh_start" ] && [ "$s_end" -gt 0 ] && [ "$ssh_start" -ge "$s_end" ] &&
    [ "$(val ActiveState "$R/root/probe.ssh")" = active ]; then
    ok "it ran before ssh.service started (it ended at ${s_end} us, sshd started at ${ssh_start} us)"
else
    notok "it ran before ssh.service started" "$(cat "$R/root/probe.sync" "$R/root/probe.ssh" 2>/dev/null)"
fi
if [ -n "$grace" ] && [ "$(sed -n 1p "$R/root/probe.settings")" = "root 700" ] &&
    [ "$(sed -n 2p "$R/root/probe.settings")" = "root 600" ] &&
    grep -qx "lifetime $((grace + 60))" "$R/root/probe.settings" &&
    grep -qx "pattern \*" "$R/root/probe.settings" && grep -qx "uid 1900000000" "$R/root/probe.settings"; then
    ok "libnss_oauth2's settings are there after the boot, root-only, lifetime $((grace + 60)) s (LoginGraceTime $grace + 60)"
else
    notok "libnss_oauth2's settings are there after the boot, root-only, lifetime LoginGraceTime + 60" \
        "grace '$grace'; $(cat "$R/root/probe.settings" 2>/dev/null)"
fi

# ---- 2. accounts = off ------------------------------------------------------------------
printf '%s\n' "$CONF" > "$R/etc/security/pam_oauth2.conf"
t=$(date +%s)
boot "accounts = off"
no_settings "accounts = off: the unit succeeds, says nothing to publish, writes nothing" \
    success "accounts = off: nothing to publish"

# ---- 3. LoginGraceTime 0 -----------------------------------------------------------------
printf '%s\naccounts = create\nnew_users = *\n' "$CONF" > "$R/etc/security/pam_oauth2.conf"
printf 'LoginGraceTime 0\n' > "$R/etc/ssh/sshd_config.d/oa2-test.conf"
t=$(date +%s)
boot "LoginGraceTime 0"
no_settings "sshd's LoginGraceTime 0: the unit fails, its journal says why, no settings" \
    exit-code "LoginGraceTime is 0 (no limit)"
rm -f "$R/etc/ssh/sshd_config.d/oa2-test.conf"

# ---- 4. purge: no account was ever created ------------------------------------------------
out=$(root_sh "$R" 'apt-get purge -y -q libpam-oauth2 2>&1')
if [ ! -e "$R/etc/userdb" ] && [ ! -e "$R/var/lib/pam_oauth2" ] &&
    ! printf '%s\n' "$out" | grep -q "keeping /var/lib/pam_oauth2/accounts"; then
    ok "purge with no account ever created: /etc/userdb and the registry's directory, empty, are gone"
else
    notok "purge with no account ever created: /etc/userdb and the registry's directory, empty, are gone" \
        "$out$(ls -la "$R/etc/userdb" "$R/var/lib/pam_oauth2" 2>&1)"
fi

finish
