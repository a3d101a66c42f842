#!/bin/bash
# systemd readiness: a NOTIFY_SOCKET datagram receiver (the tests' sink)
# sees READY=1, STATUS=, RELOADING=1 with MONOTONIC_USEC, READY=1,
# STOPPING=1 in that order; STATUS= comes at most once a second however
# busy forkd is; and a manager that stops reading never stalls forkd.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 10
H=127.0.0.1
N=$T/notify.log

"$HELPERS/syslog-sink" "$T/notify" "$N" "$T/notify.pid" 2>>"$T/sink.err" &
SINK=$!
track "$SINK"
wait_for test -S "$T/notify" || bail "the notify receiver did not start"

notified() { grep -c -- "^$1" "$N"; }
at_least() { [ "$(notified "$2")" -ge "$1" ]; }
notify_wait() { wait_for -t 10 at_least "$1" "$2"; }

NOTIFY_SOCKET=$T/notify start_forkd -L stderr -l "$H:0" -b echo
check "READY=1 once listening" notify_wait 1 'READY=1$'
check_eq "echo served" "$(talk_line "$H" "$PORT" one)" one
check "STATUS= says 1 accepted" notify_wait 1 'STATUS=0 children, 1 accepted, 0 refused$'
t0=$(now_ms)
res=$(conn_many "$H" "$PORT" 200 8 60)
secs=$((($(now_ms) - t0 + 999) / 1000))
check_eq "200 more connections served" "$res" "ok 200 failed 0"
check "STATUS= catches up: 201 accepted" notify_wait 1 'STATUS=0 children, 201 accepted'
st=$(notified STATUS=)
diag "$st STATUS= lines over about $secs s of load"
check "STATUS= came at most once a second ($st lines in ${secs}+2 s)" \
	[ "$st" -le $((secs + 3)) ]
kill -HUP "$FORKD_PID"
check "SIGHUP: RELOADING=1 then READY=1" notify_wait 2 'READY=1$'
usec=$(sed -n 's/^MONOTONIC_USEC=//p' "$N")
up=$(cut -d' ' -f1 /proc/uptime)
diag "MONOTONIC_USEC=$usec, uptime $up"
check "MONOTONIC_USEC is the monotonic clock now (within 5 s of the uptime)" \
	awk -v u="$usec" -v t="$up" 'BEGIN { d = u / 1e6 - t; exit !(u != "" && d < 5 && d > -5) }'

# A manager that stops reading: forkd goes on serving.
kill -STOP "$SINK"
res=$(conn_many "$H" "$PORT" 100 8 60)
check_eq "with the receiver stopped, 100 connections are served" "$res" "ok 100 failed 0"
kill -CONT "$SINK"
stop_forkd
wait_for -t 5 at_least 1 STOPPING=1
order=$(grep -vE '^(STATUS=|MONOTONIC_USEC=)' "$N" | tr '\n' ' ')
first_status=$(grep -n '^STATUS=' "$N" | head -n 1 | cut -d: -f1)
reloading=$(grep -n '^RELOADING=1' "$N" | head -n 1 | cut -d: -f1)
check_eq "in order: READY=1, STATUS=, RELOADING=1 (with MONOTONIC_USEC next), READY=1, STOPPING=1" \
	"$order $( [ "${first_status:-99}" -lt "${reloading:-0}" ] && echo status-first) $(sed -n "$((${reloading:-0} + 1))p" "$N" | cut -d= -f1)" \
	"READY=1 RELOADING=1 READY=1 STOPPING=1  status-first MONOTONIC_USEC"
