#!/usr/bin/python3
"""test_sudo.py - real sudo with a PAM stack that uses pam_oauth2.

What it proves, each as its own assertion:
  * alice (IdP groups users + admins) runs `sudo id -un` on a terminal: sudo
    shows the device-grant instructions and the module polls by itself (no
    "Press Enter" prompt: service "sudo", no remote host); once the test
    approves the code for alice, the command runs as root;
  * bob (IdP group users only) logs in at the IdP successfully (the token
    endpoint answers 200) and is still refused by `require_groups=admins`,
    a module argument of the sudo service only; nothing runs;
  * alice's sudo code approved by bob is refused (wrong person);
  * a code denied at the IdP refuses sudo at once.

Method (see e2elib.py): the test runs in a private mount namespace
(`unshare -m --propagation private`) where /etc/pam.d holds only the test's
`sudo` service, /etc/sudoers is the test's own file (alice and bob may run
anything, `passwd_tries=1`, `timestamp_timeout=0`, so every run asks again),
/etc/sudoers.d is empty, /run, /var/log and /var/lib/sudo are empty tmpfs
(sudo's timestamps and lecture files), and alice and bob exist only through
private copies of /etc/passwd, /etc/shadow and /etc/group. The real
/usr/bin/sudo (setuid root) runs as alice or bob through `setpriv` on a
pseudo-terminal driven by pexpect.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import USER_CODE_RE, note  # noqa: E402

SUDOERS = """# pam_oauth2 e2e test sudoers (private mount namespace)
Defaults !lecture, passwd_tries=1, timestamp_timeout=0, !fqdn, env_reset
root  ALL=(ALL:ALL) ALL
alice ALL=(ALL:ALL) ALL
bob   ALL=(ALL:ALL) ALL
"""


def ran_as(out, user):
    return re.search(r"(^|\n)%s\n" % re.escape(user), out.replace("\r", "")) is not None


def sudo(ctx, user):
    """sudo id -un as user, up to the user code: (child, code)."""
    child = ctx.spawn(["sudo", "--", "id", "-un"], user=user, timeout=20)
    child.expect(USER_CODE_RE)
    code = child.match.group(1)
    child.expect(r"The code is valid for [^\r\n]*")
    return child, code


def finish(ctx, child, timeout=20):
    import pexpect
    t0 = time.monotonic()
    try:
        child.expect(pexpect.EOF, timeout=timeout)
    except pexpect.TIMEOUT:
        ctx.close_child(child)
        return None, child.before or "", time.monotonic() - t0
    out = child.before or ""
    status, _ = ctx.close_child(child)
    return status, out, time.monotonic() - t0


def token_ok(ctx):
    _, polls = ctx.control("GET", "/polls")
    return any(p.get("status") == 200 and "device_code" in (p.get("grant_type") or "")
               for p in polls or [])


def body(ctx, r):
    ctx.start_idp()
    ctx.module_config("device_timeout = 30\n")
    ctx.pam_service("sudo", "grant=device require_groups=admins")
    ctx.write("etc/sudoers", SUDOERS, 0o440)
    note("PAM service sudo: auth required pam_oauth2.so ... grant=device require_groups=admins")

    # 1. alice, in admins.
    child, code = sudo(ctx, "alice")
    r.check(True, "sudo shows the device-grant instructions with code %s to alice" % code)
    st, ans = ctx.approve(code, "alice")
    r.check(st == 200, "the IdP approves %s for alice" % code, ans)
    status, out, secs = finish(ctx, child)
    r.check("Press Enter" not in out,
            "sudo's module polls by itself: no 'Press Enter' prompt", out)
    r.check(status == 0 and ran_as(out, "root"),
            "alice (group admins) gets root: `sudo id -un` prints root (%.1f s)" % secs,
            "status %r, output %r" % (status, out))

    # 2. bob, not in admins, after a valid IdP login.
    ctx.control("POST", "/polls/reset")
    child, code = sudo(ctx, "bob")
    st, ans = ctx.approve(code, "bob")
    r.check(st == 200, "the IdP approves %s for bob" % code, ans)
    status, out, secs = finish(ctx, child)
    r.check(token_ok(ctx), "bob's IdP login was valid: the token endpoint issued a token")
    r.check(status not in (0, None) and not ran_as(out, "root"),
            "bob (not in admins) is refused by require_groups=admins: nothing runs (%.1f s)" %
            secs, "status %r, output %r" % (status, out))
    note("sudo told bob: " + " | ".join(x for x in out.replace("\r", "").split("\n") if x))

    # 3. alice's code approved by bob.
    child, code = sudo(ctx, "alice")
    ctx.approve(code, "bob")
    status, out, secs = finish(ctx, child)
    r.check(status not in (0, None) and not ran_as(out, "root"),
            "alice's sudo approved by bob's IdP identity is refused (%.1f s)" % secs,
            "status %r, output %r" % (status, out))

    # 4. denied at the IdP.
    child, code = sudo(ctx, "alice")
    ctx.deny(code)
    status, out, secs = finish(ctx, child)
    r.check(status not in (0, None) and not ran_as(out, "root") and secs < 10,
            "a code denied at the IdP refuses sudo (%.1f s)" % secs,
            "status %r, output %r" % (status, out))
    r.check("denied" in out, "sudo shows the module's reason (the login was denied)", out)

    screen_80x24(ctx, r)
    terminal_goes_away(ctx, r)
    german(ctx, r)



def no_more_polls(ctx, r, what):
    ctx.control("POST", "/polls/reset")
    time.sleep(3)
    _, polls = ctx.control("GET", "/polls")
    r.check(polls == [], "nothing polls the IdP after %s" % what, "%d polls" % len(polls or []))


def screen_80x24(ctx, r):
    """What alice sees in an 80x24 terminal while the module polls."""
    idp = ctx.idp
    t = e2elib.Tmux(ctx, "sudo", ["setpriv", "--reuid", "alice", "--regid", "alice",
                                  "--init-groups", "--", "sudo", "--", "id", "-un"],
                    env={"HOME": ctx.path("home", "alice"), "USER": "alice"})
    m, text = t.wait_for(r"(?s)" + USER_CODE_RE + r".*goes on by itself")
    r.check(m is not None, "sudo in 80x24: the login screen appears", text)
    if m is None:
        return
    code = m.group(1)
    time.sleep(0.5)
    text = t.capture()
    e2elib.check_screen(r, "sudo 80x24", text, code, idp["IDP_ISSUER"] + "/device",
                        "%s/device?user_code=%s" % (idp["IDP_ISSUER"], code), ctx.dir)
    r.check("Login: alice on " in text and ", through sudo" in text,
            "sudo 80x24: the screen names the account, the host and the service", text)
    with open(os.path.join(e2elib.BUILD, "tests", "e2e", "sudo-screen-80x24.txt"), "w") as f:
        f.write(text)
    ctx.approve(code, "alice")
    m, text = t.wait_for(r"(^|\n)root\s*(\n|$)", 20)
    r.check(m is not None, "sudo 80x24: after approval the command runs as root", text)
    t.kill()


def terminal_goes_away(ctx, r):
    """The pty closes, or the user presses Ctrl-C, while the module polls."""
    child, code = sudo(ctx, "alice")
    pid = child.pid
    time.sleep(1)
    t0 = time.monotonic()
    os.close(child.child_fd)  # the terminal goes away: hang-up
    gone = e2elib.wait_gone(lambda: e2elib.pid_gone(pid), 10)
    secs = time.monotonic() - t0
    r.check(gone and secs < 5, "sudo: the pty closed mid-wait ends sudo and its PAM call "
            "within an interval (%.1f s)" % secs)
    try:
        ctx.close_child(child)
    except OSError:
        pass
    no_more_polls(ctx, r, "sudo's terminal closed")

    t = e2elib.Tmux(ctx, "sudo-int", ["setpriv", "--reuid", "alice", "--regid", "alice",
                                      "--init-groups", "--", "sudo", "--", "id", "-un"],
                    env={"HOME": ctx.path("home", "alice"), "USER": "alice"})
    m, text = t.wait_for(USER_CODE_RE)
    if m is None:
        r.check(False, "sudo (Ctrl-C): the login screen appears", text)
        return
    t0 = time.monotonic()
    t.keys("C-c")
    ok = e2elib.wait_gone(t.dead, 10)
    secs = time.monotonic() - t0
    text = t.capture()
    r.check(ok and secs < 5 and "root" not in text.split("\n")[-3:],
            "sudo: Ctrl-C while the module polls ends sudo at once (%.1f s)" % secs, text)
    no_more_polls(ctx, r, "Ctrl-C in sudo")
    t.kill()


def german(ctx, r):
    """LANG=de_DE.UTF-8: the screen and the module's own line in German."""
    if not e2elib.private_german_locale(ctx):
        r.check(True, "# SKIP no de_DE.UTF-8 locale could be made (package locales)")
        return
    idp = ctx.idp
    t = e2elib.Tmux(ctx, "sudo-de", ["setpriv", "--reuid", "alice", "--regid", "alice",
                                     "--init-groups", "--", "sudo", "--", "id", "-un"],
                    env={"HOME": ctx.path("home", "alice"), "USER": "alice",
                         "LANG": "de_DE.UTF-8"})
    m, text = t.wait_for(r"(?s)und geben Sie den Code ein:\s+([B-DF-HJ-NP-TV-XZ]{4}-"
                         r"[B-DF-HJ-NP-TV-XZ]{4}).*selbst weiter")
    r.check(m is not None, "sudo with LANG=de_DE.UTF-8: the login screen is in German", text)
    if m is None:
        return
    code = m.group(1)
    e2elib.check_screen(r, "sudo 80x24 German", text, code, idp["IDP_ISSUER"] + "/device",
                        "%s/device?user_code=%s" % (idp["IDP_ISSUER"], code), ctx.dir)
    r.check("Anmeldung: alice an " in text and "über sudo" in text,
            "German: the title names account, host and service", text)
    with open(os.path.join(e2elib.BUILD, "tests", "e2e", "sudo-screen-80x24-de.txt"), "w") as f:
        f.write(text)
    ctx.approve(code, "bob")
    m, text = t.wait_for("von einem anderen Konto als alice bestätigt", 20)
    r.check(m is not None, "German: the module's own refusal line (approved by another "
            "account) is German too", text)
    t.kill()


if __name__ == "__main__":
    e2elib.main("sudo", ["sudo"], body)
