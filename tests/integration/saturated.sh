#!/bin/bash
# A listener that always has clients waiting (128 in flight, each one
# reconnecting as soon as it is served) starves neither reaping nor
# SIGTERM. forkd blocks its signals outside its wait, and ppoll() runs no
# handler when an fd is ready, so without forkd's own check for pending
# signals the SIGCHLDs would wait until the child limit took the listener
# out of the poll set: thousands of zombies, and a SIGTERM answered only
# then.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 8
H=127.0.0.1 N=3000 C=128 LIMIT=3000

check "forkd -c $LIMIT -b echo listening" start_forkd -L stderr -c "$LIMIT" -l "$H:0" -b echo

sample_children "$FORKD_PID" "$T/stop" "$T/samples"
check_eq "$N round trips, $C at a time" "$(conn_many "$H" "$PORT" "$N" "$C")" "ok $N failed 0"
touch "$T/stop"
wait_for test -s "$T/samples"
maxz=$LIMIT samples=0
read -r _ maxz samples <"$T/samples"
diag "max zombies under load: $maxz ($samples samples)"
check "reaped all along: at most 500 zombies at a time (not thousands)" \
	test "$samples" -gt 0 -a "$maxz" -le 500
check "all $N reaped and logged" log_wait -t 30 "$N" 'reaped pid '
check "0 zombies afterwards" wait_for no_children "$FORKD_PID"

# SIGTERM in the middle of the same load: answered at once, not when the
# child limit is reached.
timeout -k 2 60 "$HELPERS/conn-many" "$H" "$PORT" 1000000 "$C" 2>/dev/null >"$T/many.out" &
MANY_PID=$!
track "$MANY_PID"
check "load running: 300 more children reaped" log_wait -t 30 $((N + 300)) 'reaped pid '
before=$(log_count 'reaped pid ')
kill -TERM "$FORKD_PID"
forkd_exit_status 15
check_eq "forkd exits 0 under load" "$FORKD_RC" 0
accepted=$(log_lines 'exiting: accepted ' | sed -nE 's/^exiting: accepted ([0-9]+),.*/\1/p')
diag "reaped before SIGTERM: $before; accepted in all: ${accepted:-none logged}"
diag "$(log_lines 'shutting down: ')"
check "SIGTERM answered at once: under 1000 accepted after it (not $LIMIT)" \
	test -n "$accepted" -a $((${accepted:-1000000} - before)) -lt 1000
kill -TERM "$MANY_PID" 2>/dev/null
wait_for not_alive "$MANY_PID"
