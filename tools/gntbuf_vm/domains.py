# SPDX-License-Identifier: MIT
"""domUs, from inside the rig's dom0 (`run --domu`): their initramfs and xl
config, xl create and destroy, waiting on their consoles, and domu-run
(what `run --pvh-domu` runs in dom0)."""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import time

from .amd64 import XEN_BIN
from .common import (CRASH_GRACE_S, EXIT_CRASH, PASS_ENV_PREFIXES, RigError,
                     fill, log)
from .debugkernel import DEBUG_DOMU_ARGS
from .guest_scripts import DOMU_RUN_CMD, KMEMLEAK_DOMU, KMEMLEAK_SCAN
from .initramfs import (DOMU_MODULES, Cpio, add_modules, add_program,
                        module_closure)
from .reports import KMEMLEAK_MODULE


def require_rig():
    """Fail unless running inside the rig's dom0, started with --domu."""
    if os.environ.get("GNTBUF_DOMU") != "1":
        raise RigError("domu-* commands run inside `gntbuf-vm run --domu`")


def domu_dir(name):
    """The guest-side folder (on a tmpfs) of a domU's files."""
    return os.path.join("/tmp/gntbuf-domu", name)


def domu_config(args, paths, ramdisk):
    """The text of an xl config for a domU."""
    extra = "console=hvc0 quiet"
    if paths.debug:
        # Lockdep and WARN()s print at KERN_WARNING: into the console log,
        # where the host looks for reports.
        extra += " " + DEBUG_DOMU_ARGS
    if args.extra:
        extra += " " + args.extra
    lines = [
        f'name = "{args.name}"',
        f'type = "{"pvh" if args.pvh else "pv"}"',
        f'kernel = "{paths.vmlinux}"',
        f'ramdisk = "{ramdisk}"',
        f'extra = "{extra}"',
        f"memory = {args.memory}",
        f"vcpus = {args.vcpus}",
        'on_crash = "preserve"',
    ]
    if args.pvh:
        lines.append('tsc_mode = "native"')
    lines += args.cfg
    return "\n".join(lines) + "\n"


def domu_pre_script(args):
    """The text of /domu-pre: --modprobe, then --kmod, each fatal."""
    # A module /init loaded already (drm_kms_helper) gets its parameters
    # through sysfs, where modprobe would ignore them.
    lines = [r"""load() {
    m=$(echo "$1" | tr - _)
    if [ -d "/sys/module/$m" ] && [ $# -gt 1 ]; then
        shift
        for kv; do
            echo "${kv#*=}" >"/sys/module/$m/parameters/${kv%%=*}" ||
                return 1
        done
    else
        modprobe "$@"
    fi
}"""]
    for item in args.modprobe:
        lines.append(f"load {item} || {{ echo 'gntbuf-domu: modprobe "
                     f"{item} failed'; exit 1; }}")
    for item in args.kmod:
        lines.append(f"insmod {item} || {{ echo 'gntbuf-domu: insmod "
                     f"{item} failed'; exit 1; }}")
    return "\n".join(lines) + "\n"


def domu_ramdisk(args, paths, path):
    """Write the domU's initramfs: the cached one plus a second archive
    holding /domu-cmd, /domu-pre, the --extra-file files, the
    --extra-program closures, the --kmod files and the --modprobe modules,
    then each --extra-cpio archive as it is (Linux unpacks concatenated
    archives; later files replace earlier ones)."""
    extra = Cpio()
    if args.cmd is not None:
        extra.file("/domu-cmd", (args.cmd + "\n").encode(), 0o755)
    for item in args.extra_file:
        host, sep, guest = item.partition(":")
        if not sep or not guest.startswith("/"):
            raise RigError(f"--extra-file wants HOSTPATH:/GUESTPATH, "
                           f"not {item!r}")
        extra.host_file(guest, host)
    for program in args.extra_program:
        if not os.path.isfile(program):
            raise RigError(f"--extra-program {program}: no such file")
        add_program(extra, os.path.abspath(program))
    for item in args.kmod:
        ko = shlex.split(item)[0]
        if not ko.startswith("/") or not os.path.isfile(ko):
            raise RigError(f"--kmod wants an absolute path to a .ko, not "
                           f"{item!r}")
        extra.host_file(ko, ko)
    if args.modprobe:
        names = [shlex.split(m)[0] for m in args.modprobe]
        add_modules(extra, paths, DOMU_MODULES + names)
    gntdev_dmabuf_overlay(extra, paths)
    if args.modprobe or args.kmod:
        extra.file("/domu-pre", domu_pre_script(args).encode(), 0o755)
    shutil.copyfile(paths.domu_initrd, path)
    with open(path, "ab") as f:
        f.write(extra.finish())
        for archive in args.extra_cpio:
            if not os.path.isfile(archive):
                raise RigError(f"--extra-cpio {archive}: no such file")
            with open(archive, "rb") as src:
                shutil.copyfileobj(src, f)


