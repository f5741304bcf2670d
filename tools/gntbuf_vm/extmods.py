# SPDX-License-Identifier: MIT
"""Kernel modules that Debian's kernel leaves out and the rig builds out of
tree, against the stock kernel's headers, into the cached module tree
(lib/modules/<ABI>/extra): vkms.  And xen-gntdev with its dma-buf ioctls,
kept beside the tree (<cache>/gntdev-dmabuf/xen-gntdev.ko) and loaded
instead of Debian's by `run --gntdev-dmabuf` only.

A further module goes here as a build function of its own (like
build_vkms), with: its sources taken from linux-source in
packages.fetch_source_bits (or a fetch of its own), its folders in
cache.Paths, and a setup step in steps.setup_steps after "vkms" (its cache
key: the ABI and the headers' Module.symvers, as vkms's), named in the
kernel_needs of the initramfs steps when the images must hold it."""

import os
import shutil
import tempfile

from .amd64 import KERNEL_ABI
from .arm64 import CROSS_COMPILE
from .common import RigError, run_quiet
from .packages import SOURCE_PACKAGE, SOURCE_TOP, download_source, \
    extract_source


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


# gntdev with its dma-buf ioctls (`run --gntdev-dmabuf`)
#
# Debian's kernel builds xen-gntdev without CONFIG_XEN_GNTDEV_DMABUF, whose
# Kconfig also wants XEN_GRANT_DMA_ALLOC; the built-in grant-table.c of
# that kernel has no gnttab_dma_alloc_pages()/gnttab_dma_free_pages().  The
# rig builds xen-gntdev out of tree from the same linux-source with
# XEN_GNTDEV_DMABUF alone (measured with 6.1.192, 2026-12-03):
#   - XEN_GNTDEV_DMABUF alone does not compile: gntdev-dmabuf.c takes
#     priv->dma_dev (the misc device it exports from and attaches imports
#     to), a member of struct gntdev_priv only with XEN_GRANT_DMA_ALLOC;
#   - both defined, modpost finds gnttab_dma_alloc_pages and
#     gnttab_dma_free_pages undefined: the module could never load.
# GNTDEV_DMABUF_PATCHES give gntdev_priv its dma_dev for the dma-buf code
# too, and keep x86 auto-translated guests from asking Xen for device maps
# (without that, exports fail with EINVAL in a PVH domU).  What then works
# (exports in auto-translated guests only: a PV domain's are refused,
# use_ptemod): EXP_FROM_REFS with flags 0 (ballooned pages, as
# Linux does without the DMA flags), EXP_WAIT_RELEASED, IMP_TO_REFS,
# IMP_RELEASE.  What does not: the DMA-capable backing storage of
# GNTDEV_DMA_FLAG_WC and GNTDEV_DMA_FLAG_COHERENT (XEN_GRANT_DMA_ALLOC's
# own feature), which unpatched code would silently ignore: the patched
# module refuses those flags with EOPNOTSUPP.
GNTDEV_DMABUF_FILES = ["gntdev.c", "gntdev-dmabuf.c", "gntdev-common.h",
                       "gntdev-dmabuf.h"]
GNTDEV_DMABUF_KBUILD = """\
# xen-gntdev with CONFIG_XEN_GNTDEV_DMABUF (tools/gntbuf-vm).
obj-m := xen-gntdev.o
xen-gntdev-y := gntdev.o gntdev-dmabuf.o
ccflags-y := -DCONFIG_XEN_GNTDEV_DMABUF=1
"""
GNTDEV_DMABUF_PATCHES = [
    ("gntdev-common.h",
     """#ifdef CONFIG_XEN_GRANT_DMA_ALLOC
	/* Device for which DMA memory is allocated. */
	struct device *dma_dev;
#endif
""",
     """#if defined(CONFIG_XEN_GRANT_DMA_ALLOC) || defined(CONFIG_XEN_GNTDEV_DMABUF)
	/* Device for which DMA memory is allocated. */
	struct device *dma_dev;
#endif
"""),
    ("gntdev.c",
     """#ifdef CONFIG_XEN_GRANT_DMA_ALLOC
	priv->dma_dev = gntdev_miscdev.this_device;
""",
     """#if defined(CONFIG_XEN_GRANT_DMA_ALLOC) || defined(CONFIG_XEN_GNTDEV_DMABUF)
	priv->dma_dev = gntdev_miscdev.this_device;
"""),
    ("gntdev-dmabuf.c",
     """		pr_debug("Wrong dma-buf flags: 0x%x\\n", dmabuf_flags);
		return ERR_PTR(-EINVAL);
	}
""",
     """		pr_debug("Wrong dma-buf flags: 0x%x\\n", dmabuf_flags);
		return ERR_PTR(-EINVAL);
	}

	/* Without XEN_GRANT_DMA_ALLOC, gntdev_alloc_map() ignores them. */
	if (!IS_ENABLED(CONFIG_XEN_GRANT_DMA_ALLOC) &&
	    (dmabuf_flags & (GNTDEV_DMA_FLAG_WC | GNTDEV_DMA_FLAG_COHERENT))) {
		pr_debug("No DMA-capable storage: dma-buf flags 0x%x\\n",
			 dmabuf_flags);
		return ERR_PTR(-EOPNOTSUPP);
	}
"""),
    # Linux asks for GNTMAP_device_map on x86, which Xen refuses for
    # auto-translated guests (create_grant_p2m_mapping() takes
    # GNTMAP_host_map and GNTMAP_readonly only): unpatched, EXP_FROM_REFS
    # fails with EINVAL in a PVH domU as in the PV dom0 (use_ptemod), so
    # gntdev exports nothing on x86 (measured 2026-12-03).  Device maps are
    # for PV, where exports are refused anyway.
    ("gntdev-dmabuf.c",
     """	map->flags |= GNTMAP_host_map;
#if defined(CONFIG_X86)
	map->flags |= GNTMAP_device_map;
#endif
""",
     """	map->flags |= GNTMAP_host_map;
#if defined(CONFIG_X86)
	/* Xen refuses device maps for auto-translated guests (HVM, PVH). */
	if (!xen_feature(XENFEAT_auto_translated_physmap))
		map->flags |= GNTMAP_device_map;
#endif
"""),
]


