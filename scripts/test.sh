#!/bin/sh
# test.sh - install what is needed, then run the whole test suite and print
# one closing line "N passed, N failed" counted from the individual cases:
#   1. the normal build (-Werror): unit tests, the test IdP's self-test, the
#      PAM integration tests against the test IdP, the end-to-end tests with
#      real sshd/sudo/login, the CLI tests, the leak test, and the Debian
#      package build + check;
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

# count DIR LABEL: add up the cases of every test log automake wrote in DIR.
count() {
    for trs in $(cd "$1" && find tests -name '*.trs' | sort); do
        log=$1/${trs%.trs}.log
        result=$(sed -n 's/^:test-result: //p' "$1/$trs" | head -n 1)
        line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
        if [ -n "$line" ]; then
            p=$(echo "$line" | sed -E 's/^[a-z0-9-]+: ([0-9]+) passed.*/\1/')
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

# check DIR LABEL [configure args]: build in DIR and run make check there.
check() {
    dir=$1
    label=$2
    shift 2
    echo "== $label: build ($*)"
    if ! (cd "$dir" && sh scripts/build.sh "$@"); then
        echo "  $label: build failed"
        failed=$((failed + 1))
        return
    fi
    echo "== $label: make check"
    (cd "$dir" && make -j"$(nproc)" check) || true
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

# The first pass also builds the Debian package and checks it (lintian
# included): tests/package/test_deb.sh runs only when asked.
export OA2_TEST_PACKAGE=1
check "$TOP" main
unset OA2_TEST_PACKAGE

if [ "${OA2_QUICK:-0}" != 1 ]; then
    echo "== valgrind: the PAM integration tests under memcheck"
    for t in test_discovery test_device test_password test_offline test_faults; do
        log=tests/integration/$t.valgrind.log
        OA2T_VALGRIND=1 "./tests/integration/$t" > "$log" 2>&1
        rc=$?
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
    trap 'rm -rf "$SAN"' EXIT INT TERM
    copy_tree "$SAN/asan"
    check "$SAN/asan" asan --enable-sanitizers=address,undefined
    copy_tree "$SAN/ubsan"
    check "$SAN/ubsan" ubsan --enable-sanitizers=undefined
fi

if [ "${OA2_QUICK:-0}" != 1 ]; then
    echo "== fuzz: every target for ${OA2_FUZZ_SECONDS:-10} s"
    sh tests/fuzz/run.sh "${OA2_FUZZ_SECONDS:-10}" > "$SAN/fuzz.log" 2>&1
    cat "$SAN/fuzz.log"
    line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$SAN/fuzz.log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^fuzz: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    else
        p=0
        f=1
    fi
    echo "  fuzz: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
