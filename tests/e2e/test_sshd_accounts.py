#!/usr/bin/python3
"""test_sshd_accounts.py - accounts = create with real sshd and ssh, the real
nss-systemd and libnss_oauth2: a new IdP user's first ssh login works in one
connection.

What it proves, each as its own assertion:
  * before any login, libnss_oauth2 (loaded, as glibc's debug output shows)
    answers nothing for a new name: not to nobody, not to a root process
    that is not sshd, not to nobody calling itself sshd (argv[0]);
  * while carol's first ssh connection waits for her approval, sshd's lookup
    has reserved a UID for her in a table only root can read; nobody and a
    root `getent` still get nothing;
  * carol (an IdP user with no account) logs in through the device grant in
    ONE ssh connection; `id` in her session shows a UID from uid_range and
    GID = UID; the reservation is gone, the registry and nss-systemd hold
    her account; `getent passwd carol` works for nobody;
  * `pam-oauth2 accounts lock` refuses her ssh key login through a stack
    whose account phase is pam_unix alone (nss-systemd reports the locked
    record as expired); unlock lets the key in again;
  * pam_mkhomedir in the session stack made her home (0700, owned by her,
    the files of /etc/skel);
  * her next login has the same UID; a second new user (the IdP's bob,
    mapped to newbob) gets the next UID;
  * group_map: the IdP group `users` mapped to sudo without '!' refuses the
    login (a system group); with `sudo!` the new user newbob is in sudo and
    runs `sudo id` through sudoers' %sudo rule (her first login is two
    racing ssh connections: one reservation, one account, both sessions
    run with its UID); carol, without that IdP
    group, is not; the group removed AT THE IDP (the test IdP's
    POST /users/groups), newbob's next login has no sudo (`id`, `sudo id`
    refused, the membership record gone); back in the IdP group, sudo
    again; with the mapping gone, newbob's next login drops sudo;
  * a name outside new_users (mallory, before new_users names her) is
    refused and leaves no registry line, no record and no reservation;
  * a login refused after sshd's lookup reserved a UID (mallory, whose sub
    the store refuses) creates nothing; the reservation only lapses;
  * group_map's GROUP+: root+ (a group that exists) refuses the login; a
    new group idpusers is created at newbob's login (registered, its GID
    past a live reservation), nss-systemd serves it to nobody by name and
    GID, `id` shows it, the next login keeps it;
  * with 64 live reservations a new name gets none;
  * names the host already knows (daemon, the local user alice), even when
    new_users names them, are never created or taken over: daemon is
    refused, alice logs into her own local account, nothing is registered
    or reserved for either.

Method (see e2elib.py): a private mount namespace with an empty tmpfs over
/run (records go to /run/userdb, libnss_oauth2's files to
/run/pam_oauth2/nss); a private /etc/nsswitch.conf bind-mounted there with
`oauth2` after `systemd` on the passwd line, and a private /etc/ld.so.cache
(made by ldconfig -C) that adds a directory holding the built
libnss_oauth2.so.2, so every process in the namespace finds the module the
way an installed one is found. The machine's own files are not changed.
sshd is the machine's /usr/sbin/sshd (OpenSSH 9.2 looks the user up once
before PAM); ssh runs as e2eclient.
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
import test_sshd  # noqa: E402
from e2elib import note  # noqa: E402
from test_accounts import as_nobody, cli, nsswitch_has_systemd  # noqa: E402

LOW = 1900000000
NSS_DIR = "/run/pam_oauth2/nss"
GRACE = 60


def install_nss_module(ctx):
    """libnss_oauth2 for every process of the namespace: private ld.so.cache
    and nsswitch.conf, bind-mounted over the machine's."""
    libdir = ctx.path("nsslib")
    os.makedirs(libdir)
    os.chmod(libdir, 0o755)
    lib = os.path.join(libdir, "libnss_oauth2.so.2")
    shutil.copyfile(os.path.join(e2elib.BUILD, ".libs", "libnss_oauth2.so.2"), lib)
    os.chmod(lib, 0o644)
    conf = ctx.write("ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n%s\n" % libdir)
    cache = ctx.path("ld.so.cache")
    e2elib.run(["ldconfig", "-X", "-C", cache, "-f", conf])
    with open("/etc/nsswitch.conf") as f:
        lines = f.read().splitlines(True)
    out = [re.sub(r"^(passwd:.*\bsystemd\b)", r"\1 oauth2", line) for line in lines]
    nss = ctx.write("nsswitch.conf", "".join(out))
    for src, dst in ((cache, "/etc/ld.so.cache"), (nss, "/etc/nsswitch.conf")):
        e2elib.run(["mount", "--bind", src, dst])


