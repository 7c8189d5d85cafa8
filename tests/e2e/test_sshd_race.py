#!/usr/bin/python3
"""test_sshd_race.py - sixteen first ssh logins of different IdP identities at
once, through the real sshd, ssh, libnss_oauth2 and nss-systemd.

What it proves, each as its own assertion:
  * sixteen ssh connections started together (the test IdP's fleet01 ...
    fleet16, none with an account) all reach the device grant's prompt:
    sshd's racing lookups before PAM got sixteen reservations, sixteen
    different UIDs from uid_range;
  * all sixteen approved, then Enter on all at once: the sixteen creations
    race for the registry's lock; every session runs, and its `id` shows
    the user's own name and the UID sshd's lookup reserved for it (GID =
    UID): the account got exactly the reserved UID;
  * the registry holds sixteen lines, one per identity (its own sub), no
    name and no UID twice, all in uid_range, and `pam-oauth2 accounts list`
    reads it (not corrupt);
  * every account has its complete record set in /run/userdb (NAME.user,
    UID.user -> NAME.user, NAME.group, GID.group -> NAME.group, each with
    the right fields), nothing else is left there (no temporary file), no
    reservation is left, and nobody's `getent passwd` finds each;
  * pam_mkhomedir made sixteen homes, 0700, each owned by its account;
  * a reservation's lifetime comes from the real `sshd -T` (the machine's
    /usr/sbin/sshd reading a private /etc/ssh/sshd_config): LoginGraceTime
    45 gives `lifetime 105` at `pam-oauth2 accounts sync`; LoginGraceTime 0
    (no limit) makes the sync fail with the reason and removes the
    settings (libnss_oauth2 then answers nothing); LoginGraceTime 50
    written without a sync is taken up by the logins' helpers (the file
    changed): the reservations made before live at most 105 s, the
    settings say 110 afterwards.

Method: as tests/e2e/test_sshd_accounts.py (a private mount namespace, the
built libnss_oauth2 through a private ld.so.cache and nsswitch.conf, the
machine's /usr/sbin/sshd). sshd gets MaxStartups 40: its default (10:30:100)
drops connections at random beyond ten unauthenticated ones, and sixteen
people waiting at the device grant's prompt are sixteen unauthenticated
connections.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
import test_sshd  # noqa: E402
from e2elib import note  # noqa: E402
from test_accounts import as_nobody, cli, nsswitch_has_systemd  # noqa: E402
from test_sshd_accounts import (GRACE, LOW, NSS_DIR, install_nss_module,  # noqa: E402
                                registry, reserved, settings)

N = 16
NAMES = ["fleet%02d" % i for i in range(1, N + 1)]


def open_all(ctx, srv):
    """Start all N ssh clients before waiting for any: {name: (child, code)}."""
    import pexpect
    children = {n: ctx.spawn(test_sshd.ssh_argv(srv, n, "id"), user="e2eclient", timeout=90)
                for n in NAMES}
    got = {}
    for n, child in children.items():
        i = child.expect([e2elib.USER_CODE_RE, "Permission denied", pexpect.EOF,
                          pexpect.TIMEOUT])
        if i != 0:
            note("%s: no device code: %r" % (n, child.before))
            ctx.close_child(child)
            continue
        code = child.match.group(1)
        child.expect(test_sshd.PROMPT)
        got[n] = (child, code)
    return got


def expiry(name):
    with open(os.path.join(NSS_DIR, "reserved")) as f:
        return next((int(w[2]) for w in (line.split() for line in f) if w[0] == name), None)


def records_ok(name, uid):
    """The complete nss-systemd record set of one account: (ok, what is wrong)."""
    d = "/run/userdb"
    try:
        with open(os.path.join(d, name + ".user")) as f:
            user = json.load(f)
        with open(os.path.join(d, name + ".group")) as f:
            group = json.load(f)
        links = (os.readlink(os.path.join(d, "%d.user" % uid)),
                 os.readlink(os.path.join(d, "%d.group" % uid)))
    except (OSError, ValueError) as e:
        return False, "%s: %s" % (name, e)
    ok = (user.get("userName") == name and user.get("uid") == uid and user.get("gid") == uid and
          group.get("groupName") == name and group.get("gid") == uid and
          links == (name + ".user", name + ".group"))
    return ok, "%s: %r %r %r" % (name, user, group, links)


def sshd_grace(ctx, seconds):
    """The machine's sshd_config with LoginGraceTime first (sshd keeps a
    keyword's first value), written into the private copy bound over it."""
    if not os.path.exists(ctx.path("sshd_config")):
        with open("/etc/ssh/sshd_config") as f:
            ctx.write("sshd_config", f.read())
        e2elib.run(["mount", "--bind", ctx.path("sshd_config"), "/etc/ssh/sshd_config"])
    with open(ctx.path("sshd_config")) as f:
        rest = [x for x in f.read().splitlines(True) if not x.startswith("LoginGraceTime ")]
    with open("/etc/ssh/sshd_config", "w") as f:  # in place: the bind mount stays
        f.write("LoginGraceTime %d\n" % seconds + "".join(rest))


def published_lifetime():
    try:
        with open(os.path.join(NSS_DIR, "settings")) as f:
            return [int(x.split()[1]) for x in f if x.startswith("lifetime ")]
    except FileNotFoundError:
        return None


