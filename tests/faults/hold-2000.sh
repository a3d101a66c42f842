#!/bin/bash
# 2,000 connections held open at once, then all closed in one quick loop:
# forkd has exactly 2,000 children, reaps every one (2,000 reaped lines,
# no zombie left), its counters say accepted = reaped = 2,000, and it
# serves the next client as before.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 8
H=127.0.0.1 N=2000

start_forkd -c 2100 -B 4096 -l "$H:0" -b echo || bail "forkd did not start"
check "$N connections open" hold_open "$H" "$PORT" "$N"
check "forkd has exactly $N children" wait_for -t 60 children_is "$FORKD_PID" "$N"
hold_close
check "all $N closed at once: every child reaped, 0 zombies" \
	wait_for -t 90 no_children "$FORKD_PID"
check "$N reaped lines, each 'exit 0'" log_wait -t 60 "$N" "reaped pid [0-9]+ $H:[0-9]+ exit 0 "
check_eq "counters: accepted = reaped = $N, 0 children" "$(counters)" \
	"counters: children 0, accepted $N, reaped $N, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check_eq "still serving afterwards" "$(talk_line "$H" "$PORT" after)" after
check "and that child reaped too" wait_for no_children "$FORKD_PID"
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0
