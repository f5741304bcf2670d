#!/bin/sh
# SPDX-License-Identifier: MIT
# check-cache-trace-fails.sh CMD [ARGS...]
# CMD runs gntbuf_cache_trace in the rig on xen-gntbuf-nomaint.ko, the
# module built without its CPU cache maintenance (kernel/meson.build).
# The test must fail there, and for that reason: this script passes CMD's
# status on (IGT's 98, a failure, which meson's should_fail counts as a
# pass) only when every subtest run failed, none passed, and the trace's
# own finding was printed ("N lines of the range not invalidated ..." or
# "... not written back ..."). Anything else (a pass, a crash, a timeout,
# a failure of another kind) exits 0, which should_fail counts as this
# test failing; a skip (77) stays a skip.
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
status=$?
cat "$out"
[ "$status" = 77 ] && exit 77
fails=$(grep -c '^Subtest .*: FAIL' "$out")
passes=$(grep -c '^Subtest .*: SUCCESS' "$out")
if [ "$status" = 98 ] && [ "$fails" -gt 0 ] && [ "$passes" = 0 ] &&
	grep -q 'lines of the range not \(invalidated\|written back\)' "$out"
then
	echo "check-cache-trace-fails: $fails subtests failed on the module" \
		"without cache maintenance, as they must"
	exit "$status"
fi
echo "check-cache-trace-fails: expected every subtest to fail on missing" \
	"maintenance; got status $status, $fails failed, $passes passed" >&2
exit 0
