#!/usr/bin/env python3
"""test_examples.py - every configuration example in the documentation is
accepted by what reads it.

What it reads: README.md, docs/*.md, the man page sources docs/*.scd, the
shipped examples (docs/examples/) and the package's configuration file and
pam-auth-update profile (debian/). What it checks:

- a code block whose lines are all "key = value" (comments aside) is a
  configuration file: the module's own parser (tests/docs/parse_config, which
  calls oa2_config_parse_text) must accept it as it stands. Only two things
  are filled in: issuer and client_id when the block leaves them out (a
  snippet), and client_secret_file, which must name a readable root-only
  file, is pointed at a throwaway one;
- a line that names pam_oauth2.so (PAM service files, the pam-auth-update
  profile): its module arguments must be accepted on top of a minimal file;
- an inline example `key = value` in running text: its key must exist and its
  value pass the key's check (rules about the whole file, such as
  "grant = code needs redirect_uri", are not held against a single line);
- the commented-out keys of the packaged /etc/security/pam_oauth2.conf,
  uncommented, parse;
- sshd_config examples (a code block of sshd keywords, and the shipped
  drop-in for /etc/ssh/sshd_config.d/) pass "sshd -t" (as root, with sshd
  installed; /run is private to that check);
- the shipped sshd drop-in takes nothing away (no AuthenticationMethods,
  keys and passwords left alone), README names exactly its lines, and
  README's AuthenticationMethods examples added to it pass "sshd -t";
- README.md still opens with exactly the two commands (demo, tests).

Negative cases show that each check can fail. Prints "ok"/"not ok" lines and
"examples: N passed, N failed"; exit status 1 if anything failed.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
# the checker is built in the build tree (cwd under "make check")
CHECKER = next((p for p in (os.path.join(os.getcwd(), "tests/docs/parse_config"),
                            os.path.join(HERE, "parse_config")) if os.access(p, os.X_OK)), None)
BASE = {"issuer": "https://idp.example.com/realms/corp", "client_id": "linux-login"}
CONF_LINE = re.compile(r"^([a-z_]+)\s*=\s*\S")
SSHD_LINE = re.compile(r"^[A-Z][A-Za-z0-9]+\s+\S")
SSHD_KEYWORDS = {"UsePAM", "KbdInteractiveAuthentication", "AuthenticationMethods",
                 "LoginGraceTime", "ChallengeResponseAuthentication"}

passed = 0
failed = 0


def ok(desc):
    global passed
    passed += 1
    print("ok - " + desc)


def notok(desc, detail=""):
    global failed
    failed += 1
    print("not ok - " + desc)
    for line in detail.strip().splitlines():
        print("#   " + line)


def check(cond, desc, detail=""):
    (ok if cond else notok)(desc, *([detail] if not cond else []))


def blocks(path):
    """(line number, lines) of each code block: ``` fences (Markdown, scdoc)
    and, in Markdown, blocks indented by four spaces after a blank line."""
    lines = open(path, encoding="utf-8").read().split("\n")
    md = path.endswith(".md")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            indent = len(line) - len(line.lstrip())
            j, b = i + 1, []
            while j < len(lines) and not lines[j].lstrip().startswith("```"):
                b.append(lines[j][indent:] if not lines[j][:indent].strip() else lines[j])
                j += 1
            out.append((i + 2, b))
            i = j + 1
            continue
        if md and line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            j, b = i, []
            while j < len(lines) and (lines[j].startswith("    ") or (
                    not lines[j].strip() and j + 1 < len(lines) and lines[j + 1].startswith("    "))):
                b.append(lines[j][4:])
                j += 1
            out.append((i + 1, b))
            i = j
            continue
        i += 1
    return out


def inline_examples(path):
    """(line number, "key = value") of inline examples in running text."""
    pat = re.compile(r"\*([a-z_]+ = [^*]+)\*" if path.endswith(".scd") else r"`([a-z_]+ = [^`]+)`")
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        for m in pat.finditer(line):
            if not m.group(1).startswith("key = "):   # the format's own description
                yield n, m.group(1)


