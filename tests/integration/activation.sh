#!/bin/bash
# systemd socket activation with Debian's systemd-socket-activate: forkd
# without -l serves the sockets it is given (two, one of them IPv6, each
# shown with its fd and LISTEN_FDNAMES name), an exec'd child's
# environment has no LISTEN_* and no NOTIFY_SOCKET, and the mistakes
# (wrong LISTEN_PID, -l with LISTEN_FDS, a socket that is not a listening
# TCP one) are clear errors with the documented exit statuses.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 14
H=127.0.0.1

# Start systemd-socket-activate on a free port (it needs a fixed one: a
# random port, again if taken) with forkd ARGS...; set SA_PID, SA_PORT,
# SA_ERR.  forkd itself starts at the first connection, in SA_PID.
start_activated() {
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		SA_PORT=$((20000 + RANDOM % 40000)) SA_ERR=$T/sa.$try.err
		systemd-socket-activate -l "$H:$SA_PORT" -l "[::1]:$SA_PORT" \
			--fdname=web:web6 -E NOTIFY_SOCKET=/nonexistent/notify \
			"$FORKD" -L stderr "$@" \
			</dev/null >"$T/sa.$try.out" 2>"$SA_ERR" &
		SA_PID=$!
		track "$SA_PID"
		if wait_for -t 5 sa_ready; then
			grep -q "Listening on \\[::1\\]:$SA_PORT" "$SA_ERR" && return 0
		fi
		stop_pid "$SA_PID:$(proc_start "$SA_PID")"
	done
	return 1
}
sa_ready() { grep -q "Listening on \\[::1\\]:$SA_PORT" "$SA_ERR" || not_alive "$SA_PID"; }

check "systemd-socket-activate holds 127.0.0.1 and ::1 for forkd -b echo" start_activated -b echo
check_eq "the first connection starts forkd, which serves it" \
	"$(talk_line "$H" "$SA_PORT" hello)" hello
use_log_of "$SA_PID" "$SA_ERR"
FORKD_PID=$SA_PID
check_eq "the IPv6 socket is served too" "$(talk_line ::1 "$SA_PORT" six)" six
check "'listening on 127.0.0.1:PORT (builtin echo, systemd fd 3 web)'" \
	log_has 1 "listening on $H:$SA_PORT \\(builtin echo, systemd fd 3 web\\)\$"
check "'listening on [::1]:PORT (builtin echo, systemd fd 4 web6)'" \
	log_has 1 "listening on \\[::1\\]:$SA_PORT \\(builtin echo, systemd fd 4 web6\\)\$"
check_eq "forkd runs in systemd-socket-activate's pid (it exec'd forkd)" \
	"$(readlink -f "/proc/$SA_PID/exe")" "$(readlink -f "$FORKD")"
stop_forkd
check_eq "SIGTERM: exit 0" "$FORKD_RC" 0

# Exec mode: what the child sees.
start_activated -- "$HELPERS/fd-report"
timeout 10 socat -t 5 - "TCP:$H:$SA_PORT" </dev/null >"$T/report" 2>>"$T/client.err"
diag_file "$T/report" 40
check_eq "the child has no LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, NOTIFY_SOCKET" \
	"$(grep -cE '^(LISTEN_FDS|LISTEN_PID|LISTEN_FDNAMES|NOTIFY_SOCKET) unset$' "$T/report")" 4
check_eq "its fds are 0 1 2 only (not systemd's 3 and 4)" "$(grep '^fds' "$T/report")" "fds 0 1 2"
FORKD_PID=$SA_PID
stop_forkd

# The mistakes.
"$FORKD" -L stderr -b echo </dev/null >"$T/none.out" 2>&1
check_eq "no -l and no LISTEN_FDS: exit 64" "$?" 64
env LISTEN_FDS=1 LISTEN_PID=1 "$FORKD" -L stderr -b echo </dev/null >"$T/pid.out" 2>&1
check_eq "LISTEN_PID of another process: the sockets are not forkd's (exit 64)" "$?" 64
# shellcheck disable=SC2016 # expanded by the inner shell, whose pid forkd gets
sh -c 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$0" -L stderr -l 127.0.0.1:0 -b echo' "$FORKD" \
	</dev/null >"$T/both.out" 2>&1 3<&-
rc=$?
check_eq "-l and LISTEN_FDS together: exit 64" "$rc $(cat "$T/both.out")" \
	"64 forkd: -l and sockets from systemd (LISTEN_FDS) together: give one or the other"
# fd 3 a pipe, not a socket.
# shellcheck disable=SC2016
sh -c 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$0" -L stderr -b echo' "$FORKD" \
	</dev/null >"$T/pipe.out" 2>&1 3< <(sleep 5)
rc=$?
check_eq "fd 3 not a TCP socket: exit 64, saying so" "$rc $(cat "$T/pipe.out")" \
	"64 forkd: systemd socket fd 3: not a TCP socket (use ListenStream= with an IP address and port)"
# A connected TCP socket is not a listening one: what Accept=yes passes.
start_forkd -L stderr -l "$H:0" -b echo
exec 5<>"/dev/tcp/$H/$PORT"
# shellcheck disable=SC2016
sh -c 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$0" -L stderr -b echo' "$FORKD" \
	</dev/null >"$T/conn.out" 2>&1 3<&5
rc=$?
exec 5<&-
check_eq "fd 3 a connection, not a listener: exit 64, naming Accept=no" "$rc $(cat "$T/conn.out")" \
	"64 forkd: systemd socket fd 3: not listening (Accept=yes passes connections: forkd wants Accept=no)"
stop_forkd
