#!/bin/sh
# SPDX-License-Identifier: MIT
# check-man.sh PAGE...
# Each manual page formats without a warning (groff -man -ww), and its .TH
# names the page as its file does (gntbuf-info.1: GNTBUF-INFO 1).
set -eu
if ! command -v groff >/dev/null; then
	echo "SKIP: no groff (apt-get install groff-base)"
	exit 77
fi
status=0
for page in "$@"; do
	base=$(basename "$page")
	name=${base%.*} section=${base##*.}
	out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$base: groff warns:"
		echo "$out"
		status=1
	fi
	th=$(sed -n 's/^\.TH \([^ ]*\) \([^ ]*\) .*/\1 \2/p' "$page")
	want="$(echo "$name" | tr '[:lower:]' '[:upper:]') $section"
	if [ "$th" != "$want" ]; then
		echo "$base: .TH says '$th', the file is '$want'"
		status=1
	fi
done
[ $# -gt 0 ] || { echo "no pages"; status=1; }
echo "$# pages checked"
exit $status
