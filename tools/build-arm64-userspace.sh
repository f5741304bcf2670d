#!/bin/sh
# SPDX-License-Identifier: MIT
# build-arm64-userspace.sh MESON CROSS_FILE SOURCE_DIR BUILD_DIR STAMP TARGET...
# The arm64 rig tests' userspace: this project cross-built for arm64 with
# the rig's meson cross file (tools/gntbuf-vm --arch arm64 cross-file) in
# BUILD_DIR, configured once (module, IGT and examples off), then each
# TARGET compiled; STAMP touched on success.
set -eu
meson=$1 cross=$2 src=$3 dir=$4 stamp=$5
shift 5
if [ ! -f "$dir/build.ninja" ]; then
	if ! "$meson" setup --cross-file "$cross" -Dkernel_module=disabled \
		-Digt_tests=disabled -Dexamples=disabled -Drig_tests=disabled \
		-Ddkms=false "$dir" "$src" >"$dir.log" 2>&1; then
		cat "$dir.log" >&2
		rm -rf "$dir"
		echo "build-arm64-userspace: meson setup of $dir failed" >&2
		exit 1
	fi
fi
"$meson" compile -C "$dir" "$@"
touch "$stamp"
