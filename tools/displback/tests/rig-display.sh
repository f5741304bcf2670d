#!/bin/sh
# SPDX-License-Identifier: MIT
# The display backend's end-to-end test, in the rig's dom0 (one boot of
# `gntbuf-vm run --domu`).  Linux's own PV DRM frontend (xen_drm_front) in
# PV domUs started with stock vdispl= lines talks to gntbuf-displback:
#
#  modetest       domU fe1, be-alloc=0: libdrm's modetest sets 800x600 on
#                 the PV connector; the captured PNG shows its SMPTE bars
#                 (colours checked at known positions).
#  flip           same domU: displfront-flip shows N frames with page
#                 flips; N-1 flip events arrive, each PNG is its frame.
#  destroy        domU fe2 flips for ever; `xl destroy` mid-stream: the
#                 backend tears the device down, releases everything and
#                 keeps running.
#  be-alloc       domU fe3, be-alloc=1: the same frames from buffers the
#                 backend allocated and granted.  fe3 is PVH: in a PV guest
#                 Linux's frontend maps the backend's grants for the kernel
#                 only (GNTMAP_host_map) and its dumb-buffer mmap then
#                 faults (SIGBUS, "Bad rss-counter state"), so be-alloc
#                 needs an auto-translated guest.
#  summary        SIGTERM: one summary line per connector, 0 bytes copied,
#                 0 grant maps per frame after the first (for fe2 and fe3,
#                 which create their buffers once; fe1 runs two programs);
#                 with the gntbuf provider, the module's counters back to 0.
#
#   rig-display.sh BUILD_DIR [PROVIDER]
# Results and logs in $GNTBUF_OUT/display/.  Exit 0 when every check passes.
set -u
build=$1
provider=${2:-auto}
bin=$build/tools/displback
out=$GNTBUF_OUT/display
frames=$out/frames
rm -rf "$out"	# no PNG of an earlier run may pass a check
mkdir -p "$frames"
log=$out/displback.log
fails=0
N=12

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
png() { printf '%s/dom%s-dev0-conn0-frame%06d.png' "$frames" "$1" "$2"; }
domid() { /usr/lib/xen-4.17/bin/xl domid "$1" 2>/dev/null; }

"$bin/gntbuf-displback" --sink capture --out "$frames" --provider "$provider" \
	--max-captures 400 -v >"$out/summary.txt" 2>"$log" &
pid=$!
sleep 0.5

# --- modetest and flip, domU fe1 -------------------------------------
cmd1="
conn=\$(modetest -M xendrm-du -c | awk '/\tconnected\t/ {print \$1; exit}')
crtc=\$(modetest -M xendrm-du -p | awk '/^CRTCs:/ {getline; getline; print \$1; exit}')
echo \"fe1: connector \$conn crtc \$crtc\"
sleep 3 | modetest -M xendrm-du -s \"\$conn@\$crtc:800x600\" >/dev/null
echo \"fe1: modetest exit \$?\"
/displfront-flip -n $N
echo \"fe1: displfront-flip exit \$?\"
"
gntbuf-vm domu-start fe1 --memory 384 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:800x600" ]' --cmd "$cmd1" ||
	fail "xl create fe1 (vdispl be-alloc=0)"
gntbuf-vm domu-wait fe1 '@@DOMU-EXIT' --timeout 300 >/dev/null || fail "fe1 did not finish"
cp "$GNTBUF_OUT/xen-console/guest-fe1.log" "$out/fe1-console.log" 2>/dev/null
d1=$(grep -o 'dom[0-9]* dev0: new device' "$log" | head -1 | sed 's/dom\([0-9]*\).*/\1/')
echo "fe1 is domain $d1"

# modetest's SMPTE bars (libdrm tests/util/pattern.c, fill_smpte_rgb32)
f=$(png "$d1" 1)
if "$bin/displback-check" pixels "$f" \
	57,200=c0c0c0 171,200=c0c000 285,200=00c0c0 400,200=00c000 \
	514,200=c000c0 628,200=c00000 742,200=0000c0 \
	57,433=0000c0 171,433=131313 285,433=c000c0 514,433=00c0c0 \
	742,433=c0c0c0 71,560=00214c 214,560=ffffff 357,560=32006a; then
	pass "modetest: $f shows the SMPTE bars"
else
	fail "modetest: $f does not show the SMPTE bars"
fi

