#!/bin/sh
# SPDX-License-Identifier: MIT
# check-debs.sh SRCDIR EXPECTED_DIR
# Builds the Debian packages of the tree (dpkg-buildpackage -us -uc -b, in
# a copy of the working tree: the files git tracks or would track) and
# checks them:
# - each package's files (dpkg-deb -c, folders aside) are
#   EXPECTED_DIR/<package>.files, with @multiarch@ and @version@;
#   no package is missing and none is extra (-dbgsym aside);
# - what the lists cannot say: libgntbuf-dev needs this very libgntbuf0,
#   xen-gntbuf-dkms needs dkms and its postinst builds the module with it,
#   gntbuf-tools' postinst makes the xen-gntbuf group (systemd-sysusers)
#   and does not enable the backend's unit;
# - libgntbuf0's symbols file covers every version node (the build fails
#   otherwise);
# - lintian finds no error (E:).
# The package's own test run is left out (DEB_BUILD_OPTIONS=nocheck): the
# same host tests run in this meson test run. Skips (77) without
# dpkg-buildpackage, debhelper, dh-dkms or lintian.
set -eu
src=$1 expected=$2
for tool in dpkg-buildpackage dh dh_dkms lintian; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is missing (apt-get install dpkg-dev debhelper dh-dkms lintian)"
		exit 77
	fi
done
if ! (cd "$src" && dpkg-checkbuilddeps -P nocheck) >/dev/null 2>&1; then
	(cd "$src" && dpkg-checkbuilddeps -P nocheck) || true
	echo "SKIP: the build dependencies above are missing"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -C "$tmp/src" -xf -
else
	(cd "$src" && tar --exclude=./build --exclude='./build-*' \
		--exclude='./obj-*' -cf - .) | tar -C "$tmp/src" -xf -
fi

echo "dpkg-buildpackage -us -uc -b (nocheck) in $tmp/src"
# DPKG_GENSYMBOLS_CHECK_LEVEL=4: a version node of gntbuf.sym that
# debian/libgntbuf0.symbols lacks fails the build.
if ! (cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	DPKG_GENSYMBOLS_CHECK_LEVEL=4 dpkg-buildpackage -us -uc -b -Pnocheck) >"$tmp/build.log" 2>&1; then
	tail -n 60 "$tmp/build.log"
	echo "dpkg-buildpackage failed"
	exit 1
fi
version=$(cd "$tmp/src" && dpkg-parsechangelog -S Version)
multiarch=$(dpkg-architecture -q DEB_HOST_MULTIARCH)
status=0

ls "$tmp"/*.deb | sed 's|.*/||; s/_.*//' | grep -v -- '-dbgsym$' | sort >"$tmp/built"
ls "$expected"/*.files | sed 's|.*/||; s/\.files$//' | sort >"$tmp/want"
if ! diff -u "$tmp/want" "$tmp/built"; then
	echo "packages built (+) differ from $expected/*.files (-)"
	status=1
fi

for pkg in $(cat "$tmp/want"); do
	deb=$(ls "$tmp/${pkg}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || continue
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' |
		sed "s|$multiarch|@multiarch@|g; s|$version|@version@|g" | sort >"$tmp/$pkg.got"
	sed 's/#.*//; /^[[:space:]]*$/d' "$expected/$pkg.files" | sort >"$tmp/$pkg.want"
	if ! diff -u "$tmp/$pkg.want" "$tmp/$pkg.got" >"$tmp/$pkg.diff"; then
		echo "$pkg: files (+) differ from $expected/$pkg.files (-):"
		grep '^[-+][^-+]' "$tmp/$pkg.diff"
		status=1
	fi
	dpkg-deb -e "$deb" "$tmp/$pkg.control"
	echo "$pkg $(dpkg-deb -f "$deb" Version): $(wc -l <"$tmp/$pkg.got") files"
done

field() { dpkg-deb -f "$(ls "$tmp/${1}_"*.deb | head -n 1)" "$2"; }
case ", $(field libgntbuf-dev Depends)," in
*", libgntbuf0 (= $version),"*) ;;
*) echo "libgntbuf-dev does not depend on libgntbuf0 (= $version)"; status=1 ;;
esac
case ", $(field xen-gntbuf-dkms Depends)," in
*", dkms"*) ;;
*) echo "xen-gntbuf-dkms does not depend on dkms"; status=1 ;;
esac
grep -q 'dkms' "$tmp/xen-gntbuf-dkms.control/postinst" 2>/dev/null || {
	echo "xen-gntbuf-dkms's postinst does not run dkms"
	status=1
}
grep -q 'systemd-sysusers.*xen-gntbuf.conf' "$tmp/gntbuf-tools.control/postinst" 2>/dev/null || {
	echo "gntbuf-tools' postinst does not make the xen-gntbuf group"
	status=1
}
if grep -q "deb-systemd-helper enable 'gntbuf-displback.service'" "$tmp/gntbuf-tools.control/postinst" &&
   ! grep -q 'was-enabled' "$tmp/gntbuf-tools.control/postinst"; then
	echo "gntbuf-tools' postinst enables gntbuf-displback.service"
	status=1
fi

lintian --tag-display-limit 0 "$tmp"/*.changes >"$tmp/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$tmp/lintian.log" || true
if grep -q '^E: ' "$tmp/lintian.log"; then
	echo "lintian reports errors"
	status=1
fi
# Warnings the packaging fixed once stay fixed.
if grep -E '^W: .*(executable-not-elf-or-script|systemd-service-file-outside-lib)' "$tmp/lintian.log"; then
	echo "lintian: the warnings above came back"
	status=1
fi
exit $status
