#!/bin/bash
# The syslog receiver stalls (SIGSTOP) and resumes (SIGCONT), twice, while
# forkd -v serves 600 connections each time (two lines each: more than
# its queue holds) and a child is killed with SIGKILL: forkd serves and
# reaps at its usual pace while stalled; once the receiver reads again,
# one "log: N lines dropped" comes for each stall, the counters line's
# "log dropped" is their sum, every line not counted arrives, and the
# lines of new connections arrive again as usual.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 25
H=127.0.0.1 N=600 C=16
zero="refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0"
ACCEPTED=0 DROPPED=0

# Print the sum of the N of the current forkd's "log: N lines dropped" lines.
dropped_sum() { log_lines 'log: [0-9]+ lines dropped$' | awk '{ n += $2 } END { print n + 0 }'; }

# One stall of the receiver, then its resumption (cycle K): 11 checks.
stall_cycle() {
	local k=$1 line d kpid
	kill -STOP "$SINK_PID"
	check_eq "stall $k: all $N connections served" "$(conn_many "$H" "$PORT" "$N" "$C")" "ok $N failed 0"
	# A fault while stalled: a held child killed (its reaped line may drop).
	hold_open "$H" "$PORT" 1 && wait_for -t 10 children_is "$FORKD_PID" 1
	kpid=$(child_pids "$FORKD_PID")
	kill -KILL "${kpid:-0}"
	check "stall $k: the killed child is reaped, none left, 0 zombies" \
		wait_for -t 20 no_children "$FORKD_PID"
	hold_close
	ACCEPTED=$((ACCEPTED + N + 1))
	kill -CONT "$SINK_PID"
	check "stall $k resumed: 'log: N lines dropped' arrives" \
		log_wait -t 30 "$k" 'log: [0-9]+ lines dropped$'
	show_line 'log: [0-9]+ lines dropped$'
	line=$(counters)
	d=$(sed -nE 's/^counters: .*, log dropped ([0-9]+)$/\1/p' <<<"$line")
	diag "stall $k: ${d:-?} lines dropped in all so far"
	check_eq "stall $k: counters: accepted $ACCEPTED = reaped, log dropped = the sum of the 'log:' lines" \
		"$line" "counters: children 0, accepted $ACCEPTED, reaped $ACCEPTED, $zero, log dropped $(dropped_sum)"
	check "stall $k: lines were dropped this time" [ "${d:-0}" -gt "$DROPPED" ]
	DROPPED=${d:-0}
	check_eq "stall $k: every connect and reaped line not counted dropped arrived" \
		$(($(log_count 'connect ') + $(log_count 'reaped pid '))) $((2 * ACCEPTED - DROPPED))
	check_eq "stall $k: the killed child's reaped line, if it came through, says 'signal 9 (KILL)'" \
		"$(log_lines "reaped pid ${kpid:-0} " | grep -vc ' signal 9 (KILL) after ')" 0
	fault_end "stall $k resumed" 0
	ACCEPTED=$((ACCEPTED + 1))
	counters >/dev/null	# a sync point: the lines before it are in
	check_eq "stall $k resumed: the round trip's two lines arrived, nothing more dropped" \
		$(($(log_count 'connect ') + $(log_count 'reaped pid '))) $((2 * ACCEPTED - DROPPED))
}

start_forkd -v -l "$H:0" -b echo || bail "forkd did not start"
stall_cycle 1
stall_cycle 2
check_eq "one 'log: N lines dropped' line a stall" "$(log_count 'log: ')" 2
check_eq "no other kind of line" \
	"$(log_lines '' | grep -vE '^(listening on |connect |reaped pid [0-9]+ [0-9.]+:[0-9]+ (exit 0|signal 9 \(KILL\)) |log: [0-9]+ lines dropped$|counters: )')" ""
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0
