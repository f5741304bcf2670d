#!/bin/sh
# SPDX-License-Identifier: MIT
# The display backend in a PVH driver domain (one boot of
# `gntbuf-vm run --domu`, two domUs at once).  Dom0 only runs the
# toolstack: gntbuf-displback (capture sink) runs in the PVH domU "drv",
# and the domU "fe" (PV; PVH for be-alloc=1) is started with
# `vdispl = [ 'backend=drv,be-alloc=BE_ALLOC,...' ]`: Linux's xen_drm_front
# in fe talks to the backend in drv through xenstore nodes under drv's
# /local/domain/<drv>/backend/vdispl, grants and event channels between
# two unprivileged domains.  The provider in drv is
#  gntbuf      the xen-gntbuf module loaded there (an auto-translated
#              backend domain: the module's non-PV path);
#  gntdev      gntdev's own dma-bufs (libgntbuf's gntdev backend), the rig's
#              patched xen-gntdev (`run --gntdev-dmabuf`) and vgem there and
#              no xen-gntbuf module: be-alloc=0 buffers are gntdev
#              EXP_FROM_REFS dma-bufs of fe's grants, be-alloc=1 buffers
#              vgem dma-bufs that gntdev grants to fe (IMP_TO_REFS).
#
#  backend     drv's backend watches its own backend/vdispl folder and
#              answers xl's device add (xl create of fe fails otherwise)
#  modetest    fe: libdrm's modetest sets 800x600; drv checks the captured
#              PNG shows its SMPTE bars (colours at known positions)
#  flip        fe: displfront-flip draws N frames, N-1 flips and N-1 flip
#              events in fe; drv checks each PNG is the frame drawn for it,
#              and that the checker tells frames apart (a PNG checked
#              against the next frame's pattern must fail)
#  destroy     fe flips for ever; once drv has captured frames of that run,
#              dom0 destroys fe: drv's backend tears the device down and
#              logs it, keeps running, and (gntbuf) the module's counters in
#              drv are back to zero at once
#  exit        SIGTERM: exit status 0, fe's summary line (N + the endless
#              run's frames, 0 bytes copied), the provider's counters back
#              to 0; gntdev: every buffer was a dma-buf of the kind
#              BE_ALLOC asks for (none without one), and no xen-gntbuf
#              module in drv
#
# The driver domain shares no folder with dom0: the checks run in drv
# itself (this script, copied into drv's initramfs and run there with
# --driver-domain), each printing a PASS/FAIL line on drv's console, then
# one verdict line; dom0 reads them from $GNTBUF_OUT/xen-console/guest-drv.log.
#
#   rig-driver-domain.sh BUILD_DIR gntbuf BE_ALLOC XEN_GNTBUF_KO
#   rig-driver-domain.sh BUILD_DIR gntdev BE_ALLOC  (in `run --gntdev-dmabuf`)
# Results and logs in $GNTBUF_OUT/driver-domain/.  Exit 0 when every check
# passes.
set -u
N=12

# Result lines; in drv they carry "drv: " (dom0 greps them from its console).
tag=
. "$(dirname "$0")/rig-lib.sh"

