# SPDX-License-Identifier: MIT
"""initramfs archives: a cpio writer, the busybox and kernel module and
program closures that go into them, and the dom0 and domU images that
setup caches."""

import gzip
import io
import os
import re
import shutil
import stat
import subprocess
import tempfile

from .amd64 import DOMU_LIBGCC
from .arm64 import CROSS_COMPILE
from .common import GUEST_TMPFS, RigError, VPORT_NAME, fill, run_quiet
from .guest_scripts import DOM0_INIT, DOM0_INIT_ARM64, DOMU_INIT


# Modules the dom0 initramfs loads before it can reach the host's root; all
# others are loaded from the full module tree once chrooted.
DOM0_BOOT_MODULES = ["xenfs", "virtio_pci", "9pnet_virtio", "9p",
                     "virtio_console"]
DOM0_BOOT_MODULES_ARM64 = ["xenfs", "virtio_mmio", "9pnet_virtio", "9p",
                           "virtio_console"]
DOMU_MODULES = ["xenfs", "xen-evtchn", "xen-gntdev", "xen-gntalloc",
                "xen-privcmd", "drm_xen_front", "drm_kms_helper"]
# Debian's arm64 kernel has no drm_xen_front: the rig cross-builds it
# (extmods.build_arm64_extmods) into the module tree's extra/.
DOMU_MODULES_ARM64 = DOMU_MODULES
# From the arm64 root (arm64.ROOT_PACKAGES' libdrm-tests), with the
# libraries they need from there.
DOMU_PROGRAMS_ARM64 = ["/usr/bin/modetest"]
# Where the arm64 loader looks (Debian's multiarch folders).
ARM64_LIB_DIRS = ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]
DOMU_PROGRAMS = ["/usr/bin/modetest", "/usr/bin/xenstore"]
DOMU_XENSTORE_LINKS = ["xenstore-read", "xenstore-write", "xenstore-ls",
                       "xenstore-list", "xenstore-exists", "xenstore-rm",
                       "xenstore-watch", "xenstore-chmod"]


class Cpio:
    """A newc cpio archive (the initramfs format), every entry root-owned."""

    def __init__(self):
        self._buf = io.BytesIO()
        self._ino = 0
        self._dirs = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        self._ino += 1
        name = name.lstrip("/").encode() + b"\0"
        nlink = 2 if stat.S_ISDIR(mode) else 1
        fields = (self._ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name), 0)
        header = b"070701" + b"".join(b"%08x" % f for f in fields)
        self._buf.write(header + name)
        self._pad()
        self._buf.write(data)
        self._pad()

    def _pad(self):
        self._buf.write(b"\0" * (-self._buf.tell() % 4))

    def dir(self, path):
        """Add a directory and its missing parents."""
        path = "/" + path.strip("/")
        if path == "/" or path in self._dirs:
            return
        self.dir(os.path.dirname(path))
        self._dirs.add(path)
        self._entry(path, stat.S_IFDIR | 0o755)

    def file(self, path, data, mode=0o644):
        """Add a regular file with the given bytes."""
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, data)

    def host_file(self, path, host_path):
        """Add a copy of a host file (symlinks followed), keeping its mode."""
        with open(host_path, "rb") as f:
            data = f.read()
        self.file(path, data, os.stat(host_path).st_mode & 0o777)

    def symlink(self, path, target):
        """Add a symbolic link."""
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor):
        """Add a character device node."""
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def tree(self, path, host_dir):
        """Add a host directory tree (folders, files, links) under path."""
        for top, dirs, files in os.walk(host_dir):
            dirs.sort()
            dest = os.path.normpath(
                os.path.join(path, os.path.relpath(top, host_dir)))
            self.dir(dest)
            for name in sorted(files):
                src = os.path.join(top, name)
                if os.path.islink(src):
                    self.symlink(os.path.join(dest, name), os.readlink(src))
                else:
                    self.host_file(os.path.join(dest, name), src)

    def finish(self):
        """The finished archive."""
        self._entry("TRAILER!!!", 0)
        return self._buf.getvalue()

    def gzipped(self):
        """The finished archive, gzip-compressed."""
        return gzip.compress(self.finish(), compresslevel=6, mtime=0)


def add_busybox(cpio, binary="/bin/busybox"):
    """Add busybox-static (the host's or another architecture's binary of
    the same Debian version) and a link for each of its applets, as the
    host's lists them."""
    cpio.host_file("/bin/busybox", binary)
    listing = run_quiet(["/bin/busybox", "--list-full"])
    for applet in listing.split():
        if applet != "bin/busybox":
            cpio.symlink("/" + applet, "/bin/busybox")
    cpio.chardev("/dev/console", 5, 1)
    for d in ("proc", "sys", "dev", "tmp", "run", "root"):
        cpio.dir(d)


def module_closure(paths, names):
    """The .ko files (relative to the module tree) that names need, in load
    order, computed with modprobe --show-depends on the cached tree."""
    found = []
    for name in names:
        out = run_quiet(["modprobe", "-d", paths.kernel_root, "-S",
                         paths.abi, "--show-depends", name])
        for line in out.splitlines():
            words = line.split()
            if words and words[0] == "insmod":
                rel = os.path.relpath(words[1], paths.modules)
                if rel not in found:
                    found.append(rel)
    return found


