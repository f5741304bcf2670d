# SPDX-License-Identifier: MIT
"""One boot of QEMU: stream CMD's output from its virtio port, log and
watch the guest's console (sentinels, crashes), stop at the end, the
timeout or a crash, and turn how it ended into the run's exit status."""

import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import time

from .common import CRASH_GRACE_S, EXIT_CRASH, EXIT_TIMEOUT, log
from .reports import check_debug_reports, kernel_warnings


SENTINEL_START = "@@GNTBUF-START@@"
SENTINEL_EXIT = re.compile(r"@@GNTBUF-EXIT (\d+)@@")
SENTINEL_ERROR = re.compile(r"@@GNTBUF-ERROR (.*)@@")
CRASH_PATTERNS = re.compile(
    r"Kernel panic|\(XEN\) Panic|\(XEN\) FATAL|Hardware Dom0 crashed|"
    r"\bBUG: |\bOops\b|general protection fault|kernel BUG at|"
    r"Unable to handle kernel")


# How long the guest may take to power off once CMD has exited.
POWEROFF_GRACE_S = 30.0


def qemu_escape(value):
    """Escape a value inside a comma-separated QEMU option."""
    return value.replace(",", ",,")


class Console:
    """Reads the guest's serial console: logs it, finds sentinels, crashes."""

    def __init__(self, log_file, echo):
        self.log_file = log_file
        self.echo = echo
        self.partial = b""
        self.status = None
        self.error = None
        self.crash = None
        self.started_at = None

    def feed(self, data):
        """Take a chunk of console bytes."""
        self.log_file.write(data)
        self.log_file.flush()
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for raw in lines:
            self._line(raw.decode("utf-8", "replace").rstrip("\r"))

    def _line(self, line):
        if self.echo:
            print(line, file=sys.stderr, flush=True)
        if self.status is not None:
            return
        match = SENTINEL_EXIT.search(line)
        if match:
            self.status = int(match.group(1))
            return
        match = SENTINEL_ERROR.search(line)
        if match and self.error is None:
            self.error = match.group(1)
        elif SENTINEL_START in line and self.started_at is None:
            self.started_at = time.monotonic()
        elif self.crash is None and CRASH_PATTERNS.search(line):
            self.crash = line.strip()


def boot(args, qemu_argv, sock_path, out_dir):
    """Run QEMU, stream CMD's output, watch the console; return a status."""
    console_path = os.path.join(out_dir, "console.log")
    for stale in ("console.log", "dmesg.txt", "kmemleak.txt",
                  "debug-reports.txt"):
        if os.path.exists(os.path.join(out_dir, stale)):
            os.unlink(os.path.join(out_dir, stale))
    shutil.rmtree(os.path.join(out_dir, "xen-console"), ignore_errors=True)
    started = time.monotonic()
    with open(console_path, "wb") as log_file, \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(sock_path)
        listener.listen(1)
        console = Console(log_file, args.verbose)
        qemu = subprocess.Popen(qemu_argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        sel = selectors.DefaultSelector()
        try:
            sel.register(qemu.stdout, selectors.EVENT_READ, "console")
            sel.register(listener, selectors.EVENT_READ, "listen")
            timed_out = watch(sel, console, started + args.timeout)
        finally:
            stop_qemu(qemu)
        drain(sel, console)
        sel.close()
    return verdict(console, timed_out, qemu.returncode, args.timeout,
                   console_path, out_dir, started, args.debug_kernel)


def watch(sel, console, deadline):
    """Pump the console and CMD's port until the run is over.

    Over means: both streams closed (QEMU exited), a crash or rig error
    seen (plus a grace period to log the trace), CMD's status seen (plus
    time to power off), or the deadline passed.  Returns True on timeout."""
    stop_at = None
    open_streams = 1
    while open_streams:
        now = time.monotonic()
        if stop_at is None:
            if console.crash:
                stop_at = now + CRASH_GRACE_S
            elif console.error:
                stop_at = now
            elif console.status is not None:
                stop_at = now + POWEROFF_GRACE_S
            elif now >= deadline:
                return True
        if stop_at is not None and now >= stop_at:
            break
        limit = min(deadline if stop_at is None else stop_at, now + 1)
        for key, _ in sel.select(timeout=max(0, limit - now)):
            if key.data == "listen":
                conn, _ = key.fileobj.accept()
                sel.unregister(key.fileobj)
                sel.register(conn, selectors.EVENT_READ, "cmd")
                open_streams += 1
                continue
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                sel.unregister(key.fileobj)
                open_streams -= 1
            elif key.data == "console":
                console.feed(data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
    return False


def stop_qemu(qemu):
    """Wait briefly for QEMU to exit, then kill it."""
    try:
        qemu.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        qemu.kill()
        qemu.wait()


def drain(sel, console):
    """Read what is left on the console and CMD's port once QEMU is gone."""
    for key in list(sel.get_map().values()):
        if key.data == "listen":
            continue
        while True:
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                break
            if key.data == "console":
                console.feed(data)
            else:
                sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        if key.data == "cmd":
            key.fileobj.close()


def verdict(console, timed_out, qemu_status, timeout, console_path, out_dir,
            started, debug=False):
    """Report how the run ended; return the host's exit status."""
    elapsed = time.monotonic() - started
    if console.crash:
        log(f"guest crashed: {console.crash}")
        status = EXIT_CRASH
    elif console.error:
        log(f"rig failed in the guest: {console.error}")
        status = EXIT_CRASH
    elif console.status is not None:
        status = console.status
    elif timed_out:
        log(f"timeout: CMD did not finish within {timeout:g} s; "
            "QEMU killed")
        status = EXIT_TIMEOUT
    else:
        log(f"QEMU exited ({qemu_status}) before CMD reported a status")
        status = EXIT_CRASH
    if debug and check_debug_reports(out_dir):
        status = EXIT_CRASH
    warnings = 0 if debug else kernel_warnings(out_dir)
    if warnings:
        log(f"note: the kernel logged {warnings} WARNING(s), see "
            f"{os.path.join(out_dir, 'dmesg.txt')}")
    boot_s = (f", boot {console.started_at - started:.1f} s"
              if console.started_at else "")
    log(f"status {status}{boot_s}, total {elapsed:.1f} s, "
        f"console log: {console_path}")
    return status