class Checker:
    def __init__(self, tmp):
        self.tmp = tmp
        self.n = 0
        self.secret = None
        if os.geteuid() == 0:
            self.secret = os.path.join(tmp, "client.secret")
            with open(self.secret, "w") as f:
                f.write("example-secret\n")
            os.chmod(self.secret, 0o600)

    def prepare(self, lines):
        """The block's text with the substitutions described above."""
        out, keys = [], set()
        for line in lines:
            m = CONF_LINE.match(line.strip())
            if m and m.group(1) == "client_secret_file":
                keys.add(m.group(1))
                out.append("client_secret_file = " + self.secret if self.secret
                           else "client_secret = example-secret")
                continue
            if m:
                keys.add(m.group(1))
            out.append(line.strip())
        head = ["%s = %s" % (k, v) for k, v in BASE.items() if k not in keys]
        return "\n".join(head + out) + "\n"

    def parse(self, text, args=()):
        self.n += 1
        path = os.path.join(self.tmp, "example-%d.conf" % self.n)
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([CHECKER, path] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        return p.returncode, p.stdout.strip()


def line_error(msg):
    """An error about one line or argument, not about the file as a whole."""
    return re.match(r"^\S+:\d+: ", msg) is not None or msg.startswith("module argument:")


def pam_args(line):
    toks = line.split()
    for i, t in enumerate(toks):
        if t.endswith("pam_oauth2.so"):
            return toks[i + 1:]
    return None


def sshd_checker(tmp):
    sshd = shutil.which("sshd") or ("/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None)
    if os.geteuid() != 0 or not sshd or not shutil.which("unshare") or not shutil.which("ssh-keygen"):
        return None
    key = os.path.join(tmp, "hostkey")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)

    def run(text):
        path = os.path.join(tmp, "sshd_config")
        with open(path, "w") as f:
            f.write(text)
        # sshd -t wants /run/sshd: a private /run for this check only
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            'mount -t tmpfs -o mode=755 tmpfs /run && mkdir /run/sshd && '
                            'exec "$0" -t -f "$1" -h "$2"', sshd, path, key],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        return p.returncode, p.stdout.strip()
    return run


def dropin_check(text, sshd):
    """The drop-in takes nothing away (issue 21): it sets no
    AuthenticationMethods and turns off neither keys nor passwords; README
    names exactly the lines it sets; its comment names both ways of putting
    the module into sshd's stack; README's AuthenticationMethods examples,
    added to it, pass sshd -t (tests/package/test_root.sh logs in with them)."""
    lines = [l.split("#")[0].strip() for l in text.splitlines()]
    lines = [l for l in lines if l]
    taken = [l for l in lines if l.split()[0] in
             ("AuthenticationMethods", "PubkeyAuthentication", "PasswordAuthentication")]
    check(not taken, "the sshd drop-in leaves key (and password) logins alone", "\n".join(taken))
    readme = open(os.path.join(TOP, "README.md"), encoding="utf-8").read()
    m = re.search(r"ships a drop-in with the lines\s+(.*?)\.", readme, re.S)
    named = sorted(re.findall(r"`([^`]+)`", m.group(1))) if m else None
    check(named == sorted(lines), "README names exactly the lines the drop-in sets",
          "README: %r\ndrop-in: %r" % (named, sorted(lines)))
    comment = " ".join(l.lstrip("# ") for l in text.splitlines() if l.startswith("#"))
    check("pam-auth-update" in comment and "/etc/pam.d/sshd" in comment and
          "must also be in" not in comment,
          "the drop-in's comment names both routes into sshd's PAM stack (pam-auth-update, "
          "/etc/pam.d/sshd), as README does", comment)
    methods = re.findall(r"^    (AuthenticationMethods [^\n]+)$", readme, re.M)
    check(len(methods) >= 2, "README shows AuthenticationMethods examples (%d)" % len(methods))
    if sshd:
        for mline in methods:
            rc, msg = sshd(text + mline + "\n")
            check(rc == 0, "README's `%s` added to the drop-in passes sshd -t" % mline, msg)


