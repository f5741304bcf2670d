#!/bin/sh
# SPDX-License-Identifier: MIT
# check-igt-reap.sh HARNESS_REAP: a subtest that fails or skips with fds
# open gets them closed before the next subtest starts (gntbuf_test_reap.c),
# each one logged; the fd a passing subtest keeps stays open.  The binary's
# own status is IGT's for a failure (98); its last subtest must pass.
set -u
bin=$1
out=$("$bin" 2>&1)
rc=$?
fail=0
check() {
	if printf '%s\n' "$out" | grep -q "$1"; then
		echo "ok: $2"
	else
		echo "FAIL: $2 (no line matching '$1')" >&2
		fail=1
	fi
}
[ "$rc" -eq 98 ] && echo "ok: status 98" ||
	{ echo "FAIL: status $rc, expected 98" >&2; fail=1; }
check 'Subtest nothing-left: SUCCESS' "the subtest after them finds no fd left"
check 'subtest fail-leaving-fds did not succeed: closing fd .* (/dev/null)' \
	"the failed subtest's fds closed and logged"
check 'subtest skip-leaving-fd did not succeed: closing fd' \
	"the skipped subtest's fd closed"
n=$(printf '%s\n' "$out" | grep -c 'did not succeed: closing fd')
[ "$n" -eq 3 ] && echo "ok: 3 fds closed" ||
	{ echo "FAIL: $n fds closed, expected 3" >&2; fail=1; }
[ "$fail" -eq 0 ] || printf '%s\n' "$out" >&2
exit $fail