def gntdev_dmabuf_overlay(cpio, paths):
    """In a domU's extra archive: the rig's xen-gntdev.ko over Debian's
    (same path, same modules.dep), when dom0 was started with
    --gntdev-dmabuf ($GNTBUF_GNTDEV_DMABUF names it)."""
    ko = os.environ.get("GNTBUF_GNTDEV_DMABUF")
    if not ko:
        return
    for rel in module_closure(paths, ["xen-gntdev"]):
        if os.path.basename(rel) == "xen-gntdev.ko":
            cpio.host_file(f"/lib/modules/{paths.abi}/{rel}", ko)
            return
    raise RigError("xen-gntdev is not in the kernel's module tree")


def domu_start(args, paths):
    """Write a domU's initramfs and xl config, then xl create it."""
    require_rig()
    folder = domu_dir(args.name)
    os.makedirs(folder, exist_ok=True)
    ramdisk = os.path.join(folder, "initrd.cpio")
    domu_ramdisk(args, paths, ramdisk)
    cfg = os.path.join(folder, f"{args.name}.cfg")
    with open(cfg, "w") as f:
        f.write(domu_config(args, paths, ramdisk))
    if os.path.exists(domu_log_path(args.name)):
        os.truncate(domu_log_path(args.name), 0)
    proc = subprocess.run([f"{XEN_BIN}/xl", "create", "-q", cfg])
    if proc.returncode != 0:
        raise RigError(f"xl create {cfg} failed ({proc.returncode})")
    return 0


def domu_log_path(name):
    """Where xenconsoled writes a domU's console."""
    return os.path.join(os.environ.get("GNTBUF_OUT", "/tmp"), "xen-console",
                        f"guest-{name}.log")


DOMU_CRASH = re.compile(r"Kernel panic|\bBUG: |\bOops\b|"
                        r"general protection fault")
DOMU_EXIT = "@@DOMU-EXIT"


def domu_wait(args):
    """Wait for a line matching REGEX in a domU's console; print it.

    Fails at once when the domU crashes or its --cmd ends first."""
    require_rig()
    pattern = re.compile(args.regex)
    path = domu_log_path(args.name)
    deadline = time.monotonic() + args.timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        for line in text.splitlines():
            if pattern.search(line):
                print(line)
                return 0
            if DOMU_CRASH.search(line):
                raise RigError(f"domU {args.name} crashed: {line.strip()}")
            if line.startswith(DOMU_EXIT):
                raise RigError(f"domU {args.name}: its command ended "
                               f"({line.strip()}) before a line matched "
                               f"{args.regex!r}")
        time.sleep(0.2)
    tail = "\n".join(text.splitlines()[-20:])
    raise RigError(f"domU {args.name}: no line matching {args.regex!r} "
                   f"within {args.timeout} s in {path}; its end:\n{tail}")


# Variables of dom0's CMD environment that make no sense in a domU.
DOMU_RUN_DROP_ENV = ("GNTBUF_DOMU", "GNTBUF_VM", "GNTBUF_CACHE")
DOMU_RUN_STATUS = re.compile(r"@@DOMU-EXIT (\d+)@@")
DOMU_RUN_WARNINGS = re.compile(r"@@DOMU-WARNINGS (\d+)@@")


