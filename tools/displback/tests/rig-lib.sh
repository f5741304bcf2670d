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
