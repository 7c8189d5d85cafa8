#!/bin/sh
# selftest.sh -- start the test IdP in a temporary directory and check it end
# to end with curl over verified TLS. Exits non-zero on any failure.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/idp-selftest.XXXXXX")
PASS=0
FAIL=0

cleanup() {
    for d in "$TMP/google" "$TMP/entra" "$TMP/port" "$TMP/nociba" "$TMP"; do "$HERE/idp.sh" stop "$d" >/dev/null 2>&1 || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # description, then a command
    d=$1
    shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# js EXPR: evaluate EXPR with `j` = JSON.parse(stdin); prints the result
# (strings raw, other values as JSON). Fails when stdin is not JSON.
js() {
    node -e '
const src = require("fs").readFileSync(0, "utf8");
const j = JSON.parse(src);
const dec = (t, i) => JSON.parse(Buffer.from(t.split(".")[i], "base64url").toString());
const r = (function (j, dec) { return eval(process.argv[1]); })(j, dec);
process.stdout.write(typeof r === "string" ? r : JSON.stringify(r));' "$1"
}

"$HERE/idp.sh" start "$TMP" --interval 1 >/dev/null || { echo "not ok - IdP start"; exit 1; }
# shellcheck disable=SC1091
. "$TMP/idp.env"
CURL="curl -sS --max-time 20 --cacert $IDP_CA"
CTL="curl -sS --max-time 10 -H Content-Type:application/json"
DEVICE_GT=urn:ietf:params:oauth:grant-type:device_code
ok "IdP started: $IDP_ISSUER (control $IDP_CONTROL)"

# ---- discovery and JWKS
DISC=$($CURL "$IDP_ISSUER/.well-known/openid-configuration")
check "discovery issuer is exact" test "$(echo "$DISC" | js j.issuer)" = "$IDP_ISSUER"
check "discovery device_authorization_endpoint" test "$(echo "$DISC" | js j.device_authorization_endpoint)" = "$IDP_ISSUER/device/auth"
check "discovery introspection_endpoint" test "$(echo "$DISC" | js j.introspection_endpoint)" = "$IDP_ISSUER/token/introspection"
check "discovery advertises RS256 and ES256" test "$(echo "$DISC" | js 'j.id_token_signing_alg_values_supported.join(",")')" = "RS256,ES256"
check "discovery advertises password grant" test "$(echo "$DISC" | js 'j.grant_types_supported.includes("password")')" = true
HDRS=$($CURL -D - -o /dev/null "$IDP_ISSUER/.well-known/openid-configuration" | tr -d '\r')
check "discovery Cache-Control max-age=300" sh -c "echo '$HDRS' | grep -qi '^cache-control: max-age=300$'"
JWKS=$($CURL "$IDP_ISSUER/$(echo "$DISC" | js 'j.jwks_uri.split("/").pop()')")
check "jwks has 2 keys (RSA + EC)" test "$(echo "$JWKS" | js 'j.keys.map(k => k.kty + ":" + k.kid + ":" + k.alg).join(",")')" = "RSA:rsa-1:RS256,EC:ec-1:ES256"
check "jwks has no private parts" test "$(echo "$JWKS" | js 'j.keys.some(k => "d" in k)')" = false
$CTL -d '{"max_age":0}' "$IDP_CONTROL/cache-control" >/dev/null
HDRS=$($CURL -D - -o /dev/null "$IDP_ISSUER/jwks" | tr -d '\r')
check "cache-control max_age 0 gives no-store on jwks" sh -c "echo '$HDRS' | grep -qi '^cache-control: no-store$'"
$CTL -d '{"max_age":300}' "$IDP_CONTROL/cache-control" >/dev/null

# ---- TLS negatives
check "https://127.0.0.1 is a host-name mismatch" sh -c "! curl -sS --max-time 5 --cacert '$IDP_CA' -o /dev/null 'https://127.0.0.1:$IDP_PORT/jwks' 2>/dev/null"
check "other-ca.pem does not verify the server" sh -c "! curl -sS --max-time 5 --cacert '$TMP/other-ca.pem' -o /dev/null '$IDP_ISSUER/jwks' 2>/dev/null"

# ---- device flow approved as alice
$CTL -X POST "$IDP_CONTROL/counts/reset" >/dev/null
$CTL -X POST "$IDP_CONTROL/polls/reset" >/dev/null
DA=$($CURL -d client_id=pam-public --data-urlencode 'scope=openid profile email' "$IDP_ISSUER/device/auth")
UC=$(echo "$DA" | js j.user_code)
DC=$(echo "$DA" | js j.device_code)
check "device authorization has interval 1" test "$(echo "$DA" | js j.interval)" = 1
check "device authorization has verification_uri" test "$(echo "$DA" | js j.verification_uri)" = "$IDP_ISSUER/device"
check "device authorization has verification_uri_complete" test "$(echo "$DA" | js j.verification_uri_complete)" = "$IDP_ISSUER/device?user_code=$UC"
check "user_code format XXXX-XXXX" sh -c "echo '$UC' | grep -Eq '^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$'"
check "pending list holds the user code" test "$($CTL "$IDP_CONTROL/device/pending" | js 'j[j.length - 1]')" = "$UC"
T=$($CURL -d client_id=pam-public -d grant_type=$DEVICE_GT -d device_code="$DC" "$IDP_ISSUER/token")
check "poll before approval: authorization_pending" test "$(echo "$T" | js j.error)" = authorization_pending
# approve with the lower-case, dash-less form of the code
LC=$(echo "$UC" | tr 'A-Z' 'a-z' | tr -d -)
check "approve as alice" test "$($CTL -d "{\"user_code\":\"$LC\",\"username\":\"alice\"}" "$IDP_CONTROL/device/approve" | js j.ok)" = true
T=$($CURL -d client_id=pam-public -d grant_type=$DEVICE_GT -d device_code="$DC" "$IDP_ISSUER/token")
check "device token has access_token" test -n "$(echo "$T" | js 'j.access_token || ""')"
check "device token type Bearer" test "$(echo "$T" | js j.token_type)" = Bearer
check "device id_token is RS256 rsa-1" test "$(echo "$T" | js 'dec(j.id_token, 0).alg + ":" + dec(j.id_token, 0).kid')" = "RS256:rsa-1"
check "device id_token preferred_username alice" test "$(echo "$T" | js 'dec(j.id_token, 1).preferred_username')" = alice
check "device id_token groups users,admins" test "$(echo "$T" | js 'dec(j.id_token, 1).groups.join(",")')" = "users,admins"
check "device id_token iss/aud" test "$(echo "$T" | js 'dec(j.id_token, 1).iss + " " + dec(j.id_token, 1).aud')" = "$IDP_ISSUER pam-public"
check "device id_token email" test "$(echo "$T" | js 'dec(j.id_token, 1).email')" = alice@example.test
AT=$(echo "$T" | js j.access_token)
UI=$($CURL -H "Authorization: Bearer $AT" "$IDP_ISSUER/me")
check "userinfo for device token: alice" test "$(echo "$UI" | js 'j.preferred_username + ":" + j.groups.join(",")')" = "alice:users,admins"
check "pending list empty after approval" test "$($CTL "$IDP_CONTROL/device/pending" | js 'j.length')" = 0
check "approve unknown code: 404" test "$($CTL -o /dev/null -w '%{http_code}' -d '{"user_code":"BBBB-CCCC","username":"alice"}' "$IDP_CONTROL/device/approve")" = 404

# ---- device flow denied
DA=$($CURL -d client_id=pam-public -d scope=openid "$IDP_ISSUER/device/auth")
check "deny" test "$($CTL -d "{\"user_code\":\"$(echo "$DA" | js j.user_code)\"}" "$IDP_CONTROL/device/deny" | js j.ok)" = true
T=$($CURL -w ' %{http_code}' -d client_id=pam-public -d grant_type=$DEVICE_GT -d device_code="$(echo "$DA" | js j.device_code)" "$IDP_ISSUER/token")
check "denied poll: access_denied 400" test "$(echo "${T% *}" | js j.error) ${T##* }" = "access_denied 400"

# ---- password grant (pam-confidential, client_secret_basic)
T=$($CURL -u pam-confidential:confidential-secret -d grant_type=password -d username=bob -d password=bob-pass --data-urlencode 'scope=openid profile email' "$IDP_ISSUER/token")
check "password grant: access_token + id_token + scope" test "$(echo "$T" | js '[!!j.access_token, !!j.id_token, j.scope, j.token_type, j.expires_in > 0].join(",")')" = "true,true,openid profile email,Bearer,true"
check "password id_token is ES256 ec-1" test "$(echo "$T" | js 'dec(j.id_token, 0).alg + ":" + dec(j.id_token, 0).kid')" = "ES256:ec-1"
check "password id_token bob / groups users" test "$(echo "$T" | js 'dec(j.id_token, 1).preferred_username + ":" + dec(j.id_token, 1).groups.join(",")')" = "bob:users"
AT=$(echo "$T" | js j.access_token)
T=$($CURL -w ' %{http_code}' -u pam-confidential:confidential-secret -d grant_type=password -d username=bob -d password=wrong "$IDP_ISSUER/token")
check "password grant wrong password: invalid_grant 400" test "$(echo "${T% *}" | js j.error) ${T##* }" = "invalid_grant 400"
T=$($CURL -w ' %{http_code}' -d client_id=pam-confidential-post -d client_secret=confidential-secret -d grant_type=password -d username=carol -d password=carol-pass -d scope=openid "$IDP_ISSUER/token")
check "password grant client_secret_post: carol, groups []" test "$(echo "${T% *}" | js 'JSON.stringify(dec(j.id_token, 1).groups)') ${T##* }" = "[] 200"
T=$($CURL -w ' %{http_code}' -u pam-confidential:wrong-secret -d grant_type=password -d username=bob -d password=bob-pass "$IDP_ISSUER/token")
check "wrong client secret: invalid_client 401" test "$(echo "${T% *}" | js j.error) ${T##* }" = "invalid_client 401"

# ---- introspection and userinfo
I=$($CURL -u pam-confidential:confidential-secret -d token="$AT" "$IDP_ISSUER/token/introspection")
check "introspection: active, client, sub" test "$(echo "$I" | js '[j.active, j.client_id, j.sub].join(",")')" = "true,pam-confidential,3d9b5e10-7f2c-4a61-8b3e-b0b000000002"
I=$($CURL -u pam-confidential:confidential-secret -d token=not-a-token "$IDP_ISSUER/token/introspection")
check "introspection of garbage: inactive" test "$(echo "$I" | js j.active)" = false
UI=$($CURL -H "Authorization: Bearer $AT" "$IDP_ISSUER/me")
check "userinfo: bob email" test "$(echo "$UI" | js 'j.preferred_username + ":" + j.email')" = "bob:bob@example.test"

# ---- faults, one of each kind
fault() { $CTL -d "$1" "$IDP_CONTROL/fault" >/dev/null; }
fault '{"endpoint":"discovery","kind":"status500","count":1}'
check "fault status500 on discovery" test "$($CURL -o /dev/null -w '%{http_code}' "$IDP_ISSUER/.well-known/openid-configuration")" = 500
check "fault consumed (count 1)" test "$($CURL -o /dev/null -w '%{http_code}' "$IDP_ISSUER/.well-known/openid-configuration")" = 200
fault '{"endpoint":"jwks","kind":"slow","ms":1200,"count":1}'
check "fault slow on jwks (>= 1.2 s, then 200)" sh -c "$CURL -o /dev/null -w '%{http_code} %{time_total}' '$IDP_ISSUER/jwks' | awk '{ exit !(\$1 == 200 && \$2 >= 1.2) }'"
fault '{"endpoint":"userinfo","kind":"garbage","count":1}'
check "fault garbage on userinfo: 200 non-JSON" sh -c "B=\$($CURL -w ' %{http_code}' -H 'Authorization: Bearer $AT' '$IDP_ISSUER/me'); [ \"\${B##* }\" = 200 ] && ! echo \"\${B% *}\" | node -e 'JSON.parse(require(\"fs\").readFileSync(0,\"utf8\"))' 2>/dev/null"
fault '{"endpoint":"discovery","kind":"truncated","count":1}'
check "fault truncated on discovery: 200, cut JSON" sh -c "B=\$($CURL '$IDP_ISSUER/.well-known/openid-configuration'); case \"\$B\" in '{\"'*) ;; *) exit 1;; esac; ! echo \"\$B\" | node -e 'JSON.parse(require(\"fs\").readFileSync(0,\"utf8\"))' 2>/dev/null"
fault '{"endpoint":"introspection","kind":"oversize","count":1}'
check "fault oversize on introspection: 200, >= 4 MiB" sh -c "$CURL -o /dev/null -w '%{http_code} %{size_download}' -u pam-confidential:confidential-secret -d token=$AT '$IDP_ISSUER/token/introspection' | awk '{ exit !(\$1 == 200 && \$2 >= 4194304) }'"
fault '{"endpoint":"token","kind":"slow_down","count":1}'
T=$($CURL -w ' %{http_code}' -d client_id=pam-public -d grant_type=$DEVICE_GT -d device_code=whatever "$IDP_ISSUER/token")
check "fault slow_down on token: slow_down 400" test "$(echo "${T% *}" | js j.error) ${T##* }" = "slow_down 400"
fault '{"endpoint":"device_authorization","kind":"status500"}'
fault '{"endpoint":"device_authorization","kind":"status500"}'
$CTL -X POST "$IDP_CONTROL/fault/clear" >/dev/null
check "fault/clear removes faults" test "$($CURL -o /dev/null -w '%{http_code}' -d client_id=pam-public -d scope=openid "$IDP_ISSUER/device/auth")" = 200
check "bad fault kind: 400" test "$($CTL -o /dev/null -w '%{http_code}' -d '{"endpoint":"token","kind":"nope"}' "$IDP_CONTROL/fault")" = 400

# ---- counts and polls
C=$($CTL "$IDP_CONTROL/counts"); [ -n "${DEBUG:-}" ] && echo "$C"
check "counts: device_authorization 3, userinfo 3, introspection 3" test "$(echo "$C" | js '[j.device_authorization, j.userinfo, j.introspection].join(",")')" = "3,3,3"
check "counts: token 8" test "$(echo "$C" | js j.token)" = 8
P=$($CTL "$IDP_CONTROL/polls")
check "polls: 8 token requests, first authorization_pending" test "$(echo "$P" | js 'j.length + ":" + j[0].error + ":" + j[0].grant_type')" = "8:authorization_pending:$DEVICE_GT"
check "polls: status and slow_down recorded" test "$(echo "$P" | js 'j[j.length - 1].status + ":" + j[j.length - 1].error')" = "400:slow_down"
$CTL -X POST "$IDP_CONTROL/counts/reset" >/dev/null
check "counts reset" test "$($CTL "$IDP_CONTROL/counts" | js 'Object.values(j).reduce((a, b) => a + b, 0)')" = 0

# ---- CIBA (poll mode) for the confidential clients
CIBA_GT=urn:openid:params:grant-type:ciba
CC="-u pam-confidential:confidential-secret"
DISC=$($CURL "$IDP_ISSUER/.well-known/openid-configuration")
check "ciba: discovery backchannel_authentication_endpoint" test "$(echo "$DISC" | js j.backchannel_authentication_endpoint)" = "$IDP_ISSUER/backchannel"
check "ciba: discovery delivery modes are poll only" test "$(echo "$DISC" | js 'j.backchannel_token_delivery_modes_supported.join(",")')" = poll
check "ciba: discovery advertises the ciba grant" test "$(echo "$DISC" | js "j.grant_types_supported.includes('$CIBA_GT')")" = true
ciba_req() { # login_hint binding_message [curl args]: the backchannel answer
    h=$1 b=$2
    shift 2
    $CURL $CC -d scope=openid --data-urlencode "login_hint=$h" --data-urlencode "binding_message=$b" "$@" "$IDP_ISSUER/backchannel"
}
ciba_poll() { # auth_req_id: "error" or "ok:<sub>"
    $CURL $CC -d grant_type=$CIBA_GT -d auth_req_id="$1" "$IDP_ISSUER/token" | js 'j.error || "ok:" + dec(j.id_token, 1).sub'
}
SUB_ALICE=6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001
SUB_BOB=3d9b5e10-7f2c-4a61-8b3e-b0b000000002
$CTL -X POST "$IDP_CONTROL/counts/reset" >/dev/null
B=$(ciba_req alice@example.test host.sudo.4711 -d requested_expiry=120)
ID=$(echo "$B" | js j.auth_req_id)
check "ciba: answer has auth_req_id, expires_in from requested_expiry, interval" test "$(echo "$B" | js '[j.auth_req_id.length > 20, j.expires_in, j.interval].join(",")')" = "true,120,1"
check "ciba: pending poll is authorization_pending" test "$(ciba_poll "$ID")" = authorization_pending
PE=$($CTL "$IDP_CONTROL/ciba/pending")
check "ciba: pending lists user, hint and binding message" test "$(echo "$PE" | js 'j.map(r => [r.username, r.login_hint, r.binding_message].join(" ")).join(";")')" = "alice alice@example.test host.sudo.4711"
check "ciba: approve (the hinted user by default)" test "$($CTL -d '{"binding_message":"host.sudo.4711"}' "$IDP_CONTROL/ciba/approve" | js j.username)" = alice
check "ciba: approve again is 409" test "$($CTL -o /dev/null -w '%{http_code}' -d "{\"auth_req_id\":\"$ID\"}" "$IDP_CONTROL/ciba/approve")" = 409
check "ciba: approved poll has tokens for alice" test "$(ciba_poll "$ID")" = "ok:$SUB_ALICE"
check "ciba: the request is used up" test "$(ciba_poll "$ID")" = invalid_grant
ID=$(ciba_req alice host.sudo.0001 | js j.auth_req_id)
$CTL -d '{"username":"bob"}' "$IDP_CONTROL/ciba/approve" >/dev/null
check "ciba: approved by another account: tokens name bob" test "$(ciba_poll "$ID")" = "ok:$SUB_BOB"
ID=$(ciba_req bob host.sudo.0002 | js j.auth_req_id)
$CTL -d "{\"auth_req_id\":\"$ID\"}" "$IDP_CONTROL/ciba/deny" >/dev/null
check "ciba: denied poll is access_denied" test "$(ciba_poll "$ID")" = access_denied
ID=$(ciba_req bob host.sudo.0003 | js j.auth_req_id)
$CTL -X POST "$IDP_CONTROL/ciba/expire" >/dev/null
check "ciba: expired poll is expired_token" test "$(ciba_poll "$ID")" = expired_token
check "ciba: no pending request left" test "$($CTL "$IDP_CONTROL/ciba/pending" | js j.length)" = 0
check "ciba: unknown hint is unknown_user_id" test "$(ciba_req nobody@example.test host.sudo.0004 | js j.error)" = unknown_user_id
check "ciba: binding message with a space is invalid_binding_message" test "$(ciba_req bob 'host sudo 0005' | js j.error)" = invalid_binding_message
check "ciba: binding message of 21 characters is refused" test "$(ciba_req bob 123456789012345678901 | js j.error)" = invalid_binding_message
check "ciba: requested_expiry 0 is invalid_request" test "$(ciba_req bob host.sudo.0006 -d requested_expiry=0 | js j.error)" = invalid_request
check "ciba: public client is refused" test "$($CURL -d client_id=pam-public -d scope=openid -d login_hint=bob "$IDP_ISSUER/backchannel" | js j.error)" = invalid_request
check "ciba: wrong client secret is invalid_client" test "$($CURL -u pam-confidential:wrong -d scope=openid -d login_hint=bob "$IDP_ISSUER/backchannel" | js j.error)" = invalid_client
check "ciba: counts backchannel_authentication 10" test "$($CTL "$IDP_CONTROL/counts" | js j.backchannel_authentication)" = 10
$CTL -d '{"enabled":true}' "$IDP_CONTROL/device/enforce-interval" >/dev/null
ID=$(ciba_req bob host.sudo.0007 | js j.auth_req_id)
R1=$(ciba_poll "$ID")
R2=$(ciba_poll "$ID")
check "ciba: early poll with enforce-interval is slow_down" test "$R1:$R2" = "authorization_pending:slow_down"
$CTL -d '{"enabled":false}' "$IDP_CONTROL/device/enforce-interval" >/dev/null
$CTL -X POST "$IDP_CONTROL/ciba/deny" >/dev/null
$CTL -d '{"max":5}' "$IDP_CONTROL/ciba/binding-limit" >/dev/null
check "ciba: binding-limit 5 refuses a longer message" test "$(ciba_req bob host.sudo.0008 | js j.error)" = invalid_binding_message
check "ciba: binding-limit 5 takes 5 characters" test "$(ciba_req bob a.b.c | js 'typeof j.auth_req_id')" = string
$CTL -X POST "$IDP_CONTROL/ciba/deny" >/dev/null
$CTL -d '{"max":null}' "$IDP_CONTROL/ciba/binding-limit" >/dev/null
check "ciba: binding-limit null restores 20" test "$(ciba_req bob host.sudo.0009 | js 'typeof j.auth_req_id')" = string
$CTL -X POST "$IDP_CONTROL/ciba/deny" >/dev/null
check "ciba: binding-limit 0 is refused" test "$($CTL -o /dev/null -w '%{http_code}' -d '{"max":0}' "$IDP_CONTROL/ciba/binding-limit")" = 400
ID=$(ciba_req "{\"format\":\"iss_sub\",\"iss\":\"$IDP_ISSUER\",\"sub\":\"$SUB_BOB\"}" host.sudo.0010 | js j.auth_req_id)
check "ciba: an iss_sub JSON hint names bob" test "$($CTL "$IDP_CONTROL/ciba/pending" | js 'j.map(r => r.username).join(",")')" = bob
$CTL -d "{\"auth_req_id\":\"$ID\"}" "$IDP_CONTROL/ciba/deny" >/dev/null
check "ciba: an iss_sub hint of another issuer is unknown_user_id" test "$(ciba_req "{\"format\":\"iss_sub\",\"iss\":\"https://other.example\",\"sub\":\"$SUB_BOB\"}" host.sudo.0011 | js j.error)" = unknown_user_id

# ---- /sign and key rotation
S=$($CTL -d '{"alg":"ES256","header":{"kid":"other"},"claims":{"sub":"x"}}' "$IDP_CONTROL/sign")
check "sign ES256 with header override" test "$(echo "$S" | js 'dec(j.jws, 0).alg + ":" + dec(j.jws, 0).kid + ":" + dec(j.jws, 1).sub')" = "ES256:other:x"
S=$($CTL -d '{"alg":"RS256","payload":"{\"a\":1,\"a\":2}"}' "$IDP_CONTROL/sign")
check "sign a payload text as given" test "$(echo "$S" | js 'Buffer.from(j.jws.split(".")[1], "base64url").toString()')" = '{"a":1,"a":2}'
check "sign refuses a payload that is no string" test "$($CTL -o /dev/null -w '%{http_code}' -d '{"payload":{}}' "$IDP_CONTROL/sign")" = 400
check "sign RS256 verifies with the JWKS key" sh -c "$CTL -d '{\"alg\":\"RS256\",\"claims\":{\"a\":1}}' '$IDP_CONTROL/sign' | node -e '
const c = require(\"crypto\"); const { jws } = JSON.parse(require(\"fs\").readFileSync(0, \"utf8\"));
const jwks = JSON.parse(process.argv[1]); const [h, p, s] = jws.split(\".\");
const key = c.createPublicKey({ key: jwks.keys.find((k) => k.kid === \"rsa-1\"), format: \"jwk\" });
process.exit(c.verify(\"sha256\", Buffer.from(h + \".\" + p), key, Buffer.from(s, \"base64url\")) ? 0 : 1);' '$JWKS'"
DA=$($CURL -d client_id=pam-public -d scope=openid "$IDP_ISSUER/device/auth")
check "rotate RSA key" test "$($CTL -d '{"kty":"RSA"}' "$IDP_CONTROL/keys/rotate" | js j.kid)" = rsa-2
check "jwks after rotation: rsa-2, rsa-1, ec-1" test "$($CURL "$IDP_ISSUER/jwks" | js 'j.keys.map(k => k.kid).join(",")')" = "rsa-2,rsa-1,ec-1"
$CTL -d "{\"user_code\":\"$(echo "$DA" | js j.user_code)\",\"username\":\"bob\"}" "$IDP_CONTROL/device/approve" >/dev/null
T=$($CURL -d client_id=pam-public -d grant_type=$DEVICE_GT -d device_code="$(echo "$DA" | js j.device_code)" "$IDP_ISSUER/token"); [ -n "${DEBUG:-}" ] && echo "$T"
check "device code survives rotation; id_token signed by rsa-2" test "$(echo "$T" | js 'dec(j.id_token, 0).kid + ":" + dec(j.id_token, 1).sub')" = "rsa-2:3d9b5e10-7f2c-4a61-8b3e-b0b000000002"

# ---- browser approval page exists and rejects nothing silently
check "verification page answers 200 HTML" sh -c "$CURL -o /dev/null -w '%{http_code} %{content_type}' '$IDP_ISSUER/device' | grep -q '^200 text/html'"

# ---- provider profiles (profiles.mjs): a few answers per dialect
profile_start() { # NAME: a second IdP in $TMP/NAME, its env in P_*
    "$HERE/idp.sh" start "$TMP/$1" --interval 1 --profile "$1" >/dev/null || return 1
    P_ENV="$TMP/$1/idp.env"
    PCURL="curl -sS --max-time 20 --cacert $TMP/$1/ca.pem"
    P_CTL=$(. "$P_ENV" && echo "$IDP_CONTROL")
    P_DISC=$($PCURL "$(. "$P_ENV" && echo "$IDP_DISCOVERY")")
}
profile_poll() { # client args...: a fresh device code in PDA, its first poll in P_RES "STATUS ERROR"
    PDA=$($PCURL "$@" -d scope=openid "$(echo "$P_DISC" | js j.device_authorization_endpoint)")
    PT=$($PCURL -w ' %{http_code}' "$@" -d grant_type=$DEVICE_GT -d device_code="$(echo "$PDA" | js j.device_code)" "$(echo "$P_DISC" | js j.token_endpoint)")
    P_RES="${PT##* } $(echo "${PT% *}" | js j.error)"
}
check "unknown profile is refused" sh -c "! node '$HERE/server.mjs' --state '$TMP' --profile nosuch 2>/dev/null"
if profile_start google; then
    GC="-d client_id=pam-confidential-post -d client_secret=confidential-secret"
    # shellcheck disable=SC2086
    profile_poll $GC
    check "google: pending poll is 428 authorization_pending" test "$P_RES" = "428 authorization_pending"
    check "google: verification_url, no verification_uri(_complete)" test "$(echo "$PDA" | js '[!!j.verification_url, "verification_uri" in j, "verification_uri_complete" in j].join(",")')" = "true,false,false"
    $CTL -d "{\"user_code\":\"$(echo "$PDA" | js j.user_code)\"}" "$P_CTL/device/approve" >/dev/null
    # shellcheck disable=SC2086
    T=$($PCURL $GC -d grant_type=$DEVICE_GT -d device_code="$(echo "$PDA" | js j.device_code)" "$(echo "$P_DISC" | js j.token_endpoint)")
    check "google: ID token with hd, email_verified, numeric sub, no groups" test "$(echo "$T" | js '(c => [c.hd, c.email_verified, c.sub, "groups" in c].join(","))(dec(j.id_token, 1))')" = "example.com,true,110248495921238986420,false"
    check "google: jwks on /oauth2/v3/certs, RSA only" test "$($PCURL "$(echo "$P_DISC" | js j.jwks_uri)" | js 'j.keys.map(k => k.kty).join(",")')" = "RSA"
    check "google: the standard paths are gone" test "$($PCURL -o /dev/null -w '%{http_code}' "$(. "$P_ENV" && echo "$IDP_ISSUER")/jwks")" = 404
else
    not_ok "google profile start"
fi
if profile_start entra; then
    check "entra: tenant issuer" test "$(echo "$P_DISC" | js 'j.issuer.replace(/^https:[/][/][^/]*/, "")')" = "/5d2f8a1c-7b3e-4c9d-a6f0-1e2d3c4b5a69/v2.0"
    ORG=$($PCURL "$(. "$P_ENV" && echo "$IDP_ISSUER")/organizations/v2.0/.well-known/openid-configuration")
    check "entra: organizations discovery names the {tenantid} issuer" test "$(echo "$ORG" | js 'j.issuer.replace(/^https:[/][/][^/]*/, "")')" = "/{tenantid}/v2.0"
    check "entra: keys without alg, with x5t, x5c, issuer" test "$($PCURL "$(echo "$P_DISC" | js j.jwks_uri)" | js '(k => ["alg" in k, !!k.x5t, k.x5c.length, !!k.issuer].join(","))(j.keys[0])')" = "false,true,1,true"
    profile_poll -d client_id=pam-public
    check "entra: pending poll is 400 authorization_pending" test "$P_RES" = "400 authorization_pending"
    check "entra: message in the device answer" sh -c "echo '$PDA' | grep -q '\"message\":\"To sign in'"
    $CTL -d "{\"user_code\":\"$(echo "$PDA" | js j.user_code)\"}" "$P_CTL/device/deny" >/dev/null
    T=$($PCURL -d client_id=pam-public -d grant_type=$DEVICE_GT -d device_code="$(echo "$PDA" | js j.device_code)" "$(echo "$P_DISC" | js j.token_endpoint)")
    check "entra: denied is authorization_declined" test "$(echo "$T" | js j.error)" = authorization_declined
    $CTL -d '{"set":{"groups_overage":true}}' "$P_CTL/profile/options" >/dev/null
    T=$($PCURL -d client_id=pam-public -d grant_type=password -d username=bob -d password=bob-pass -d scope=openid "$(echo "$P_DISC" | js j.token_endpoint)")
    check "entra: overage has _claim_names, no groups; UPN, tid" test "$(echo "$T" | js '(c => [c._claim_names.groups, "groups" in c, c.preferred_username, c.tid].join(","))(dec(j.id_token, 1))')" = "src1,false,Bob@Contoso.example,5d2f8a1c-7b3e-4c9d-a6f0-1e2d3c4b5a69"
else
    not_ok "entra profile start"
fi
"$HERE/idp.sh" stop "$TMP/google" >/dev/null 2>&1
"$HERE/idp.sh" stop "$TMP/entra" >/dev/null 2>&1

# ---- --port: the HTTPS port chosen by the caller (a free one, found by
# binding port 0), the issuer with it; a port out of range is refused
PORT=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
if "$HERE/idp.sh" start "$TMP/port" --port "$PORT" >/dev/null 2>&1; then
    check "--port $PORT: idp.env has IDP_PORT=$PORT" grep -qx "IDP_PORT=$PORT" "$TMP/port/idp.env"
    check "--port $PORT: discovery answers there with issuer https://localhost:$PORT" test \
        "$(curl -sS --max-time 20 --cacert "$TMP/port/ca.pem" "https://localhost:$PORT/.well-known/openid-configuration" | js j.issuer)" = "https://localhost:$PORT"
else
    not_ok "--port $PORT: the IdP starts"
fi
"$HERE/idp.sh" stop "$TMP/port" >/dev/null 2>&1
check "--port 70000 is refused" sh -c "! '$HERE/idp.sh' start '$TMP/port' --port 70000 >/dev/null 2>&1"

# ---- --no-ciba: an IdP without CIBA (no discovery members, no endpoint)
if "$HERE/idp.sh" start "$TMP/nociba" --no-ciba >/dev/null 2>&1; then
    N_DISC=$(curl -sS --max-time 20 --cacert "$TMP/nociba/ca.pem" "$(sed -n 's/^IDP_DISCOVERY=//p' "$TMP/nociba/idp.env")")
    check "--no-ciba: no backchannel members in discovery" test "$(echo "$N_DISC" | js 'Object.keys(j).filter(k => k.startsWith("backchannel")).length')" = 0
    check "--no-ciba: the device grant still works" test "$(echo "$N_DISC" | js 'j.grant_types_supported.includes("urn:openid:params:grant-type:ciba") + ":" + !!j.device_authorization_endpoint')" = "false:true"
    check "--no-ciba: POST /backchannel is not found" test "$(curl -sS --max-time 20 --cacert "$TMP/nociba/ca.pem" -o /dev/null -w '%{http_code}' -u pam-confidential:confidential-secret -d scope=openid -d login_hint=bob "$(sed -n 's/^IDP_ISSUER=//p' "$TMP/nociba/idp.env")/backchannel")" = 404
else
    not_ok "--no-ciba: the IdP starts"
fi
"$HERE/idp.sh" stop "$TMP/nociba" >/dev/null 2>&1

# ---- shutdown through the control API
$CTL -X POST "$IDP_CONTROL/shutdown" >/dev/null
i=0
while kill -0 "$IDP_PID" 2>/dev/null && [ "$(sed 's/^.*) \(.\).*$/\1/' "/proc/$IDP_PID/stat" 2>/dev/null)" != Z ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
check "POST /shutdown stops the IdP" test $i -lt 50

echo "selftest: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
