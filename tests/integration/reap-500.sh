#!/bin/bash
# 500 connections held open, then closed at the same instant (forkd -c 600):
# every child is reaped and logged, no zombie is left. The zombie count is
# sampled while they close and its maximum reported as a diagnostic.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 9
H=127.0.0.1 N=500

# Print the fds forkd PID has open, as a sorted list.
fd_list() { local f; for f in "/proc/$1/fd/"*; do echo "${f##*/}"; done | sort -n | tr '\n' ' '; }

start_forkd -c 600 -l "$H:0" -b echo
fds_before=$(fd_list "$FORKD_PID")
check "$N connections open" hold_open "$H" "$PORT" "$N"
check "forkd has $N children" wait_for -t 30 children_is "$FORKD_PID" "$N"

sample_children "$FORKD_PID" "$T/stop" "$T/samples"
t0=$(now_ms)
kill -TERM "$HOLD_PID"	# conn-hold closes all 500 connections in one loop
log_wait -t 30 "$N" 'reaped pid '
diag "all reaped after $(($(now_ms) - t0)) ms"
touch "$T/stop"
wait_for test -s "$T/samples"
maxz=unknown samples=0
read -r _ maxz samples <"$T/samples"
diag "max zombies while $N children exited: $maxz ($samples samples)"
wait_for not_alive "$HOLD_PID"

line=$(counters)
check_eq "$N 'reaped pid' lines" "$(log_count 'reaped pid ')" "$N"
check_eq "all $N exited 0" "$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 after ")" "$N"
check_eq "$N distinct pids reaped" "$(log_lines 'reaped pid ' | awk '{ print $3 }' | sort -u | wc -l)" "$N"
check_eq "0 zombies afterwards" "$(zombies "$FORKD_PID")" 0
check_eq "counters agree" "$line" \
	"counters: children 0, accepted $N, reaped $N, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check_eq "no fork, accept or drop errors logged" \
	"$(log_count 'fork failed|accept failed|.*; dropped |log: ')" 0
check_eq "forkd holds the same fds as before the $N connections (no leak)" \
	"$(fd_list "$FORKD_PID")" "$fds_before"
