#!/usr/bin/python3
"""test_code_browser.py - the code grant (grant = code) with a real browser and real ssh.

What it proves, each as its own assertion:
  * over real sshd keyboard-interactive, the module shows the authorization
    URL and a QR code of it; the QR code (read back with zbarimg) decodes to
    the URL printed; Debian's headless Chromium opens that decoded URL, the
    test signs in as alice by typing into the IdP's real login page and
    clicking, the browser is sent to redirect_uri with a code and this
    login's state, and pasting that address at "Code or address: " logs
    alice in (the remote `id -un` prints alice);
  * that same, still unused address pasted into a second, concurrent login
    is refused (state mismatch) before the first login redeems it;
  * bob signing in at the IdP for alice's login is refused;
  * the code of the successful login, pasted again (bare) into a new login,
    is refused by the IdP (invalid_grant; the IdP's log gives its reason:
    oidc-provider checks PKCE before it looks at whether the code was used,
    so the reason it gives is the other login's verifier);
  * a code pasted after it expired (the test IdP's code lifetime set to 1 s
    through its control API) is refused;
  * Cancel on the IdP's login page sends the browser to redirect_uri with
    error=access_denied, and pasting that address is refused as a denial;
  * answer lengths: addresses of a given length with this login's state at
    the end and a bogus code are pasted at the prompt; an answer that reaches
    the module whole ends at the IdP ("refused the code"), one cut on the way
    loses its state and is refused as cut ("the client may have cut it",
    with what to paste instead), not as another login's. Measured and asserted: the
    OpenSSH client passes at most 1023 characters; sshd itself (a paramiko
    client, when the system's Python has it) passes 8 KiB and 64 KiB whole,
    and the module refuses more than 8192; sudo passes at most 511 (it ends
    the conversation at 512); login at most 4095 (the terminal's line).

Method: as tests/e2e/test_sshd.py (private mount namespace, the machine's
sshd on 127.0.0.1 with the test's own configuration, the real ssh client
under pexpect; see e2elib.py), with the PAM service `sshd` running the
module with grant = code, client pam-code and redirect_uri
https://pam-oauth2.example/callback. The browser is /usr/bin/chromium driven
by /usr/bin/chromedriver through the W3C WebDriver HTTP API from urllib
(no selenium), headless, with a fresh profile per sign-in. It trusts the
test IdP by the SHA-256 hash of the server certificate's public key
(--ignore-certificate-errors-spki-list), nothing else; the redirect host is
made unresolvable inside the browser (--host-resolver-rules), so the browser
stops on an error page whose address is the one a user would copy.
"""
import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import note  # noqa: E402
from test_sshd import finish, free_port, ran_as, ssh_argv, start_sshd  # noqa: E402

REDIRECT = "https://pam-oauth2.example/callback"
PROMPT = "Code or address: "
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C WebDriver element reference key
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


# ------------------------------------------------------------- the browser ---

