#!/bin/bash
# IPv6 on ::1: echo serves, log lines show [::1]:PORT, exec mode gets the
# addresses without brackets, and one forkd listens on ::1 and 127.0.0.1.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 8

start_forkd -l '[::1]:0' -b echo
check_eq "listening line: 'listening on [::1]:PORT (builtin echo)'" \
	"$(log_lines 'listening on ')" "listening on [::1]:$PORT (builtin echo)"
cport='' reply=''
if exec 3<>"/dev/tcp/::1/$PORT"; then
	cport=$(fd_local_port 3)
	printf 'over IPv6\n' >&3
	read -r -t 10 -u 3 reply
	exec 3<&-
fi
check_eq "echo round trip over ::1" "$reply" "over IPv6"
log_wait 1 'reaped pid '
check "reaped line shows '[::1]:$cport'" log_has 1 "reaped pid [0-9]+ \[::1\]:$cport exit 0 after "

start_forkd -l '[::1]:0' -- "$HELPERS/fd-report"
cport=''
if exec 3<>"/dev/tcp/::1/$PORT"; then
	cport=$(fd_local_port 3)
	timeout 10 cat <&3 >"$T/report"
	exec 3<&-
fi
check_eq "exec: TCPLOCALIP/TCPLOCALPORT are ::1 and the port, no brackets" \
	"$(sed -n 's/^TCPLOCALIP=//p' "$T/report") $(sed -n 's/^TCPLOCALPORT=//p' "$T/report")" "::1 $PORT"
check_eq "exec: TCPREMOTEIP/TCPREMOTEPORT are ::1 and the client's port" \
	"$(sed -n 's/^TCPREMOTEIP=//p' "$T/report") $(sed -n 's/^TCPREMOTEPORT=//p' "$T/report")" "::1 $cport"

# Print the port of the listening line for ADDR (e.g. "[::1]" or "127.0.0.1").
port_of() { log_lines 'listening on ' | sed -n "s/^listening on $1:\([0-9]*\) .*/\1/p"; }

start_forkd -l '[::1]:0' -l 127.0.0.1:0 -b upper
p6=$(port_of '\[::1\]') p4=$(port_of '127\.0\.0\.1')
check "two -l: one listening line each" [ -n "$p6" -a -n "$p4" -a "$(log_count 'listening on ')" = 2 ]
check_eq "upper serves on ::1" "$(talk_line ::1 "${p6:-0}" six)" SIX
check_eq "upper serves on 127.0.0.1" "$(talk_line 127.0.0.1 "${p4:-0}" four)" FOUR
