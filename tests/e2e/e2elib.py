"""e2elib.py - shared machinery of the end-to-end tests (tests/e2e/test_*.py).

How a test keeps the machine untouched
--------------------------------------
A test script starts as root in the machine's own mount namespace ("outer"),
records a digest of the files it must not change (/etc/pam.d, /etc/passwd,
/etc/group, /etc/shadow, /etc/gshadow, /etc/sudoers, /etc/sudoers.d), and
runs itself again under `unshare -m --propagation private` ("inner"). The
inner process, in a private mount namespace nobody else sees:

  * bind-mounts its own directory over /etc/pam.d (one PAM service file per
    program under test, naming the module by absolute path in the build tree)
    and its own /etc/sudoers and /etc/sudoers.d;
  * bind-mounts private copies of /etc/passwd, /etc/shadow, /etc/group and
    /etc/gshadow that add the test accounts `alice`, `bob` (the IdP's user
    names, so no user map is needed) and `e2eclient` (runs the ssh client),
    with free uids, /bin/sh and homes in the test's temporary directory. The
    accounts exist only inside the namespace;
  * mounts empty tmpfs over /run (utmp, sshd's privilege-separation
    directory, sudo's timestamps) and /var/log (wtmp, btmp, lastlog), and over
    /var/lib/sudo, so the logins leave no record on the machine.

The mounts vanish with the namespace, i.e. when the inner process and every
program it started have exited. Every server the inner process starts (the
test IdP, sshd) is stopped in a `finally` block that also runs on SIGTERM,
SIGINT and SIGHUP; sshd additionally gets SIGTERM from the kernel when the
test dies (PR_SET_PDEATHSIG) and the IdP exits by itself when the test's PID
disappears (IDP_PARENT_PID). Afterwards the outer process checks the digest
again and reports it as a test case.

Output: TAP-like `ok - ...` / `not ok - ...` lines and a closing line
`e2e-NAME: N passed, N failed`; exit 0 only when nothing failed, 77 (automake's
SKIP) when not root or a required program is missing.
"""

import ctypes
import hashlib
import json
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("OA2E2E_BUILDDIR", os.getcwd() if os.path.exists(
    os.path.join(os.getcwd(), ".libs", "pam_oauth2.so")) else TOP)
MODULE = os.path.join(BUILD, ".libs", "pam_oauth2.so")
HELPER = os.path.join(BUILD, "pam_oauth2_helper")
INNER_FLAG = "OA2E2E_INNER"
GUARDED = ["/etc/pam.d", "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow",
           "/etc/sudoers", "/etc/sudoers.d", "/etc/security"]
USERS = ("alice", "bob", "e2eclient")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def note(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


# ---------------------------------------------------------------- results ----

class Results:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, cond, desc, detail=None):
        if cond:
            self.passed += 1
            print("ok - " + desc, flush=True)
        else:
            self.failed += 1
            print("not ok - " + desc, flush=True)
            if detail:
                note(detail)
        return cond


def summary_and_exit(name, passed, failed):
    print("e2e-%s: %d passed, %d failed" % (name, passed, failed), flush=True)
    sys.exit(0 if failed == 0 else 1)


def skip(name, why):
    print("1..0 # SKIP " + why)
    print("e2e-%s: 0 passed, 0 failed" % name, flush=True)
    sys.exit(77)


# ------------------------------------------------------- outer / inner -------

def digest(paths):
    h = hashlib.sha256()
    for top in paths:
        if not os.path.lexists(top):
            h.update(b"absent " + top.encode() + b"\0")
            continue
        items = [top]
        if os.path.isdir(top) and not os.path.islink(top):
            for d, dirs, files in os.walk(top):
                dirs.sort()
                items += [os.path.join(d, x) for x in sorted(dirs + files)]
        for p in items:
            st = os.lstat(p)
            h.update(("%s %o %d %d\0" % (p, st.st_mode, st.st_uid, st.st_gid)).encode())
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


