#!/bin/bash
# forkd stopped (SIGSTOP) while its children exit: they stay zombies while
# it is stopped, and once continued (SIGCONT) it reaps every one and
# serves on.  Then 500 children exit and a SIGTERM arrives while it is
# stopped: continued, it reaps all 500, logs "shutting down: 0 children
# left" and exits 0, nothing of it left.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 20
H=127.0.0.1 N1=100 N=500
zero="refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0"

# Succeed when PID is stopped (state T).
stopped() { local s; read -r s <"/proc/$1/stat" || return 1; s=${s##*) }; [ "${s%% *}" = T ]; }

# Succeed when PID has exactly N zombie children.
zombies_is() { [ "$(zombies "$1")" -eq "$2" ]; }

# --- stopped while N1 children exit, then continued -------------------------
start_forkd -c 600 -l "$H:0" -b echo || bail "forkd did not start"
hold_open "$H" "$PORT" "$N1" || bail "$N1 connections did not open"
check "forkd has exactly $N1 children" wait_for -t 30 children_is "$FORKD_PID" "$N1"
kill -STOP "$FORKD_PID"
check "SIGSTOP: forkd is stopped" wait_for -t 10 stopped "$FORKD_PID"
hold_close
check "stopped: its $N1 children exit and stay zombies" wait_for -t 30 zombies_is "$FORKD_PID" "$N1"
check_eq "stopped: nothing reaped yet" "$(log_count 'reaped pid ')" 0
kill -CONT "$FORKD_PID"
check "SIGCONT: all $N1 reaped" log_wait -t 30 "$N1" 'reaped pid '
show_line 'reaped pid '
check_eq "SIGCONT: counters: accepted $N1 = reaped" "$(counters)" \
	"counters: children 0, accepted $N1, reaped $N1, $zero, log dropped 0"
fault_end "after SIGSTOP, SIGCONT" 0
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0

# --- stopped while N children exit and SIGTERM comes ------------------------
start_forkd -c 600 -l "$H:0" -b echo || bail "forkd did not start"
hold_open "$H" "$PORT" "$N" || bail "$N connections did not open"
check "forkd has exactly $N children" wait_for -t 60 children_is "$FORKD_PID" "$N"
check_eq "and serves (echo round trip)" "$(talk_line "$H" "$PORT" before)" before
kill -STOP "$FORKD_PID"
wait_for -t 10 stopped "$FORKD_PID" || bail "forkd did not stop"
hold_close
check "stopped: its $N children exit and stay zombies" wait_for -t 60 zombies_is "$FORKD_PID" "$N"
kill -TERM "$FORKD_PID"
check "stopped: the SIGTERM waits, forkd stays (stopped)" stopped "$FORKD_PID"
kill -CONT "$FORKD_PID"
forkd_exit_status 60
check_eq "SIGCONT: forkd reaps and exits 0" "$FORKD_RC" 0
check_eq "all $((N + 1)) reaped, each once, all exit 0" \
	"$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 after ") $(log_lines 'reaped pid ' | awk '{ print $3 }' | sort -u | wc -l)" \
	"$((N + 1)) $((N + 1))"
check_eq "reaped first, then the shutdown: 'shutting down: 0 children left'" \
	"$(log_lines 'shutting down: ')" "shutting down: 0 children left, grace 10s"
check_eq "its exit line: accepted = reaped" "$(log_lines 'exiting: ')" \
	"exiting: accepted $((N + 1)), reaped $((N + 1)), $zero"
check_eq "no other kind of line" \
	"$(log_lines '' | grep -vE '^(listening on |reaped pid [0-9]+ [0-9.]+:[0-9]+ exit 0 |shutting down: |exiting: )')" ""
check_eq "nothing of it is left (no forkd process, no child)" "$(forkd_leftovers)" ""
