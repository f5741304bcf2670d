# SPDX-License-Identifier: MIT
"""The arm64 machine: Debian's arm64 kernel and Xen, fetched as arm64 .debs
with an apt state of their own (the host never installs them), the arm64
userland dom0 runs CMD in, and QEMU's command line (qemu-system-aarch64
TCG, Xen as the kernel, dom0's kernel and initramfs through QEMU's
guest-loader).  What x86-64 has of its own is in amd64.

Why a separate apt state and not multiarch: the rig needs a handful of
arm64 files unpacked in its cache, never an arm64 package installed;
`dpkg --add-architecture arm64` would change the host's package database
for every later apt-get, and the host's own lists and pkgcache stay as
they were this way.

The dom0 userland: the host's programs are x86-64, so dom0 cannot chroot
into the host's / as on x86.  Its root is a tmpfs holding the arm64 root
that setup unpacked (busybox-static, libc6: enough for shell commands and
for programs cross-built for arm64, static or dynamic) plus, at their host
paths, the host folders CMD needs (its working folder, the --kmod modules,
the cache: each one's top-level folder, e.g. /work or /root) and the
output folder, writable.  Xen's toolstack is in that root too: with --domu
CMD runs xl itself (there is no Python for gntbuf-vm domu-start)."""

import os
import shutil

from .boot import qemu_escape
from .common import RigError, VPORT_NAME, fill, run_quiet


KERNEL_ABI = "6.1.0-56-arm64"
XEN_VERSION = "4.17"
XEN_PACKAGE = f"xen-hypervisor-{XEN_VERSION}-arm64"
XEN_IMAGE = f"boot/xen-{XEN_VERSION}-arm64"   # in XEN_PACKAGE: an Image

# The arm64 headers' Makefile includes the -common tree (all
# architectures) and its scripts are linux-kbuild's, both the host's.
HEADERS_COMMON = KERNEL_ABI.rsplit("-", 1)[0] + "-common"
KBUILD = "linux-kbuild-" + ".".join(KERNEL_ABI.split(".")[:2])
CROSS_COMPILE = "aarch64-linux-gnu-"

HOST_PACKAGES = [
    "qemu-system-arm",       # qemu-system-aarch64
    "gcc-aarch64-linux-gnu",  # the module and programs for dom0
    "g++-aarch64-linux-gnu",  # meson's cross file names it
    "pkg-config",
    "libc6-dev-arm64-cross",
    "make",
    f"linux-headers-{HEADERS_COMMON}",
    KBUILD,
    "busybox-static",        # its applet list (the arm64 one cannot run)
    "cpio",
    "kmod",                  # depmod of the arm64 module tree
    "dpkg",
]

# Xen's toolstack for --domu (xenstored, xen-init-dom0, xenconsoled, xl)
# with the libraries its programs load (their NEEDED entries, checked).
XEN_TOOL_PACKAGES = [
    f"xen-utils-{XEN_VERSION}", "xenstore-utils", f"libxenmisc{XEN_VERSION}",
    "libxencall1", "libxenevtchn1", "libxenforeignmemory1", "libxengnttab1",
    "libxenstore4", "libxentoollog1", "libxentoolcore1",
    "libxendevicemodel1", "libxenhypfs1", "libyajl2", "libext2fs2",
    "libcom-err2", "libfdt1", "libuuid1", "zlib1g", "libncurses6",
    "libtinfo6"]
# The arm64 packages unpacked into dom0's root, each with its files only
# (dependencies are listed here, not resolved).
# libgbm1 and what it loads: gntbuf_lib's GBM helper, and Mesa's DRI
# driver GBM dlopens on vgem and vkms (kms_swrast, in libgl1-mesa-dri) with
# its libraries, LLVM's among them, for the gbm-import subtest.
GBM_PACKAGES = ["libgbm1", "libwayland-server0", "libexpat1", "libffi8"]
MESA_DRI_PACKAGES = [
    "libgl1-mesa-dri", "libglapi-mesa", "libllvm15", "libdrm-amdgpu1",
    "libdrm-nouveau2", "libdrm-radeon1", "libelf1", "libsensors5",
    "libstdc++6", "libxcb-dri3-0", "libxcb1", "libxau6", "libxdmcp6",
    "libbsd0", "libmd0", "libzstd1", "libedit2", "libxml2", "libicu72",
    "liblzma5", "libz3-4"]
