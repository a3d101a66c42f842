#!/bin/bash
# forkd under valgrind's memcheck, parent and (forked, not exec'd) built-in
# children alike: no memory error, no leak, and nothing but stdin, stdout
# and stderr open when each process exits.  A real run: connections,
# signals, a killed child, a clean shutdown.  Then a second run through
# admission control and the PROXY protocol: v1 and v2 headers, a bad
# header, a header timeout, access rules denying and reloaded (good and
# bad), per-ip and rate refusals with a message, and a -t timeout kill.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 22
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

# --- admission control and the PROXY protocol under memcheck ---------------
rules=$T/rules
printf 'deny 127.0.0.3\nallow 127.0.0.0/8 GREETING=hi\n' >"$rules"
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$T/forkd.$FORKD_N.err
mkdir "$T/vg2"
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--track-fds=yes --error-exitcode=99 --log-file="$T/vg2/vg.%p" \
	"$FORKD" -L stderr -l "$H:0" -a "$rules" -C 1 -R 3/60 \
	--refuse-message 'busy' --proxy-protocol --proxy-timeout 2 -t 4 \
	-b echo </dev/null 2>"$FORKD_ERR" &
FORKD_PID=$!
track "$FORKD_PID"
use_log_of "$FORKD_PID" "$FORKD_ERR"
if ! wait_for -t 60 forkd_up_or_dead 1 || ! read_ports; then
	bail "forkd (admission, PROXY) under valgrind did not start"
fi
# Send the header (printf %b escapes) and then LINE; print the reply.
via_proxy() {
	printf '%b%s\n' "$1" "$2" | timeout -k 1 30 socat -t 10 - "TCP:$H:$PORT" 2>>"$T/client.err"
}
v1() { printf 'PROXY TCP4 %s 127.0.0.1 %s 80\\r\\n' "$1" "$2"; }
check_eq "PROXY v1: the line echoed" "$(via_proxy "$(v1 127.0.0.4 4004)" one)" one
check "its reaped line names the client of the header" \
	log_wait -t 30 1 "reaped pid [0-9]+ 127\.0\.0\.4:4004 exit 0 "
v2='\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x09\x7f\x00\x00\x01\x1f\x90\x00\x50'
check_eq "PROXY v2: the line echoed" "$(via_proxy "$v2" two)" two
check "its reaped line names 127.0.0.9:8080" \
	log_wait -t 30 1 "reaped pid [0-9]+ 127\.0\.0\.9:8080 exit 0 "
via_proxy "$(v1 127.0.0.3 3003)" denied >/dev/null
check "denied by the rules: 'refused 127.0.0.3:3003: access FILE:1'" \
	log_wait -t 30 1 "refused 127\.0\.0\.3:3003: access $(ere_quote <<<"$rules"):1"
exec 5<>"/dev/tcp/$H/$PORT"
printf 'PROXY TCP4 127.0.0.5 127.0.0.1 5005 80\r\n' >&5
wait_for -t 30 children_is "$FORKD_PID" 1
check_eq "-C 1: a second connection from 127.0.0.5 gets the refuse message" \
	"$(via_proxy "$(v1 127.0.0.5 5006)" second)" busy
check "and is logged 'per-ip limit 1'" log_wait -t 30 1 'refused 127\.0\.0\.5:5006: per-ip limit 1'
check "-t 4: the held one is sent SIGTERM, then reaped" \
	log_wait -t 60 1 "reaped pid [0-9]+ 127\.0\.0\.5:5005 signal 15 "
exec 5>&-
for p in 7001 7002 7003 7004; do via_proxy "$(v1 127.0.0.7 "$p")" "r$p" >"$T/rate.$p"; done
check "-R 3/60: the fourth from 127.0.0.7 refused 'rate 3/60'" \
	log_wait -t 30 1 'refused 127\.0\.0\.7:7004: rate 3/60'
via_proxy 'GET / HTTP/1.0\r\n\r\n' x >/dev/null
check "a bad header: closed and logged" log_wait -t 30 1 "proxy: closed $H:[0-9]+: "
exec 6<>"/dev/tcp/$H/$PORT"	# no header at all
check "no header within --proxy-timeout: closed and logged" \
	log_wait -t 30 1 "proxy: closed $H:[0-9]+: no header within 2s"
exec 6>&-
printf 'allow all\n' >"$rules"
kill -HUP "$FORKD_PID"
check "SIGHUP with a good file: reloaded" log_wait -t 30 1 'reloaded .*: 1 rules'
sleep 1.1	# SIGHUP is answered once a second: the next one must not wait
printf 'allow 10.0.0.1/8\n' >"$rules"
kill -HUP "$FORKD_PID"
check "SIGHUP with a bad file: reload failed, the rule in use kept" \
	log_wait -t 30 1 'reload failed: .*:1: .*; keeping the 1 rules in use'
wait_for -t 30 no_children "$FORKD_PID"
stop_forkd 60
check_eq "forkd (admission, PROXY) exits 0" "$FORKD_RC" 0
reports=("$T"/vg2/vg.*)
diag "${#reports[@]} valgrind reports"
errs=$(grep -l 'ERROR SUMMARY: [1-9]' "${reports[@]}" 2>/dev/null)
check_eq "admission, PROXY: no memcheck error or leak in any process" "$errs" ""
[ -z "$errs" ] || diag_file "${errs%%$'\n'*}" 60
