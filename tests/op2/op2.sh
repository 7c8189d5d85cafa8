#!/bin/sh
# op2.sh - the second test OpenID Provider: Debian's glewlwyd, run from the
# test with its own configuration, sqlite database, TLS certificate and port
# on 127.0.0.1. See README.md.
#
#   op2.sh available                 exit 0 when the glewlwyd binary is there, else 77
#   op2.sh start DIR [--device-ttl N] [--short-ttl N]
#                                    start it, provision it, write DIR/op2.env
#   op2.sh approve DIR PLUGIN USER_CODE USERNAME PASSWORD
#                                    approve a device code as USERNAME through
#                                    glewlwyd's own web endpoints
#   op2.sh stop DIR                  stop the glewlwyd started for DIR
#
# OP2_PARENT_PID (start): when set, a watcher stops glewlwyd once that process
# is gone, so a crashed test leaves nothing running.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

usage() {
    echo "usage: $0 available | start DIR [--device-ttl N] [--short-ttl N] |" \
        "approve DIR PLUGIN USER_CODE USERNAME PASSWORD | stop DIR" >&2
    exit 2
}

# The unpacked package (install.sh), else an installed one.
find_root() {
    for r in ${OP2_GLEWLWYD_ROOT:-} "$HERE/glewlwyd" ""; do
        if [ -x "$r/usr/bin/glewlwyd" ] && [ -d "$r/usr/lib/glewlwyd/plugin" ] \
           && [ -f "$r/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz" ]; then
            ROOT=$r
            return 0
        fi
    done
    return 1
}

# shellcheck source-path=SCRIPTDIR source=../lib/proc.sh
. "$HERE/../lib/proc.sh"

fail() {
    proc_fail op2.sh "${DIR:+$DIR/op2.log}" "$@"
}

