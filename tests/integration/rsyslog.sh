#!/bin/bash
# forkd's own syslog sender against Debian's real rsyslogd (imuxsock at
# /dev/log, in this script's private /dev): rsyslog parses forkd's lines
# as program "forkd" with forkd's pid, facility daemon, as it parses
# glibc's syslog(); when rsyslogd restarts, forkd reconnects: its next
# lines arrive again, after "log: N lines dropped" for those sent while no
# receiver was there.  rsyslogd reading loses no line of 500 children
# ending at once (forkd queues what /dev/log's 10 datagrams cannot hold);
# rsyslogd stopped (SIGSTOP) costs lines, not service: 1,000 connections
# served, every child reaped, and once it runs again every line not
# counted arrives, then one "log: N lines dropped" with the counters
# line's N.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 28
H=127.0.0.1 RS_N=0 N_BURST=500 N=1000
command -v rsyslogd >/dev/null || bail "rsyslogd not installed (Debian package rsyslog)"

# rsyslogd, not the lib's sink, is the receiver here.
stop_pid "$SINK_PID:$(proc_start "$SINK_PID")"
rm -f /dev/log

# Three files: out.log as the lib's log helpers read it ("<PRI>... tag msg"),
# plain.log in rsyslog's default file format, parsed.log with the fields
# rsyslog parsed: program name, pid, facility.severity, message.
mkdir "$T/rsyslog"
cat >"$T/rsyslog.conf" <<EOF
\$WorkDirectory $T/rsyslog
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
template(name="lib" type="string"
	string="<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")
template(name="parsed" type="string"
	string="%programname% %procid% %syslogfacility-text%.%syslogseverity-text%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")
*.* $T/out.log;lib
*.* $T/plain.log
*.* $T/parsed.log;parsed
EOF
SYSLOG=$T/out.log	# what start_forkd and the log helpers read
: >"$SYSLOG"

# Succeed once a marker sent to /dev/log has reached out.log.
rsyslog_receives() {
	local marker="rsyslog-marker-$$-$RS_N-$RANDOM"
	printf '<13>%s' "$marker" | socat -u - UNIX-SENDTO:/dev/log 2>/dev/null
	wait_for -t 1 grep -qF "$marker" "$SYSLOG"
}

# Start rsyslogd in the foreground (tracked); set RS_PID; wait until it receives.
start_rsyslogd() {
	RS_N=$((RS_N + 1))
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.$RS_N.pid" \
		</dev/null >>"$T/rsyslogd.err" 2>&1 &
	RS_PID=$!
	track "$RS_PID"
	wait_for -t 15 rsyslog_receives
}

# Print the fields rsyslog parsed for the current forkd's lines starting with ERE.
parsed() { grep -E "^forkd $FORKD_PID daemon\\.[a-z]+ ($1)" "$T/parsed.log"; }

# Succeed if rsyslog parsed a line of the current forkd's starting with ERE.
has_parsed() { parsed "$1" >/dev/null; }

# Print N of the counters line LINE ("..., log dropped N").
counters_dropped() { sed -nE 's/^counters: .*, log dropped ([0-9]+)$/\1/p' <<<"$1"; }

# Print the order of the current forkd's last messages, joined by " | ": a run of
# reaped lines as "conn", of "log: N lines dropped" lines as "count", the last 3.
last_three() {
	log_lines '' | sed -E 's/^reaped pid .*/conn/; s/^log: [0-9]+ lines dropped$/count/' |
		uniq | tail -n 3 | paste -sd '|' | sed 's/|/ | /g'
}

check "rsyslogd started and receives at /dev/log" start_rsyslogd
start_forkd -l "$H:0" -b echo || bail "forkd did not log its listening line to rsyslogd"
ok "forkd's listening line arrived through rsyslogd"
check "rsyslog's default format: '... forkd[$FORKD_PID]: listening on $H:$PORT (builtin echo)'" \
	grep -qE "^[^ ].* forkd\\[$FORKD_PID\\]: listening on $H:$PORT \\(builtin echo\\)\$" "$T/plain.log"
check_eq "parsed: program forkd, pid $FORKD_PID, daemon.info" \
	"$(parsed 'listening on ')" "forkd $FORKD_PID daemon.info listening on $H:$PORT (builtin echo)"

check_eq "echo round trip" "$(talk_line "$H" "$PORT" one)" one
check "the reaped line arrives" log_wait 1 'reaped pid '
check "parsed: program forkd, pid $FORKD_PID, daemon.info, 'reaped pid ...'" \
	wait_for has_parsed "reaped pid [0-9]+ $H:[0-9]+ exit 0 after "

