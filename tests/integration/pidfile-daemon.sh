#!/bin/bash
# --pidfile: written, locked against a second forkd (exit 73), removed at
# exit. --daemon: the launcher returns 0 at once, the daemon (pid in the
# pidfile) serves and stops on SIGTERM.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 15
H=127.0.0.1

# Succeed if FILE holds exactly the line TEXT.
file_is() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

PF=$T/forkd.pid
start_forkd -p "$PF" -l "$H:0" -b echo
check "the pidfile holds forkd's pid" wait_for file_is "$PF" "$FORKD_PID"

timeout -k 1 10 "$FORKD" -p "$PF" -l "$H:0" -b echo </dev/null >/dev/null 2>"$T/second.err"
check_eq "a second forkd with the same pidfile exits 73" "$?" 73
check "its message: 'forkd: pidfile $PF: already running as pid $FORKD_PID'" \
	grep -qF "forkd: pidfile $PF: already running as pid $FORKD_PID" "$T/second.err"
check "the pidfile still holds the first pid" file_is "$PF" "$FORKD_PID"
check_eq "the first forkd still serves" "$(talk_line "$H" "$PORT" ping)" ping

stop_forkd
check_eq "SIGTERM: exit status 0" "$FORKD_RC" 0
check "the pidfile is removed at exit" [ ! -e "$PF" ]

# --daemon
DPF=$T/daemon.pid
t0=$(now_ms)
timeout -k 1 10 "$FORKD" -d -p "$DPF" -l "$H:0" -b echo </dev/null >"$T/daemon.out" 2>"$T/daemon.err"
rc=$? elapsed=$(($(now_ms) - t0))
diag "the launching command returned after $elapsed ms"
check "-d: the launching command returns 0 within 5 s" [ "$rc" = 0 -a "$elapsed" -le 5000 ]
wait_for test -s "$DPF"
dpid=$(cat "$DPF" 2>/dev/null)
[ -n "$dpid" ] && track "$dpid"
# Should the pidfile be wrong, the daemon is still stopped: by its log pid.
sed -n 's/.*forkd\[\([0-9]*\)\]: listening on .*/\1/p' "$SYSLOG" | sort -u >"$T/logpids"
while read -r p; do
	[ "$p" != "$dpid" ] && alive "$p" && track "$p"
done <"$T/logpids"
check "the pidfile holds the pid of a running process" alive "${dpid:-0}"
read -r -a st <<<"$(sed 's/.*) //' "/proc/${dpid:-0}/stat" 2>/dev/null)"
check "the daemon is detached: not our child, in a session of its own" \
	[ "${st[1]:-}" != "$$" -a "${st[3]:-}" != "$(sed 's/.*) //' /proc/$$/stat | awk '{ print $4 }')" ]
check_eq "the daemon's stdin, stdout, stderr are /dev/null" \
	"$(readlink "/proc/${dpid:-0}/fd/0" "/proc/${dpid:-0}/fd/1" "/proc/${dpid:-0}/fd/2" | tr '\n' ' ')" \
	"/dev/null /dev/null /dev/null "
FORKD_PID=$dpid
use_log_of "$dpid"
log_wait 1 'listening on ' && read_ports
check_eq "the daemon logs as itself and serves" "$(talk_line "$H" "$PORT" pong)" pong
log_wait 1 'reaped pid '
kill -TERM "$dpid"
check "SIGTERM to the pid from the pidfile stops it" wait_for not_alive "$dpid"
check "it logs 'exiting: accepted 1, reaped 1, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0'" \
	log_has 1 'exiting: accepted 1, reaped 1, refused 0 \(per-ip 0, rate 0, access 0\), timeouts 0, fork failures 0$'
check "its pidfile is removed" wait_for -t 2 test ! -e "$DPF"