# displfront-flip: frame k is the backend's frame 2 + k (1 was modetest's)
if grep -q "fe1: displfront-flip exit 0" "$out/fe1-console.log" &&
   grep -q "displfront: frames $N flips $((N - 1)) events $((N - 1))" "$out/fe1-console.log"; then
	pass "flip: $((N - 1)) flips, $((N - 1)) flip events in the domU"
else
	fail "flip: the domU did not get its $((N - 1)) flip events"
fi
bad=0
k=0
while [ $k -lt $N ]; do
	"$bin/displback-check" frame "$(png "$d1" $((2 + k)))" $k >>"$out/checks.txt" 2>&1 || bad=$((bad + 1))
	k=$((k + 1))
done
if [ $bad -eq 0 ]; then
	pass "flip: each of the $N PNGs shows the frame drawn for it"
else
	fail "flip: $bad of $N PNGs do not show their frame (see checks.txt)"
fi

# --- destroy mid-stream, domU fe2 ---------------------------------------
gntbuf-vm domu-start fe2 --memory 384 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:800x600" ]' \
	--cmd '/displfront-flip -n 60000' || fail "xl create fe2"
gntbuf-vm domu-wait fe2 'displfront: connector' --timeout 300 >/dev/null || fail "fe2 did not start flipping"
d2=$(domid fe2)
sleep 6
before=$(ls "$frames" | grep -c "^dom$d2-")
gntbuf-vm domu-stop fe2
sleep 3
if kill -0 $pid 2>/dev/null && grep -q "dom$d2 dev0: torn down" "$log"; then
	pass "destroy: domain $d2 destroyed after $before frames: $(grep "dom$d2 dev0: torn down" "$log" | head -1 | sed 's/^[^:]*: //')"
else
	fail "destroy: the backend did not tear down domain $d2's device (or died)"
fi

# --- be-alloc=1, domU fe3 -------------------------------------------------
gntbuf-vm domu-start fe3 --pvh --memory 384 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg 'vdispl = [ "backend=0,be-alloc=1,connectors=0:800x600" ]' \
	--cmd "/displfront-flip -n $N; echo \"fe3: displfront-flip exit \$?\"" || fail "xl create fe3 (be-alloc=1)"
gntbuf-vm domu-wait fe3 '@@DOMU-EXIT' --timeout 300 >/dev/null || fail "fe3 did not finish"
cp "$GNTBUF_OUT/xen-console/guest-fe3.log" "$out/fe3-console.log" 2>/dev/null
d3=$(grep -o 'dom[0-9]* dev0: connected: protocol version 2, be-alloc 1' "$log" | tail -1 | sed 's/dom\([0-9]*\).*/\1/')
bad=0
k=0
while [ $k -lt $N ]; do
	"$bin/displback-check" frame "$(png "$d3" $((1 + k)))" $k >>"$out/checks.txt" 2>&1 || bad=$((bad + 1))
	k=$((k + 1))
done
if [ -n "$d3" ] && [ $bad -eq 0 ] && grep -q "fe3: displfront-flip exit 0" "$out/fe3-console.log" &&
   grep -q "dom$d3 .*backend-allocated" "$log"; then
	pass "be-alloc: domain $d3's $N frames came through backend-allocated buffers"
else
	fail "be-alloc: domain ${d3:-?} (bad frames: $bad)"
fi

# --- stop and summaries ---------------------------------------------------
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && pass "backend exit status 0 after SIGTERM" || fail "backend exit status $rc"
cat "$out/summary.txt"
for d in $d2 $d3; do
	line=$(grep "summary: dom$d dev0 conn0" "$out/summary.txt" | tail -1)
	case "$line" in
	*"bytes copied 0,"*"later 0.00 "*) pass "summary dom$d: 0 bytes copied, 0 grant maps per later frame" ;;
	*) fail "summary dom$d: $line" ;;
	esac
done
ex=$(grep 'exit:' "$log")
echo "$ex"
case "$ex" in
*"live_buffers 0 mapped_pages 0 allocated_pages 0 "*) pass "gntbuf counters back to zero: ${ex#*exit: }" ;;
*"gntbuf counters"*) fail "gntbuf counters not back to zero: ${ex#*exit: }" ;;
*) echo "SKIP: module counters (provider $provider)" ;;
esac
echo "display: $fails failure(s)"
[ $fails -eq 0 ]
