#!/bin/sh
# jws_verify.sh - JWS verifications/s (parse + key choice + verify, and the
# same with the claims parsed) beside "openssl speed" raw verify/s for
# RSA-2048 and ECDSA P-256.
# Usage: bench/jws_verify.sh [seconds per measurement, default 2] [rounds, default 3]
# Each round runs ours, then openssl speed, right after; the ratio is taken
# within a round. Printed: the median of the rounds, and the lowest and
# highest ratio. On a busy machine the load changes between ours and openssl
# speed: the last column compares ours with the same verification as openssl
# speed's made in the same process, in turns of 20 ms (jws_verify.c), which a
# busy machine slows alike.
set -eu

secs=${1:-2}
rounds=${2:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

: > "$tmp/autoconfig.h"
${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$tmp" -I"$top/src" -o "$tmp/jws_verify" \
	"$top/bench/jws_verify.c" "$top/src/crypto/b64url.c" "$top/src/crypto/jwk.c" \
	"$top/src/crypto/jws.c" "$top/src/shared/json.c" "$top/src/shared/jscan.c" \
	"$top/src/helper/claims.c" "$top/src/shared/error.c" "$top/src/shared/strutil.c" -lcrypto -ljson-c -lm

# One line per round and row: alg ours openssl.
r=0
while [ "$r" -lt "$rounds" ]; do
	"$tmp/jws_verify" "$secs" > "$tmp/ours"
	openssl speed -seconds "$secs" rsa2048 ecdsap256 > "$tmp/speed" 2>/dev/null
	# openssl speed prints: "rsa 2048 bits  sign/s-time verify/s-time sign/s verify/s"
	# and "256 bits ecdsa (nistp256)  sign-time verify-time sign/s verify/s".
	ssl_rsa=$(awk '/^rsa  *2048 bits/ { print $NF }' "$tmp/speed")
	ssl_ec=$(awk '/ecdsa \(nistp256\)/ { print $NF }' "$tmp/speed")
	awk -v rsa="$ssl_rsa" -v ec="$ssl_ec" '
		/^RS256/ { print $1, $2, rsa, $3 }
		/^ES256/ { print $1, $2, ec, $3 }' "$tmp/ours" >> "$tmp/rows"
	r=$((r + 1))
done

sed -n 's/^# //p' "$tmp/ours"
echo "$rounds rounds of $secs s; median of the rounds, ratio range in brackets"
printf '%-13s %13s %16s %6s %-10s %s\n' alg "pam_oauth2 /s" "openssl speed /s" ratio "(min-max)" \
	"same process: ratio (min-max)"
# median COLUMN ALG: "median min max" of that column of the rounds for ALG
median() {
	awk -v a="$2" -v c="$1" '$1 == a { print $c }' "$tmp/ratios" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'
}
awk '{ print $0, 100 * $2 / $3, 100 * $2 / $4 }' "$tmp/rows" > "$tmp/ratios"
for alg in RS256 ES256 RS256+claims ES256+claims; do
	set -- $(median 5 "$alg") $(median 6 "$alg")
	# ours and openssl speed's rates of the median round
	rates=$(awk -v a="$alg" -v r="$1" '$1 == a && $5 == r { print $2, $3; exit }' "$tmp/ratios")
	printf '%-13s %13.0f %16.1f %5.0f%% (%.0f-%.0f%%)  %5.0f%% (%.0f-%.0f%%)\n' "$alg" $rates "$@"
done
