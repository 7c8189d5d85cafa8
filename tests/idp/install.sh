#!/bin/sh
# install.sh -- install the test IdP's node dependencies (idempotent).
# Runs "npm ci" only when node_modules is missing or older than the lockfile.
set -eu
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: node and npm are required (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi

# npm writes node_modules/.package-lock.json on every install; if it is at least
# as new as package-lock.json and the provider is there, nothing to do.
if [ -f node_modules/.package-lock.json ] && [ -f node_modules/oidc-provider/package.json ] \
   && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
   && [ ! package.json -nt node_modules/.package-lock.json ]; then
    exit 0
fi

npm ci --no-audit --no-fund
