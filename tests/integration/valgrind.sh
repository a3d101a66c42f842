#!/bin/bash
# forkd under valgrind's memcheck, parent and (forked, not exec'd) built-in
# children alike: no memory error, no leak, and nothing but stdin, stdout
# and stderr open when each process exits.  A real run: connections,
# signals, a killed child, a clean shutdown.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 7
H=127.0.0.1 N=10

command -v valgrind >/dev/null || bail "valgrind is not installed"
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$T/forkd.$FORKD_N.err
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--track-fds=yes --error-exitcode=99 --log-file="$T/vg.%p" \
	"$FORKD" -L stderr -v -l "$H:0" -b echo </dev/null 2>"$FORKD_ERR" &
FORKD_PID=$!
track "$FORKD_PID"
use_log_of "$FORKD_PID" "$FORKD_ERR"
if ! wait_for -t 60 forkd_up_or_dead 1 || ! read_ports; then
	bail "forkd under valgrind did not start"
fi

good=0
for ((i = 1; i <= N; i++)); do
	[ "$(talk_line "$H" "$PORT" "line $i")" = "line $i" ] && good=$((good + 1))
done
check_eq "$N echo round trips under valgrind" "$good" "$N"
# The held connection's line is the (N+1)th: wait for it, not any line.
hold_open "$H" "$PORT" 1 && log_wait -t 30 $((N + 1)) 'connect .* pid '
kill -KILL "$(log_lines 'connect ' | sed -n "$((N + 1))p" | awk '{ print $4 }')"
check "a child killed with SIGKILL is reaped" log_wait -t 30 1 'reaped pid .* signal 9 '
kill -USR1 "$FORKD_PID" && kill -HUP "$FORKD_PID"
log_wait -t 30 1 'reload: no --access file; nothing to reread'
hold_close
stop_forkd 60
check_eq "forkd exits 0 (valgrind's error exit would be 99)" "$FORKD_RC" 0

# One report per process: the parent and each forked child.
reports=("$T"/vg.*)
diag "${#reports[@]} valgrind reports"
check "a report for forkd and each of its $((N + 1)) children" \
	[ "${#reports[@]}" -eq $((N + 2)) ]
errs=$(grep -l 'ERROR SUMMARY: [1-9]' "${reports[@]}" 2>/dev/null)
check_eq "no memcheck error or leak in any process" "$errs" ""
[ -z "$errs" ] || diag_file "${errs%%$'\n'*}" 60
# An fd forkd opened and left open is reported with the stack that opened
# it; fds the test harness passed down say "<inherited from parent>".
fds=$(awk '/Open (file descriptor|AF_)/ { what = $0; getline
	if ($0 !~ /inherited from parent/) print FILENAME ": " what }' "${reports[@]}")
check_eq "no process exits with an fd of its own open, but 0, 1 and 2" "$fds" ""
check "the log has one reaped line per child" \
	[ "$(log_count 'reaped pid ')" -eq $((N + 1)) ]
