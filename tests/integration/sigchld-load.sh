#!/bin/bash
# Many SIGCHLDs under load, with SIGUSR1 sent every 10 ms all along (signals
# interrupt slow calls; EINTR must break nothing): 200 short connections in
# parallel batches of 20 are all served and reaped, no zombie is left,
# forkd logs nothing unexpected and keeps running. Then the same with
# --max-children 4, so the listeners leave and rejoin the poll set.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 13
H=127.0.0.1

# Send SIGUSR1 to PID every 10 ms until file STOP exists (bounded: 3000 times).
pinger() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[ -e "$2" ] && return 0
		kill -USR1 "$1" 2>/dev/null || return 0
		sleep 0.01
	done
}

# Run TOTAL clients (socat and nc -N alternately) to PORT in batches of BATCH;
# each sends "line TAG.K", then keeps sending open HOLD seconds (pacing, so
# that clients overlap), and must get exactly its line back. Set GOOD to how
# many did. Runs in this shell, so that every client is tracked.
run_load() {
	local tag=$1 port=$2 total=$3 batch=$4 hold=$5 b k pids
	GOOD=0
	for ((b = 0; b < total; b += batch)); do
		pids=()
		for ((k = b; k < b + batch && k < total; k++)); do
			printf 'line %s.%d\n' "$tag" "$k" >"$T/q.$tag.$k"
			if ((k % 2)); then
				{ cat "$T/q.$tag.$k"; sleep "$hold"; } |
					timeout -k 1 15 nc -N "$H" "$port" >"$T/r.$tag.$k" 2>>"$T/client.err" &
			else
				{ cat "$T/q.$tag.$k"; sleep "$hold"; } |
					timeout -k 1 15 socat -t 5 - "TCP:$H:$port" >"$T/r.$tag.$k" 2>>"$T/client.err" &
			fi
			pids+=("$!")
			track "$!"
		done
		wait "${pids[@]}"
	done
	for ((k = 0; k < total; k++)); do
		cmp -s "$T/q.$tag.$k" "$T/r.$tag.$k" && GOOD=$((GOOD + 1))
	done
}

# Print the current forkd's messages that are not of the kinds listed (ERE).
unexpected() { log_lines '' | grep -vE "^($1)"; }

# Phase 1: default --max-children (100), 200 connections.
start_forkd -l "$H:0" -b echo
pinger "$FORKD_PID" "$T/stop1" & track "$!"
sample_children "$FORKD_PID" "$T/stop1" "$T/samples1"
run_load a "$PORT" 200 20 0
log_wait 200 'reaped pid '
touch "$T/stop1"
wait_for test -s "$T/samples1"
maxz=unknown samples=0
read -r _ maxz samples <"$T/samples1"
diag "max zombies during the load: $maxz ($samples samples)"
during=$(log_count 'counters: ')
diag "counters lines logged during the load: $during"
check_eq "all 200 clients got their own line back" "$GOOD" 200
check "forkd is still running" alive "$FORKD_PID"
line=$(counters)
check_eq "exactly 200 'reaped pid' lines" "$(log_count 'reaped pid ')" 200
check_eq "all 200 exited 0" "$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 after ")" 200
check_eq "0 zombies afterwards" "$(zombies "$FORKD_PID")" 0
check_eq "counters: accepted 200, reaped 200" "$line" \
	"counters: children 0, accepted 200, reaped 200, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check "SIGUSR1 was handled during the load" [ "$during" -ge 1 ]
check_eq "no other log lines (no EINTR errors, nothing dropped)" \
	"$(unexpected 'listening on |reaped pid |counters: ')" ""

# Phase 2: --max-children 4, 100 connections in batches of 20, each held
# open 0.1 s so that 20 want service at once and 16 wait in the backlog.
start_forkd -c 4 -l "$H:0" -b echo
pinger "$FORKD_PID" "$T/stop2" & track "$!"
sample_children "$FORKD_PID" "$T/stop2" "$T/samples2"
run_load b "$PORT" 100 20 0.1
log_wait 100 'reaped pid '
touch "$T/stop2"
wait_for test -s "$T/samples2"
maxl=unknown maxz=unknown samples=0
read -r maxl maxz samples <"$T/samples2"
diag "-c 4: at most $maxl children and $maxz zombies seen ($samples samples)"
check_eq "-c 4: all 100 clients got their own line back" "$GOOD" 100
check "-c 4: forkd is still running" alive "$FORKD_PID"
line=$(counters)
check "-c 4: never more than 4 children at once" [ "$maxl" != unknown -a "$maxl" -le 4 ]
check_eq "-c 4: counters: accepted 100, reaped 100, no zombie" "$line $(zombies "$FORKD_PID")" \
	"counters: children 0, accepted 100, reaped 100, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0 0"
check_eq "-c 4: no other log lines (no EINTR errors, nothing dropped)" \
	"$(unexpected 'listening on |reaped pid |counters: |max-children 4 reached: ')" ""
