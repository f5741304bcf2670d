#!/bin/sh
# SPDX-License-Identifier: MIT
# deb-root-rig.sh ROOT BUILD_ID
# Runs in the rig's dom0 (gntbuf-vm run --domu, no --kmod), for
# check-deb-root.sh: ROOT is a fresh Debian 12 root holding the gntbuf
# packages, with xen-gntbuf built by DKMS; BUILD_ID is that module's GNU
# build ID (Debian's kernel records no srcversion for it).
# From the root's own files, chrooted into it: makes the static node
# /dev/xen/gntbuf as a boot would and opens it, which must load the DKMS
# module (devname autoload, the root's modprobe), checks that module's
# build ID, runs gntbuf-info and the gntbuf_export subtests of the
# installed fast IGT list.
set -eu
root=$1 want_id=$2
abi=$(uname -r)
fail() {
	echo "FAIL: $*"
	exit 1
}

[ ! -e /sys/module/xen_gntbuf ] || fail "xen-gntbuf is loaded before the test"
# Dom0's /dev, /proc and /sys in the root; /tmp and /run its own tmpfs
# (the root itself is the host's, read-only over 9p).
mounted=
cleanup() {
	for m in $mounted; do umount -R -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
for d in dev proc sys; do
	mount --rbind "/$d" "$root/$d" || fail "cannot bind /$d into $root"
	mounted="$root/$d $mounted"
done
for d in tmp run; do
	mount -t tmpfs tmpfs "$root/$d" || fail "cannot mount a tmpfs on $root/$d"
	mounted="$root/$d $mounted"
done
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp LANG=C.UTF-8 "$@"; }

# The module the root's modules.dep names: DKMS's.
ko=$(in_root modinfo -n xen-gntbuf) || fail "the root's modinfo finds no xen-gntbuf for $abi"
case "$ko" in
"/lib/modules/$abi/updates/dkms/xen-gntbuf.ko"*) ;;
*) fail "the root's xen-gntbuf is $ko, not DKMS's (/lib/modules/$abi/updates/dkms)" ;;
esac

# Autoload, as a system booted from this root gets it: the static node
# kmod makes from modules.devname (kmod-static-nodes.service), its mode
# and group from gntbuf-tools' tmpfiles entry (systemd-tmpfiles-setup-dev),
# and the first open loads the module: the kernel runs its modprobe helper
# for char-major-10-249. The rig's helper is dom0's initramfs busybox,
# which has no DKMS module: for this open the helper is the root's
# modprobe, through a script that logs what the kernel asked.
[ ! -e /dev/xen/gntbuf ] || fail "/dev/xen/gntbuf exists before the test"
in_root kmod static-nodes --format=tmpfiles --output=/run/static-nodes.conf ||
	fail "kmod static-nodes failed in the root"
grep -q '^c! /dev/xen/gntbuf 0600 - - - 10:249$' "$root/run/static-nodes.conf" ||
	fail "kmod static-nodes makes no /dev/xen/gntbuf: $(cat "$root/run/static-nodes.conf")"
in_root systemd-tmpfiles --create --boot /run/static-nodes.conf \
	/usr/lib/tmpfiles.d/xen-gntbuf.conf || fail "systemd-tmpfiles failed in the root"
node=$(in_root stat -c '%F %a %U:%G %t:%T' /dev/xen/gntbuf) || fail "no static node"
[ "$node" = "character special file 660 root:xen-gntbuf a:f9" ] ||
	fail "the static node is '$node', expected mode 660, group xen-gntbuf, 10:249"
helper=$GNTBUF_OUT/autoload-modprobe
cat >"$helper" <<HELPER
#!/bin/sh
echo "\$*" >>/host$GNTBUF_OUT/autoload.log
exec chroot /host$root /sbin/modprobe "\$@"
HELPER
chmod +x "$helper"
rm -f "$GNTBUF_OUT/autoload.log"
saved=$(cat /proc/sys/kernel/modprobe)
echo "/host$helper" >/proc/sys/kernel/modprobe
in_root gntbuf-info --backend module >/dev/null 2>&1 || true
echo "$saved" >/proc/sys/kernel/modprobe
[ -e /sys/module/xen_gntbuf ] ||
	fail "opening /dev/xen/gntbuf loaded no module (the kernel asked: $(cat "$GNTBUF_OUT/autoload.log" 2>/dev/null))"
echo "autoload: node $node; opening it had the kernel ask modprobe for" \
	"$(cat "$GNTBUF_OUT/autoload.log")"
in_root modprobe -v xen-gntbuf || fail "modprobe xen-gntbuf in the root failed"
# The loaded module's build ID: the last 20 bytes of its ELF note
# (namesz, descsz, type, "GNU\0", then the ID).
note=/sys/module/xen_gntbuf/notes/.note.gnu.build-id
[ -r "$note" ] || fail "xen_gntbuf is not loaded after modprobe (no $note)"
got=$(od -An -tx1 -v "$note" | tr -d ' \n' | tail -c 40)
[ "$got" = "$want_id" ] ||
	fail "the loaded xen_gntbuf has build ID $got, DKMS's $want_id"
[ -c /dev/xen/gntbuf ] || fail "no /dev/xen/gntbuf after modprobe"
echo "loaded $ko (build ID $got) from the root; /dev/xen/gntbuf is there"

# gntbuf-info, installed by gntbuf-tools, with the root's libgntbuf0.
json=$(in_root gntbuf-info --backend module --json) || fail "gntbuf-info failed: $json"
printf '%s\n' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["device"] == "/dev/xen/gntbuf", d["device"]
assert d["backend"] == "module", d["backend"]
assert d["abi_version"] >= 1, d["abi_version"]
assert d["capabilities"], "no capabilities"
print("gntbuf-info: %s, backend %s, ABI %d, capabilities %s" % (d["device"],
      d["backend"], d["abi_version"], " ".join(d["capabilities"])))
' || fail "gntbuf-info's report is not the module's: $json"

# The installed IGT test, with the subtests the installed fast list names.
list=/usr/share/gntbuf/igt/gntbuf-fast.testlist
subtests=$(sed -n 's/^igt@gntbuf_export@//p' "$root$list")
[ -n "$subtests" ] || fail "$list names no gntbuf_export subtest"
n=$(printf '%s\n' "$subtests" | wc -l)
echo "gntbuf_export, the $n subtests of $list:" $subtests
set +e
out=$(in_root /usr/libexec/gntbuf/igt/gntbuf_export \
	--run-subtest "$(printf '%s\n' "$subtests" | paste -sd, -)" 2>&1)
rc=$?
set -e
printf '%s\n' "$out" | grep -E '^(Subtest|Starting subtest)' || true
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -n 40; fail "gntbuf_export exited $rc"; }
for s in $subtests; do
	printf '%s\n' "$out" | grep -q "^Subtest $s: SUCCESS" ||
		fail "subtest $s did not pass"
done
echo "gntbuf_export from the root: $n subtests passed"
