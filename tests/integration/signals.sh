#!/bin/bash
# SIGUSR1 logs one counters line with the right numbers; SIGHUP logs
# "reload: no --access file; nothing to reread" and the server keeps serving.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 8
H=127.0.0.1

start_forkd -l "$H:0" -b echo
check_eq "counters at start are all 0" "$(counters)" \
	"counters: children 0, accepted 0, reaped 0, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
good=0
for i in 1 2 3; do
	[ "$(talk_line "$H" "$PORT" "round $i")" = "round $i" ] && good=$((good + 1))
done
check_eq "3 echo round trips" "$good" 3
log_wait 3 'reaped pid '
hold_open "$H" "$PORT" 2 && wait_for children_is "$FORKD_PID" 2
check_eq "SIGUSR1 with 2 connections held: children 2, accepted 5, reaped 3" "$(counters)" \
	"counters: children 2, accepted 5, reaped 3, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
hold_close
log_wait 5 'reaped pid '
check_eq "after they close: children 0, accepted 5, reaped 5" "$(counters)" \
	"counters: children 0, accepted 5, reaped 5, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"

kill -HUP "$FORKD_PID"
check "SIGHUP without --access logs 'reload: no --access file; nothing to reread'" log_wait 1 'reload: no --access file; nothing to reread$'
check "forkd is still running after SIGHUP" alive "$FORKD_PID"
check_eq "and still serves" "$(talk_line "$H" "$PORT" after-hup)" after-hup
log_wait 6 'reaped pid '
check_eq "counters: children 0, accepted 6, reaped 6" "$(counters)" \
	"counters: children 0, accepted 6, reaped 6, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
