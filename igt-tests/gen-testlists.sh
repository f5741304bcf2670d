#!/bin/sh
# SPDX-License-Identifier: MIT
# gen-testlists.sh FULL TESTLIST_TXT BINARY...
# Writes IGT's runner files for the installed tests:
#   FULL: igt@<binary>@<subtest>, one line per subtest each BINARY lists
#         (--list-subtests, which needs no Xen), for `igt_runner --test-list`;
#   TESTLIST_TXT: the runner's test-list.txt of the test folder
#         ("TESTLIST", the binaries' names, "END TESTLIST").
# A binary that cannot list its subtests, or lists none, fails the build.
set -eu
full=$1 txt=$2
shift 2
tmp="$full.tmp"
: >"$tmp"
names=
for bin in "$@"; do
	name=$(basename "$bin")
	subtests=$("$bin" --list-subtests) || {
		echo "gen-testlists: $bin --list-subtests failed" >&2
		rm -f "$tmp"
		exit 1
	}
	if [ -z "$subtests" ]; then
		echo "gen-testlists: $bin lists no subtests" >&2
		rm -f "$tmp"
		exit 1
	fi
	printf '%s\n' "$subtests" | sed "s/^/igt@$name@/" >>"$tmp"
	names="$names $name"
done
mv "$tmp" "$full"
printf 'TESTLIST\n%s\nEND TESTLIST\n' "${names# }" >"$txt"
