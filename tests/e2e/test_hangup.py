#!/usr/bin/python3
"""test_hangup.py - a terminal that closes while the device code is shown ends
the host's whole authentication: sudo, su and login stop asking.

What it proves, each as its own assertion:
  * `sh -c "sudo true"` (sudo is not the session leader: a script calling
    sudo) in a pseudo-terminal that the test closes while the module polls:
    sudo ends within seconds, although sudo allows three tries
    (passwd_tries=3); the IdP sees no device authorization request after the
    close and nothing polls it; the module logs one refusal ("aborted: the
    user's terminal went away") and sudo logs that PAM asked it to stop
    (pam_authenticate returned PAM_ABORT), not a wrong password;
  * bob, at an interactive shell, runs `su alice -c "sudo true"`, logs in to
    su as alice through the device grant, and closes the terminal while
    sudo shows its code: su gives the command a session of its own, so
    sudo has no controlling terminal and gets no signal; its conversation
    runs over stdin/stdout, and the module notices the hang-up there: sudo
    ends, no new device authorization request, the same log lines;
  * su itself without a controlling terminal (`setsid -w su alice`): the
    hang-up while su's module polls ends su (su never retries; its log shows
    the module's abort), with no new device authorization request;
  * login without a controlling terminal (`setsid -w login alice`; as the
    session leader SIGHUP ends it first, see test_login.py): the pty closed
    while login's module polls ends login, and login logs "PAM_ABORT
    returned from pam_authenticate()" (it quits instead of asking "login:"
    again), with no new device authorization request;
  * the Debian profile's control (`[success=end abort=die default=ignore]`,
    read from debian/pam-configs/oauth2) in a stack that ends in pam_deny:
    the hang-up still reaches sudo as PAM_ABORT, not as pam_deny's failure.

On the code before this test (cc0fec0) the module returned PAM_AUTH_ERR for
a hang-up, and sudo asked again with a new device grant each time; without
a controlling terminal it did not notice the hang-up at all.

Method: e2elib's private mount namespace (test accounts, the test's own
/etc/pam.d and sudoers), plus a private /dev whose /dev/log is read by the
test (Context.capture_syslog), so the module's, sudo's, su's and login's
log lines are checked. The test IdP counts every request (GET /counts).
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
import test_sudo  # noqa: E402
from e2elib import USER_CODE_RE, note  # noqa: E402

# test_sudo.py's sudoers with sudo's default of three tries: a host that
# asked again would start a new device code.
SUDOERS = test_sudo.SUDOERS.replace("passwd_tries=1", "passwd_tries=3")

# Longer than the test runs: a module that missed the hang-up would still be
# polling when the test looks (the code before this test did).
DEVICE_TIMEOUT = 60
# How long after the close a program may take to end: a poll interval of
# the module plus the host's own teardown, far below DEVICE_TIMEOUT.
END_WITHIN = 10


def device_requests(ctx):
    _, counts = ctx.control("GET", "/counts")
    return (counts or {}).get("device_authorization", -1)


def alive(pid):
    """Is pid a running (not zombie) process?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return False
    return s[s.rindex(")") + 2:].split()[0] != "Z"


def parent(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split()[1])


def descends(pid, root):
    """Is pid root or one of its descendants? (Other tests may run the same
    programs as the same users at the same time: only this test's processes
    are looked at, and only they are ever ended.)"""
    try:
        while pid > 1:
            if pid == root:
                return True
            pid = parent(pid)
    except (OSError, ValueError, IndexError):
        pass
    return False


def find_process(comm, uid, root, timeout=10):
    """The pid of the running program comm of user uid (real uid) started
    under this test's process root."""
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/comm" % d) as f:
                    name = f.read().strip()
                with open("/proc/%s/status" % d) as f:
                    ruid = int(re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1))
            except (OSError, AttributeError, ValueError):
                continue
            if name == comm and ruid == uid and alive(int(d)) and descends(int(d), root):
                return int(d)
        time.sleep(0.1)
    return None


