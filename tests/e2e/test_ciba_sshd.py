#!/usr/bin/python3
"""test_ciba_sshd.py - real OpenSSH (keyboard-interactive through PAM) with
grant = ciba (docs/ciba.md): the binding message travels to the ssh
client's screen, the person approves the push on the phone.

What it proves, each as its own assertion:
  * alice logs in with the real ssh client in an 80x24 tmux pane: the
    visible screen holds "Approve the login on your phone: HOST.sshd.NNNN",
    the request's validity and the module's prompt, whole, nothing wrapped;
    the IdP's one pending request carries that binding message; the test
    approves it at the IdP by the message READ FROM THE CLIENT'S SCREEN,
    presses Enter, and `id -un` prints alice;
  * every login makes exactly one backchannel authentication request; a warm
    login (Enter first, the approval a second later: the module polls) makes
    that request plus the polls and nothing else: no discovery, no JWKS;
  * denied on the phone: ssh ends with "Permission denied", the module's
    line "The login was denied at the identity provider." is on the client's
    screen, nothing runs, sshd logs the failed keyboard-interactive/pam attempt, the module logs
    the denial.

Method: test_sshd.py's sshd (the machine's /usr/sbin/sshd on 127.0.0.1 with
the test's own configuration, private mount namespace, e2elib) with
/etc/pam.d/sshd holding `grant=ciba`, the test IdP's confidential client,
`ciba_login_hint = %u@example.test`; the ssh client runs as e2eclient. The
client's screen at the prompt is left in tests/e2e/ciba-ssh-screen-80x24.txt
in the build tree.
Cost: about 20 s (an IdP and an sshd start, three logins).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import note  # noqa: E402
from test_sshd import PROMPT, ssh_argv, start_sshd  # noqa: E402

CONFIG = "device_timeout = 30\nciba_login_hint = %u@example.test\n"
ALICE = r"(?m)^alice\s*$"


def ssh_screen(ctx, srv, name):
    """ssh alice@sshd id -un as e2eclient in an 80x24 pane, up to the
    module's prompt: (tmux, visible text or None)."""
    t = e2elib.Tmux(ctx, name, ["setpriv", "--reuid", "e2eclient", "--regid", "e2eclient",
                                "--init-groups", "--"] + ssh_argv(srv, "alice"),
                    env={"HOME": ctx.path("home", "e2eclient"), "USER": "e2eclient"})
    m, text = t.wait_for(r"(?s)Approve the login.*" + re.escape(PROMPT))
    return t, (text if m else None)


def body(ctx, r):
    log = ctx.capture_syslog()
    ctx.start_idp()
    ctx.module_config(CONFIG, client="pam-confidential")
    ctx.pam_service("sshd", "grant=ciba")
    srv = start_sshd(ctx, "ciba", 60)
    note("sshd on 127.0.0.1:%d, PAM service sshd: grant=ciba, client pam-confidential"
         % srv["port"])
    ctx.counts_reset()
    ctx.control("POST", "/polls/reset")

    # 1. Approve by the message on the client's screen, then Enter (cold).
    t, text = ssh_screen(ctx, srv, "approve")
    if not r.check(text is not None, "ssh 80x24: the CIBA lines and the prompt appear",
                   t.capture()):
        return
    binding = e2elib.check_ciba_screen(r, "ssh 80x24", t, text, "sshd")
    r.check(text.rstrip("\n").split("\n")[-1].startswith(PROMPT),
            "ssh 80x24: the module's prompt is the last line, below the binding message", text)
    e2elib.ciba_approve_shown(ctx, r, "ssh 80x24", binding, text, "ciba-ssh-screen-80x24.txt")
    t.keys("Enter")
    m, text = t.wait_for(ALICE, 20)
    r.check(m is not None, "after the approval and Enter, ssh logs alice in: `id -un` prints "
            "alice", text)
    t.kill()
    e2elib.check_ciba_requests(ctx, r, "the first (cold) ssh login", warm=False)

    # 2. Warm: Enter first, the phone a second later.
    t, text = ssh_screen(ctx, srv, "warm")
    binding = e2elib.shown_binding(text)
    t.keys("Enter")
    time.sleep(1.5)
    ctx.ciba("approve", binding)
    m, text = t.wait_for(ALICE, 20)
    r.check(m is not None, "Enter before the approval: the module polls, and the approval "
            "logs alice in", text)
    t.kill()
    e2elib.check_ciba_requests(ctx, r, "a warm ssh login", warm=True)

    # 3. Denied on the phone.
    mark = log.mark()
    t, text = ssh_screen(ctx, srv, "deny")
    binding = e2elib.shown_binding(text)
    st, _ = ctx.ciba("deny", binding)
    t.keys("Enter")
    m, text = t.wait_for("Permission denied", 15)
    e2elib.wait_gone(t.dead, 5)
    r.check(st == 200 and m is not None and t.dead() and not re.search(ALICE, text),
            "denied on the phone: ssh ends with 'Permission denied', nothing runs", text)
    r.check("The login was denied at the identity provider." in text,
            "the module's refusal line reaches the ssh client's screen", text)
    mod = [x for x in log.lines(mark) if "pam_oauth2" in x]
    r.check(any("denied at the identity provider" in x for x in mod),
            "the module logs the denial", "\n".join(mod))
    with open(srv["log"]) as f:
        r.check("Failed keyboard-interactive/pam for alice" in f.read(),
                "sshd logs the failed keyboard-interactive/pam attempt for alice")
    t.kill()
    ctx.stop(srv["proc"])


if __name__ == "__main__":
    e2elib.main("ciba-sshd", ["sshd", "ssh", "ssh-keygen", "tmux"], body)
