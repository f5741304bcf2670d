# SPDX-License-Identifier: MIT
"""The shell scripts the guests run (POSIX sh, run by busybox in an
initramfs or by the host's /bin/sh in dom0's chroot), as templates whose
@KEY@s common.fill replaces."""

DOM0_INIT_HEAD = r"""#!/bin/sh
# gntbuf-vm dom0 /init: reach the host's root over 9p, chroot into it and
# run the per-run script that the host wrote in the run folder.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm

fail() {
    echo "@@GNTBUF-ERROR $*@@"
    poweroff -f
}

for m in @BOOT_MODULES@; do
    modprobe "$m" || fail "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs"
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 host /host ||
    fail "cannot mount the host's root over 9p"

run=
for arg in $(cat /proc/cmdline); do
    case "$arg" in
    gntbuf_run=*) run=${arg#gntbuf_run=} ;;
    esac
done
[ -n "$run" ] || fail "no gntbuf_run= on the kernel command line"
# Sets OUT (the output folder), MODULES (the cached module tree) and KEEP
# (host folders under a tmpfs that CMD needs).
. "/host$run/init.env" || fail "cannot read /host$run/init.env"

"""

# x86: dom0 runs CMD in the host's own root.
DOM0_ROOT_HOST = r"""for d in proc sys dev; do
    mount -o rbind "/$d" "/host/$d" || fail "cannot bind /$d"
done
# Host folders that CMD needs but that lie under a tmpfs (a clone in /tmp):
# hold them aside, mount the tmpfs, and bind them back at the same path.
i=0
for k in $KEEP; do
    mkdir -p "/keep/$i" && mount -o bind "/host$k" "/keep/$i" ||
        fail "cannot hold $k aside"
    i=$((i + 1))
done
for d in @TMPFS@; do
    mount -t tmpfs tmpfs "/host$d" || fail "cannot mount a tmpfs on $d"
done
i=0
for k in $KEEP; do
    mkdir -p "/host$k" && mount -o bind "/keep/$i" "/host$k" ||
        fail "cannot bind $k back"
    i=$((i + 1))
done
mount -t tmpfs tmpfs /host/lib/modules &&
    mkdir "/host/lib/modules/@ABI@" &&
    mount -o bind "/host$MODULES" "/host/lib/modules/@ABI@" ||
    fail "cannot bind the kernel's modules"
mkdir -p "/host$OUT"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "/host$OUT" ||
    fail "cannot mount the output folder over 9p"
"""

# arm64: the host's programs cannot run, dom0's root is a tmpfs with the
# arm64 root setup unpacked (its top-level folders bound read-only), the
# host folders CMD needs at their own paths, and the output folder.
DOM0_ROOT_ARM64 = r"""root=/newroot
mkdir -p $root && mount -t tmpfs tmpfs $root || fail "cannot mount $root"
for e in "/host$ARM64_ROOT"/*; do
    n=${e##*/}
    if [ -L "$e" ]; then
        cp -a "$e" "$root/$n" || fail "cannot copy the link $n"
    elif [ -d "$e" ]; then
        mkdir "$root/$n" && mount -o bind "$e" "$root/$n" ||
            fail "cannot bind the arm64 root's $n"
    fi
done
for d in proc sys dev; do
    mkdir -p "$root/$d" && mount -o rbind "/$d" "$root/$d" ||
        fail "cannot bind /$d"
done
for d in @TMPFS@; do
    mkdir -p "$root$d" && mount -t tmpfs tmpfs "$root$d" ||
        fail "cannot mount a tmpfs on $d"
done
for k in $KEEP; do
    mkdir -p "$root$k" && mount -o bind "/host$k" "$root$k" ||
        fail "cannot bind the host's $k"
done
mkdir -p "$root$OUT"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "$root$OUT" ||
    fail "cannot mount the output folder over 9p"
"""

DOM0_INIT_TAIL = r"""
vport=
for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = "@VPORT@" ] && vport=/dev/${p##*/}
done
[ -n "$vport" ] || fail "no virtio port @VPORT@"

GNTBUF_VPORT=$vport chroot @ROOT@ /bin/sh "$run/stage2.sh"
sync
umount "@ROOT@$OUT"
poweroff -f
"""

STAGE2_HEAD = r"""# gntbuf-vm stage 2: dom0, chrooted into the host's root.
fail() {
    echo "@@GNTBUF-ERROR $*@@"
    exit 1
}
load() {
    err=$(modprobe "$@" 2>&1) || fail "modprobe $* failed: $err"
}
kmod() {
    err=$(insmod "$@" 2>&1) || fail "insmod $* failed: $err"
}
"""

