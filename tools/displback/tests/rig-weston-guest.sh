#!/bin/sh
# SPDX-License-Identifier: MIT
# A compositor inside the guest (gntbuf-vm run --domu --kmod xen-gntbuf.ko):
# Debian's weston 10 runs in a PVH domU on Linux's PV display frontend
# (xen_drm_front), DRM backend, pixman renderer, desktop-shell on a
# background of a known colour (weston-guest.ini), and shows Debian's
# weston-simple-shm (weston-guest-domu.sh).  The domU has two vdispl
# devices, be-alloc=0 (weston's dumb buffers are the guest's pages, which
# it grants) and be-alloc=1 (buffers dom0 allocated and granted), each
# with a weston of its own.  Their frames reach gntbuf-displback (capture
# sink, xen-gntbuf dma-bufs) in dom0.  PVH, not PV: in a PV guest Linux's
# frontend cannot mmap be-alloc buffers (see rig-display.sh), and weston's
# pixman renderer draws into its dumb buffers through mmap.
#
#  pixels   the last frame of each device, once the clients are stopped
#           and weston flips no more, is weston's desktop: the background
#           colour everywhere but one 250x250 window that holds
#           weston-simple-shm's picture, every pixel of it exact
#           (displback-check simple-shm: its white border and its
#           pattern at the time of that frame); so are the two frames
#           before it
#  summary  per device: 0 bytes copied, 0 grant maps per frame after the
#           first; the buffers frontend- resp. backend-allocated
#
#   rig-weston-guest.sh BUILD_DIR
# Results and logs in $GNTBUF_OUT/weston-guest/.  Exit 0 when every check
# passes.
set -u
build=$1
bin=$build/tools/displback
out=$GNTBUF_OUT/weston-guest
frames=$out/frames
rm -rf "$out"	# no PNG of an earlier run may pass a check
mkdir -p "$frames"
log=$out/displback.log
fails=0
RUN_S=6		# seconds weston-simple-shm draws before it is stopped
BG=336699	# weston-guest.ini's background-color
. "$(dirname "$0")/rig-lib.sh"

"$bin/gntbuf-displback" --sink capture --out "$frames" --provider gntbuf \
	--max-captures 2000 -v >"$out/summary.txt" 2>"$log" &
pid=$!

phase "wg: xl create (PVH, vdispl be-alloc=0 and be-alloc=1)"
gntbuf-vm domu-start wg --pvh --extra-cpio "$bin/weston-domu.cpio" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:640x480", "backend=0,be-alloc=1,connectors=0:640x480" ]' \
	--cmd "sh /weston-guest-domu.sh wg $RUN_S" || fail "xl create wg"
con=$out/wg-console.log
if gntbuf-vm domu-wait wg 'wg: clients stopped' --timeout 400; then
	phase "wg: clients stopped"
else
	fail "wg: weston and its clients did not run"
fi
# Weston flips no more once its client is stopped: wait until no frame
# came for 3 s.
nframes() { ls "$frames" | wc -l; }
last=-1
stable=0
while [ $stable -lt 3 ]; do
	n=$(nframes)
	[ "$n" = "$last" ] && stable=$((stable + 1)) || stable=0
	last=$n
	sleep 1
done
phase "frames settled: $last"
cp "$GNTBUF_OUT/xen-console/guest-wg.log" "$con" 2>/dev/null
grep '^wg: ' "$con"
kill -TERM $pid
wait $pid || fail "backend exit status"
phase "backend stopped"
cat "$out/summary.txt"

d=$(grep -o 'dom[0-9]* dev0: new device' "$log" | head -1 | sed 's/dom\([0-9]*\).*/\1/')
for dev in 0 1; do
	alloc=frontend-allocated
	[ $dev = 1 ] && alloc=backend-allocated
	# The last three frames of the device (the name sorts by number).
	shots=$(ls "$frames" | grep "^dom$d-dev$dev-" | tail -3 | sed "s|^|$frames/|")
	# shellcheck disable=SC2086
	if [ "$(echo "$shots" | wc -w)" -eq 3 ] &&
	   "$bin/displback-check" simple-shm $BG $shots >"$out/checks-dev$dev.txt" 2>&1; then
		pass "pixels, be-alloc=$dev: weston's desktop ($BG) with weston-simple-shm's window, exact, in the last 3 frames: $(tail -1 "$out/checks-dev$dev.txt" | sed 's|.*/||')"
	else
		fail "pixels, be-alloc=$dev: $(echo "$shots" | wc -w) frames; $(head -5 "$out/checks-dev$dev.txt" 2>/dev/null)"
	fi
	line=$(grep "summary: dom$d dev$dev conn0" "$out/summary.txt" | tail -1)
	case "$line" in
	*"bytes copied 0,"*"later 0.00 "*)
		if grep -q "info dom$d dev$dev conn0: DBUF_CREATE .*$alloc" "$log" &&
		   ! grep "info dom$d dev$dev conn0: DBUF_CREATE" "$log" | grep -vq "$alloc"; then
			pass "summary, be-alloc=$dev ($alloc buffers): ${line#*summary: }"
		else
			fail "be-alloc=$dev: not every buffer was $alloc"
		fi ;;
	*) fail "summary, be-alloc=$dev: ${line:-none}" ;;
	esac
done
phase "weston-guest: $fails failure(s)"
[ $fails -eq 0 ]
