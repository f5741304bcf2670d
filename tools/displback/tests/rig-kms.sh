#!/bin/sh
# SPDX-License-Identifier: MIT
# The kms sink in the rig's dom0 (gntbuf-vm run --domu --vkms --kmod
# xen-gntbuf.ko): Linux's PV DRM frontend in a PV domU flips N frames of
# displfront-flip; gntbuf-displback --sink kms imports each frontend buffer
# into vkms with PRIME (the xen-gntbuf dma-buf), scans it out with atomic
# commits, and turns vkms's page-flip events into XENDISPL_EVT_PG_FLIP.
#
#   rig-kms.sh BUILD_DIR
set -u
build=$1
bin=$build/tools/displback
out=$GNTBUF_OUT/kms
log=$out/displback.log
mkdir -p "$out"
fails=0
N=20
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$bin/gntbuf-displback" --sink kms --provider gntbuf -v \
	>"$out/summary.txt" 2>"$log" &
pid=$!
sleep 0.5
gntbuf-vm domu-start k1 --memory 384 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:800x600" ]' \
	--cmd "/displfront-flip -n $N; echo \"k1: displfront-flip exit \$?\"" ||
	fail "xl create k1"
gntbuf-vm domu-wait k1 '@@DOMU-EXIT' --timeout 400 >/dev/null || fail "k1 did not finish"
cp "$GNTBUF_OUT/xen-console/guest-k1.log" "$out/k1-console.log" 2>/dev/null
kill -TERM $pid
wait $pid || fail "backend exit status"
cat "$out/summary.txt"
grep -E 'kms:|exit:' "$log"
if grep -q "displfront: frames $N flips $((N - 1)) events $((N - 1))" "$out/k1-console.log"; then
	pass "kms: $((N - 1)) flips, $((N - 1)) flip events from vkms's page-flip events"
else
	fail "kms: flip events missing ($(grep displfront "$out/k1-console.log" | tail -2))"
fi
line=$(grep 'summary: dom' "$out/summary.txt" | tail -1)
case "$line" in
*"frames received $N "*"bytes copied 0,"*"later 0.00 "*) pass "kms summary: $line" ;;
*) fail "kms summary: $line" ;;
esac
grep -q 'PRIME import.*copying' "$log" && fail "kms: fell back to copying"
echo "kms: $fails failure(s)"
[ $fails -eq 0 ]
