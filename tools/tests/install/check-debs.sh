#!/bin/sh
# SPDX-License-Identifier: MIT
# check-debs.sh SRCDIR EXPECTED_DIR
# Builds the Debian packages of the tree (build-debs.sh: dpkg-buildpackage
# -us -uc -b in a copy of the working tree) and checks them:
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
# The build is build-debs.sh's (nocheck: the same host tests run in this
# meson test run). Skips (77) without dpkg-buildpackage, debhelper, dh-dkms,
# a build dependency or lintian.
set -eu
src=$1 expected=$2
if ! command -v lintian >/dev/null; then
	echo "SKIP: lintian is missing (apt-get install lintian)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$(dirname "$0")/build-debs.sh" "$src" "$tmp" || exit $?
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