def hang_up(ctx, child, pid):
    """Close the terminal (the pty master); seconds until pid ended, or None."""
    t0 = time.monotonic()
    os.close(child.child_fd)
    gone = e2elib.wait_gone(lambda: not alive(pid), END_WITHIN + 20)
    secs = time.monotonic() - t0
    try:
        ctx.close_child(child)
    except OSError:
        pass
    return secs if gone else None


def end(pid):
    """A program that outlived the hang-up (a regression): the test started
    it, the test ends it, by its pid."""
    if alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def after_close(ctx, r, what, before):
    """No new device authorization request and no polling after the close."""
    ctx.control("POST", "/polls/reset")
    time.sleep(4)
    _, polls = ctx.control("GET", "/polls")
    r.check(polls == [], "%s: nothing polls the IdP after the close" % what,
            "%d polls" % len(polls or []))
    n = device_requests(ctx)
    r.check(n == before, "%s: the IdP saw no device authorization request after the close "
            "(%d before, %d after)" % (what, before, n))


def module_lines(lines, service):
    return [x for x in lines if "pam_oauth2(%s:auth)" % service in x and "login refused" in x]


def check_logs(r, what, service, lines, host_pattern, host_says):
    refused = module_lines(lines, service)
    note("%s logged:\n  %s" % (what, "\n  ".join(lines) or "(nothing)"))
    r.check(len(refused) == 1 and "reason=aborted: the user's terminal went away" in refused[0],
            "%s: the module logged one refusal, the terminal going away" % what,
            "\n".join(refused))
    r.check(any(re.search(host_pattern, x) for x in lines),
            "%s: %s" % (what, host_says), "\n".join(lines))


SUDO_STOPPED = (r"sudo.*PAM authentication error: Critical error - immediate abort",
                "sudo logged that PAM asked it to stop (PAM_ABORT), not a failed try")


def tty_nr(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split()[4])


def hang_up_case(ctx, r, log, mark, what, child, proc, requests, service, host_log,
                 no_ctty=False):
    """child shows proc's device code (the requests-th device request since the
    counts were reset); the test closes the terminal and checks the rest."""
    child.expect(USER_CODE_RE)
    child.expect(r"The code is valid for [^\r\n]*")
    pid = find_process(*proc, child.pid)
    before = device_requests(ctx)
    r.check(pid is not None and before == requests,
            "%s: %s shows the device code (device authorization request %d)" %
            (what, proc[0], requests), "pid %r, %d requests" % (pid, before))
    if pid is None:
        return
    if no_ctty:
        r.check(tty_nr(pid) == 0, "%s: %s runs without a controlling terminal" %
                (what, proc[0]), "tty_nr %d" % tty_nr(pid))
    time.sleep(1)
    secs = hang_up(ctx, child, pid)
    r.check(secs is not None and secs < END_WITHIN,
            "%s: the terminal closed mid-wait, %s ends (%s s)" %
            (what, proc[0], "%.1f" % secs if secs is not None else "still running after 30"))
    after_close(ctx, r, what, before)
    end(pid)
    check_logs(r, what, service, log.lines(mark), *host_log)


def debian_profile_stack(ctx, service):
    """/etc/pam.d/SERVICE with the auth stack pam-auth-update builds from the
    Debian profile (debian/pam-configs/oauth2) when pam_oauth2 is the only
    primary module: its Auth-Initial control with "end" made a jump over
    pam_deny, as pam-auth-update writes it."""
    with open(os.path.join(e2elib.TOP, "debian", "pam-configs", "oauth2")) as f:
        profile = f.read()
    control = re.search(r"^Auth-Initial:\n\s+(\[[^]]*\])", profile, re.M).group(1)
    conf = ctx.path("pam_oauth2.conf")
    text = ("auth     %s %s config=%s grant=device\n"
            "auth     requisite pam_deny.so\n"
            "auth     required pam_permit.so\n"
            "account  required %s config=%s\n"
            "session  required pam_permit.so\n" %
            (control.replace("end", "1"), e2elib.MODULE, conf, e2elib.MODULE, conf))
    ctx.write("etc/pam.d/" + service, text, 0o644)
    return control


