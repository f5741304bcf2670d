#!/bin/sh
# SPDX-License-Identifier: MIT
# build-arm64-userspace.sh MESON CROSS_FILE SOURCE_DIR BUILD_DIR STAMP TARGET...
# The arm64 rig tests' userspace: this project cross-built for arm64 with
# the rig's meson cross file (tools/gntbuf-vm --arch arm64 cross-file) in
# BUILD_DIR, configured once (module, examples and rig tests off; the IGT
# tests on gntbuf's builtin IGT core, igt-tests/igt-core, since Debian has
# no libigt for arm64), then each TARGET compiled; STAMP touched on success.
# A BUILD_DIR configured with other options (an older tree's) is
# reconfigured, one set up with another cross file made anew.
set -eu
meson=$1 cross=$2 src=$3 dir=$4 stamp=$5
shift 5
opts="-Dkernel_module=disabled -Digt_tests=enabled -Digt_core=builtin
-Dexamples=disabled -Drig_tests=disabled -Ddkms=false"
# shellcheck disable=SC2086 # one word per option
want=$(printf '%s\n' "$cross" $opts)
# meson keeps the cross file it was set up with: another one (setup wrote
# it anew) wants a fresh BUILD_DIR.
if [ -f "$dir/build.ninja" ] && ! cmp -s "$cross" "$dir/gntbuf-cross-file"; then
	rm -rf "$dir"
fi
if [ -f "$dir/build.ninja" ] &&
	[ "$(cat "$dir/gntbuf-cross-options" 2>/dev/null)" != "$want" ]; then
	# shellcheck disable=SC2086 # one word per option
	if ! "$meson" setup --reconfigure $opts "$dir" "$src" \
		>"$dir.log" 2>&1; then
		cat "$dir.log" >&2
		rm -rf "$dir"
	fi
fi
if [ ! -f "$dir/build.ninja" ]; then
	# shellcheck disable=SC2086
	if ! "$meson" setup --cross-file "$cross" $opts "$dir" "$src" \
		>"$dir.log" 2>&1; then
		cat "$dir.log" >&2
		rm -rf "$dir"
		echo "build-arm64-userspace: meson setup of $dir failed" >&2
		exit 1
	fi
fi
printf '%s\n' "$want" >"$dir/gntbuf-cross-options"
cp "$cross" "$dir/gntbuf-cross-file"
# meson compile looks TARGETs up before ninja regenerates build.ninja: a
# target new in the tree would not be found in a build dir configured
# before it.
ninja -C "$dir" build.ninja >/dev/null
"$meson" compile -C "$dir" "$@"
touch "$stamp"
