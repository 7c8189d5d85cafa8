# shellcheck shell=sh
# tap.sh - the shell tests' report: "ok - ..." / "not ok - ..." lines (with
# the last lines of the evidence, indented "#   ") and a closing line
# "NAME: N passed, N failed" that scripts/test.sh adds up. Source it after
# setting TAP_NAME (and TAP_T0=$(date +%s) to have the run time in the
# closing line).
#   ok DESCRIPTION / notok DESCRIPTION [EVIDENCE]
#   check DESCRIPTION COMMAND...   ok when COMMAND succeeds, else its output
#   finish                         the closing line; exits 0 only if nothing failed

passed=0
failed=0

ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}

notok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | tail -n 40 | sed 's/^/#   /'
    return 0
}

check() {
    _desc=$1
    shift
    if _out=$("$@" 2>&1); then ok "$_desc"; else notok "$_desc" "$_out"; fi
}

finish() {
    echo "$TAP_NAME: $passed passed, $failed failed${TAP_T0:+ ($(($(date +%s) - TAP_T0)) s)}"
    [ "$failed" -eq 0 ]
    exit $?
}