def add_modules(cpio, paths, names):
    """Add the modules names need, with a modules.dep for busybox modprobe."""
    with tempfile.TemporaryDirectory() as stage:
        moddir = os.path.join(stage, "lib", "modules", paths.abi)
        for rel in module_closure(paths, names):
            os.makedirs(os.path.dirname(os.path.join(moddir, rel)),
                        exist_ok=True)
            shutil.copy(os.path.join(paths.modules, rel),
                        os.path.join(moddir, rel))
        for meta in ("modules.builtin", "modules.builtin.modinfo",
                     "modules.order"):
            shutil.copy(os.path.join(paths.modules, meta), moddir)
        run_quiet(["depmod", "-b", stage, paths.abi])
        cpio.tree(f"/lib/modules/{paths.abi}", moddir)


def is_elf(path):
    """True when path is an ELF file (a program or a library)."""
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def program_closure(program):
    """program and the libraries ldd finds for it (a script or a static
    program: itself alone); a missing library is an error."""
    found = [program]
    if not is_elf(program):
        return found
    out = subprocess.run(["ldd", program], capture_output=True, text=True)
    if "not a dynamic executable" in out.stdout + out.stderr:
        return found
    for line in out.stdout.splitlines():
        match = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if "not found" in line:
            raise RigError(f"{program}: {line.strip()}")
        if match:
            found.append(match.group(1))
    return found


def add_program(cpio, program):
    """Add a host program at its own path; a dynamically linked one with the
    libraries it needs (its ldd closure), a script as it is."""
    for path in program_closure(program):
        cpio.host_file(path, path)


def add_root_program(cpio, root, program):
    """Add a program of another architecture's root (its path inside root),
    with the libraries of its NEEDED closure found in root's ARM64_LIB_DIRS
    and its program interpreter."""
    todo = [program]
    done = set()
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        host = os.path.join(root, path.lstrip("/"))
        cpio.host_file(path, host)    # a link's target, as a file
        out = run_quiet([CROSS_COMPILE + "readelf", "-d", "-l", "-W", host])
        interp = re.search(r"program interpreter: (\S+?)\]", out)
        if interp:
            todo.append(interp.group(1))
        for lib in re.findall(r"\(NEEDED\).*\[(\S+)\]", out):
            for d in ARM64_LIB_DIRS:
                if os.path.exists(os.path.join(root, d.lstrip("/"), lib)):
                    todo.append(os.path.join(d, lib))
                    break
            else:
                raise RigError(f"{program}: {lib} is not in {root}")


def write_initrd(path, data):
    """Write an initramfs atomically."""
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def dom0_init(paths):
    """The text of the dom0 initramfs's /init (x86: it chroots into the
    host's root; arm64: into a root of arm64 programs, see arm64)."""
    if paths.arch == "arm64":
        return fill(DOM0_INIT_ARM64,
                    BOOT_MODULES=" ".join(DOM0_BOOT_MODULES_ARM64),
                    TMPFS=" ".join(GUEST_TMPFS), ABI=paths.abi,
                    VPORT=VPORT_NAME, ROOT="/newroot")
    return fill(DOM0_INIT, BOOT_MODULES=" ".join(DOM0_BOOT_MODULES),
                TMPFS=" ".join(GUEST_TMPFS), ABI=paths.abi,
                VPORT=VPORT_NAME, ROOT="/host")


def domu_init(arch="amd64"):
    """The text of the domU initramfs's /init."""
    return fill(DOMU_INIT, MODULES=" ".join(
        DOMU_MODULES_ARM64 if arch == "arm64" else DOMU_MODULES))


def build_dom0_initrd(paths):
    """Build the dom0 initramfs: busybox, boot modules, /init."""
    cpio = Cpio()
    add_busybox(cpio)
    add_modules(cpio, paths, DOM0_BOOT_MODULES)
    cpio.file("/init", dom0_init(paths).encode(), 0o755)
    write_initrd(paths.dom0_initrd, cpio.gzipped())


def build_dom0_initrd_arm64(paths):
    """Build the arm64 dom0 initramfs: the arm64 root's busybox, boot
    modules, /init."""
    cpio = Cpio()
    add_busybox(cpio, os.path.join(paths.arm64_root, "bin", "busybox"))
    add_modules(cpio, paths, DOM0_BOOT_MODULES_ARM64)
    cpio.file("/init", dom0_init(paths).encode(), 0o755)
    write_initrd(paths.dom0_initrd, cpio.gzipped())


def build_domu_initrd_arm64(paths):
    """Build the arm64 domU initramfs: busybox, the Xen modules and
    xen_drm_front, modetest, /init (which idles after @@DOMU-READY@@: no
    /domu-cmd)."""
    cpio = Cpio()
    add_busybox(cpio, os.path.join(paths.arm64_root, "bin", "busybox"))
    add_modules(cpio, paths, DOMU_MODULES_ARM64)
    for program in DOMU_PROGRAMS_ARM64:
        add_root_program(cpio, paths.arm64_root, program)
    cpio.file("/init", domu_init("arm64").encode(), 0o755)
    write_initrd(paths.domu_initrd, cpio.finish())


def build_domu_initrd(paths):
    """Build the domU initramfs: busybox, Xen/DRM frontend modules,
    modetest and xenstore tools with their libraries, /init."""
    cpio = Cpio()
    add_busybox(cpio)
    add_modules(cpio, paths, DOMU_MODULES)
    for program in DOMU_PROGRAMS:
        add_program(cpio, program)
    for link in DOMU_XENSTORE_LINKS:
        cpio.symlink(f"/usr/bin/{link}", "xenstore")
    cpio.host_file(*DOMU_LIBGCC)
    cpio.file("/init", domu_init().encode(), 0o755)
    write_initrd(paths.domu_initrd, cpio.finish())