# ---------------------------------------------------------------------------
# In the driver domain (busybox sh in drv's initramfs): run the backend,
# check what it captured, print the results on the console.
driver_domain() {
	build=$1
	provider=$2
	be_alloc=$3
	bin=$build/tools/displback
	frames=/tmp/frames
	log=/tmp/displback.log
	fails=0
	tag="drv: "
	mkdir -p "$frames"
	prefix() { sed 's/^/drv: /'; }
	png() { printf '%s/dom%s-dev0-conn0-frame%06d.png' "$frames" "$1" "$2"; }
	captured() { [ "$(ls "$frames" | grep -c "^dom$1-")" -ge "$2" ]; }
	logged() { grep -q "$1" "$log"; }
	counters_zero() {
		"$build/tools/gntbuf-info" --backend module >/tmp/gntbuf-info.txt 2>&1
		awk '/^live buffers:/ { lb = $3 } /mapped pages/ { mp = $NF }
		     /allocated pages/ { ap = $NF }
		     END { exit !(lb == "0" && mp == "0" && ap == "0") }' /tmp/gntbuf-info.txt
	}
	verdict() {
		echo "drv: uptime $(cut -d' ' -f1 /proc/uptime) s"
		if [ $fails -eq 0 ]; then
			echo "drv: verdict: PASS"
		else
			echo "drv: the backend's log ends:"
			tail -n 60 "$log" | prefix
			echo "drv: verdict: FAIL, $fails failure(s)"
		fi
		exit $fails
	}

	# Captures: modetest's frame, displfront-flip's N and the endless run's
	# first 2 (a PNG costs much under TCG: no more are written).
	"$bin/gntbuf-displback" --sink capture --out "$frames" --provider "$provider" \
		--max-captures $((N + 3)) -v >/tmp/summary.txt 2>"$log" &
	pid=$!
	if poll_until 30 logged "watching /local/domain/.*/backend/vdispl"; then
		echo "drv: backend up: $(grep -o 'watching .*' "$log")"
	else
		fail "the backend did not start"
		prefix <"$log"
		verdict
	fi
	if [ "$provider" = gntdev ]; then
		# The gntdev path alone: no module, gntdev's dma-bufs.
		if grep -q '^xen_gntbuf ' /proc/modules || [ -e /dev/xen/gntbuf ]; then
			fail "gntdev: the xen-gntbuf module is loaded in drv"
		else
			pass "gntdev: no xen-gntbuf module in drv"
		fi
		want="frontend buffers gntdev dma-bufs (EXP_FROM_REFS), be-alloc buffers vgem dma-bufs granted by gntdev"
		if logged "$want"; then
			pass "gntdev: $(grep -o 'gntdev provider: .*' "$log" | head -1)"
		else
			fail "gntdev: the provider has no gntdev dma-bufs here:"
			grep 'gntdev provider' "$log" | prefix
		fi
	fi

	# The frontend domain: the one whose device connects.
	if poll_until 300 logged "dom[0-9]* dev0: connected"; then
		d=$(grep -o 'dom[0-9]* dev0: connected' "$log" | head -1 | sed 's/dom\([0-9]*\).*/\1/')
		echo "drv: $(grep -o "dom$d dev0: connected.*" "$log" | head -1)"
	else
		fail "no frontend connected"
		verdict
	fi
	# Frames of the endless run: dom0 destroys fe once it reads this line
	# (or at once when fe failed: then the device is torn down first).
	streaming() { captured "$d" $((N + 3)) || logged "dom$d dev0: torn down"; }
	poll_until 300 streaming
	if captured "$d" $((N + 3)); then
		echo "drv: dom$d streaming: $(ls "$frames" | grep -c "^dom$d-") frames captured (uptime $(cut -d' ' -f1 /proc/uptime) s)"
	else
		fail "dom$d: fewer than $((N + 3)) frames captured"
	fi

	if poll_until 120 logged "dom$d dev0: torn down" && kill -0 $pid 2>/dev/null; then
		pass "destroy: $(grep -o "dom$d dev0: torn down.*" "$log" | head -1)"
	else
		fail "destroy: the backend did not tear down domain $d's device (or died)"
	fi
	if [ "$provider" = gntdev ]; then
		:	# no module to ask: the exit line's counters below
	elif counters_zero; then
		pass "destroy: the module's counters are back to zero at once: $(grep -E '^live|mapped|allocated' /tmp/gntbuf-info.txt | tr -s ' \n' ' ')"
	else
		fail "destroy: the module still holds buffers:"
		prefix </tmp/gntbuf-info.txt
	fi

	# modetest's SMPTE bars (libdrm tests/util/pattern.c, fill_smpte_rgb32)
	f=$(png "$d" 1)
	if "$bin/displback-check" pixels "$f" \
		57,200=c0c0c0 171,200=c0c000 285,200=00c0c0 400,200=00c000 \
		514,200=c000c0 628,200=c00000 742,200=0000c0 \
		57,433=0000c0 171,433=131313 285,433=c000c0 514,433=00c0c0 \
		742,433=c0c0c0 71,560=00214c 214,560=ffffff 357,560=32006a \
		>/tmp/checks-modetest.txt 2>&1; then
		pass "modetest: $f shows the SMPTE bars"
	else
		fail "modetest: $f does not show the SMPTE bars:"
		prefix </tmp/checks-modetest.txt
	fi

	# displfront-flip's frame k is the backend's frame 2 + k (1 was
	# modetest's); one displback-check run for all (a process start is dear
	# under TCG).
	args=
	k=0
	while [ $k -lt $N ]; do
		args="$args $(png "$d" $((2 + k))) $k"
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	"$bin/displback-check" frame $args >/tmp/checks-flip.txt 2>&1
	ok=$(grep -c ": is frame " /tmp/checks-flip.txt)
	if [ "$ok" -eq $N ]; then
		pass "flip: each of the $N PNGs shows the frame drawn for it"
	else
		fail "flip: $((N - ok)) of $N PNGs do not show their frame:"
		grep -v ": is frame " /tmp/checks-flip.txt | prefix
	fi
	# The checker must tell frames apart: frame 0's PNG is not frame 1.
	if ! "$bin/displback-check" frame "$(png "$d" 2)" 1 >/tmp/checks-control.txt 2>&1 &&
	   grep -q ": is NOT frame 1 " /tmp/checks-control.txt; then
		pass "control: frame 0's PNG fails the check as frame 1"
	else
		fail "control: the checker took frame 0's PNG for frame 1"
	fi

	kill -TERM $pid
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && pass "backend exit status 0 after SIGTERM" || fail "backend exit status $rc"
	prefix </tmp/summary.txt
	line=$(grep "summary: dom$d dev0 conn0" /tmp/summary.txt | tail -1)
	case "$line" in
	*"bytes copied 0,"*) pass "summary dom$d: 0 bytes copied" ;;
	*) fail "summary dom$d: $line" ;;
	esac
	ex=$(grep 'exit:' "$log")
	if [ "$provider" = gntdev ]; then
		# be-alloc=0: gntdev exports of fe's grants; 1: vgem dma-bufs
		# gntdev granted.  Not one buffer of the other kinds.
		[ "$be_alloc" = 1 ] && kind=imports || kind=exports
		n=$(echo "$ex" | sed -n "s/.* dmabuf_$kind \([0-9]*\).*/\1/p")
		case "$ex" in
		*"live_buffers 0 "*"map_only 0"*) pass "gntdev counters back to zero, no buffer without a dma-buf: ${ex#*exit: }" ;;
		*) fail "gntdev counters: ${ex#*exit: }" ;;
		esac
		# modetest's buffer, then two of each displfront-flip run.
		if [ "${n:-0}" -ge 5 ]; then
			pass "gntdev: $n buffers were gntdev dma-buf $kind"
		else
			fail "gntdev: ${n:-no} dma-buf $kind (be-alloc=$be_alloc)"
		fi
		if grep -q 'DBUF_CREATE.*dma-buf fd -1' "$log"; then
			fail "gntdev: a DBUF_CREATE without a dma-buf"
		fi
	else
		case "$ex" in
		*"live_buffers 0 mapped_pages 0 allocated_pages 0 "*) pass "gntbuf counters back to zero: ${ex#*exit: }" ;;
		*) fail "gntbuf counters not back to zero: ${ex#*exit: }" ;;
		esac
	fi
	verdict
}