def gntdev_dmabuf_ko(paths):
    """The cached xen-gntdev.ko with its dma-buf ioctls."""
    return os.path.join(paths.gntdev_dmabuf, "xen-gntdev.ko")


def build_gntdev_dmabuf(paths):
    """Extract gntdev's sources from linux-source, patch them and build
    xen-gntdev.ko with CONFIG_XEN_GNTDEV_DMABUF against the headers."""
    deb = download_source(paths)
    top = f"{SOURCE_TOP}/drivers/xen"
    with tempfile.TemporaryDirectory(dir=paths.root) as tmp:
        extract_source(deb, tmp, [f"{top}/{f}" for f in GNTDEV_DMABUF_FILES])
        os.unlink(deb)
        src = os.path.join(tmp, top)
        for name, old, new in GNTDEV_DMABUF_PATCHES:
            path = os.path.join(src, name)
            with open(path) as f:
                text = f.read()
            if text.count(old) != 1:
                raise RigError(f"{name} of {SOURCE_PACKAGE}: the text "
                               "GNTDEV_DMABUF_PATCHES changes is not there "
                               "once")
            with open(path, "w") as f:
                f.write(text.replace(old, new))
        with open(os.path.join(src, "Kbuild"), "w") as f:
            f.write(GNTDEV_DMABUF_KBUILD)
        run_quiet(["make", "-C", f"/usr/src/linux-headers-{KERNEL_ABI}",
                   f"M={src}", "modules"])
        shutil.rmtree(paths.gntdev_dmabuf, ignore_errors=True)
        shutil.copytree(src, paths.gntdev_dmabuf)


# arm64: vkms (`run --vkms`) and xen_drm_front (the domUs' PV display
# frontend), which Debian's arm64 kernel leaves out (neither
# CONFIG_DRM_VKMS nor CONFIG_DRM_XEN_FRONTEND; drm_kms_helper,
# drm_shmem_helper and xen-front-pgdir-shbuf, what they need, are
# modules there).  Cross-built out of tree from the same linux-source,
# unpatched, against the arm64 headers, into the arm64 module tree's extra/.
ARM64_EXTMODS = [
    # (folder in linux-source, its Kconfig symbol, the module it builds)
    ("drivers/gpu/drm/vkms", "CONFIG_DRM_VKMS=m", "vkms.ko"),
    ("drivers/gpu/drm/xen", "CONFIG_DRM_XEN_FRONTEND=m", "drm_xen_front.ko"),
]


def arm64_extmods_kos(paths):
    """The cached arm64 modules that build_arm64_extmods adds."""
    return [os.path.join(paths.modules, "extra", ko)
            for _, _, ko in ARM64_EXTMODS]


def build_arm64_extmods(paths):
    """Extract ARM64_EXTMODS' sources from linux-source (one download; the
    arm64 image is of the same Debian version as the amd64 one), cross-build
    each against the arm64 headers, add them to the module tree."""
    deb = download_source(paths)
    extra = os.path.join(paths.modules, "extra")
    os.makedirs(extra, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=paths.root) as tmp:
        extract_source(deb, tmp, [f"{SOURCE_TOP}/{d}/"
                                  for d, _, _ in ARM64_EXTMODS])
        os.unlink(deb)
        for folder, config, ko in ARM64_EXTMODS:
            src = os.path.join(tmp, SOURCE_TOP, folder)
            run_quiet(["make", "-C", paths.arm64_headers, f"M={src}",
                       "ARCH=arm64", f"CROSS_COMPILE={CROSS_COMPILE}",
                       config, "modules"])
            shutil.copy(os.path.join(src, ko), extra)
    run_quiet(["depmod", "-b", paths.kernel_root, paths.abi])
