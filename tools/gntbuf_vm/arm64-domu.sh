#!/bin/sh
# SPDX-License-Identifier: MIT
# arm64-domu.sh domu-start NAME [OPTIONS] | domu-stop NAME |
#     domu-wait NAME REGEX [--timeout S]
# `gntbuf-vm domu-start`, `domu-stop` and `domu-wait` for the arm64 rig's
# dom0, which has no Python: `gntbuf-vm --arch arm64 run --domu` points
# $GNTBUF_VM here, so that the IGT tests' peers (igt-tests/gntbuf_test_peer.c)
# and the display test's frontends boot there as on x86.  As domains.domu_start() does: the rig's domU initramfs
# ($GNTBUF_DOMU_INITRD) plus a second newc archive (busybox cpio) holding
# /domu-cmd and the --extra-file files, an xl config with the rig's domU
# kernel ($GNTBUF_DOMU_KERNEL), xl create; the console is logged by
# xenconsoled in $GNTBUF_OUT/xen-console/guest-NAME.log.  --pvh is accepted
# and changes nothing (every arm64 guest is auto-translated); the options
# that need the host's module tree (--modprobe, --kmod, --extra-program)
# are refused.  domu-wait, as domains.domu_wait(): prints the first console
# line matching REGEX (grep -E), fails at once (status 1) when the domU
# crashed or its command ended before, or after S seconds (default 120).
set -u
xl=/usr/lib/xen-4.17/bin/xl
die() {
	echo "arm64-domu.sh: $*" >&2
	exit 2
}
[ $# -ge 2 ] || die "usage: domu-start NAME [--pvh] [--cmd CMD]" \
	"[--extra-file HOST:/GUEST]... [--memory MB] [--vcpus N]" \
	"[--extra ARGS] [--cfg LINE]... | domu-stop NAME" \
	"| domu-wait NAME REGEX [--timeout S]"
verb=$1 name=$2
shift 2
log=${GNTBUF_OUT:-/tmp}/xen-console/guest-$name.log
case $verb in
domu-stop)
	exec "$xl" destroy "$name" ;;
domu-wait)
	case $#:${2-} in
	1: | 3:--timeout) ;;
	*) die "usage: domu-wait NAME REGEX [--timeout S]" ;;
	esac
	regex=$1 t=$((${3:-120} * 5))
	while [ $t -gt 0 ]; do
		line=$(grep -E -m1 -e "$regex" -e 'Kernel panic|BUG: |Oops|@@DOMU-EXIT' \
			"$log" 2>/dev/null)
		if [ -n "$line" ]; then
			if printf '%s\n' "$line" | grep -q -E -e "$regex"; then
				printf '%s\n' "$line"
				exit 0
			fi
			echo "arm64-domu.sh: domU $name ended or crashed before" \
				"a line matched '$regex': $line" >&2
			exit 1
		fi
		sleep 0.2
		t=$((t - 1))
	done
	echo "arm64-domu.sh: domU $name: no line matching '$regex' within" \
		"${3:-120} s in $log; its end:" >&2
	tail -20 "$log" >&2
	exit 1 ;;
domu-start)
	;;
*)
	die "$verb: not in the arm64 dom0 (only domu-start, domu-stop, domu-wait)" ;;
esac
: "${GNTBUF_DOMU_INITRD:?not set: run the rig with --domu}"
: "${GNTBUF_DOMU_KERNEL:?not set: run the rig with --domu}"

dir=/tmp/gntbuf-domu/$name
rm -rf "$dir"
mkdir -p "$dir/root" || exit 1
cmd='' memory=256 vcpus=1 extra='' cfg=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || case $1 in --pvh) ;; *) die "$1 wants a value" ;; esac
	case $1 in
	--pvh)
		shift
		continue ;;
	--cmd)
		cmd=$2 ;;
	--extra-file)
		host=${2%%:*} guest=${2#*:}
		case $guest in
		/*) ;;
		*) die "--extra-file wants HOSTPATH:/GUESTPATH, not $2" ;;
		esac
		mkdir -p "$dir/root${guest%/*}" &&
			cp "$host" "$dir/root$guest" || exit 1 ;;
	--memory)
		memory=$2 ;;
	--vcpus)
		vcpus=$2 ;;
	--extra)
		extra=" $2" ;;
	--cfg)
		cfg="$cfg$2
" ;;
	*)
		die "domu-start $1: not in the arm64 dom0" ;;
	esac
	shift 2
done
if [ -n "$cmd" ]; then
	printf '%s\n' "$cmd" >"$dir/root/domu-cmd" &&
		chmod 755 "$dir/root/domu-cmd" || exit 1
fi
cp "$GNTBUF_DOMU_INITRD" "$dir/initrd.cpio" || exit 1
# Linux unpacks concatenated archives; later files replace earlier ones.
(cd "$dir/root" && find . | grep -v '^\.$' | cpio -o -H newc 2>/dev/null) \
	>>"$dir/initrd.cpio" || die "cpio of $dir/root failed"
cat >"$dir/$name.cfg" <<CFG
name = "$name"
kernel = "$GNTBUF_DOMU_KERNEL"
ramdisk = "$dir/initrd.cpio"
extra = "console=hvc0 quiet$extra"
memory = $memory
vcpus = $vcpus
on_crash = "preserve"
$cfg
CFG
[ -f "$log" ] && : >"$log"
exec "$xl" create -q "$dir/$name.cfg"