if [ "${1:-}" = --driver-domain ]; then
	shift
	driver_domain "$@"
	exit
fi

# ---------------------------------------------------------------------------
# In dom0: start drv, then fe, destroy fe mid-stream, read drv's verdict.
build=$1
provider=$2
be_alloc=$3
ko=${4:-}
bin=$build/tools/displback
out=$GNTBUF_OUT/driver-domain
rm -rf "$out"
mkdir -p "$out"
fails=0
self=$(readlink -f "$0")
fe_script=$(dirname "$self")/frontend-flip.sh
cons=$GNTBUF_OUT/xen-console

xl=/usr/lib/xen-4.17/bin/xl
domid() { $xl domid "$1" 2>/dev/null; }
# xl itself, not `gntbuf-vm domu-stop` (a Python start): see drv_wait.
destroy() { $xl destroy "$1" >/dev/null 2>&1; }
# Wait for a line of drv's console matching a regex, up to $2 s.  A shell
# loop, not `gntbuf-vm domu-wait`: while fe flips, the rig's one CPU is
# busy and a Python start in dom0 costs many seconds.
drv_said() { grep -q -E "$1" "$cons/guest-drv.log" 2>/dev/null; }
drv_wait() { poll_until "$2" drv_said "$1"; }
finish() {
	destroy fe
	destroy drv
	cp "$cons/guest-drv.log" "$out/drv-console.log" 2>/dev/null
	cp "$cons/guest-fe.log" "$out/fe-console.log" 2>/dev/null
	phase "done"
	echo "driver-domain: $fails failure(s)"
	[ $fails -eq 0 ]
	exit
}

