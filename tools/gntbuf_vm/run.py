# SPDX-License-Identifier: MIT
"""`gntbuf-vm run`: check what CMD needs, bring the cache up to date, write
the run folder (dom0's stage-2 script and environment), boot and return
CMD's status."""

import glob
import os
import re
import shlex
import shutil
import tempfile
import time

from . import amd64, arm64, common
from .amd64 import XEN_BIN
from .boot import boot
from .extmods import gntdev_dmabuf_ko
from .common import GUEST_TMPFS, PASS_ENV_PREFIXES, UsageError, fill, log
from .guest_scripts import (KMEMLEAK_SCAN, STAGE2_DOMU, STAGE2_HEAD,
                            STAGE2_TAIL)
from .steps import setup


# Beside this module, in the source tree and installed alike.
ARM64_DOMU_SH = "arm64-domu.sh"


def guest_env(args, paths, out_dir, run_dir):
    """The environment CMD sees in the guest."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith(PASS_ENV_PREFIXES)}
    env.update({
        "PATH": "/tmp/gntbuf-bin:/usr/local/sbin:/usr/local/bin:"
                "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "GNTBUF_IN_RIG": "1",
        "GNTBUF_OUT": out_dir,
        "GNTBUF_CACHE": paths.root,
        "GNTBUF_VM": common.SCRIPT,
        "GNTBUF_KERNEL_ABI": paths.abi,
    })
    if paths.debug:
        env["GNTBUF_DEBUG_KERNEL"] = "1"
    if args.domu:
        env["GNTBUF_DOMU"] = "1"
        if paths.arch == "arm64":
            # No gntbuf-vm domu-start there (no Python): CMD runs xl
            # itself, with these.
            env["GNTBUF_DOMU_KERNEL"] = paths.vmlinuz
            env["GNTBUF_DOMU_INITRD"] = paths.domu_initrd
            # The tests' `$GNTBUF_VM domu-start|domu-stop` (their peers):
            # a shell version of the two, which run() copies into the run
            # folder: dom0 sees that (it is in the cache) wherever this
            # package is, also installed in <prefix>/share, whose /usr is
            # not bound into dom0's root.
            env["GNTBUF_VM"] = os.path.join(run_dir, ARM64_DOMU_SH)
    if args.gntdev_dmabuf:
        # domains.domu_ramdisk() puts it in every domU.
        env["GNTBUF_GNTDEV_DMABUF"] = gntdev_dmabuf_ko(paths)
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--env wants NAME=VALUE, not {item!r}")
        env[name] = value
    return env


def kept_folder(path):
    """The host folder to bind back over the guest's tmpfs so that path
    stays visible (/tmp/clone for /tmp/clone/build), or None."""
    for d in GUEST_TMPFS:
        if path.startswith(d + "/"):
            return d + "/" + path[len(d) + 1:].split("/")[0]
    return None


def stage2_script(args, paths, out_dir, kmods, run_dir):
    """The per-run script that dom0 runs in the chroot."""
    env = guest_env(args, paths, out_dir, run_dir)
    gntdev = "load xen-gntdev\n"
    if args.gntdev_dmabuf:
        gntdev = f"kmod {shlex.quote(gntdev_dmabuf_ko(paths))}\n"
    parts = [STAGE2_HEAD, gntdev,
             "load xen-gntalloc limit=100000\n"
             "load xen-evtchn\nload xen-privcmd\nload vgem\n"]
    cmd = args.cmd
    if args.pvh_domu:
        cmd = pvh_domu_cmd(args, env, kmods)
    else:
        if args.vkms:
            parts.append("load drm_kms_helper fbdev_emulation=0\n"
                         "load drm_shmem_helper\n"
                         "load vkms enable_writeback=1\n")
        for argv in kmods:
            parts.append(f"kmod {' '.join(shlex.quote(a) for a in argv)}\n")
    parts.append(f"GNTBUF_OUT={shlex.quote(out_dir)}\n")
    if args.domu:
        parts.append(fill(STAGE2_DOMU, XEN_BIN=XEN_BIN))
    if paths.debug:
        parts.append(KMEMLEAK_SCAN)
    parts.append(fill(
        STAGE2_TAIL, KMEMLEAK=('kmemleak_scan >"$GNTBUF_OUT/kmemleak.txt" '
                               '2>&1\n' if paths.debug else ""),
        SCRIPT=shlex.quote(env["GNTBUF_VM"]),
        CWD=shlex.quote(os.getcwd()),
        ENV=" ".join(shlex.quote(f"{k}={v}") for k, v in sorted(env.items())),
        CMD=" ".join(shlex.quote(a) for a in cmd)))
    return "".join(parts)


def pvh_domu_cmd(args, env, kmods):
    """dom0's command under --pvh-domu: domu-run of CMD in a PVH domU."""
    cmd = [env["GNTBUF_VM"], "domu-run", "--pvh", "--name", "gntbuf-pvh",
           "--modprobe", "vgem"]
    if args.vkms:
        cmd += ["--modprobe", "drm_kms_helper fbdev_emulation=0",
                "--modprobe", "vkms enable_writeback=1"]
    for argv in kmods:
        cmd += ["--kmod", " ".join(shlex.quote(a) for a in argv)]
    for path in args.domu_file:
        cmd += ["--extra-program", os.path.abspath(path)]
    for path in args.domu_cpio:
        cmd += ["--extra-cpio", os.path.abspath(path)]
    if args.dom0_helper:
        cmd += ["--dom0-helper", args.dom0_helper]
    if args.domu_append:
        cmd += ["--extra", args.domu_append]
    return cmd + ["--"] + args.cmd