def main(name, needs, body):
    """Entry point of a test script: body(ctx, results) runs in the namespace."""
    if os.environ.get(INNER_FLAG) == "1":
        return inner(name, body)
    if os.geteuid() != 0:
        skip(name, "needs root (private mount namespace, real sshd/sudo/login)")
    missing = [p for p in ["unshare", "mount", "setpriv", "node"] + needs
               if shutil.which(p, path=PATH) is None]
    if not os.path.exists(MODULE):
        missing.append(MODULE)
    if missing:
        skip(name, "missing: " + " ".join(missing))
    before = digest(GUARDED)
    fd, resfile = tempfile.mkstemp(prefix="oa2e2e-res-")
    os.close(fd)
    env = dict(os.environ, **{INNER_FLAG: "1", "OA2E2E_RESULTS": resfile,
                              "OA2E2E_BUILDDIR": BUILD})
    t0 = time.monotonic()
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "private",
                             sys.executable, os.path.abspath(sys.argv[0])], env=env)
    try:
        rc = proc.wait()
    except BaseException:
        proc.terminate()
        proc.wait()
        raise
    passed = failed = 0
    try:
        with open(resfile) as f:
            passed, failed = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        failed += 1
        print("not ok - the test ran to its end (inner exit status %d)" % rc)
    os.unlink(resfile)
    r = Results(name)
    r.check(digest(GUARDED) == before,
            "the machine's PAM, sudoers and account files are unchanged")
    note("run time %.1f s" % (time.monotonic() - t0))
    summary_and_exit(name, passed + r.passed, failed + r.failed)


class Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise Stop("signal %d" % signum)


def inner(name, body):
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _raise_stop)
    r = Results(name)
    ctx = Context(name)
    try:
        ctx.setup()
        body(ctx, r)
    except Stop as e:
        r.check(False, "the test was not interrupted", str(e))
    except Exception as e:  # a set-up or harness failure is a failure, not a crash
        import traceback
        r.check(False, "the test harness ran without an exception", traceback.format_exc())
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        ctx.cleanup()
        with open(os.environ["OA2E2E_RESULTS"], "w") as f:
            f.write("%d %d\n" % (r.passed, r.failed))
    sys.exit(0)


# ----------------------------------------------------------------- context ---

