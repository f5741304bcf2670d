# SPDX-License-Identifier: MIT
"""setup: the steps that fill the cache, each with its cache key (a
fingerprint of what it depends on), its outputs and the steps it needs; a
step runs again only when its stamp's key changed, an output is missing or
a step it needs ran."""

import fcntl
import hashlib
import inspect
import os
import time

from . import arm64
from .amd64 import (HOST_PACKAGES, KERNEL_ABI, XEN_GZ, extract_vmlinux,
                    unpack_xen)
from .cache import Paths, cache_dir
from .common import UsageError, log
from .debugkernel import (DEBUG_CONFIG, DEBUG_HOST_PACKAGES,
                          DEBUG_KEEP_MODULES, DEBUG_PATCHES,
                          build_debug_kernel, configure_debug_kernel,
                          fetch_debug_source, patch_debug_source)
from .extmods import (GNTDEV_DMABUF_KBUILD, GNTDEV_DMABUF_PATCHES,
                      build_gntdev_dmabuf, build_vkms, gntdev_dmabuf_ko)
from .extmods import ARM64_EXTMODS, arm64_extmods_kos, build_arm64_extmods
from .initramfs import (DOM0_BOOT_MODULES, DOM0_BOOT_MODULES_ARM64,
                        DOMU_MODULES, DOMU_MODULES_ARM64, DOMU_PROGRAMS,
                        build_dom0_initrd, build_dom0_initrd_arm64,
                        build_domu_initrd, build_domu_initrd_arm64,
                        dom0_init, domu_init)
from .initramfs import DOMU_PROGRAMS_ARM64, add_root_program
from .packages import fetch_kernel, fetch_source_bits, install_packages


def file_key(path):
    """A fingerprint of a host file: its path, size and mtime."""
    st = os.stat(path)
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def digest(*parts):
    """A step's fingerprint of several parts."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def arm64_setup_steps(paths):
    """The arm64 rig's setup steps (see setup_steps): its apt lists, the
    kernel, Xen, dom0's arm64 root, dom0's initramfs."""
    return [
        ("apt-lists", digest(*arm64.apt_options(paths)),
         [paths.apt_lists], [], arm64.apt_update),
        ("kernel", arm64.KERNEL_ABI, [paths.vmlinuz, paths.modules],
         ["apt-lists"], arm64.fetch_kernel),
        ("headers", arm64.KERNEL_ABI,
         [os.path.join(paths.arm64_headers, "Module.symvers"),
          os.path.join(paths.modules, "build")], ["apt-lists", "kernel"],
         arm64.fetch_headers),
        ("xen", arm64.XEN_PACKAGE, [paths.xen], ["apt-lists"],
         arm64.fetch_xen),
        ("sysroot", digest(*arm64.SYSROOT_PACKAGES, arm64.CROSS_FILE),
         [paths.arm64_sysroot, paths.cross_file], ["apt-lists"],
         arm64.build_sysroot),
        ("root", digest(*arm64.ROOT_PACKAGES, file_key("/bin/busybox"),
                        paths.kernel_root,
                        inspect.getsource(arm64.build_root)),
         [os.path.join(paths.arm64_root, "bin", "busybox")], ["apt-lists"],
         arm64.build_root),
        ("dom0-initrd", digest(dom0_init(paths), *DOM0_BOOT_MODULES_ARM64),
         [paths.dom0_initrd], ["kernel", "root"], build_dom0_initrd_arm64),
        # vkms and xen_drm_front cross-built (extmods), in the module tree.
        ("extmods", digest(arm64.KERNEL_ABI, *[p for m in ARM64_EXTMODS
                                                 for p in m]),
         arm64_extmods_kos(paths), ["kernel", "headers"],
         build_arm64_extmods),
        ("domu-initrd", digest(domu_init("arm64"), *DOMU_MODULES_ARM64,
                               *DOMU_PROGRAMS_ARM64,
                               inspect.getsource(add_root_program)),
         [paths.domu_initrd], ["kernel", "root", "extmods"],
         build_domu_initrd_arm64),
    ]


def setup_steps(paths):
    """(name, fingerprint, outputs, needs, function) of each setup step, in
    order.

    A step runs again when its fingerprint changes (the guest scripts'
    templates, the ABI, the host binaries it copies), an output is missing,
    or a step it needs ran."""
    if paths.arch == "arm64":
        return arm64_setup_steps(paths)
    base = digest(paths.abi, file_key("/bin/busybox"))
    headers = f"/usr/src/linux-headers-{KERNEL_ABI}/Module.symvers"
    if paths.debug:
        kernel_steps = [
            ("debug-source", KERNEL_ABI,
             [os.path.join(paths.linux, "Makefile")], [],
             fetch_debug_source),
            ("debug-config",
             digest(paths.abi, repr(sorted(DEBUG_CONFIG.items())),
                    *DEBUG_KEEP_MODULES,
                    file_key(f"/usr/src/linux-headers-{KERNEL_ABI}/.config")),
             [os.path.join(paths.linux, ".config")], ["debug-source"],
             configure_debug_kernel),
            ("debug-patch", digest(*[p for patch in DEBUG_PATCHES
                                     for p in patch]),
             [os.path.join(paths.linux, "Makefile")], ["debug-source"],
             patch_debug_source),
            ("debug-kernel", paths.abi, [paths.vmlinux, paths.modules],
             ["debug-config", "debug-patch"], build_debug_kernel),
        ]
        kernel_needs = ["debug-kernel"]
    else:
        kernel_steps = [
            ("kernel", KERNEL_ABI, [paths.vmlinuz, paths.modules], [],
             fetch_kernel),
            ("vmlinux", KERNEL_ABI, [paths.vmlinux], ["kernel"],
             extract_vmlinux),
            ("source", KERNEL_ABI,
             [os.path.join(paths.scripts, "checkpatch.pl"), paths.vkms_src],
             [], fetch_source_bits),
            ("vkms", digest(KERNEL_ABI, file_key(headers)),
             [os.path.join(paths.modules, "extra", "vkms.ko")],
             ["kernel", "source"], build_vkms),
            # Beside the module tree, loaded by `run --gntdev-dmabuf`
            # only: the initramfs images do not need it.
            ("gntdev-dmabuf",
             digest(KERNEL_ABI, file_key(headers), GNTDEV_DMABUF_KBUILD,
                    *[p for patch in GNTDEV_DMABUF_PATCHES for p in patch]),
             [gntdev_dmabuf_ko(paths)], [], build_gntdev_dmabuf),
        ]
        kernel_needs = ["kernel", "vkms"]
    return kernel_steps + [
        ("xen", file_key(XEN_GZ), [paths.xen], [], unpack_xen),
        ("dom0-initrd", digest(base, dom0_init(paths), *DOM0_BOOT_MODULES),
         [paths.dom0_initrd], kernel_needs, build_dom0_initrd),
        ("domu-initrd", digest(base, domu_init(), *DOMU_MODULES,
                               *[file_key(p) for p in DOMU_PROGRAMS]),
         [paths.domu_initrd], kernel_needs, build_domu_initrd),
    ]


# Setup steps that `run --debug-kernel` never starts by itself: building
# the debug kernel takes the better part of an hour.
DEBUG_BUILD_STEPS = ("debug-source", "debug-config", "debug-patch",
                     "debug-kernel")


def step_current(paths, name, key, outputs):
    """True when a setup step's stamp holds key and its outputs exist."""
    try:
        with open(os.path.join(paths.stamps, name)) as f:
            current = f.read() == key
    except FileNotFoundError:
        current = False
    return current and all(os.path.exists(o) for o in outputs)


