#!/bin/sh
# test_cli.sh - the pam-oauth2 command against the bundled test IdP.
#
# Proves: check passes on a good configuration and names the fault (with the
# documented exit code) for a wrong CA, an unreachable issuer, an issuer with
# a trailing slash, an unknown key and an unsafe file; login runs the device
# grant without a terminal (the user code is read from the tool's output and
# approved through the IdP's control API) and the password grant from stdin,
# and its exit status is the module's decision; hostile IdP strings (escape
# sequences, C1 controls, a newline in sub) reach the terminal escaped; cache
# show lists the entries a check wrote and cache clear removes them; check
# names the dialects it sees (no device or userinfo endpoint, JWKS keys
# without alg, an Entra ID multi-tenant issuer without a tid= condition);
# check reports CIBA in poll mode (a FAIL with grant = ciba where it is
# missing, the device endpoint not needed for it); login --grant ciba runs
# CIBA (approve by the binding message shown, deny, another account, an
# unknown user); grant = code / token are refused, never run as the password
# grant; token, run as an ordinary user with a config of its own, prints only the
# ID token (aud = client_id) or with --access the access token on stdout,
# the instructions on stderr, caches in the user's directory, and refuses a
# config others can write or another user owns.
#
# Local accounts alice, bob and mallory exist only for the tool, through nss_wrapper.
# Needs root (the configuration must be root-owned, as for the module);
# exits 77 (skipped) otherwise. Prints ok / not ok per case and a closing
# "cli: N passed, N failed".
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${PAM_OAUTH2_BIN:-}
[ -n "$BIN" ] || { [ -x ./pam-oauth2 ] && BIN=$(pwd)/pam-oauth2; } || BIN=$TOP/pam-oauth2

if [ "$(id -u)" -ne 0 ]; then
    echo "skip: must run as root (the configuration must be root-owned)"
    exit 77
fi
NSS_WRAPPER=${NSS_WRAPPER_LIB:-$(pkg-config --libs nss_wrapper 2>/dev/null | tr -d ' ')}
if [ ! -f "$NSS_WRAPPER" ]; then
    echo "skip: libnss_wrapper.so not found (install libnss-wrapper)"
    exit 77
fi
[ -x "$BIN" ] || { echo "not ok - $BIN not built"; echo "cli: 0 passed, 1 failed"; exit 1; }

STATE=$(mktemp -d /tmp/oa2-cli.XXXXXX)
IDP=$STATE/idp
cleanup() {
    sh "$TOP/tests/idp/idp.sh" stop "$IDP" >/dev/null 2>&1
    rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    sed 's/^/#   /' "$STATE/out" "$STATE/err" "$STATE/control" 2>/dev/null | tail -n 30
}
# expect NAME RC WANT_RC PATTERN...: rc matches and every pattern is in the output.
expect() {
    _name=$1 _rc=$2 _want=$3
    shift 3
    if [ "$_rc" -ne "$_want" ]; then
        not_ok "$_name (exit $_rc, want $_want)"
        return
    fi
    for _p in "$@"; do
        if ! grep -q -e "$_p" "$STATE/out" "$STATE/err"; then
            not_ok "$_name (no '$_p' in the output)"
            return
        fi
    done
    ok "$_name"
}

IDP_PARENT_PID=$$ sh "$TOP/tests/idp/idp.sh" start "$IDP" --interval 1 > "$STATE/idp-start.log" 2>&1 || {
    cat "$STATE/idp-start.log"
    echo "not ok - the test IdP did not start"
    echo "cli: 0 passed, 1 failed"
    exit 1
}
# shellcheck disable=SC1091
. "$IDP/idp.env"

printf 'alice:x:1001:1001:Alice:/home/alice:/bin/sh\nbob:x:1002:1002:Bob:/home/bob:/bin/sh\n' \
    > "$STATE/passwd"
printf 'mallory:x:1005:1005:Mallory:/home/mallory:/bin/sh\n' >> "$STATE/passwd"
printf 'alice:x:1001:\nbob:x:1002:\nmallory:x:1005:\n' > "$STATE/group"

