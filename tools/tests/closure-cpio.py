#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write an initramfs archive that carries host programs into a domU
(`gntbuf-vm domu-start --extra-cpio`, `gntbuf-vm run --domu-cpio`): each
program, library or plugin at its own path, each of their libraries (ldd's
closure) once, and the given extra files.  Built on the host at build
time: in the rig's dom0 the same ldd runs and 9p reads take a minute
under TCG.  Used for weston's programs (tools/displback,
rig-weston-guest.sh) and for Mesa's DRI driver (igt-tests, the
-pvh-domu tests that call GBM: Mesa dlopens the driver, so it is not in
the test's own closure).

  closure-cpio.py [--gzip] OUT.cpio [--file HOST:GUEST]... PROGRAM...

--gzip compresses the archive (Linux unpacks it; worth it for a big one,
see below).
"""

import os
import sys

# The rig's package, tools/gntbuf_vm; no bytecode written in the tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from gntbuf_vm.common import RigError  # noqa: E402
from gntbuf_vm.initramfs import Cpio, program_closure  # noqa: E402


def main(argv):
    if len(argv) < 2 or argv[0] == "--gzip" and len(argv) < 3:
        sys.exit("usage: closure-cpio.py [--gzip] OUT.cpio "
                 "[--file HOST:GUEST]... PROGRAM...")
    gz = argv[0] == "--gzip"
    if gz:
        argv = argv[1:]
    out, files, programs = argv[0], [], []
    args = iter(argv[1:])
    for a in args:
        if a == "--file":
            host, sep, guest = next(args, "").partition(":")
            if not sep or not guest.startswith("/"):
                sys.exit(f"--file wants HOST:/GUEST, not "
                         f"{host + sep + guest!r}")
            files.append((host, guest))
        else:
            programs.append(a)
    cpio = Cpio()
    seen = set()
    for program in programs:
        if not os.path.isfile(program):
            sys.exit(f"{program}: no such file (is its package installed?)")
        try:
            paths = program_closure(program)
        except RigError as e:
            sys.exit(str(e))
        for path in paths:
            if path not in seen:
                seen.add(path)
                cpio.host_file(path, path)
    for host, guest in files:
        cpio.host_file(guest, host)
    # Whether gzip pays depends on the size, under TCG (each time the PVH
    # domU's "up in", which covers dom0 reading the archive over 9p, xl
    # loading it and the domU's kernel unpacking it).  Weston's programs
    # (tools/displback): uncompressed, as with gzip the domU reached /init
    # at 37 s of its uptime in one run, against 16-21 s.  Mesa's driver
    # with LLVM (210 MB), 2026-12-03, gbm-import alone: without it 19-24 s;
    # uncompressed 32, 32 s; gzip -6 (72 MB) 28-29 s in four runs; lz4 -l
    # 29-33 s (84-104 MB); zstd -19 32 s (54 MB, 54 s to compress).  In
    # dom0, reading the gzip archive over 9p took 1.3 s, the plain one
    # 2.7 s; gunzip 5.5 s: loading and unpacking 210 MB in the domU is
    # what costs.
    data = cpio.gzipped() if gz else cpio.finish()
    with open(out + ".tmp", "wb") as f:
        f.write(data)
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
