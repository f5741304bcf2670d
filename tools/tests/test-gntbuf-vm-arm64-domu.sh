#!/bin/sh
# SPDX-License-Identifier: MIT
# test-gntbuf-vm-arm64-domu.sh GNTBUF_VM OUTDIR: in the arm64 rig with
# --domu, dom0's arm64 Xen toolstack (xenstored, xenconsoled, xl) boots an
# arm64 domU from the rig's domU kernel and initramfs ($GNTBUF_DOMU_KERNEL,
# $GNTBUF_DOMU_INITRD): its console (logged by xenconsoled) reaches
# @@DOMU-READY@@ with the Xen modules loaded, xl lists it, xl destroys it.
set -u
vm=$1 out=$2
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
"$vm" --arch arm64 run --domu --timeout 240 --out "$out" -- sh -c '
	xl=/usr/lib/xen-4.17/bin/xl
	log=$GNTBUF_OUT/xen-console/guest-peer.log
	printf "%s\n" "name = \"peer\"" "kernel = \"$GNTBUF_DOMU_KERNEL\"" \
		"ramdisk = \"$GNTBUF_DOMU_INITRD\"" "extra = \"console=hvc0\"" \
		"memory = 256" "vcpus = 1" >/tmp/peer.cfg
	t0=$(date +%s)
	$xl create /tmp/peer.cfg || { echo "xl create failed"; exit 10; }
	echo "xl create: $(($(date +%s) - t0)) s"
	i=0
	until grep -q "@@DOMU-READY@@" "$log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "no @@DOMU-READY@@ in 150 s"; exit 11; }
		sleep 0.5
	done
	echo "domU ready: $(($(date +%s) - t0)) s after xl create started"
	$xl list | grep "^peer " || { echo "xl list has no peer"; exit 12; }
	$xl destroy peer || { echo "xl destroy failed"; exit 13; }
	$xl list | grep -q "^peer " && { echo "peer still listed"; exit 14; }
	echo domu-ok' >"$out/stdout" 2>"$out/stderr"
rc=$?
echo "gntbuf-vm --arch arm64 run --domu: status $rc in $(($(date +%s) - start)) s"
cat "$out/stdout"
fail=0
[ $rc -eq 0 ] || { echo "FAIL: status $rc, expected 0" >&2; fail=1; }
grep -qx domu-ok "$out/stdout" || { echo "FAIL: no domu-ok" >&2; fail=1; }
log=$out/xen-console/guest-peer.log
# The domU is an arm64 Xen guest and loaded the rig's Xen modules.
grep -q "Machine model: XENVM" "$log" ||
	{ echo "FAIL: $log has no 'Machine model: XENVM'" >&2; fail=1; }
grep -q "modprobe .* failed" "$log" &&
	{ echo "FAIL: a module failed in the domU:" >&2; grep "failed" "$log" >&2; fail=1; }
[ $fail -eq 0 ] || sed 's/^/  stderr: /' "$out/stderr" >&2
exit $fail
