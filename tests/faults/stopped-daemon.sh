#!/bin/bash
# forkd itself stopped (SIGSTOP) while its 500 children exit and a
# SIGTERM arrives, then continued: the exits wait as zombies, then all
# 500 are reaped and logged, the SIGTERM is not lost, and forkd shuts
# down cleanly with its counters whole.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 7
H=127.0.0.1 N=500

start_forkd -c 600 -l "$H:0" -b echo || bail "forkd did not start"
check "$N connections open" hold_open "$H" "$PORT" "$N"
check "forkd has $N children" wait_for -t 30 children_is "$FORKD_PID" "$N"
kill -STOP "$FORKD_PID"
hold_close
check "stopped forkd: all $N children exit and wait as zombies" \
	wait_for -t 30 test "$(zombies "$FORKD_PID")" -eq "$N"
kill -TERM "$FORKD_PID"
kill -CONT "$FORKD_PID"
check "continued: all $N reaped" log_wait -t 60 "$N" "reaped pid [0-9]+ $H:[0-9]+ exit 0 "
check "the SIGTERM sent while stopped is seen: shutting down" log_wait 1 'shutting down: '
forkd_exit_status 30
check_eq "forkd exits 0" "$FORKD_RC" 0
check "its exiting line: accepted $N, reaped $N" \
	log_has 1 "exiting: accepted $N, reaped $N, refused 0 "