def default_out_dir(paths):
    """A fresh output folder under the cache (the 10 newest are kept)."""
    os.makedirs(paths.outs, exist_ok=True)
    old = sorted(glob.glob(os.path.join(paths.outs, "*")),
                 key=os.path.getmtime)
    for d in old[:-9]:
        shutil.rmtree(d, ignore_errors=True)
    return tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"),
                            dir=paths.outs)


def check_run_args(args, paths):
    """Validate what the guest must see; return each --kmod's insmod
    arguments, its path made absolute."""
    if not args.cmd:
        raise UsageError("nothing to run: give a command after --")
    if paths.arch == "arm64":
        for opt in ("pvh_domu", "debug_kernel"):
            if getattr(args, opt):
                raise UsageError(f"--{opt.replace('_', '-')} is not there "
                                 "on arm64 yet")
    if args.gntdev_dmabuf and paths.debug:
        raise UsageError("--gntdev-dmabuf builds for Debian's kernel only, "
                         "not with --debug-kernel")
    if re.search(r"\s", paths.root):
        # Its run folder's path travels on the kernel command line.
        raise UsageError(f"the cache path {paths.root} must not contain "
                         "blanks")
    for path in args.domu_cpio:
        if not args.pvh_domu:
            raise UsageError("--domu-cpio goes with --pvh-domu")
        if not os.path.isfile(path):
            raise UsageError(f"--domu-cpio {path}: no such file")
    kmods = []
    for item in args.kmod:
        ko, *params = shlex.split(item) or [""]
        ko = os.path.abspath(ko)
        if not os.path.isfile(ko):
            raise UsageError(f"--kmod {ko}: no such file")
        kmods.append([ko] + params)
    return kmods


def kept_folders(args, paths, kmods):
    """Host folders under the guest's tmpfs that the run needs: those of the
    cache, the working folder, the --kmod modules, the --domu-cpio archives
    and an absolute CMD."""
    needed = [paths.root, os.getcwd()] + [argv[0] for argv in kmods] + \
        [os.path.abspath(p) for p in args.domu_cpio]
    if os.path.isabs(args.cmd[0]):
        needed.append(args.cmd[0])
    keep = {kept_folder(os.path.realpath(p)) for p in needed}
    keep.discard(None)
    for k in keep:
        if re.search(r"\s", k):
            raise UsageError(f"{k} is under a tmpfs of the guest and must "
                             "not contain blanks")
    return sorted(keep)


def run(args, paths):
    """Boot the rig, run CMD, return the exit status for the host."""
    kmods = check_run_args(args, paths)
    setup(paths, build_kernel=not paths.debug)
    out_dir = os.path.realpath(args.out) if args.out else \
        default_out_dir(paths)
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(paths.runs, exist_ok=True)
    run_dir = tempfile.mkdtemp(dir=paths.runs)
    sock_dir = tempfile.mkdtemp(prefix="gntbuf-vm-")
    if paths.arch == "arm64":
        keep = arm64.host_folders(
            [paths.root, os.getcwd()] + [argv[0] for argv in kmods] +
            ([args.cmd[0]] if os.path.isabs(args.cmd[0]) else []))
        qemu_command = arm64.qemu_command
        for k in keep:
            if re.search(r"\s", k):
                raise UsageError(f"{k} is bound into the arm64 dom0 and "
                                 "must not contain blanks")
    else:
        keep = kept_folders(args, paths, kmods)
        qemu_command = amd64.qemu_command
    try:
        with open(os.path.join(run_dir, "init.env"), "w") as f:
            f.write(f"OUT={shlex.quote(out_dir)}\n"
                    f"MODULES={shlex.quote(paths.modules)}\n"
                    f"KEEP={shlex.quote(' '.join(keep))}\n"
                    f"ARM64_ROOT={shlex.quote(paths.arm64_root)}\n")
        with open(os.path.join(run_dir, "stage2.sh"), "w") as f:
            f.write(stage2_script(args, paths, out_dir, kmods, run_dir))
        if paths.arch == "arm64" and args.domu:
            shutil.copy(os.path.join(os.path.dirname(
                os.path.abspath(__file__)), ARM64_DOMU_SH), run_dir)
        sock_path = os.path.join(sock_dir, "out.sock")
        status = boot(args, qemu_command(args, paths, run_dir, out_dir,
                                         sock_path), sock_path, out_dir)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(sock_dir, ignore_errors=True)
    if not args.out:
        log(f"output in {out_dir}")
    return status
