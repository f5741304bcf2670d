#!/bin/sh
# SPDX-License-Identifier: MIT
# The display backend's end-to-end test, in the rig's dom0 (one boot of
# `gntbuf-vm run --domu`, two domUs one after the other).  Linux's own PV
# DRM frontend (xen_drm_front) in domUs started with stock vdispl= lines
# talks to gntbuf-displback (capture sink):
#
#  modetest       PV domU fe1, be-alloc=0: libdrm's modetest sets 800x600
#                 on the PV connector; the captured PNG shows its SMPTE bars
#                 (colours checked at known positions).
#  flip           fe1 then runs displfront-flip: N frames, N-1 flips and
#                 N-1 flip events in the domU, each PNG is its frame.
#  destroy        fe1 then flips for ever; `xl destroy` mid-stream: the
#                 backend tears the device down and logs it, keeps running,
#                 and (gntbuf provider) the module's counters are back to
#                 zero at once.
#  be-alloc       PVH domU fe3, started after the destroy, be-alloc=1: the
#                 same frames from buffers the backend allocated and
#                 granted; its summary: 0 bytes copied, 0 grant maps per
#                 frame after the first.  fe3 is PVH: in a PV guest Linux's
#                 frontend maps the backend's grants for the kernel only
#                 (GNTMAP_host_map) and its dumb-buffer mmap then faults
#                 (SIGBUS, "Bad rss-counter state"), so be-alloc needs an
#                 auto-translated guest.
#  exit           SIGTERM: exit status 0, a summary line per connector; with
#                 the gntbuf provider, the module's counters back to 0.
#
# The same "0 grant maps after the first frame" for frontend-allocated
# buffers of a PV domU is checked by rig-kms.sh (fe1 here runs three
# programs, each with buffers of its own).
#
#   rig-display.sh BUILD_DIR [PROVIDER]
# Results and logs in $GNTBUF_OUT/display/.  Exit 0 when every check passes.
set -u
build=$1
provider=${2:-auto}
bin=$build/tools/displback
fe_script=$(dirname "$(readlink -f "$0")")/frontend-flip.sh
out=$GNTBUF_OUT/display
frames=$out/frames
rm -rf "$out"	# no PNG of an earlier run may pass a check
mkdir -p "$frames"
log=$out/displback.log
fails=0
N=12

. "$(dirname "$0")/rig-lib.sh"
png() { printf '%s/dom%s-dev0-conn0-frame%06d.png' "$frames" "$1" "$2"; }
domid() { /usr/lib/xen-4.17/bin/xl domid "$1" 2>/dev/null; }
captured() { [ "$(ls "$frames" | grep -c "^dom$1-")" -ge "$2" ]; }
logged() { grep -q "$1" "$log"; }
counters_zero() {
	"$build/tools/gntbuf-info" --backend module | tee "$out/gntbuf-info.txt" |
		awk '/^live buffers:/ { lb = $3 } /mapped pages/ { mp = $NF }
		     /allocated pages/ { ap = $NF }
		     END { exit !(lb == "0" && mp == "0" && ap == "0") }'
}

"$bin/gntbuf-displback" --sink capture --out "$frames" --provider "$provider" \
	--max-captures 400 -v >"$out/summary.txt" 2>"$log" &
pid=$!

# --- modetest, flip and destroy: PV domU fe1 ------------------------------------
phase "fe1: xl create"
gntbuf-vm domu-start fe1 --memory 256 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--extra-file "$fe_script:/frontend-flip.sh" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:800x600" ]' --cmd "sh /frontend-flip.sh fe1 $N" ||
	fail "xl create fe1 (vdispl be-alloc=0)"
gntbuf-vm domu-wait fe1 'fe1: flipping until destroyed' --timeout 300 >/dev/null ||
	fail "fe1 did not get through modetest and displfront-flip"
phase "fe1: modetest and displfront-flip done"
d1=$(domid fe1)
echo "fe1 is domain $d1"
con1=$out/fe1-console.log

# destroy mid-stream: a few frames of the endless run, then xl destroy
poll_until 60 captured "$d1" $((1 + N + 5)) || fail "destroy: the endless run shows no frames"
before=$(ls "$frames" | grep -c "^dom$d1-")
cp "$GNTBUF_OUT/xen-console/guest-fe1.log" "$con1" 2>/dev/null
phase "fe1: xl destroy"
gntbuf-vm domu-stop fe1
if poll_until 30 logged "dom$d1 dev0: torn down" && kill -0 $pid 2>/dev/null; then
	pass "destroy: domain $d1 destroyed after $before frames: $(grep "dom$d1 dev0: torn down" "$log" | head -1 | sed 's/^[^:]*: //')"