def getent(name, nobody=False, argv0=None):
    """getent passwd NAME, with glibc's note of the libraries it loads."""
    argv = ["getent", "passwd", name]
    if argv0 is not None:
        argv = ["bash", "-c", 'exec -a %s getent passwd "$0"' % argv0, name]
    env = dict(os.environ, LD_DEBUG="files")
    if nobody:
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + argv
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, "libnss_oauth2.so.2" in p.stderr


def reserved():
    """name -> UID of the reservation table (read as root)."""
    try:
        with open(os.path.join(NSS_DIR, "reserved")) as f:
            return {w[0]: int(w[1]) for w in (line.split() for line in f)}
    except FileNotFoundError:
        return {}


def expiry(name):
    with open(os.path.join(NSS_DIR, "reserved")) as f:
        return next(int(w[2]) for w in (line.split() for line in f) if w[0] == name)


def registry(ctx):
    try:
        with open(ctx.path("accounts", "registry")) as f:
            return {w[1]: int(w[0]) for w in (line.split("\t") for line in f.read().splitlines()[1:])}
    except OSError:
        return {}


def start(ctx, srv, user, cmd):
    """ssh up to the module's prompt: (child, user code), or (None, (status, output))."""
    import pexpect
    child = ctx.spawn(test_sshd.ssh_argv(srv, user, cmd), user="e2eclient", timeout=20)
    i = child.expect([e2elib.USER_CODE_RE, "Permission denied", pexpect.EOF, pexpect.TIMEOUT])
    if i != 0:
        status, _ = ctx.close_child(child)
        return None, (status, child.before or "")
    code = child.match.group(1)
    child.expect(test_sshd.PROMPT)
    return child, code


def approve_and_finish(ctx, child, code, approver):
    st, ans = ctx.approve(code, approver)
    if st != 200:
        note("approval of %s as %s: %s %s" % (code, approver, st, ans))
    child.sendline("")
    status, tail, _ = test_sshd.finish(ctx, child, 30)
    return status, tail.replace("\r", "")


def login(ctx, r, srv, user, approver, cmd="id"):
    """One ssh connection: the device code approved as approver; (exit status, output).
    login.during: what the reservation table and getent said while it waited."""
    login.during = None
    child, code = start(ctx, srv, user, cmd)
    if child is None:
        return code
    login.during = (reserved(), getent(user, nobody=True), getent(user))
    return approve_and_finish(ctx, child, code, approver)


def settings(ctx, new_users, extra=""):
    ctx.module_config("accounts = create\nnew_users = %s\naccounts_dir = %s\n"
                      "userdb_dir = /run/userdb\nuid_range = %d-%d\ndevice_timeout = 30\n"
                      "home_base = %s\n%s" %
                      (new_users, ctx.path("accounts"), LOW, LOW + 99, ctx.path("homes"), extra))
    return cli(ctx, "sync")


def idp_groups(ctx, r, user, groups):
    """Change user's groups at the test IdP (POST /users/groups)."""
    st, ans = ctx.control("POST", "/users/groups", {"username": user, "groups": groups})
    st2, users = ctx.control("GET", "/users")
    mine = [u.get("groups") for u in users or [] if u.get("username") == user]
    r.check(st == 200 and st2 == 200 and mine == [groups],
            "at the IdP, %s's groups are now %r" % (user, groups), repr((st, ans, mine)))


