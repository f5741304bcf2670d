# SPDX-License-Identifier: MIT
"""gntbuf-vm's modules: the Xen-in-QEMU test rig behind tools/gntbuf-vm.

One concern a module:
  common         errors, logging, exit statuses, what host and guest share
  amd64          the x86-64 machine: pinned kernel ABI and Xen, host
                 packages, Xen/dom0/QEMU command line, kernel and Xen images
  arm64          the arm64 machine: its pinned kernel ABI and Xen, arm64
                 packages (own apt state), dom0's arm64 root, QEMU's
                 command line
  cache          where the cache is and what it holds (Paths)
  packages       Debian packages: install on the host, download, unpack
  extmods        kernel modules built out of tree against the rig's kernel
                 headers (vkms)
  debugkernel    the debug kernel: config, patches, build
  initramfs      cpio archives, the dom0 and domU initramfs images
  guest_scripts  the shell scripts the guests run
  steps          setup: its steps, their cache keys and stamps
  run            a run: the guest's environment and script, then the boot
  boot           QEMU's process: console, CMD's output, crash and timeout
                 handling, the run's exit status
  reports        the kernel's reports in a run's logs (WARNINGs, the debug
                 kernel's checkers)
  domains        domUs, from inside the rig (domu-start, -wait, -run, -stop)
The command line is tools/gntbuf-vm itself."""
