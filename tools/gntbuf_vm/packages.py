# SPDX-License-Identifier: MIT
"""Debian packages: the host's (apt-get install), and those the rig only
downloads and unpacks into its cache (the kernel image, linux-source)."""

import glob
import os
import re
import shutil
import subprocess
import tempfile

from .amd64 import KERNEL_ABI, KERNEL_METAPACKAGE
from .common import RigError, log, run_quiet


KERNEL_SERIES = ".".join(KERNEL_ABI.split(".")[:2])  # "6.1"
SOURCE_PACKAGE = f"linux-source-{KERNEL_SERIES}"
SOURCE_TOP = f"linux-source-{KERNEL_SERIES}"
CHECKPATCH_FILES = ["checkpatch.pl", "spelling.txt",
                    "const_structs.checkpatch"]


def missing_packages(packages):
    """The host packages that dpkg does not report as installed."""
    missing = []
    for pkg in packages:
        proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
        if proc.returncode != 0 or "ok installed" not in proc.stdout:
            missing.append(pkg)
    return missing


def install_packages(packages):
    """apt-get install the host packages that are missing (update first)."""
    missing = missing_packages(packages)
    if not missing:
        return False
    log(f"installing {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    proc = subprocess.run(["apt-get", "install", "-y",
                           "--no-install-recommends"] + missing, env=env)
    if proc.returncode != 0:
        if f"linux-headers-{KERNEL_ABI}" in missing:
            raise RigError(f"apt-get install failed; {abi_hint()}")
        raise RigError("apt-get install failed")
    return True


def abi_hint():
    """A sentence naming the ABI Debian's linux-image-amd64 now depends on."""
    proc = subprocess.run(["apt-cache", "depends", KERNEL_METAPACKAGE],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True)
    match = re.search(r"Depends: linux-image-(\S+?)(-unsigned)?$",
                      proc.stdout, re.M)
    now = match.group(1) if match else "(unknown)"
    return (f"the kernel ABI {KERNEL_ABI} is not in the archive "
            f"(`apt-cache depends {KERNEL_METAPACKAGE}` now gives {now}): "
            f"change KERNEL_ABI in tools/gntbuf_vm/amd64.py")


def apt_download(paths, package):
    """apt-get download package into the cache; return the .deb's path."""
    os.makedirs(paths.debs, exist_ok=True)
    name = package.split("=")[0]
    argv = ["apt-get", "download", package]
    if os.geteuid() == 0:
        # The _apt user cannot write into root's cache folder.
        argv[1:1] = ["-o", "APT::Sandbox::User=root"]
    for attempt in range(2):
        proc = subprocess.run(argv, cwd=paths.debs, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if proc.returncode == 0:
            break
        if attempt == 0:
            subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    else:
        raise RigError(f"apt-get download {package} failed:\n"
                       f"{proc.stdout.strip()}\n{abi_hint()}")
    debs = sorted(glob.glob(os.path.join(paths.debs, f"{name}_*.deb")),
                  key=os.path.getmtime)
    return debs[-1]


def kernel_version():
    """The Debian version of linux-image-<ABI> (e.g. 6.1.192-2)."""
    proc = subprocess.run(["apt-cache", "show", "--no-all-versions",
                           f"linux-image-{KERNEL_ABI}"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True)
    match = re.search(r"^Version: (\S+)", proc.stdout, re.M)
    return match.group(1) if match else None


def fetch_kernel(paths):
    """Download linux-image-<ABI> and unpack it (never installed)."""
    deb = apt_download(paths, f"linux-image-{KERNEL_ABI}")
    shutil.rmtree(paths.kernel_root, ignore_errors=True)
    run_quiet(["dpkg-deb", "-x", deb, paths.kernel_root])
    os.symlink(f"/usr/src/linux-headers-{KERNEL_ABI}",
               os.path.join(paths.modules, "build"))
    os.unlink(deb)


def download_source(paths):
    """apt-get download linux-source-<series>, of the rig kernel's own
    version when the archive still has it; return the .deb's path."""
    version = kernel_version()
    pkg = SOURCE_PACKAGE
    try:
        return apt_download(paths, f"{pkg}={version}" if version else pkg)
    except RigError:
        return apt_download(paths, pkg)


def extract_source(deb, dest, members):
    """Extract members (all when empty) of the kernel tarball inside the
    linux-source .deb into dest."""
    tarball = f"./usr/src/{SOURCE_TOP}.tar.xz"
    fsys = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb],
                            stdout=subprocess.PIPE)
    outer = subprocess.Popen(["tar", "-xO", tarball], stdin=fsys.stdout,
                             stdout=subprocess.PIPE)
    fsys.stdout.close()
    inner = subprocess.run(["tar", "-xJf", "-", "-C", dest] + members,
                           stdin=outer.stdout)
    outer.stdout.close()
    if fsys.wait() or outer.wait() or inner.returncode:
        raise RigError(f"cannot extract {' '.join(members) or 'the tree'} "
                       f"from {deb}")


def fetch_source_bits(paths):
    """From linux-source-<series>, extract checkpatch and vkms's sources."""
    deb = download_source(paths)
    members = [f"{SOURCE_TOP}/scripts/{f}" for f in CHECKPATCH_FILES]
    members.append(f"{SOURCE_TOP}/drivers/gpu/drm/vkms/")
    with tempfile.TemporaryDirectory(dir=paths.root) as tmp:
        extract_source(deb, tmp, members)
        for d in (paths.scripts, paths.vkms_src):
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(paths.scripts)
        for f in CHECKPATCH_FILES:
            shutil.move(os.path.join(tmp, SOURCE_TOP, "scripts", f),
                        paths.scripts)
        shutil.move(os.path.join(tmp, SOURCE_TOP, "drivers/gpu/drm/vkms"),
                    paths.vkms_src)
    os.unlink(deb)
