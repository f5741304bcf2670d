#!/bin/sh
# SPDX-License-Identifier: MIT
# check-dkms-build.sh MESON BUILD_ROOT VERSION KDIR
# Installs the build into a DESTDIR and runs `dkms add` and `dkms build`
# on the installed DKMS tree (DESTDIR/usr/src/xen-gntbuf-VERSION) against
# the kernel headers in KDIR, with dkms's own tree in a temporary folder:
# nothing of the host's /var/lib/dkms or /lib/modules is touched, and the
# module is not signed (no key is made). The module built must be
# xen-gntbuf.ko for KDIR's kernel release. Skips (77) without dkms or
# without the headers.
set -eu
meson=$1 build=$2 version=$3 kdir=$4
if ! command -v dkms >/dev/null; then
	echo "SKIP: dkms is not installed (apt-get install dkms)"
	exit 77
fi
if [ ! -f "$kdir/Makefile" ]; then
	echo "SKIP: no kernel headers in $kdir (tools/gntbuf-vm setup installs them)"
	exit 77
fi
# The release modules are built for (Debian's include/config/kernel.release
# holds the upstream version, 6.1.x; UTS_RELEASE is the ABI name).
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
	"$kdir/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$krel" ] || { echo "$kdir: no UTS_RELEASE in include/generated/utsrelease.h"; exit 1; }
. "$(dirname "$0")/install-lib.sh"
install_build "$meson" "$build"
tree=$(find "$dest" -type f -name dkms.conf -path "*/xen-gntbuf-$version/*")
[ -n "$tree" ] || { echo "no xen-gntbuf-$version/dkms.conf installed (-Ddkms=false?)"; exit 1; }
tree=$(dirname "$tree")
sourcetree=$(dirname "$tree")
echo "DKMS tree: ${tree#"$dest"}"

# dkms.conf names the version the tree is installed as.
conf_name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$tree/dkms.conf")
conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$tree/dkms.conf")
if [ "$conf_name" != xen-gntbuf ] || [ "$conf_version" != "$version" ]; then
	echo "dkms.conf says $conf_name/$conf_version, the tree is xen-gntbuf/$version"
	exit 1
fi

# sign_file: a missing one makes dkms skip signing (dkms 3.0's
# prepare_signing) instead of making a key in /var/lib/dkms.
export sign_file="$tmp/no-sign-file"
mkdir "$tmp/dkms"
dkms_args="-m xen-gntbuf -v $version --sourcetree $sourcetree --dkmstree $tmp/dkms"
# shellcheck disable=SC2086
dkms add $dkms_args >"$tmp/add.log" 2>&1 || {
	cat "$tmp/add.log"
	echo "dkms add failed"
	exit 1
}
# shellcheck disable=SC2086
if ! dkms build $dkms_args -k "$krel" --kernelsourcedir "$kdir" >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	cat "$tmp/dkms/xen-gntbuf/$version/build/make.log" 2>/dev/null || true
	echo "dkms build failed"
	exit 1
fi
ko=$(find "$tmp/dkms/xen-gntbuf/$version/$krel" -name 'xen-gntbuf.ko*' | head -n 1)
if [ -z "$ko" ]; then
	cat "$tmp/build.log"
	echo "dkms build left no xen-gntbuf.ko for $krel"
	exit 1
fi
case $ko in
*.ko) vermagic=$(modinfo -F vermagic "$ko") ;;
*) vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || echo "?") ;;
esac
case $vermagic in
"$krel "*) ;;
*) echo "$ko: vermagic '$vermagic' is not for $krel"; exit 1 ;;
esac
echo "dkms built ${ko#"$tmp/"} (vermagic $vermagic)"
