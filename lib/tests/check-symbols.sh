#!/bin/sh
# SPDX-License-Identifier: MIT
# check-symbols.sh LIB SYM VERSION HEADER...
# The symbols LIB exports are exactly those listed in the version script
# SYM, each with the version of the node it is listed in (gntbuf_foo of
# node GNTBUF_0.1 as gntbuf_foo@@GNTBUF_0.1); the functions the HEADERs
# (gntbuf.h and its sections) declare are exactly that list too; and SYM's last node is
# GNTBUF_<major>.<minor> of VERSION.
set -eu
lib=$1 sym=$2 version=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "T gntbuf_foo@@GNTBUF_0.1"; version nodes themselves are absolute (A).
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort >"$tmp/nm"
sed 's/@.*//' "$tmp/nm" | sort -u >"$tmp/exported"
sed -n 's/^[[:space:]]*\(gntbuf_[a-z0-9_]*\);$/\1/p' "$sym" | sort >"$tmp/listed"
cat "$@" | grep -oE '^gntbuf_[a-z0-9_]+\(' | tr -d '(' | sort >"$tmp/declared"

status=0
if ! diff -u "$tmp/listed" "$tmp/exported" >"$tmp/d1"; then
	echo "exported symbols (+) differ from $sym (-):"
	cat "$tmp/d1"
	status=1
fi
if ! diff -u "$tmp/listed" "$tmp/declared" >"$tmp/d2"; then
	echo "functions declared in $* (+) differ from $sym (-):"
	cat "$tmp/d2"
	status=1
fi
if grep -v '@@GNTBUF_[0-9]*\.[0-9]*$' "$tmp/nm"; then
	echo "the symbols above have no GNTBUF_x.y version"
	status=1
fi
# Each symbol in the node SYM lists it in: a symbol moved into an older
# node (an edited release) or versioned wrongly shows here.
awk '/^GNTBUF_[0-9.]+ \{/ { node = $1 }
     /^[[:space:]]*gntbuf_[a-z0-9_]*;$/ { sub(/^[[:space:]]*/, ""); sub(/;$/, "");
	print $0 "@@" node }' "$sym" | sort >"$tmp/listed-nodes"
if ! diff -u "$tmp/listed-nodes" "$tmp/nm" >"$tmp/d3"; then
	echo "symbol versions in $lib (+) differ from the nodes of $sym (-):"
	grep '^[-+]gntbuf' "$tmp/d3"
	status=1
fi
node=GNTBUF_$(echo "$version" | cut -d. -f1-2)
last=$(sed -n 's/^\(GNTBUF_[0-9.]*\) {.*/\1/p' "$sym" | tail -n 1)
if [ "$last" != "$node" ]; then
	echo "$sym: the last version node is '$last', the release is $node"
	status=1
fi
[ -s "$tmp/listed" ] || { echo "no symbols listed in $sym"; status=1; }
echo "$(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/listed") listed, $(wc -l <"$tmp/declared") declared; node $last"
exit $status
