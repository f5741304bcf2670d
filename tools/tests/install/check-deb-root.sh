#!/bin/sh
# SPDX-License-Identifier: MIT
# check-deb-root.sh SRCDIR WORKDIR GNTBUF_VM KERNEL_ABI
# The Debian packages as a user gets them, run in Xen:
# 1. builds the tree's .debs (build-debs.sh, as check-debs.sh does);
# 2. makes a fresh Debian 12 root in WORKDIR/root with mmdebstrap: apt,
#    dkms, linux-headers-KERNEL_ABI (the rig kernel's headers) and the
#    .debs (-dbgsym aside), installed by apt, so their dependencies come
#    from Debian and xen-gntbuf-dkms's postinst has DKMS build the module;
# 3. checks there that DKMS built and installed xen-gntbuf for KERNEL_ABI
#    (and for no other kernel, not the host's), and that depmod gave it
#    its devname line (xen/gntbuf, char 10:249, for autoload);
# 4. boots the rig (GNTBUF_VM run --domu, no --kmod) and runs
#    deb-root-rig.sh in dom0: chrooted into the fresh root, modprobe
#    xen-gntbuf (it checks that the module loaded is DKMS's, by build ID),
#    gntbuf-info and the installed gntbuf_export with the subtests of the
#    installed fast IGT list.
# The root's downloaded .debs are kept in $GNTBUF_CACHE/deb-root-apt
# (default ~/.cache/gntbuf/deb-root-apt): a rerun downloads only the
# package lists. Logs (mmdebstrap.log, rig-out/) stay in WORKDIR; the root
# (about 470 MB) is removed at the end unless GNTBUF_KEEP_DEB_ROOT=1.
# Exit status: 0 passed, 1 failed, 77 skipped (not root, no mmdebstrap, or
# what build-debs.sh skips for).
set -eu
src=$1 work=$2 vm=$3 abi=$4
mirror=${GNTBUF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${GNTBUF_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
cache=${GNTBUF_CACHE:-$HOME/.cache/gntbuf}/deb-root-apt

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (mmdebstrap --mode=root, chroot)"
	exit 77
fi
if ! command -v mmdebstrap >/dev/null; then
	echo "SKIP: mmdebstrap is missing (apt-get install mmdebstrap)"
	exit 77
fi
case "$work" in
/*/deb-root) ;;
*) echo "WORKDIR must be an absolute path ending in /deb-root: $work"; exit 1 ;;
esac
root=$work/root

# Remove the root of an earlier run: never across a mount left in it.
remove_root() {
	[ -d "$root" ] || return 0
	awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do umount -l "$m" || true; done
	if awk -v r="$root/" 'index($2 "/", r) == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
		echo "mounts remain under $root: not removing it"
		return 1
	fi
	rm -rf --one-file-system "$root"
}
remove_root
rm -rf "$work/debs" "$work/rig-out" "$work/mmdebstrap.log" "$work/mmdebstrap.rc"
mkdir -p "$work" "$cache"
# GNTBUF_KEEP_DEB_ROOT=1 keeps it, to rerun deb-root-rig.sh by hand.
[ "${GNTBUF_KEEP_DEB_ROOT:-}" = 1 ] || trap 'remove_root' EXIT

t0=$(date +%s)
"$(dirname "$0")/build-debs.sh" "$src" "$work/debs" || exit $?
version=$(cd "$work/debs/src" && dpkg-parsechangelog -S Version)
rm -rf "$work/debs/src"
includes=
for deb in "$work"/debs/*.deb; do
	case "$deb" in *-dbgsym_*) continue ;; esac
	includes="$includes --include=$deb"
done
t1=$(date +%s)
echo "packages $version built in $((t1 - t0)) s"

# A throwaway root: dpkg need not sync each file, nor unpack manuals,
# translations and documentation that nothing here reads.
# The .debs the root downloads are synced in from the cache and back out
# (superseded ones dropped by apt-get autoclean), into a new folder that
# replaces the cache: it holds what the last root used, no more.
rm -rf "$cache.new"
echo "mmdebstrap bookworm $root (apt cache $cache)"
# Each line of the log begins with the seconds since the start.
# shellcheck disable=SC2086
{ mmdebstrap --verbose --mode=root --variant=apt --skip=essential/unlink \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt=force-unsafe-io \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
	--include="dkms,linux-headers-$abi" $includes \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $cache /var/cache/apt/archives/" \
	--customize-hook='chroot "$1" apt-get autoclean' \
	--customize-hook="mkdir -p $cache.new" \
	--customize-hook="sync-out /var/cache/apt/archives $cache.new" \
	bookworm "$root" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main" || echo $? >"$work/mmdebstrap.rc"
} 2>&1 | perl -ne 'BEGIN { $| = 1; $t0 = time } printf "%4d %s", time - $t0, $_' \
	>"$work/mmdebstrap.log"
if [ -e "$work/mmdebstrap.rc" ]; then
	tail -n 40 "$work/mmdebstrap.log"
	echo "FAIL: mmdebstrap failed (log: $work/mmdebstrap.log)"
	exit 1
fi
rm -f "$cache.new"/*.bin "$cache.new/lock"
rm -rf "$cache.new/partial" "$cache"
mv "$cache.new" "$cache"
rm -f "$root"/var/cache/apt/archives/*.deb
t2=$(date +%s)
echo "root made in $((t2 - t1)) s: $(du -sm "$root" | cut -f1) MB, apt cache $(du -sm "$cache" | cut -f1) MB"
echo "xen-gntbuf-dkms's postinst and DKMS, as the install logged them:"
sed 's/^ *[0-9]* //' "$work/mmdebstrap.log" |
	grep -E '^(Building for|Building initial module|Module build for|It is likely that|dkms: )|xen-gntbuf|Running module version sanity|depmod' |
	grep -v -E '^([[:space:]]|Get:|Selecting|Preparing|Unpacking|bind-mounting)' || true

status=0
fail() {
	echo "FAIL: $*"
	status=1
}
for pkg in libgntbuf0 libgntbuf-dev gntbuf-tools gntbuf-tests xen-gntbuf-dkms; do
	got=$(chroot "$root" dpkg-query -W -f '${Version} ${db:Status-Status}' "$pkg" 2>/dev/null) ||
		got="not installed"
	[ "$got" = "$version installed" ] || fail "$pkg in the root: $got, expected $version installed"
done
# DKMS's own record, and the module it installed.
dkms_dir=$root/var/lib/dkms/xen-gntbuf/$version
kernels=$(cd "$dkms_dir" 2>/dev/null && for k in *; do
	[ -d "$k" ] && [ "$k" != build ] && [ "$k" != source ] && echo "$k"; done) || true
[ "$kernels" = "$abi" ] ||
	fail "DKMS built xen-gntbuf $version for '$(printf '%s' "$kernels" | tr '\n' ' ')', expected only $abi (the host runs $(uname -r))"
ko=$(ls "$root/lib/modules/$abi/updates/dkms/"xen-gntbuf.ko* 2>/dev/null | head -n 1) || true
if [ -z "$ko" ]; then
	fail "no xen-gntbuf.ko in $root/lib/modules/$abi/updates/dkms"
	exit 1
fi
built=$(ls "$dkms_dir/$abi"/*/module/xen-gntbuf.ko* 2>/dev/null | head -n 1) || true
[ -n "$built" ] && cmp -s "$built" "$ko" ||
	fail "$ko is not the module DKMS built ($dkms_dir/$abi/*/module)"
modinfo -F vermagic "$ko" | grep -q "^$abi " ||
	fail "$ko: vermagic $(modinfo -F vermagic "$ko"), not $abi"
grep -q '^xen_gntbuf xen/gntbuf c10:249$' "$root/lib/modules/$abi/modules.devname" ||
	fail "modules.devname has no xen/gntbuf line for autoload"
build_id=$(readelf -n "$ko" | sed -n 's/^ *Build ID: *//p')
[ -n "$build_id" ] || fail "$ko has no build ID"
[ $status -eq 0 ] || exit 1
echo "DKMS installed $ko for $abi only (build ID $build_id), devname xen/gntbuf"

# In Xen: dom0 sees the host's / read-only, the root included.
rc=0
"$vm" run --timeout 600 --domu --out "$work/rig-out" -- \
	/bin/sh "$(cd "$(dirname "$0")" && pwd)/deb-root-rig.sh" "$root" "$build_id" || rc=$?
t3=$(date +%s)
echo "times: packages $((t1 - t0)) s, root $((t2 - t1)) s, rig $((t3 - t2)) s"
[ $rc -eq 0 ] || { echo "FAIL: the run in the rig ended with $rc"; exit 1; }
