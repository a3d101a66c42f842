#!/bin/bash
# -L stderr: one bare message per line on stderr, nothing to syslog.
# -L syslog (the default): ident forkd with the pid, facility daemon.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 12
H=127.0.0.1

start_forkd -L stderr -v -l "$H:0" -b echo
check_eq "the first stderr line is 'listening on $H:PORT (builtin echo)'" \
	"$(head -n 1 "$FORKD_ERR")" "listening on $H:$PORT (builtin echo)"
check_eq "echo round trip" "$(talk_line "$H" "$PORT" hi)" hi
log_wait 1 'reaped pid '
check "connect line is a bare message" \
	grep -qxE "connect $H:[0-9]+ pid [0-9]+" "$FORKD_ERR"
check "reaped line is a bare message" \
	grep -qxE "reaped pid [0-9]+ $H:[0-9]+ exit 0 after [0-9.]+s cpu [0-9.]+s maxrss [0-9]+k" "$FORKD_ERR"
check_eq "SIGUSR1: counters line on stderr" "$(counters)" \
	"counters: children 0, accepted 1, reaped 1, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
stop_forkd
check_eq "SIGTERM: exit 0, last line 'exiting: accepted 1, reaped 1, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0'" \
	"$FORKD_RC $(tail -n 1 "$FORKD_ERR")" "0 exiting: accepted 1, reaped 1, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0"
check_eq "every stderr line is a bare message of a known kind" \
	"$(grep -vE '^(listening on|connect|reaped pid|counters:|shutting down:|exiting:) ' "$FORKD_ERR")" ""

# The sink handles datagrams in order: once our marker is in, anything forkd
# sent to /dev/log before it would be too.
marker="sink-marker-$$-$RANDOM"
printf '%s' "$marker" | socat -u - UNIX-SENDTO:/dev/log 2>>"$T/client.err"
wait_for grep -qxF "$marker" "$SYSLOG"
check_eq "nothing reached syslog (only our marker)" "$(cat "$SYSLOG")" "$marker"

# Default: syslog, "forkd[PID]: ", facility daemon (3), severity info or notice.
start_forkd -l "$H:0" -b echo
# Succeed if the listening line came as "<PRI>... forkd[PID]: " with PRI daemon.info or daemon.notice.
syslog_header_ok() {
	local pri
	pri=$(grep -E "forkd\[$FORKD_PID\]: listening on " "$SYSLOG" | sed -nE 's/^<([0-9]+)>.*/\1/p')
	[ "$pri" = 29 ] || [ "$pri" = 30 ]
}
check "-L syslog: 'forkd[$FORKD_PID]: listening on ...' with facility daemon, info or notice" syslog_header_ok
check_eq "-L syslog with a receiver: nothing on stderr" "$(cat "$FORKD_ERR")" ""
stop_forkd

# No syslog receiver: syslog(3) would drop every line without a word, so
# forkd says so on stderr at start, and serves all the same.  (/dev here
# is this script's private tmpfs: removing the socket touches nothing else.)
stop_pid "$SINK_PID:$(proc_start "$SINK_PID")"
rm -f /dev/log
start_forkd -L stderr -l "$H:0" -b echo	# to learn a port the usual way
stop_forkd
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$T/forkd.$FORKD_N.err
"$FORKD" -l "$H:$PORT" -b echo </dev/null 2>"$FORKD_ERR" &
FORKD_PID=$!
track "$FORKD_PID"
check "no /dev/log: stderr warns that log lines will be lost" \
	wait_for grep -qF "forkd: warning: /dev/log: No such file or directory: log lines will be lost" "$FORKD_ERR"
check_eq "no /dev/log: forkd still serves" "$(wait_for talk_line "$H" "$PORT" x >/dev/null; talk_line "$H" "$PORT" still)" still