# rsyslogd stops: forkd loses the lines of that time, and serves on.
rs_old=$RS_PID
kill -TERM "$rs_old"
check "rsyslogd stopped" wait_for -t 15 not_alive "$rs_old"
check_eq "no receiver: forkd still serves" "$(talk_line "$H" "$PORT" two)" two
wait_for no_children "$FORKD_PID"	# its reaped line was sent (and lost)

# Make a connection; succeed once a reaped line newer than the first is in.
reaped_again() {
	talk_line "$H" "$PORT" again >/dev/null
	log_has 2 'reaped pid '
}
check "rsyslogd started again" start_rsyslogd
check "forkd reconnects: its next reaped line arrives" wait_for -t 15 reaped_again
check "'log: N lines dropped' arrives for the lines sent while rsyslogd was down" \
	log_has 1 'log: [0-9]+ lines dropped'
n=$(log_lines 'log: [0-9]+ lines dropped' | sed -nE '1s/^log: ([0-9]+) lines dropped$/\1/p')
check_eq "parsed: the dropped line is daemon.warning from forkd $FORKD_PID" \
	"$(parsed 'log: ' | head -n 1)" "forkd $FORKD_PID daemon.warning log: ${n:-?} lines dropped"
check_eq "the counters line counts them" "$(counters | sed -E 's/.*, (log dropped [0-9]+)$/\1/')" \
	"log dropped ${n:-?}"
stop_forkd

# rsyslogd reading, 500 children ending at once: nothing is lost.
start_forkd -c 600 -l "$H:0" -b echo || bail "forkd did not start"
check "$N_BURST connections open" hold_open "$H" "$PORT" "$N_BURST"
check "forkd has $N_BURST children" wait_for -t 30 children_is "$FORKD_PID" "$N_BURST"
hold_close
log_wait -t 30 "$N_BURST" 'reaped pid '
line=$(counters)
check_eq "rsyslogd reading, $N_BURST children ending at once: nothing dropped" "$line" \
	"counters: children 0, accepted $N_BURST, reaped $N_BURST, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check_eq "all $N_BURST reaped lines arrived, no 'log: ' line" \
	"$(log_count 'reaped pid ') $(log_count 'log: ')" "$N_BURST 0"
check_eq "parsed: all $N_BURST as daemon.info from forkd $FORKD_PID" \
	"$(parsed 'reaped pid ' | grep -c "^forkd $FORKD_PID daemon\.info reaped pid ")" "$N_BURST"

# rsyslogd stopped: lines wait, then are dropped; service goes on.
kill -STOP "$RS_PID"
t0=$(now_ms)
check_eq "rsyslogd stopped: all $N connections served" \
	"$(conn_many "$H" "$PORT" "$N" 20)" "ok $N failed 0"
diag "$N connections with rsyslogd stopped: $(($(now_ms) - t0)) ms"
check "rsyslogd stopped: every child reaped, 0 zombies" wait_for -t 10 no_children "$FORKD_PID"
kill -CONT "$RS_PID"
# The counters line asked for while the queue is still full would be
# dropped like any other line: ask once it has drained, which the count
# line says (slow under load and in the sanitizer build).
log_wait -t 60 1 'log: [0-9]+ lines dropped$'
line=$(counters)
check "rsyslogd back: the counters line arrives" test -n "$line"
total=$((N_BURST + N)) dropped=$(counters_dropped "$line")
diag "dropped while rsyslogd was stopped: ${dropped:-?} of $N reaped lines"
check_eq "the counters line: all reaped, lines dropped" \
	"$(sed -E 's/ [1-9][0-9]*$/ (N > 0)/' <<<"$line")" \
	"counters: children 0, accepted $total, reaped $total, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped (N > 0)"
check_eq "every reaped line not counted dropped arrived" "$(log_count 'reaped pid ')" $((total - ${dropped:-0}))
check "the queue held lines: of the stall's, far more arrived than /dev/log's ~10 datagrams" \
	test $(($(log_count 'reaped pid ') - N_BURST)) -gt 100
check_eq "exactly one 'log: N lines dropped', N as the counters line says" \
	"$(log_lines 'log: [0-9]+ lines dropped$' | paste -sd '|')" "log: ${dropped:-?} lines dropped"
check_eq "in order: the reaped lines, the count, the counters line" "$(last_three)" \
	"conn | count | $line"
check_eq "parsed: the count is daemon.warning from forkd $FORKD_PID" \
	"$(parsed 'log: [0-9]+ lines dropped$' | sed -E 's/ log: [0-9]+ lines dropped$//' | sort -u)" \
	"forkd $FORKD_PID daemon.warning"
stop_forkd
