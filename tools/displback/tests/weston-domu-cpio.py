#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the initramfs archive that carries Debian's weston into a domU
(rig-weston-guest.sh, `gntbuf-vm domu-start --extra-cpio`): the host's
programs and modules at their own paths, each of their libraries (ldd's
closure) once, and the given extra files.  Built on the host at build
time: in the rig's dom0 the same ldd runs and 9p reads take a minute
under TCG.

  weston-domu-cpio.py OUT.cpio [--file HOST:GUEST]... PROGRAM...
"""

import os
import re
import subprocess
import sys

# The rig's package, tools/gntbuf_vm; no bytecode written in the tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
from gntbuf_vm.initramfs import Cpio, is_elf  # noqa: E402


def closure(program):
    """program and the libraries ldd finds for it; fail on a missing one."""
    found = [program]
    if not is_elf(program):
        return found
    out = subprocess.run(["ldd", program], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if "not found" in line:
            sys.exit(f"{program}: {line.strip()}")
        match = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if match:
            found.append(match.group(1))
    return found


def main(argv):
    out, files, programs = argv[0], [], []
    args = iter(argv[1:])
    for a in args:
        if a == "--file":
            host, _, guest = next(args).partition(":")
            files.append((host, guest))
        else:
            programs.append(a)
    cpio = Cpio()
    seen = set()
    for program in programs:
        if not os.path.isfile(program):
            sys.exit(f"{program}: no such file (is weston installed?)")
        for path in closure(program):
            if path not in seen:
                seen.add(path)
                cpio.host_file(path, path)
    for host, guest in files:
        cpio.host_file(guest, host)
    # Not compressed: gzip halves what dom0 reads and xl loads, but the
    # domU's kernel then takes longer to unpack it under TCG (in one
    # run the PVH domU reached /init at 37 s of its uptime, against 16-21 s).
    with open(out + ".tmp", "wb") as f:
        f.write(cpio.finish())
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
