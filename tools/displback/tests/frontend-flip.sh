#!/bin/sh
# SPDX-License-Identifier: MIT
# In a display frontend domU (Linux's xen_drm_front, gntbuf-vm domu-start
# with /displfront-flip as an --extra-file): libdrm's modetest sets 800x600
# on the PV connector, displfront-flip flips N frames, then flips until the
# domain is destroyed.  Each line starts with NAME; the last one before the
# endless run is "NAME: flipping until destroyed".
#
# TIMEOUT_MS (default 3000) is how long displfront-flip waits for each
# flip event: a capture sink encodes a PNG inside the flip, which takes
# seconds under TCG on a loaded host.
#
#   frontend-flip.sh NAME N [TIMEOUT_MS]
name=$1
n=$2
t=${3:-3000}
conn=$(modetest -M xendrm-du -c | awk '/\tconnected\t/ {print $1; exit}')
crtc=$(modetest -M xendrm-du -p | awk '/^CRTCs:/ {getline; getline; print $1; exit}')
echo "$name: connector $conn crtc $crtc"
sleep 1 | modetest -M xendrm-du -s "$conn@$crtc:800x600" >/dev/null
echo "$name: modetest exit $?"
/displfront-flip -n "$n" -t "$t"
echo "$name: displfront-flip exit $?"
echo "$name: flipping until destroyed"
exec /displfront-flip -n 60000 -t "$t"
