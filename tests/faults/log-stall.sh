#!/bin/bash
# A log reader that stops reading costs log lines, never service, and a
# reader that merely falls behind costs nothing.  A healthy syslog
# receiver (its kernel queue holds only ~10 datagrams) loses no line when
# 500 children end at once: forkd queues what the receiver cannot take
# yet.  With the receiver stopped (SIGSTOP), and then with -L stderr into
# a FIFO whose reader is stopped, forkd serves its connections at its
# usual pace and reaps every child; its queue fills and the lines beyond
# it are counted.  Once the reader reads again, every line not counted
# arrives, in order, then one "log: N lines dropped" with N the count the
# SIGUSR1 counters line gives ("log dropped N"), then the counters line.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 24
H=127.0.0.1 C=20
N_BURST=500	# children ending at once, receiver reading
N_BASE=250	# connections at the usual pace, receiver reading
N=1000		# connections with the receiver stopped
# -v makes two lines a connection (~120 bytes); the FIFO (64 kB) and the
# queue (64 kB) hold those of ~1,050 connections: stall beyond that.
N_FIFO=1500

# Run conn_many with COUNT connections; set MANY (its line) and MS (the time taken).
timed_many() {
	local t0
	t0=$(now_ms)
	MANY=$(conn_many "$H" "$PORT" "$1" "$C")
	MS=$(($(now_ms) - t0))
}

# Print N of the counters line LINE ("..., log dropped N").
counters_dropped() { sed -nE 's/^counters: .*, log dropped ([0-9]+)$/\1/p' <<<"$1"; }

# Print the current forkd's "log: N lines dropped" lines, one a line.
dropped_lines() { log_lines 'log: [0-9]+ lines dropped$'; }

# Print the order of the current forkd's last messages, joined by " | ": a run of
# connection lines as "conn", of "log: N lines dropped" lines as "count", the last 3.
last_three() {
	log_lines '' | sed -E 's/^(reaped pid|connect) .*/conn/; s/^log: [0-9]+ lines dropped$/count/' |
		uniq | tail -n 3 | paste -sd '|' | sed 's/|/ | /g'
}

# --- syslog: a healthy receiver and a burst of children ending at once ----
start_forkd -c 600 -l "$H:0" -b echo || bail "forkd did not start"
check "$N_BURST connections open" hold_open "$H" "$PORT" "$N_BURST"
check "forkd has $N_BURST children" wait_for -t 30 children_is "$FORKD_PID" "$N_BURST"
hold_close
log_wait -t 30 "$N_BURST" 'reaped pid '
line=$(counters)
check_eq "receiver reading, $N_BURST children ending at once: nothing dropped" "$line" \
	"counters: children 0, accepted $N_BURST, reaped $N_BURST, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check_eq "all $N_BURST reaped lines arrived, no 'log: ' line" \
	"$(log_count 'reaped pid ') $(log_count 'log: ')" "$N_BURST 0"
stop_forkd

# --- syslog: the receiver stops reading -----------------------------------
start_forkd -l "$H:0" -b echo || bail "forkd did not start"
timed_many "$N_BASE"
check_eq "receiver reading: $N_BASE connections served" "$MANY" "ok $N_BASE failed 0"
base_ms=$MS
check_eq "receiver reading: nothing dropped" "$(counters_dropped "$(counters)")" 0

kill -STOP "$SINK_PID"
sample_children "$FORKD_PID" "$T/stop.1" "$T/samples.1"
timed_many "$N"
check_eq "receiver stopped: all $N connections served" "$MANY" "ok $N failed 0"
diag "$N_BASE connections: ${base_ms} ms with the receiver reading; $N: ${MS} ms with it stopped"
check "receiver stopped: no slower than 4x the usual pace (+5 s)" \
	test "$MS" -le $((4 * base_ms * N / N_BASE + 5000))
check "receiver stopped: every child reaped, 0 zombies" wait_for -t 10 no_children "$FORKD_PID"
touch "$T/stop.1"
wait_for test -s "$T/samples.1" && diag "children while stopped (max live, max zombies, samples): $(cat "$T/samples.1")"

