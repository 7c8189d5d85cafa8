#!/usr/bin/python3
"""test_token.py - grant = token with real clients: OpenSSH (scp driven by
sshpass through keyboard-interactive) and PostgreSQL (psql, a throwaway
cluster whose PAM authentication runs in the backend as the user postgres).

What it proves, each as its own assertion:
  * scp, with alice's token as the answer to the module's "Token for alice:"
    prompt (sshpass -P Token), copies a file up to alice's home and back,
    byte for byte; bob's token and an expired token of alice's are refused
    (scp fails, nothing is copied);
  * psql logs in as alice with alice's token as the password (PGPASSWORD),
    and `select current_user` says alice; bob's token, an expired token and
    a password are refused. The module and its helper run there as
    postgres, not root, with a cache and a replay store of postgres's own;
    with token_single_use the same token is refused the second time;
  * the longest token each client passes through, measured: sshd
    keyboard-interactive, sshd's password method, PostgreSQL (sizes in the
    closing notes; docs/token-logins.md lists them).

Method: as test_sshd.py (private mount namespace, private /etc/pam.d and
account files, see e2elib.py). Tokens are signed by the test IdP's own key
(POST /sign) with the claims the IdP would put in alice's and bob's ID
tokens. The PostgreSQL cluster is made with initdb as postgres in the test's
temporary directory, listens on 127.0.0.1 at a free port and a socket in that
directory, is stopped with pg_ctl in a finally block (and by PR_SET_PDEATHSIG
through pg_ctl's postmaster otherwise), and its pg_hba.conf has one line
`host all all 127.0.0.1/32 pam pamservice=pgtoken`.
"""
import json
import os
import pwd
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import note  # noqa: E402
import test_sshd  # noqa: E402

ALICE = "6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001"
BOB = "3d9b5e10-7f2c-4a61-8b3e-b0b000000002"
PG_BIN = "/usr/lib/postgresql/15/bin"


def token(ctx, user, sub, age=5, ttl=600, pad=0, jti=None):
    now = int(time.time())
    claims = {"iss": ctx.idp["IDP_ISSUER"], "sub": sub, "aud": "pam-public", "iat": now - age,
              "exp": now + ttl, "preferred_username": user, "groups": ["users"]}
    if jti:
        claims["jti"] = jti
    if pad:
        claims["pad"] = "x" * pad
    st, ans = ctx.control("POST", "/sign", {"alg": "RS256", "claims": claims})
    if st != 200:
        raise RuntimeError("sign: %r" % ans)
    return ans["jws"]


