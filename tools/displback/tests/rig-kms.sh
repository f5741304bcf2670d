#!/bin/sh
# SPDX-License-Identifier: MIT
# The kms sink in the rig's dom0 (gntbuf-vm run --domu --vkms --kmod
# xen-gntbuf.ko): Linux's PV DRM frontend in a PV domU flips N frames of
# displfront-flip; gntbuf-displback --sink kms imports each frontend buffer
# into vkms with PRIME (the xen-gntbuf dma-buf), scans it out with atomic
# commits, and turns vkms's page-flip events into XENDISPL_EVT_PG_FLIP.
# With --writeback, every frame's commit also carries vkms's writeback
# connector (WRITEBACK_FB_ID + WRITEBACK_OUT_FENCE_PTR): what vkms scanned
# out of the imported dma-buf is read back and must equal, pixel for pixel,
# the same frame read from the dma-buf through begin/end CPU access, and be
# the frame displfront-flip drew (its known pattern).
#
# BE_ALLOC (default 0) is the vdispl be-alloc: 1 has the backend allocate
# the buffers (the module's ALLOC) and grant them to the domU.
#
#   rig-kms.sh BUILD_DIR [BE_ALLOC]
set -u
build=$1
be_alloc=${2:-0}
bin=$build/tools/displback
out=$GNTBUF_OUT/kms
log=$out/displback.log
frames=$out/frames
rm -rf "$out"	# no PNG of an earlier run may pass a check
mkdir -p "$frames"
fails=0
N=12
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$bin/gntbuf-displback" --sink kms --writeback --out "$frames" --provider gntbuf -v \
	>"$out/summary.txt" 2>"$log" &
pid=$!
gntbuf-vm domu-start k1 --memory 256 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg "vdispl = [ \"backend=0,be-alloc=$be_alloc,connectors=0:800x600\" ]" \
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

# Frame k of displfront-flip is the backend's frame 1 + k (SET_CONFIG is 1).
d=$(grep -o 'dom[0-9]* dev0: new device' "$log" | head -1 | sed 's/dom\([0-9]*\).*/\1/')
nwb=$(ls "$frames" | grep -c -- '-wb\.png$')
# One displback-check run per kind of check (a process start is dear
# under TCG): the pairs, then the pattern.
pairs=
frm=
k=0
while [ $k -lt $N ]; do
	f=$(printf '%s/dom%s-dev0-conn0-frame%06d' "$frames" "$d" $((1 + k)))
	pairs="$pairs $f.png $f-wb.png"
	frm="$frm $f-wb.png $k"
	k=$((k + 1))
done
# shellcheck disable=SC2086
"$bin/displback-check" same $pairs >"$out/checks.txt" 2>&1
# shellcheck disable=SC2086
"$bin/displback-check" frame $frm >>"$out/checks.txt" 2>&1
same=$(grep -c ': 0 of [0-9]* pixels differ' "$out/checks.txt")
pat=$(grep -c ': is frame ' "$out/checks.txt")
bad=$((2 * N - same - pat))
if [ -n "$d" ] && [ "$nwb" -eq $N ] && [ $bad -eq 0 ]; then
	pass "writeback: $N frames read back through vkms's writeback connector, each equal to the dma-buf's frame and the pattern drawn for it"
else
	fail "writeback: $nwb of $N read back, $bad differ (see checks.txt)"
fi
if [ "$be_alloc" = 1 ]; then
	if [ -n "$d" ] && grep -q "dom$d .*backend-allocated" "$log"; then
		pass "be-alloc: the frames came through backend-allocated buffers"
	else
		fail "be-alloc: no backend-allocated buffer in the log"
	fi
fi
echo "kms: $fails failure(s)"
[ $fails -eq 0 ]
