#!/bin/sh
# SPDX-License-Identifier: MIT
# The display pipeline benchmark, in the rig's dom0 (one boot of `gntbuf-vm
# run --domu --kmod xen-gntbuf.ko`).  In a PV domU, then a PVH one
# (GUESTS, default "pv pvh"), dom0 the backend of both, for each size, back
# to back in the same two domains (the host's load drifts under TCG):
#  floor    gntbuf-pingpong: one request on a ring page the domU granted,
#           a notification each way, one response (no buffer, no gntbuf).
#  gntbuf   Linux's own PV DRM frontend (xen_drm_front) serves
#           displfront-flip, which flips between two buffers N times at
#           each size; gntbuf-displback (null sink, gntbuf provider) turned
#           each buffer into a dma-buf once, from its grants.
#  copy     gntbuf-pingpong: the same round trip, the backend mapping the
#           frame's grants (gntdev), memcpy'ing it out and unmapping, per
#           frame: the path a backend takes without gntbuf.
#
# Per phase (N timed round trips after 2 untimed): p50, p99, max latency in
# the domU (request to its answer: drmModePageFlip() to the flip event, or
# the ring round trip); grant-table hypercalls in dom0 (calls of
# gnttab_map_refs and gnttab_unmap_refs, kprobes; one GNTTABOP batch each);
# syscalls of the backend process (raw_syscalls:sys_enter, an ftrace
# histogram by pid, no ptrace); bytes copied (the backends' own counts).
# At each phase's start and end the domU hands over to dom0 and waits
# (`gntbuf-pingpong mark`: a number in its xenstore folder, acknowledged by
# dom0): dom0 reads the counters while the pipeline is quiet, so the counts
# are those of the timed round trips.
#
# Sizes: 640x480, 1920x1080 and a 4K-sized 4080x2032 (8097 pages;
# 3840x2160 is 8100): Linux's xen_drm_front refuses modes taller than 2047
# lines (mode_config.max_height), so 3840x2160 is not a mode it can show.
#
# Times are QEMU TCG's: compare them only as ratios within this run.  Prints
# the table, writes results.txt, data-*.txt and (with gnuplot) pipeline.png
# in $GNTBUF_OUT/pipeline/.  Never fails on time; exits non-zero only when
# a phase could not run.
#
#   rig-pipeline.sh BUILD_DIR [N]
set -u
build=$1
N=${2:-40}
GUESTS=${GUESTS:-pv pvh}
SIZES="640x480 1920x1080 4080x2032"
here=$(dirname "$(readlink -f "$0")")
bin=$build/tools/displback
pp=$build/tools/pipeline-bench/gntbuf-pingpong
out=$GNTBUF_OUT/pipeline
XL=/usr/lib/xen-4.17/bin/xl
T=/sys/kernel/tracing
rm -rf "$out"
mkdir -p "$out"
fails=0
. "$here/../displback/tests/rig-lib.sh"

# --- counters: ftrace histograms ----------------------------------------------
[ -e $T/trace ] || mount -t tracefs nodev $T ||
	mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
[ -e $T/trace ] || T=/sys/kernel/debug/tracing
tracing=1
if ! { echo 'p:gntbench/gmap gnttab_map_refs' >>$T/kprobe_events &&
       echo 'p:gntbench/gunmap gnttab_unmap_refs' >>$T/kprobe_events &&
       echo 'hist:keys=common_pid.execname' >$T/events/gntbench/gmap/trigger &&
       echo 'hist:keys=common_pid.execname' >$T/events/gntbench/gunmap/trigger &&
       echo 'hist:keys=common_pid:size=4096' >$T/events/raw_syscalls/sys_enter/trigger; }; then
	echo "NOTE: no ftrace histograms: grant hypercalls and syscalls are not counted"
	tracing=0
fi
# hits of PID in histogram EVENT, or of every pid with PID "all"
hits() {
	[ $tracing = 1 ] || { echo 0; return; }
	tr '{}:[]' '     ' <"$T/events/$1/hist" |
		awk -v p="$2" '$1 == "common_pid" {
			for (i = 2; i < NF; i++) {
				if ($i ~ /^[0-9]+$/ && !pid) pid = $i
				if ($i == "hitcount") h = $(i + 1)
			}
			if (p == "all" || pid == p) s += h
			pid = 0 }
			END { print s + 0 }'
}
# One snapshot: backend syscalls, map calls, unmap calls.
snap() { echo "$(hits raw_syscalls/sys_enter "$1") $(hits gntbench/gmap all) $(hits gntbench/gunmap all)"; }

con() { tr -d '\r' <"$GNTBUF_OUT/xen-console/guest-$1.log" 2>/dev/null; }
# The domU's marks (gntbuf-pingpong mark): wait for number K, then ack it.
mark_is() { [ "$(xenstore-read "/local/domain/$domid/data/pingpong/mark" 2>/dev/null)" = "$1" ]; }
# ... or a program of the domU failed, or the domU is gone: no wait for it
mark_or_dead() { mark_is "$1" || con "$name" | grep -qE "^$name: .* exit [1-9]|^@@DOMU-EXIT"; }
mark_name() { xenstore-read "/local/domain/$domid/data/pingpong/mark-name" 2>/dev/null; }
ack() { xenstore-write "/local/domain/$domid/data/pingpong/ack" "$1"; }

