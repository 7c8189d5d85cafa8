#!/bin/sh
# token_login.sh - one grant = token login with a warm cache, through the
# real PAM library (pam_wrapper) against the bundled test IdP:
#   * requests that reach the IdP for a JWT (goal: none at all)
#   * pam_authenticate's wall time (module, helper start, local JWS check,
#     mapping) beside one `openssl dgst -verify` of the same token's
#     signature with the same key; medians of RUNS each.
# Usage: bench/token_login.sh [runs, default 7]
set -eu

RUNS=${1:-7}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. scripts/lib.sh

OA2_EXTRA_CONFIG="grant = token" bench_idp

export PAM_DEMO_TIME=1
# A real ID token from the IdP (RS256, pam-public), as pam-oauth2 token prints.
TOKEN=$(curl -s --cacert "$IDP_CA" -d grant_type=password -d username=alice \
    -d password=alice-pass -d 'scope=openid profile email' -d client_id=pam-public \
    "$IDP_ISSUER/token" | sed -n 's/.*"id_token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "bench: no ID token from the IdP" >&2; exit 1; }
login() {
    echo "$TOKEN" | pam_login "$STATE" alice 2>&1 >/dev/null |
        sed -n 's/.*pam_authenticate_ms //p'
}
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The same check by hand: the signing input, the signature and the key as PEM.
kid=$(printf '%s' "${TOKEN%%.*}" | python3 -c 'import sys,base64,json
h=sys.stdin.read(); h+="="*(-len(h)%4); print(json.loads(base64.urlsafe_b64decode(h))["kid"])')
curl -s --cacert "$IDP_CA" "$IDP_ISSUER/jwks" > "$STATE/jwks.json"
node -e '
const fs = require("fs"), crypto = require("crypto");
const k = JSON.parse(fs.readFileSync(process.argv[1])).keys.find((x) => x.kid === process.argv[2]);
fs.writeFileSync(process.argv[3], crypto.createPublicKey({ key: k, format: "jwk" }).export({ type: "spki", format: "pem" }));
' "$STATE/jwks.json" "$kid" "$STATE/key.pem"
printf '%s' "${TOKEN%.*}" > "$STATE/input"
printf '%s' "${TOKEN##*.}" | python3 -c 'import sys,base64
s=sys.stdin.read(); s+="="*(-len(s)%4); sys.stdout.buffer.write(base64.urlsafe_b64decode(s))' \
    > "$STATE/sig"
openssl dgst -sha256 -verify "$STATE/key.pem" -signature "$STATE/sig" "$STATE/input" >/dev/null

login >/dev/null   # warm the discovery and JWKS cache
curl -s -X POST "$IDP_CONTROL/counts/reset" >/dev/null
ms=$(login)
[ -n "$ms" ] || { echo "bench: the token login failed" >&2; exit 1; }
counts=$(curl -s "$IDP_CONTROL/counts")

i=0
: > "$STATE/mod"
: > "$STATE/ossl"
while [ "$i" -lt "$RUNS" ]; do
    login >> "$STATE/mod"
    s=$(date +%s%N)
    openssl dgst -sha256 -verify "$STATE/key.pem" -signature "$STATE/sig" "$STATE/input" \
        >/dev/null
    e=$(date +%s%N)
    echo "$s $e" | awk '{ printf "%.2f\n", ($2 - $1) / 1000000 }' >> "$STATE/ossl"
    i=$((i + 1))
done
mod=$(median < "$STATE/mod")
ossl=$(median < "$STATE/ossl")
echo "token login (grant = token, ${#TOKEN}-character RS256 ID token), warm cache:"
echo "  IdP requests for one login: $counts"
echo "  pam_authenticate median ${mod} ms; one openssl dgst -verify of the same token median ${ossl} ms; ratio $(echo "$mod $ossl" | awk '{ printf "%.2f", $1 / $2 }')x (runs: $RUNS)"
