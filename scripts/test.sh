#!/bin/sh
# test.sh - install what is needed, then run the whole test suite and print
# one closing line "N passed, N failed" counted from the individual cases:
#   1. the normal build (-Werror): unit tests, the test IdP's self-test, the
#      PAM integration tests against the test IdP, the end-to-end tests with
#      real sshd/sudo/login, the CLI tests, the leak test, the documentation
#      examples, and the Debian package build + check; then, once per run,
#      in clean Debian 12 roots (debootstrap): the package built there with
#      scripts/build-deb.sh, installed in another root, used for ssh, sudo
#      and key logins and purged (tests/package/test_root.sh), booted with
#      systemd (systemd-nspawn) to run the boot unit (tests/package/test_boot.sh), and the demo
#      on a fresh machine with Debian's Node.js 18 (tests/fresh/test_demo_root.sh);
#   2. the PAM integration tests again under valgrind memcheck (memory
#      errors and definite leaks fail them), standing in for ASan there;
#      then an AddressSanitizer + UBSan build: the unit tests (pam_wrapper
#      opens libpam with RTLD_DEEPBIND, which ASan cannot run with);
#   3. a UBSan build: the whole "make check" again;
#   4. a fuzzing smoke run: every libFuzzer target for 10 s (tests/fuzz/run.sh).
# The sanitizer builds happen in copies of the tree under a temporary
# directory. OA2_QUICK=1 runs only the first pass.
# Exit status 0 only when nothing failed.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

passed=0
failed=0
T0=$(date +%s)

# at: the run's time so far, for the stage headers (where the minutes go).
at() {
    echo "[$(($(date +%s) - T0)) s]"
}

# count DIR LABEL: add up the cases of every test log automake wrote in DIR.
count() {
    for trs in $(cd "$1" && find tests -name '*.trs' | sort); do
        log=$1/${trs%.trs}.log
        result=$(sed -n 's/^:test-result: //p' "$1/$trs" | head -n 1)
        line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
        if [ -n "$line" ]; then
            p=$(echo "$line" | sed -E 's/^[a-z0-9_-]+: ([0-9]+) passed.*/\1/')
            f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
        else
            p=$(grep -c '^\[       OK \]' "$log" 2>/dev/null)
            f=$(grep -E '^\[  FAILED  \] [A-Za-z_]' "$log" 2>/dev/null | sort -u | wc -l)
        fi
        [ "$result" = "SKIP" ] && continue
        if [ "$result" != "PASS" ] && [ "$f" -eq 0 ]; then
            f=1   # the program failed without naming a case (crash, set-up)
        fi
        echo "  $2$(basename "$log" .log): $p passed, $f failed ($result)"
        passed=$((passed + p))
        failed=$((failed + f))
    done
}