ROOT_PACKAGES = ["busybox-static", "libc6", "libgcc-s1",
                 "libdrm2"] + XEN_TOOL_PACKAGES + GBM_PACKAGES + \
    MESA_DRI_PACKAGES + [
    # the display test: modetest (for the domUs' initramfs, see
    # initramfs.DOMU_PROGRAMS_ARM64), libpng for gntbuf-displback
    "libdrm-tests", "libpng16-16"]
# The arm64 -dev packages (and what their links lead to) that cross builds
# need, unpacked into the sysroot that the meson cross file names.
SYSROOT_PACKAGES = ["libdrm-dev", "libdrm2", "libxen-dev",
                    "libgbm-dev"] + GBM_PACKAGES + [
    p for p in XEN_TOOL_PACKAGES if p.startswith("lib")] + [
    # gntbuf-displback and displback-check
    "libpng-dev", "libpng16-16", "zlib1g-dev", "zlib1g"]
# Top-level folders of dom0's root that are its own: a host folder below
# one of them is bound at its own path one level deeper (/tmp/clone),
# others by their top-level folder (/work, /root, /home).
ROOT_OWN = ("bin", "sbin", "lib", "lib64", "usr", "etc", "var", "tmp",
            "run", "proc", "sys", "dev", "opt", "srv", "mnt", "media")

# Xen: its console on the PL011 the device tree describes, no scrubbing
# of free memory (slow under TCG).  dom0 (auto-translated, 1:1 mapped):
# its console on hvc0.
XEN_ARGS = ("console=dtuart dom0_mem=1024M,max:1024M noreboot "
            "gnttab_max_frames=256 bootscrub=0")
DOM0_ARGS = "console=hvc0 quiet"
# The guest-loader addresses: Xen at the start of RAM (0x40000000), dom0's
# kernel above it (0x48000000 made Xen panic "Could not set up DOM0 guest
# OS"), its initramfs 112 MiB above the kernel's start.
KERNEL_ADDR = "0x49000000"
INITRD_ADDR = "0x50000000"
QEMU_ARGS = ["-M", "virt,gic-version=3,virtualization=on",
             "-cpu", "cortex-a57", "-m", "2048", "-nographic", "-no-reboot",
             "-nic", "none"]


def apt_options(paths):
    """apt-get options for arm64 packages: the arm64 architecture only,
    lists and package cache of the rig's own (the host's stay untouched)."""
    return ["-o", "APT::Architecture=arm64",
            "-o", "APT::Architectures=arm64",
            "-o", f"Dir::State::Lists={paths.apt_lists}",
            "-o", f"Dir::Cache={paths.apt_cache}"]


def apt_update(paths):
    """apt-get update of the arm64 lists (the host's sources)."""
    os.makedirs(os.path.join(paths.apt_lists, "partial"), exist_ok=True)
    os.makedirs(os.path.join(paths.apt_cache, "archives", "partial"),
                exist_ok=True)
    argv = ["apt-get"] + apt_options(paths) + ["update"]
    if os.geteuid() == 0:
        argv[1:1] = ["-o", "APT::Sandbox::User=root"]
    run_quiet(argv)


def apt_download(paths, *packages):
    """apt-get download arm64 packages into the cache (one apt-get: each
    one costs seconds of reading the lists); their .debs' paths."""
    os.makedirs(paths.debs, exist_ok=True)
    argv = ["apt-get"] + apt_options(paths) + ["download"] + list(packages)
    if os.geteuid() == 0:
        # The _apt user cannot write into root's cache folder.
        argv[1:1] = ["-o", "APT::Sandbox::User=root"]
    try:
        run_quiet(argv, cwd=paths.debs)
    except RigError:
        # Lists older than the archive: update them, then once more.
        apt_update(paths)
        run_quiet(argv, cwd=paths.debs)
    debs = []
    for package in packages:
        found = sorted(d for d in os.listdir(paths.debs)
                       if d.startswith(package + "_") and
                       d.endswith(("_arm64.deb", "_all.deb")))
        if not found:
            raise RigError(f"apt-get download {package} (arm64) left no "
                           f".deb in {paths.debs}")
        debs.append(os.path.join(paths.debs, found[-1]))
    return debs


