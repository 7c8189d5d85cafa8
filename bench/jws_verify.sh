#!/bin/sh
# jws_verify.sh - JWS verifications/s (parse + key choice + verify) beside
# "openssl speed" raw verify/s for RSA-2048 and ECDSA P-256.
# Usage: bench/jws_verify.sh [seconds per measurement, default 2]
set -eu

secs=${1:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

: > "$tmp/autoconfig.h"
${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$tmp" -I"$top/src" -o "$tmp/jws_verify" \
	"$top/bench/jws_verify.c" "$top/src/b64url.c" "$top/src/jwk.c" "$top/src/jws.c" \
	"$top/src/json.c" "$top/src/error.c" -lcrypto -ljson-c -lm

"$tmp/jws_verify" "$secs" > "$tmp/ours"
openssl speed -seconds "$secs" rsa2048 ecdsap256 > "$tmp/speed" 2>/dev/null

# openssl speed prints: "rsa 2048 bits  sign/s-time verify/s-time sign/s verify/s"
# and "256 bits ecdsa (nistp256)  sign-time verify-time sign/s verify/s".
ssl_rsa=$(awk '/^rsa  *2048 bits/ { print $NF }' "$tmp/speed")
ssl_ec=$(awk '/ecdsa \(nistp256\)/ { print $NF }' "$tmp/speed")
our_rsa=$(awk '$1 == "RS256" { print $2 }' "$tmp/ours")
our_ec=$(awk '$1 == "ES256" { print $2 }' "$tmp/ours")

sed -n 's/^# //p' "$tmp/ours"
printf '%-8s %16s %18s %8s\n' alg "pam_oauth2 /s" "openssl speed /s" ratio
for row in "RS256 $our_rsa $ssl_rsa" "ES256 $our_ec $ssl_ec"; do
	set -- $row
	printf '%-8s %16s %18s %7.0f%%\n' "$1" "$2" "$3" "$(echo "$2 $3" | awk '{ print 100 * $1 / $2 }')"
done
