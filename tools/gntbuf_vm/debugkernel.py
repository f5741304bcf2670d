# SPDX-License-Identifier: MIT
"""The debug kernel (`setup --debug-kernel`, `run --debug-kernel`): what it
is (its config, the modules it keeps, the changes to Linux's source) and
how it is built from Debian's linux-source into its own cache."""

import os
import re
import shutil
import subprocess
import tempfile
import time

from .amd64 import KERNEL_ABI
from .cache import Paths, cache_dir
from .common import RigError, log, run_quiet
from .initramfs import module_closure
from .packages import SOURCE_TOP, download_source, extract_source


# The debug kernel (`setup --debug-kernel`, `run --debug-kernel`): built
# from the same linux-source package as the stock kernel, with Debian's
# config trimmed by localmodconfig to the modules below (and what they
# need), plus DEBUG_CONFIG.  Its uname -r is DEBUG_RELEASE, so that no
# module of the stock kernel loads into it by mistake.
DEBUG_HOST_PACKAGES = ["flex", "bison", "bc", "libelf-dev", "libssl-dev"]
# Every module a rig run or a domU loads (besides vkms, enabled in-tree by
# DEBUG_CONFIG); localmodconfig drops every other module.
DEBUG_KEEP_MODULES = ["xenfs", "virtio_pci", "9pnet_virtio", "9p",
                      "virtio_console", "xen-gntdev", "xen-gntalloc",
                      "xen-evtchn", "xen-privcmd", "vgem", "drm_kms_helper",
                      "drm_shmem_helper", "drm_xen_front",
                      "xen-front-pgdir-shbuf"]
# Changes to Linux's own code in the debug kernel, (file, old, new): only
# where Linux itself would keep a checker from ever looking at xen-gntbuf.
DEBUG_PATCHES = [
    # gntdev copies to user memory under priv->lock in MAP_GRANT_REF, and
    # takes priv->lock under mmap_lock in gntdev_mmap(): lockdep reports it
    # at the first xengnttab map of a boot (the tests' own, or
    # gntbuf-grant-peer's) and then checks nothing more in that boot.
    # Copy out after unlocking; on a fault, look the map up again.
    ("drivers/xen/gntdev.c",
     """	mutex_lock(&priv->lock);
	gntdev_add_map(priv, map);
	op.index = map->index << PAGE_SHIFT;

	if (copy_to_user(u, &op, sizeof(op)) != 0) {
		list_del(&map->next);
		mutex_unlock(&priv->lock);
		gntdev_put_map(priv, map);
		return -EFAULT;
	}

	mutex_unlock(&priv->lock);
	return 0;
""",
     """	mutex_lock(&priv->lock);
	gntdev_add_map(priv, map);
	op.index = map->index << PAGE_SHIFT;
	mutex_unlock(&priv->lock);

	if (copy_to_user(u, &op, sizeof(op)) != 0) {
		mutex_lock(&priv->lock);
		if (gntdev_find_map_index(priv, op.index >> PAGE_SHIFT,
					  op.count) != map)
			map = NULL;
		else
			list_del(&map->next);
		mutex_unlock(&priv->lock);
		if (map)
			gntdev_put_map(priv, map);
		return -EFAULT;
	}
	return 0;
"""),
]
# CONFIG_ symbols set on top of Debian's trimmed config ("n": unset).
DEBUG_CONFIG = {
    # Memory errors.  No KASAN: Linux 6.1 sets up KASAN's early shadow only
    # in x86_64_start_kernel(), which a Xen PV kernel never enters
    # (xen_start_kernel() goes straight to x86_64_start_reservations()),
    # so the PV dom0 would fault on its first instrumented access; the
    # 2019 "kasan: support for XEN PV" series was not merged.  Instead:
    # KFENCE (sampled use-after-free and out-of-bounds, reads too, every
    # 10 ms) and SLUB debugging on every cache (red zones, poisoning,
    # double frees, checked at free and at the next allocation).
    "KASAN": "n",
    "KFENCE": "y", "KFENCE_SAMPLE_INTERVAL": "10", "KFENCE_STATIC_KEYS": "n",
    "SLUB_DEBUG": "y", "SLUB_DEBUG_ON": "y",
    # Locking: lockdep (with RCU checks), sleeping in atomic context.
    "PROVE_LOCKING": "y", "DEBUG_ATOMIC_SLEEP": "y",
    # Room for lockdep's tables: running out disables it with a BUG.
    "LOCKDEP_BITS": "17", "LOCKDEP_CHAINS_BITS": "18",
    "LOCKDEP_STACK_TRACE_BITS": "20",
    "DMA_API_DEBUG": "y",
    # Leaks: scanned by the rig at the end of a run, never on a timer.
    "DEBUG_KMEMLEAK": "y", "DEBUG_KMEMLEAK_AUTO_SCAN": "n",
    "DEBUG_KMEMLEAK_DEFAULT_OFF": "n",
    "DEBUG_KMEMLEAK_MEM_POOL_SIZE": "32000",
    "DEBUG_OBJECTS": "y", "DEBUG_OBJECTS_FREE": "y",
    "DEBUG_OBJECTS_TIMERS": "y", "DEBUG_OBJECTS_WORK": "y",
    "DEBUG_OBJECTS_RCU_HEAD": "y", "DEBUG_OBJECTS_PERCPU_COUNTER": "y",
    # Fault injection: failslab, fail_page_alloc, fail-nth in /proc.
    "FAULT_INJECTION": "y", "FAILSLAB": "y", "FAIL_PAGE_ALLOC": "y",
    "FAULT_INJECTION_DEBUG_FS": "y",
    # vkms from the same build (the stock rig builds it out of tree).
    "DRM_VKMS": "m",
    # Build time: no DWARF, no BTF (reports name functions by kallsyms).
    "DEBUG_INFO_NONE": "y", "DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT": "n",
    "DEBUG_INFO_BTF": "n",
    # Debian's certificates are not in the source package (the build signs
    # its modules with a key of its own, as the lockdown LSM wants).
    "SYSTEM_TRUSTED_KEYS": '""',
}


