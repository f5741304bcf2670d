#!/bin/sh
# SPDX-License-Identifier: MIT
# The wayland sink in the rig's dom0 (gntbuf-vm run --domu --vkms --kmod
# xen-gntbuf.ko): Debian's weston 10 runs in dom0 on vkms (card1) with its
# DRM backend, started as root without logind: weston's direct launcher
# (root, --tty=1), its socket in a private XDG_RUNTIME_DIR, desktop-shell
# as rig-weston.ini sets it up.  gntbuf-displback --sink wayland
# --fullscreen is its client: the PV domU's connector (1024x768, the size
# of vkms's output, so the window is not scaled) is a fullscreen
# xdg_toplevel.  In the domU, Linux's xen_drm_front serves displfront-flip,
# which flips N frames of its known pattern and holds the last one.
#
# Weston runs with its pixman renderer: with the GL renderer (Mesa's
# kms_swrast on vkms) weston accepts the dma-buf import (zwp_linux_dmabuf_v1
# v3, implicit modifier) and then segfaults drawing it (measured,
# 2026-12-03: "weston: segfault at 1004", row 1 of a NULL mapping: vkms
# refuses DRM_IOCTL_MODE_MAP_DUMB on an imported buffer and kms_swrast does
# not check).  The pixman renderer offers no zwp_linux_dmabuf_v1, so the
# frames take the sink's counted wl_shm copy: the zero-copy path cannot be
# shown in weston on this rig; its import is checked by hand (README).
#
#  pixels   kms-grab reads what vkms scans out (weston's output, the
#           framebuffer on the CRTC: dom0's screen) once the backend has
#           answered N-1 flips: it is frame N-1 of the pattern, at full
#           size.  (weston-screenshooter, allowed by weston --debug, gives
#           an all-zero image with the pixman renderer and an all-red one
#           with the GL renderer on llvmpipe: not used.)
#  summary  every frame through wl_shm, each copy counted (bytes copied =
#           frames x 1024 x 768 x 4), shown by weston (presentation
#           feedback), releases waited for, no flip answered on the timeout
#  hostile  the domU flips again (M frames) and weston is killed in the
#           middle: the backend logs the lost compositor, answers every
#           flip (the domU gets all its events), keeps running and exits
#           0 on SIGTERM
#
#   rig-wayland.sh BUILD_DIR
# Results and logs in $GNTBUF_OUT/wayland/.  Exit 0 when every check passes.
set -u
build=$1
bin=$build/tools/displback
out=$GNTBUF_OUT/wayland
rm -rf "$out"	# no screenshot of an earlier run may pass a check
mkdir -p "$out"
log=$out/displback.log
fails=0
N=6
M=12
HOLD=60
. "$(dirname "$0")/rig-lib.sh"

export XDG_RUNTIME_DIR=/tmp/xdg-runtime
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
phase "weston on card1 (vkms)"
weston --backend=drm-backend.so --drm-device=card1 \
	--config="$(dirname "$0")/rig-weston.ini" \
	--continue-without-input --tty=1 --idle-time=0 --debug --use-pixman \
	--socket=wayland-0 --log="$out/weston.log" >"$out/weston.out" 2>&1 &
wpid=$!
if ! poll_until 180 test -S "$XDG_RUNTIME_DIR/wayland-0"; then
	fail "weston did not start (weston.log:)"
	tail -20 "$out/weston.log"
	exit 1
fi
phase "weston up"
grep -iE 'renderer|EGL_EXT_image_dma_buf|DRM: head|Output' "$out/weston.log" | head -12

"$bin/gntbuf-displback" --sink wayland --fullscreen --wayland-timeout 20000 \
	--max-pending-flips 9 --provider gntbuf -v >"$out/summary.txt" 2>"$log" &
pid=$!
# Two runs in one connection: N frames, the last held HOLD s for the
# screenshot, then M frames during which weston dies.  Linux's frontend
# sends its client the flip event itself after 100 ms (xen_drm_front's
# FRAME_DONE_TO_MS) and flips on: weston under TCG takes longer, so the
# backend queues the flips (--max-pending-flips 9), and the screenshot
# waits until it has answered N-1 of them.
gntbuf-vm domu-start w1 --memory 256 \
	--extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:1024x768" ]' \
	--cmd "/displfront-flip -n $N -t 30000 -s $HOLD; echo \"w1: run1 exit \$?\"; /displfront-flip -n $M -t 30000; echo \"w1: run2 exit \$?\"" ||
	fail "xl create w1"