# conf NAME [LINES]: a root-owned 0644 configuration; LINES replace the
# defaults of the same key.
conf() {
    _f=$STATE/$1.conf
    {
        echo "issuer = ${ISSUER:-$IDP_ISSUER}"
        echo "client_id = pam-public"
        echo "ca_file = ${CA:-$IDP_CA}"
        echo "cache_dir = $STATE/cache"
        [ $# -gt 1 ] && printf '%s\n' "$2"
        case ${2:-} in
        *"helper ="*) ;;
        *) echo "helper = $(dirname "$BIN")/pam_oauth2_helper" ;;
        esac
    } > "$_f"
    chmod 0644 "$_f"
    echo "$_f"
}

tool() {
    timeout 60 env LD_PRELOAD="$NSS_WRAPPER" NSS_WRAPPER_PASSWD="$STATE/passwd" \
        NSS_WRAPPER_GROUP="$STATE/group" "$BIN" "$@" > "$STATE/out" 2> "$STATE/err"
}

# act_on_login PATH FIELD SED USERNAME ARGS...: run "login ARGS" in the
# background, read the value SED prints from the tool's output, post
# {FIELD: value, username: USERNAME} to the control API's PATH (as the
# approving device or phone), and wait for the tool.
act_on_login() {
    _path=$1 _field=$2 _sed=$3 _who=$4
    shift 4
    : > "$STATE/out" # no value of an earlier run may be read
    : > "$STATE/err"
    tool login "$@" &
    _pid=$!
    _val=
    rm -f "$STATE/control"
    _i=0
    while [ $_i -lt 100 ] && [ -z "$_val" ]; do
        _val=$(sed -n "$_sed" "$STATE/out" "$STATE/err" | head -n 1)
        [ -n "$_val" ] || sleep 0.1
        _i=$((_i + 1))
    done
    if [ -n "$_val" ]; then
        curl -s -X POST "$IDP_CONTROL/$_path" \
            -d "{\"$_field\":\"$_val\",\"username\":\"$_who\"}" > "$STATE/control" 2>&1
    fi
    wait "$_pid"
}

# device_login ACTION USERNAME ARGS...: "login --grant device", the user
# code approved or denied as USERNAME.
device_login() {
    _act=$1
    shift
    act_on_login "device/$_act" user_code 's/.*enter the code: *\([A-Z-]*\).*/\1/p' "$@" \
        --grant device
}

GOOD=$(conf good)

# ---- check -------------------------------------------------------------------
tool check -c "$GOOD"
expect "check: good configuration passes" $? 0 \
    "^ok   discovery  .*/.well-known/openid-configuration fetched over verified TLS" \
    "^ok   issuer" "^ok   endpoint   device_authorization_endpoint" \
    "^ok   jwks .* 2 usable signing keys" "^ok   key        kid=rsa-1 RSA" \
    "check: [0-9]* ok, 0 warnings, 0 failed"
if grep -q '^FAIL' "$STATE/out"; then not_ok "check: good configuration has no FAIL line"; else
    ok "check: good configuration has no FAIL line"; fi

cp "$BIN" "$STATE/writable-helper"
chmod 0777 "$STATE/writable-helper"
tool check -c "$(conf badhelper "helper = $STATE/writable-helper")"
expect "check: a helper others can write is a FAIL" $? 1 \
    "^FAIL helper .*writable-helper is not a root-owned executable that only root can write"
tool check -c "$(conf nohelper "helper = $STATE/no-such-helper")"
expect "check: a missing helper is a FAIL" $? 1 "^FAIL helper .*no-such-helper"

tool cache show -c "$GOOD"
expect "cache show: lists the entries a check wrote" $? 0 \
    "^discovery discovery-[0-9a-f]\{64\}  [0-9]* bytes .* valid$" \
    "^jwks      jwks-[0-9a-f]\{64\}  [0-9]* bytes .* valid$"

