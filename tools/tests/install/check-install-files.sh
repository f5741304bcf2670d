#!/bin/sh
# SPDX-License-Identifier: MIT
# check-install-files.sh MESON BUILD_ROOT EXPECTED FEATURES NAME=DIR...
# Installs the build into a DESTDIR and compares the files and symlinks
# there with EXPECTED (installed-files.txt): lines tagged with a feature
# not in FEATURES (comma-separated) are dropped, each @NAME@ becomes DIR.
# Then checks what the list cannot: programs are executable (and nothing
# else is), the library links resolve, the unit runs the installed backend
# and systemd-analyze verify has nothing to say about it, and the installed
# headers and the DKMS tree are the tree's own files.
set -eu
meson=$1 build=$2 expected=$3 features=$4
shift 4
. "$(dirname "$0")/install-lib.sh"
install_build "$meson" "$build"

# EXPECTED, filtered and substituted.
sedargs=
for kv in "$@"; do
	sedargs="$sedargs -e s|@${kv%%=*}@|${kv#*=}|g"
done
sed 's/#.*//; /^[[:space:]]*$/d' "$expected" | while read -r a b; do
	if [ -z "$b" ]; then
		echo "$a"
		continue
	fi
	feature=${a#[}
	feature=${feature%]}
	case ",$features," in
	*",$feature,"*) echo "$b" ;;
	esac
done | sed $sedargs | sort >"$tmp/expected"
if grep '@' "$tmp/expected"; then
	echo "$expected: the lines above have an unknown @NAME@"
	exit 1
fi

(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\.||') | sort >"$tmp/installed"
status=0
if ! diff -u "$tmp/expected" "$tmp/installed" >"$tmp/diff"; then
	echo "installed files (+) differ from $expected (-):"
	grep '^[-+][^-+]' "$tmp/diff"
	status=1
fi

value() {
	for kv in $all_args; do
		[ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }
	done
}
all_args="$*"
bindir=$(value bindir) libdir=$(value libdir) includedir=$(value includedir)
version=$(value version) libexecdir=$(value libexecdir)

# Programs are executable, and only they.
while read -r f; do
	case $f in
	"$bindir"/* | "$libexecdir"/gntbuf/igt/gntbuf_*) want=x ;;
	# What the arm64 rig's dom0 runs for gntbuf-vm domu-start/-stop.
	*/gntbuf/gntbuf_vm/*.sh) want=x ;;
	*.so.*) want=either ;;
	*) want=- ;;
	esac
	[ -L "$dest$f" ] && continue
	if [ -x "$dest$f" ]; then got=x; else got=-; fi
	if [ "$want" != either ] && [ "$want" != "$got" ]; then
		if [ "$want" = x ]; then what="a program, not executable"; else what="not a program, executable"; fi
		echo "$f: $what ($(stat -c %A "$dest$f"))"
		status=1
	fi
done <"$tmp/installed"

if [ "$(readlink "$dest$libdir/libgntbuf.so")" != libgntbuf.so.0 ] ||
   [ "$(readlink "$dest$libdir/libgntbuf.so.0")" != "libgntbuf.so.$version" ]; then
	echo "libgntbuf.so -> .so.0 -> .so.$version links are wrong:"
	ls -l "$dest$libdir"/libgntbuf.so*
	status=1
fi
unit=$(find "$dest" -name gntbuf-displback.service)
if [ -n "$unit" ] && ! grep -qx "ExecStart=$bindir/gntbuf-displback \$GNTBUF_DISPLBACK_OPTS" "$unit"; then
	echo "${unit#"$dest"}: ExecStart is not $bindir/gntbuf-displback:"
	grep ExecStart= "$unit"
	status=1
fi
# systemd reads the unit without a word (an unknown key or a bad value is
# only a warning to it): ExecStart pointed at the DESTDIR's backend.
if [ -n "$unit" ] && command -v systemd-analyze >/dev/null; then
	mkdir "$tmp/unit"
	sed "s|^ExecStart=$bindir/|ExecStart=$dest$bindir/|" "$unit" >"$tmp/unit/gntbuf-displback.service"
	if ! (cd "$tmp/unit" && systemd-analyze verify --man=no gntbuf-displback.service) >"$tmp/verify.log" 2>&1 ||
	   [ -s "$tmp/verify.log" ]; then
		echo "systemd-analyze verify ${unit#"$dest"}:"
		cat "$tmp/verify.log"
		status=1
	fi
fi
# The installed gntbuf-vm finds its installed modules (gntbuf_vm).
if ! "$dest$bindir/gntbuf-vm" --help >"$tmp/vm-help.log" 2>&1; then
	echo "$bindir/gntbuf-vm --help fails in the DESTDIR:"
	cat "$tmp/vm-help.log"
	status=1
fi
# The headers and the DKMS tree are copies of the source tree's files.
src=$(value srcdir)
cmp "$src/kernel/include/uapi/xen/gntbuf.h" "$dest$includedir/gntbuf/xen/gntbuf.h" || status=1
for h in gntbuf.h gntbuf-buffer.h gntbuf-format.h gntbuf-pgdir.h gntbuf-drm.h; do
	cmp "$src/lib/$h" "$dest$includedir/$h" || status=1
done
dkms_dir=$(value dkms_dir)
if [ -d "$dest$dkms_dir" ]; then
	(cd "$dest$dkms_dir" && find . -type f) | while read -r f; do
		cmp "$src/kernel/$f" "$dest$dkms_dir/$f" >&2 || echo bad
	done | grep -q . && status=1
fi
echo "$(wc -l <"$tmp/installed") files installed, $(wc -l <"$tmp/expected") expected (features: $features)"
exit $status
