#!/bin/sh
# SPDX-License-Identifier: MIT
# check-gntbuf-info.sh GNTBUF_INFO
# With no device (the module's path pointed at a missing file, the gntdev
# backend on a machine without /dev/xen), gntbuf-info says so, in text and
# in JSON that parses, and exits 1; bad options exit 2; --help exits 0.
set -eu
info=$1
export GNTBUF_DEVICE=/nonexistent/gntbuf

"$info" --help | grep -q -- '--json'

set +e
"$info" --bogus >/dev/null 2>&1; st=$?
[ $st -eq 2 ] || { echo "unknown option: status $st, expected 2"; exit 1; }
"$info" --backend nope >/dev/null 2>&1; st=$?
[ $st -eq 2 ] || { echo "unknown backend: status $st, expected 2"; exit 1; }

err=$("$info" --backend module 2>&1 >/dev/null); st=$?
[ $st -eq 1 ] || { echo "no module: status $st, expected 1"; exit 1; }
echo "$err" | grep -q 'no grant device' || { echo "no module: '$err'"; exit 1; }

json=$("$info" --backend module --json 2>/dev/null); st=$?
set -e
[ $st -eq 1 ] || { echo "no module, --json: status $st, expected 1"; exit 1; }
echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["backend"] == "module", d
assert d["errno"] == 19, d          # ENODEV
assert "no grant device" in d["error"], d
'
echo "no device: reported in text and JSON"

# A device path with a quote, a backslash and a newline: still valid JSON,
# naming that very path.
set +e
json=$(GNTBUF_DEVICE='/nonexistent/"gnt\buf
x' "$info" --backend module --json 2>/dev/null)
set -e
# printf, not echo: dash's echo would turn the backslash into an escape.
printf '%s\n' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["device"] == "/nonexistent/\"gnt\\buf\nx", d
'
echo "a device path that needs escaping: valid JSON"

if [ ! -e /dev/xen/gntdev ]; then
	set +e
	"$info" --backend gntdev >/dev/null 2>&1; st=$?
	set -e
	[ $st -eq 1 ] || { echo "no gntdev: status $st, expected 1"; exit 1; }
fi