kill -CONT "$SINK_PID"
# The counters line asked for while the queue is still full would be
# dropped like any other line: ask once it has drained, which the count
# line says (slow under load and in the sanitizer build).
log_wait -t 60 1 'log: [0-9]+ lines dropped$'
line=$(counters)
check "receiver back: the counters line arrives" test -n "$line"
total=$((N_BASE + N)) dropped=$(counters_dropped "$line")
diag "dropped: ${dropped:-?} of $total reaped lines"
check_eq "the counters line: all reaped, lines dropped" \
	"$(sed -E 's/ [1-9][0-9]*$/ (N > 0)/' <<<"$line")" \
	"counters: children 0, accepted $total, reaped $total, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped (N > 0)"
check_eq "every reaped line not counted dropped arrived" "$(log_count 'reaped pid ')" $((total - ${dropped:-0}))
check "the queue held lines: of the stall's, far more arrived than the kernel's ~10 datagrams" \
	test $(($(log_count 'reaped pid ') - N_BASE)) -gt 100
check_eq "exactly one 'log: N lines dropped', N as the counters line says" \
	"$(dropped_lines | paste -sd '|')" "log: ${dropped:-?} lines dropped"
check_eq "in order: the reaped lines, the count, the counters line" "$(last_three)" \
	"conn | count | $line"
stop_forkd

# --- -L stderr into a FIFO whose reader stops -----------------------------
# The reader is cat, copying the FIFO to a file.
fifo=$T/stderr.fifo out=$T/stderr.out
mkfifo "$fifo" || bail "mkfifo failed"
cat "$fifo" >"$out" 2>>"$T/client.err" &
READER_PID=$!
track "$READER_PID"
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$out
"$FORKD" -L stderr -v -l "$H:0" -b echo </dev/null >"$T/forkd.$FORKD_N.out" 2>"$fifo" &
FORKD_PID=$!
track "$FORKD_PID"
use_log_of "$FORKD_PID" "$out"
{ wait_for forkd_up_or_dead 1 && alive "$FORKD_PID" && read_ports; } ||
	bail "forkd -L stderr into a FIFO did not start"

kill -STOP "$READER_PID"
timed_many "$N_FIFO"
check_eq "FIFO reader stopped: all $N_FIFO connections served" "$MANY" "ok $N_FIFO failed 0"
diag "$N_FIFO connections with -L stderr into a stopped FIFO reader: ${MS} ms"
check "FIFO reader stopped: every child reaped, 0 zombies" wait_for -t 10 no_children "$FORKD_PID"

kill -CONT "$READER_PID"
# The counters line asked for while the queue is still full would be
# dropped like any other line: ask once it has drained, which the count
# line says (slow under load and in the sanitizer build).
log_wait -t 60 1 'log: [0-9]+ lines dropped$'
line=$(counters)
check "FIFO reader back: the counters line arrives" test -n "$line"
dropped=$(counters_dropped "$line")
diag "dropped: ${dropped:-?} of $((2 * N_FIFO)) lines; $(wc -c <"$out") bytes arrived"
check_eq "the counters line: all reaped, lines dropped" \
	"$(sed -E 's/ [1-9][0-9]*$/ (N > 0)/' <<<"$line")" \
	"counters: children 0, accepted $N_FIFO, reaped $N_FIFO, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped (N > 0)"
check_eq "every connect and reaped line not counted dropped arrived" \
	$(($(log_count 'connect ') + $(log_count 'reaped pid '))) $((2 * N_FIFO - ${dropped:-0}))
check "the queue held lines: more arrived than the FIFO's 64 kB (over 96 kB)" \
	test "$(wc -c <"$out")" -gt 98304
check_eq "exactly one 'log: N lines dropped', N as the counters line says" \
	"$(dropped_lines | paste -sd '|')" "log: ${dropped:-?} lines dropped"
check_eq "in order: the connection lines, the count, the counters line" \
	"$(last_three)" "conn | count | $line"
check_eq "no line was cut or merged" \
	"$(grep -cvE '^(listening on|connect|reaped pid|counters:|log: [0-9]+ lines dropped$)' "$out")" 0
stop_forkd
