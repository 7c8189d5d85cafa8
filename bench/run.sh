#!/bin/sh
# run.sh - every benchmark figure of the project in one run (see README.md).
# Builds first; needs the dependencies from scripts/install-deps.sh.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
sh scripts/build.sh >/dev/null
echo "== token validation throughput (parse + key choice + verify) vs openssl speed"
sh bench/jws_verify.sh 2 3
echo
echo "== device grant"
sh bench/device_login.sh 5 3
echo
echo "== the helper process (started once per login)"
sh bench/helper_start.sh 200
echo
echo "== password grant"
sh bench/password_login.sh 7
echo
echo "== token login (grant = token)"
sh bench/token_login.sh 7
echo
echo "== memory of one login: PAM host process and helper (password grant)"
sh bench/memory.sh 5
echo
echo "== load (password grant)"
sh bench/load.sh 4 50
