# SPDX-License-Identifier: MIT
"""Kernel modules that Debian's kernel leaves out and the rig builds out of
tree, against the stock kernel's headers, into the cached module tree
(lib/modules/<ABI>/extra): vkms.

A further module goes here as a build function of its own (like
build_vkms), with: its sources taken from linux-source in
packages.fetch_source_bits (or a fetch of its own), its folders in
cache.Paths, and a setup step in steps.setup_steps after "vkms" (its cache
key: the ABI and the headers' Module.symvers, as vkms's), named in the
kernel_needs of the initramfs steps when the images must hold it."""

import os
import shutil

from .amd64 import KERNEL_ABI
from .common import run_quiet


def build_vkms(paths):
    """Build vkms.ko out of tree and add it to the cached module tree."""
    shutil.rmtree(paths.vkms_build, ignore_errors=True)
    shutil.copytree(paths.vkms_src, paths.vkms_build)
    run_quiet(["make", "-C", f"/usr/src/linux-headers-{KERNEL_ABI}",
               f"M={paths.vkms_build}", "CONFIG_DRM_VKMS=m", "modules"])
    extra = os.path.join(paths.modules, "extra")
    os.makedirs(extra, exist_ok=True)
    shutil.copy(os.path.join(paths.vkms_build, "vkms.ko"), extra)
    run_quiet(["depmod", "-b", paths.kernel_root, KERNEL_ABI])
