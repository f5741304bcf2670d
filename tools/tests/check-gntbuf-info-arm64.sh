#!/bin/sh
# SPDX-License-Identifier: MIT
# check-gntbuf-info-arm64.sh GNTBUF_VM KO GNTBUF_INFO UAPI_HEADER OUTDIR
# In the arm64 rig's dom0: the cross-built xen-gntbuf.ko loads, makes the
# character device /dev/xen/gntbuf, and gntbuf-info (cross-built for arm64
# with the meson cross file) reads through libgntbuf the module's QUERY:
# the ABI version of the uapi header, 4096-byte pages, every buffer
# feature, and an auto-translated (not PV) dom0.
set -u
vm=$1 ko=$2 info=$3 header=$4 out=$5
rm -rf "$out"
mkdir -p "$out"

# The programs under test are arm64 builds, not the host's.
for f in "$ko" "$info"; do
	python3 - "$f" <<'PY' || exit 1
import struct, sys
with open(sys.argv[1], "rb") as f:
    head = f.read(20)
machine = struct.unpack_from("<H", head, 18)[0] if head[:4] == b"\x7fELF" else None
if machine != 183:     # EM_AARCH64
    sys.exit(f"FAIL: {sys.argv[1]} is not an AArch64 ELF (e_machine {machine})")
PY
done

start=$(date +%s)
"$vm" --arch arm64 run --timeout 240 --out "$out" --kmod "$ko" -- sh -c "
	uname -m
	ls -l /dev/xen/gntbuf
	'$info' --json --backend module" >"$out/stdout" 2>"$out/stderr"
rc=$?
echo "gntbuf-vm --arch arm64 run: status $rc in $(($(date +%s) - start)) s"
if [ $rc -ne 0 ]; then
	echo "FAIL: the rig run ended with status $rc, expected 0" >&2
	cat "$out/stdout" "$out/stderr" >&2
	exit 1
fi
abi=$(sed -n 's/^#define GNTBUF_ABI_VERSION[[:space:]]*\([0-9]*\)$/\1/p' "$header")
python3 - "$out/stdout" "$abi" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n", 2)
abi = int(sys.argv[2])
fail = []
if lines[0] != "aarch64":
    fail.append(f"uname -m says {lines[0]!r}, not aarch64")
# crw------- 1 root 0 10, 249 ...: a character device of the misc major.
dev = lines[1].split()
if not lines[1].startswith("c") or dev[-1] != "/dev/xen/gntbuf" \
        or dev[4] != "10,":
    fail.append(f"/dev/xen/gntbuf is not a misc character device: "
                f"{lines[1]!r}")
try:
    d = json.loads(lines[2])
except ValueError as err:
    sys.exit(f"FAIL: gntbuf-info --json printed no JSON ({err}):\n"
             f"{lines[2]}")
if d.get("backend") != "module":
    fail.append(f"backend {d.get('backend')!r}, not module")
if d.get("abi_version") != abi:
    fail.append(f"abi_version {d.get('abi_version')}, the header says {abi}")
if d.get("page_size") != 4096:
    fail.append(f"page_size {d.get('page_size')}, not 4096")
caps = set(d.get("capabilities", []))
want = {"export-refs", "alloc", "import", "sync-range", "auto-translated"}
if want - caps:
    fail.append(f"capabilities {sorted(caps)} lack {sorted(want - caps)}")
if "pv-mappings" in caps:
    fail.append("an arm64 dom0 reported pv-mappings")
for f in fail:
    print("FAIL:", f, file=sys.stderr)
if fail:
    sys.exit(1)
print("ok: capabilities", " ".join(sorted(caps)))
PY
