#!/bin/sh
# SPDX-License-Identifier: MIT
# test-gntbuf-vm-arm64.sh GNTBUF_VM OUTDIR: the arm64 rig (Xen arm64 and
# Debian's arm64 kernel under qemu-system-aarch64) returns CMD's exit
# status, ends a panicking dom0 with 125 and its console saved, and a CMD
# that never ends with 124 at the timeout, after CMD had started.
set -u
vm=$1
out=$2
fail=0
rm -rf "$out"
mkdir -p "$out"

# run NAME ARGS...: gntbuf-vm --arch arm64 run --out OUT/NAME ARGS; sets
# rc, stdout in OUT/NAME.stdout, stderr in OUT/NAME.stderr.
run() {
	name=$1
	shift
	mkdir -p "$out/$name"
	start=$(date +%s)
	"$vm" --arch arm64 run --out "$out/$name" "$@" \
		>"$out/$name.stdout" 2>"$out/$name.stderr"
	rc=$?
	echo "$name: status $rc in $(($(date +%s) - start)) s"
}
bad() {
	echo "FAIL: $*" >&2
	sed 's/^/  stderr: /' "$out/$name.stderr" >&2
	fail=1
}

# CMD's own status, and its output on our stdout, from an arm64 userland.
run status --timeout 240 -- sh -c 'uname -m; exit 5'
[ "$rc" -eq 5 ] || bad "sh -c 'exit 5': status $rc, expected 5"
grep -qx aarch64 "$out/status.stdout" ||
	bad "CMD's output has no 'aarch64' line: $(cat "$out/status.stdout")"

# A dom0 panic: 125, the panic and its trace in the saved console.
run panic --timeout 240 -- sh -c 'echo c >/proc/sysrq-trigger; sleep 60'
[ "$rc" -eq 125 ] || bad "sysrq crash: status $rc, expected 125"
grep -q "guest crashed: .*sysrq triggered crash" "$out/panic.stderr" ||
	bad "sysrq crash: no 'guest crashed' message naming it"
grep -q "Call trace:" "$out/panic/console.log" ||
	bad "sysrq crash: no call trace in $out/panic/console.log"

# A CMD that never ends: 124 once it had started and the timeout passed.
run timeout --timeout 60 -- sh -c 'echo started; sleep 100000'
[ "$rc" -eq 124 ] || bad "sleep: status $rc, expected 124"
grep -qx started "$out/timeout.stdout" ||
	bad "sleep: CMD never started within the 60 s (boot too slow?)"
grep -qi "timeout" "$out/timeout.stderr" ||
	bad "sleep: no timeout message"
exit $fail
