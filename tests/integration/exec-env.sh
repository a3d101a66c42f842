#!/bin/bash
# Exec mode: what the program sees (UCSPI variables, fds 0 1 2 only, fd 2 =
# forkd's stderr, empty signal mask, nothing ignored), exec failure logged
# by forkd, PROGRAM and its #! interpreter checked at start, where
# --child-stderr sends fd 2, and PROGRAM's own options left to PROGRAM.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 26
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

# PROGRAM disappears after start: the exec error reaches forkd's log (not
# only a child's fd 2, which is /dev/null under -d), at LOG_ERR.
cp "$HELPERS/fd-report" "$T/prog"
start_forkd -l "$H:0" "$T/prog"
rm -f "$T/prog"
talk "$H" "$PORT" /dev/null "$T/prog.out"
check "failed exec: 'exec $T/prog failed: No such file or directory; dropped $H:PORT' logged" \
	log_wait 1 "exec $T/prog failed: No such file or directory; dropped $H:[0-9]+$"
check "failed exec: logged at daemon.err (<27>)" \
	grep -qE "^<27>.* forkd\[$FORKD_PID\]: exec $T/prog failed: " "$SYSLOG"
check_eq "failed exec: the client gets nothing" "$(wc -c <"$T/prog.out")" 0
check_eq "failed exec: counted as a failure to start a child, no child left" \
	"$(counters) $(zombies "$FORKD_PID")" \
	"counters: children 0, accepted 1, reaped 0, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 1, log dropped 0 0"

# PROGRAM is checked at start, its #! line too: exit 66, naming the reason.
printf '#!/nonexistent/bin/sh\necho hi\n' >"$T/script"
chmod +x "$T/script"
timeout -k 1 10 "$FORKD" -l "$H:0" "$T/script" </dev/null >/dev/null 2>"$T/script.err"
check_eq "a script whose interpreter is missing: exit 66 naming the interpreter" \
	"$? $(cat "$T/script.err")" \
	"66 forkd: $T/script: interpreter /nonexistent/bin/sh: No such file or directory"
mkdir "$T/dir"
timeout -k 1 10 "$FORKD" -l "$H:0" "$T/dir" </dev/null >/dev/null 2>"$T/dir.err"
check_eq "a directory as PROGRAM: exit 66, 'is a directory'" \
	"$? $(cat "$T/dir.err")" "66 forkd: $T/dir: is a directory"
# shellcheck disable=SC2016 # $1 is the script's, not ours
printf '#!/bin/sh\necho "script ran with $1"\n' >"$T/good"
chmod +x "$T/good"
start_forkd -l "$H:0" "$T/good" arg1
talk "$H" "$PORT" /dev/null "$T/good.out"
check_eq "a script whose interpreter exists runs" "$(cat "$T/good.out")" "script ran with arg1"

# --child-stderr: where the program's fd 2 goes.
errprog=(/bin/sh -c 'echo "to stderr" >&2; echo "to stdout"')
start_forkd -L stderr -l "$H:0" -- "${errprog[@]}"
talk "$H" "$PORT" /dev/null "$T/inherit.out"
log_wait 1 'reaped pid '
check_eq "--child-stderr inherit (default): the client gets stdout only, forkd's stderr the rest" \
	"$(cat "$T/inherit.out") / $(grep -c '^to stderr$' "$FORKD_ERR")" "to stdout / 1"
start_forkd -L stderr --child-stderr null -l "$H:0" -- "${errprog[@]}"
talk "$H" "$PORT" /dev/null "$T/null.out"
log_wait 1 'reaped pid '
check_eq "--child-stderr null: stderr goes nowhere" \
	"$(cat "$T/null.out") / $(grep -c '^to stderr$' "$FORKD_ERR")" "to stdout / 0"
start_forkd -L stderr --child-stderr socket -l "$H:0" -- "${errprog[@]}"
talk "$H" "$PORT" /dev/null "$T/socket.out"
log_wait 1 'reaped pid '
check_eq "--child-stderr socket: the client gets both" \
	"$(sort "$T/socket.out" | tr '\n' ' ')/ $(grep -c '^to stderr$' "$FORKD_ERR")" "to stderr to stdout / 0"

# Options after PROGRAM belong to PROGRAM (-n and -v go to echo, not forkd).
start_forkd -l "$H:0" /bin/echo -n -v hello
talk "$H" "$PORT" /dev/null "$T/echo.out"
check_eq "PROGRAM's options are passed to it, not parsed by forkd" "$(cat "$T/echo.out")" "-v hello"
check_eq "forkd did not take -v for itself (no connect lines)" "$(log_count 'connect ')" 0
