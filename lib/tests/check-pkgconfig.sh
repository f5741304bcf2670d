#!/bin/sh
# SPDX-License-Identifier: MIT
# check-pkgconfig.sh BUILD_ROOT CC SOURCE
# `pkg-config gntbuf` (meson's uninstalled gntbuf.pc) gives what a program
# needs to build against libgntbuf and run: compile SOURCE with it, run it.
set -eu
build_root=$1 cc=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PKG_CONFIG_PATH="$build_root/meson-uninstalled"

pkg-config --exists gntbuf || { echo "pkg-config finds no gntbuf"; exit 1; }
echo "gntbuf $(pkg-config --modversion gntbuf)"
cflags=$(pkg-config --cflags gntbuf)
libs=$(pkg-config --libs gntbuf)
libdir=$(pkg-config --libs-only-L gntbuf | sed 's/^ *-L//; s/ .*//')
echo "cflags: $cflags"
echo "libs: $libs"
# shellcheck disable=SC2086
$cc -std=c99 -Wall -Werror $cflags -o "$tmp/prog" "$src" $libs \
	-Wl,-rpath,"$libdir"
"$tmp/prog"
