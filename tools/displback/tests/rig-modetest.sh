#!/bin/sh
# SPDX-License-Identifier: MIT
# In the rig's dom0 (gntbuf-vm run --domu): start gntbuf-displback with the
# capture sink, boot a PV domU with a stock vdispl= line, let libdrm's
# modetest set a mode on the PV connector (Linux's xen_drm_front), then stop
# the backend.  Leaves in $GNTBUF_OUT/modetest-<be_alloc>/: displback.log,
# summary.txt, the PNG frames and the domU's console.
#
#   rig-modetest.sh BACKEND_BINARY [BE_ALLOC] [PROVIDER]
set -u
backend=$1
be_alloc=${2:-0}
provider=${3:-auto}
out=$GNTBUF_OUT/modetest-$be_alloc
mkdir -p "$out/frames"

"$backend" --sink capture --out "$out/frames" --provider "$provider" -v \
	>"$out/summary.txt" 2>"$out/displback.log" &
pid=$!

# The domU: find the PV connector and its CRTC, set 800x600, hold it 4 s.
cmd='
echo "domU: $(ls /dev/dri)"
modetest -M xendrm-du -c | head -5
conn=$(modetest -M xendrm-du -c | awk "/\tconnected\t/ {print \$1; exit}")
crtc=$(modetest -M xendrm-du -p | awk "/^CRTCs:/ {getline; getline; print \$1; exit}")
echo "domU: connector $conn crtc $crtc"
sleep 4 | modetest -M xendrm-du -s "$conn@$crtc:800x600"
echo "domU: modetest exit $?"
'
status=0
gntbuf-vm domu-start fe --memory 384 \
	--cfg "vdispl = [ \"backend=0,be-alloc=$be_alloc,connectors=0:800x600\" ]" \
	--cmd "$cmd" || status=1
if [ $status -eq 0 ]; then
	gntbuf-vm domu-wait fe '@@DOMU-EXIT' --timeout 240 || status=1
fi
cp "$GNTBUF_OUT/xen-console/guest-fe.log" "$out/domu-console.log" 2>/dev/null
kill -TERM $pid
wait $pid || status=1
ls "$out/frames" | head
exit $status
