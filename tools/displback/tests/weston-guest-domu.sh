#!/bin/sh
# SPDX-License-Identifier: MIT
# In a display frontend domU (rig-weston-guest.sh), one weston per PV
# display device: Debian's weston 10 on Linux's xen_drm_front, DRM backend,
# pixman renderer, desktop-shell as weston-guest.ini sets it up, as root
# with its direct launcher (no logind or seatd in the domU: weston takes
# a VT of its own, --tty), and Debian's weston-simple-shm as its client.
# After RUN_S seconds of drawing the client is stopped (SIGSTOP): weston
# has no more damage and stops flipping, so the device's last frame holds
# the client's last buffer; then weston ends (SIGTERM) and the next
# device's starts.  Then the domain idles until it is destroyed.
# Each line starts with NAME.
#
# HOLD_S (default 1): seconds weston keeps showing the stopped client
# before it ends (dom0 reads its screen meanwhile).
#
#   weston-guest-domu.sh NAME RUN_S [HOLD_S]
name=$1
run=$2
hold=${3:-1}
up() { cut -d' ' -f1 /proc/uptime; }
echo "$name: up at $(up) s"
export XDG_RUNTIME_DIR=/run/xdg-runtime
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
# libxkbcommon refuses a context without a readable include folder, and
# weston makes one at start even without a keyboard; no keymap is compiled.
export XKB_CONFIG_ROOT=/run/xkb
mkdir -p "$XKB_CONFIG_ROOT"

# The DRM card of each vdispl device (xen_drm_front's parent is the xenbus
# device vdispl-N).
devs=
for c in /sys/class/drm/card[0-9]*; do
	dev=$(basename "$(readlink "$c/device")")
	case "$dev" in
	vdispl-*) devs="$devs ${dev#vdispl-}:$(basename "$c")" ;;
	esac
done
echo "$name: display devices (vdispl:card):$devs"
[ -n "$devs" ] || exit 1

# One weston after the other: weston 10's direct launcher activates its VT
# (VT_ACTIVATE), which makes a weston on another VT give up the display.
for dc in $devs; do
	d=${dc%%:*}
	card=${dc#*:}
	weston --backend=drm-backend.so --drm-device="$card" --use-pixman \
		--config=/weston-guest.ini --continue-without-input \
		--tty=$((d + 1)) --idle-time=0 --socket="wayland-$d" \
		--log="/tmp/weston-$d.log" &
	wpid=$!
	i=0
	until [ -S "$XDG_RUNTIME_DIR/wayland-$d" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $wpid 2>/dev/null; then
			echo "$name: weston on vdispl-$d did not start; its log:"
			cat "/tmp/weston-$d.log"
			exit 1
		fi
		sleep 0.2
	done
	echo "$name: vdispl-$d: weston on $card up at $(up) s"
	WAYLAND_DISPLAY=wayland-$d weston-simple-shm >"/tmp/simple-shm-$d.log" 2>&1 &
	cpid=$!
	sleep "$run"
	if ! kill -STOP $cpid; then
		echo "$name: weston-simple-shm ended early; its output and weston's log:"
		cat "/tmp/simple-shm-$d.log" "/tmp/weston-$d.log"
		exit 1
	fi
	echo "$name: vdispl-$d: client stopped at $(up) s"
	# Weston's last repaint (the client's last commit) reaches dom0.
	sleep "$hold"
	grep -iE 'renderer|DRM: |output|warn|error|fail' "/tmp/weston-$d.log" |
		sed "s/^/$name: weston $card: /" | head -20
	kill -KILL $cpid
	kill -TERM $wpid
	wait $wpid
	echo "$name: vdispl-$d: weston exit $?"
done
echo "$name: clients stopped at $(up) s"
echo "$name: idle until destroyed"
while :; do
	sleep 3600
done