# A debug kernel's domUs (not dom0, whose command line stays the stock
# one: the rig reads its dmesg at the end instead).
DEBUG_DOMU_ARGS = "loglevel=5"


def fetch_debug_source(paths):
    """Unpack the whole linux-source tree into the debug cache: the debug
    kernel's source and, once built, its build tree for M= modules."""
    deb = download_source(paths)
    shutil.rmtree(paths.linux, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=paths.root) as tmp:
        extract_source(deb, tmp, [])
        os.rename(os.path.join(tmp, SOURCE_TOP), paths.linux)
    os.unlink(deb)


def patch_debug_source(paths):
    """Apply DEBUG_PATCHES to the debug tree (each once)."""
    for rel, old, new in DEBUG_PATCHES:
        path = os.path.join(paths.linux, rel)
        with open(path) as f:
            text = f.read()
        if new in text:
            continue
        if text.count(old) != 1:
            raise RigError(f"{path}: the text DEBUG_PATCHES changes is not "
                           "there once")
        with open(path + ".tmp", "w") as f:
            f.write(text.replace(old, new))
        os.replace(path + ".tmp", path)


def kmake(paths, targets, **kwargs):
    """Run make in the debug tree at nice 19 with one job per CPU,
    appending its output to the build log; raise with the log's end."""
    argv = ["nice", "-n", "19", "make", "-C", paths.linux,
            f"-j{os.cpu_count() or 1}", f"KERNELRELEASE={paths.abi}"]
    with open(paths.build_log, "a") as f:
        f.write(f"$ {' '.join(argv + targets)}\n")
        f.flush()
        proc = subprocess.run(argv + targets, stdout=f,
                              stderr=subprocess.STDOUT, **kwargs)
    if proc.returncode != 0:
        with open(paths.build_log, errors="replace") as f:
            tail = "".join(f.readlines()[-30:])
        raise RigError(f"make {' '.join(targets)} failed in {paths.linux} "
                       f"(log: {paths.build_log}):\n{tail}")


def lsmod_text(names):
    """An lsmod listing of the stock kernel's modules that names need (the
    input of localmodconfig)."""
    stock = Paths(cache_dir())
    lines = ["Module                  Size  Used by"]
    for rel in module_closure(stock, names):
        name = os.path.basename(rel)[:-len(".ko")].replace("-", "_")
        lines.append(f"{name:<24}0  0")
    return "\n".join(lines) + "\n"


def config_values(path):
    """The CONFIG_ symbols of a .config, "n" for the unset ones."""
    values = {}
    with open(path) as f:
        for line in f:
            match = re.match(r"CONFIG_(\w+)=(.*)$", line) or \
                re.match(r"# CONFIG_(\w+) is not set$", line)
            if match:
                values[match.group(1)] = \
                    match.group(2) if match.lastindex == 2 else "n"
    return values


def configure_debug_kernel(paths):
    """Write the debug tree's .config: Debian's, trimmed by localmodconfig
    to what the rig loads, plus DEBUG_CONFIG; fail if Kconfig dropped any
    of DEBUG_CONFIG."""
    config = os.path.join(paths.linux, ".config")
    shutil.copy(f"/usr/src/linux-headers-{KERNEL_ABI}/.config", config)
    lsmod = os.path.join(paths.root, "lsmod.txt")
    with open(lsmod, "w") as f:
        f.write(lsmod_text(DEBUG_KEEP_MODULES))
    if os.path.exists(paths.build_log):
        os.unlink(paths.build_log)
    # localmodconfig asks about nothing for Debian's complete config; an
    # empty answer takes the default if it ever does.
    kmake(paths, [f"LSMOD={lsmod}", "localmodconfig"],
          input=b"\n" * 1000)
    argv = [os.path.join(paths.linux, "scripts", "config"), "--file", config]
    for name, value in DEBUG_CONFIG.items():
        if value == "n":
            argv += ["--disable", name]
        elif value == "y":
            argv += ["--enable", name]
        elif value == "m":
            argv += ["--module", name]
        elif value.startswith('"'):
            argv += ["--set-str", name, value.strip('"')]
        else:
            argv += ["--set-val", name, value]
    run_quiet(argv)
    kmake(paths, ["olddefconfig"])
    got = config_values(config)
    wrong = [f"{k}={got.get(k, 'n')} (wanted {v})"
             for k, v in DEBUG_CONFIG.items() if got.get(k, "n") != v]
    if wrong:
        raise RigError("the debug config did not take: " + ", ".join(wrong))


def build_debug_kernel(paths):
    """Build the debug kernel and its modules (nice 19), install the
    modules into the cache's module tree and the ELF image beside it."""
    started = time.monotonic()
    kmake(paths, ["vmlinux", "modules"])
    log(f"setup: debug kernel built in {time.monotonic() - started:.0f} s "
        f"on {os.cpu_count()} CPUs")
    shutil.rmtree(paths.kernel_root, ignore_errors=True)
    kmake(paths, [f"INSTALL_MOD_PATH={paths.kernel_root}", "modules_install"])
    for link in ("build", "source"):
        target = os.path.join(paths.modules, link)
        if os.path.lexists(target):
            os.unlink(target)
        os.symlink(paths.linux, target)
    shutil.copy(os.path.join(paths.linux, "vmlinux"), paths.vmlinux + ".tmp")
    os.replace(paths.vmlinux + ".tmp", paths.vmlinux)