phase "drv: xl create (PVH driver domain, provider $provider)"
if [ "$provider" = gntdev ]; then
	# gntdev's dma-bufs (the rig's xen-gntdev: domu-start puts it in
	# every domU of a `run --gntdev-dmabuf`), vgem for be-alloc pages.
	if [ -z "${GNTBUF_GNTDEV_DMABUF:-}" ]; then
		fail "provider gntdev wants \`gntbuf-vm run --gntdev-dmabuf\`"
		finish
	fi
	set -- --modprobe vgem
else
	set -- --kmod "$ko"
fi
# driver_domain = 1: xl.cfg(5)'s mark of a domain that runs backends
# (measured: this test passes without it too; xl writes the backend nodes
# with drv as their owner either way).
if ! gntbuf-vm domu-start drv --pvh --memory 256 --cfg 'driver_domain = 1' \
	--extra-program "$bin/gntbuf-displback" --extra-program "$bin/displback-check" \
	--extra-program "$build/tools/gntbuf-info" "$@" \
	--extra-file "$self:/rig-driver-domain.sh" \
	--extra-file "$(dirname "$self")/rig-lib.sh:/rig-lib.sh" \
	--cmd "sh /rig-driver-domain.sh --driver-domain $build $provider $be_alloc"; then
	fail "xl create drv (PVH, driver_domain = 1)"
	finish
fi
if ! gntbuf-vm domu-wait drv '^drv: backend up' --timeout 120; then
	fail "drv: the backend did not start"
	finish
fi
dd=$(domid drv)
phase "drv is domain $dd, its backend is up"

# be-alloc=1: fe is PVH.  In a PV guest Linux's frontend maps the
# backend's grants for the kernel only (GNTMAP_host_map) and its
# dumb-buffer mmap then faults ("BUG: Bad rss-counter state", measured
# here too), so be-alloc needs an auto-translated frontend (rig-display.sh).
fe_type=
[ "$be_alloc" = 1 ] && fe_type=--pvh
phase "fe: xl create (${fe_type:+PVH, }vdispl backend=drv, be-alloc=$be_alloc)"
if ! gntbuf-vm domu-start fe $fe_type --memory 256 --extra-file "$bin/displfront-flip:/displfront-flip" \
	--extra-file "$fe_script:/frontend-flip.sh" \
	--cfg "vdispl = [ \"backend=drv,be-alloc=$be_alloc,connectors=0:800x600\" ]" --cmd "sh /frontend-flip.sh fe $N 10000"; then
	fail "xl create fe (vdispl backend=drv): no backend in drv answered"
	finish
fi
fe=$(domid fe)
if gntbuf-vm domu-wait fe '^fe: flipping until destroyed' --timeout 300 >/dev/null; then
	phase "fe (domain $fe): modetest and displfront-flip done"
else
	fail "fe did not get through modetest and displfront-flip"
fi
if grep -q "fe: displfront-flip exit 0" "$cons/guest-fe.log" &&
   grep -q "displfront: frames $N flips $((N - 1)) events $((N - 1))" "$cons/guest-fe.log"; then
	pass "flip: $((N - 1)) flips, $((N - 1)) flip events in fe"
else
	fail "flip: fe did not get its $((N - 1)) flip events"
fi

if [ $fails -ne 0 ]; then
	phase "fe: xl destroy (it failed)"
elif drv_wait "^drv: dom$fe streaming" 120; then
	phase "fe: xl destroy mid-stream"
else
	fail "drv did not capture fe's endless run"
fi
destroy fe
if drv_wait '^drv: verdict:' 180; then
	# Every result line drv printed, then its verdict.
	grep -E '^drv: (PASS|FAIL|verdict|uptime|displback summary)' "$cons/guest-drv.log" | tr -d '\r'
	grep -q '^drv: verdict: PASS' "$cons/guest-drv.log" || fail "drv's checks (see above)"
	grep -q "^drv: PASS: destroy: dom$fe dev0: torn down" "$cons/guest-drv.log" ||
		fail "drv did not tear down fe's domain $fe"
else
	fail "drv printed no verdict"
fi
finish
