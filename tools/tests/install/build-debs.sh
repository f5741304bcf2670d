#!/bin/sh
# SPDX-License-Identifier: MIT
# build-debs.sh SRCDIR OUTDIR
# Builds the Debian packages of the tree with dpkg-buildpackage -us -uc -b
# in OUTDIR/src, a copy of the working tree (the files git tracks or would
# track; without git, the tree minus build folders), so the tree itself
# stays clean. The .debs, .buildinfo and .changes land in OUTDIR, the
# build's log in OUTDIR/build.log (its end is printed on failure).
# The package's own test run is left out (DEB_BUILD_OPTIONS=nocheck): the
# same host tests run in meson's test run.
# Used by check-debs.sh (the packages' contents) and check-deb-root.sh
# (the packages installed into a fresh Debian root, run in the rig).
# Exit status: 0 built, 1 the build failed, 77 dpkg-buildpackage,
# debhelper, dh-dkms or a build dependency is missing.
set -eu
src=$1 out=$2
for tool in dpkg-buildpackage dh dh_dkms; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is missing (apt-get install dpkg-dev debhelper dh-dkms)"
		exit 77
	fi
done
if ! (cd "$src" && dpkg-checkbuilddeps -P nocheck) >/dev/null 2>&1; then
	(cd "$src" && dpkg-checkbuilddeps -P nocheck) || true
	echo "SKIP: the build dependencies above are missing"
	exit 77
fi
mkdir -p "$out/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -C "$out/src" -xf -
else
	(cd "$src" && tar --exclude=./build --exclude='./build-*' \
		--exclude='./obj-*' -cf - .) | tar -C "$out/src" -xf -
fi

echo "dpkg-buildpackage -us -uc -b (nocheck) in $out/src"
# DPKG_GENSYMBOLS_CHECK_LEVEL=4: a version node of gntbuf.sym that
# debian/libgntbuf0.symbols lacks fails the build.
if ! (cd "$out/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	DPKG_GENSYMBOLS_CHECK_LEVEL=4 dpkg-buildpackage -us -uc -b -Pnocheck) >"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log"
	echo "dpkg-buildpackage failed"
	exit 1
fi
