# SPDX-License-Identifier: MIT
"""Where the rig keeps what setup fetches and builds: one cache folder per
kernel (the stock Debian one, or the debug kernel built from its source),
and the paths in it."""

import os

from . import arm64
from .amd64 import KERNEL_ABI


# The debug kernel's cache is the stock one's folder name plus
# DEBUG_SUFFIX, beside it; its uname -r is DEBUG_RELEASE (see debugkernel).
DEBUG_SUFFIX = "-debug"
DEBUG_RELEASE = KERNEL_ABI + DEBUG_SUFFIX


def cache_dir():
    """The rig's cache folder: $GNTBUF_CACHE or ~/.cache/gntbuf/<ABI>."""
    env = os.environ.get("GNTBUF_CACHE")
    if env:
        return os.path.abspath(env)
    return os.path.join(os.path.expanduser("~"), ".cache", "gntbuf",
                        KERNEL_ABI)


def arm64_cache_dir():
    """The arm64 rig's cache folder: $GNTBUF_CACHE-arm64 or
    ~/.cache/gntbuf/<arm64 ABI>."""
    if os.environ.get("GNTBUF_CACHE"):
        return cache_dir() + "-arm64"
    return os.path.join(os.path.expanduser("~"), ".cache", "gntbuf",
                        arm64.KERNEL_ABI)


def rig_paths(debug_kernel, arch="amd64"):
    """The cache of the stock rig, or of the debug kernel's (the stock
    folder's name plus -debug, beside it), or of the arm64 rig.  Inside the
    rig, the cache and kernel of the run itself ($GNTBUF_CACHE,
    $GNTBUF_KERNEL_ABI)."""
    if arch == "arm64":
        return Paths(arm64_cache_dir(), arm64.KERNEL_ABI, False, "arm64")
    if os.environ.get("GNTBUF_IN_RIG") == "1":
        abi = os.environ.get("GNTBUF_KERNEL_ABI", KERNEL_ABI)
        return Paths(cache_dir(), abi, abi == DEBUG_RELEASE)
    if debug_kernel:
        return Paths(cache_dir() + DEBUG_SUFFIX, DEBUG_RELEASE, True)
    return Paths(cache_dir(), KERNEL_ABI, False)


class Paths:
    """Everything the rig keeps in its cache folder, for one kernel: the
    stock Debian one, or the debug kernel built from its source."""

    def __init__(self, root, abi=KERNEL_ABI, debug=False, arch="amd64"):
        self.root = root
        self.abi = abi
        self.debug = debug
        self.arch = arch
        self.debs = os.path.join(root, "debs")
        self.stamps = os.path.join(root, "stamps")
        self.kernel_root = os.path.join(root, "kernel")
        self.modules = os.path.join(self.kernel_root, "lib", "modules", abi)
        self.vmlinuz = os.path.join(self.kernel_root, "boot",
                                    f"vmlinuz-{abi}")
        # The debug kernel's source and build tree (M= builds go there).
        self.linux = os.path.join(root, "linux")
        self.build_log = os.path.join(root, "build.log")
        self.vmlinux = os.path.join(root, "vmlinux")
        self.scripts = os.path.join(root, "scripts")
        self.vkms_src = os.path.join(root, "vkms-src")
        self.vkms_build = os.path.join(root, "vkms-build")
        # xen-gntdev with its dma-buf ioctls, built with its sources here.
        self.gntdev_dmabuf = os.path.join(root, "gntdev-dmabuf")
        self.xen = os.path.join(root, "xen")
        self.dom0_initrd = os.path.join(root, "dom0-initrd.gz")
        # Uncompressed: a domU's ramdisk is this plus a per-domU archive
        # (libxc can gunzip only one gzip member, and slowly under TCG).
        self.domu_initrd = os.path.join(root, "domu-initrd.cpio")
        # arm64: its apt state, and dom0's root (arm64 busybox, libc).
        self.apt_lists = os.path.join(root, "apt", "lists")
        self.apt_cache = os.path.join(root, "apt", "cache")
        self.arm64_root = os.path.join(root, "root")
        self.arm64_headers = os.path.join(root, "headers")
        self.arm64_sysroot = os.path.join(root, "sysroot")
        self.cross_file = os.path.join(root, "meson-cross.ini")
        self.runs = os.path.join(root, "runs")
        self.outs = os.path.join(root, "out")
