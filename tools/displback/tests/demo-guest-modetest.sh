#!/bin/sh
# SPDX-License-Identifier: MIT
# A --guest-script for `gntbuf-demo --wayland` (run in the domU as
# /demo-guest.sh): libdrm's modetest sets the PV connector's mode on
# Linux's xen_drm_front with its own test pattern (SMPTE bars) and holds
# it 60 s; "demo-guest: shown" once it is set.  The example of the hook a
# guest's own weston plugs into: any script that puts a picture on the PV
# display, says so with that line and holds it.
conn=$(modetest -M xendrm-du -c | awk '/\tconnected\t/ {print $1; exit}')
crtc=$(modetest -M xendrm-du -p | awk '/^CRTCs:/ {getline; getline; print $1; exit}')
mode=$(modetest -M xendrm-du -c | awk '/#0 / {print $2; exit}')
echo "demo-guest: connector $conn crtc $crtc mode $mode"
# modetest holds the mode until its stdin ends.
sleep 60 | modetest -M xendrm-du -s "$conn@$crtc:$mode" &
sleep 8
echo "demo-guest: shown"
wait