def _pdeathsig():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Context:
    """The namespace, the accounts, the test IdP and the processes started."""

    def __init__(self, name):
        self.name = name
        self.dir = None
        self.procs = []      # subprocess.Popen objects to stop
        self.children = []   # pexpect children to close
        self.tmuxes = []     # tmux servers to end
        self.idp_dir = None
        self.idp = {}
        self.uids = {}
        self.syslog = None    # a Syslog once capture_syslog ran

    # -- namespace and accounts --
    def setup(self):
        self.dir = tempfile.mkdtemp(prefix="oa2e2e-%s-" % self.name)
        os.chmod(self.dir, 0o755)
        mounts = []
        # Accounts: private copies of the account files with the test users.
        etc = self.path("etc")
        os.makedirs(etc + "/pam.d")
        os.makedirs(etc + "/sudoers.d")
        os.chmod(etc + "/sudoers.d", 0o755)
        used_uids = {p.pw_uid for p in pwd.getpwall()}
        used_gids = {g.gr_gid for g in grp.getgrall()}
        uid = 47101
        passwd, group, shadow, gshadow = [], [], [], []
        for u in USERS:
            while uid in used_uids or uid in used_gids:
                uid += 1
            home = self.path("home", u)
            os.makedirs(home)
            os.chown(home, uid, uid)
            self.uids[u] = uid
            passwd.append("%s:x:%d:%d:pam_oauth2 e2e %s:%s:/bin/sh\n" % (u, uid, uid, u, home))
            group.append("%s:x:%d:\n" % (u, uid))
            shadow.append("%s:*:19000:0:99999:7:::\n" % u)
            gshadow.append("%s:!::\n" % u)
            uid += 1
        for f, extra, mode in (("passwd", passwd, 0o644), ("group", group, 0o644),
                               ("shadow", shadow, 0o640), ("gshadow", gshadow, 0o640)):
            src = "/etc/" + f
            dst = os.path.join(etc, f)
            with open(src) as i, open(dst, "w") as o:
                lines = [line for line in i if line.split(":", 1)[0] not in USERS]
                o.writelines(lines + extra)
            st = os.stat(src)
            os.chown(dst, st.st_uid, st.st_gid)
            os.chmod(dst, st.st_mode & 0o7777 if f in ("passwd", "group") else mode)
            mounts.append((dst, src))
        self.write("etc/sudoers", "root ALL=(ALL:ALL) ALL\n", 0o440)
        mounts += [(etc + "/pam.d", "/etc/pam.d"), (etc + "/sudoers", "/etc/sudoers"),
                   (etc + "/sudoers.d", "/etc/sudoers.d")]
        for src, dst in mounts:
            if os.path.exists(dst):  # absent: that program is not installed, nothing to hide
                run(["mount", "--bind", src, dst])
        for d in ("/run", "/var/log", "/var/lib/sudo"):
            if os.path.isdir(d):
                run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=16m", "oa2e2e", d])
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        for f in ("/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog", "/run/utmp"):
            open(f, "a").close()
        # Sanity: the namespace is in force.
        pwd_alice = subprocess.run(["getent", "passwd", "alice"], capture_output=True, text=True)
        if str(self.uids["alice"]) not in pwd_alice.stdout:
            raise RuntimeError("the private account files are not in force")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, rel, text, mode=0o644):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    # -- the namespace's syslog --
    def capture_syslog(self):
        """A /dev/log of this namespace's own, read by the test: returns a
        Syslog. /dev becomes a tmpfs holding copies of the machine's device
        nodes and symbolic links, its directories (pts, shm ...) bind-mounted,
        and the socket; the machine's /dev is left as it was."""
        d = self.path("dev")
        os.makedirs(d)
        run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=1m", "oa2e2e-dev", d])
        for name in os.listdir("/dev"):
            src, dst = os.path.join("/dev", name), os.path.join(d, name)
            st = os.lstat(src)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(src), dst)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                os.mknod(dst, st.st_mode, st.st_rdev)
            elif stat.S_ISDIR(st.st_mode):
                os.mkdir(dst)
                run(["mount", "--rbind", src, dst])
            else:
                continue
            os.chown(dst, st.st_uid, st.st_gid, follow_symlinks=False)
            if not stat.S_ISLNK(st.st_mode):
                os.chmod(dst, stat.S_IMODE(st.st_mode))
        log = Syslog(os.path.join(d, "log"))
        run(["mount", "--move", d, "/dev"])
        self.syslog = log
        return log

    # -- module configuration --
    def module_config(self, extra="", client="pam-public"):
        """The module's config file: the IdP, the public client (or the
        confidential one, its secret in a root-only file), a private cache."""
        if client == "pam-public":
            auth = "client_id = pam-public\n"
        else:
            auth = "client_id = %s\nclient_secret_file = %s\n" % (
                client, self.write("client_secret", "confidential-secret\n", 0o600))
        text = ("issuer = %s\nca_file = %s\n%scache_dir = %s\n"
                "helper = %s\n%s" %
                (self.idp["IDP_ISSUER"], self.idp["IDP_CA"], auth, self.path("cache"), HELPER,
                 extra))
        return self.write("pam_oauth2.conf", text, 0o644)

    def pam_service(self, service, auth_args, account_args="", extra=""):
        """/etc/pam.d/SERVICE in the namespace (the file is re-read by every pam_start)."""
        conf = self.path("pam_oauth2.conf")
        text = ("# pam_oauth2 e2e test service %s (private mount namespace)\n"
                "auth     required %s config=%s %s\n"
                "account  required %s config=%s %s\n"
                "session  required pam_permit.so\n"
                "password required pam_deny.so\n%s" %
                (service, MODULE, conf, auth_args, MODULE, conf, account_args, extra))
        return self.write("etc/pam.d/" + service, text, 0o644)

    # -- the test IdP --
    def start_idp(self, *args):
        self.idp_dir = self.path("idp")
        os.makedirs(self.idp_dir)
        # A loaded machine (make check -j) can delay node's start: a longer
        # deadline than idp.sh's default and one more try.
        env = dict(os.environ, IDP_PARENT_PID=str(os.getpid()),
                   IDP_START_TIMEOUT=os.environ.get("IDP_START_TIMEOUT", "20"))
        for attempt in (1, 2, 3):
            p = subprocess.run(["sh", os.path.join(TOP, "tests/idp/idp.sh"), "start",
                                self.idp_dir, "--interval", "1"] + list(args),
                               env=env, capture_output=True, text=True, timeout=150)
            if p.returncode == 0:
                break
            note("test IdP start attempt %d failed:\n%s%s" % (attempt, p.stdout, p.stderr))
        else:
            raise RuntimeError("test IdP did not start")
        with open(os.path.join(self.idp_dir, "idp.env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                self.idp[k] = v
        return self.idp

    def control(self, method, route, body=None, timeout=10):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.idp["IDP_CONTROL"] + route, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def approve(self, user_code, username):
        return self.control("POST", "/device/approve", {"user_code": user_code,
                                                         "username": username})

    def deny(self, user_code):
        return self.control("POST", "/device/deny", {"user_code": user_code})

    def ciba(self, action, binding, username=None):
        """The phone's answer to the CIBA request with this binding message:
        action approve (as username, default the hinted user), deny or expire."""
        if not binding:  # the IdP would take the newest request: never guess
            raise ValueError("no binding message to answer")
        body = {"binding_message": binding}
        if username:
            body["username"] = username
        return self.control("POST", "/ciba/" + action, body)

    def counts(self):
        """The IdP's request counters since the last counts_reset()."""
        return self.control("GET", "/counts")[1] or {}

    def counts_reset(self):
        self.control("POST", "/counts/reset")

    # -- processes --
    def start_daemon(self, argv, **kw):
        p = subprocess.Popen(argv, preexec_fn=_pdeathsig, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, timeout=5):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def spawn(self, argv, user=None, env=None, timeout=30):
        """argv on a fresh pseudo-terminal (pexpect), as user when given."""
        import pexpect
        e = {"PATH": PATH, "TERM": "xterm", "LANG": "C.UTF-8"}
        if user:
            e["HOME"] = self.path("home", user)
            e["USER"] = user
            argv = ["setpriv", "--reuid", user, "--regid", user, "--init-groups", "--"] + argv
        e.update(env or {})
        child = pexpect.spawn(argv[0], argv[1:], env=e, timeout=timeout, encoding="utf-8",
                              codec_errors="replace", dimensions=(60, 120))
        self.children.append(child)
        return child

    def close_child(self, child):
        try:
            child.close(force=True)
        except Exception:
            pass
        if child in self.children:
            self.children.remove(child)
        return child.exitstatus, child.signalstatus

    def cleanup(self):
        for t in list(self.tmuxes):
            t.kill()
        for c in list(self.children):
            self.close_child(c)
        for p in list(self.procs):
            self.stop(p)
        if self.idp_dir and os.path.exists(os.path.join(self.idp_dir, "idp.pid")):
            subprocess.run(["sh", os.path.join(TOP, "tests/idp/idp.sh"), "stop", self.idp_dir],
                           capture_output=True, timeout=30)
        if self.dir and os.environ.get("OA2E2E_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            note("kept " + self.dir)


def run(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


class Syslog:
    """Datagrams sent to a syslog socket, as text lines, read by a thread."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.lock = threading.Lock()
        self.got = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self.lock:
                self.got.append(data.decode("utf-8", "replace").rstrip("\n"))

    def lines(self, since=0):
        """The lines received so far, from index since on."""
        with self.lock:
            return self.got[since:]

    def mark(self):
        with self.lock:
            return len(self.got)


# ----------------------------------------------------------- helpers ---------

USER_CODE_RE = r"enter the code:\s+([B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4})"
# CIBA (docs/ciba.md): the line with the binding message HOST.SERVICE.NNNN,
# whole on its screen line (the ssh client puts "(user@host) " before a
# keyboard-interactive instruction); group 1 is the message.
CIBA_RE = r"(?m)^(?:\([^()\n]*\) )?Approve the login on your phone: ([A-Za-z0-9.-]{1,20})$"


def qr_lines(text):
    """The lines of the first UTF-8 half-block QR code in text."""
    out = []
    for line in text.replace("\r", "").split("\n"):
        if line and set(line) <= set("\u2580\u2584\u2588 ") and set(line) & set("\u2580\u2584\u2588"):
            out.append(line)
        elif out:
            break
    return out


def qr_decode(lines, workdir, dark_background=True):
    """Decode a half-block rendering with zbarimg; None when it does not read."""
    if not lines or shutil.which("zbarimg") is None:
        return None
    width = max(len(x) for x in lines)
    rows = []
    for line in lines:
        line = line.ljust(width)
        top = [c in "\u2580\u2588" for c in line]
        bottom = [c in "\u2584\u2588" for c in line]
        rows += [top, bottom]
    scale = 4
    path = os.path.join(workdir, "qr.pbm")
    with open(path, "w") as f:
        f.write("P1\n%d %d\n" % (width * scale, len(rows) * scale))
        for row in rows:
            # Drawn cells are light modules on a dark background (PBM 1 = black).
            bits = " ".join(("0" if drawn == dark_background else "1") for drawn in row
                            for _ in range(scale))
            for _ in range(scale):
                f.write(bits + "\n")
    p = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def wait_gone(pid_or_pred, timeout):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        if pid_or_pred():
            return True
        time.sleep(0.1)
    return False


def pid_gone(pid):
    """Has our child pid ended (reaped now)?"""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def children_of(pid):
    """PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    s = f.read()
                fields = s[s.rindex(")") + 2:].split()
                if int(fields[1]) == pid and fields[0] != "Z":
                    out.append(int(d))
            except (OSError, ValueError):
                pass
    return out


BLOCKS = "\u2580\u2584\u2588"


def qr_from_screen(text):
    """The UTF-8 half-block QR code of a login screen, whether it stands
    alone or has text to its right: the first line made only of blocks (the
    top of the drawn quiet zone on a dark terminal) gives the width; the QR
    code is that many leading columns of it and of the lines below that start
    with a block."""
    lines = text.replace("\r", "").split("\n")
    for i, line in enumerate(lines):
        stripped = line.rstrip(" ")
        if len(stripped) >= 21 and set(stripped) <= set(BLOCKS):
            width = len(stripped)
            out = []
            for below in lines[i:]:
                part = below[:width]
                if not part or part[0] not in BLOCKS or not set(part) <= set(BLOCKS + " "):
                    break
                out.append(part.ljust(width))
            return out
    return []


def screen_widths(text):
    """Columns of each line (one per character)."""
    return [len(x) for x in text.replace("\r", "").split("\n")]


# ------------------------------------------------------------ 80x24 screens --

class Tmux:
    """A program in a tmux pane of 80x24 (status line off), as a person's
    terminal: capture() is what is visible now, without scrollback."""

    def __init__(self, ctx, name, argv, env=None, cols=80, rows=24):
        self.ctx = ctx
        self.sock = ctx.path("tmux-%s.sock" % name)
        conf = ctx.write("tmux-%s.conf" % name,
                         "set -g status off\nset -g remain-on-exit on\n"
                         "set -g default-size %dx%d\n" % (cols, rows))
        e = {"PATH": PATH, "TERM": "xterm-256color", "LANG": "C.UTF-8"}
        e.update(env or {})
        self.base = ["tmux", "-S", self.sock, "-f", conf]
        ctx.tmuxes.append(self)
        subprocess.run(self.base + ["new-session", "-d", "-s", "t", "-x", str(cols),
                                    "-y", str(rows), " ".join(shell_quote(a) for a in argv)],
                       env=e, check=True)

    def capture(self, joined=False):
        """The visible screen; joined: lines the terminal wrapped joined again
        (a capture differs from its joined form when something wrapped)."""
        p = subprocess.run(self.base + ["capture-pane", "-p", "-t", "t"] +
                           (["-J"] if joined else []), capture_output=True, text=True)
        return p.stdout

    def wait_for(self, pattern, timeout=20):
        t = time.monotonic() + timeout
        while time.monotonic() < t:
            text = self.capture()
            m = re.search(pattern, text)
            if m:
                return m, text
            time.sleep(0.2)
        return None, self.capture()

    def wrapped(self):
        """Did the terminal wrap any visible line (too long for the pane)?"""
        def rows(text):
            return [x.rstrip(" ") for x in text.rstrip("\n").split("\n")]
        return rows(self.capture()) != rows(self.capture(joined=True))

    def keys(self, *keys):
        subprocess.run(self.base + ["send-keys", "-t", "t"] + list(keys), check=True)

    def pane_pid(self):
        p = subprocess.run(self.base + ["display-message", "-p", "-t", "t", "#{pane_pid}"],
                           capture_output=True, text=True)
        return int(p.stdout.strip() or 0)

    def dead(self):
        p = subprocess.run(self.base + ["display-message", "-p", "-t", "t", "#{pane_dead}"],
                           capture_output=True, text=True)
        return p.stdout.strip() == "1"

    def kill(self):
        """Close the terminal: the server ends and the pane's programs get SIGHUP."""
        subprocess.run(self.base + ["kill-server"], capture_output=True)
        if self in self.ctx.tmuxes:
            self.ctx.tmuxes.remove(self)


def shell_quote(s):
    import shlex
    return shlex.quote(s)


def check_screen(r, what, text, code, uri, complete, workdir, rows=24, cols=80):
    """The visible 80x24 screen holds the code, the URL and a decodable QR code."""
    lines = text.rstrip("\n").split("\n")
    r.check(len(lines) <= rows and max(len(x) for x in lines) <= cols,
            "%s: the capture is one %dx%d screen" % (what, cols, rows),
            "%d lines, widest %d" % (len(lines), max(len(x) for x in lines)))
    r.check(code in text, "%s: the user code %s is on the visible screen" % (what, code), text)
    r.check(uri in text, "%s: the verification URL %s is on the visible screen" % (what, uri),
            text)
    qr = qr_from_screen(text)
    decoded = qr_decode(qr, workdir)
    r.check(decoded == complete,
            "%s: the QR code on the visible screen decodes (zbarimg) to %s (%d columns, %d lines)"
            % (what, complete, len(qr[0]) if qr else 0, len(qr)), "read %r in:\n%s" % (decoded, text))


def shown_binding(text):
    """The binding message on a screen (None: no screen, or none on it)."""
    m = re.search(CIBA_RE, text or "")
    return m.group(1) if m else None


def check_ciba_screen(r, what, tmux, text, service):
    """The visible 80x24 screen of a CIBA login: the binding message
    HOST.SERVICE.NNNN whole on its line (docs/ciba.md's format), the validity
    line, nothing wrapped; returns the binding message read from the screen."""
    lines = text.rstrip("\n").split("\n")
    r.check(len(lines) <= 24 and max(len(x) for x in lines) <= 80,
            "%s: the capture is one 80x24 screen" % what,
            "%d lines, widest %d" % (len(lines), max(len(x) for x in lines)))
    r.check(not tmux.wrapped(), "%s: no line on the screen is wrapped" % what, text)
    binding = shown_binding(text)
    r.check(binding is not None and
            re.fullmatch(r"[A-Za-z0-9-]{1,9}\.%s\.[0-9]{4}" % re.escape(service[:5]), binding),
            "%s: the binding message %s (HOST.%s.NNNN) stands whole on the screen" %
            (what, binding, service[:5]), text)
    r.check(re.search(r"(?m)^The request is valid for [0-9]+ seconds\.", text) is not None,
            "%s: the line with the request's validity is on the screen" % what, text)
    return binding


def ciba_approve_shown(ctx, r, what, binding, text, keep_as):
    """The IdP's one pending request is alice's (hint alice@example.test) and
    carries the binding message read from the screen; the screen is kept in
    the build tree (tests/e2e/keep_as); the request is approved by that message."""
    _, pending = ctx.control("GET", "/ciba/pending")
    r.check([(p["binding_message"], p["login_hint"], p["username"]) for p in pending or []] ==
            [(binding, "alice@example.test", "alice")],
            "%s: the IdP holds one request, for alice@example.test, with the binding message "
            "on the screen" % what, repr(pending))
    with open(os.path.join(BUILD, "tests", "e2e", keep_as), "w") as f:
        f.write(text)
    st, ans = ctx.ciba("approve", binding)
    r.check(st == 200, "%s: the IdP approves %s (as alice), found by the message on the "
            "screen" % (what, binding), ans)


def check_ciba_requests(ctx, r, what, warm):
    """The IdP's requests since the last reset were one CIBA login: one
    backchannel request and its polls (>= 1); warm: nothing else at all (no
    discovery, no JWKS). Resets the counters and the polls."""
    c = ctx.counts()
    _, polls = ctx.control("GET", "/polls")
    polls = polls or []
    ok = (c.get("backchannel_authentication") == 1 and c.get("token") == len(polls) >= 1 and
          all(p.get("grant_type") == "urn:openid:params:grant-type:ciba" for p in polls))
    others = {k: v for k, v in c.items() if k not in ("backchannel_authentication", "token")
              and v}
    r.check(ok and not (warm and others),
            "%s: 1 backchannel request + %d CIBA polls%s" %
            (what, len(polls), ", no discovery, JWKS or other request" if warm else ""),
            "counts %r, polls %r" % (c, polls))
    note("%s, IdP requests: %r" % (what, c))
    ctx.counts_reset()
    ctx.control("POST", "/polls/reset")


def private_german_locale(ctx):
    """de_DE.UTF-8 and the German catalog inside this namespace only.

    A set-uid program (sudo) ignores LOCPATH, so a locale compiled into a
    private directory is invisible to it; the namespace instead bind-mounts
    a directory holding the machine's C.utf8 and a de_DE.utf8 made by
    localedef (package locales) over /usr/lib/locale, and puts the built
    po/de.mo where the module looks for it (a tmpfs over the localedir).
    Nothing outside the namespace changes. Returns False when impossible."""
    if shutil.which("localedef") is None or not os.path.isdir("/usr/share/i18n/locales"):
        return False
    loc = ctx.path("locale")
    os.makedirs(loc)
    for name in os.listdir("/usr/lib/locale"):
        src = os.path.join("/usr/lib/locale", name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(loc, name), symlinks=True)
        else:
            shutil.copy2(src, os.path.join(loc, name))
    p = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8",
                        os.path.join(loc, "de_DE.utf8")], capture_output=True, text=True)
    if not os.path.isdir(os.path.join(loc, "de_DE.utf8")):
        note("localedef failed: " + p.stderr)
        return False
    os.chmod(loc, 0o755)
    run(["mount", "--bind", loc, "/usr/lib/locale"])
    mo = os.path.join(BUILD, "po", "de.mo")
    localedir = subprocess.run(["make", "-s", "--no-print-directory", "-C", BUILD, "print-localedir"],
                               capture_output=True, text=True).stdout.strip()
    if not os.path.exists(mo) or not localedir.startswith("/"):
        return False
    top = localedir
    while not os.path.isdir(top):  # the nearest existing parent gets the tmpfs
        top = os.path.dirname(top)
    run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=4m", "oa2e2e-locale", top])
    os.makedirs(os.path.join(localedir, "de", "LC_MESSAGES"), exist_ok=True)
    shutil.copy(mo, os.path.join(localedir, "de", "LC_MESSAGES", "pam_oauth2.mo"))
    return True