def fetch_kernel(paths):
    """Download linux-image-<ABI> (arm64), unpack it, index its modules."""
    deb, = apt_download(paths, f"linux-image-{KERNEL_ABI}")
    shutil.rmtree(paths.kernel_root, ignore_errors=True)
    run_quiet(["dpkg-deb", "-x", deb, paths.kernel_root])
    # The .deb has no modules.dep (its postinst runs depmod): busybox
    # modprobe in dom0 needs it.  depmod reads arm64 modules as well.
    run_quiet(["depmod", "-b", paths.kernel_root, KERNEL_ABI])
    os.unlink(deb)


def fetch_headers(paths):
    """Download linux-headers-<ABI> (arm64) and unpack its tree into the
    cache, its links to linux-kbuild made absolute (the host's), for
    `make -C TREE M=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-`; the
    module tree's build link leads to it."""
    deb, = apt_download(paths, f"linux-headers-{KERNEL_ABI}")
    tmp = paths.arm64_headers + ".d"
    shutil.rmtree(tmp, ignore_errors=True)
    run_quiet(["dpkg-deb", "-x", deb, tmp])
    tree = os.path.join(tmp, "usr", "src", f"linux-headers-{KERNEL_ABI}")
    for name in ("scripts", "tools"):
        os.unlink(os.path.join(tree, name))
        os.symlink(f"/usr/lib/{KBUILD}/{name}", os.path.join(tree, name))
    shutil.rmtree(paths.arm64_headers, ignore_errors=True)
    os.replace(tree, paths.arm64_headers)
    shutil.rmtree(tmp)
    os.unlink(deb)
    build = os.path.join(paths.modules, "build")
    if os.path.lexists(build):
        os.unlink(build)
    os.symlink(paths.arm64_headers, build)


def fetch_xen(paths):
    """Download Xen for arm64 and take its Image (QEMU's -kernel)."""
    deb, = apt_download(paths, XEN_PACKAGE)
    tmp = paths.xen + ".d"
    shutil.rmtree(tmp, ignore_errors=True)
    run_quiet(["dpkg-deb", "-x", deb, tmp])
    os.replace(os.path.join(tmp, XEN_IMAGE), paths.xen)
    shutil.rmtree(tmp)
    os.unlink(deb)


def busybox_applets():
    """busybox's applets as paths (bin/sh, sbin/insmod, ...): the host's
    busybox-static lists them (the same Debian version and configuration as
    the arm64 one; that one cannot run here)."""
    return [a for a in run_quiet(["/bin/busybox", "--list-full"]).split()
            if a != "bin/busybox"]


