#!/usr/bin/python3
"""test_ciba_sudo.py - real sudo with grant = ciba (docs/ciba.md) in an 80x24
terminal: the person reads the binding message on the screen and approves
the push on the phone.

What it proves, each as its own assertion:
  * alice runs `sudo id -un` in an 80x24 tmux pane: the visible screen holds
    "Approve the login on your phone: HOST.sudo.NNNN" and the request's
    validity, whole, nothing wrapped, no "Press Enter" prompt (sudo has no
    remote host: the module polls by itself); the IdP's one pending request
    carries exactly that binding message for alice's hint; the test
    approves it at the IdP (/ciba/approve) by the message it READ FROM THE
    SCREEN, and `id -un` prints root;
  * a second (warm) sudo makes one backchannel request plus the polls and
    nothing else: no discovery, no JWKS (the IdP's counters);
  * denied on the phone: sudo is refused and the refusal line "The login was
    denied at the identity provider." is on the screen; nothing runs;
  * alice's request approved by bob's account: refused, "This login was
    approved by an account that is not alice." on the screen; nothing runs;
  * Ctrl-C while the module polls: sudo ends at once and the IdP sees no
    request at all afterwards (counters over 3 s, poll interval 1 s);
  * the module's log lines (the namespace's own /dev/log) name the grant
    and the reasons.

Method: e2elib's private mount namespace (test accounts, the test's own
/etc/pam.d/sudo with `grant=ciba`, test_sudo.py's sudoers), the confidential
client of the test IdP (CIBA needs one), `ciba_login_hint = %u@example.test`.
The visible screen of the successful login is left in
tests/e2e/ciba-sudo-screen-80x24.txt in the build tree.
Cost: about 25 s (an IdP start, five sudo runs, 3 s of counting after Ctrl-C).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
import test_sudo  # noqa: E402
from e2elib import note  # noqa: E402

CONFIG = "device_timeout = 60\nciba_login_hint = %u@example.test\n"
VALID = r"The request is valid for [0-9]+ seconds\."
ROOT = r"(?m)^root\s*$"
DENIED = "The login was denied at the identity provider."
NOT_ALICE = "This login was approved by an account that is not alice."


def sudo_screen(ctx, name):
    """`sudo id -un` as alice in an 80x24 pane, up to the CIBA lines:
    (tmux, visible text) or (tmux, None)."""
    t = e2elib.Tmux(ctx, name, ["setpriv", "--reuid", "alice", "--regid", "alice",
                                "--init-groups", "--", "sudo", "--", "id", "-un"],
                    env={"HOME": ctx.path("home", "alice"), "USER": "alice"})
    m, text = t.wait_for(VALID)
    return t, (text if m else None)


def ended(t, pattern, timeout=15):
    """Wait until pattern is on the screen and the pane's program has ended."""
    m, text = t.wait_for(pattern, timeout)
    if m:
        e2elib.wait_gone(t.dead, 5)
    return m is not None and t.dead(), t.capture()


def login_lines(log, since):
    return [x for x in log.lines(since) if "pam_oauth2" in x]


def body(ctx, r):
    log = ctx.capture_syslog()
    ctx.start_idp()
    ctx.module_config(CONFIG, client="pam-confidential")
    ctx.pam_service("sudo", "grant=ciba")
    ctx.write("etc/sudoers", test_sudo.SUDOERS, 0o440)
    note("PAM service sudo: auth required pam_oauth2.so ... grant=ciba; client "
         "pam-confidential, ciba_login_hint = %u@example.test")

    # 1. Approve by the binding message read from the screen (cold caches).
    mark = log.mark()
    ctx.counts_reset()
    ctx.control("POST", "/polls/reset")
    t, text = sudo_screen(ctx, "approve")
    if not r.check(text is not None, "sudo 80x24: the CIBA lines appear", t.capture()):
        return
    binding = e2elib.check_ciba_screen(r, "sudo 80x24", t, text, "sudo")
    r.check("Press Enter" not in text, "sudo: the module polls by itself, no prompt", text)
    e2elib.ciba_approve_shown(ctx, r, "sudo 80x24", binding, text,
                              "ciba-sudo-screen-80x24.txt")
    ok, text = ended(t, ROOT)
    r.check(ok, "sudo 80x24: after the approval `sudo id -un` prints root and ends", text)
    e2elib.check_ciba_requests(ctx, r, "the first (cold) sudo", warm=False)
    r.check(any("grant=ciba evidence=id_token" in x for x in login_lines(log, mark)),
            "the module logs the accepted login with grant=ciba",
            "\n".join(login_lines(log, mark)))
    t.kill()

    # 2. Warm: one backchannel request, the polls, nothing else.
    t, text = sudo_screen(ctx, "warm")
    binding = e2elib.shown_binding(text)
    ctx.ciba("approve", binding)
    ok, text = ended(t, ROOT)
    r.check(ok, "a warm sudo is approved and prints root", text)
    e2elib.check_ciba_requests(ctx, r, "a warm sudo", warm=True)
    t.kill()

    # 3. Denied on the phone.
    mark = log.mark()
    t, text = sudo_screen(ctx, "deny")
    binding = e2elib.shown_binding(text)
    st, _ = ctx.ciba("deny", binding)
    ok, text = ended(t, re.escape(DENIED))
    r.check(st == 200 and ok and not re.search(ROOT, text),
            "denied on the phone: sudo ends refused, the refusal line is on the screen, "
            "nothing runs", text)
    r.check(any("denied at the identity provider" in x for x in login_lines(log, mark)),
            "the module logs the denial", "\n".join(login_lines(log, mark)))
    t.kill()

    # 4. Approved by another account.
    mark = log.mark()
    t, text = sudo_screen(ctx, "bob")
    binding = e2elib.shown_binding(text)
    st, _ = ctx.ciba("approve", binding, "bob")
    ok, text = ended(t, re.escape(NOT_ALICE))
    r.check(st == 200 and ok and not re.search(ROOT, text) and "bob" not in text,
            "approved by bob's account: sudo refuses alice, the line is on the screen, "
            "bob's name is not, nothing runs", text)
    r.check(any("maps to 'bob', not to 'alice'" in x for x in login_lines(log, mark)),
            "the module logs whose approval it refused", "\n".join(login_lines(log, mark)))
    t.kill()

    # 5. Ctrl-C while polling: sudo stops at once, no request afterwards.
    ctx.counts_reset()
    t, text = sudo_screen(ctx, "ctrl-c")
    if not r.check(text is not None, "sudo (Ctrl-C): the CIBA lines appear", t.capture()):
        return
    time.sleep(1.5)  # a poll or two (interval 1 s)
    polled = ctx.counts().get("token", 0)
    t0 = time.monotonic()
    t.keys("C-c")
    gone = e2elib.wait_gone(t.dead, 10)
    secs = time.monotonic() - t0
    text = t.capture()
    r.check(polled >= 1 and gone and secs < 5 and not re.search(ROOT, text),
            "Ctrl-C while the module polls (%d polls so far) ends sudo at once (%.1f s)" %
            (polled, secs), text)
    ctx.counts_reset()
    time.sleep(3)
    c = ctx.counts()
    r.check(not any(c.values()), "no request reaches the IdP in the 3 s after Ctrl-C",
            repr(c))
    t.kill()


if __name__ == "__main__":
    e2elib.main("ciba-sudo", ["sudo", "tmux"], body)
