# SPDX-License-Identifier: MIT
# The pipeline benchmark's plot (rig-pipeline.sh):
#   gnuplot -e "data='data-pv.txt'; sync='sync.txt'; png='pipeline-pv.png'; guest='pv'" pipeline.gp
# data: SIZE, then p50 p99 max of gntbuf, of the copy path, of the floor.
# sync (optional, gntbuf-bench --damage): SxS BYTES SYNC_RANGES_MS FULL_MS.
have_sync = exists("sync") && strlen(system("test -s '" . sync . "' && echo y")) > 0
set terminal pngcairo noenhanced size (have_sync ? 1300 : 880), 520 font "DejaVu Sans,10"
set output png
if (have_sync) { set multiplot layout 1, 2 }

set title sprintf("Page flip latency by resolution, %s domU to PV dom0\n(QEMU TCG, one run: compare ratios only)", guest)
set ylabel "ms per flip: p50, bar to p99 (log scale)"
set xlabel "frame size (XRGB8888)"
set logscale y
set grid ytics
set key top left box opaque
set offsets 0.3, 0.3, 0, 0
set xtics nomirror
plot data using 0:2:2:3:xtic(1) with yerrorlines lw 2 pt 7 title "gntbuf (displback, null sink)", \
     data using 0:5:5:6 with yerrorlines lw 2 pt 5 title "copy path (gntdev map + memcpy + unmap)", \
     data using 0:8:8:9 with yerrorlines lw 2 dt 2 pt 9 title "floor (event-channel ping-pong)"

if (have_sync) {
	reset
	set title "Flush of a damaged square, 4K ALLOC buffer (32 MiB), to device\n(median; TCG models no caches: the cost is the calls' own)"
	set xlabel "damage (bytes), one SYNC_RANGES call of a range per row"
	set ylabel "ms (log scale)"
	set logscale xy
	set grid xtics ytics
	set key top left box opaque
	set format x "%.0s%cB"
	set offsets graph 0.05, graph 0.05, 0, 0
	plot sync using 2:3 with linespoints lw 2 pt 7 title "SYNC_RANGES, one call", \
	     sync using 2:3:1 with labels offset 0, 1 notitle, \
	     sync using 2:4 with lines lw 2 dt 2 title "full-buffer sync (DMA_BUF_IOCTL_SYNC end)"
	unset multiplot
}
