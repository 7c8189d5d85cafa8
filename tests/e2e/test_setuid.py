#!/usr/bin/python3
"""test_setuid.py - the module inside set-uid programs run by a hostile local user.

With the Debian profile the module is in common-auth, so it runs inside su,
chsh and other set-uid programs that an unprivileged user starts with an
environment, resource limits, signal dispositions, umask and file
descriptors of their choosing. Each check below is an attack by such a user
(bob, or alice for her own sudo) against the real /usr/bin/su and
/usr/bin/sudo:

  * SSLKEYLOGFILE with umask 0: libcurl would append the TLS secrets of the
    login, as root, to a file of the caller's choice (created mode 0666 in a
    directory only root can write). The file must not appear, for su and
    for sudo, while the login itself works (approved device code).
  * A hostile environment (proxies aimed at a listener of the test, CA and
    OpenSSL variables pointing at the attacker's files, HOME with .curlrc
    and .netrc, TZ, locale, resolver variables): the login still goes to the
    real IdP over verified TLS, the proxy sees no connection, and a code
    approved by the wrong person is still refused.
  * Closed fds 0-2: su fails (no terminal), nothing succeeds, no file of the
    caller's choice appears.
  * Resource limits (RLIMIT_NOFILE 6, so small that the login's socket could
    not be opened in su's process, RLIMIT_FSIZE 0 with SIGXFSZ ignored): the network part runs in
    the helper with sane limits, so the login is decided by the IdP (it is
    either a real login or a refusal, never "IdP unreachable").
  * The offline path: with an offline entry for alice and the IdP down,
    root's own su logs in offline (the control), bob's su with alice's right
    password does not: a set-uid caller never uses offline entries.
  * The helper runs as full root in its own session: bob cannot signal it.

Method: e2elib (private mount namespace; /etc/pam.d holds su and sudo
services that use the module by absolute path; private account files).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import USER_CODE_RE, note  # noqa: E402

SUDOERS = """# pam_oauth2 e2e test sudoers (private mount namespace)
Defaults !lecture, passwd_tries=1, timestamp_timeout=0, !fqdn, env_reset
root  ALL=(ALL:ALL) ALL
alice ALL=(ALL:ALL) ALL
"""


class Listener:
    """A TCP listener on loopback that counts the connections it gets."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                self.hits += 1
                c.close()
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def hostile_env(ctx, proxy_port, keylog):
    """What an attacker puts in the environment of a set-uid program."""
    evil = ctx.path("evil")
    os.makedirs(evil, exist_ok=True)
    with open(os.path.join(evil, "openssl.cnf"), "w") as f:
        f.write("openssl_conf = init\n[init]\nproviders = prov\n[prov]\n"
                "evil = evilsect\n[evilsect]\nmodule = %s/evil.so\nactivate = 1\n" % evil)
    with open(os.path.join(evil, "ca.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with open(os.path.join(evil, ".curlrc"), "w") as f:
        f.write("insecure\nproxy = http://127.0.0.1:%d\n" % proxy_port)
    with open(os.path.join(evil, ".netrc"), "w") as f:
        f.write("default login evil password evil\n")
    proxy = "http://127.0.0.1:%d" % proxy_port
    return {
        "SSLKEYLOGFILE": keylog,
        "http_proxy": proxy, "https_proxy": proxy, "HTTPS_PROXY": proxy,
        "ALL_PROXY": proxy, "all_proxy": proxy, "no_proxy": "", "NO_PROXY": "",
        "OPENSSL_CONF": os.path.join(evil, "openssl.cnf"),
        "OPENSSL_MODULES": evil, "OPENSSL_ENGINES": evil,
        "SSL_CERT_FILE": os.path.join(evil, "ca.pem"), "SSL_CERT_DIR": evil,
        "CURL_CA_BUNDLE": os.path.join(evil, "ca.pem"), "CURL_HOME": evil,
        "CURL_SSL_BACKEND": "gnutls", "OPENSSL_ia32cap": "~0x200000200000000",
        "HOME": evil, "TZ": ":" + evil + "/tz", "LANG": "de_DE.UTF-8",
        "LOCALDOMAIN": "evil.example", "RES_OPTIONS": "ndots:15 attempts:1",
        "HOSTALIASES": os.path.join(evil, "hosts"), "GCONV_PATH": evil,
        "MALLOC_CHECK_": "3", "TMPDIR": evil,
    }


def run_su(ctx, user, target, env, prelude="umask 0", cmd="id -un", timeout=30):
    """su TARGET -c CMD as user (None: root) through sh, so that the caller
    can set umask, limits and signals first. Returns the pexpect child."""
    script = "%s; exec su %s -c '%s'" % (prelude, target, cmd)
    return ctx.spawn(["sh", "-c", script], user=user, env=env, timeout=timeout)


def approve_when_shown(ctx, child, approver, timeout=20):
    child.expect(USER_CODE_RE, timeout=timeout)
    code = child.match.group(1)
    ctx.approve(code, approver)
    return code


def finish(ctx, child, timeout=30):
    import pexpect
    try:
        child.expect(pexpect.EOF, timeout=timeout)
    except pexpect.TIMEOUT:
        ctx.close_child(child)
        return None, child.before or ""
    out = child.before or ""
    status, _ = ctx.close_child(child)
    return status, out


def ran_as(out, user):
    return re.search(r"(^|\n)%s\r?\n" % re.escape(user), out.replace("\r", "")) is not None


def rootonly_dir(ctx):
    d = ctx.path("rootonly")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    return d


def device_attacks(ctx, r):
    keydir = rootonly_dir(ctx)
    keylog = os.path.join(keydir, "keylog-su")

    # 1. su with SSLKEYLOGFILE and umask 0, approved correctly.
    child = run_su(ctx, "bob", "alice", {"SSLKEYLOGFILE": keylog})
    approve_when_shown(ctx, child, "alice")
    status, out = finish(ctx, child)
    r.check(status == 0 and ran_as(out, "alice"),
            "su alice by bob with SSLKEYLOGFILE and umask 0: the approved login works", out)
    r.check(not os.path.lexists(keylog),
            "no TLS key log file was created at the path bob chose (root-only directory)",
            os.path.lexists(keylog) and "%s exists, mode %o, owner %d" % (
                keylog, os.stat(keylog).st_mode & 0o7777, os.stat(keylog).st_uid))

    # 2. the whole hostile environment; the proxy must see nothing.
    proxy = Listener()
    try:
        keylog2 = os.path.join(keydir, "keylog-env")
        env = hostile_env(ctx, proxy.port, keylog2)
        child = run_su(ctx, "bob", "alice", env)
        approve_when_shown(ctx, child, "alice")
        status, out = finish(ctx, child)
        r.check(status == 0 and ran_as(out, "alice"),
                "su with proxies, OpenSSL/CA variables, HOME, TZ and resolver variables set by "
                "the caller: the login goes to the real IdP and works", out)
        child = run_su(ctx, "bob", "alice", env)
        approve_when_shown(ctx, child, "bob")
        status, out = finish(ctx, child)
        r.check(status not in (0, None) and not ran_as(out, "alice"),
                "in the same environment, a code approved by bob for alice is refused", out)
        r.check(proxy.hits == 0, "the caller's proxy got no connection (%d)" % proxy.hits)
        r.check(not os.path.lexists(keylog2), "no key log file in the hostile environment")
    finally:
        proxy.close()

    # 3. sudo by alice herself, the second set-uid PAM program.
    keylog3 = os.path.join(keydir, "keylog-sudo")
    child = ctx.spawn(["sh", "-c", "umask 0; exec sudo -- id -un"], user="alice",
                      env={"SSLKEYLOGFILE": keylog3})
    approve_when_shown(ctx, child, "alice")
    status, out = finish(ctx, child)
    r.check(status == 0 and ran_as(out, "root"),
            "sudo by alice with SSLKEYLOGFILE and umask 0: the approved login works", out)
    r.check(not os.path.lexists(keylog3), "sudo: no key log file at the caller's path")
    child = ctx.spawn(["sh", "-c", "exec sudo -- id -un"], user="alice",
                      env=hostile_env(ctx, 9, keylog3))
    approve_when_shown(ctx, child, "bob")
    status, out = finish(ctx, child)
    r.check(status not in (0, None) and not ran_as(out, "root"),
            "sudo in a hostile environment: a code approved by bob for alice is refused", out)

    # 4. resource limits: too few fds for a socket, no file size, SIGXFSZ ignored.
    before = ctx.control("GET", "/counts")[1] or {}
    child = run_su(ctx, "bob", "alice", {},
                   prelude="umask 0; trap '' XFSZ PIPE; ulimit -S -f 0; ulimit -S -n 6; "
                           "ulimit -S -c 0")
    try:
        approve_when_shown(ctx, child, "alice")
        status, out = finish(ctx, child)
    except Exception as e:  # su itself may not get far with 12 fds: that is a refusal
        status, out = finish(ctx, child)
        out = "%s\n%s" % (e, out)
    after = ctx.control("GET", "/counts")[1] or {}
    asked = (after.get("token", 0) or 0) > (before.get("token", 0) or 0)
    r.check((status == 0 and ran_as(out, "alice") and asked) or
            (status != 0 and not ran_as(out, "alice")),
            "RLIMIT_NOFILE=6, RLIMIT_FSIZE=0, SIGXFSZ ignored: either the IdP decided "
            "(token endpoint asked) or su refused; never a login without the IdP", out)
    # su prints pam_strerror(PAM_AUTHINFO_UNAVAIL) for "IdP unreachable"
    r.check("cannot retrieve authentication info" not in out,
            "with hostile limits the module never reports the IdP as unreachable", out)

    # 5. closed fds 0-2: no terminal, no login, no file.
    keylog5 = os.path.join(keydir, "keylog-nofds")
    p = subprocess.run(["setpriv", "--reuid", "bob", "--regid", "bob", "--init-groups", "--",
                        "sh", "-c", "umask 0; exec su alice -c 'touch %s' <&- >&- 2>&-"
                        % ctx.path("home", "bob", "ran")],
                       env={"PATH": e2elib.PATH, "SSLKEYLOGFILE": keylog5}, timeout=60)
    r.check(p.returncode != 0 and not os.path.exists(ctx.path("home", "bob", "ran")),
            "su with fds 0-2 closed fails without running anything (exit %d)" % p.returncode)
    r.check(not os.path.lexists(keylog5), "closed fds: no key log file")


FD_HOG = ("import os, sys\n"
          "for n in range(3, 1500): os.dup2(0, n, inheritable=True)\n"
          "os.execvp('su', ['su', 'alice', '-c', 'id -un'])\n")


def signal_attack(ctx, r):
    """bob starts su with 1500 inherited fds, then looks at the helper
    process and tries to signal it."""
    child = ctx.spawn(["python3", "-c", FD_HOG], user="bob")
    child.expect(USER_CODE_RE, timeout=20)
    pids = []
    for _ in range(50):
        # su is the pexpect child (sh exec'd it); its helper is its child
        p = subprocess.run(["pgrep", "-P", str(child.pid), "-x", "pam_oauth2_help"],
                           capture_output=True, text=True)
        pids = [int(x) for x in p.stdout.split()]
        if pids:
            break
        time.sleep(0.1)
    r.check(len(pids) == 1, "a helper process runs while su waits (%s)" % pids)
    if pids:
        st = os.stat("/proc/%d" % pids[0])
        r.check(st.st_uid == 0, "the helper runs with real uid 0, not bob's")
        k = subprocess.run(["setpriv", "--reuid", "bob", "--regid", "bob", "--init-groups",
                            "--", "kill", "-STOP", str(pids[0])], capture_output=True, text=True)
        r.check(k.returncode != 0, "bob cannot signal the helper", k.stderr)
        sid = int(open("/proc/%d/stat" % pids[0]).read().rsplit(")", 1)[1].split()[3])
        r.check(sid == pids[0], "the helper leads its own session (no terminal signals)")
        fds = sorted(int(x) for x in os.listdir("/proc/%d/fd" % pids[0]))
        links = {}
        for fd in fds:
            try:
                links[fd] = os.readlink("/proc/%d/fd/%d" % (pids[0], fd))
            except OSError:
                pass
        # its own sockets to the IdP may be open while it polls; nothing of bob's
        r.check(fds[:4] == [0, 1, 2, 3] and len(fds) < 16 and
                all(links.get(fd) == "/dev/null" for fd in (0, 1, 2)) and
                links.get(3, "").startswith("socket:") and
                not any(v.startswith("/dev/pts") or v.startswith("/dev/tty")
                        for v in links.values()),
                "su inherited 1500 fds of bob's terminal; the helper has /dev/null on 0-2, "
                "its channel on 3 and none of them", links)
        env = open("/proc/%d/environ" % pids[0], "rb").read()
        r.check(env == b"", "the helper's environment is empty", env[:200])
        limits = open("/proc/%d/limits" % pids[0]).read()
        r.check(re.search(r"Max open files\s+1024\s+1024", limits) is not None,
                "the helper runs with its own open-file limit", limits)
    ctx.close_child(child)


def offline_attack(ctx, r):
    offline = ctx.path("offline")
    os.makedirs(offline, mode=0o700, exist_ok=True)
    ctx.module_config("device_timeout = 30\ngrant = password\npassword_ttys = pts/*\n"
                      "offline_cache = yes\noffline_dir = %s\n" % offline)
    # root's su: online password login, which stores alice's offline entry
    child = run_su(ctx, None, "alice", {})
    child.expect("Password for alice: ")
    child.sendline("alice-pass")
    status, out = finish(ctx, child)
    r.check(status == 0 and ran_as(out, "alice") and os.path.exists(os.path.join(offline, "alice")),
            "root's su with alice's IdP password works and leaves an offline entry", out)
    subprocess.run(["sh", os.path.join(e2elib.TOP, "tests/idp/idp.sh"), "stop", ctx.idp_dir],
                   capture_output=True, timeout=30)
    # bob, the IdP down, alice's right password: refused
    child = run_su(ctx, "bob", "alice", {},
                   prelude="umask 0; trap '' XFSZ; ulimit -S -f 0")
    child.expect("Password for alice: ")
    child.sendline("alice-pass")
    status, out = finish(ctx, child)
    r.check(status not in (0, None) and not ran_as(out, "alice"),
            "IdP down: bob's su with alice's right password does not use the offline entry", out)
    # root, the IdP down: the offline entry works (the control)
    child = run_su(ctx, None, "alice", {})
    child.expect("Password for alice: ")
    child.sendline("alice-pass")
    status, out = finish(ctx, child)
    r.check(status == 0 and ran_as(out, "alice"),
            "IdP down: root's own su logs in with the offline entry (the control)", out)


def body(ctx, r):
    ctx.start_idp()
    ctx.module_config("device_timeout = 30\n")
    for svc in ("su", "sudo"):
        ctx.pam_service(svc, "")
    ctx.write("etc/sudoers", SUDOERS, 0o440)
    note("PAM services su and sudo: auth required pam_oauth2.so config=...")
    device_attacks(ctx, r)
    signal_attack(ctx, r)
    offline_attack(ctx, r)


if __name__ == "__main__":
    e2elib.main("setuid", ["su", "sudo", "setpriv", "pgrep"], body)