def main():
    if CHECKER is None:
        print("examples: tests/docs/parse_config is not built")
        print("examples: 0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="oa2-examples.")
    try:
        return run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    c = Checker(tmp)
    sshd = sshd_checker(tmp)
    if sshd is None:
        print("# sshd_config examples not checked: needs root, sshd, ssh-keygen and unshare")
    if c.secret is None:
        print("# not root: client_secret_file examples are checked as client_secret")
    rel = lambda p: os.path.relpath(p, TOP)
    docs = [os.path.join(TOP, "README.md")] + sorted(
        glob.glob(os.path.join(TOP, "docs", "*.md")) + glob.glob(os.path.join(TOP, "docs", "*.scd")))
    counts = {"conf": 0, "pam": 0, "inline": 0, "sshd": 0}
    readme_conf = readme_pam = 0

    for path in docs:
        for n, b in blocks(path):
            where = "%s:%d" % (rel(path), n)
            body = [l for l in b if l.strip() and not l.strip().startswith("#")]
            if not body:
                continue
            if any("pam_oauth2.so" in l for l in body):
                for l in body:
                    args = pam_args(l)
                    if args is None:
                        continue
                    rc, msg = c.parse(c.prepare([]), args)
                    check(rc == 0, "%s: PAM line accepted: %s" % (where, " ".join(l.split())), msg)
                    counts["pam"] += 1
                    readme_pam += path.endswith("README.md")
            elif all(CONF_LINE.match(l.strip()) for l in body):
                rc, msg = c.parse(c.prepare(b))
                check(rc == 0, "%s: configuration example accepted (%d settings)" % (where, len(body)),
                      msg + "\n--- as checked:\n" + c.prepare(b))
                counts["conf"] += 1
                readme_conf += path.endswith("README.md")
            elif all(SSHD_LINE.match(l.strip()) for l in body) and \
                    any(l.split()[0] in SSHD_KEYWORDS for l in body):
                counts["sshd"] += 1
                if sshd:
                    rc, msg = sshd("\n".join(b) + "\n")
                    check(rc == 0, "%s: sshd_config example passes sshd -t" % where, msg)
        for n, text in inline_examples(path):
            rc, msg = c.parse(c.prepare([text]))
            check(rc == 0 or not line_error(msg),
                  "%s:%d: inline example `%s` accepted" % (rel(path), n, text), msg)
            counts["inline"] += 1

    # the shipped sample configuration, whole
    sample = os.path.join(TOP, "docs", "examples", "pam_oauth2.conf")
    rc, msg = c.parse(c.prepare(open(sample).read().splitlines()))
    check(rc == 0, "docs/examples/pam_oauth2.conf accepted as it stands", msg)
    # the packaged configuration: every commented-out key, uncommented
    conf = os.path.join(TOP, "debian", "conf", "pam_oauth2.conf")
    keys = [l[1:] for l in open(conf).read().splitlines() if CONF_LINE.match(l[1:]) and l.startswith("#")]
    rc, msg = c.parse(c.prepare(keys))
    check(rc == 0 and len(keys) >= 10,
          "debian/conf/pam_oauth2.conf: its %d commented-out settings parse once uncommented" % len(keys),
          msg + "\n" + "\n".join(keys))
    # the pam-auth-update profile's module lines
    for l in open(os.path.join(TOP, "debian", "pam-configs", "oauth2")):
        args = pam_args(l)
        if args is not None:
            rc, msg = c.parse(c.prepare([]), args)
            check(rc == 0, "debian/pam-configs/oauth2: %s" % " ".join(l.split()), msg)
    # the shipped sshd drop-in
    dropin = os.path.join(TOP, "docs", "examples", "sshd_config.d", "pam_oauth2.conf")
    dropin_text = open(dropin).read()
    if sshd:
        rc, msg = sshd(dropin_text)
        check(rc == 0, "docs/examples/sshd_config.d/pam_oauth2.conf passes sshd -t", msg)
        rc, msg = sshd("LoginGraceTime 360 360\n")
        check(rc != 0, "negative: sshd -t refuses a bad sshd_config line", msg)
    dropin_check(dropin_text, sshd)


    # the extractor found what is there (a change of format must not
    # silently check nothing)
    check(readme_conf >= 1 and readme_pam >= 1,
          "README.md has a configuration example and a PAM line that were checked "
          "(found %d and %d)" % (readme_conf, readme_pam))
    check(counts["conf"] >= 10 and counts["pam"] >= 8 and counts["inline"] >= 20,
          "the documentation's examples were found: %(conf)d files, %(pam)d PAM lines, "
          "%(inline)d inline, %(sshd)d sshd_config" % counts)
    first = next((b for _, b in blocks(os.path.join(TOP, "README.md"))), [])
    cmds = [l.split("#")[0].strip() for l in first if l.strip()]
    check(cmds == ["sh scripts/demo.sh", "sh scripts/test.sh"],
          "README.md opens with exactly the two commands (demo, tests)", "got: %r" % cmds)

    # negative cases: each kind of check can fail
    rc, msg = c.parse(c.prepare(["require_groups = linux-users", "colour = blue"]))
    check(rc != 0 and "unknown key 'colour'" in msg, "negative: a block with an unknown key is refused", msg)
    rc, msg = c.parse(c.prepare(["qr = sometimes"]))
    check(rc != 0 and line_error(msg), "negative: an inline example with a bad value is refused", msg)
    rc, msg = c.parse(c.prepare([]), ["require_groups"])
    check(rc != 0, "negative: a PAM line with an unknown bare argument is refused", msg)
    rc, msg = c.parse(c.prepare(["client_secret = s3cret"]), ["client_secret=x"])
    check(rc != 0 and "must not be a module argument" in msg,
          "negative: client_secret as a module argument is refused", msg)

    print("examples: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