tool cache clear -c "$GOOD"
rc=$?
n=$(find "$STATE/cache" -type f | wc -l)
expect "cache clear: removes both entries" $rc 0 "^discovery .*  removed$" "^jwks .*  removed$"
if [ "$n" -eq 0 ]; then ok "cache clear: the cache directory is empty"; else
    not_ok "cache clear: $n files left in the cache directory"; fi
tool cache show -c "$GOOD"
expect "cache show: absent after clear" $? 0 "^discovery .*  absent$" "^jwks .*  absent$"

tool check -c "$(CA=$IDP/other-ca.pem conf wrongca)"
expect "check: wrong CA fails at discovery with the TLS error" $? 1 \
    "^FAIL discovery  https://localhost:[0-9]*/.well-known/openid-configuration: SSL certificate problem" \
    "did not verify against ca_file $IDP/other-ca.pem"

tool check -c "$(ISSUER=https://localhost:1 conf unreachable)"
expect "check: unreachable issuer fails with the connection error" $? 1 \
    "^FAIL discovery  https://localhost:1/.well-known/openid-configuration: .*onnect"

tool check -c "$(ISSUER=$IDP_ISSUER/ conf slash)"
expect "check: issuer with a trailing slash fails the issuer comparison" $? 1 \
    "^FAIL discovery  issuer '$IDP_ISSUER' does not equal the configured '$IDP_ISSUER/'" \
    "ends with '/'"

tool check -c "$(conf unknown 'colour = blue')"
expect "check: unknown key is a configuration error (exit 3)" $? 3 \
    "^FAIL config     $STATE/unknown.conf:5: unknown key 'colour'"

UNSAFE=$(conf unsafe)
chmod 0664 "$UNSAFE"
tool check -c "$UNSAFE"
expect "check: group-writable configuration is refused (exit 3)" $? 3 \
    "writable by group or others (mode 0664), refusing"

tool check -c "$GOOD" --arg client_secret=x
expect "check: client_secret as --arg is refused like a module argument" $? 3 \
    "must not be a module argument"

# ---- provider dialects check can see -----------------------------------------
# A discovery document without device or userinfo endpoint (as some IdPs
# publish): warnings with grant = auto, a failure with grant = device.
curl -s -X POST "$IDP_CONTROL/discovery-override" \
    -d '{"set":{"device_authorization_endpoint":null,"userinfo_endpoint":null}}' > "$STATE/control"
tool check -c "$GOOD"
expect "check: no device endpoint (grant = auto) and no userinfo endpoint are warnings" $? 0 \
    "^warn endpoint   discovery has no device_authorization_endpoint: with grant = auto" \
    "^warn endpoint   no userinfo_endpoint"
tool check -c "$(conf devonly 'grant = device')"
expect "check: no device endpoint with grant = device fails" $? 1 \
    "^FAIL endpoint   discovery has no device_authorization_endpoint: the device grant"
# GitLab's discovery omits the endpoint: the configured one is used, on the
# issuer's host only (endpoint_hosts otherwise).
tool check -c "$(conf devconf "grant = device
device_authorization_endpoint = $IDP_ISSUER/device/auth")"
expect "check: a configured device_authorization_endpoint stands in for discovery's" $? 0 \
    "^ok   endpoint   device_authorization_endpoint $IDP_ISSUER/device/auth (configured)"
tool check -c "$(conf devforeign 'grant = device
device_authorization_endpoint = https://elsewhere.example/device')"
expect "check: a configured device endpoint on another host fails" $? 1 \
    "^FAIL endpoint   device_authorization_endpoint is on host elsewhere.example, neither the issuer's nor one of endpoint_hosts"
curl -s -X POST "$IDP_CONTROL/discovery-override" -d '{"set":{}}' > "$STATE/control"
# Keys without "alg" (Entra ID publishes them so): informational.
jwks=$(curl -s --cacert "$IDP_CA" "$IDP_ISSUER/jwks" |
    sed -e 's/"alg":"[A-Z0-9]*",//g' -e 's/,"alg":"[A-Z0-9]*"//g')
curl -s -X POST "$IDP_CONTROL/fault" \
    -d "{\"endpoint\":\"jwks\",\"kind\":\"answer\",\"status\":200,\"json\":$jwks,\"count\":1}" \
    > "$STATE/control"
