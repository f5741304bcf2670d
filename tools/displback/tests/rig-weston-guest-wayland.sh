#!/bin/sh
# SPDX-License-Identifier: MIT
# Weston at both ends (gntbuf-vm run --domu --vkms --kmod xen-gntbuf.ko):
# the guest's weston desktop in a window of dom0's weston.  Dom0 runs
# Debian's weston 10 on vkms (card1) as rig-wayland.sh does, and
# gntbuf-displback --sink wayland --fullscreen as its client; a PV domU
# with one vdispl device (be-alloc=0, 1024x768: vkms's output size, so the
# window is not scaled) runs weston 10 on xen_drm_front with
# weston-simple-shm (weston-guest-domu.sh), stops the client and holds
# the picture.
#
#  pixels   kms-grab reads what vkms scans out (dom0's screen): it is the
#           guest's desktop, the guest weston's background colour
#           everywhere but one 250x250 window holding weston-simple-shm's
#           picture, every pixel (displback-check simple-shm)
#  summary  the frames took the sink's counted wl_shm copy (dom0's weston
#           runs the pixman renderer, which has no zwp_linux_dmabuf_v1:
#           see rig-wayland.sh), every byte counted
#
#   rig-weston-guest-wayland.sh BUILD_DIR
# Results and logs in $GNTBUF_OUT/weston-guest-wayland/.  Exit 0 when
# every check passes.
set -u
build=$1
bin=$build/tools/displback
out=$GNTBUF_OUT/weston-guest-wayland
rm -rf "$out"	# no screenshot of an earlier run may pass a check
mkdir -p "$out"
log=$out/displback.log
fails=0
RUN_S=6		# seconds weston-simple-shm draws before it is stopped
HOLD_S=120	# seconds the guest's weston then holds its picture
BG=336699	# weston-guest.ini's background-color
here=$(dirname "$(readlink -f "$0")")
. "$here/rig-lib.sh"

export XDG_RUNTIME_DIR=/tmp/xdg-runtime
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
phase "dom0's weston on card1 (vkms)"
weston --backend=drm-backend.so --drm-device=card1 \
	--config="$here/rig-weston.ini" \
	--continue-without-input --tty=1 --idle-time=0 --use-pixman \
	--socket=wayland-0 --log="$out/weston.log" >"$out/weston.out" 2>&1 &
wpid=$!
up() { test -S "$XDG_RUNTIME_DIR/wayland-0" || ! kill -0 $wpid 2>/dev/null; }
if ! poll_until 180 up || ! kill -0 $wpid 2>/dev/null; then
	fail "dom0's weston did not start"
	tail -20 "$out/weston.log"
	exit 1
fi
"$bin/gntbuf-displback" --sink wayland --fullscreen --wayland-timeout 20000 \
	--max-pending-flips 9 --provider gntbuf -v >"$out/summary.txt" 2>"$log" &
pid=$!
phase "wg: xl create (PV, vdispl be-alloc=0 1024x768)"
gntbuf-vm domu-start wg --memory 192 --extra-cpio "$bin/weston-domu.cpio" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:1024x768" ]' \
	--cmd "sh /weston-guest-domu.sh wg $RUN_S $HOLD_S" || fail "xl create wg"
con=$GNTBUF_OUT/xen-console/guest-wg.log
if wait_console "$con" 'wg: vdispl-0: client stopped' 400; then
	phase "wg: client stopped"
else
	fail "wg: weston and its client did not run"
fi
# The backend answers the guest's flips as dom0's weston presents them:
# wait until no flip was answered for 3 s, then for weston's repaint.
answered() { grep -c 'debug.*flip to fb .* done in' "$log"; }
last=-1
stable=0
while [ $stable -lt 3 ]; do
	n=$(answered)
	[ "$n" = "$last" ] && stable=$((stable + 1)) || stable=0
	last=$n
	sleep 1
done
sleep 2
phase "flips answered: $last; reading vkms's scanout"
shot=$out/screen.png
"$bin/kms-grab" /dev/dri/card1 "$shot" >"$out/kms-grab.txt" 2>&1 ||
	fail "kms-grab: $(cat "$out/kms-grab.txt")"
if "$bin/displback-check" simple-shm $BG "$shot" >"$out/checks.txt" 2>&1; then
	pass "pixels: dom0's screen (vkms) is the guest weston's desktop with weston-simple-shm's window, every pixel: $(sed 's|.*/||' "$out/checks.txt")"
else
	fail "pixels: $(head -5 "$out/checks.txt")"
fi
cp "$con" "$out/wg-console.log"
grep '^wg: ' "$con" | head -8
gntbuf-vm domu-stop wg
kill -TERM $pid
wait $pid || fail "backend exit status"
kill -TERM $wpid
wait $wpid 2>/dev/null
cat "$out/summary.txt"
line=$(grep 'summary: dom' "$out/summary.txt" | tail -1)
num() { echo "$line" | sed -n "s/.*$1 \\([0-9]*\\).*/\\1/p"; }
shm=$(num 'wl_shm')
copied=$(num 'bytes copied')
if [ "${shm:-0}" -ge 1 ] && [ "${copied:-0}" -eq $((${shm:-0} * 1024 * 768 * 4)) ]; then
	pass "summary: $shm frames through wl_shm, each copy counted ($copied bytes): ${line#*summary: }"
else
	fail "summary: ${line:-none}"
fi
phase "weston-guest-wayland: $fails failure(s)"
[ $fails -eq 0 ]
