#!/bin/sh
# SPDX-License-Identifier: MIT
# Host test: pipeline-report.sh reads the lines that displfront-flip,
# gntbuf-pingpong and gntbuf-displback print (in the forms they print them)
# and makes the table rows and the plot's data file.
#
#   check-report.sh PIPELINE_REPORT_SH
set -u
report=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat >"$d/console-pv.log" <<'X'
pingpong: mark 1 floor-640x480 begin
pingpong: floor 640x480 n 10 latency p50 2.000 p99 3.000 max 3.500 ms
displfront: measured 640x480 flips 10 latency p50 3.000 p99 6.000 max 7.000 ms
pingpong: copy 640x480 n 10 latency p50 8.000 p99 9.000 max 9.500 ms
X
cat >"$d/summary-pv.txt" <<'X'
displback summary: dom1 dev0 conn0 640x480: frames received 13 (flips 12), bytes copied 0, grant maps per frame: first 608, later 0.00 (0 over 12 frames), flip latency p50 0.003 p99 0.094 max 0.094 avg 0.006 ms, without the sink p50 0.002 p99 0.069 max 0.069 ms (percentiles of the last 12 flips), captured 0, events dropped 0, sink CPU-access grant maps 0
X
cat >"$d/pingpong-back-pv.txt" <<'X'
pingpong-back: floor 0x0 requests 12 bytes copied 0 grant map ops 0 unmap ops 0 map calls 0
pingpong-back: copy 640x480 requests 12 bytes copied 14745600 grant map ops 3600 unmap ops 3600 map calls 24
X
cat >"$d/counts.txt" <<'X'
pv floor 640x480 30 0 0
pv gntbuf 640x480 56 0 0
pv copy 640x480 66 10 10
X
sh "$report" "$d" 10 640x480 pv >"$d/out.txt" || { cat "$d/out.txt"; exit 1; }
fails=0
want() {
	if grep -qE "$1" "$d/$2"; then
		echo "ok: $2: $1"
	else
		echo "FAIL: $2 has no line matching: $1"
		fails=$((fails + 1))
	fi
}
want '^floor +640x480 +2\.000 +3\.000 +3\.500 +1\.00x +0\.0 +0 +0 +3\.0$' out.txt
want '^gntbuf +640x480 +3\.000 +6\.000 +7\.000 +1\.50x +0\.0 +0\.00 +0 +5\.6$' out.txt
want '^copy +640x480 +8\.000 +9\.000 +9\.500 +4\.00x +2\.0 +600 +1228800 +6\.6$' out.txt
want 'conn0 640x480: bytes copied 0, grant maps first 608 later 0\.00/frame; PG_FLIP to event p50 0\.003 p99 0\.094 max 0\.094 avg 0\.006 ms; without the sink p50 0\.002' out.txt
want '^640x480 3\.000 6\.000 7\.000 8\.000 9\.000 9\.500 2\.000 3\.000 3\.500$' data-pv.txt
[ $fails -eq 0 ] || cat "$d/out.txt"
exit $fails
