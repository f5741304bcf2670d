#!/bin/sh
# SPDX-License-Identifier: MIT
# check-igt-statuses.sh HARNESS: the packaged libigt gives IGT's exit
# statuses on the host: 0 for success, 77 for skip, 98 for failure and 79
# for an unknown subtest name.
set -u
harness=$1
fail=0
expect() {
	want=$1
	shift
	"$harness" "$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $harness $*: status $got, expected $want" >&2
		fail=1
	else
		echo "ok: $harness $* -> $got"
	fi
}
expect 0 --run-subtest always-pass
expect 77 --run-subtest always-skip
expect 98 --run-subtest always-fail
expect 79 --run-subtest no-such-subtest
exit $fail
