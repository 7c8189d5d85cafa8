# shellcheck shell=sh
# root.sh - throwaway Debian 12 roots for the clean-machine tests
# (tests/package/test_root.sh, tests/fresh/test_demo_root.sh): source it.
#
# root_make DIR: a minbase Debian 12 (bookworm) root in DIR, made with
#   debootstrap. $OA2_ROOT_CACHE (optional) names a tarball of a finished
#   base root: when it exists DIR is unpacked from it (seconds instead of a
#   minute), otherwise the root is made and then saved there, so that one CI
#   run bootstraps once. Then the root is set up to reach what this machine
#   reaches: the Debian suites and mirrors of this machine's apt sources
#   (bookworm, bookworm-updates, bookworm-security; $OA2_DEBIAN_MIRROR
#   overrides the main mirror), this machine's apt proxy settings
#   (apt.conf.d files that set a proxy) and its extra CA certificates
#   (/usr/local/share/ca-certificates, used once the root installs
#   ca-certificates). Services never start inside (policy-rc.d).
# root_run DIR COMMAND...: run COMMAND as root inside DIR (chroot) with a
#   clean environment (PATH, HOME, LANG=C.UTF-8, the proxy variables if set)
#   in a private mount namespace with its own /proc, /dev/pts and /dev/shm:
#   the mounts end with the command and are never seen outside.
# root_sh DIR SCRIPT: root_run DIR sh -ec SCRIPT.
# root_copy_tree TOP DIR: the source tree TOP as a clone has it (tracked and
#   new files; no build output, installed npm packages, unpacked test OP or
#   package build leftovers) into DIR/src/pam_oauth2.
# root_remove DIR: delete the root (refuses anything still mounted in it).
# root_workdir NAME: for a test: exit 77 (automake's SKIP) unless root with
#   debootstrap; else set WORK (a new temporary directory) and R=$WORK/root
#   (not made yet), and on exit call root_on_exit (if the test defines it),
#   then remove WORK and the root ($OA2_KEEP_ROOT=1 keeps them, and says
#   where).
# root_begin NAME: for a test that sourced tests/lib/tap.sh: root_workdir
#   unless done, then make the root, reported as a test case.
#
# Needs root, debootstrap, unshare and chroot (util-linux, coreutils).

_root_workdir=

root_sources() { # print deb822 sources for the root from this machine's apt sources
    python3 - "${OA2_DEBIAN_MIRROR:-}" <<'EOF'
import glob, re, sys
override = sys.argv[1]
want = {"bookworm": None, "bookworm-updates": None, "bookworm-security": None}
def take(uris, suites, comps):
    if "main" not in comps:
        return
    for s in suites:
        if s in want and want[s] is None and uris:
            want[s] = uris[0]
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        text = open(path).read()
    except OSError:
        continue
    for line in text.splitlines():
        line = re.sub(r"#.*", "", line).strip()
        m = re.match(r"deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)", line)
        if m:
            take([m.group(2)], [m.group(3)], m.group(4).split())
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        f = {}
        for line in stanza.splitlines():
            m = re.match(r"([A-Za-z-]+):\s*(.*)", line)
            if m and not line.startswith("#"):
                f[m.group(1).lower()] = m.group(2).split()
        if f.get("enabled", ["yes"])[0] == "no" or "deb" not in f.get("types", []):
            continue
        take(f.get("uris", []), f.get("suites", []), f.get("components", []))
if override:
    want["bookworm"] = want["bookworm-updates"] = override
if want["bookworm"] is None:
    sys.exit("root.sh: this machine's apt sources name no bookworm main suite; set OA2_DEBIAN_MIRROR")
for suite, uri in want.items():
    if uri:
        print("Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n"
              "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n" % (uri, suite))
EOF
}