def domu_run_env():
    """CMD's environment in the domU: dom0's, less the rig's own tools."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith(PASS_ENV_PREFIXES) and
           k not in DOMU_RUN_DROP_ENV}
    for k in ("PATH", "HOME", "LANG", "TERM"):
        env[k] = os.environ.get(k, "")
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
                  "/sbin:/bin"
    env["GNTBUF_IN_DOMU"] = "1"
    return env


def domu_run(args, paths):
    """(in dom0) Boot a domU holding CMD and what it loads, start the
    --dom0-helper, stream the domU's console to stdout until CMD ends;
    return CMD's status, or 125 when the domU crashed."""
    require_rig()
    program = shutil.which(args.cmd[0])
    if not program:
        raise RigError(f"{args.cmd[0]}: not found")
    env = domu_run_env()
    start = argparse.Namespace(
        name=args.name, pvh=args.pvh, memory=args.memory, vcpus=1,
        # Room for the 65552-grant IMPORT subtest (xl's default: 64).
        extra=args.extra, cfg=["max_grant_frames = 256"], extra_file=[],
        extra_program=[program] + args.extra_program,
        extra_cpio=args.extra_cpio,
        modprobe=args.modprobe, kmod=args.kmod,
        cmd=fill(DOMU_RUN_CMD, CWD=shlex.quote(os.getcwd()),
                 KMEMLEAK=(KMEMLEAK_SCAN + fill(
                               KMEMLEAK_DOMU, MODULE=KMEMLEAK_MODULE)
                           if paths.debug else ""),
                 ENV=" ".join(shlex.quote(f"{k}={v}")
                              for k, v in sorted(env.items())),
                 CMD=" ".join(shlex.quote(a)
                              for a in [program] + args.cmd[1:])))
    t0 = time.monotonic()
    domu_start(start, paths)
    domid = subprocess.run([f"{XEN_BIN}/xl", "domid", args.name],
                           capture_output=True, text=True).stdout.strip()
    log(f"domU {args.name} is domid {domid}")
    helper = None
    try:
        if args.dom0_helper:
            helper_log = os.path.join(os.environ.get("GNTBUF_OUT", "/tmp"),
                                      f"dom0-helper-{args.name}.log")
            with open(helper_log, "wb") as f:
                helper = subprocess.Popen(
                    args.dom0_helper.replace("@DOMID@", domid), shell=True,
                    stdin=subprocess.DEVNULL, stdout=f,
                    stderr=subprocess.STDOUT, start_new_session=True)
        return domu_follow(args.name, t0)
    finally:
        if helper:
            os.killpg(helper.pid, 9)
            helper.wait()
        subprocess.run([f"{XEN_BIN}/xl", "destroy", args.name],
                       stderr=subprocess.DEVNULL)


def domu_follow(name, t0):
    """Copy a domU's console log to stdout until its command's status."""
    path = domu_log_path(name)
    offset = 0
    partial = ""
    crash_at = None
    ready = False
    while True:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            data = b""
        offset += len(data)
        lines = (partial + data.decode("utf-8", "replace")).split("\n")
        partial = lines.pop()
        for line in lines:
            line = line.rstrip("\r")
            match = DOMU_RUN_STATUS.search(line)
            if match:
                return int(match.group(1))
            if "@@DOMU-READY@@" in line and not ready:
                ready = True
                log(f"domU {name} up in {time.monotonic() - t0:.1f} s")
                continue
            match = DOMU_RUN_WARNINGS.search(line)
            if match and match.group(1) != "0":
                log(f"note: the domU kernel logged {match.group(1)} "
                    "WARNING(s); its dmesg follows")
            # The domU's boot messages stay in its console log.
            if ready or crash_at is not None or DOMU_CRASH.search(line):
                print(line, flush=True)
            if crash_at is None and DOMU_CRASH.search(line):
                log(f"domU {name} crashed: {line.strip()}")
                crash_at = time.monotonic()
        if crash_at is not None and time.monotonic() - crash_at > \
                CRASH_GRACE_S:
            return EXIT_CRASH
        time.sleep(0.1)


def domu_stop(args):
    """Destroy a domU."""
    require_rig()
    return subprocess.run([f"{XEN_BIN}/xl", "destroy", args.name]).returncode