def key_login_and_lock(ctx, r):
    """A locked account is refused beyond pam_oauth2: an ssh key login through a
    stack whose account phase is pam_unix alone."""
    key = ctx.path("clientkey")
    e2elib.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "oa2e2e", "-f", key])
    os.chown(key, ctx.uids["e2eclient"], -1)
    with open(key + ".pub") as f:
        ctx.write("authkeys/carol", f.read())
    srv = test_sshd.start_sshd(ctx, "keys", GRACE, {
        "AuthenticationMethods": "publickey", "PubkeyAuthentication": "yes",
        "KbdInteractiveAuthentication": "no", "StrictModes": "no",
        "AuthorizedKeysFile": ctx.path("authkeys", "%u")})
    service = ctx.path("etc", "pam.d", "sshd")
    with open(service) as f:
        saved = f.read()
    ctx.write("etc/pam.d/sshd", "auth required pam_deny.so\naccount required pam_unix.so\n"
              "session required pam_permit.so\npassword required pam_deny.so\n")

    def key_login():
        argv = test_sshd.ssh_argv(srv, "carol", "id")
        argv[argv.index("PreferredAuthentications=keyboard-interactive")] = \
            "PreferredAuthentications=publickey"
        argv[argv.index("PubkeyAuthentication=no")] = "PubkeyAuthentication=yes"
        argv[1:1] = ["-i", key, "-o", "BatchMode=yes"]
        return subprocess.run(["setpriv", "--reuid=%d" % ctx.uids["e2eclient"],
                               "--regid=%d" % ctx.uids["e2eclient"], "--clear-groups", "--"] +
                              argv, capture_output=True, text=True, timeout=30)
    try:
        p = key_login()
        r.check(p.returncode == 0 and "uid=%d(carol)" % LOW in p.stdout,
                "carol's ssh key login works (account phase: pam_unix alone)",
                p.stdout + p.stderr)
        lk = cli(ctx, "lock", "carol")
        p = key_login()
        r.check(lk.returncode == 0 and p.returncode == 255 and "uid=" not in p.stdout,
                "locked, her key login is refused by pam_unix (nss-systemd: expired)",
                lk.stdout + lk.stderr + p.stdout + p.stderr)
        cli(ctx, "unlock", "carol")
        p = key_login()
        r.check(p.returncode == 0 and "uid=%d(carol)" % LOW in p.stdout,
                "unlocked, her key login works again", p.stdout + p.stderr)
    finally:
        ctx.write("etc/pam.d/sshd", saved)
        ctx.stop(srv["proc"])


