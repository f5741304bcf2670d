#!/bin/sh
# SPDX-License-Identifier: MIT
# check-igt-list.sh BINARY SUBTEST...: BINARY --list-subtests lists exactly
# the given subtests (on the host: listing needs no Xen).
set -eu
bin=$1
shift
got=$("$bin" --list-subtests | sort)
want=$(printf '%s\n' "$@" | sort)
if [ "$got" != "$want" ]; then
	echo "$bin --list-subtests:" >&2
	echo "$got" >&2
	echo "expected:" >&2
	echo "$want" >&2
	exit 1
fi
echo "$bin lists: $(echo "$got" | tr '\n' ' ')"
