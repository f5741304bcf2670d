#!/bin/sh
# SPDX-License-Identifier: MIT
# run-examples.sh BUILD_DIR: in the rig's dom0, the frontend example grants
# a frame to this domain (domid 0), the backend example takes it through the
# page directory as a dma-buf and a framebuffer, and both must see the same
# pixels; then the frontend's grants must come back once the backend is done.
# Exit 77 (skip) when there is no grant device that can do it.
set -eu
bin=$1
dir=${GNTBUF_OUT:-$(mktemp -d)}
# A fifo on a local file system (the rig's $GNTBUF_OUT is 9p, which has none).
fifo_dir=$(mktemp -d)
fifo=$fifo_dir/frontend.in
trap 'rm -rf "$fifo_dir"' EXIT
mkfifo "$fifo"

# The frontend holds its buffer until its stdin closes.
"$bin/gntbuf-example-frontend" 0 320 200 <"$fifo" >"$dir/frontend.out" &
front=$!
exec 3>"$fifo"

for _ in $(seq 100); do
	[ -s "$dir/frontend.out" ] && break
	kill -0 $front 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$dir/frontend.out" ]; then
	exec 3>&-
	set +e
	wait $front
	st=$?
	echo "frontend example ended with status $st before it shared a frame"
	exit $st
fi
read -r domid gref_dir size width height stride front_sum <"$dir/frontend.out"
echo "frontend: gref_directory $gref_dir, buffer_sz $size, ${width}x$height, stride $stride, $front_sum"

# Prefer a KMS card (vkms) to vgem, which has no framebuffers.
card=/dev/dri/card0
for c in /sys/class/drm/card*; do
	case $(basename "$c") in *-*) continue ;; esac
	if [ "$(basename "$(readlink -f "$c/device")")" = vkms ]; then
		card=/dev/dri/$(basename "$c")
	fi
done
"$bin/gntbuf-example-backend" "$domid" "$gref_dir" "$size" "$width" \
	"$height" "$stride" "$card" | tee "$dir/backend.out"
back_sum=$(sed -n 's/^\(checksum=.*\)/\1/p' "$dir/backend.out")
grep -q '^released$' "$dir/backend.out"

exec 3>&-
wait $front
if [ "$front_sum" != "$back_sum" ]; then
	echo "the backend saw $back_sum, the frontend drew $front_sum"
	exit 1
fi
echo "same pixels on both sides ($back_sum); grants released"