# Runs the phases of one guest; appends "GUEST PHASE WxH SYSCALLS MAPCALLS
# UNMAPCALLS" lines to counts.txt.
run_guest() {	# GUEST(pv|pvh)
	g=$1
	name=pipe-$g
	opts=
	[ "$g" = pvh ] && opts=--pvh
	log=$out/displback-$g.log
	"$bin/gntbuf-displback" --sink null --provider gntbuf \
		>"$out/summary-$g.txt" 2>"$log" &
	dpid=$!
	conns=
	i=0
	for s in $SIZES; do
		conns="$conns${conns:+;}$i:$s"
		i=$((i + 1))
	done
	cmd="/gntbuf-pingpong front -n $N -k -x 'sh /domu-flip.sh $name $N' -s $(echo $SIZES | tr ' ' ,); echo \"$name: pingpong exit \$?\""
	phase "$name: xl create ($g domU, vdispl connectors $conns)"
	# shellcheck disable=SC2086
	gntbuf-vm domu-start $name $opts --memory 512 \
		--extra-file "$bin/displfront-flip:/displfront-flip" \
		--extra-file "$pp:/gntbuf-pingpong" \
		--extra-file "$here/domu-flip.sh:/domu-flip.sh" \
		--cfg "vdispl = [ \"backend=0,be-alloc=0,connectors=$conns\" ]" \
		--cmd "$cmd" || { fail "xl create $name"; kill $dpid; return; }
	domid=$($XL domid $name)
	"$pp" back "$domid" >"$out/pingpong-back-$g.txt" 2>&1 &
	bpid=$!
	k=0
	broken=0
	for p in $(for s in $SIZES; do echo "floor:$s gntbuf:$s copy:$s"; done); do
		k=$((k + 1))
		pid=$dpid
		case $p in floor:* | copy:*) pid=$bpid ;; esac
		want="${p%%:*}-${p#*:}"
		poll_until 900 mark_or_dead $((2 * k - 1)) && mark_is $((2 * k - 1)) && [ "$(mark_name)" = "$want begin" ] || {
			fail "$name: phase $p did not start (mark $((2 * k - 1)): $(mark_name))"
			broken=1
			break
		}
		a=$(snap $pid)
		ack $((2 * k - 1))
		poll_until 900 mark_or_dead $((2 * k)) && mark_is $((2 * k)) && [ "$(mark_name)" = "$want end" ] || {
			fail "$name: phase $p did not end (mark $((2 * k)): $(mark_name))"
			broken=1
			break
		}
		b=$(snap $pid)
		ack $((2 * k))
		echo "$g ${p%%:*} ${p#*:} $a $b" | awk '{ print $1, $2, $3, $7 - $4, $8 - $5, $9 - $6 }' |
			tee -a "$out/counts.txt"
		# who made the grant calls (dom0's other processes count too)
		{ echo "== $g $p"; cat $T/events/gntbench/gmap/hist $T/events/gntbench/gunmap/hist; } \
			>>"$out/grant-calls-by-pid.txt" 2>/dev/null
		phase "$name: phase $p done"
	done
	[ $broken = 1 ] || poll_until 300 eval "con $name | grep -q '$name: pingpong exit'" ||
		fail "$name: pingpong did not finish"
	con $name >"$out/console-$g.log"
	grep -E "^($name|displfront|pingpong)" "$out/console-$g.log" | grep -v '^displfront: window'
	gntbuf-vm domu-stop $name 2>/dev/null
	[ $broken = 1 ] && kill $bpid 2>/dev/null
	wait $bpid
	kill -TERM $dpid
	wait $dpid
	cat "$out/pingpong-back-$g.txt" "$out/summary-$g.txt"
}

for g in $GUESTS; do
	run_guest "$g"
done

# --- flush time by damage size: gntbuf-bench --damage --------------------------
phase "gntbuf-bench --damage"
"$build/tools/gntbuf-bench" --damage -n 10 | tee "$out/damage.txt" ||
	fail "gntbuf-bench --damage"
awk '$1 == "damage" { print $2, $6, $8, $10 }' "$out/damage.txt" >"$out/sync.txt"

# --- the table -----------------------------------------------------------------
sh "$here/pipeline-report.sh" "$out" $N "$SIZES" "$GUESTS" | tee "$out/results.txt"
if command -v gnuplot >/dev/null; then
	for g in $GUESTS; do
		[ -s "$out/data-$g.txt" ] || continue
		gnuplot -e "data='$out/data-$g.txt'; sync='$out/sync.txt'; png='$out/pipeline-$g.png'; guest='$g'" \
			"$here/pipeline.gp" && echo "plot: $out/pipeline-$g.png"
	done
else
	echo "NOTE: no gnuplot: no plot (apt-get install gnuplot-nox)"
fi
echo "pipeline: $fails phase(s) failed"
[ $fails -eq 0 ]
