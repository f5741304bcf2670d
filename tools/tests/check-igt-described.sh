#!/bin/sh
# SPDX-License-Identifier: MIT
# check-igt-described.sh BINARY...: every subtest of each IGT binary has an
# igt_describe() text and a dash-separated name (on the host: --describe
# and --list-subtests need no Xen).
set -u
fail=0
for bin in "$@"; do
	n=$("$bin" --list-subtests | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "FAIL: $bin lists no subtests" >&2
		fail=1
	fi
	if "$bin" --describe 2>&1 | grep -q 'NO DOCUMENTATION'; then
		echo "FAIL: $bin: subtests without igt_describe:" >&2
		"$bin" --describe 2>&1 | grep -B1 'NO DOCUMENTATION' >&2
		fail=1
	fi
	bad=$("$bin" --list-subtests | grep -v '^[a-z0-9][a-z0-9-]*$' || true)
	if [ -n "$bad" ]; then
		echo "FAIL: $bin: subtest names not dash-separated: $bad" >&2
		fail=1
	fi
	echo "ok: $bin: $n subtests, all described"
done
exit $fail
