#!/usr/bin/python3
"""test_sshd.py - real OpenSSH: sshd (keyboard-interactive through PAM) and ssh.

What it proves, each as its own assertion:
  * alice logs in with the real ssh client: the client shows the verification
    URL, the user code and a QR code that a real QR reader (zbarimg) decodes to
    the verification_uri_complete; the test approves the code through the test
    IdP's control API, presses Enter, and the remote `id -un` prints alice;
  * bob's approval of alice's login code is refused (ssh ends with
    "Permission denied", nothing runs);
  * a denied code, a cancelled prompt and an expired device_timeout each end
    the ssh attempt cleanly (exit 255, "Permission denied") and in time;
  * sshd never outlives its LoginGraceTime: neither when the user never
    presses Enter nor when the module is polling the IdP after Enter, and no
    sshd or PAM process keeps polling the IdP afterwards.

Method (see e2elib.py for the details): the whole test runs in a private mount
namespace (`unshare -m --propagation private`) in which /etc/pam.d is the
test's own directory holding only `sshd` (the Debian sshd binary takes its PAM
service name from its program name, "sshd"), and alice, bob and e2eclient
exist only through private copies of /etc/passwd, /etc/shadow and /etc/group
bind-mounted over the real ones. sshd is the machine's /usr/sbin/sshd started
in the foreground (-D) on 127.0.0.1 at a free high port with its own host key,
configuration and log in the test's temporary directory; the ssh client runs
as e2eclient with -F /dev/null and a known_hosts file holding that host key.
The machine's own sshd configuration and service are not used or touched.

A transcript of the successful login, exactly as the ssh client showed it, is
written to tests/e2e/ssh-login-transcript.txt in the build tree.
"""
import io
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import USER_CODE_RE, note  # noqa: E402

PROMPT = "Press Enter once you have approved the login"
DEVICE_TIMEOUT = 20
GRACE_MAIN = 40   # LoginGraceTime above device_timeout, as docs/sshd-sudo-console.md says
GRACE_SHORT = 8   # the instance that checks sshd ends a login at LoginGraceTime


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_sshd(ctx, tag, grace, overrides=None):
    """sshd with the test's configuration; overrides: {keyword: value} replacing or
    adding lines (sshd takes the first occurrence of a keyword)."""
    d = ctx.path("sshd-" + tag)
    os.makedirs(d)
    key = os.path.join(d, "ssh_host_ed25519_key")
    e2elib.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "oa2e2e", "-f", key])
    for attempt in range(5):
        port = free_port()
        lines = [
            "ListenAddress 127.0.0.1",
            "Port %d" % port,
            "HostKey " + key,
            "PidFile none",
            "UsePAM yes",
            "KbdInteractiveAuthentication yes",
            "AuthenticationMethods keyboard-interactive",
            "PasswordAuthentication no",
            "PubkeyAuthentication no",
            "PermitRootLogin no",
            "LoginGraceTime %d" % grace,
            "MaxAuthTries 3",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "LogLevel VERBOSE"]
        for k, v in (overrides or {}).items():
            lines = [x for x in lines if x.split()[0] != k] + ["%s %s" % (k, v)]
        cfg = ctx.write("sshd-%s/sshd_config" % tag, "\n".join(
            ["# pam_oauth2 e2e test sshd (%s)" % tag] + lines + [""]))
        log = open(os.path.join(d, "sshd.log"), "ab")
        # An empty environment: no LANG, so the module draws the UTF-8 QR code.
        p = ctx.start_daemon(["/usr/sbin/sshd", "-D", "-e", "-f", cfg],
                             stdout=log, stderr=log, env={"PATH": e2elib.PATH})
        log.close()
        t = time.monotonic() + 10
        while time.monotonic() < t and p.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if s.recv(64).startswith(b"SSH-2.0-"):
                        break
            except OSError:
                time.sleep(0.1)
        else:
            ctx.stop(p)
            continue
        with open(key + ".pub") as f:
            pub = " ".join(f.read().split()[:2])
        kh = ctx.write("sshd-%s/known_hosts" % tag, "[127.0.0.1]:%d %s\n" % (port, pub))
        return {"port": port, "proc": p, "known_hosts": kh, "log": os.path.join(d, "sshd.log")}
    raise RuntimeError("sshd did not start; log:\n" + open(os.path.join(d, "sshd.log")).read())


