# lib.sh - shell helpers shared by the demo and the benchmarks (sourced).
#
# pam_stack STATE MODULE: write, under STATE, a pam_oauth2 configuration for
# the test IdP described by STATE/idp/idp.env, a PAM service "oa2-demo"
# using MODULE, and an nss_wrapper account "alice". Extra config lines come
# from $OA2_EXTRA_CONFIG.
# pam_env_run STATE COMMAND...: run COMMAND through pam_wrapper and
# nss_wrapper with that stack (the machine's PAM configuration is untouched).
# pam_wrapper_sweep: remove the directories /tmp/pam.X that pam_wrapper
# left behind for processes that have ended. pam_wrapper creates one in
# every program it is loaded into and removes it only when that program
# calls exit(): valgrind's launcher, which execs its tool, and shells that
# end with _exit leave theirs. pam_wrapper itself removes such stale
# directories (their "pid" file names a process that is gone) when it next
# starts; this does the same at the end of a test.
# pam_login STATE USER: pam_env_run tests/demo/pam_demo for service oa2-demo.
# approve_next STATE USER DELAY: wait for a pending device code, sleep DELAY
# seconds, approve it as USER, print the time of approval (epoch seconds).

pam_stack() {
    _state=$1
    _module=$2
    # shellcheck disable=SC1091
    . "$_state/idp/idp.env"
    mkdir -p "$_state/pam.d"
    cat > "$_state/pam_oauth2.conf" <<CONF
issuer = $IDP_ISSUER
client_id = pam-public
ca_file = $IDP_CA
cache_dir = $_state/cache
helper = ${BUILD:-$TOP}/pam_oauth2_helper
device_ui = info
device_timeout = 300
${OA2_EXTRA_CONFIG:-}
CONF
    chmod 644 "$_state/pam_oauth2.conf"
    cat > "$_state/pam.d/oa2-demo" <<PAM
auth    required $_module config=$_state/pam_oauth2.conf
account required $_module config=$_state/pam_oauth2.conf
PAM
    printf 'auth required pam_deny.so\naccount required pam_deny.so\n' > "$_state/pam.d/other"
    echo "alice:x:1001:1001:Alice:/home/alice:/bin/sh" > "$_state/passwd"
    echo "alice:x:1001:" > "$_state/group"
}

pam_env_run() {
    _state=$1
    shift
    env LD_PRELOAD="$(pkg-config --libs pam_wrapper | tr -d ' ') $(pkg-config --libs nss_wrapper | tr -d ' ')" \
        PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$_state/pam.d" \
        NSS_WRAPPER_PASSWD="$_state/passwd" NSS_WRAPPER_GROUP="$_state/group" "$@"
}

pam_wrapper_sweep() {
    for _d in /tmp/pam.?; do
        [ -d "$_d" ] && [ ! -L "$_d" ] && [ -f "$_d/pid" ] || continue
        _pid=$(head -c 20 "$_d/pid" | tr -cd 0-9)
        [ -n "$_pid" ] && [ ! -d "/proc/$_pid" ] && rm -rf "$_d"
    done
    return 0
}

pam_login() {
    pam_env_run "$1" "$TOP/tests/demo/pam_demo" oa2-demo "$2"
}

# bench_idp [server options]: a scratch STATE with the test IdP running and
# the pam_oauth2 stack written (extra config from $OA2_EXTRA_CONFIG); both
# are removed on exit.
bench_idp() {
    STATE=$(mktemp -d /tmp/pam_oauth2-bench.XXXXXX)
    trap 'sh "$TOP/tests/idp/idp.sh" stop "$STATE/idp" >/dev/null 2>&1 || true; rm -rf "$STATE"' EXIT INT TERM
    sh "$TOP/tests/idp/idp.sh" start "$STATE/idp" "$@" >/dev/null
    # shellcheck disable=SC1091
    . "$STATE/idp/idp.env"
    pam_stack "$STATE" "$TOP/.libs/pam_oauth2.so"
}

approve_next() {
    _state=$1
    _user=$2
    _delay=$3
    # shellcheck disable=SC1091
    . "$_state/idp/idp.env"
    _i=0
    while [ $_i -lt 100 ]; do
        _code=$(curl -s "$IDP_CONTROL/device/pending" | sed -n 's/^\["\([A-Z-]*\)".*/\1/p')
        if [ -n "$_code" ]; then
            sleep "$_delay"
            curl -s -X POST "$IDP_CONTROL/device/approve" \
                -d "{\"user_code\":\"$_code\",\"username\":\"$_user\"}" >/dev/null
            date +%s.%N
            return 0
        fi
        sleep 0.2
        _i=$((_i + 1))
    done
    return 1
}
