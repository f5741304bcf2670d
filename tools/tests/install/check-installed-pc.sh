#!/bin/sh
# SPDX-License-Identifier: MIT
# check-installed-pc.sh MESON BUILD_ROOT CC SOURCE STATIC
# Installs the build into a DESTDIR and builds SOURCE, a program from
# outside the tree, against the installed gntbuf.pc only:
# - shared: `pkg-config --cflags --libs gntbuf`; the program must need
#   libgntbuf.so.0 and run against the installed copy;
# - static: `pkg-config --static --cflags --libs gntbuf` with libgntbuf.a
#   in place of -lgntbuf; the program must not need libgntbuf.so and must
#   link with nothing but what the pc file names (Requires.private,
#   Libs.private), and run. STATIC is "static" when the build makes
#   libgntbuf.a (-Ddefault_library=both), "shared" when it does not.
# <xen/gntbuf.h> must come from the installed include folder.
# The pc file is relocated into the DESTDIR by rewriting its prefix=.
set -eu
meson=$1 build=$2 cc=$3 src=$4 static=$5
. "$(dirname "$0")/install-lib.sh"
install_build "$meson" "$build"
pc=$(find "$dest" -name gntbuf.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || { echo "no gntbuf.pc installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
for v in includedir libdir; do
	case $(sed -n "s/^$v=//p" "$pc") in
	'${prefix}'*) ;;
	*) echo "$pc: $v is not under \${prefix}: cannot relocate it"; exit 1 ;;
	esac
done
mkdir "$tmp/pc"
sed "s|^prefix=.*|prefix=$dest$prefix|" "$pc" >"$tmp/pc/gntbuf.pc"
export PKG_CONFIG_PATH="$tmp/pc"
echo "installed $pc:"
sed 's/^/  /' "$pc"

cflags=$(pkg-config --cflags gntbuf)
libdir=$(pkg-config --variable=libdir gntbuf)
includedir=$(pkg-config --variable=includedir gntbuf)

# The ABI header the program sees is the installed one.
# shellcheck disable=SC2086
$cc -std=c11 $cflags -M "$src" >"$tmp/deps"
if ! tr ' \\' '\n\n' <"$tmp/deps" | grep -qx "$includedir/gntbuf/xen/gntbuf.h"; then
	echo "<xen/gntbuf.h> does not resolve to $includedir/gntbuf/xen/gntbuf.h:"
	tr ' \\' '\n\n' <"$tmp/deps" | grep 'gntbuf\.h$'
	exit 1
fi

# Shared.
libs=$(pkg-config --libs gntbuf)
echo "shared: $cflags $libs"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror $cflags -o "$tmp/prog-shared" "$src" $libs
if ! readelf -d "$tmp/prog-shared" | grep -q 'NEEDED.*\[libgntbuf\.so\.0\]'; then
	echo "the shared build does not need libgntbuf.so.0"
	exit 1
fi
LD_LIBRARY_PATH="$libdir" "$tmp/prog-shared"
LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog-shared" | grep -q "libgntbuf.so.0 => $libdir/" || {
	echo "the shared build does not load $libdir/libgntbuf.so.0"
	exit 1
}

# Static libgntbuf.a, the rest as pkg-config --static names it.
if [ "$static" != static ]; then
	if [ -e "$libdir/libgntbuf.a" ]; then
		echo "$libdir/libgntbuf.a installed by a shared-only build"
		exit 1
	fi
	echo "static: not built (-Ddefault_library=shared)"
	exit 0
fi
if [ ! -f "$libdir/libgntbuf.a" ]; then
	echo "no $libdir/libgntbuf.a installed (-Ddefault_library=both)"
	exit 1
fi
slibs=$(pkg-config --static --libs gntbuf)
case " $slibs " in
*" -lgntbuf "*) ;;
*) echo "pkg-config --static --libs has no -lgntbuf: $slibs"; exit 1 ;;
esac
slibs=$(echo " $slibs " | sed "s| -lgntbuf | $libdir/libgntbuf.a |")
echo "static: $cflags $slibs"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror $cflags -o "$tmp/prog-static" "$src" $slibs
if readelf -d "$tmp/prog-static" | grep -q 'NEEDED.*libgntbuf'; then
	echo "the static build still needs libgntbuf.so"
	exit 1
fi
"$tmp/prog-static"
