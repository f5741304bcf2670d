# SPDX-License-Identifier: MIT
"""What every part of the rig uses: its errors, its log line, running a
host command, filling a template, exit statuses, and the names that the host
side and the guest side share."""

import os
import subprocess
import sys


# The gntbuf-vm program (its real path): what CMD finds on its PATH as
# gntbuf-vm and in $GNTBUF_VM.  The program sets it when it starts; the
# default is the one beside this package in the source tree.
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__))), "gntbuf-vm")


VPORT_NAME = "gntbuf.out"
PASS_ENV_PREFIXES = ("GNTBUF_", "IGT_", "MESON_")
# Where the guest mounts tmpfs: host files there are hidden from CMD.
GUEST_TMPFS = ["/tmp", "/run", "/var/lib/xen", "/var/log/xen"]

EXIT_TIMEOUT = 124
EXIT_CRASH = 125
EXIT_USAGE = 2


# How long to keep reading the console after a crash line (for the trace).
CRASH_GRACE_S = 3.0


class RigError(Exception):
    """A failure of the rig itself, reported as one line."""


class UsageError(RigError):
    """A command line that cannot work."""


def log(msg):
    """Print a progress or error line of the rig on stderr."""
    print(f"gntbuf-vm: {msg}", file=sys.stderr, flush=True)


def run_quiet(argv, **kwargs):
    """Run argv; on failure raise RigError with its output."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kwargs)
    if proc.returncode != 0:
        raise RigError(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                       f"{proc.stdout.strip()}")
    return proc.stdout


def fill(template, **values):
    """Replace each @KEY@ of template by values[KEY]."""
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template