# tally LABEL LOG RC: add up the closing "name: N passed, N failed" line of
# LOG; a missing line, or exit status RC other than 0 without a failed case,
# counts as one failure.
tally() {
    line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$2" 2>/dev/null | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^[a-z0-9_-]+: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    else
        p=0
        f=1
    fi
    [ "$3" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    echo "  $1: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
}

# check DIR LABEL [configure args]: build in DIR and run make check there.
check() {
    dir=$1
    label=$2
    shift 2
    echo "== $label: build ($*) $(at)"
    if ! (cd "$dir" && sh scripts/build.sh "$@"); then
        echo "  $label: build failed"
        failed=$((failed + 1))
        return
    fi
    echo "== $label: make check $(at)"
    (cd "$dir" && make -j"${CHECK_JOBS:-$(nproc)}" check) || true
    count "$dir" "$label/"
}

# copy_tree DIR: the source tree (tracked and new files) without build output.
copy_tree() {
    mkdir -p "$1"
    git ls-files -co --exclude-standard | tar -cT - | tar -x -C "$1"
    ln -s "$TOP/tests/idp/node_modules" "$1/tests/idp/node_modules"
    if [ -d "$TOP/tests/op2/glewlwyd" ]; then
        ln -s "$TOP/tests/op2/glewlwyd" "$1/tests/op2/glewlwyd"
    fi
}

if ! sh scripts/install-deps.sh; then
    echo "install-deps failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# The Debian package is built once per run: in a full run by
# tests/package/test_root.sh in a clean root, as README says, and
# tests/package/test_deb.sh (contents, lintian) checks that package after
# it; with OA2_QUICK=1 test_deb.sh builds it on this machine in the first
# pass (it runs only when asked).
ROOTS=$(mktemp -d /tmp/pam_oauth2-roots.XXXXXX)
trap 'rm -rf "$ROOTS"' EXIT INT TERM
[ "${OA2_QUICK:-0}" = 1 ] && export OA2_TEST_PACKAGE=1
check "$TOP" main
unset OA2_TEST_PACKAGE

# Once per run, in throwaway Debian 12 roots (debootstrap, minbase; the
# base root is made once and kept as a tarball for the other roots):
# README's install section (the package built in one root as README says,
# installed with apt in another, ssh, sudo, removed and purged); and
# README's demo on a fresh machine with Debian's own Node.js 18. Each takes
# minutes.
if [ "${OA2_QUICK:-0}" != 1 ]; then
    export OA2_ROOT_CACHE="$ROOTS/base-root.tar"
    for t in tests/package/test_root.sh tests/package/test_boot.sh tests/fresh/test_demo_root.sh; do
        name=$(basename "$t" .sh)
        echo "== $name: $t $(at)"
        start=$(date +%s)
        OA2_DEB_OUT=$ROOTS sh "$t" > "$ROOTS/$name.log" 2>&1
        rc=$?
        grep -E '^(not ok|# )|[(][0-9]+ s[)]$' "$ROOTS/$name.log" | head -40
        if [ "$rc" -eq 77 ]; then
            echo "  $name: skipped: $(tail -n 1 "$ROOTS/$name.log")"
        else
            tally "$name" "$ROOTS/$name.log" "$rc"
            echo "  ($name took $(($(date +%s) - start)) s)"
        fi
    done
    unset OA2_ROOT_CACHE
    rm -f "$ROOTS/base-root.tar"
    echo "== test_deb: tests/package/test_deb.sh on the package test_root.sh built $(at)"
    deb=$(ls "$ROOTS"/libpam-oauth2_*.deb 2>/dev/null | head -n 1)
    if [ -n "$deb" ]; then
        OA2_DEB=$deb sh tests/package/test_deb.sh > "$ROOTS/test_deb.log" 2>&1
        rc=$?
        grep -E '^not ok' "$ROOTS/test_deb.log" | head -40
        tally test_deb "$ROOTS/test_deb.log" "$rc"
    elif grep -q "skipped: needs root and debootstrap" "$ROOTS/test_root.log" 2>/dev/null; then
        echo "  test_deb: skipped (no package: test_root.sh was skipped)"
    else
        echo "  test_deb: no package from test_root.sh"
        failed=$((failed + 1))
    fi
fi

if [ "${OA2_QUICK:-0}" != 1 ]; then
    echo "== valgrind: the PAM integration tests under memcheck $(at)"
    # memcheck keeps a core busy: as many at once as there are cores (the
    # longest first). Each in its own mount namespace with a private /tmp:
    # pam_wrapper gives each process a /tmp/pam.X copy of the service
    # directory and every new process sweeps the ones it takes for stale
    # (two valgrind runs sharing /tmp lost one's copy mid-test).
    vg_tests="test_device test_offline test_ciba test_accounts test_password test_discovery
        test_faults test_code"
    # shellcheck disable=SC2016
    printf '%s\n' $vg_tests | xargs -P "$(nproc)" -I '{}' sh -c '
        OA2T_VALGRIND=1 unshare -m --propagation private sh -c \
            "mount -t tmpfs -o mode=1777 tmpfs /tmp && exec ./tests/integration/$1" \
            > "tests/integration/$1.valgrind.log" 2>&1
        echo $? > "tests/integration/$1.valgrind.rc"' sh '{}'
    for t in $vg_tests; do
        log=tests/integration/$t.valgrind.log
        rc=$(cat "tests/integration/$t.valgrind.rc" 2>/dev/null || echo 1)
        rm -f "tests/integration/$t.valgrind.rc"
        p=$(grep -c '^\[       OK \]' "$log")
        f=$(grep -E '^\[  FAILED  \] [A-Za-z_]' "$log" | sort -u | wc -l)
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        echo "  valgrind/$t: $p passed, $f failed (exit $rc)"
        [ "$rc" -ne 0 ] && grep -E '==[0-9]+==' "$log" | head -40
        passed=$((passed + p))
        failed=$((failed + f))
    done
fi

if [ "${OA2_QUICK:-0}" != 1 ]; then
    SAN=$(mktemp -d /tmp/pam_oauth2-san.XXXXXX)
    chmod 755 "$SAN"   # the CLI tests run the built command as nobody too
    trap 'rm -rf "$SAN" "$ROOTS"' EXIT INT TERM
    copy_tree "$SAN/asan"
    check "$SAN/asan" asan --enable-sanitizers=address,undefined
    copy_tree "$SAN/ubsan"
    # no end-to-end tests here (no timing-sensitive real clients): the
    # integration tests mostly wait on the IdP, so more run at once
    CHECK_JOBS=$(($(nproc) + 2)) check "$SAN/ubsan" ubsan --enable-sanitizers=undefined
fi

if [ "${OA2_QUICK:-0}" != 1 ]; then
    echo "== fuzz: every target for ${OA2_FUZZ_SECONDS:-10} s $(at)"
    sh tests/fuzz/run.sh "${OA2_FUZZ_SECONDS:-10}" > "$SAN/fuzz.log" 2>&1
    cat "$SAN/fuzz.log"
    tally fuzz "$SAN/fuzz.log" 0
fi

echo "== done $(at)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
