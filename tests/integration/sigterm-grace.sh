#!/bin/bash
# SIGTERM/SIGINT with children alive: forkd stops listening, waits up to
# --grace, then SIGTERMs the children, exits 0 with a summary and leaves no
# child behind. Children that finish early end the wait early; a second
# SIGTERM ends the grace period at once.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 19
H=127.0.0.1

# Succeed if nothing accepts connections on HOST PORT any more but forkd still runs.
refused_while_alive() { ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && alive "$FORKD_PID"; }

# Succeed if none of the pids given is alive.
none_alive() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }

# 1. Children outlive the grace period (-g 2): they get SIGTERM at 2 s.
start_forkd -g 2 -l "$H:0" -b echo
hold_open "$H" "$PORT" 3 && wait_for children_is "$FORKD_PID" 3
kids=$(child_pids "$FORKD_PID")
t0=$(now_ms)
kill -TERM "$FORKD_PID"
check "logs 'shutting down: 3 children left, grace 2s'" \
	log_wait 1 'shutting down: 3 children left, grace 2s$'
check "stops listening during the grace period" wait_for -t 2 refused_while_alive "$H" "$PORT"
wait_for -t 8 not_alive "$FORKD_PID"
elapsed=$(($(now_ms) - t0))
diag "forkd exited ${elapsed} ms after SIGTERM"
check "exits within grace + 5 s" [ "$elapsed" -le 7000 ]
forkd_exit_status 1
check_eq "exit status 0" "$FORKD_RC" 0
check "logs 'grace period over: SIGTERM to 3 children'" \
	log_has 1 'grace period over: SIGTERM to 3 children$'
check "logs 'exiting: accepted 3, reaped 3, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0'" \
	log_has 1 'exiting: accepted 3, reaped 3, refused 0 \(per-ip 0, rate 0, access 0\), timeouts 0, fork failures 0$'
diag "$(log_lines 'reaped pid ')"
check_eq "the 3 children were reaped before exit" "$(log_count 'reaped pid ')" 3
# shellcheck disable=SC2086
check "none of its children remain" none_alive $kids
hold_close

# 2. Children that finish during the grace period end the wait (-g 30).
start_forkd -g 30 -l "$H:0" -b echo
hold_open "$H" "$PORT" 2 && wait_for children_is "$FORKD_PID" 2
kill -TERM "$FORKD_PID"
log_wait 1 'shutting down: 2 children left, grace 30s$'
t0=$(now_ms)
hold_close
forkd_exit_status 10
elapsed=$(($(now_ms) - t0))
diag "forkd exited ${elapsed} ms after its last clients closed"
check "exits once its children are done, well before the 30 s grace" [ "$elapsed" -le 5000 ]
check_eq "exit status 0" "$FORKD_RC" 0
check "logs 'exiting: accepted 2, reaped 2, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0'" \
	log_has 1 'exiting: accepted 2, reaped 2, refused 0 \(per-ip 0, rate 0, access 0\), timeouts 0, fork failures 0$'

# 3. SIGINT starts the same shutdown; a second signal ends the grace at once.
start_forkd -g 30 -l "$H:0" -b echo
hold_open "$H" "$PORT" 1 && wait_for children_is "$FORKD_PID" 1
kids=$(child_pids "$FORKD_PID")
kill -INT "$FORKD_PID"
check "SIGINT: logs 'shutting down: 1 children left, grace 30s'" \
	log_wait 1 'shutting down: 1 children left, grace 30s$'
t0=$(now_ms)
kill -TERM "$FORKD_PID"
wait_for -t 8 not_alive "$FORKD_PID"
elapsed=$(($(now_ms) - t0))
diag "forkd exited ${elapsed} ms after the second signal"
check "a second signal during the grace period ends it at once (within 5 s)" [ "$elapsed" -le 5000 ]
forkd_exit_status 1
check_eq "exit status 0" "$FORKD_RC" 0
# shellcheck disable=SC2086
check "its child does not remain" wait_for -t 2 none_alive $kids
hold_close

# 4. A child that ignores SIGTERM gets SIGKILL 5 s after it (-g 0).
# SIG_IGN survives exec, so cat here ignores SIGTERM.
start_forkd -g 0 -l "$H:0" -- /bin/sh -c "trap '' TERM; exec cat"
hold_open "$H" "$PORT" 1 && wait_for children_is "$FORKD_PID" 1
t0=$(now_ms)
kill -TERM "$FORKD_PID"
check "logs 'grace period over: SIGTERM to 1 children'" \
	log_wait 1 'grace period over: SIGTERM to 1 children$'
check "then 'SIGKILL to 1 children'" log_wait -t 10 1 'SIGKILL to 1 children$'
forkd_exit_status 10
elapsed=$(($(now_ms) - t0))
diag "forkd exited ${elapsed} ms after SIGTERM"
check "the child is reaped as 'signal 9'" log_has 1 "reaped pid [0-9]+ $H:[0-9]+ signal 9 \(KILL\) after "
check_eq "exit status 0, between 5 s and 9 s after SIGTERM" \
	"$FORKD_RC $((elapsed >= 4900 && elapsed <= 9000))" "0 1"
hold_close