root_make() {
    _dir=$1
    _mirror=$(root_sources | sed -n '2s/^URIs: //p') || return 1
    [ -n "$_mirror" ] || return 1
    mkdir -p "$_dir"
    if [ -n "${OA2_ROOT_CACHE:-}" ] && [ -s "$OA2_ROOT_CACHE" ]; then
        tar -xpf "$OA2_ROOT_CACHE" -C "$_dir" || return 1
    else
        debootstrap --variant=minbase bookworm "$_dir" "$_mirror" >"$_dir.debootstrap.log" 2>&1 || {
            tail -n 20 "$_dir.debootstrap.log" >&2
            return 1
        }
        rm -f "$_dir.debootstrap.log"
        if [ -n "${OA2_ROOT_CACHE:-}" ]; then
            tar -cpf "$OA2_ROOT_CACHE.tmp" -C "$_dir" . && mv "$OA2_ROOT_CACHE.tmp" "$OA2_ROOT_CACHE"
        fi
    fi
    # apt: the Debian suites this machine uses, and its proxy settings
    rm -f "$_dir/etc/apt/sources.list"
    root_sources > "$_dir/etc/apt/sources.list.d/debian.sources" || return 1
    for _f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
        [ -f "$_f" ] && grep -qi 'proxy' "$_f" && cp "$_f" "$_dir/etc/apt/apt.conf.d/"
    done
    # the machine's extra CA certificates (a TLS-inspecting proxy, say)
    if [ -d /usr/local/share/ca-certificates ]; then
        mkdir -p "$_dir/usr/local/share/ca-certificates"
        cp -R /usr/local/share/ca-certificates/. "$_dir/usr/local/share/ca-certificates/"
    fi
    [ -f "$_dir/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$_dir/etc/hosts"
    cp /etc/resolv.conf "$_dir/etc/resolv.conf" 2>/dev/null || true
    printf '#!/bin/sh\nexit 101\n' > "$_dir/usr/sbin/policy-rc.d"
    chmod 755 "$_dir/usr/sbin/policy-rc.d"
}

root_run() {
    _dir=$1
    shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        ${http_proxy:+http_proxy=$http_proxy} ${https_proxy:+https_proxy=$https_proxy} \
        ${no_proxy:+no_proxy=$no_proxy} ${HTTP_PROXY:+HTTP_PROXY=$HTTP_PROXY} \
        ${HTTPS_PROXY:+HTTPS_PROXY=$HTTPS_PROXY} ${NO_PROXY:+NO_PROXY=$NO_PROXY} \
        unshare -m --propagation private sh -c '
            d=$1; shift
            mount -t proc proc "$d/proc" &&
            mount -t devpts -o newinstance,ptmxmode=0666 devpts "$d/dev/pts" &&
            mount -t tmpfs -o mode=1777 tmpfs "$d/dev/shm" &&
            exec chroot "$d" "$@"' sh "$_dir" "$@"
}

root_sh() {
    root_run "$1" sh -ec "$2"
}

root_copy_tree() {
    mkdir -p "$2/src/pam_oauth2"
    (cd "$1" && git ls-files -co --exclude-standard -z) |
        grep -z -v -E '(^|/)node_modules(/|$)|^tests/op2/glewlwyd|^libpam-oauth2_|^build(\.log$|-logs/)' |
        (cd "$1" && tar --null --no-recursion -T - -cf -) | tar -xf - -C "$2/src/pam_oauth2"
}

root_remove() {
    _dir=$1
    [ -n "$_dir" ] && [ -d "$_dir" ] || return 0
    if grep -q " $(cd "$_dir" && pwd)/" /proc/self/mounts; then
        echo "root.sh: something is still mounted under $_dir; not removing it" >&2
        return 1
    fi
    rm -rf "$_dir"
}

root_workdir() {
    if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null 2>&1; then
        echo "$1: skipped: needs root and debootstrap"
        exit 77
    fi
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/oa2-$1.XXXXXX")
    R=$WORK/root
    _root_workdir=$WORK
    trap root_end EXIT
    trap 'exit 1' INT TERM
}

root_begin() {
    [ -n "${_root_workdir:-}" ] || root_workdir "$1"
    _t=$(date +%s)
    if _out=$(root_make "$R" 2>&1); then
        ok "a minbase Debian 12 root ($(($(date +%s) - _t)) s)"
    else
        notok "a minbase Debian 12 root" "$_out"
        finish
    fi
}

root_end() {
    command -v root_on_exit >/dev/null 2>&1 && root_on_exit
    if [ "${OA2_KEEP_ROOT:-0}" = 1 ]; then
        echo "# kept: $_root_workdir"
    else
        root_remove "$_root_workdir/root" && rm -rf "$_root_workdir"
    fi
}