def sized(ctx, length, jti=None):
    """alice's token of at least length characters, as few more as the
    base64url steps allow (length or length + 1); len() says which."""
    base = len(token(ctx, "alice", ALICE, jti=jti))
    pad = max(1, (length - base) * 3 // 4 - 16)
    t = token(ctx, "alice", ALICE, pad=pad, jti=jti)
    while len(t) < length:
        pad += 1
        t = token(ctx, "alice", ALICE, pad=pad, jti=jti)
    return t


def as_client(ctx, argv, env, timeout=30):
    e = {"PATH": e2elib.PATH, "HOME": ctx.path("home", "e2eclient"), "LANG": "C.UTF-8"}
    e.update(env)
    return subprocess.run(["setpriv", "--reuid", "e2eclient", "--regid", "e2eclient",
                           "--init-groups", "--"] + argv, env=e, capture_output=True,
                          text=True, timeout=timeout)


def ssh_opts(srv):
    return ["-F", "/dev/null", "-o", "UserKnownHostsFile=" + srv["known_hosts"],
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
            "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
            "-o", "ConnectTimeout=10"]


def scp(ctx, srv, tok, src, dst, method="keyboard-interactive", prompt="Token"):
    # -O: the scp protocol (the test sshd offers no sftp subsystem)
    return as_client(ctx, ["sshpass", "-e", "-P", prompt, "scp", "-O", "-P", str(srv["port"]),
                           "-o", "PreferredAuthentications=" + method] + ssh_opts(srv)
                     + [src, dst], {"SSHPASS": tok})


def ssh_true(ctx, srv, tok, method="keyboard-interactive", prompt="Token"):
    p = as_client(ctx, ["sshpass", "-e", "-P", prompt, "ssh", "-p", str(srv["port"]),
                        "-o", "PreferredAuthentications=" + method] + ssh_opts(srv)
                  + ["alice@127.0.0.1", "id -un"], {"SSHPASS": tok})
    return p.returncode == 0 and p.stdout.strip() == "alice"


def longest(ok, sizes):
    best = 0
    for n in sizes:
        if ok(n):
            best = n
        else:
            return best, n
    return best, None


def ssh_part(ctx, r):
    ctx.pam_service("sshd", "")
    srv = test_sshd.start_sshd(ctx, "token", 30)
    note("sshd on 127.0.0.1:%d" % srv["port"])
    home = ctx.path("home", "e2eclient")
    up = os.path.join(home, "payload.bin")
    with open(up, "wb") as f:
        f.write(os.urandom(4096) + b"\n")
    os.chown(up, ctx.uids["e2eclient"], ctx.uids["e2eclient"])
    alice_home = ctx.path("home", "alice")

    p = scp(ctx, srv, token(ctx, "alice", ALICE), up, "alice@127.0.0.1:up.bin")
    got = os.path.join(alice_home, "up.bin")
    r.check(p.returncode == 0 and os.path.exists(got) and
            open(got, "rb").read() == open(up, "rb").read(),
            "scp with alice's token copies a file up to alice's home",
            "exit %d, stderr %r" % (p.returncode, p.stderr))
    down = os.path.join(home, "down.bin")
    p = scp(ctx, srv, token(ctx, "alice", ALICE), "alice@127.0.0.1:up.bin", down)
    r.check(p.returncode == 0 and os.path.exists(down) and
            open(down, "rb").read() == open(up, "rb").read(),
            "scp with a fresh token of alice's copies it back, byte for byte",
            "exit %d, stderr %r" % (p.returncode, p.stderr))
    for what, tok in (("bob's token", token(ctx, "bob", BOB)),
                      ("an expired token of alice's", token(ctx, "alice", ALICE, age=900,
                                                              ttl=-600)),
                      ("alice's password", "alice-pass")):
        p = scp(ctx, srv, tok, up, "alice@127.0.0.1:refused.bin")
        r.check(p.returncode != 0 and not os.path.exists(os.path.join(alice_home,
                                                                       "refused.bin")),
                "scp to alice with %s is refused, nothing copied" % what,
                "exit %d, stderr %r" % (p.returncode, p.stderr))
    with open(srv["log"]) as f:
        r.check("Failed keyboard-interactive/pam for alice" in f.read(),
                "sshd logs the refused keyboard-interactive/pam attempts")

    # The OpenSSH client reads each answer (terminal or SSH_ASKPASS) into a
    # 1024-byte buffer: a longer token arrives cut, and is refused.
    toks = {}
    for n in (512, 1000, 1016, 1020, 1022, 1023, 1024, 1025, 1100, 2048):
        t = sized(ctx, n)
        toks[len(t)] = t
    sizes = sorted(toks)
    best, first_bad = longest(lambda n: ssh_true(ctx, srv, toks[n]), sizes)
    note("ssh + sshd keyboard-interactive: longest token that logs in %d characters, "
         "refused at %s" % (best, first_bad))
    r.check(1000 <= best <= 1023 and first_bad is not None,
            "ssh keyboard-interactive passes a %d-character token and cuts a %s-character "
            "one (the client's 1024-byte answer buffer)" % (best, first_bad))
    ctx.stop(srv["proc"])

    # sshd's password method: PAM gets the password through sshd's own
    # conversation; sshd refuses passwords over 1024 bytes itself.
    pw = start_password_sshd(ctx)
    best, first_bad = longest(lambda n: ssh_true(ctx, pw, toks[n], method="password",
                                                 prompt="password:"), sizes)
    note("sshd password method: longest token %d, refused at %s" % (best, first_bad))
    r.check(1000 <= best <= 1024 and first_bad is not None,
            "ssh's password method passes %d characters and not %s" % (best, first_bad))
    ctx.stop(pw["proc"])


def start_password_sshd(ctx):
    srv = test_sshd.start_sshd(ctx, "password", 30)
    cfg = ctx.path("sshd-password", "sshd_config")
    text = open(cfg).read()
    text = text.replace("KbdInteractiveAuthentication yes", "KbdInteractiveAuthentication no")
    text = text.replace("AuthenticationMethods keyboard-interactive", "AuthenticationMethods password")
    text = text.replace("PasswordAuthentication no", "PasswordAuthentication yes")
    with open(cfg, "w") as f:
        f.write(text)
    ctx.stop(srv["proc"])
    log = open(srv["log"], "ab")
    srv["proc"] = ctx.start_daemon(["/usr/sbin/sshd", "-D", "-e", "-f", cfg], stdout=log,
                                   stderr=log, env={"PATH": e2elib.PATH})
    log.close()
    for _ in range(100):
        try:
            import socket
            with socket.create_connection(("127.0.0.1", srv["port"]), timeout=1) as s:
                if s.recv(64).startswith(b"SSH-2.0-"):
                    break
        except OSError:
            time.sleep(0.1)
    return srv


def pg_part(ctx, r):
    pg = pwd.getpwnam("postgres")
    base = ctx.path("pg")
    os.makedirs(base)
    os.chown(base, pg.pw_uid, pg.pw_gid)
    os.chmod(base, 0o700)
    data = os.path.join(base, "data")
    as_pg = ["setpriv", "--reuid", "postgres", "--regid", "postgres", "--init-groups", "--"]
    env = {"PATH": PG_BIN + ":" + e2elib.PATH, "LANG": "C.UTF-8", "HOME": base}
    subprocess.run(as_pg + ["initdb", "-D", data, "-A", "trust", "-U", "postgres"], env=env,
                   check=True, capture_output=True, timeout=120)
    with open(os.path.join(data, "pg_hba.conf"), "w") as f:
        f.write("local all postgres trust\n"
                "host all all 127.0.0.1/32 pam pamservice=pgtoken\n")
    port = test_sshd.free_port()
    ctx.pam_service("pgtoken", "cache_dir=%s/cache token_single_use=yes "
                    "token_replay_dir=%s/replay" % (base, base))
    log = os.path.join(base, "pg.log")
    subprocess.run(as_pg + ["pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o",
                            "-p %d -k %s -c listen_addresses=127.0.0.1" % (port, base),
                            "start"], env=env, check=True, capture_output=True, timeout=90)
    try:
        psql_admin = as_pg + ["psql", "-h", base, "-p", str(port), "-U", "postgres", "-c"]
        subprocess.run(psql_admin + ["CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN"],
                       env=env, check=True, capture_output=True, timeout=30)

        def psql(tok, user="alice"):
            return as_client(ctx, ["psql", "-X", "-A", "-t", "-w",
                                   "host=127.0.0.1 port=%d user=%s dbname=postgres" % (port, user),
                                   "-c", "select current_user"], {"PGPASSWORD": tok})
        tok = token(ctx, "alice", ALICE, jti="pg-1")
        p = psql(tok)
        r.check(p.returncode == 0 and p.stdout.strip() == "alice",
                "psql logs in as alice with alice's token as the password",
                "exit %d, out %r, err %r" % (p.returncode, p.stdout, p.stderr))
        p = psql(tok)
        r.check(p.returncode != 0, "the same token again is refused (token_single_use)",
                p.stdout + p.stderr)
        st = os.stat(os.path.join(base, "replay", "replay"))
        r.check(st.st_uid == pg.pw_uid and st.st_mode & 0o777 == 0o600,
                "the replay store belongs to postgres, mode 0600 (module and helper ran as "
                "postgres)")
        for what, tok in (("bob's token", token(ctx, "bob", BOB, jti="pg-2")),
                          ("an expired token", token(ctx, "alice", ALICE, 900, -600, jti="pg-3")),
                          ("alice's password", "alice-pass")):
            p = psql(tok)
            r.check(p.returncode != 0 and "authentication failed" in p.stderr,
                    "psql as alice with %s is refused" % what, p.stdout + p.stderr)
        p = psql(token(ctx, "alice", ALICE, jti="pg-4"), user="bob")
        r.check(p.returncode != 0, "alice's token does not log in as bob", p.stdout + p.stderr)
        sizes = [1024, 4096, 8192, 16000]
        n_ok = []
        for n in sizes:
            t = sized(ctx, n, jti="size-%d" % n)
            if psql(t).stdout.strip() == "alice":
                n_ok.append(len(t))
        note("PostgreSQL: tokens that log in: %r" % n_ok)
        r.check(len(n_ok) == len(sizes) and n_ok[-1] >= 16000,
                "PostgreSQL passes tokens of 16000 characters (the module's own cap is "
                "16384)", repr(n_ok))
        with open(log) as f:
            text = f.read()
        r.check('PAM authentication failed for user "alice"' in text,
                "PostgreSQL logs the refused PAM logins")
    finally:
        subprocess.run(as_pg + ["pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                       env=env, capture_output=True, timeout=60)


def body(ctx, r):
    ctx.start_idp()
    ctx.module_config("grant = token\n")
    ssh_part(ctx, r)
    pg_part(ctx, r)
    # the module's cap, whatever the client: OA2_JWS_MAX_SIZE


if __name__ == "__main__":
    e2elib.main("token", ["sshd", "ssh", "scp", "ssh-keygen", "sshpass", "psql",
                          PG_BIN + "/initdb", PG_BIN + "/pg_ctl"], body)