tool check -c "$GOOD"
expect "check: JWKS keys without alg are an informational warning" $? 0 \
    "^ok   key        kid=rsa-1 RSA, [0-9]* bits, alg (any that suits the key)" \
    "^warn jwks       JWKS keys have no alg (2 of 2; informational"
tool check -c "$GOOD"
expect "check: the restored documents give no warning" $? 0 "check: [0-9]* ok, 0 warnings, 0 failed"
tool check -c "$(ISSUER=https://login.microsoftonline.com/organizations/v2.0 conf mt)"
expect "check: an Entra ID multi-tenant issuer without tid= is refused (exit 3)" $? 3 \
    "is multi-tenant: users of every tenant could log in; set require_claims = tid="
# the personal-accounts tenant in a tid= condition: a copied example, warned
tool check -c "$(conf tidmsa 'require_claims = tid=9188040d-6c67-4c5b-b112-36a304b66dad')"
expect "check: tid= of the personal Microsoft accounts' tenant is warned about" $? 0 \
    "^warn claims *tid=9188040d-6c67-4c5b-b112-36a304b66dad is the tenant of personal Microsoft accounts"
tool check -c "$(conf tidown 'require_claims = tid=5d2f8a1c-7b3e-4c9d-a6f0-1e2d3c4b5a69')"
expect "check: another tenant's tid= is not warned about" $? 0 "check: [0-9]* ok, 0 warnings, 0 failed"

# ---- login -------------------------------------------------------------------
device_login approve alice -c "$GOOD"
expect "login device: approved as alice maps to alice, PAM_SUCCESS" $? 0 \
    "enter the code:" "^Login on $(hostname), through pam-oauth2 login\$" '"preferred_username": "alice"' "^Local user: alice" \
    "^Decision: PAM_SUCCESS for user alice"
if grep -q -e 'eyJ' -e 'access_token' -e 'id_token"' "$STATE/out" "$STATE/err"; then
    not_ok "login device: no raw token in the output"; else
    ok "login device: no raw token in the output"; fi

device_login deny alice -c "$GOOD"
expect "login device: denied is PAM_AUTH_ERR (exit 1)" $? 1 \
    "^Decision: PAM_AUTH_ERR: denied: the login was denied at the identity provider"

device_login approve alice -c "$GOOD" --user bob
expect "login device: --user bob approved as alice is refused" $? 1 \
    "^Login: bob on $(hostname), through pam-oauth2 login\$" "maps to alice, not bob" "^Decision: PAM_AUTH_ERR"

echo alice-pass | tool login -c "$GOOD" --grant password --user alice
expect "login password: alice-pass on stdin succeeds" $? 0 \
    "^Local user: alice" "^Decision: PAM_SUCCESS for user alice"

echo wrong-pass | tool login -c "$GOOD" --grant password --user alice
expect "login password: wrong password is PAM_AUTH_ERR (exit 1)" $? 1 \
    "^Decision: PAM_AUTH_ERR: wrong password"
if grep -q -e 'wrong-pass' -e 'alice-pass' "$STATE/out" "$STATE/err"; then
    not_ok "login password: the password is never printed"; else
    ok "login password: the password is never printed"; fi

echo alice-pass | tool login -c "$GOOD" --grant password --user alice --arg require_groups=wheel
expect "login: --arg require_groups=wheel is PAM_PERM_DENIED (exit 5)" $? 5 \
    "^Decision: PAM_PERM_DENIED"

echo carol-pass | tool login -c "$GOOD" --grant password --user carol
expect "login: an identity with no local account is PAM_USER_UNKNOWN (exit 6)" $? 6 \
    "^Decision: PAM_USER_UNKNOWN: .*no local account 'carol'"

