# SPDX-License-Identifier: MIT
"""What the kernels reported during a run: the stock dom0's WARNINGs, and the
debug kernel's checkers (lockdep, KFENCE, SLUB, DMA-API, ODEBUG, kmemleak,
WARN/BUG) in dom0's dmesg, its kmemleak scan and each domU's console, with
the reports of Linux's own code that are known and fail no run."""

import glob
import os
import re

from .common import log


def kernel_warnings(out_dir):
    """How many WARNINGs the dom0 kernel logged in <out>/dmesg.txt."""
    try:
        with open(os.path.join(out_dir, "dmesg.txt"), errors="replace") as f:
            return sum("------------[ cut here ]------------" in line
                       for line in f)
    except FileNotFoundError:
        return 0


# The first line of a debug kernel's report, at a line's start (after
# dmesg's timestamp): KFENCE, DEBUG_ATOMIC_SLEEP, lockdep's own (BUG:),
# SLUB debugging's (BUG <cache> (...): ...), lockdep and WARN() (WARNING:,
# with DMA-API and ODEBUG reports inside a WARN), lockdep's INFO: ones,
# hung tasks, and kmemleak giving up.  Xen's own lines start with (XEN)
# and never match.
DEBUG_REPORT_START = re.compile(
    r"^(?:\[\s*\d+\.\d+\]\s*)?(?:BUG: |BUG [\w.:-]+ \(|WARNING: |"
    r"kernel BUG at |INFO: possible |INFO: trying to register |"
    r"INFO: task \S+ blocked for more than |Kernel panic|"
    r"general protection fault|kmemleak: Kernel memory leak detector "
    r"disabled)")
KMEMLEAK_START = re.compile(r"^unreferenced object 0x")
# Reports of Linux 6.1's own code that the rig's helpers trigger, never
# xen-gntbuf's: logged as known, they fail no run.  A report naming the
# module is never known.  Beware: lockdep turns itself off after its first
# report, so such a report blinds it for the rest of that boot.
DEBUG_KNOWN_REPORTS = [
    # gntdev copies to user memory under priv->lock in
    # IOCTL_GNTDEV_MAP_GRANT_REF and takes priv->lock under mmap_lock in
    # gntdev_mmap(): any xengnttab map (gntbuf-grant-peer, self-grants).
    ("xen_gntdev: priv->lock vs mmap_lock (MAP_GRANT_REF, mmap)",
     [r"WARNING: possible circular locking dependency detected",
      r"&priv->lock", r"gntdev_mmap\+\S+ \[xen_gntdev\]",
      r"gntdev_ioctl\+\S+ \[xen_gntdev\]"]),
    # xen_drm_front's drm_driver.release runs drm_atomic_helper_shutdown(),
    # which takes a reference on the drm_device whose count has already
    # dropped to 0 (refcount "addition on 0", then "underflow"): every unbind
    # of the frontend in a domU (displfront-hostile unbinds it).
    ("drm_xen_front: atomic shutdown in drm_driver.release (unbind)",
     [r"refcount_warn_saturate",
      r"drm_atomic_helper_shutdown\+\S+ \[drm_kms_helper\]",
      r"xen_drm_drv_release\+\S+ \[drm_xen_front\]"]),
]
# Report lines quoted in the run's message and kept per report.
DEBUG_REPORT_LINES = 30
# Of the kmemleak reports, only those involving the module count.
KMEMLEAK_MODULE = "xen_gntbuf"


def report_blocks(lines):
    """The debug reports in a kernel log: lists of up to
    DEBUG_REPORT_LINES lines, each from a report's first line; kmemleak's
    only when their backtrace names the module."""
    def start(line):
        return DEBUG_REPORT_START.search(line) or KMEMLEAK_START.search(line)
    reports = []
    for i, line in enumerate(lines):
        if not start(line):
            continue
        block = [line]
        for more in lines[i + 1:i + DEBUG_REPORT_LINES]:
            if start(more):
                break
            block.append(more)
        if not KMEMLEAK_START.search(line) or \
                any(KMEMLEAK_MODULE in b for b in block):
            reports.append(block)
    return reports


def debug_reports(out_dir):
    """(file, report lines) of each report of the debug kernel in a run's
    logs: dom0's dmesg (the console when dom0 died before writing it), its
    kmemleak scan, and each domU's console."""
    dom0 = os.path.join(out_dir, "dmesg.txt")
    if not os.path.exists(dom0):
        dom0 = os.path.join(out_dir, "console.log")
    files = [dom0, os.path.join(out_dir, "kmemleak.txt")] + sorted(
        glob.glob(os.path.join(out_dir, "xen-console", "guest-*.log")))
    found = []
    for path in files:
        try:
            with open(path, errors="replace") as f:
                lines = [ln.rstrip("\r\n") for ln in f]
        except FileNotFoundError:
            continue
        if path.endswith("console.log"):
            lines = [ln for ln in lines if not ln.startswith("(XEN)")]
        found += [(path, block) for block in report_blocks(lines)]
    return found


def known_report(block):
    """The DEBUG_KNOWN_REPORTS name that block is, or None."""
    text = "\n".join(block)
    if KMEMLEAK_MODULE in text:
        return None
    for name, patterns in DEBUG_KNOWN_REPORTS:
        if all(re.search(p, text) for p in patterns):
            return name
    return None


def check_debug_reports(out_dir):
    """Log the debug kernel's reports of a run (all of them into
    <out>/debug-reports.txt, the first unknown one in the message); True
    if any is not a known one."""
    found = debug_reports(out_dir)
    if not found:
        return False
    reports = []
    with open(os.path.join(out_dir, "debug-reports.txt"), "w") as f:
        for path, block in found:
            known = known_report(block)
            f.write(f"==> {path}" + (f" (known: {known})" if known else "")
                    + "\n" + "\n".join(block) + "\n\n")
            if known:
                log(f"note: debug kernel: known report in {path}: {known}")
            else:
                reports.append((path, block))
    if not reports:
        return False
    path, first = reports[0]
    log(f"debug kernel: {len(reports)} report(s) (all in "
        f"{os.path.join(out_dir, 'debug-reports.txt')}); the first, from "
        f"{path}:\n" + "\n".join(first))
    return True