def lifetime_from_sshd(ctx, r):
    sshd_grace(ctx, 0)
    p = settings(ctx, "fleet*")
    r.check(p.returncode != 0 and "LoginGraceTime is 0 (no limit)" in p.stderr and
            published_lifetime() is None,
            "sshd's LoginGraceTime 0 (no limit): the sync fails, saying why, and removes "
            "libnss_oauth2's settings", p.stdout + p.stderr)
    sshd_grace(ctx, 45)
    p = settings(ctx, "fleet*")
    r.check(p.returncode == 0 and published_lifetime() == [45 + 60],
            "LoginGraceTime 45 (sshd -T): the sync publishes a reservation lifetime of 105 s",
            p.stdout + p.stderr + repr(published_lifetime()))


def body(ctx, r):
    ctx.start_idp()
    install_nss_module(ctx)
    lifetime_from_sshd(ctx, r)
    sshd_grace(ctx, 50)  # no sync: the logins' helpers see the change
    os.makedirs(ctx.path("homes"), mode=0o755)
    ctx.pam_service("sshd", "", extra="session  required pam_mkhomedir.so umask=0077\n")
    srv = test_sshd.start_sshd(ctx, "race", GRACE, {"MaxStartups": "40"})

    t0 = time.monotonic()
    conns = open_all(ctx, srv)
    table = reserved()
    expires = [e for e in (expiry(n) for n in NAMES) if e is not None]
    r.check(len(expires) == N and max(expires) <= time.time() + 105,
            "the reservations made before any login live at most 105 s (LoginGraceTime 45)",
            repr(expires))
    uids = [table.get(n) for n in NAMES]
    r.check(len(conns) == N and None not in uids and len(set(uids)) == N and
            all(LOW <= u < LOW + 100 for u in uids),
            "%d ssh connections started together all reach the prompt; sshd's racing lookups "
            "reserved %d different UIDs" % (N, N), repr((sorted(conns), table)))
    note("%d connections at the prompt after %.1f s" % (len(conns), time.monotonic() - t0))

    for n, (child, code) in conns.items():
        st, ans = ctx.approve(code, n)
        if st != 200:
            note("approval of %s: %s %s" % (n, st, ans))
    t1 = time.monotonic()
    for child, _ in conns.values():  # Enter on all: the creations race
        child.sendline("")
    outs = {}
    for n, (child, _) in conns.items():
        status, tail, _ = test_sshd.finish(ctx, child, 90)
        outs[n] = (status, tail.replace("\r", ""))
    note("%d sessions ended %.1f s after the approvals" % (len(outs), time.monotonic() - t1))

    wrong = {}
    for n in NAMES:
        status, out = outs.get(n, (None, ""))
        u = table.get(n)
        if status != 0 or "uid=%d(%s) gid=%d(%s)" % (u, n, u, n) not in out:
            wrong[n] = (u, status, out[-300:])
    r.check(len(outs) == N and not wrong,
            "all %d first logins work, each session's `id` shows its own name and the UID "
            "sshd's lookup reserved for it (GID = UID)" % N, repr(wrong))

    reg = registry(ctx)
    with open(ctx.path("accounts", "registry")) as f:
        lines = [line.split("\t") for line in f.read().splitlines()[1:]]
    subs = sorted(w[5] for w in lines if len(w) == 6)
    want_subs = sorted("f1ee7000-0000-4000-8000-0000000000%s" % n[-2:] for n in NAMES)
    lst = cli(ctx, "list")
    r.check(len(lines) == N and sorted(reg) == NAMES and len(set(reg.values())) == N and
            all(reg[n] == table.get(n) for n in NAMES) and subs == want_subs and
            all(w[2] == "active" for w in lines) and lst.returncode == 0 and
            all(n in lst.stdout for n in NAMES),
            "the registry holds %d lines, one per identity and sub, no name or UID twice, "
            "each the reserved UID; `pam-oauth2 accounts list` reads it" % N,
            repr((lines, lst.stdout, lst.stderr)))

    bad = [why for ok, why in (records_ok(n, reg.get(n, -1)) for n in NAMES) if not ok]
    expected = set()
    for n in NAMES:
        expected |= {n + ".user", n + ".group", "%d.user" % reg.get(n, -1),
                     "%d.group" % reg.get(n, -1)}
    extra = sorted(set(os.listdir("/run/userdb")) - expected)
    r.check(not bad and not extra,
            "every account has its complete record set in /run/userdb, and nothing else is "
            "there (no temporary file)", repr((bad, extra)))
    seen = {n: as_nobody(["getent", "passwd", n]).stdout for n in NAMES}
    r.check(published_lifetime() == [50 + 60],
            "the logins' helpers took up LoginGraceTime 50 without a sync: lifetime 110",
            repr(published_lifetime()))
    r.check(reserved() == {} and
            all(re.match(r"^%s:x:%d:%d:" % (n, reg.get(n, -1), reg.get(n, -1)), seen[n])
                for n in NAMES),
            "no reservation is left; nobody's getent passwd finds all %d" % N,
            repr((reserved(), seen)))
    homes = {}
    for n in NAMES:
        try:
            st = os.stat(ctx.path("homes", n))
            homes[n] = (st.st_uid, st.st_mode & 0o777)
        except OSError:
            homes[n] = None
    r.check(all(homes[n] == (reg.get(n), 0o700) for n in NAMES),
            "pam_mkhomedir made %d homes, 0700, each owned by its account" % N, repr(homes))
    ctx.stop(srv["proc"])


if __name__ == "__main__":
    if not nsswitch_has_systemd():
        e2elib.skip("sshd-race", "nsswitch.conf has no 'systemd' for passwd (libnss-systemd)")
    e2elib.main("sshd-race", ["sshd", "ssh", "getent", "ldconfig", "setpriv"], body)