# mallory's sub and name carry a newline, ESC ] 0 ; title BEL (window title),
# CSI 2J (clear screen) and a UTF-8 C1 CSI (\xc2\x9b): none may reach the
# terminal raw, from the claims or from the decision line.
echo mallory-pass | tool login -c "$GOOD" --grant password --user mallory
expect "login: hostile IdP strings are printed escaped" $? 0 \
    '"name": "Mallory \\\\u001b]0;owned\\\\u0007\\\\u001b\[2J\\xc2\\x9b31m"' \
    '^Decision: PAM_SUCCESS for user mallory (sub mallory-05\\x0alogin accepted: .*evidence=id_token\\x1b\]0;owned\\x07\\x1b\[2J\\x0d\\\\x0a)$'
raw=
for b in '\033' '\007' '\302\233' '\233' '\r'; do
    if LC_ALL=C grep -q "$(printf "$b")" "$STATE/out" "$STATE/err"; then raw="$raw $b"; fi
done
if [ -z "$raw" ]; then ok "login: no ESC, BEL, CR or C1 control reaches stdout or stderr"; else
    not_ok "login: raw control bytes in the output:$raw"; fi
if grep -q '^login accepted' "$STATE/out" "$STATE/err"; then
    not_ok "login: the sub's newline starts no line"; else
    ok "login: the sub's newline starts no line"; fi

