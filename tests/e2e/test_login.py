#!/usr/bin/python3
"""test_login.py - the console path through the real `login` program.

What it proves, each as its own assertion:
  * on a trusted terminal (`password_ttys=pts/*` as a module argument; no
    remote host) login asks "login:", the module asks "Password for alice:",
    uses the password grant with the IdP password, and the shell that login
    starts runs as alice;
  * a wrong IdP password (bob's password for alice) gives "Login incorrect"
    and no shell;
  * on a terminal that is not trusted (`password_ttys=tty9`) the module uses
    the device grant instead and polls by itself (no password prompt, no
    "Press Enter"); login started without a user name shows the code at once
    (the module does not ask for a name: the approved identity, mapped to a
    local account, becomes the PAM user), and the approved login gets a shell;
  * with a remote host (`login -h 192.0.2.7 alice`, which sets PAM_RHOST) the module
    never asks for a password even on a trusted terminal: it shows the device
    instructions with the Enter prompt, and an approved login gets a shell.

Method (see e2elib.py): the test runs in a private mount namespace
(`unshare -m --propagation private`) where /etc/pam.d holds only the test's
`login` service (rewritten between the cases, libpam reads it at each
pam_start), alice and bob exist only through private copies of /etc/passwd,
/etc/shadow and /etc/group, and /run and /var/log are empty tmpfs (utmp,
wtmp, btmp, lastlog). /usr/bin/login runs as root on a pseudo-terminal
(/dev/pts/N) driven by pexpect, as getty would run it on a console.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import USER_CODE_RE, note  # noqa: E402

SHELL_PROMPT = r"\$ $"


def shell_runs_as(ctx, child, user):
    """At the shell login started: does `id -un` print user? (status, output)"""
    import pexpect
    child.expect(SHELL_PROMPT, timeout=15)
    child.sendline("id -un; exit")
    try:
        child.expect(pexpect.EOF, timeout=10)
    except pexpect.TIMEOUT:
        pass
    out = (child.before or "").replace("\r", "")
    status, _ = ctx.close_child(child)
    return re.search(r"(^|\n)%s\n" % re.escape(user), out) is not None, out


def body(ctx, r):
    import pexpect
    ctx.start_idp()
    ctx.module_config("device_timeout = 30\n")

    # 1. trusted pty, right password.
    ctx.pam_service("login", "password_ttys=pts/*")
    ctx.control("POST", "/polls/reset")
    child = ctx.spawn(["login"], timeout=15)
    child.expect("login: ")
    child.sendline("alice")
    child.expect("Password for alice: ")
    r.check(True, "login on a trusted pty asks for alice's IdP password")
    child.sendline("alice-pass")
    ok, out = shell_runs_as(ctx, child, "alice")
    r.check(ok, "the password grant logs alice in: her shell's `id -un` prints alice", out)
    _, polls = ctx.control("GET", "/polls")
    r.check([p.get("grant_type") for p in polls or []] == ["password"] and
            polls[0].get("status") == 200,
            "exactly one token request, grant_type=password, answered 200", polls)

    # 2. trusted pty, wrong password.
    child = ctx.spawn(["login"], timeout=15)
    child.expect("login: ")
    child.sendline("alice")
    child.expect("Password for alice: ")
    child.sendline("bob-pass")
    i = child.expect(["Login incorrect", SHELL_PROMPT, pexpect.EOF, pexpect.TIMEOUT])
    r.check(i == 0, "a wrong IdP password gives 'Login incorrect' and no shell",
            child.before)
    ctx.close_child(child)

    # 3. untrusted pty: device grant, polled by the module itself.
    # Without a user name the module does not ask for one: the approved IdP
    # identity, mapped to a local account, becomes the PAM user.
    ctx.pam_service("login", "password_ttys=tty9")
    child = ctx.spawn(["login"], timeout=15)
    i = child.expect([USER_CODE_RE, "Password for", "login: "])
    r.check(i == 0, "on an untrusted pty login shows the device grant at once "
            "(no password prompt, no 'login:' prompt)", child.before)
    if i == 0:
        code = child.match.group(1)
        child.expect(r"The code is valid for [^\r\n]*")
        st, ans = ctx.approve(code, "alice")
        r.check(st == 200, "the IdP approves %s for alice" % code, ans)
        t0 = time.monotonic()
        ok, out = shell_runs_as(ctx, child, "alice")
        r.check(ok and "Press Enter" not in out,
                "the module polls by itself and login starts alice's shell (%.1f s)" %
                (time.monotonic() - t0), out)
    else:
        ctx.close_child(child)

    # 4. remote host on a trusted pty: never the password grant.
    ctx.pam_service("login", "password_ttys=pts/*")
    child = ctx.spawn(["login", "-h", "192.0.2.7", "alice"], timeout=15)
    i = child.expect([USER_CODE_RE, "Password for"])
    r.check(i == 0, "with PAM_RHOST set (login -h) the trusted pty gets the device grant",
            child.before)
    if i == 0:
        code = child.match.group(1)
        child.expect("Press Enter once you have approved the login")
        r.check(True, "with a remote host the module asks for Enter after approval")
        ctx.approve(code, "alice")
        child.sendline("")
        ok, out = shell_runs_as(ctx, child, "alice")
        r.check(ok, "after approval and Enter, login starts alice's shell", out)
    else:
        ctx.close_child(child)

    # 5. an 80x24 console: the visible screen while the module polls.
    ctx.pam_service("login", "password_ttys=tty9")
    idp = ctx.idp
    t = e2elib.Tmux(ctx, "login", ["login"])
    m, text = t.wait_for(r"(?s)" + USER_CODE_RE + r".*goes on by itself")
    r.check(m is not None, "login in 80x24: the login screen appears", text)
    if m is not None:
        code = m.group(1)
        time.sleep(0.5)
        text = t.capture()
        e2elib.check_screen(r, "login 80x24", text, code, idp["IDP_ISSUER"] + "/device",
                            "%s/device?user_code=%s" % (idp["IDP_ISSUER"], code), ctx.dir)
        r.check("Login on " in text and ", through login" in text,
                "login 80x24: without a user name the screen names the host and the service",
                text)
        with open(os.path.join(e2elib.BUILD, "tests", "e2e", "login-screen-80x24.txt"),
                  "w") as f:
            f.write(text)
    t.kill()

    # 6. the pty closes while the module polls.
    child = ctx.spawn(["login"], timeout=15)
    child.expect(USER_CODE_RE)
    pid = child.pid
    time.sleep(1)
    t0 = time.monotonic()
    os.close(child.child_fd)
    gone = e2elib.wait_gone(lambda: e2elib.pid_gone(pid), 10)
    secs = time.monotonic() - t0
    r.check(gone and secs < 5, "login: the pty closed mid-wait ends login and its PAM call "
            "within an interval (%.1f s)" % secs)
    try:
        ctx.close_child(child)
    except OSError:
        pass
    ctx.control("POST", "/polls/reset")
    time.sleep(3)
    _, polls = ctx.control("GET", "/polls")
    r.check(polls == [], "nothing polls the IdP after login's terminal closed",
            "%d polls" % len(polls or []))



if __name__ == "__main__":
    e2elib.main("login", ["login"], body)