# true when PID is alive and is the glewlwyd started for this DIR
is_ours() {
    [ -n "$1" ] && proc_alive "$1" || return 1
    [ -r "/proc/$1/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$1/cmdline" | grep -q "glewlwyd --config-file $DIR/glewlwyd.conf "
}

do_stop() {
    [ -f "$DIR/op2.pid" ] || return 0
    pid=$(cat "$DIR/op2.pid")
    if is_ours "$pid"; then
        proc_stop "$pid" "op2.sh: glewlwyd"
    fi
    rm -f "$DIR/op2.pid" "$DIR/op2.env"
}

# curl against the OP: TLS verified with the test CA, never through a proxy
ocurl() {
    curl -sS --noproxy '*' --max-time 10 --cacert "$DIR/ca.pem" "$@"
}

# admin METHOD PATH [JSON FILE]: call the admin API with the admin session
admin() {
    if [ $# -ge 3 ]; then
        code=$(ocurl -o "$DIR/admin.out" -w '%{http_code}' -b "$DIR/admin.jar" -X "$1" \
            -H 'Content-Type: application/json' --data-binary "@$3" "$API$2") || code=000
    else
        code=$(ocurl -o "$DIR/admin.out" -w '%{http_code}' -b "$DIR/admin.jar" -X "$1" \
            "$API$2") || code=000
    fi
    [ "$code" = 200 ] || fail "admin API $1 $2: HTTP $code $(head -c 300 "$DIR/admin.out" 2>/dev/null)"
}

write_config() {
    cat > "$DIR/glewlwyd.conf" <<EOF
# glewlwyd configuration written by op2.sh (test data only)
port=$PORT
bind_address="127.0.0.1"
external_url="https://localhost:$PORT"
login_url="login.html"
api_prefix="api"
static_files_path="$DIR/empty/"
log_mode="console"
log_level="DEBUG"
cookie_domain="localhost"
cookie_secure=1
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
user_module_path="$ROOT/usr/lib/glewlwyd/user"
user_middleware_module_path="$DIR/empty/"
client_module_path="$ROOT/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="$ROOT/usr/lib/glewlwyd/scheme"
plugin_module_path="$ROOT/usr/lib/glewlwyd/plugin"
use_secure_connection=true
secure_connection_key_file="$DIR/server-key.pem"
secure_connection_pem_file="$DIR/server.pem"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "$DIR/glewlwyd.db"; };
EOF
}

# JSON bodies for the admin API (python3: the PEM keys need JSON escaping)
write_provisioning() {
    python3 - "$DIR" "$PORT" "$DEVICE_TTL" "$SHORT_TTL" <<'EOF'
import json, sys
d, port, ttl, short = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def plugin(name, ttl):
    return {"module": "oidc", "name": name, "display_name": "pam_oauth2 test OP (%s)" % name,
            "enabled": True,
            "parameters": {
                "iss": "https://localhost:%s/api/%s" % (port, name),
                # asymmetric signing: RS256 with the key made by op2.sh
                "jwt-type": "rsa", "jwt-key-size": "256",
                "key": open(d + "/sign-key.pem").read(),
                "cert": open(d + "/sign-pub.pem").read(),
                "jwks-show": True,
                "subject-type": "public",
                "access-token-duration": 3600, "refresh-token-duration": 1209600,
                "code-duration": 600, "refresh-token-rolling": False,
                # the password grant is "non OIDC" to glewlwyd: without
                # allow-non-oidc its token endpoint answers a bare 403
                "allow-non-oidc": True,
                "auth-type-code-enabled": False, "auth-type-token-enabled": False,
                "auth-type-id-token-enabled": True, "auth-type-none-enabled": False,
                "auth-type-client-enabled": False, "auth-type-refresh-enabled": False,
                "auth-type-password-enabled": True,
                "auth-type-device-enabled": True,
                "device-authorization-expiration": ttl,
                "device-authorization-interval": 1,
                "name-claim": "on-demand", "email-claim": "on-demand",
                # the user name claim the module maps (username_claim)
                "claims": [{"name": "preferred_username", "user-property": "username",
                            "type": "string", "mandatory": True}],
            }}

def dump(name, obj):
    with open("%s/%s.json" % (d, name), "w") as f:
        json.dump(obj, f)

dump("plugin-oidc", plugin("oidc", ttl))
dump("plugin-oidc-short", plugin("oidc-short", short))
for u in ("alice", "bob"):
    dump("user-" + u, {"username": u, "name": u.capitalize(), "email": u + "@example.test",
                       "password": u + "-pass", "scope": ["openid"], "enabled": True})
# public: device grant only (glewlwyd refuses the password grant to a public
# client that names itself); confidential: device and password grants
dump("client-pam-public", {"client_id": "pam-public", "name": "pam_oauth2 (public)",
                           "confidential": False, "enabled": True, "redirect_uri": [],
                           "authorization_type": ["device_authorization"]})
dump("client-pam-confidential", {"client_id": "pam-confidential",
                                 "name": "pam_oauth2 (confidential)", "confidential": True,
                                 "client_secret": "confidential-secret", "enabled": True,
                                 "redirect_uri": [],
                                 "token_endpoint_auth_method": ["client_secret_basic",
                                                                "client_secret_post"],
                                 "authorization_type": ["device_authorization", "password"]})
dump("admin-login", {"username": "admin", "password": "password"})
EOF
}

provision() {
    rm -f "$DIR/admin.jar"
    # the database schema's initial administrator (admin/password)
    code=$(ocurl -o /dev/null -w '%{http_code}' -c "$DIR/admin.jar" \
        -H 'Content-Type: application/json' --data-binary "@$DIR/admin-login.json" \
        "$API/auth/") || code=000
    [ "$code" = 200 ] || fail "admin login: HTTP $code"
    admin POST /mod/plugin/ "$DIR/plugin-oidc.json"
    admin POST /mod/plugin/ "$DIR/plugin-oidc-short.json"
    admin POST /user/ "$DIR/user-alice.json"
    admin POST /user/ "$DIR/user-bob.json"
    admin POST /client/ "$DIR/client-pam-public.json"
    admin POST /client/ "$DIR/client-pam-confidential.json"
    rm -f "$DIR/admin.jar" "$DIR/admin.out"
}

# start glewlwyd on a free port; returns 1 when it exits during start-up
launch() {
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    API=https://localhost:$PORT/api
    write_config
    rm -f "$DIR/glewlwyd.db"
    gzip -dc "$ROOT/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz" \
        | sqlite3 "$DIR/glewlwyd.db" || fail "could not create the database"
    : > "$DIR/op2.log"
    "$ROOT/usr/bin/glewlwyd" --config-file "$DIR/glewlwyd.conf" </dev/null >>"$DIR/op2.log" 2>&1 &
    pid=$!
    echo "$pid" > "$DIR/op2.pid"
    deadline=$(( $(date +%s) + ${OP2_START_TIMEOUT:-20} ))
    while :; do
        if ! proc_alive "$pid"; then
            rm -f "$DIR/op2.pid"
            return 1
        fi
        # ready when the API answers over verified TLS (401: not logged in)
        code=$(ocurl -o /dev/null -w '%{http_code}' --max-time 2 "$API/profile/" 2>/dev/null) || code=000
        [ "$code" = 000 ] || return 0
        if [ "$(date +%s)" -ge "$deadline" ]; then
            do_stop
            fail "glewlwyd did not answer within ${OP2_START_TIMEOUT:-20} s"
        fi
        sleep 0.1
    done
}

# stop glewlwyd when OP2_PARENT_PID ends (runs detached from the caller)
watch_parent() {
    parent=$1
    pid=$2
    while proc_alive "$parent" && proc_alive "$pid"; do
        sleep 0.5
    done
    # not through op2.pid: the caller's clean-up may already have removed DIR
    if is_ours "$pid"; then
        echo "op2.sh: the test process $parent is gone, stopping glewlwyd $pid" >&2
        proc_stop "$pid" "op2.sh: glewlwyd"
        rm -f "$DIR/op2.pid" "$DIR/op2.env"
    fi
}

do_start() {
    DEVICE_TTL=60
    SHORT_TTL=4
    while [ $# -gt 0 ]; do
        case $1 in
        --device-ttl) [ $# -ge 2 ] || usage; DEVICE_TTL=$2; shift 2 ;;
        --short-ttl) [ $# -ge 2 ] || usage; SHORT_TTL=$2; shift 2 ;;
        *) usage ;;
        esac
    done
    find_root || fail "glewlwyd is not installed (run tests/op2/install.sh)"
    for c in curl openssl sqlite3 python3 gzip; do
        command -v $c >/dev/null 2>&1 || fail "$c is not installed"
    done
    if [ -f "$DIR/op2.pid" ] && is_ours "$(cat "$DIR/op2.pid")"; then
        fail "glewlwyd already runs for $DIR (pid $(cat "$DIR/op2.pid")); run: $0 stop $DIR"
    fi
    sh "$TOP/tests/idp/mkca.sh" "$DIR" || fail "mkca.sh failed"
    if [ ! -s "$DIR/sign-key.pem" ]; then
        (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$DIR/sign-key.pem" 2>/dev/null) || fail "could not make the signing key"
    fi
    openssl pkey -in "$DIR/sign-key.pem" -pubout -out "$DIR/sign-pub.pem" 2>/dev/null \
        || fail "could not write the public signing key"
    # no web app and no user middleware modules: an empty directory for both
    mkdir -p "$DIR/empty"
    rm -f "$DIR/op2.env"
    # a port taken between choosing and binding: try again
    tries=0
    until launch; do
        tries=$((tries + 1))
        [ $tries -lt 3 ] || fail "glewlwyd exited during start-up"
        echo "op2.sh: glewlwyd exited during start-up, trying another port" >&2
    done
    write_provisioning || { do_stop; fail "could not write the provisioning requests"; }
    (provision) || { do_stop; fail "provisioning failed"; }
    for p in oidc oidc-short; do
        ocurl -f -o /dev/null "$API/$p/.well-known/openid-configuration" \
            || { do_stop; fail "no discovery document for $p"; }
    done
    if [ -n "${OP2_PARENT_PID:-}" ]; then
        (watch_parent "$OP2_PARENT_PID" "$pid" </dev/null >>"$DIR/op2.log" 2>&1 &)
    fi
    cat > "$DIR/op2.env.tmp" <<EOF
OP2_ISSUER=$API/oidc
OP2_ISSUER_SHORT=$API/oidc-short
OP2_API=$API
OP2_PORT=$PORT
OP2_CA=$DIR/ca.pem
OP2_PID=$pid
EOF
    mv "$DIR/op2.env.tmp" "$DIR/op2.env"
    cat "$DIR/op2.env"
}

# What glewlwyd's login web app does for a device code, without a browser:
# log in with the password (POST /api/auth/), open the verification URL
# (GET /api/PLUGIN/device?code=...), which sends the browser to the login
# page with the client and scopes to consent to; grant them
# (PUT /api/auth/grant/CLIENT); continue (GET ...device?code=...&g_continue),
# which answers with a redirect to prompt=deviceComplete.
do_approve() {
    [ $# -eq 4 ] || usage
    plugin=$1
    code=$2
    user=$3
    pass=$4
    [ -f "$DIR/op2.env" ] || fail "no $DIR/op2.env: is the OP running?"
    API=$(sed -n 's/^OP2_API=//p' "$DIR/op2.env")
    jar=$(mktemp "$DIR/approve.XXXXXX")
    trap 'rm -f "$jar" "$jar.json"' EXIT
    python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' \
        "$user" "$pass" > "$jar.json"
    status=$(ocurl -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        -H 'Content-Type: application/json' --data-binary "@$jar.json" "$API/auth/") || status=000
    [ "$status" = 200 ] || { echo "op2.sh: login as $user: HTTP $status" >&2; exit 1; }
    where=$(ocurl -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
        "$API/$plugin/device?code=$code") || where=
    client=$(printf '%s' "$where" | sed -n 's/.*[?&]client_id=\([^&]*\).*/\1/p')
    scope=$(printf '%s' "$where" | sed -n 's/.*[?&]scope=\([^&]*\).*/\1/p' | sed 's/+/ /g; s/%20/ /g')
    if [ -z "$client" ] || [ -z "$scope" ]; then
        echo "op2.sh: the device page did not ask for consent (code unknown, used or expired?): $where" >&2
        exit 1
    fi
    printf '{"scope":"%s"}' "$scope" > "$jar.json"
    status=$(ocurl -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -X PUT \
        -H 'Content-Type: application/json' --data-binary "@$jar.json" \
        "$API/auth/grant/$client") || status=000
    [ "$status" = 200 ] || { echo "op2.sh: consent for $client: HTTP $status" >&2; exit 1; }
    where=$(ocurl -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
        "$API/$plugin/device?code=$code&g_continue") || where=
    case $where in
    *prompt=deviceComplete*) echo "op2.sh: $user approved $code" >&2 ;;
    *) echo "op2.sh: approving $code as $user failed: $where" >&2; exit 1 ;;
    esac
}

[ $# -ge 1 ] || usage
CMD=$1
shift
case $CMD in
available)
    find_root && exit 0
    exit 77
    ;;
start)
    [ $# -ge 1 ] || usage
    mkdir -p "$1"
    DIR=$(cd "$1" && pwd)
    shift
    do_start "$@"
    ;;
approve)
    [ $# -ge 1 ] || usage
    DIR=$(cd "$1" && pwd)
    shift
    do_approve "$@"
    ;;
stop)
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || exit 0
    DIR=$(cd "$1" && pwd)
    do_stop
    ;;
*)
    usage
    ;;
esac