# ---- CIBA: check and login --grant ciba ----------------------------------------
printf 'confidential-secret\n' > "$STATE/secret"
chmod 0600 "$STATE/secret"
# ciba_conf NAME [LINES]: the confidential client with a CIBA hint
ciba_conf() {
    _f=$STATE/$1.conf
    {
        echo "issuer = $IDP_ISSUER"
        echo "client_id = pam-confidential"
        echo "client_secret_file = $STATE/secret"
        echo "ca_file = $IDP_CA"
        echo "cache_dir = $STATE/cache"
        echo "helper = $(dirname "$BIN")/pam_oauth2_helper"
        echo "ciba_login_hint = %u@example.test"
        [ $# -gt 1 ] && printf '%s\n' "$2"
    } > "$_f"
    chmod 0644 "$_f"
    echo "$_f"
}
CIBA=$(ciba_conf ciba 'grant = ciba')

# ciba_login ACTION USERNAME ARGS...: "login --grant ciba"; the request the
# binding message on the tool's output names is approved as USERNAME or
# denied.
ciba_login() {
    _act=$1
    shift
    act_on_login "ciba/$_act" binding_message \
        's/.*Approve the login on your phone: *\([A-Za-z0-9.-]*\).*/\1/p' "$@" --grant ciba
}

tool check -c "$CIBA"
expect "check: grant = ciba at an IdP with CIBA in poll mode passes" $? 0 \
    "^ok   ciba       backchannel_authentication_endpoint $IDP_ISSUER/.* poll mode\$" \
    "^ok   ciba       login_hint from '%u@example.test'\$"
tool check -c "$GOOD"
expect "check: CIBA offered but not used is said so" $? 0 \
    "^ok   ciba       backchannel_authentication_endpoint .*, poll mode (not used)\$"
curl -s -X POST "$IDP_CONTROL/discovery-override" \
    -d '{"set":{"device_authorization_endpoint":null}}' > "$STATE/control"
tool check -c "$CIBA"
expect "check: grant = ciba needs no device endpoint (not the auto wording)" $? 0 \
    "^ok   endpoint   device_authorization_endpoint not offered (not needed: grant = ciba)\$"
if grep -q "with grant = auto" "$STATE/out"; then
    not_ok "check: grant = ciba never gets grant = auto's wording"; else
    ok "check: grant = ciba never gets grant = auto's wording"; fi
curl -s -X POST "$IDP_CONTROL/discovery-override" \
    -d '{"set":{"backchannel_authentication_endpoint":null}}' > "$STATE/control"
tool check -c "$CIBA"
expect "check: grant = ciba at an IdP without CIBA fails" $? 1 \
    "^FAIL ciba       the IdP does not offer CIBA (no backchannel_authentication_endpoint.*: grant = ciba cannot work"
tool check -c "$(ciba_conf ciba-auto)"
expect "check: grant = auto with a hint at an IdP without CIBA warns" $? 0 \
    "^warn ciba       the IdP does not offer CIBA .*: grant = auto uses the device grant instead"
curl -s -X POST "$IDP_CONTROL/discovery-override" \
    -d '{"set":{"backchannel_token_delivery_modes_supported":["ping"]}}' > "$STATE/control"
tool check -c "$CIBA"
expect "check: grant = ciba at an IdP without poll mode fails" $? 1 \
    "^FAIL ciba       the IdP does not offer CIBA in poll mode"
curl -s -X POST "$IDP_CONTROL/discovery-override" -d '{"set":{}}' > "$STATE/control"
# check writes what it fetched to the cache, which login then reads
tool check -c "$CIBA"
expect "check: the restored discovery document offers CIBA again" $? 0 \
    "^ok   ciba       backchannel_authentication_endpoint"

ciba_login approve alice -c "$CIBA" --user alice
expect "login ciba: approved on alice's phone, PAM_SUCCESS" $? 0 \
    "ciba grant" "Approve the login on your phone: [A-Za-z0-9-]*\.pam-o\.[0-9][0-9][0-9][0-9]" \
    "^Local user: alice" "^User alice: matches" "^Decision: PAM_SUCCESS for user alice"
ciba_login deny alice -c "$CIBA" --user alice
expect "login ciba: denied on the phone is PAM_AUTH_ERR (exit 1)" $? 1 \
    "The login was denied at the identity provider." \
    "^Decision: PAM_AUTH_ERR: denied: the login was denied at the identity provider"
ciba_login approve bob -c "$CIBA" --user alice
expect "login ciba: approved by bob for alice is refused" $? 1 \
    "maps to bob, not alice" "^Decision: PAM_AUTH_ERR"
tool login -c "$CIBA" --user dave
expect "login ciba: a user the IdP does not know is a refusal, not unavailable" $? 1 \
    "The identity provider cannot send an approval request for this user." \
    "^Decision: PAM_AUTH_ERR: denied: the IdP refused the login hint 'dave@example.test' (unknown_user_id"
tool login -c "$GOOD" --grant ciba --user alice
expect "login --grant ciba without ciba_login_hint is refused (exit 2)" $? 2 \
    "--grant ciba needs ciba_login_hint"

# grant = code / token: refused clearly, never the password grant in their place
for g in code token; do
    echo alice-pass | tool login -c "$(conf "g$g" "grant = $g
redirect_uri = http://127.0.0.1/cb")" --user alice
    expect "login: grant = $g is refused, not run as the password grant (exit 2)" $? 2 \
        "the configuration says grant = $g, which this command does not run"
    if grep -q -e "Password for" -e "Decision:" "$STATE/out" "$STATE/err"; then
        not_ok "login: grant = $g asks for no password"; else
        ok "login: grant = $g asks for no password"; fi
done
echo alice-pass | tool login -c "$(conf gcode2 "grant = code
redirect_uri = http://127.0.0.1/cb")" --grant password --user alice
expect "login: --grant password overrides grant = code" $? 0 "^Decision: PAM_SUCCESS for user alice"

# ---- token: as an ordinary user, with a config of their own ---------------------
# The command runs as nobody (uid 65534) with a config nobody owns in a
# directory of its own, and its cache in its own XDG_CACHE_HOME.
chmod 0711 "$STATE"
U=$STATE/u
mkdir -p "$U"
cp "$IDP_CA" "$U/ca.pem"
printf 'issuer = %s\nclient_id = pam-public\nca_file = %s\n' "$IDP_ISSUER" "$U/ca.pem" \
    > "$U/token.conf"
chmod 0644 "$U/token.conf" "$U/ca.pem"
chown -R 65534:65534 "$U"
chmod 0755 "$U"
as_user() {
    timeout 60 setpriv --reuid 65534 --regid 65534 --clear-groups -- \
        env -i PATH=/usr/bin:/bin HOME="$U" XDG_CACHE_HOME="$U/cache" "$BIN" "$@" \
        > "$STATE/out" 2> "$STATE/err"
}
# token_run ACTION USERNAME ARGS...: "token" as nobody in the background; the
# user code is read from stderr (stdout carries only the token).
token_run() {
    _act=$1 _who=$2
    shift 2
    : > "$STATE/err"
    as_user token "$@" &
    _pid=$!
    _code=
    _i=0
    while [ $_i -lt 100 ] && [ -z "$_code" ]; do
        _code=$(sed -n 's/.*enter the code: *\([A-Z-]*\).*/\1/p' "$STATE/err")
        [ -n "$_code" ] || sleep 0.1
        _i=$((_i + 1))
    done
    [ -n "$_code" ] && curl -s -X POST "$IDP_CONTROL/device/$_act" \
        -d "{\"user_code\":\"$_code\",\"username\":\"$_who\"}" > "$STATE/control" 2>&1
    wait "$_pid"
}
token_run approve alice -c "$U/token.conf"
expect "token: as an ordinary user with its own config, approved: exit 0" $? 0 \
    "ID token of sub 6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001 printed"
if [ "$(wc -l < "$STATE/out")" -eq 1 ] && grep -qE '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$STATE/out" &&
    ! grep -q "enter the code" "$STATE/out" && grep -q "enter the code" "$STATE/err"; then
    ok "token: stdout holds the JWT alone, the instructions are on stderr"; else
    not_ok "token: stdout holds the JWT alone, the instructions are on stderr"; fi
aud=$(python3 -c 'import sys,json,base64
p=open(sys.argv[1]).read().split(".")[1]; p+="="*(-len(p)%4)
print(json.loads(base64.urlsafe_b64decode(p))["aud"])' "$STATE/out" 2>/dev/null)
if [ "$aud" = "pam-public" ]; then ok "token: the ID token's aud is the client_id"; else
    not_ok "token: the ID token's aud is the client_id (got '$aud')"; fi
if [ -n "$(find "$U/cache/pam-oauth2" -name 'discovery-*' -user 65534 2>/dev/null)" ]; then
    ok "token: discovery is cached in the user's own cache directory"; else
    not_ok "token: discovery is cached in the user's own cache directory"; fi
token_run approve alice -c "$U/token.conf" --access
if [ $? -eq 0 ] && [ "$(wc -l < "$STATE/out")" -eq 1 ] && ! grep -q '\.' "$STATE/out"; then
    ok "token --access: prints the (opaque) access token"; else
    not_ok "token --access: prints the (opaque) access token"; fi
token_run deny alice -c "$U/token.conf"
expect "token: denied is exit 1" $? 1 "access_denied\|denied"
if [ -s "$STATE/out" ]; then not_ok "token: nothing on stdout when refused"; else
    ok "token: nothing on stdout when refused"; fi
chmod 0666 "$U/token.conf"
as_user token -c "$U/token.conf"
expect "token: a config others can write is refused (exit 3)" $? 3 "writable by group or others"
chmod 0644 "$U/token.conf"
chown 1002 "$U/token.conf"
as_user token -c "$U/token.conf"
expect "token: a config of another user is refused (exit 3)" $? 3 "must be owned by root or by you"
chown 65534 "$U/token.conf"
chmod 0777 "$U"
as_user token -c "$U/token.conf"
expect "token: a config in a directory others can write is refused (exit 3)" $? 3 \
    "writable by group or others"
chmod 0755 "$U"
tool login -c "$U/token.conf"
expect "login keeps the module's rule: a config not owned by root is refused (exit 3)" $? 3 \
    "must be owned by root"

# ---- accounts sync --if-enabled (the boot unit, pam-oauth2-sync.service) ----
ACC="accounts_dir = $STATE/acc-reg
userdb_dir = $STATE/acc-db
nss_dir = $STATE/acc-nss/nss
new_users = *"
mkdir -m 0755 "$STATE/acc-nss"
tool accounts sync --if-enabled -c "$(conf accoff "$ACC")"
expect "accounts sync --if-enabled: accounts = off publishes nothing (exit 0)" $? 0 \
    "^accounts = off: nothing to publish"
if [ -e "$STATE/acc-nss/nss" ] || [ -e "$STATE/acc-reg" ]; then
    not_ok "accounts sync --if-enabled: accounts = off creates no directory"
else ok "accounts sync --if-enabled: accounts = off creates no directory"; fi
tool accounts sync -c "$STATE/accoff.conf"
expect "accounts sync without --if-enabled still writes the settings (accounts = off)" $? 0 \
    "(no new_users: it answers nothing)"
rm -rf "$STATE/acc-nss/nss" "$STATE/acc-reg"
printf '# every key commented out, as installed\n#issuer = https://idp.example.com\n' \
    > "$STATE/unset.conf"
chmod 0600 "$STATE/unset.conf"
tool accounts sync --if-enabled -c "$STATE/unset.conf"
expect "accounts sync --if-enabled: an unconfigured package is no failure (exit 0)" $? 0 \
    "required key 'issuer' is missing; nothing published"
tool accounts sync -c "$STATE/unset.conf"
expect "accounts sync without --if-enabled: the same configuration is an error (exit 3)" $? 3 \
    "required key 'issuer' is missing"
conf accon "$ACC
accounts = create
uid_range = 1900000000-1900000099" > /dev/null
# The sync runs the machine's real `sshd -T` for LoginGraceTime, which
# needs /run/sshd: in a private mount namespace with an empty /run, first
# with it (the boot unit has it made), then without it.
tool_run() {
    timeout 60 unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 oa2cli /run &&
        { [ "$0" = bare ] || mkdir -m 0755 /run/sshd; } && exec "$@"' "$1" \
        env LD_PRELOAD="$NSS_WRAPPER" NSS_WRAPPER_PASSWD="$STATE/passwd" \
        NSS_WRAPPER_GROUP="$STATE/group" "$BIN" accounts sync --if-enabled \
        -c "$STATE/accon.conf" > "$STATE/out" 2> "$STATE/err"
}
if [ ! -x /usr/sbin/sshd ]; then
    tool accounts sync --if-enabled -c "$STATE/accon.conf"
    expect "accounts sync without sshd: nothing to answer, no settings (exit 0)" $? 0 \
        "^no /usr/sbin/sshd: libnss_oauth2 has no lookup to answer"
elif ! command -v unshare > /dev/null; then
    echo "# skip: the sync's sshd -T checks need unshare (util-linux)"
else
    tool_run sshd
    expect "accounts sync --if-enabled: accounts = create writes libnss_oauth2's settings" $? 0 \
        "settings written to $STATE/acc-nss/nss"
    if grep -q '^uid 1900000000$' "$STATE/acc-nss/nss/settings" 2>/dev/null &&
       grep -Eq '^lifetime [0-9]+$' "$STATE/acc-nss/nss/settings"; then
        ok "accounts sync --if-enabled: the settings list the first free UID and a lifetime"
    else not_ok "accounts sync --if-enabled: the settings list the first free UID and a lifetime"; fi
    tool_run bare
    expect "accounts sync: sshd -T fails without /run/sshd: the reason, exit 1" $? 1 \
        "sshd -T failed (Missing privilege separation directory: /run/sshd): libnss_oauth2"
    if [ -e "$STATE/acc-nss/nss/settings" ]; then
        not_ok "accounts sync: no LoginGraceTime, the settings written before are removed"
    else ok "accounts sync: no LoginGraceTime, the settings written before are removed"; fi
fi
tool accounts list --if-enabled -c "$STATE/accon.conf"
expect "accounts --if-enabled is for sync only (exit 2)" $? 2 "--if-enabled is for sync only"

# ---- usage -------------------------------------------------------------------
tool frobnicate
expect "usage: unknown command (exit 2)" $? 2 "unknown command 'frobnicate'"
tool login --grant telepathy
expect "usage: bad --grant (exit 2)" $? 2 "--grant must be device, password or ciba"
tool --version
expect "--version" $? 0 "^pam-oauth2 (pam_oauth2) [0-9]"
for c in check login cache token accounts; do
    tool $c --help
    expect "$c --help" $? 0 "^Usage: pam-oauth2 $c"
done

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
