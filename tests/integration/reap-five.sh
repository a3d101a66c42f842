#!/bin/bash
# The seeds' case: one client opens 5 connections and closes them at the same
# instant; the 5 SIGCHLDs coalesce, yet all 5 children are reaped and logged
# exactly once and no zombie is left. Done three times.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 10
H=127.0.0.1

start_forkd -l "$H:0" -b echo
check "5 connections open" hold_open "$H" "$PORT" 5
check "forkd has 5 children" wait_for children_is "$FORKD_PID" 5
kids=$(child_pids "$FORKD_PID" | sort -n | tr '\n' ' ')
hold_close
log_wait 5 'reaped pid '
line=$(counters)	# sync: every reap forkd did is logged before this line
check_eq "exactly 5 'reaped pid' lines" "$(log_count 'reaped pid ')" 5
check_eq "each names one of the 5 children, once" \
	"$(log_lines 'reaped pid ' | awk '{ print $3 }' | sort -n | tr '\n' ' ')" "$kids"
check_eq "all 5 exited 0" "$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 after ")" 5
check_eq "0 zombies afterwards" "$(zombies "$FORKD_PID")" 0
check_eq "counters agree" "$line" "counters: children 0, accepted 5, reaped 5, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"

# Twice more: the same burst must be handled every time.
for round in 2 3; do
	hold_open "$H" "$PORT" 5 && wait_for children_is "$FORKD_PID" 5
	hold_close
	log_wait $((round * 5)) 'reaped pid '
done
line=$(counters)
check_eq "rounds 2 and 3: 15 'reaped pid' lines in all" "$(log_count 'reaped pid ')" 15
check_eq "rounds 2 and 3: 0 zombies" "$(zombies "$FORKD_PID")" 0
check_eq "rounds 2 and 3: counters agree" "$line" \
	"counters: children 0, accepted 15, reaped 15, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