def spki_hash(cert_pem):
    """base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate, as Chromium wants it."""
    pub = subprocess.run(["openssl", "x509", "-in", cert_pem, "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Browser:
    """chromedriver (started once) and one fresh Chromium session per sign-in."""

    def __init__(self, ctx, spki):
        self.ctx = ctx
        self.spki = spki
        self.home = ctx.path("browser")
        os.makedirs(self.home)
        self.port = free_port()
        log = open(os.path.join(self.home, "chromedriver.log"), "ab")
        env = {"PATH": e2elib.PATH, "HOME": self.home, "LANG": "C.UTF-8"}
        self.proc = ctx.start_daemon([CHROMEDRIVER, "--port=%d" % self.port,
                                      "--allowed-ips=127.0.0.1"],
                                     stdout=log, stderr=log, env=env, start_new_session=True)
        log.close()
        self.base = "http://127.0.0.1:%d" % self.port
        self.sessions = 0
        t = time.monotonic() + 15
        while time.monotonic() < t:
            try:
                if self.call("GET", "/status", timeout=2).get("ready"):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("chromedriver did not answer on port %d" % self.port)

    def call(self, method, route, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + route, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("WebDriver %s %s: %s" % (method, route, e.read()[:500])) from e

    def session(self):
        self.sessions += 1
        profile = os.path.join(self.home, "profile-%d" % self.sessions)
        args = CHROMIUM_FLAGS + [
            "--user-data-dir=" + profile,
            "--ignore-certificate-errors-spki-list=" + self.spki,
            # the redirect target does not exist: fail its lookup in the browser,
            # without asking the machine's resolver
            "--host-resolver-rules=MAP pam-oauth2.example ~NOTFOUND",
            "--window-size=800,1000"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}
        return self.call("POST", "/session", caps, timeout=60)["sessionId"]

    def find(self, sid, css):
        ref = self.call("POST", "/session/%s/element" % sid, {"using": "css selector", "value": css})
        return ref[ELEMENT]

    def url(self, sid):
        return self.call("GET", "/session/%s/url" % sid)

    def sign_in(self, url, user, password):
        """Open url, sign in on the login page (user None: click Cancel), and
        return the address the browser ends on at redirect_uri."""
        sid = self.session()
        try:
            self.call("POST", "/session/%s/url" % sid, {"url": url})
            if "/interaction/" not in self.url(sid):
                raise RuntimeError("no login page: the browser is at " + self.url(sid))
            if user is None:
                self.call("POST", "/session/%s/element/%s/click" %
                          (sid, self.find(sid, "a[href$='/abort']")), {})
            else:
                for css, text in (("input[name=username]", user),
                                  ("input[name=password]", password)):
                    self.call("POST", "/session/%s/element/%s/value" %
                              (sid, self.find(sid, css)), {"text": text})
                self.call("POST", "/session/%s/element/%s/click" %
                          (sid, self.find(sid, "button[type=submit]")), {})
            t = time.monotonic() + 15
            while time.monotonic() < t:
                now = self.url(sid)
                if now.startswith(REDIRECT):
                    return now
                time.sleep(0.1)
            raise RuntimeError("the browser never reached redirect_uri; it is at " + now)
        finally:
            try:
                self.call("DELETE", "/session/" + sid, timeout=20)
            except (OSError, RuntimeError):
                pass

    def close(self):
        """Stop chromedriver and every browser process it started (by PID)."""
        pids = []
        todo = [self.proc.pid]
        while todo:
            p = todo.pop()
            kids = e2elib.children_of(p)
            pids += kids
            todo += kids
        self.ctx.stop(self.proc)
        for p in pids:
            try:
                os.kill(p, 9)
            except ProcessLookupError:
                pass


# ----------------------------------------------------------------- ssh side ---

class Login:
    """One ssh login up to the module's prompt."""

    def __init__(self, ctx, srv, user="alice"):
        self.ctx = ctx
        self.child = ctx.spawn(ssh_argv(srv, user), user="e2eclient", timeout=20)
        self.shown = io.StringIO()
        self.child.logfile_read = self.shown
        self.child.expect(PROMPT)
        text = self.shown.getvalue()
        m = re.search(r"open this address[^\n]*\n\s*\n\s*(https://\S+)", text.replace("\r", ""))
        self.url = m.group(1) if m else None
        self.state = query_param(self.url or "", "state")
        self.qr = e2elib.qr_lines(text)
        self.qr_url = e2elib.qr_decode(self.qr, ctx.dir) if self.qr else None

    def paste(self, answer, timeout=20):
        """Paste answer at the prompt: (exit status, what ssh showed after it)."""
        self.child.sendline(answer)
        status, tail, _ = finish(self.ctx, self.child, timeout)
        return status, tail


def query_param(url, name):
    m = re.search(r"[?&]%s=([^&#\s]*)" % name, url)
    return m.group(1) if m else None


def refused(status, tail):
    return status == 255 and "Permission denied" in tail and not ran_as(tail, "alice") \
        and not ran_as(tail, "bob")


def screen(tail):
    """ssh's output after the answer, on one line, for the notes."""
    return " | ".join(x.strip() for x in tail.replace("\r", "").split("\n") if x.strip())


def idp_detail(ctx, since):
    """The test IdP's reasons for the token errors logged after byte offset since."""
    with open(os.path.join(ctx.idp_dir, "idp.log"), errors="replace") as f:
        f.seek(since)
        return [line.strip() for line in f if "grant.error" in line]


def idp_log_size(ctx):
    return os.path.getsize(os.path.join(ctx.idp_dir, "idp.log"))


def bogus_address(total, state):
    """An address of exactly total characters, this login's state last, a bogus code."""
    head = REDIRECT + "?code="
    tail = "&state=" + state
    return head + "B" * (total - len(head) - len(tail)) + tail


def length_verdict(text):
    if "refused the code" in text:
        return "whole"
    if "the client may have cut it" in text:
        return "cut"
    if "belongs to another login" in text:
        return "cut, not named as such"
    if "longer than" in text:
        return "whole, over the module's limit"
    if "incorrect password attempt" in text:  # sudo ended the conversation itself
        return "not passed"
    if "Login cancelled" in text:  # ... and the module ended the login (PAM_ABORT)
        return "not passed"
    return "?"


# --------------------------------------------------------------- the cases ---

def browser_cases(ctx, r, srv, browser):
    # 1./2. Two concurrent logins; the browser signs in for the first.
    first = Login(ctx, srv)
    second = Login(ctx, srv)
    r.check(first.url is not None and first.url.startswith(ctx.idp["IDP_ISSUER"] + "/") and
            "code_challenge_method=S256" in first.url and first.state,
            "ssh shows the authorization URL (%d characters, PKCE S256, a state)" %
            len(first.url or ""), first.shown.getvalue())
    if first.qr:
        width = max(len(x) for x in first.qr)
        note("QR code shown: %d columns x %d lines" % (width, len(first.qr)))
        r.check(first.qr_url == first.url,
                "the QR code shown by ssh decodes (zbarimg) to the printed URL",
                "decoded %r" % first.qr_url)
        opened = first.qr_url or first.url
        note("the browser opens the URL decoded from the QR code")
    else:
        note("no QR code shown (the URL of %d characters does not fit); the browser "
             "opens the printed URL" % len(first.url or ""))
        opened = first.url
    t0 = time.monotonic()
    landed = browser.sign_in(opened, "alice", "alice-pass")
    r.check(landed.startswith(REDIRECT + "?") and query_param(landed, "code") and
            query_param(landed, "state") == first.state,
            "Chromium signs in as alice on the IdP's login page and is sent to redirect_uri "
            "with a code and this login's state (%.1f s)" % (time.monotonic() - t0), landed)
    note("the browser landed on an address of %d characters" % len(landed))

    status, tail = second.paste(landed)
    r.check(refused(status, tail) and "belongs to another login" in tail,
            "that address pasted into another, concurrent login is refused: its state "
            "does not match (%s)" % screen(tail), "status %r" % status)

    ctx.control("POST", "/polls/reset")
    status, tail = first.paste(landed)
    r.check(status == 0 and ran_as(tail, "alice"),
            "pasted into its own login, the address logs alice in: `id -un` prints alice",
            "status %r, output %r" % (status, tail))
    _, polls = ctx.control("GET", "/polls")
    r.check([(p.get("grant_type"), p.get("status")) for p in polls or []] ==
            [("authorization_code", 200)],
            "the module redeemed the code once at the token endpoint (authorization_code, 200)",
            polls)
    transcript = first.shown.getvalue().replace("\r\n", "\n").replace("\r", "")
    out = os.path.join(e2elib.BUILD, "tests", "e2e", "ssh-code-transcript.txt")
    with open(out, "w") as f:
        f.write("$ ssh -p %d alice@127.0.0.1 id -un\n" % srv["port"] + transcript)
    note("transcript written to " + out)

    # 3. The same code again, in a new login (pasted bare: the address's
    # state belongs to the first login).
    used = Login(ctx, srv)
    mark = idp_log_size(ctx)
    status, tail = used.paste(query_param(landed, "code"))
    r.check(refused(status, tail) and "refused the code" in tail,
            "the code already redeemed, pasted into a new login, is refused by the IdP (%s)" %
            screen(tail), "status %r" % status)
    note("the IdP's reason: %s" % (idp_detail(ctx, mark) or ["(none logged)"]))

    # 4. bob signs in for alice's login.
    login = Login(ctx, srv)
    landed = browser.sign_in(login.qr_url or login.url, "bob", "bob-pass")
    status, tail = login.paste(landed)
    r.check(refused(status, tail) and "not alice" in tail,
            "bob signing in at the IdP for alice's ssh login is refused: Permission denied, "
            "nothing runs (%s)" % screen(tail), "status %r" % status)

    # 5. An expired code: the IdP's code lifetime is 1 s for this sign-in.
    ctx.control("POST", "/code-ttl", {"seconds": 1})
    try:
        login = Login(ctx, srv)
        landed = browser.sign_in(login.qr_url or login.url, "alice", "alice-pass")
    finally:
        ctx.control("POST", "/code-ttl", {"seconds": 60})
    time.sleep(2.5)
    mark = idp_log_size(ctx)
    status, tail = login.paste(landed)
    r.check(refused(status, tail) and "refused the code" in tail,
            "a code pasted after its 1 s lifetime is refused by the IdP (%s)" % screen(tail),
            "status %r" % status)
    note("the IdP's reason: %s" % (idp_detail(ctx, mark) or ["(none logged)"]))

    # 6. Cancel on the IdP's login page.
    login = Login(ctx, srv)
    landed = browser.sign_in(login.qr_url or login.url, None, None)
    r.check(query_param(landed, "error") == "access_denied" and
            query_param(landed, "state") == login.state,
            "Cancel at the IdP sends the browser to redirect_uri with error=access_denied",
            landed)
    status, tail = login.paste(landed)
    r.check(refused(status, tail) and "denied at the identity provider" in tail,
            "pasting the error=access_denied address is refused as a denial (%s)" %
            screen(tail), "status %r" % status)


def ssh_lengths(ctx, r, srv):
    """What the real ssh client and sshd pass through to the module."""
    figures = {}
    for total in (1023, 1024, 4096, 8192):
        login = Login(ctx, srv)
        status, tail = login.paste(bogus_address(total, login.state), timeout=30)
        figures[total] = length_verdict(tail)
        r.check(refused(status, tail) and figures[total] != "?",
                "ssh: an answer of %d characters is refused, and the reason says whether "
                "it arrived whole (%s)" % (total, figures[total]), screen(tail))
    note("ssh + sshd keyboard-interactive: %s" %
         ", ".join("%d: %s" % kv for kv in sorted(figures.items())))
    r.check(figures[1023] == "whole" and figures[1024] == "cut",
            "with the OpenSSH client the longest answer is 1023 characters: 1023 arrive "
            "whole, 1024 are cut (its read_passphrase buffer)", figures)
    return figures


# A keyboard-interactive client without the OpenSSH client's 1023-character
# limit (paramiko, run by the system's Python 3 that has Debian's package):
# answers the module's prompt with an address of the length asked for, this
# login's state last, and prints every text sshd sent as JSON.
PARAMIKO_CLIENT = r"""
import json, re, socket, sys
import paramiko
port, user, total, redirect = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = []
def handler(title, instructions, prompts):
    # sshd sends the module's text as the prompt itself, messages as instructions
    texts.append(" ".join([instructions] + [q[0] for q in prompts]))
    if not prompts:
        return []
    m = re.search(r"[?&]state=([^&#\s]*)", texts[-1])
    head, tail = redirect + "?code=", "&state=" + (m.group(1) if m else "")
    return [head + "B" * (total - len(head) - len(tail)) + tail]
t = paramiko.Transport(socket.create_connection(("127.0.0.1", port), timeout=20))
t.start_client(timeout=20)
try:
    t.auth_interactive(user, handler)
    texts.append("authenticated")
except paramiko.SSHException as e:
    texts.append("refused: %s" % e)
t.close()
print(json.dumps(texts))
"""


def sshd_lengths(ctx, r, srv):
    """What sshd itself passes through, with a client that sends long answers."""
    py = "/usr/bin/python3"
    if subprocess.run([py, "-c", "import paramiko"], capture_output=True).returncode != 0:
        note("sshd alone not measured: %s has no paramiko (Debian python3-paramiko)" % py)
        return None
    figures = {}
    for total in (1024, 4096, 8192, 8193, 65536):
        p = subprocess.run([py, "-c", PARAMIKO_CLIENT, str(srv["port"]), "alice", str(total),
                            REDIRECT], capture_output=True, text=True, timeout=60)
        try:
            texts = json.loads(p.stdout)
        except ValueError:
            texts = [p.stdout + p.stderr]
        figures[total] = length_verdict(" ".join(texts))
    note("sshd keyboard-interactive alone (paramiko client): %s" %
         ", ".join("%d: %s" % kv for kv in sorted(figures.items())))
    r.check(figures[8192] == "whole" and figures[65536].startswith("whole"),
            "sshd passes answers of 8 KiB and 64 KiB to the module whole (the module "
            "refuses more than 8192 itself)", figures)
    return figures


def conv_lengths(ctx, r, service, argv, user, longest, why):
    """The code grant's conversation in sudo or login: which answers arrive whole."""
    import pexpect
    figures = {}
    for total in (511, 512, 1023, 1024, 4095, 4096, 8192):
        child = ctx.spawn(argv, user=user, timeout=20)
        shown = io.StringIO()
        child.logfile_read = shown
        child.expect(PROMPT)
        m = re.search(r"(https://\S+/auth\?\S+)", shown.getvalue())
        state = query_param(m.group(1), "state") if m else ""
        child.sendline(bogus_address(total, state))
        try:
            child.expect([r"refused the code", r"the client may have cut it",
                          r"belongs to another login", r"longer than",
                          r"incorrect password attempt", r"Login cancelled", pexpect.EOF],
                         timeout=20)
            figures[total] = length_verdict(child.after if isinstance(child.after, str) else "")
        except pexpect.TIMEOUT:
            figures[total] = "?"
        if figures[total] == "?":
            note("%s, %d characters: %r" % (service, total, shown.getvalue()[-600:]))
        ctx.close_child(child)
    note("%s: %s" % (service, ", ".join("%d: %s" % kv for kv in sorted(figures.items()))))
    r.check(all(v == "whole" if n <= longest else v in ("cut", "not passed")
                for n, v in figures.items()),
            "%s: answers up to %d characters reach the module whole, longer ones do not (%s)" %
            (service, longest, why), figures)
    return figures


def body(ctx, r):
    idp = ctx.start_idp()
    ctx.module_config("grant = code\nredirect_uri = %s\nhttp_timeout = 5\n" % REDIRECT)
    # the configuration's client is pam-public; the code grant's is pam-code
    conf = ctx.path("pam_oauth2.conf")
    with open(conf) as f:
        text = f.read().replace("client_id = pam-public", "client_id = pam-code")
    ctx.write("pam_oauth2.conf", text, 0o644)
    ctx.pam_service("sshd", "")
    srv = start_sshd(ctx, "code", 60)
    note("sshd on 127.0.0.1:%d, IdP %s, client pam-code, redirect_uri %s" %
         (srv["port"], idp["IDP_ISSUER"], REDIRECT))
    spki = spki_hash(os.path.join(ctx.idp_dir, "server.pem"))
    browser = Browser(ctx, spki)
    try:
        browser_cases(ctx, r, srv, browser)
    finally:
        browser.close()
    ssh_lengths(ctx, r, srv)
    sshd_lengths(ctx, r, srv)
    ctx.stop(srv["proc"])

    # sudo and login: the same prompt, other conversation functions.
    ctx.write("etc/sudoers", "Defaults !lecture, passwd_tries=1, timestamp_timeout=0\n"
              "root ALL=(ALL:ALL) ALL\nalice ALL=(ALL:ALL) ALL\n", 0o440)
    ctx.pam_service("sudo", "")
    conv_lengths(ctx, r, "sudo", ["sudo", "--", "id", "-un"], "alice", 511,
                 "sudo ends the conversation at 512, PAM_MAX_RESP_SIZE")
    ctx.pam_service("login", "")
    conv_lengths(ctx, r, "login", ["login", "alice"], None, 4095,
                 "the terminal's line limit")


if __name__ == "__main__":
    if os.environ.get(e2elib.INNER_FLAG) != "1" and os.geteuid() == 0 and not (
            os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        e2elib.skip("code_browser", "missing %s or %s (Debian packages chromium and "
                    "chromium-driver; scripts/install-deps.sh installs them)" %
                    (CHROMIUM, CHROMEDRIVER))
    e2elib.main("code_browser", ["sshd", "ssh", "ssh-keygen", "zbarimg", "sudo", "login",
                                 "openssl"], body)
