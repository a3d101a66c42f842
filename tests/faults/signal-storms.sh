#!/bin/bash
# Storms of SIGHUP, SIGUSR1 and SIGCHLD (thousands a second each) while
# forkd serves 500 round trips and 50 held connections close at once: no
# reap is lost (accepted = reaped, every child logged once, no zombie), no
# signal is lost (the requests asked for after the storm, one too soon
# after another included, are answered; SIGTERM still stops it), and the
# lines the storms ask for are bounded: a counters line and a reload line
# a second at most.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 16
H=127.0.0.1 HELD=50 N=500
zero="refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0"

# Send signal SIG to PID in batches of 1000 (a batch takes ~20 ms) with
# 50 ms between, until file STOP exists (at most 300 batches, ~20 s);
# write the number sent to file COUNT.
storm() {
	local sig=$1 pid=$2 stop=$3 count=$4 b i sent=0
	for ((b = 0; b < 300; b++)); do
		[ -e "$stop" ] && break
		for ((i = 0; i < 1000; i++)); do
			kill "-$sig" "$pid" 2>/dev/null || break 2
		done
		sent=$((sent + 1000))
		sleep 0.05
	done
	echo "$sent" >"$count"
}

# Succeed if LOW <= X <= HIGH.
between() { [ "$1" -le "$2" ] && [ "$2" -le "$3" ]; }

printf 'allow all\n' >"$T/rules"
start_forkd -c 200 -a "$T/rules" -l "$H:0" -b echo || bail "forkd did not start"
hold_open "$H" "$PORT" "$HELD" || bail "$HELD connections did not open"
wait_for -t 30 children_is "$FORKD_PID" "$HELD" || bail "forkd has not $HELD children"

storms=()
t0=$(now_ms)
for sig in HUP USR1 CHLD; do
	storm "$sig" "$FORKD_PID" "$T/stop" "$T/sent.$sig" &
	track "$!"
	storms+=("$!")
done
sample_children "$FORKD_PID" "$T/stop" "$T/samples"
check_eq "storms: $N echo round trips all served" "$(conn_many "$H" "$PORT" "$N" 8)" "ok $N failed 0"
hold_close
check "storms: all $((HELD + N)) children reaped while the storms go on" \
	log_wait -t 30 $((HELD + N)) 'reaped pid '
touch "$T/stop"
wait "${storms[@]}"
ms=$(($(now_ms) - t0))
wait_for test -s "$T/samples" &&
	diag "children during the storms (max live, max zombies, samples): $(cat "$T/samples")"
total=0
for sig in HUP USR1 CHLD; do
	sent=$(cat "$T/sent.$sig" 2>/dev/null || echo 0)
	diag "SIG$sig: $sent sent in $ms ms ($((sent * 1000 / (ms + 1))) a second)"
	[ "$sent" -ge 3000 ] && total=$((total + 1))
done
check_eq "the storms were storms: over 3,000 of each signal sent" "$total" 3
check "forkd is still running" alive "$FORKD_PID"
secs=$(((ms + 999) / 1000))
during_c=$(log_count 'counters: ') during_r=$(log_count 'reloaded ')
diag "in $secs s of storms: $during_c counters lines, $during_r reload lines"
check "SIGUSR1 storm: answered, a line a second at most (1 <= $during_c <= $((secs + 1)))" \
	between 1 "$during_c" $((secs + 1))
check "SIGHUP storm: answered, a reload a second at most (1 <= $during_r <= $((secs + 1)))" \
	between 1 "$during_r" $((secs + 1))
show_line 'counters: '
show_line 'reloaded '

# After the storm: each request is answered, even one right after another
# (that one waits for the next second: remembered, not lost).
want="counters: children 0, accepted $((HELD + N)), reaped $((HELD + N)), $zero, log dropped 0"
check_eq "after the storms: SIGUSR1 answered, no reap lost" "$(counters)" "$want"
check_eq "and a second SIGUSR1 at once after it: answered too" "$(counters)" "$want"
r=$(log_count 'reloaded ')
kill -HUP "$FORKD_PID"
check "a SIGHUP after the storms: reloaded" log_wait $((r + 1)) "reloaded $T/rules: 1 rules\$"
check_eq "every child reaped once: $((HELD + N)) lines, $((HELD + N)) distinct pids, all exit 0" \
	"$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 after ") $(log_lines 'reaped pid ' | awk '{ print $3 }' | sort -u | wc -l)" \
	"$((HELD + N)) $((HELD + N))"
check_eq "no other kind of line (no error, no unknown pid, nothing dropped)" \
	"$(log_lines '' | grep -vE '^(listening on |reaped pid [0-9]+ [0-9.]+:[0-9]+ exit 0 |counters: |reloaded )')" ""
fault_end "after the storms" 0
stop_forkd
check_eq "SIGTERM after the storms: forkd exits 0" "$FORKD_RC" 0
check_eq "its exit line counts every connection" "$(log_lines 'exiting: ')" \
	"exiting: accepted $((HELD + N + 1)), reaped $((HELD + N + 1)), $zero"