def body(ctx, r):
    log = ctx.capture_syslog()
    ctx.start_idp()
    ctx.module_config("device_timeout = %d\n" % DEVICE_TIMEOUT)
    ctx.write("etc/sudoers", SUDOERS, 0o440)
    for service in ("sudo", "su", "login"):
        ctx.pam_service(service, "grant=device")
    note("PAM services sudo, su, login: auth required pam_oauth2.so ... grant=device; "
         "sudoers: passwd_tries=3")
    alice, bob = ctx.uids["alice"], ctx.uids["bob"]

    # A script calling sudo: sudo is not the session leader (passwd_tries=3).
    ctx.control("POST", "/counts/reset")
    mark = log.mark()
    child = ctx.spawn(["sh", "-c", "sudo true"], user="alice", timeout=20)
    hang_up_case(ctx, r, log, mark, 'sh -c "sudo true"', child, ("sudo", alice), 1, "sudo",
                 SUDO_STOPPED)

    # bob, at an interactive shell, becomes alice with su and runs sudo: su
    # gives the command a session of its own (no controlling terminal, no
    # signal when the terminal closes).
    what = 'su alice -c "sudo true"'
    ctx.control("POST", "/counts/reset")
    mark = log.mark()
    child = ctx.spawn(["sh", "-i"], user="bob", timeout=20)
    child.expect(r"\$ ")
    child.sendline('su alice -c "sudo true"')
    child.expect(USER_CODE_RE)
    st, _ = ctx.approve(child.match.group(1), "alice")
    r.check(st == 200, "%s: su's device code approved for alice" % what)
    su_pid = find_process("su", bob, child.pid)
    hang_up_case(ctx, r, log, mark, what, child, ("sudo", alice), 2, "sudo", SUDO_STOPPED,
                 no_ctty=True)
    r.check(su_pid is not None and e2elib.wait_gone(lambda: not alive(su_pid), 5),
            "%s: su has ended too" % what, "su pid %r" % su_pid)
    if su_pid is not None:
        end(su_pid)

    # su and login without a controlling terminal: no SIGHUP ends them, only
    # the module's code (su never retries; shadow's login stops on PAM_ABORT).
    ctx.control("POST", "/counts/reset")
    mark = log.mark()
    child = ctx.spawn(["sh", "-c", "setsid -w su alice -c true"], user="bob", timeout=20)
    hang_up_case(ctx, r, log, mark, "setsid -w su alice", child, ("su", bob), 1, "su",
                 (r"su\b.*FAILED SU", "su logged the failed authentication and quit"),
                 no_ctty=True)
    ctx.control("POST", "/counts/reset")
    mark = log.mark()
    child = ctx.spawn(["sh", "-c", "setsid -w login alice"], timeout=20)
    hang_up_case(ctx, r, log, mark, "setsid -w login alice", child, ("login", 0), 1, "login",
                 (r"login.*PAM_ABORT returned from pam_authenticate",
                  "login logged PAM_ABORT and quit instead of asking login: again"),
                 no_ctty=True)

    # The Debian profile's line: a stack that ignores the module's failures
    # (pam_deny after it) must still end with PAM_ABORT, or sudo asks again.
    control = debian_profile_stack(ctx, "sudo")
    what = 'Debian profile %s, sh -c "sudo true"' % control
    ctx.control("POST", "/counts/reset")
    mark = log.mark()
    child = ctx.spawn(["sh", "-c", "sudo true"], user="alice", timeout=20)
    hang_up_case(ctx, r, log, mark, what, child, ("sudo", alice), 1, "sudo", SUDO_STOPPED)
    r.check(not any("incorrect password attempt" in x for x in log.lines(mark)),
            "%s: sudo did not count failed tries (abort=die ended the stack)" % what)

if __name__ == "__main__":
    e2elib.main("hangup", ["sudo", "su", "login", "setsid"], body)
