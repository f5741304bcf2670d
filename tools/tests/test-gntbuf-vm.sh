#!/bin/sh
# SPDX-License-Identifier: MIT
# test-gntbuf-vm.sh GNTBUF_VM HARNESS: the rig returns the guest command's
# exit status, IGT's statuses included, stops a guest that never ends, and
# refuses a wrong command line (status 2, one line naming it) before it
# boots anything.
set -u
vm=$1
harness=$2
fail=0
expect() {
	want=$1
	shift
	"$vm" run "$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: gntbuf-vm run $*: status $got, expected $want" >&2
		fail=1
	else
		echo "ok: gntbuf-vm run $* -> $got"
	fi
}
expect 0 -- true
expect 1 -- false
expect 7 -- sh -c 'exit 7'
expect 98 -- "$harness" --run-subtest always-fail
expect 77 -- "$harness" --run-subtest always-skip
expect 0 -- "$harness" --run-subtest always-pass
# A guest that never powers off: stopped at the timeout, with a message.
msg=$("$vm" run --timeout 20 -- sleep 100000 2>&1 >/dev/null)
got=$?
if [ "$got" -eq 0 ] || ! echo "$msg" | grep -qi timeout; then
	echo "FAIL: timeout run: status $got, stderr: $msg" >&2
	fail=1
else
	echo "ok: gntbuf-vm run --timeout 20 -- sleep 100000 -> $got ($msg)"
fi
# Wrong command lines: --domu-cpio without --pvh-domu (only a PVH domU
# takes the archive), and an archive that does not exist.
refused() {
	want=$1
	shift
	msg=$("$vm" run "$@" 2>&1 >/dev/null)
	got=$?
	if [ "$got" -ne 2 ] || ! echo "$msg" | grep -q -- "$want"; then
		echo "FAIL: gntbuf-vm run $*: status $got, stderr: $msg" >&2
		fail=1
	else
		echo "ok: gntbuf-vm run $* -> 2 ($msg)"
	fi
}
refused "goes with --pvh-domu" --domu-cpio "$0" -- true
refused "no such file" --pvh-domu --domu-cpio /nonexistent.cpio -- true
exit $fail
