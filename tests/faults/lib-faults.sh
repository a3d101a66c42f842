# shellcheck shell=bash
# lib-faults.sh: what the fault scripts share, sourced after
# tests/integration/lib.sh.  Each case of a fault script ends with
# fault_end: the daemon still serves (a real echo round trip), has exactly
# the children it should and no zombie.

# shellcheck disable=SC2154 # set by lib.sh
FAULT_HELPERS=$abs_top_builddir/tests/faults
[ -x "$FAULT_HELPERS/bad-client" ] || bail "helper $FAULT_HELPERS/bad-client not built"
FAULT_ROUND=0

# Print utime + stime of PID in clock ticks.
cpu_ticks() {
	local s f
	read -r s <"/proc/$1/stat" || return 1
	read -r -a f <<<"${s##*) }"
	echo $((f[11] + f[12]))
}

# Print the clock ticks a second (CPU times in /proc/PID/stat count these).
# shellcheck disable=SC2034 # read by the scripts
CLK_TCK=$(getconf CLK_TCK)

# Print the fds PID has open, as a sorted list on one line.
fd_list() { local f; for f in "/proc/$1/fd/"*; do echo "${f##*/}"; done | sort -n | tr '\n' ' '; }

# Print the resident set size of PID in kB.
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# Succeed when PID has no zombie child.
no_zombies() { [ "$(zombies "$1")" -eq 0 ]; }

# Print the current forkd's newest message starting with ERE PATTERN, as a
# diagnostic "logged: LINE" (the lead matches these against DIAGNOSTICS).
show_line() { diag "logged: $(log_lines "$1" | tail -n 1)"; }

# The end of a case (LABEL), three checks: the current forkd (at
# $H:$PORT) answers an echo round trip, then has exactly LIVE children
# (the round trip's own is reaped) and no zombie.  Bounded waits.
fault_end() {
	local label=$1 live=$2 line
	FAULT_ROUND=$((FAULT_ROUND + 1))
	line="still serving $FAULT_ROUND"
	check_eq "$label: still serving (echo round trip)" \
		"$(talk_line "$H" "$PORT" "$line")" "$line"
	if wait_for -t 20 children_is "$FORKD_PID" "$live"; then
		ok "$label: exactly $live children"
	else
		not_ok "$label: exactly $live children"
		diag "children: $(children "$FORKD_PID")"
	fi
	check "$label: 0 zombies" wait_for -t 20 no_zombies "$FORKD_PID"
}
