# SPDX-License-Identifier: MIT
# The pipeline benchmark's plot (rig-pipeline.sh):
#   gnuplot -e "data='data-pv.txt'; png='pipeline-pv.png'; guest='pv'" pipeline.gp
# data: SIZE then p50 p99 max of gntbuf, of the copy path and of the floor.
set terminal pngcairo size 880,520 font "DejaVu Sans,10"
set output png
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