def build_root(paths):
    """Unpack dom0's arm64 root: ROOT_PACKAGES, busybox's applet links, and
    lib/modules leading to the cached kernel's module tree (reached in the
    guest at its host path)."""
    tmp = paths.arm64_root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for deb in apt_download(paths, *ROOT_PACKAGES):
        run_quiet(["dpkg-deb", "-x", deb, tmp])
        os.unlink(deb)
    for applet in busybox_applets():
        link = os.path.join(tmp, applet)
        if not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink("/bin/busybox", link)
    os.makedirs(os.path.join(tmp, "lib"), exist_ok=True)
    os.symlink(os.path.join(paths.kernel_root, "lib", "modules"),
               os.path.join(tmp, "lib", "modules"))
    for d in ("proc", "sys", "dev", "tmp", "run", "etc/xen", "var/lib/xen",
              "var/log/xen"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    # xenstored's socket folder is /var/run/xenstored: /var/run is /run.
    os.symlink("/run", os.path.join(tmp, "var", "run"))
    # xl reads it (and says so when it is missing); the defaults do.
    with open(os.path.join(tmp, "etc", "xen", "xl.conf"), "w") as f:
        f.write("# gntbuf-vm: xl's defaults\n")
    with open(os.path.join(tmp, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/tmp:/bin/sh\n")
    shutil.rmtree(paths.arm64_root, ignore_errors=True)
    os.replace(tmp, paths.arm64_root)


CROSS_FILE = """\
# meson cross file for arm64, written by gntbuf-vm --arch arm64 setup:
#   meson setup --cross-file $(tools/gntbuf-vm --arch arm64 cross-file) DIR
# aarch64-linux-gnu-gcc (its libc: libc6-dev-arm64-cross), pkg-config in
# the sysroot of arm64 -dev packages the rig unpacked (never installed).
[binaries]
c = '@CROSS@gcc'
cpp = '@CROSS@g++'
ar = '@CROSS@ar'
strip = '@CROSS@strip'
pkgconfig = 'pkg-config'

[properties]
sys_root = '@SYSROOT@'
pkg_config_libdir = ['@SYSROOT@/usr/lib/aarch64-linux-gnu/pkgconfig',
                     '@SYSROOT@/usr/share/pkgconfig']

[built-in options]
# What the sysroot's libraries need from its /lib (libpng16's libz.so.1,
# libgbm's libexpat.so.1).
c_link_args = ['-Wl,-rpath-link,@SYSROOT@/lib/aarch64-linux-gnu']
cpp_link_args = ['-Wl,-rpath-link,@SYSROOT@/lib/aarch64-linux-gnu']

[host_machine]
system = 'linux'
cpu_family = 'aarch64'
cpu = 'cortex-a57'
endian = 'little'
"""


def build_sysroot(paths):
    """Unpack SYSROOT_PACKAGES into the sysroot and write the meson cross
    file that uses it."""
    tmp = paths.arm64_sysroot + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for deb in apt_download(paths, *SYSROOT_PACKAGES):
        run_quiet(["dpkg-deb", "-x", deb, tmp])
        os.unlink(deb)
    shutil.rmtree(paths.arm64_sysroot, ignore_errors=True)
    os.replace(tmp, paths.arm64_sysroot)
    with open(paths.cross_file + ".tmp", "w") as f:
        f.write(fill(CROSS_FILE, CROSS=CROSS_COMPILE,
                     SYSROOT=paths.arm64_sysroot))
    os.replace(paths.cross_file + ".tmp", paths.cross_file)


def host_folders(needed):
    """The host folders to bind into dom0's root so that each path of
    needed is visible at its own path: its top-level folder, or two levels
    when the top level is one of the root's own (/tmp/clone)."""
    keep = set()
    for path in needed:
        parts = os.path.realpath(path).strip("/").split("/")
        if not parts[0]:
            continue
        depth = 2 if parts[0] in ROOT_OWN else 1
        if len(parts) >= depth:
            keep.add("/" + "/".join(parts[:depth]))
    # A folder inside another one kept is reached through it.
    return sorted(k for k in keep
                  if not any(k.startswith(o + "/") for o in keep))


def qemu_command(args, paths, run_dir, out_dir, sock_path):
    """The QEMU command line of an arm64 run."""
    dom0_args = f"{DOM0_ARGS} gntbuf_run={run_dir}"
    if args.append:
        dom0_args += " " + args.append
    return ["qemu-system-aarch64"] + QEMU_ARGS + [
        "-smp", str(args.smp),
        "-kernel", paths.xen, "-append", f"{XEN_ARGS} {args.xen_append}",
        "-device", f"guest-loader,addr={KERNEL_ADDR},"
                   f"kernel={qemu_escape(paths.vmlinuz)},"
                   f"bootargs={qemu_escape(dom0_args)}",
        "-device", f"guest-loader,addr={INITRD_ADDR},"
                   f"initrd={qemu_escape(paths.dom0_initrd)}",
        # virtio-mmio, not PCI: Xen 4.17 gives dom0 no ITS, and
        # virtio_pci's attempt at MSI-X WARNs before it falls back to INTx.
        "-fsdev", "local,id=hostfs,path=/,security_model=none,readonly=on,"
                  "multidevs=remap",
        "-device", "virtio-9p-device,fsdev=hostfs,mount_tag=host",
        "-fsdev", f"local,id=outfs,path={qemu_escape(out_dir)},"
                  "security_model=none,multidevs=remap",
        "-device", "virtio-9p-device,fsdev=outfs,mount_tag=out",
        "-device", "virtio-serial-device,id=vser",
        "-chardev", f"socket,id=cmdout,path={qemu_escape(sock_path)}",
        "-device", f"virtserialport,bus=vser.0,chardev=cmdout,"
                   f"name={VPORT_NAME}",
    ]
