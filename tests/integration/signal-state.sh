#!/bin/bash
# Inherited signal state cannot disable forkd: started with every signal
# it handles blocked, it still reaps, stops on SIGTERM and gives children
# an empty mask.  Storms of SIGUSR1, SIGHUP and SIGCHLD while it serves
# lose no reap and no signal, and give a bounded number of log lines.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 14
H=127.0.0.1

# Print the hex mask NAME (SigBlk, SigIgn, ...) of PID from /proc.
mask_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# Succeed if hex MASK has none of the signals numbered in the rest blocked.
none_of() {
	local m=$((16#$1)) s
	shift
	for s in "$@"; do (((m >> (s - 1)) & 1)) && return 1; done
	return 0
}

# Serve N echo round trips to PORT; print how many came back right.
round_trips() {
	local i good=0
	for ((i = 0; i < $2; i++)); do
		[ "$(talk_line "$H" "$1" "trip $i")" = "trip $i" ] && good=$((good + 1))
	done
	echo "$good"
}

# Send signal SIG to PID N times, as fast as a shell can (bounded by N).
storm() { local i; for ((i = 0; i < $3; i++)); do kill "-$1" "$2" 2>/dev/null || return 0; done; }

# 1. Started with CHLD, TERM, INT, HUP, USR1 blocked (the mask survives exec).
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$T/forkd.$FORKD_N.err
perl -MPOSIX=:signal_h -e '
	sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1))
		or die "sigprocmask: $!";
	exec @ARGV or die "exec: $!";' -- "$FORKD" -L stderr -l "$H:0" -b echo \
	</dev/null 2>"$FORKD_ERR" &
FORKD_PID=$!
track "$FORKD_PID"
use_log_of "$FORKD_PID" "$FORKD_ERR"
if ! wait_for forkd_up_or_dead 1 || ! read_ports; then bail "forkd under a blocked mask did not start"; fi
blk=$(mask_of "$FORKD_PID" SigBlk)
diag "forkd's SigBlk: $blk"
check "forkd unblocked CHLD, TERM, INT, HUP, USR1 (SigBlk $blk)" none_of "$blk" 17 15 2 1 10
check_eq "it serves" "$(talk_line "$H" "$PORT" masked)" masked
check "and reaps: the child's reaped line is logged" log_wait 1 "reaped pid [0-9]+ $H:[0-9]+ exit 0 "
hold_open "$H" "$PORT" 1 && wait_for children_is "$FORKD_PID" 1
check_eq "its child's signal mask is empty" "$(mask_of "$(child_pids "$FORKD_PID")" SigBlk)" 0000000000000000
hold_close
stop_forkd
check_eq "SIGTERM stops it: exit 0" "$FORKD_RC" 0

# 2. A SIGUSR1 storm while serving: a counters line at most once a second.
start_forkd -L stderr -l "$H:0" -b echo || bail "forkd did not start"
t0=$(now_ms)
storm USR1 "$FORKD_PID" 3000 &
track "$!"
s1=$!
good=$(round_trips "$PORT" 20)
wait "$s1"
secs=$((($(now_ms) - t0 + 999) / 1000))
n=$(log_count 'counters: ')
diag "3000 SIGUSR1 and 20 connections in ${secs}s: $n counters lines"
check_eq "all 20 clients served during the storm" "$good" 20
check "counters lines are bounded: $n in ${secs}s, at most one a second (+1)" [ "$n" -le $((secs + 1)) ]
line=$(counters)
check_eq "after the storm the next SIGUSR1 is answered, counts exact" "$line" \
	"counters: children 0, accepted 20, reaped 20, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"

# 3. SIGHUP and SIGCHLD storms: bounded reload lines, no reap lost.
t0=$(now_ms)
storm HUP "$FORKD_PID" 2000 &
track "$!"
s1=$!
storm CHLD "$FORKD_PID" 2000 &
track "$!"
s2=$!
good=$(round_trips "$PORT" 20)
wait "$s1" "$s2"
secs=$((($(now_ms) - t0 + 999) / 1000))
n=$(log_count 'reload: ')
diag "2000 SIGHUP, 2000 SIGCHLD and 20 connections in ${secs}s: $n reload lines"
check_eq "all 20 clients served during the storms" "$good" 20
check "reload lines are bounded: $n in ${secs}s (+1)" [ "$n" -le $((secs + 1)) ]
check "and the last SIGHUP is answered" [ "$n" -ge 1 ]
line=$(counters)
check_eq "no reap lost: children 0, accepted 40, reaped 40" "$line" \
	"counters: children 0, accepted 40, reaped 40, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check_eq "0 zombies" "$(zombies "$FORKD_PID")" 0

# 4. A SIGTERM in the middle of a storm is not lost.
storm USR1 "$FORKD_PID" 100000 &
track "$!"
storm_pid=$!
wait_for log_has $(($(log_count 'counters: ') + 1)) 'counters: '
kill -TERM "$FORKD_PID"
forkd_exit_status 10
kill "$storm_pid" 2>/dev/null
check_eq "SIGTERM during a SIGUSR1 storm: forkd exits 0" "$FORKD_RC" 0