def ssh_argv(srv, user, cmd="id -un"):
    return ["ssh", "-F", "/dev/null", "-p", str(srv["port"]),
            "-o", "UserKnownHostsFile=" + srv["known_hosts"],
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "PreferredAuthentications=keyboard-interactive",
            "-o", "PubkeyAuthentication=no",
            "-o", "NumberOfPasswordPrompts=1",
            "-o", "ConnectTimeout=10",
            "%s@127.0.0.1" % user, cmd]


def start_login(ctx, srv, user, cmd="id -un"):
    """ssh up to the module's prompt: (child, user_code, shown text, t_code)."""
    child = ctx.spawn(ssh_argv(srv, user, cmd), user="e2eclient", timeout=20)
    shown = io.StringIO()
    child.logfile_read = shown
    child.expect(USER_CODE_RE)
    code = child.match.group(1)
    t_code = time.monotonic()
    child.expect(PROMPT)
    return child, code, shown, t_code


def finish(ctx, child, timeout):
    """Wait for ssh to end: (exit status, everything after the prompt, seconds)."""
    import pexpect
    t0 = time.monotonic()
    try:
        child.expect(pexpect.EOF, timeout=timeout)
        ended = True
    except pexpect.TIMEOUT:
        ended = False
    elapsed = time.monotonic() - t0
    tail = child.before or ""
    status, _ = ctx.close_child(child)
    return (status if ended else None), tail, elapsed


def ran_as(tail, user):
    return re.search(r"(^|\n)%s\r?\n" % re.escape(user), tail.replace("\r", "")) is not None


def sshd_processes():
    """sshd processes in this mount namespace (only the test's own exist here)."""
    mine = os.readlink("/proc/self/ns/mnt")
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/ns/mnt" % d) != mine:
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % d) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if cmd.startswith("sshd") and state != "Z":
                out.append((int(d), cmd.strip()))
        except OSError:
            pass
    return out


def polls_after(ctx, r, what):
    """No process of the ended login may go on polling the IdP."""
    ctx.control("POST", "/polls/reset")
    time.sleep(3)
    _, polls = ctx.control("GET", "/polls")
    r.check(polls == [], "nothing polls the IdP after the grace-time end %s" % what,
            "%d polls in 3 s" % len(polls or []))


