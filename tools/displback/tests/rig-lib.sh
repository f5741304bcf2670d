# SPDX-License-Identifier: MIT
# Shared by the display backend's rig scripts (sourced, never run): result
# lines, phases with their time, polling.  The sourcing script sets fails=0;
# $tag, when set, starts each result line (a driver domain's console).
tag=${tag-}
t0=$(cut -d' ' -f1 /proc/uptime)

pass() { echo "${tag}PASS: $*"; }
fail() { echo "${tag}FAIL: $*"; fails=$((fails + 1)); }
# A phase, with the seconds since the script started (CI time matters).
phase() { echo "[$(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime) s] $*"; }
# Poll (every 0.2 s, up to $1 s) until the command after it succeeds.
poll_until() {
	t=$(($1 * 5))
	shift
	while [ $t -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		t=$((t - 1))
	done
	return 1
}

# wait_console CONSOLE_LOG MARK SECONDS: poll a domU's console log until
# MARK (an extended regex) shows, or the guest ended or crashed first
# (@@DOMU-EXIT, a panic, a BUG); 0 when MARK came.  A shell loop, not
# `gntbuf-vm domu-wait`: a Python start costs seconds under TCG.
wait_console() {
	_seen() { grep -qE "$2|@@DOMU-EXIT|Kernel panic|BUG: " "$1"; }
	poll_until "$3" _seen "$1" "$2"
	grep -qE "$2" "$1"
}

# closed_at_shutdown LOG: every device whose frontend was Connected went
# Closing -> Closed when its guest shut down (for a log of guests that all
# shut down).  Linux's xenbus frontend goes Closed only once it saw the
# backend in Closing (xenbus_frontend_dev_shutdown(): otherwise it waits
# 5 s per device and stays in Closing), so this is the backend's Closing
# seen in time.
closed_at_shutdown() {
	_devs=$(sed -n 's/.* \(dom[0-9]* dev[0-9]*\): frontend state .* -> Connected$/\1/p' "$1" | sort -u | tr ' ' :)
	[ -n "$_devs" ] || { fail "closed: no device was Connected"; return; }
	for _d in $_devs; do
		_d=$(echo "$_d" | tr : ' ')
		if grep -q " $_d: frontend state Closing -> Closed$" "$1"; then
			pass "closed: $_d went Closing -> Closed at its guest's shutdown (it saw the backend's Closing)"
		else
			fail "closed: $_d did not reach Closed at its guest's shutdown: $(grep " $_d: .*state" "$1" | tail -3 | tr '\n' ';')"
		fi
	done
}