else
	fail "destroy: the backend did not tear down domain $d1's device (or died)"
fi
if [ "$provider" = gntbuf ]; then
	if counters_zero; then
		pass "destroy: the module's counters are back to zero at once: $(grep -E '^live|mapped|allocated' "$out/gntbuf-info.txt" | tr -s ' \n' ' ')"
	else
		fail "destroy: the module still holds buffers (see gntbuf-info.txt)"
	fi
fi

# --- fe1's frames, checked with no domU running -------------------------------
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

# displfront-flip: its frame k is the backend's frame 2 + k (1 was modetest's)
if grep -q "fe1: displfront-flip exit 0" "$con1" &&
   grep -q "displfront: frames $N flips $((N - 1)) events $((N - 1))" "$con1"; then
	pass "flip: $((N - 1)) flips, $((N - 1)) flip events in the domU"
else
	fail "flip: the domU did not get its $((N - 1)) flip events"
fi
# How many of the domain's N frames, from backend frame FIRST on, are
# displfront-flip's frames 0..N-1: one displback-check run for all (a
# process start is dear under TCG), its report in checks-NAME.txt.
check_frames() {	# DOMID FIRST NAME
	args=
	k=0
	while [ $k -lt $N ]; do
		args="$args $(png "$1" $(($2 + k))) $k"
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	"$bin/displback-check" frame $args >"$out/checks-$3.txt" 2>&1
	grep -c ": is frame " "$out/checks-$3.txt"
}
ok=$(check_frames "$d1" 2 fe1)
if [ "$ok" -eq $N ]; then
	pass "flip: each of the $N PNGs shows the frame drawn for it"
else
	fail "flip: $((N - ok)) of $N PNGs do not show their frame (see checks-fe1.txt)"
fi

# --- be-alloc=1: PVH domU fe3, after the destroy -----------------------------------
phase "fe3: xl create"
gntbuf-vm domu-start fe3 --pvh --memory 256 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--cfg 'vdispl = [ "backend=0,be-alloc=1,connectors=0:800x600" ]' \
	--cmd "/displfront-flip -n $N; echo \"fe3: displfront-flip exit \$?\"" || fail "xl create fe3 (be-alloc=1)"
gntbuf-vm domu-wait fe3 '@@DOMU-EXIT' --timeout 300 >/dev/null || fail "fe3 did not finish"
phase "fe3: done"
cp "$GNTBUF_OUT/xen-console/guest-fe3.log" "$out/fe3-console.log" 2>/dev/null
d3=$(grep -o 'dom[0-9]* dev0: connected: protocol version 2, be-alloc 1' "$log" | tail -1 | sed 's/dom\([0-9]*\).*/\1/')
bad=$((N - $(check_frames "${d3:-0}" 1 fe3)))
if [ -n "$d3" ] && [ $bad -eq 0 ] && grep -q "fe3: displfront-flip exit 0" "$out/fe3-console.log" &&
   grep -q "dom$d3 .*backend-allocated" "$log"; then
	pass "be-alloc: domain $d3's $N frames came through backend-allocated buffers"
else
	fail "be-alloc: domain ${d3:-?} (bad frames: $bad, see checks-fe3.txt)"
fi

# --- stop and summaries ---------------------------------------------------
phase "stopping the backend"
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && pass "backend exit status 0 after SIGTERM" || fail "backend exit status $rc"
cat "$out/summary.txt"
line=$(grep "summary: dom$d3 dev0 conn0" "$out/summary.txt" | tail -1)
case "$line" in
*"frames received $N "*"bytes copied 0,"*"later 0.00 "*) pass "summary dom$d3: $N frames, 0 bytes copied, 0 grant maps per later frame" ;;
*) fail "summary dom$d3: $line" ;;
esac
ex=$(grep 'exit:' "$log")
echo "$ex"
case "$ex" in
*"live_buffers 0 mapped_pages 0 allocated_pages 0 "*) pass "gntbuf counters back to zero: ${ex#*exit: }" ;;
*"gntbuf counters"*) fail "gntbuf counters not back to zero: ${ex#*exit: }" ;;
*) echo "SKIP: module counters (provider $provider)" ;;
esac
echo "display: $fails failure(s)"
[ $fails -eq 0 ]
