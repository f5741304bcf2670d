#!/bin/sh
# SPDX-License-Identifier: MIT
# check-igt-core.sh HARNESS HARNESS_CORE EXPORT EXPORT_CORE
# gntbuf's builtin IGT core (igt-tests/igt-core, linked by the arm64 cross
# build) behaves as the packaged libigt 1.27.1 does, on the same sources
# built twice (gntbuf_harness, gntbuf_export): the same --list-subtests and
# --describe output, and for each way of choosing subtests tried below the
# same exit status (0/77/98/79), the same stdout lines (subtest times, the
# IGT-Version line and libigt's stack traces left out) and the same
# CRITICAL/failure lines on stderr (process ids left out).
set -u
h_igt=$1 h_core=$2 e_igt=$3 e_core=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# libigt wraps --describe's texts (the test's and each subtest's) near 90
# columns, the builtin core does not: with join=1 (the --describe runs) the
# lines of a text are joined before comparing.
join=0
norm_out() {
	grep -v -e '^IGT-Version: ' -e '^Stack trace:' -e '^  #[0-9]' "$1" |
		sed 's/ ([0-9]*\.[0-9]*s)$/ (T)/' |
		awk -v join=$join '
		join && $0 != "" && $0 !~ /^SUB / && prev != "" && prev !~ /^SUB / {
			l = $0; sub(/^  /, "", l); out = out " " l; prev = $0; next }
		{ if (NR > 1) print out; out = $0; prev = $0 }
		END { if (NR) print out }'
}
norm_err() {
	grep -v -e 'igt_core-INFO' -e '^Stack trace:' -e '^  #[0-9]' "$1" |
		sed -e 's/^([^:]*:[0-9]*)/(PROG:PID)/' \
		    -e 's/^Subtest \(.*\) failed\.$/Subtest \1 failed./'
}

# compare NAME IGT_BIN CORE_BIN ARGS...
compare() {
	name=$1 a=$2 b=$3
	shift 3
	"$a" "$@" >"$tmp/a.out" 2>"$tmp/a.err"
	ra=$?
	"$b" "$@" >"$tmp/b.out" 2>"$tmp/b.err"
	rb=$?
	ok=1
	if [ "$ra" -ne "$rb" ]; then
		echo "FAIL: $name $*: libigt exits $ra, the builtin core $rb" >&2
		ok=0
	fi
	norm_out "$tmp/a.out" >"$tmp/a.nout"
	norm_out "$tmp/b.out" >"$tmp/b.nout"
	if ! diff -u "$tmp/a.nout" "$tmp/b.nout" >"$tmp/diff"; then
		echo "FAIL: $name $*: stdout differs (- libigt, + builtin):" >&2
		cat "$tmp/diff" >&2
		ok=0
	fi
	norm_err "$tmp/a.err" >"$tmp/a.nerr"
	norm_err "$tmp/b.err" >"$tmp/b.nerr"
	if ! diff -u "$tmp/a.nerr" "$tmp/b.nerr" >"$tmp/diff"; then
		echo "FAIL: $name $*: stderr differs (- libigt, + builtin):" >&2
		cat "$tmp/diff" >&2
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		echo "ok: $name $*: status $ra, $(wc -l <"$tmp/a.nout") stdout lines alike"
	else
		fail=1
	fi
}

# expect_status WANT BIN ARGS...: the builtin core's status, stated outright
# (so that a libigt that changed would not carry the core along with it).
expect_status() {
	want=$1 bin=$2
	shift 2
	"$bin" "$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $bin $*: status $got, expected $want" >&2
		fail=1
	fi
}

compare harness "$h_igt" "$h_core" --list-subtests
join=1
compare harness "$h_igt" "$h_core" --describe
compare harness "$h_igt" "$h_core" --describe=always-p*
compare export "$e_igt" "$e_core" --describe
join=0
compare harness "$h_igt" "$h_core"
compare harness "$h_igt" "$h_core" --run-subtest always-pass
compare harness "$h_igt" "$h_core" --run-subtest always-skip
compare harness "$h_igt" "$h_core" --run-subtest always-fail
compare harness "$h_igt" "$h_core" --run-subtest no-such-subtest
compare harness "$h_igt" "$h_core" --run-subtest 'always-*,!always-fail'
compare harness "$h_igt" "$h_core" --run-subtest 'always-s*'
compare harness "$h_igt" "$h_core" --run-subtest always-skip,always-pass
compare export "$e_igt" "$e_core" --list-subtests
compare export "$e_igt" "$e_core" --run-subtest no-such-subtest
expect_status 0 "$h_core" --run-subtest always-pass
expect_status 77 "$h_core" --run-subtest always-skip
expect_status 98 "$h_core" --run-subtest always-fail
expect_status 79 "$h_core" --run-subtest no-such-subtest
expect_status 98 "$h_core"
expect_status 0 "$e_core" --list-subtests
n=$("$e_core" --list-subtests | wc -l)
if [ "$n" -lt 10 ]; then
	echo "FAIL: $e_core lists $n subtests" >&2
	fail=1
fi
exit $fail
