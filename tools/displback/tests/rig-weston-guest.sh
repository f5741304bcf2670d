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
#  pixels   each device's frames, from the first that shows weston's
#           desktop to the last (the client stopped, weston ended): the
#           background colour everywhere but one 250x250 window that
#           holds weston-simple-shm's picture, every pixel of it exact
#           (displback-check simple-shm: its white border and its
#           pattern at the time of that frame), two client frames at
#           least
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
gntbuf-vm domu-start wg --pvh --memory 192 --extra-cpio "$bin/weston-domu.cpio" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:640x480", "backend=0,be-alloc=1,connectors=0:640x480" ]' \
	--cmd "sh /weston-guest-domu.sh wg $RUN_S" || fail "xl create wg"
phase "wg: created"
con=$GNTBUF_OUT/xen-console/guest-wg.log
if wait_console "$con" 'wg: clients stopped' 400; then
	phase "wg: clients stopped"
else
	fail "wg: weston and its clients did not run"
fi
cp "$con" "$out/wg-console.log"
grep '^wg: ' "$con"
# Weston ended on each device after its last frame: stop the backend (it
# ends the request at hand, a capture included, then prints its summary).
kill -TERM $pid
wait $pid || fail "backend exit status"
phase "backend stopped"
cat "$out/summary.txt"

# Every frame of both devices, in one displback-check run (a process
# start is dear under TCG).  A device's first frames are weston starting
# (black, then the client's window on black before desktop-shell's
# background is drawn); from the first frame that is the desktop with the
# window on, every frame must be, pixel for pixel; the last one too, and
# at least two of them at different times of the client's animation.
d=$(sed -n 's/.*dom\([0-9]*\) dev0: new device.*/\1/p' "$log" | head -1)
# shellcheck disable=SC2086
"$bin/displback-check" simple-shm $BG "$frames/dom$d-dev0-"*.png \
	"$frames/dom$d-dev1-"*.png >"$out/checks.txt" 2>&1
for dev in 0 1; do
	alloc=frontend-allocated
	[ $dev = 1 ] && alloc=backend-allocated
	set -- "$frames/dom$d-dev$dev-"*.png
	# frames, frames from the first desktop one, bad ones after it,
	# distinct client times, whether the last is good
	r=$(awk -v files="$*" '
		BEGIN { n = split(files, f, " ") }
		/^MISMATCH / { next }
		/ 0 of 62500 pixels differ$/ {
			p = substr($0, 1, index($0, ": ") - 1)
			ok[p] = 1
			match($0, /t = [0-9]+/)
			t[p] = substr($0, RSTART + 4, RLENGTH - 4)
		}
		END {
			for (i = 1; i <= n; i++) {
				if (ok[f[i]]) {
					if (!first) first = i
					if (!(t[f[i]] in seen)) { seen[t[f[i]]] = 1; times++ }
				} else if (first)
					bad++
			}
			printf "%d %d %d %d %d\n", n, first ? n - first + 1 : 0,
				bad, times, ok[f[n]] ? 1 : 0
		}' "$out/checks.txt")
	# shellcheck disable=SC2086
	set -- $r "$@"
	n=$1 good=$2 bad=$3 times=$4 lastok=$5
	shift 5
	for lastf; do :; done
	if [ "$good" -ge 2 ] && [ "$bad" -eq 0 ] && [ "$times" -ge 2 ] && [ "$lastok" -eq 1 ]; then
		pass "pixels, be-alloc=$dev: the last $good of $n frames are weston's desktop ($BG) with weston-simple-shm's window, every pixel, $times client frames; the last: $(grep "^$lastf: " "$out/checks.txt" | sed 's|.*/||')"
	else
		fail "pixels, be-alloc=$dev: $n frames, $good from the first desktop one, $bad bad after it, $times client times, last good: $lastok (checks.txt)"
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
