#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile requests, in the rig's dom0 (one boot of `gntbuf-vm run --domu`,
# one PV domU).  The domU has two vdispl devices, be-alloc=0 and
# be-alloc=1; Linux's frontend is unbound from both (sysfs unbind of the
# xenbus driver "vdispl": drm_xen_front stays loaded, in use by fbcon) and
# displfront-hostile, written against displif.h directly, does the
# XenbusState handshake itself and sends what a frontend must not: bad,
# stale and looping page directories, buffer_sz that does not match
# width x height x bpp, unknown operations, reused and unknown cookies,
# FB_ATTACH of an unknown dbuf, PG_FLIP of an unknown fb, ...  It prints a
# PASS/FAIL line per check (see displfront-hostile.c).  Here:
#
#  domU        every check of displfront-hostile passed (at least MIN_CHECKS)
#  log         the backend logged an error for each bad request, naming
#              the domain and device, and stopped serving the ring whose
#              request producer overflowed it (dev0's last check; dev1 is
#              served after it)
#  frame       the valid SET_CONFIG after the bad requests was captured:
#              the PNG holds the colour the domU filled its buffer with
#  alive       the backend is still running after the domU is gone, exits
#              0 on SIGTERM, and (gntbuf provider) the module's counters are
#              back to zero: no error path leaked a buffer or a mapping
#
#   rig-hostile.sh BUILD_DIR [PROVIDER]
# Results and logs in $GNTBUF_OUT/hostile/.  Exit 0 when every check passes.
set -u
build=$1
provider=${2:-auto}
bin=$build/tools/displback
out=$GNTBUF_OUT/hostile
frames=$out/frames
rm -rf "$out"	# no PNG of an earlier run may pass a check
mkdir -p "$frames"
log=$out/displback.log
fails=0
MIN_CHECKS=50

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$bin/gntbuf-displback" --sink capture --out "$frames" --provider "$provider" \
	-v >"$out/summary.txt" 2>"$log" &
pid=$!

gntbuf-vm domu-start hostile --memory 256 \
	--extra-file "$bin/displfront-hostile:/displfront-hostile" \
	--cfg 'vdispl = [ "backend=0,be-alloc=0,connectors=0:640x480", "backend=0,be-alloc=1,connectors=0:640x480" ]' \
	--cmd 'for d in /sys/bus/xen/drivers/vdispl/vdispl-*; do
	echo "${d##*/}" >/sys/bus/xen/drivers/vdispl/unbind
	echo "hostile: unbind ${d##*/} from xen_drm_front: $?"
done
/displfront-hostile; echo "hostile: displfront-hostile exit $?"' ||
	fail "xl create of the hostile domU (two vdispl devices)"
gntbuf-vm domu-wait hostile '@@DOMU-EXIT' --timeout 300 >/dev/null ||
	fail "the hostile domU did not finish"
con=$out/hostile-console.log
tr -d '\r' <"$GNTBUF_OUT/xen-console/guest-hostile.log" >"$con" 2>/dev/null
d=$(grep -o 'dom[0-9]* dev0: new device' "$log" | head -1 | sed 's/dom\([0-9]*\).*/\1/')

# --- the domU's checks ---------------------------------------------------
grep -E '^(PASS|FAIL): ' "$con" | sed 's/^/  domU /'
n_pass=$(grep -c '^PASS: ' "$con")
n_fail=$(grep -c '^FAIL: ' "$con")
n_bad=$(grep -c '^PASS: .*(want' "$con")
summary=$(grep 'displfront-hostile: [0-9]* checks' "$con")
if grep -q 'hostile: displfront-hostile exit 0' "$con" && [ "$n_fail" -eq 0 ] &&
   [ "$n_pass" -ge $MIN_CHECKS ] &&
   [ "$summary" = "displfront-hostile: $n_pass checks, 0 failed" ]; then
	pass "domU: $summary ($n_bad bad requests answered with an error status)"
else
	fail "domU: ${summary:-no summary}; $n_pass PASS, $n_fail FAIL lines (want >= $MIN_CHECKS PASS, 0 FAIL)"
fi

# --- the backend's log -------------------------------------------------------
n_err=$(grep -c "error dom$d dev[01] conn0: " "$log")
if [ -n "$d" ] && [ "$n_err" -ge "$n_bad" ] && [ "$n_bad" -gt 0 ] &&
   grep -q "error dom$d dev0 conn0: request producer .* overflows the ring" "$log"; then
	pass "log: $n_err error lines for dom$d's $n_bad bad requests, e.g.: $(grep "error dom$d dev0 conn0: DBUF_CREATE 0xb006" "$log" | sed 's/^[^ ]* //')"
else
	fail "log: $n_err error lines for dom${d:-?}'s $n_bad bad requests"
fi

# --- the valid frame after the bad requests ------------------------------------
f=$(printf '%s/dom%s-dev0-conn0-frame%06d.png' "$frames" "$d" 1)
if [ -n "$d" ] && "$bin/displback-check" pixels "$f" 0,0=336699 63,0=336699 \
	0,63=336699 63,63=336699 31,31=336699 >"$out/checks.txt" 2>&1; then
	pass "frame: $f shows the domU's 64x64 buffer (336699)"
else
	fail "frame: $f does not show the domU's buffer (see checks.txt)"
fi

# --- the backend is still up ---------------------------------------------------
if kill -0 $pid 2>/dev/null; then
	pass "alive: the backend still runs after the hostile domU"
else
	fail "alive: the backend died"
fi
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && pass "backend exit status 0 after SIGTERM" || fail "backend exit status $rc"
ex=$(grep 'exit:' "$log")
case "$ex" in
*"live_buffers 0 mapped_pages 0 allocated_pages 0 "*) pass "gntbuf counters back to zero: ${ex#*exit: }" ;;
*"gntbuf counters"*) fail "gntbuf counters not back to zero: ${ex#*exit: }" ;;
*) echo "SKIP: module counters (provider $provider)" ;;
esac
echo "hostile: $fails failure(s)"
[ $fails -eq 0 ]