def debug_kernel_dir(paths):
    """Print the debug kernel's build tree (for `make -C TREE M=...`);
    0 when the debug kernel is built and up to date, 1 when not."""
    print(paths.linux)
    built = all(step_current(paths, name, key, outputs)
                for name, key, outputs, _, _ in setup_steps(paths)
                if name in DEBUG_BUILD_STEPS)
    return 0 if built else 1


def arm64_kernel_dir(paths):
    """Print the arm64 kernel headers' tree (for `make -C TREE M=...
    ARCH=arm64`); 0 when setup fetched it, 1 when not."""
    print(paths.arm64_headers)
    return 0 if all(step_current(paths, name, key, outputs)
                    for name, key, outputs, _, _ in arm64_setup_steps(paths)
                    if name == "headers") else 1


def arm64_cross_file(paths):
    """Print the meson cross file for arm64; 0 when setup wrote it and the
    sysroot it names, 1 when not."""
    print(paths.cross_file)
    return 0 if all(step_current(paths, name, key, outputs)
                    for name, key, outputs, _, _ in arm64_setup_steps(paths)
                    if name == "sysroot") else 1


def setup(paths, build_kernel=True):
    """Bring the cache up to date; return True when anything was done.

    For the debug kernel's cache, the stock one first (its config and
    module list are the debug kernel's starting point); without
    build_kernel, a debug kernel that must be (re)built is an error."""
    packages = HOST_PACKAGES + (DEBUG_HOST_PACKAGES if paths.debug else [])
    if paths.arch == "arm64":
        packages = arm64.HOST_PACKAGES
    installed = install_packages(packages)
    if paths.debug:
        installed = setup(Paths(cache_dir())) or installed
    ran = set()
    os.makedirs(paths.stamps, exist_ok=True)
    with open(os.path.join(paths.root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for name, key, outputs, needs, function in setup_steps(paths):
            stamp = os.path.join(paths.stamps, name)
            if step_current(paths, name, key, outputs) and \
                    not ran.intersection(needs):
                continue
            if name in DEBUG_BUILD_STEPS and not build_kernel:
                raise UsageError(
                    f"the debug kernel in {paths.root} is missing or out of "
                    f"date ({name}): run `tools/gntbuf-vm setup "
                    f"--debug-kernel` first")
            started = time.monotonic()
            log(f"setup: {name} ...")
            if os.path.exists(stamp):
                os.unlink(stamp)
            function(paths)
            with open(stamp, "w") as f:
                f.write(key)
            log(f"setup: {name} done in {time.monotonic() - started:.1f} s")
            ran.add(name)
    return installed or bool(ran)