def body(ctx, r):
    ctx.start_idp()
    install_nss_module(ctx)
    p = settings(ctx, "carol")
    st = os.stat(os.path.join(NSS_DIR, "settings"))
    r.check(p.returncode == 0 and st.st_uid == 0 and st.st_mode & 0o777 == 0o600 and
            os.stat(NSS_DIR).st_mode & 0o777 == 0o700,
            "pam-oauth2 accounts sync writes libnss_oauth2's settings, root-only",
            p.stdout + p.stderr)
    os.makedirs(ctx.path("homes"), mode=0o755)
    ctx.pam_service("sshd", "", extra="session  required pam_mkhomedir.so umask=0077\n")
    srv = test_sshd.start_sshd(ctx, "accounts", GRACE)

    # Nothing answers outside sshd.
    rc, out, loaded = getent("carol", nobody=True)
    r.check(rc == 2 and loaded, "before any login nobody's getent passwd carol finds nothing "
            "(libnss_oauth2 loaded and silent)", out)
    rc, out, loaded = getent("carol")
    r.check(rc == 2 and loaded, "a root process that is not sshd gets nothing either", out)
    rc, out, _ = getent("carol", nobody=True, argv0="sshd")
    rc2, out2, _ = getent("carol", argv0="/usr/sbin/sshd")
    r.check(rc == 2 and rc2 == 2 and reserved() == {},
            "calling itself sshd (argv[0]) gets nothing and reserves nothing", out + out2)

    # 1. carol's first login, one connection.
    status, out = login(ctx, r, srv, "carol", "carol")
    table, nobody_during, root_during = login.during
    r.check(table.get("carol") == LOW,
            "while carol's connection waits, sshd's lookup has reserved uid %d for her" % LOW,
            repr(table))
    r.check(nobody_during[0] == 2 and root_during[0] == 2,
            "the live reservation is invisible to nobody and to a root process that is not sshd",
            repr((nobody_during, root_during)))
    try:
        open(os.path.join(NSS_DIR, "reserved")).close()
        denied = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "--", "cat", os.path.join(NSS_DIR, "reserved")],
                                capture_output=True).returncode != 0
    except OSError:
        denied = False
    r.check(denied, "nobody cannot read the reservation table")
    want = "uid=%d(carol) gid=%d(carol)" % (LOW, LOW)
    r.check(status == 0 and want in out,
            "carol's first ssh login works in ONE connection: `id` shows %s" % want,
            "status %r, output %r" % (status, out))
    r.check(registry(ctx).get("carol") == LOW and os.path.exists("/run/userdb/carol.user") and
            "carol" not in reserved(),
            "her account is registered and written; her reservation is gone",
            repr((registry(ctx), reserved())))
    rc, out, _ = getent("carol", nobody=True)
    r.check(rc == 0 and out.startswith("carol:x:%d:%d:" % (LOW, LOW)),
            "getent passwd carol works for nobody after the login", out)
    home = ctx.path("homes", "carol")
    st = os.stat(home) if os.path.isdir(home) else None
    skel = sorted(os.listdir("/etc/skel"))
    r.check(st is not None and st.st_uid == LOW and st.st_gid == LOW and
            st.st_mode & 0o777 == 0o700 and sorted(os.listdir(home)) == skel,
            "pam_mkhomedir made her home at the first session: 0700, hers, /etc/skel's files",
            repr((st, os.listdir(home) if st else None, skel)))

    status, out = login(ctx, r, srv, "carol", "carol")
    r.check(status == 0 and want in out and len(registry(ctx)) == 1,
            "carol's next ssh login has the same UID", "status %r, output %r" % (status, out))

    key_login_and_lock(ctx, r)

    # 2. outside new_users: refused, nothing left.
    status, out = login(ctx, r, srv, "mallory", "mallory")
    r.check(status == 255 and "Permission denied" in out and "uid=" not in out,
            "mallory (not in new_users) is refused", "status %r, output %r" % (status, out))
    r.check("mallory" not in registry(ctx) and not os.path.exists("/run/userdb/mallory.user") and
            "mallory" not in reserved() and (login.during is None or
                                             "mallory" not in login.during[0]),
            "and leaves no registry line, no record and no reservation",
            repr((registry(ctx), reserved())))

    # the IdP's control route refuses what it cannot apply
    bad = [ctx.control("POST", "/users/groups", b)[0] for b in (
        {"username": "nobody-here", "groups": []}, {"username": "bob", "groups": "users"},
        {"username": "bob", "groups": [""]}, {"username": "bob", "groups": [1]})]
    r.check(bad == [404, 400, 400, 400],
            "the test IdP's POST /users/groups refuses an unknown user and a malformed list",
            repr(bad))

    # 3. a second new user (the IdP's bob, mapped to newbob: the test IdP has
    # no other user with a clean sub), once new_users names her; local names
    # never, even when new_users names them.
    mapfile = ctx.write("usermap", "bob newbob\n")
    ctx.write("etc/sudoers", "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL) NOPASSWD: /usr/bin/id\n",
              0o440)
    ctx.write("etc/pam.d/sudo", "auth required pam_deny.so\naccount required pam_permit.so\n"
              "session required pam_permit.so\n")
    with_map = "user_map_file = %s\n" % mapfile
    p = settings(ctx, "carol bob newbob alice daemon", with_map + "group_map = users:sudo\n")
    r.check(p.returncode == 0, "new_users changed, pam-oauth2 accounts sync", p.stdout + p.stderr)
    status, out = login(ctx, r, srv, "newbob", "bob")
    r.check(status == 255 and "uid=" not in out and "newbob" not in registry(ctx),
            "group_map naming the system group sudo without '!' refuses the login, creates "
            "nothing", "status %r, output %r" % (status, out))
    settings(ctx, "carol bob newbob alice daemon", with_map + "group_map = users:sudo!\n")
    # her first login: two ssh connections at once, both past sshd's lookup
    # before either is approved
    first = [start(ctx, srv, "newbob", "id; sudo -n /usr/bin/id") for _ in range(2)]
    r.check(all(c is not None for c, _ in first) and reserved().get("newbob") == LOW + 1,
            "two racing first connections of newbob share one reservation (uid %d)" % (LOW + 1),
            repr((first, reserved())))
    first = [(c, code) for c, code in first if c is not None]
    for c, code in first:  # both approved, then Enter on both: the creations race
        ctx.approve(code, "bob")
    for c, _ in first:
        c.sendline("")
    outs = [test_sshd.finish(ctx, c, 30)[:2] for c, _ in first]
    outs = [(st, out.replace("\r", "")) for st, out in outs]
    want2 = "uid=%d(newbob) gid=%d(newbob) groups=%d(newbob),27(sudo)" % (LOW + 1, LOW + 1,
                                                                          LOW + 1)
    r.check(len(outs) == 2 and all(st == 0 and want2 in out for st, out in outs) and
            list(registry(ctx).values()).count(LOW + 1) == 1,
            "both get in as the one new account; a second new user gets another UID, and the "
            "IdP group users maps to sudo: " + want2, repr(outs))
    status, out = outs[0] if outs else (None, "")
    r.check("uid=0(root)" in out, "she runs `sudo id` through sudoers' %sudo rule", out)
    status, out = login(ctx, r, srv, "carol", "carol", "id; sudo -n /usr/bin/id")
    r.check(status != 0 and "sudo" not in out.split("\n")[0] and "uid=0(root)" not in out,
            "carol (no IdP group users) gets no sudo", "status %r, output %r" % (status, out))
    # the group removed AT THE IDP: the next login drops the membership
    idp_groups(ctx, r, "bob", [])
    status, out = login(ctx, r, srv, "newbob", "bob", "id; sudo -n /usr/bin/id")
    r.check(status != 0 and "uid=%d(newbob)" % (LOW + 1) in out and "27(sudo)" not in out and
            "uid=0(root)" not in out and
            not os.path.exists("/run/userdb/newbob:sudo.membership"),
            "bob removed from the IdP group users: newbob's next login has no sudo (`id` shows "
            "no 27(sudo), `sudo id` is refused), the membership record is gone",
            "status %r, output %r" % (status, out))
    idp_groups(ctx, r, "bob", ["users"])
    status, out = login(ctx, r, srv, "newbob", "bob", "id; sudo -n /usr/bin/id")
    r.check(status == 0 and want2 in out and "uid=0(root)" in out,
            "back in the IdP group, the next login makes her a member again and `sudo id` runs",
            "status %r, output %r" % (status, out))
    settings(ctx, "carol bob newbob alice daemon", with_map)
    status, out = login(ctx, r, srv, "newbob", "bob", "id; sudo -n /usr/bin/id")
    r.check(status != 0 and "27(sudo)" not in out and "uid=0(root)" not in out and
            not os.path.exists("/run/userdb/newbob:sudo.membership"),
            "the mapping gone, her next login removes the membership: no sudo",
            "status %r, output %r" % (status, out))

    status, out = login(ctx, r, srv, "daemon", "daemon")
    r.check(status == 255 and "uid=" not in out,
            "daemon (a system account, named in new_users) is refused",
            "status %r, output %r" % (status, out))
    status, out = login(ctx, r, srv, "alice", "alice")
    r.check(status == 0 and "uid=%d(alice)" % ctx.uids["alice"] in out,
            "alice (a local account, named in new_users) logs into her own account",
            "status %r, output %r" % (status, out))
    reg = registry(ctx)
    r.check(sorted(reg) == ["carol", "newbob"] and reserved() == {} and
            not os.path.exists("/run/userdb/daemon.user") and
            not os.path.exists("/run/userdb/alice.user"),
            "nothing is registered, written or reserved for daemon or alice", repr((reg, reserved())))

    # 4. a reservation whose login fails: mallory, in new_users now, but the
    # store refuses her sub (it holds control characters).
    p = settings(ctx, "carol mallory")
    status, out = login(ctx, r, srv, "mallory", "mallory")
    table = reserved()
    r.check(status == 255 and "uid=" not in out and "mallory" not in registry(ctx) and
            not os.path.exists("/run/userdb/mallory.user"),
            "mallory's refused login creates no account", "status %r, output %r" % (status, out))
    with open(os.path.join(NSS_DIR, "settings")) as f:
        life = next(int(x.split()[1]) for x in f if x.startswith("lifetime "))
    r.check(table.get("mallory") == LOW + 2 and expiry("mallory") <= time.time() + life <=
            time.time() + 1800,
            "her reservation (uid %d) only waits to lapse, at most the published lifetime "
            "(sshd's LoginGraceTime + 60 s: %d s)" % (LOW + 2, life), repr(table))

    # 4b. group_map's GROUP+: a group no NSS source knows is created at
    # newbob's next login, served by nss-systemd, her membership with it;
    # its GID skips the UID of mallory's live reservation
    settings(ctx, "carol bob newbob alice daemon",
             with_map + "group_map = users:sudo! users:idpusers+ users:root+\n")
    status, out = login(ctx, r, srv, "newbob", "bob")
    r.check(status == 255 and "uid=" not in out and "idpusers" not in registry(ctx),
            "group_map naming root+ (a group that exists) refuses the login; nothing is created",
            "status %r, output %r" % (status, out))
    settings(ctx, "carol bob newbob alice daemon",
             with_map + "group_map = users:sudo! users:idpusers+\n")
    status, out = login(ctx, r, srv, "newbob", "bob")
    gid = LOW + 3
    r.check(status == 0 and "27(sudo),%d(idpusers)" % gid in out and registry(ctx).get("idpusers") == gid,
            "users:idpusers+ creates the group idpusers (gid %d, past mallory's reserved uid), "
            "registered; newbob's `id` shows it" % gid, "status %r, output %r" % (status, out))
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                        "getent", "group", "idpusers", str(gid)], capture_output=True, text=True)
    r.check(p.returncode == 0 and p.stdout.count("idpusers:x:%d:" % gid) == 2,
            "nobody's getent group finds it by name and by GID (nss-systemd)", p.stdout + p.stderr)
    status, out = login(ctx, r, srv, "newbob", "bob")
    r.check(status == 0 and "%d(idpusers)" % gid in out and
            sorted(registry(ctx).values()).count(gid) == 1,
            "her next login keeps the same group and GID", "status %r, output %r" % (status, out))

    # 5. at most 64 live reservations: with the table full, a new name gets
    # nothing (sshd calls the connection invalid) and no 65th line.
    settings(ctx, "*")
    until = int(time.time()) + 300
    lines = "".join("filler%d %d %d\n" % (i, LOW + 50 + i, until) for i in range(63))
    with open(os.path.join(NSS_DIR, "reserved"), "a") as f:
        f.write(lines)
    full = reserved()
    child, code = start(ctx, srv, "zed", "id")
    if child is not None:
        child.sendline("cancel")
        test_sshd.finish(ctx, child, 15)
    with open(srv["log"]) as f:
        invalid = "Invalid user zed" in f.read()
    r.check(len(full) == 64 and "zed" not in reserved() and len(reserved()) == 64 and invalid,
            "with 64 live reservations a new name (zed) gets none; sshd calls it invalid",
            repr((len(full), sorted(reserved())[:3])))
    ctx.stop(srv["proc"])


if __name__ == "__main__":
    if not nsswitch_has_systemd():
        e2elib.skip("sshd-accounts", "nsswitch.conf has no 'systemd' for passwd (libnss-systemd)")
    e2elib.main("sshd-accounts", ["sshd", "ssh", "getent", "ldconfig", "setpriv"], body)
