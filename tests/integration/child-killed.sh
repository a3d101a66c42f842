#!/bin/bash
# A child killed with SIGKILL is reaped and logged "signal 9"; the server
# goes on serving.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 8
H=127.0.0.1

start_forkd -v -l "$H:0" -b echo
hold_open "$H" "$PORT" 1
log_wait 1 'connect '
line=$(log_lines 'connect ' | head -n 1)
check "-v logs 'connect PEER pid N'" grep -qxE "connect $H:[0-9]+ pid [0-9]+" <<<"$line"
peer=$(awk '{ print $2 }' <<<"$line") cpid=$(awk '{ print $4 }' <<<"$line")
check_eq "that pid is a child of forkd" "$(child_pids "$FORKD_PID")" "$cpid"

kill -KILL "$cpid"
log_wait 1 'reaped pid '
check "reaped line: 'reaped pid $cpid $peer signal 9 after ...'" \
	log_has 1 "reaped pid $cpid $peer signal 9 \(KILL\) after [0-9]+\.[0-9]{3}s cpu [0-9.]+s maxrss [0-9]+k$"
check_eq "0 zombies" "$(zombies "$FORKD_PID")" 0
check "forkd is still running" alive "$FORKD_PID"

check_eq "a new echo round trip works" "$(talk_line "$H" "$PORT" 'still here')" "still here"
log_wait 2 'reaped pid '
check "the new connection is logged and reaped with exit 0" \
	log_has 1 "reaped pid [0-9]+ $H:[0-9]+ exit 0 after "
check_eq "2 connect lines, 2 reaped lines" "$(log_count 'connect '),$(log_count 'reaped pid ')" 2,2
