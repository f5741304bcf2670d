# SPDX-License-Identifier: MIT
"""The x86-64 machine: the Debian kernel and Xen the rig pins, the host
packages they come in, Xen's and dom0's command lines, QEMU's, and the
kernel and Xen images as QEMU and libxc take them.  What another
architecture has of its own belongs in a module beside this one."""

import gzip
import io
import lzma
import os
import shutil
import struct

from .boot import qemu_escape
from .common import RigError, VPORT_NAME


# The Debian kernel the rig boots (dom0 and domUs) and builds modules for.
# Change it here, and only here, when Debian's archive moves on.
KERNEL_ABI = "6.1.0-56-amd64"
XEN_VERSION = "4.17"

XEN_GZ = f"/boot/xen-{XEN_VERSION}-amd64.gz"
XEN_BIN = f"/usr/lib/xen-{XEN_VERSION}/bin"
HOST_PACKAGES = [
    "qemu-system-x86",
    f"xen-hypervisor-{XEN_VERSION}-amd64",
    f"xen-utils-{XEN_VERSION}",
    "busybox-static",
    "cpio",
    "kmod",
    "xz-utils",             # the linux-source tarball
    "make",                 # building vkms
    "gcc",
    f"linux-headers-{KERNEL_ABI}",
    "libdrm-tests",
]

# Debian's metapackage of the current kernel (abi_hint asks which ABI it
# depends on now).
KERNEL_METAPACKAGE = "linux-image-amd64"
# libgcc_s for the domU initramfs, which glibc loads at run time (no ldd
# closure shows it): (path in the domU, path on the host).
DOMU_LIBGCC = ("/lib/x86_64-linux-gnu/libgcc_s.so.1",
               "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1")

# bootscrub=0: Xen leaves free memory alone instead of zeroing it (slow
# under TCG, and it makes QEMU touch all of the guest's RAM).
XEN_ARGS = ("dom0_mem=1536M,max:1536M console=com1 com1=115200,8n1 noreboot "
            "gnttab_max_frames=256 bootscrub=0")
DOM0_ARGS = "console=hvc0 quiet"
QEMU_ARGS = ["-machine", "q35,accel=tcg", "-cpu", "qemu64,+svm,+npt",
             "-m", "3072", "-nographic", "-no-reboot", "-nic", "none"]


def extract_vmlinux(paths):
    """Unpack the kernel's ELF image from the bzImage into the cache.

    Xen (for dom0) and libxc (for domUs) take either, but unpacking the xz
    payload under TCG costs each boot several seconds."""
    with open(paths.vmlinuz, "rb") as f:
        image = f.read()
    if image[0x202:0x206] != b"HdrS":
        raise RigError(f"{paths.vmlinuz} is not a bzImage")
    setup_sects = image[0x1f1] or 4
    offset, length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + offset
    payload = image[start:start + length]
    if payload.startswith(b"\xfd7zXZ\0"):
        elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload.startswith(b"\x1f\x8b"):
        elf = gzip.GzipFile(fileobj=io.BytesIO(payload)).read()
    else:
        raise RigError(f"{paths.vmlinuz}: unknown compression "
                       f"{payload[:6]!r}")
    if not elf.startswith(b"\x7fELF"):
        raise RigError(f"{paths.vmlinuz}: its payload is not an ELF")
    with open(paths.vmlinux + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(paths.vmlinux + ".tmp", paths.vmlinux)


def unpack_xen(paths):
    """gunzip Xen's multiboot binary into the cache."""
    with gzip.open(XEN_GZ, "rb") as src, open(paths.xen + ".tmp", "wb") as d:
        shutil.copyfileobj(src, d)
    os.replace(paths.xen + ".tmp", paths.xen)


def qemu_command(args, paths, run_dir, out_dir, sock_path):
    """The QEMU command line of a run."""
    dom0_args = f"{DOM0_ARGS} gntbuf_run={run_dir}"
    if args.append:
        dom0_args += " " + args.append
    modules = (qemu_escape(f"{paths.vmlinux} {dom0_args}") + "," +
               qemu_escape(paths.dom0_initrd))
    return ["qemu-system-x86_64"] + QEMU_ARGS + [
        "-smp", str(args.smp),
        "-kernel", paths.xen, "-append", f"{XEN_ARGS} {args.xen_append}",
        "-initrd", modules,
        "-virtfs", "local,path=/,mount_tag=host,security_model=none,"
                   "readonly=on,multidevs=remap",
        "-virtfs", f"local,path={qemu_escape(out_dir)},mount_tag=out,"
                   "security_model=none,multidevs=remap",
        "-device", "virtio-serial-pci,id=vser",
        "-chardev", f"socket,id=cmdout,path={qemu_escape(sock_path)}",
        "-device", f"virtserialport,bus=vser.0,chardev=cmdout,"
                   f"name={VPORT_NAME}",
    ]
