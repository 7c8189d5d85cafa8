#!/bin/sh
# run.sh - build the libFuzzer targets and run each one on a copy of its
# seed corpus.
#
# Usage: tests/fuzz/run.sh [seconds-per-target] [target...]
#   seconds-per-target  default 10 (what CI runs)
#   target              config json jscan discovery device token jws ipc (default: all)
#
# Each target is built with clang-14 -g -O1 -fsanitize=fuzzer,address,undefined
# -fno-sanitize-recover=undefined against the sources in src/ (a private
# autoconfig.h is generated, so the tree need not be configured), then run
# for the given time on a copy of tests/fuzz/corpus/<target>/ in a temporary
# directory: new inputs never land in the repository. A crash, leak, UB,
# timeout or out-of-memory fails the target; its reproducer is kept and its
# path printed. Exit status is non-zero when any target fails.
#
# Longer runs (before a release, after touching a parser):
#   tests/fuzz/run.sh 600                 # 10 minutes per target
#   FUZZ_JOBS=4 tests/fuzz/run.sh 3600    # an hour each, 4 processes per target
# Environment: CC (default clang-14), FUZZ_JOBS (libFuzzer -fork=N, default
# off), FUZZ_KEEP=1 (keep the work directory with the grown corpora).
set -eu

secs=${1:-10}
[ $# -gt 0 ] && shift
targets=${*:-config json jscan discovery device token jws ipc}
top=$(cd "$(dirname "$0")/../.." && pwd)
fuzz="$top/tests/fuzz"
cc=${CC:-clang-14}
work=$(mktemp -d "${TMPDIR:-/tmp}/pam_oauth2-fuzz.XXXXXX")
keep=${FUZZ_KEEP:-0}

cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

case $secs in '' | *[!0-9]*) echo "run.sh: seconds must be a whole number" >&2; exit 2 ;; esac
command -v "$cc" >/dev/null 2>&1 || { echo "run.sh: $cc not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

# ---- build ------------------------------------------------------------------
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -I$work -I$top/src $(pkg-config --cflags json-c libcurl)"
libs="-lcurl -lcrypto -ljson-c -lqrencode -lm"

printf '#define PACKAGE_VERSION "fuzz"\n#define OA2_HELPER_PATH "/nonexistent/pam_oauth2_helper"\n#define OA2_LOCALEDIR "/nonexistent"\n' > "$work/autoconfig.h"

# The module's sources a target may need, instrumented for coverage. Only
# what a target uses is pulled from the archive at link time.
core="shared/error shared/json shared/claim_groups shared/jscan shared/strutil shared/secfile shared/config shared/ipc
 shared/identity shared/i18n shared/username shared/login_hint shared/user_map module/usermap module/authz module/helper_client
 helper/cache helper/http helper/discovery helper/claims helper/oauth helper/qr helper/device_grant
 helper/poll helper/screen crypto/b64url crypto/jwk crypto/jws"
mkdir -p "$work/obj"
for f in $core; do
	# shellcheck disable=SC2086
	"$cc" $cflags $san -fsanitize=fuzzer-no-link -c -o "$work/obj/$(basename "$f").o" "$top/src/$f.c"
done
ar rcs "$work/libcore.a" "$work"/obj/*.o

for t in $targets; do
	[ -f "$fuzz/fuzz_$t.c" ] || { echo "run.sh: no target '$t'" >&2; exit 2; }
	# shellcheck disable=SC2086
	"$cc" $cflags $san -fsanitize=fuzzer -o "$work/fuzz_$t" "$fuzz/fuzz_$t.c" \
		"$work/libcore.a" $libs
done

# ---- run --------------------------------------------------------------------
artifacts="${TMPDIR:-/tmp}/pam_oauth2-fuzz-crashes"
passed=0
failed=0
n=0
for t in $targets; do
	n=$((n + 1))
	corpus="$work/corpus/$t"
	mkdir -p "$corpus" "$work/art/$t"
	[ -d "$fuzz/corpus/$t" ] && cp -R "$fuzz/corpus/$t/." "$corpus/"
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/art/$t/"
	case $t in
	config) set -- "$@" -dict="$fuzz/config.dict" ;;
	json | jscan | discovery | device | token) set -- "$@" -dict="$fuzz/json.dict" ;;
	esac
	[ -n "${FUZZ_JOBS:-}" ] && set -- "$@" -fork="$FUZZ_JOBS" -ignore_crashes=0
	log="$work/$t.log"
	if "$work/fuzz_$t" "$@" "$corpus" > "$log" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ -z "$runs" ]; then
		# -fork mode prints no final stats: take the last status line.
		runs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
		speed=$(sed -n 's/.*exec\/s: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	fi
	if [ "$rc" -eq 0 ] && [ -z "$(find "$work/art/$t" -type f)" ]; then
		passed=$((passed + 1))
		echo "ok $n - $t: ${runs:-?} runs in ${secs}s (${speed:-?} exec/s), corpus $(find "$corpus" -type f | wc -l) inputs"
	else
		failed=$((failed + 1))
		mkdir -p "$artifacts"
		cp "$log" "$artifacts/$t.log"
		cp "$work/art/$t/"* "$artifacts/" 2>/dev/null || true
		echo "not ok $n - $t: exit $rc after ${runs:-?} runs; log and reproducers in $artifacts"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/#   /'
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
