#!/bin/sh
# SPDX-License-Identifier: MIT
# check-testlists.sh FAST FULL TESTLIST_TXT BINARY...
# The IGT lists that are installed hold together:
# - every line of FULL and FAST (comments aside) is igt@<binary>@<subtest>,
#   with no duplicate;
# - FULL names every BINARY and no other, and TESTLIST_TXT lists exactly
#   the BINARY names (what igt_runner runs from the test folder);
# - FAST is a subset of FULL (a renamed or dropped subtest fails here),
#   and keeps its promise: no -foreign- subtest, no rmmod-* subtest.
set -eu
fast=$1 full=$2 txt=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

entries() { sed 's/#.*//; /^[[:space:]]*$/d' "$1"; }

for list in "$fast" "$full"; do
	entries "$list" >"$tmp/e"
	if grep -vE '^igt@[a-z0-9_]+@[a-z0-9_-]+$' "$tmp/e"; then
		echo "$list: the lines above are not igt@<binary>@<subtest>"
		status=1
	fi
	if [ -n "$(sort "$tmp/e" | uniq -d)" ]; then
		echo "$list: duplicate lines: $(sort "$tmp/e" | uniq -d | tr '\n' ' ')"
		status=1
	fi
	[ -s "$tmp/e" ] || { echo "$list: empty"; status=1; }
done

for bin in "$@"; do basename "$bin"; done | sort >"$tmp/binaries"
entries "$full" | cut -d@ -f2 | sort -u >"$tmp/in-full"
if ! diff -u "$tmp/binaries" "$tmp/in-full"; then
	echo "$full: its binaries (+) differ from the installed tests (-)"
	status=1
fi
sed '1d;$d' "$txt" | tr ' ' '\n' | sed '/^$/d' | sort >"$tmp/in-txt"
if [ "$(head -n 1 "$txt")" != TESTLIST ] || [ "$(tail -n 1 "$txt")" != "END TESTLIST" ]; then
	echo "$txt: not framed by TESTLIST / END TESTLIST"
	status=1
fi
if ! diff -u "$tmp/binaries" "$tmp/in-txt"; then
	echo "$txt: its binaries (+) differ from the installed tests (-)"
	status=1
fi

entries "$full" | sort >"$tmp/full"
entries "$fast" | sort >"$tmp/fast"
comm -23 "$tmp/fast" "$tmp/full" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
	echo "$fast: not subtests of the built tests:"
	cat "$tmp/missing"
	status=1
fi
if grep -E -- '-foreign-|@rmmod-' "$tmp/fast"; then
	echo "$fast: the lines above need a peer domain or unload the module"
	status=1
fi
echo "$(wc -l <"$tmp/fast") fast, $(wc -l <"$tmp/full") full subtests in $(wc -l <"$tmp/binaries") binaries"
exit $status