STAGE2_DOMU = r"""# Xen's toolstack: xl create needs xenstored, a named
# Domain-0 and xenconsoled (which logs each domU's console to a file).
mkdir -p /run/xen
@XEN_BIN@/xenstored --pid-file=/run/xenstored.pid || fail "xenstored failed"
# Up to 30 s for its first answer. Each try is bounded too: with its
# socket gone, xenstore-ls falls back to /dev/xen/xenbus, which in dom0
# blocks until a xenstored answers, forever if it died.
end=$(($(date +%s) + 30))
until timeout 5 xenstore-ls / >/dev/null 2>&1; do
    kill -0 "$(cat /run/xenstored.pid 2>/dev/null)" 2>/dev/null ||
        fail "xenstored exited before it answered (xenstore-ls /)"
    [ "$(date +%s)" -lt $end ] ||
        fail "xenstored did not answer xenstore-ls / within 30 s"
    sleep 0.1
done
@XEN_BIN@/xen-init-dom0 >/dev/null || fail "xen-init-dom0 failed"
rm -rf "$GNTBUF_OUT/xen-console"
mkdir -p "$GNTBUF_OUT/xen-console"
@XEN_BIN@/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
    --log-dir="$GNTBUF_OUT/xen-console" || fail "xenconsoled failed"
"""

STAGE2_TAIL = r"""mkdir -p /tmp/gntbuf-bin
ln -s @SCRIPT@ /tmp/gntbuf-bin/gntbuf-vm
printf '#!/bin/sh\nexec gntbuf-vm domu-start "$@"\n' \
    >/tmp/gntbuf-bin/gntbuf-vm-domu
chmod +x /tmp/gntbuf-bin/gntbuf-vm-domu
cd @CWD@ || fail "the working folder @CWD@ is not visible in the guest"
echo "@@GNTBUF-START@@"
env -i @ENV@ @CMD@ </dev/null >"$GNTBUF_VPORT" 2>&1
rc=$?
@KMEMLEAK@dmesg >"$GNTBUF_OUT/dmesg.txt" 2>&1
echo "@@GNTBUF-EXIT $rc@@"
"""

# The debug kernel's leak check once CMD is done, while its modules are
# still loaded (kmemleak names a backtrace's module functions only then).
# An object is reported once it is older than 5 s and unreferenced at a
# scan: sleep, then scan twice (the second finds what the first freed).
KMEMLEAK_SCAN = r"""kmemleak_scan() {
    f=/sys/kernel/debug/kmemleak
    [ -e $f ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
    [ -e $f ] || return 0
    sleep 5
    echo scan >$f && echo scan >$f && cat $f
}
"""
# In a domU, to its console (where the host looks): only the leaks whose
# backtrace names the module.
KMEMLEAK_DOMU = r"""kmemleak_scan | awk -v m=@MODULE@ '
    /^unreferenced object/ { if (b ~ m) printf "%s", b; b = "" }
    { b = b $0 "\n" }
    END { if (b ~ m) printf "%s", b }'
"""

DOMU_INIT = r"""#!/bin/sh
# gntbuf-vm domU /init: load the Xen and DRM frontend modules, then run
# /domu-cmd (added by `gntbuf-vm domu-start --cmd`) or idle.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# /tmp and /run stay on the initramfs (already in RAM): a tmpfs there would
# hide the files domu-start put under them (a CI clone in /tmp).
mkdir -p /tmp /run
modprobe xen-gntalloc limit=100000
for m in @MODULES@; do
    modprobe "$m" || echo "gntbuf-domu: modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen
# /domu-pre (domu-start --modprobe/--kmod) loads further modules.
if [ -f /domu-pre ] && ! sh /domu-pre; then
    echo "@@DOMU-EXIT 125@@"
    poweroff -f
fi
echo "@@DOMU-READY@@"
if [ -f /domu-cmd ]; then
    sh /domu-cmd
    echo "@@DOMU-EXIT $?@@"
    poweroff -f
fi
while :; do
    sleep 3600
done
"""


DOMU_RUN_CMD = r"""mkdir -p @CWD@ && cd @CWD@ || exit 125
env -i @ENV@ @CMD@ </dev/null
rc=$?
@KMEMLEAK@n=$(dmesg | grep -c -e '-----------\[ cut here \]------------')
echo "@@DOMU-WARNINGS $n@@"
[ "$n" = 0 ] || dmesg
exit $rc
"""

# dom0's /init, its @ROOT@ the folder it chroots into.
DOM0_INIT = DOM0_INIT_HEAD + DOM0_ROOT_HOST + DOM0_INIT_TAIL
DOM0_INIT_ARM64 = DOM0_INIT_HEAD + DOM0_ROOT_ARM64 + DOM0_INIT_TAIL