def body(ctx, r):
    idp = ctx.start_idp()
    ctx.module_config("device_timeout = %d\n" % DEVICE_TIMEOUT)
    ctx.pam_service("sshd", "")
    srv = start_sshd(ctx, "main", GRACE_MAIN)
    note("sshd on 127.0.0.1:%d (LoginGraceTime %d), IdP %s" % (srv["port"], GRACE_MAIN,
                                                                  idp["IDP_ISSUER"]))

    # 1. alice, approved as alice.
    child, code, shown, _ = start_login(ctx, srv, "alice")
    text = shown.getvalue()
    uri = idp["IDP_ISSUER"] + "/device"
    r.check(uri in text, "ssh shows the verification URL " + uri)
    lines = e2elib.qr_from_screen(text)
    r.check(len(lines) > 10, "ssh shows a UTF-8 half-block QR code (%d lines)" % len(lines))
    r.check("\\342" not in text and "\\M-" not in text,
            "ssh passes the QR code's UTF-8 through unaltered (no octal/vis escapes)")
    decoded = e2elib.qr_decode(lines, ctx.dir)
    r.check(decoded == "%s/device?user_code=%s" % (idp["IDP_ISSUER"], code),
            "the QR code shown by ssh decodes to verification_uri_complete",
            "zbarimg read: %r" % decoded)
    st, ans = ctx.approve(code, "alice")
    r.check(st == 200, "the IdP approves %s for alice" % code, ans)
    child.sendline("")
    status, tail, secs = finish(ctx, child, 20)
    r.check(status == 0 and ran_as(tail, "alice"),
            "after Enter, ssh logs alice in and `id -un` prints alice (%.1f s)" % secs,
            "status %r, output %r" % (status, tail))
    transcript = shown.getvalue().replace("\r\n", "\n").replace("\r", "")
    out = os.path.join(e2elib.BUILD, "tests", "e2e", "ssh-login-transcript.txt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write("$ ssh -p %d alice@127.0.0.1 id -un\n" % srv["port"] + transcript)
    note("transcript written to " + out)

    # 2. alice's login code approved by bob.
    child, code, _, _ = start_login(ctx, srv, "alice")
    st, ans = ctx.approve(code, "bob")
    r.check(st == 200, "the IdP approves %s for bob" % code, ans)
    child.sendline("")
    status, tail, secs = finish(ctx, child, 20)
    r.check(status == 255 and "Permission denied" in tail and not ran_as(tail, "alice")
            and not ran_as(tail, "bob"),
            "bob's approval of alice's login is refused: Permission denied, nothing runs",
            "status %r, output %r" % (status, tail))
    with open(srv["log"]) as f:
        log = f.read()
    r.check("Failed keyboard-interactive/pam for alice" in log,
            "sshd logs the refused keyboard-interactive/pam attempt for alice")

    # 3. denied at the IdP.
    child, code, _, _ = start_login(ctx, srv, "alice")
    st, ans = ctx.deny(code)
    r.check(st == 200, "the IdP denies %s" % code, ans)
    child.sendline("")
    status, tail, secs = finish(ctx, child, 15)
    r.check(status == 255 and "Permission denied" in tail and not ran_as(tail, "alice")
            and secs < 10,
            "a denied code ends the ssh attempt cleanly (%.1f s)" % secs,
            "status %r, output %r" % (status, tail))

    # 4. the user types 'cancel'.
    child, code, _, _ = start_login(ctx, srv, "alice")
    child.sendline("cancel")
    status, tail, secs = finish(ctx, child, 15)
    r.check(status == 255 and "Permission denied" in tail and secs < 5,
            "typing 'cancel' ends the ssh attempt cleanly (%.1f s)" % secs,
            "status %r, output %r" % (status, tail))

    # 5. nobody approves: the module gives up at device_timeout.
    child, code, _, t_code = start_login(ctx, srv, "alice")
    child.sendline("")
    status, tail, secs = finish(ctx, child, DEVICE_TIMEOUT + 15)
    total = time.monotonic() - t_code
    r.check(status == 255 and "Permission denied" in tail and
            DEVICE_TIMEOUT - 3 <= total <= DEVICE_TIMEOUT + 6,
            "an unapproved code ends the ssh attempt at device_timeout=%d s (%.1f s)" %
            (DEVICE_TIMEOUT, total), "status %r, output %r" % (status, tail))
    screen_80x24(ctx, r, srv)
    ctx.stop(srv["proc"])

    # 6./7. LoginGraceTime shorter than device_timeout: sshd must end the login.
    short = start_sshd(ctx, "grace", GRACE_SHORT)
    note("sshd on 127.0.0.1:%d (LoginGraceTime %d)" % (short["port"], GRACE_SHORT))
    def conn_procs():
        return [p for p in sshd_processes() if p[0] != short["proc"].pid]

    # 6. The user never answers the prompt. sshd ends the connection at
    # LoginGraceTime; the ssh client, blocked reading the terminal, notices
    # only when Enter is pressed.
    t0 = time.monotonic()
    child, code, _, _ = start_login(ctx, short, "alice")
    gone = e2elib.wait_gone(lambda: not conn_procs(), GRACE_SHORT + 10)
    total = time.monotonic() - t0
    r.check(gone and total <= GRACE_SHORT + 3,
            "sshd ends the login at LoginGraceTime=%d s at the unanswered prompt, "
            "all its processes gone (%.1f s)" % (GRACE_SHORT, total), repr(conn_procs()))
    child.sendline("")
    status, tail, secs = finish(ctx, child, 10)
    r.check(status == 255 and not ran_as(tail, "alice") and secs < 5,
            "the ssh client, still at the prompt, ends on the next Enter (%.1f s)" % secs,
            "status %r, output %r" % (status, tail))
    polls_after(ctx, r, "at the unanswered prompt")

    # 7. The user pressed Enter and the module is polling (device_timeout 20 >
    # LoginGraceTime 8): sshd still ends the login, and the client with it.
    t0 = time.monotonic()
    child, code, _, _ = start_login(ctx, short, "alice")
    child.sendline("")
    status, tail, _ = finish(ctx, child, GRACE_SHORT + 15)
    total = time.monotonic() - t0
    r.check(status == 255 and total <= GRACE_SHORT + 3 and not ran_as(tail, "alice"),
            "sshd ends the login at LoginGraceTime=%d s while the module polls after "
            "Enter, and ssh exits (%.1f s)" % (GRACE_SHORT, total),
            "status %r, output %r" % (status, tail))
    e2elib.wait_gone(lambda: not conn_procs(), 5)
    r.check(not conn_procs(), "no sshd or PAM process is left behind after the "
            "grace-time end while polling", repr(conn_procs()))
    polls_after(ctx, r, "while polling")
    ctx.stop(short["proc"])


def screen_80x24(ctx, r, srv):
    """Real ssh in an 80x24 tmux pane: the visible screen at the prompt; then
    the client disconnects while the module polls."""
    idp = ctx.idp
    argv = ["setpriv", "--reuid", "e2eclient", "--regid", "e2eclient", "--init-groups", "--"]
    env = {"HOME": ctx.path("home", "e2eclient"), "USER": "e2eclient"}
    t = e2elib.Tmux(ctx, "ssh", argv + ssh_argv(srv, "alice"), env=env)
    m, text = t.wait_for(r"(?s)" + USER_CODE_RE + r".*" + PROMPT)
    r.check(m is not None, "ssh in 80x24: the login screen and the prompt appear", text)
    if m is None:
        return
    code = m.group(1)
    e2elib.check_screen(r, "ssh 80x24", text, code, idp["IDP_ISSUER"] + "/device",
                        "%s/device?user_code=%s" % (idp["IDP_ISSUER"], code), ctx.dir)
    r.check("Login: alice on " in text and ", through sshd" in text,
            "ssh 80x24: the screen names the account, the host and the service", text)
    with open(os.path.join(e2elib.BUILD, "tests", "e2e", "ssh-screen-80x24.txt"), "w") as f:
        f.write(text)
    st, _ = ctx.approve(code, "alice")
    t.keys("Enter")
    m, text = t.wait_for(r"(^|\n)alice\s*(\n|$)", 20)
    r.check(m is not None, "ssh 80x24: after approval and Enter, `id -un` prints alice", text)
    t.kill()

    # The client goes away while the module polls after Enter.
    conn = lambda: [p for p in sshd_processes() if p[0] != srv["proc"].pid]  # noqa: E731
    t = e2elib.Tmux(ctx, "ssh-gone", argv + ssh_argv(srv, "alice"), env=env)
    m, text = t.wait_for(PROMPT)
    if m is None:
        r.check(False, "ssh (disconnect): the prompt appears", text)
        return
    t.keys("Enter")
    time.sleep(1)
    t0 = time.monotonic()
    t.kill()  # the terminal closes: ssh gets SIGHUP and the connection drops
    gone = e2elib.wait_gone(lambda: not conn(), 10)
    secs = time.monotonic() - t0
    r.check(gone and secs < 5, "an ssh client that disconnects while the module polls ends "
            "the login: no sshd or PAM process left (%.1f s)" % secs, repr(conn()))
    polls_after(ctx, r, "of a disconnected client")


if __name__ == "__main__":
    e2elib.main("sshd", ["sshd", "ssh", "ssh-keygen", "zbarimg"], body)
