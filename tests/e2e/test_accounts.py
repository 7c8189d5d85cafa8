#!/usr/bin/python3
"""test_accounts.py - accounts = create with the real `login` program and
the real nss-systemd.

What it proves, each as its own assertion:
  * carol, an IdP user with no account on the host, logs in at a trusted
    console with her IdP password (password grant) in one go: the helper
    writes her nss-systemd records, login (which looks the user up after
    PAM's authentication) finds her, and the shell it starts runs with a
    UID from uid_range and GID = UID;
  * `getent passwd carol` and `id carol` work for an unprivileged process
    (nobody), served by nss-systemd from /run/userdb with no daemon;
  * pam_mkhomedir in login's session stack (the line docs/sshd-sudo-console.md
    gives) made her home at the first login: 0700, hers, /etc/skel's files;
  * her next login gets the same UID; the registry holds one line;
  * daemon (an IdP user named like a system account) gets no account and no
    shell; a wrong password creates nothing;
  * `pam-oauth2 accounts lock carol` refuses her next login ("Login
    incorrect") and nss-systemd then reports the account as expired
    (`getent shadow`); unlock lets her in again.

Method (see e2elib.py): a private mount namespace with an empty tmpfs over
/run, so the records go to /run/userdb (which nss-systemd reads, like
/etc/userdb) and vanish with the namespace; the registry lives in the
test's temporary directory. Debian 12's nsswitch.conf has `passwd: files
systemd`. /usr/bin/login runs as root on a pseudo-terminal driven by
pexpect, as getty would run it.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

SHELL_PROMPT = r"\$ $"
LOW = 1900000000


def nsswitch_has_systemd():
    try:
        with open("/etc/nsswitch.conf") as f:
            return any(re.match(r"^passwd:.*\bsystemd\b", line) for line in f)
    except OSError:
        return False


def login(ctx, user, password):
    """login as user with password; (got a shell, `id` output or what was seen)."""
    import pexpect
    child = ctx.spawn(["login"], timeout=20)
    child.expect("login: ")
    child.sendline(user)
    child.expect("Password for %s: " % user)
    child.sendline(password)
    i = child.expect([SHELL_PROMPT, "Login incorrect", pexpect.EOF, pexpect.TIMEOUT])
    if i != 0:
        seen = child.before
        ctx.close_child(child)
        return False, seen
    child.sendline("id; exit")
    try:
        child.expect(pexpect.EOF, timeout=10)
    except pexpect.TIMEOUT:
        pass
    out = (child.before or "").replace("\r", "")
    ctx.close_child(child)
    return True, out


def as_nobody(argv):
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] +
                          argv, capture_output=True, text=True)


def cli(ctx, *args):
    return subprocess.run([os.path.join(e2elib.BUILD, "pam-oauth2"), "accounts"] + list(args) +
                          ["-c", ctx.path("pam_oauth2.conf")], capture_output=True, text=True)


def registry_lines(ctx):
    try:
        with open(ctx.path("accounts", "registry")) as f:
            return len(f.read().splitlines()) - 1
    except OSError:
        return 0


def body(ctx, r):
    ctx.start_idp()
    ctx.module_config("accounts = create\nnew_users = *\naccounts_dir = %s\n"
                      "userdb_dir = /run/userdb\nuid_range = %d-%d\nhome_base = %s\n" %
                      (ctx.path("accounts"), LOW, LOW + 99, ctx.path("homes")))
    os.makedirs(ctx.path("homes"), mode=0o755)
    # the session line docs/sshd-sudo-console.md gives for /etc/pam.d/login
    ctx.pam_service("login", "password_ttys=pts/*",
                    extra="session  required pam_mkhomedir.so umask=0077\n")
    r.check(subprocess.run(["getent", "passwd", "carol"]).returncode == 2,
            "carol has no account before her first login")

    ok, out = login(ctx, "carol", "bob-pass")
    r.check(not ok and registry_lines(ctx) == 0 and not os.path.exists("/run/userdb/carol.user"),
            "a wrong IdP password gives no shell and creates nothing", out)

    ok, out = login(ctx, "carol", "carol-pass")
    want = "uid=%d(carol) gid=%d(carol)" % (LOW, LOW)
    r.check(ok and want in out,
            "carol's first login creates her account and login starts her shell as %s" % want,
            out)
    home = ctx.path("homes", "carol")
    st = os.stat(home) if os.path.isdir(home) else None
    skel = sorted(os.listdir("/etc/skel"))
    r.check(st is not None and st.st_uid == LOW and st.st_gid == LOW and
            st.st_mode & 0o777 == 0o700 and
            sorted(set(os.listdir(home)) - {".bash_history"}) == skel,
            "pam_mkhomedir in login's session made her home: 0700, hers, /etc/skel's files "
            "(and her shell's history)",
            repr((st, os.listdir(home) if st else None, skel)))
    st = os.stat("/run/userdb")
    r.check(st.st_uid == 0 and st.st_mode & 0o777 == 0o755,
            "/run/userdb is root-owned 0755", oct(st.st_mode))
    p = as_nobody(["getent", "passwd", "carol"])
    r.check(p.returncode == 0 and p.stdout.startswith("carol:x:%d:%d:" % (LOW, LOW)) and
            p.stdout.rstrip().endswith(":%s:/bin/bash" % home),
            "getent passwd carol works for an unprivileged process (nobody)", p.stdout + p.stderr)
    p = as_nobody(["id", "carol"])
    r.check(p.returncode == 0 and want in p.stdout, "id carol as nobody", p.stdout + p.stderr)

    ok, out = login(ctx, "carol", "carol-pass")
    r.check(ok and want in out and registry_lines(ctx) == 1,
            "carol's second login has the same UID and adds no registry line", out)

    ok, out = login(ctx, "daemon", "daemon-pass")
    r.check(not ok and registry_lines(ctx) == 1 and not os.path.exists("/run/userdb/daemon.user"),
            "the IdP user daemon gets neither the system account nor a new one", out)

    p = cli(ctx, "lock", "carol")
    r.check(p.returncode == 0, "pam-oauth2 accounts lock carol", p.stdout + p.stderr)
    ok, out = login(ctx, "carol", "carol-pass")
    r.check(not ok, "a locked account's login is refused", out)
    p = subprocess.run(["getent", "shadow", "carol"], capture_output=True, text=True)
    fields = p.stdout.strip().split(":")
    r.check(len(fields) >= 8 and fields[7] == "1",
            "nss-systemd reports the locked account as expired (shadow expiry day 1)", p.stdout)
    p = cli(ctx, "unlock", "carol")
    ok, out = login(ctx, "carol", "carol-pass")
    r.check(p.returncode == 0 and ok and want in out, "after unlock carol logs in again", out)
    p = cli(ctx, "list")
    r.check(p.returncode == 0 and re.search(r"^%d\s+carol\s+active\s" % LOW, p.stdout, re.M),
            "pam-oauth2 accounts list shows carol, active, with her UID", p.stdout + p.stderr)


if __name__ == "__main__":
    if not nsswitch_has_systemd():
        e2elib.skip("accounts", "nsswitch.conf has no 'systemd' for passwd (libnss-systemd)")
    e2elib.main("accounts", ["login", "getent"], body)
