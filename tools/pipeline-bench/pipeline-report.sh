#!/bin/sh
# SPDX-License-Identifier: MIT
# The pipeline benchmark's table, from what rig-pipeline.sh left in OUT:
# console-GUEST.log (the domU's latencies), summary-GUEST.txt
# (gntbuf-displback's summary lines), pingpong-back-GUEST.txt (the copy
# path's bytes and grant operations) and counts.txt (per phase: backend
# syscalls, gnttab_map_refs and gnttab_unmap_refs calls).  Also writes
# data-GUEST.txt for pipeline.gp.
#
#   pipeline-report.sh OUT N "SIZES" "GUESTS"
set -u
out=$1
n=$2
sizes=$3
guests=$4

# p50 p99 max of a "... latency p50 X p99 Y max Z ms" line
lat() { sed -n 's/.*latency p50 \([0-9.]*\) p99 \([0-9.]*\) max \([0-9.]*\) ms.*/\1 \2 \3/p' | head -1; }
# syscalls, grant hypercalls per round trip of a phase in counts.txt
counts() {	# GUEST PATH SIZE
	awk -v g="$1" -v p="$2" -v s="$3" -v n="$n" \
		'$1 == g && $2 == p && $3 == s { printf "%.1f %.1f", $4 / n, ($5 + $6) / n; f = 1 }
		 END { if (!f) printf "- -" }' "$out/counts.txt" 2>/dev/null
}

for g in $guests; do
	con=$out/console-$g.log
	echo
	echo "Display pipeline, $g domU -> PV dom0, $n flips per row, QEMU TCG (compare ratios only)"
	printf '%-7s %-10s %9s %9s %9s %8s %11s %12s %12s %10s\n' path size p50_ms p99_ms max_ms x_floor grant_hc/fl grant_ops/fl bytes_cp/fl syscalls/fl
	row() {	# PATH SIZE "P50 P99 MAX" HC OPS BYTES SYSCALLS
		set -- "$1" "$2" $3 "$4" "$5" "$6" "$7"
		awk -v p="$1" -v s="$2" -v a="$3" -v b="$4" -v c="$5" -v f="$f50" \
			-v hc="$6" -v ops="$7" -v by="$8" -v sc="$9" 'BEGIN {
			printf "%-7s %-10s %9.3f %9.3f %9.3f %7.2fx %11s %12s %12s %10s\n",
				p, s, a, b, c, (f > 0 ? a / f : 0), hc, ops, by, sc }'
	}
	: >"$out/data-$g.txt"
	for s in $sizes; do
		# the floor measured just before this size's phases
		floor=$(grep "^pingpong: floor $s " "$con" | lat)
		f50=${floor%% *}
		[ -n "$f50" ] || f50=0
		set -- $(counts "$g" floor "$s")
		[ -n "$floor" ] && row floor "$s" "$floor" "$2" 0 0 "$1"
		l=$(grep "^displfront: measured $s " "$con" | lat)
		sm=$(grep "conn[0-9]* $s:" "$out/summary-$g.txt" | tail -1)
		by=$(echo "$sm" | sed -n 's/.*bytes copied \([0-9]*\),.*/\1/p')
		ops=$(echo "$sm" | sed -n 's/.*grant maps per frame: first [0-9]*, later \([0-9.]*\) .*/\1/p')
		set -- $(counts "$g" gntbuf "$s")
		[ -n "$l" ] && row gntbuf "$s" "$l" "$2" "${ops:-?}" "${by:-?}" "$1"
		c=$(grep "^pingpong: copy $s " "$con" | lat)
		bk=$(grep "^pingpong-back: copy $s " "$out/pingpong-back-$g.txt")
		# bytes and grant operations (pages mapped + unmapped) per request
		set -- $(echo "$bk" | awk '{ for (i = 1; i < NF; i++) {
				if ($i == "requests") r = $(i + 1)
				if ($i == "copied") b = $(i + 1)
				if ($i == "ops") o += $(i + 1) }
			if (r) printf "%d %d", b / r, o / r; else printf "? ?" }')
		cb=$1 cops=$2
		set -- $(counts "$g" copy "$s")
		[ -n "$c" ] && row copy "$s" "$c" "$2" "$cops" "$cb" "$1"
		echo "$s ${l:-- - -} ${c:-- - -} ${floor:-- - -}" >>"$out/data-$g.txt"
	done
	echo "gntbuf-displback's own figures (the whole connection: SET_CONFIG, 2 untimed and $n timed flips):"
	sed -n 's/^displback summary: \(dom[0-9]* dev0 \)\(conn[0-9]* [0-9x]*\): .*bytes copied \([0-9]*\), grant maps per frame: first \([0-9]*\), later \([0-9.]*\) .*flip latency \(p50 .* ms\), without the sink \(p50 .* ms\) (percent.*/  \2: bytes copied \3, grant maps first \4 later \5\/frame; PG_FLIP to event \6; without the sink \7/p' \
		"$out/summary-$g.txt"
done
echo
echo "grant_hc/fl: calls of gnttab_map_refs + gnttab_unmap_refs in dom0 (one"
echo "GNTTABOP batch each) per flip; grant_ops/fl: pages mapped + unmapped per"
echo "flip (displback's own count of grant maps after the first frame; the copy"
echo "path's); syscalls/fl: the backend process's"
echo "(gntbuf-displback, or gntbuf-pingpong back); x_floor: p50 / the p50 of"
echo "the floor measured just before (rows of a size run back to back)."
