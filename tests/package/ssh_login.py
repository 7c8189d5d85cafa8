#!/usr/bin/env python3
"""ssh_login.py - one real ssh login for tests/package/test_root.sh, driven
like a person at a terminal (pexpect): the OpenSSH client of this machine
against an sshd on 127.0.0.1.

    ssh_login.py --port N --user NAME [--key FILE] [--methods LIST]
                 [--approve-as IDP-USER] [--tty] -- COMMAND...

Every prompt is answered as a user who logs in through the IdP would:
pam_unix's "Password:" (the pam-auth-update route asks it first) with an
empty line; a device code shown (by sshd's keyboard-interactive screen or
by sudo) is approved as IDP-USER through the test IdP's control API
($IDP_CONTROL), or denied when IDP-USER is not given; "Press Enter once you
have approved" with Enter. Prints what ssh showed, then one "event: ..."
line per step in order (password-prompt, code XXXX-XXXX approved|denied,
enter), and exits with ssh's exit status (255: refused)."""
import argparse
import json
import os
import re
import sys
import urllib.request

import pexpect

CODE = re.compile(r"enter the code:\s+([A-Z]{4}-[A-Z]{4})")


def control(route, body):
    req = urllib.request.Request(os.environ["IDP_CONTROL"] + route, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--key")
    ap.add_argument("--methods", default="keyboard-interactive")
    ap.add_argument("--approve-as")
    ap.add_argument("--tty", action="store_true")
    ap.add_argument("--timeout", type=int, default=90)
    ap.add_argument("command", nargs="+")
    a = ap.parse_args()

    argv = ["-F", "/dev/null", "-p", a.port, "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "PreferredAuthentications=" + a.methods, "-o", "IdentityAgent=none",
            "-o", "NumberOfPasswordPrompts=1"]
    if a.key:
        argv += ["-o", "IdentitiesOnly=yes", "-i", a.key]
    else:
        argv += ["-o", "PubkeyAuthentication=no"]
    if a.tty:
        argv.append("-tt")
    argv += [a.user + "@127.0.0.1", "--"] + a.command

    events, seen = [], set()
    child = pexpect.spawn("ssh", argv, encoding="utf-8", codec_errors="replace",
                          timeout=a.timeout, dimensions=(24, 80))
    shown = []
    try:
        while True:
            i = child.expect([CODE, r"Press Enter once you have approved[^\n]*: ",
                              r"Password: ", pexpect.EOF])
            shown.append(child.before + (child.after if isinstance(child.after, str) else ""))
            if i == 0:
                code = child.match.group(1)
                if code in seen:
                    continue
                seen.add(code)
                if a.approve_as:
                    control("/device/approve", {"user_code": code, "username": a.approve_as})
                    events.append("code %s approved as %s" % (code, a.approve_as))
                else:
                    control("/device/deny", {"user_code": code})
                    events.append("code %s denied" % code)
            elif i == 1:
                child.sendline("")
                events.append("enter")
            elif i == 2:
                child.sendline("")
                events.append("password-prompt")
            else:
                break
    except pexpect.TIMEOUT:
        shown.append(child.before)
        events.append("timeout after %d s" % a.timeout)
    child.close()
    print("".join(shown).replace("\r\n", "\n"))
    for e in events:
        print("event: " + e)
    status = child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)
    print("event: exit %d" % status)
    return status


if __name__ == "__main__":
    sys.exit(main())
