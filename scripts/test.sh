#!/bin/sh
# test.sh - install what is needed, build with -Werror, run the whole test
# suite ("make check": unit tests, the test IdP's self-test, and the PAM
# integration tests against the test IdP), and print one closing line
# "N passed, N failed" counted from the individual test cases.
# Exit status 0 only when nothing failed.
# Extra arguments go to ./configure (e.g. --enable-sanitizers).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

sh scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if ! sh scripts/build.sh "$@"; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

make -j"$(nproc)" check
make_rc=$?

# Count test cases from every test log automake wrote.
passed=0
failed=0
for trs in $(find tests -name '*.trs' | sort); do
    log=${trs%.trs}.log
    result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
    line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    else
        p=$(grep -c '^\[       OK \]' "$log" 2>/dev/null)
        f=$(grep -E '^\[  FAILED  \] [A-Za-z_]' "$log" 2>/dev/null | sort -u | wc -l)
    fi
    if [ "$result" != "PASS" ] && [ "$result" != "SKIP" ] && [ "$f" -eq 0 ]; then
        f=1   # the program failed without naming a case (crash, set-up)
    fi
    echo "  $(basename "$log" .log): $p passed, $f failed ($result)"
    passed=$((passed + p))
    failed=$((failed + f))
done

if [ "$make_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