flips_done() { [ "$(grep -c 'debug.*flip to fb .* done in' "$log")" -ge $((N - 1)) ]; }
if gntbuf-vm domu-wait w1 'displfront: frames' --timeout 600 >/dev/null &&
   poll_until $((HOLD - 15)) flips_done; then
	phase "weston showed $N frames: reading vkms's scanout"
	sleep 2	# weston's repaint after the last presentation
	shot=$out/screen.png
	"$bin/kms-grab" /dev/dri/card1 "$shot" >"$out/kms-grab.txt" 2>&1 ||
		{ fail "kms-grab: $(cat "$out/kms-grab.txt")"; shot=; }
	phase "screen ${shot:-missing}"
else
	fail "w1 did not flip $N frames, or weston did not show them in time"
	shot=
fi
size=$(python3 -c 'import struct, sys; print("%dx%d" % struct.unpack(">II", open(sys.argv[1], "rb").read(24)[16:24]))' "$shot" 2>/dev/null)
if [ -n "$shot" ] && [ "$size" = 1024x768 ] &&
   "$bin/displback-check" frame "$shot" $((N - 1)) >"$out/checks.txt" 2>&1; then
	pass "pixels: weston's output as vkms scans it out (1024x768) is frame $((N - 1)) of the pattern"
else
	fail "pixels: ${shot:-no screenshot} ${size:-} $(head -5 "$out/checks.txt" 2>/dev/null)"
fi

# Hostile: weston killed while the second run flips.
if gntbuf-vm domu-wait w1 'run1 exit' --timeout 120 >/dev/null; then
	sleep 3
	phase "killing weston during the second run"
	kill -KILL $wpid
	wait $wpid 2>/dev/null
else
	fail "w1: the first run did not end"
fi
gntbuf-vm domu-wait w1 '@@DOMU-EXIT' --timeout 400 >/dev/null || fail "w1 did not finish"
cp "$GNTBUF_OUT/xen-console/guest-w1.log" "$out/w1-console.log" 2>/dev/null
phase "domU done"
if kill -0 $pid 2>/dev/null; then
	pass "hostile: the backend still runs after weston died"
else
	fail "hostile: the backend died with weston"
fi
kill -TERM $pid
wait $pid || fail "backend exit status"
cat "$out/summary.txt"
grep -E 'wayland|exit:' "$log" | grep -v debug | head -20

if grep -q "displfront: frames $N flips $((N - 1)) events $((N - 1))" "$out/w1-console.log" &&
   grep -q 'run1 exit 0' "$out/w1-console.log"; then
	pass "flips: the domU got $((N - 1)) flip events"
else
	fail "flips: $(grep displfront "$out/w1-console.log" | head -3)"
fi
if grep -q "displfront: frames $M flips $((M - 1)) events $((M - 1))" "$out/w1-console.log" &&
   grep -q 'run2 exit 0' "$out/w1-console.log" &&
   grep -q 'wayland: the compositor connection' "$log"; then
	pass "hostile: weston killed mid-stream, all $((M - 1)) flips of the second run answered"
else
	fail "hostile: $(grep -E 'displfront: frames|run2' "$out/w1-console.log" | tail -2) / $(grep 'compositor' "$log" | head -2)"
fi
line=$(grep 'summary: dom' "$out/summary.txt" | tail -1)
# Over both runs: SET_CONFIG + N-1 flips, SET_CONFIG + M-1 flips.
case "$line" in
*"frames received $((N + M)) "*"dma-buf 0, wl_shm "*"flips answered on timeout 0"*)
	pass "summary: $line" ;;
*) fail "summary: $line" ;;
esac
num() { echo "$line" | sed -n "s/.*$1 \\([0-9]*\\).*/\\1/p"; }
shown=$(num 'frames shown')
waited=$(num 'releases waited for')
shm=$(num 'wl_shm')
copied=$(num 'bytes copied')
# The first run's frames all reach weston; the second's until it dies.
# Shown: N-1, the SET_CONFIG's commit is superseded by the first flip's.
if [ "${shown:-0}" -ge $((N - 1)) ] && [ "${shm:-0}" -ge "$N" ] &&
   [ "${copied:-0}" -eq $((${shm:-0} * 1024 * 768 * 4)) ] &&
   [ "${waited:-0}" -ge $((N - 2)) ]; then
	pass "summary: $shown frames shown, $shm copied through wl_shm ($copied bytes, counted), $waited releases waited for"
else
	fail "summary: shown ${shown:-?}, wl_shm ${shm:-?}, bytes copied ${copied:-?}, releases waited for ${waited:-?}"
fi
grep -q 'no zwp_linux_dmabuf_v1' "$log" ||
	fail "wayland: the copy path was not logged as the pixman renderer's"
phase "wayland: $fails failure(s)"
[ $fails -eq 0 ]
