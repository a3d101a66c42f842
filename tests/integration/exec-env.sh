#!/bin/bash
# Exec mode: what the program sees (UCSPI variables, fds 0 1 2 only, fd 2 =
# forkd's stderr, empty signal mask, nothing ignored), exec failure in the
# child, and PROGRAM's own options left to PROGRAM.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 19
H=127.0.0.1

# The variables forkd must remove are set in its own environment.
export TCPLOCALHOST=leak TCPREMOTEHOST=leak TCPREMOTEINFO=leak
start_forkd -l "$H:0" -- "$HELPERS/fd-report"
unset TCPLOCALHOST TCPREMOTEHOST TCPREMOTEINFO
check_eq "listening line names the program" \
	"$(log_lines 'listening on ')" "listening on $H:$PORT (exec $HELPERS/fd-report)"

# The client is this shell (bash's /dev/tcp), so its own port is known.
cport=''
if exec 3<>"/dev/tcp/$H/$PORT"; then
	cport=$(fd_local_port 3)
	timeout 10 cat <&3 >"$T/report"
	exec 3<&-
fi
diag "client port $cport"
field() { sed -n "s/^$1//p" "$T/report"; }
check_eq "PROTO=TCP" "$(field 'PROTO=')" TCP
check_eq "TCPLOCALIP and TCPLOCALPORT are the listening address" \
	"$(field 'TCPLOCALIP='):$(field 'TCPLOCALPORT=')" "$H:$PORT"
check_eq "TCPREMOTEIP and TCPREMOTEPORT are the client's address" \
	"$(field 'TCPREMOTEIP='):$(field 'TCPREMOTEPORT=')" "$H:$cport"
check_eq "TCPLOCALHOST, TCPREMOTEHOST, TCPREMOTEINFO are removed" \
	"$(grep -c -e '^TCPLOCALHOST unset$' -e '^TCPREMOTEHOST unset$' -e '^TCPREMOTEINFO unset$' "$T/report")" 3
check_eq "open fds are exactly 0 1 2" "$(grep '^fds' "$T/report")" "fds 0 1 2"
check_eq "fd 2 is forkd's stderr" "$(field 'fd2 ')" "$(readlink -f "$FORKD_ERR")"
check_eq "signal mask is empty (SigBlk all zero)" "$(field 'SigBlk:[[:space:]]*')" 0000000000000000
# glibc reserves signals 32 and 33 (its sigaction refuses them) and GNU make
# starts recipes with them ignored: forkd cannot change those two.
GLIBC_RESERVED=$((1 << 31 | 1 << 32))

# Succeed if the SigIgn mask HEX has no signal set but glibc's reserved two.
none_ignored() { [ -n "$1" ] && [ $((16#$1 & ~GLIBC_RESERVED)) -eq 0 ]; }

ign=$(field 'SigIgn:[[:space:]]*')
diag "SigIgn: $ign (forkd was started from a shell with & : SIGINT, SIGQUIT ignored)"
check "no signal is ignored (SigIgn zero but for glibc's reserved 32, 33)" none_ignored "$ign"
check_eq "the program is forkd's own child" "$(field 'ppid ')" "$FORKD_PID"
rpid=$(field 'pid ')
log_wait 1 'reaped pid '
check "reaped line names the program's pid, the client's address, exit 0" \
	log_has 1 "reaped pid $rpid $H:$cport exit 0 after "
check_eq "no zombie left" "$(zombies "$FORKD_PID")" 0

# forkd started with more signals ignored (as under nohup, or a shell's
# trap ''): its program still gets them all back at their defaults.
FORKD_IGNORE="HUP QUIT USR2 ALRM TERM PIPE RTMIN+6" start_forkd -l "$H:0" -- "$HELPERS/fd-report"
talk "$H" "$PORT" /dev/null "$T/report"
ign=$(field 'SigIgn:[[:space:]]*')
diag "SigIgn: $ign (forkd started with HUP QUIT USR2 ALRM TERM PIPE RTMIN+6 ignored)"
check "inherited SIG_IGN (HUP QUIT USR2 ALRM TERM PIPE RTMIN+6) is reset" none_ignored "$ign"
check_eq "and the mask is still empty" "$(field 'SigBlk:[[:space:]]*')" 0000000000000000

# PROGRAM disappears after start: the child reports the exec failure, exits 127.
cp "$HELPERS/fd-report" "$T/prog"
start_forkd -l "$H:0" "$T/prog"
rm -f "$T/prog"
talk "$H" "$PORT" /dev/null "$T/prog.out"
log_wait 1 'reaped pid '
check "failed exec: the child exits 127" log_has 1 "reaped pid [0-9]+ $H:[0-9]+ exit 127 after "
check "failed exec: 'forkd: exec $T/prog: No such file or directory' on stderr" \
	grep -qxF "forkd: exec $T/prog: No such file or directory" "$FORKD_ERR"
check_eq "failed exec: the client gets nothing" "$(wc -c <"$T/prog.out")" 0

# Options after PROGRAM belong to PROGRAM (-n and -v go to echo, not forkd).
start_forkd -l "$H:0" /bin/echo -n -v hello
talk "$H" "$PORT" /dev/null "$T/echo.out"
check_eq "PROGRAM's options are passed to it, not parsed by forkd" "$(cat "$T/echo.out")" "-v hello"
check_eq "forkd did not take -v for itself (no connect lines)" "$(log_count 'connect ')" 0
