#!/bin/bash
# SIGHUP, SIGUSR1 and SIGCHLD storms (thousands a second, from a bash
# loop) while forkd serves a stream of echo clients: every client is
# served and every child reaped (no reap lost), the lines the storms ask
# for stay bounded (SIGUSR1 and SIGHUP are answered at most once a
# second), and a signal after the storm is still answered (none lost).
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 9
H=127.0.0.1 N=600

start_forkd -l "$H:0" -b echo || bail "forkd did not start"
conn_many "$H" "$PORT" "$N" 8 >"$T/many.out" &
many=$!
track "$many"
# Storm until the clients are done, 5 s at most.
sent=0 t0=$(now_ms)
while alive "$many" && [ $(($(now_ms) - t0)) -lt 5000 ]; do
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -HUP "$FORKD_PID"; kill -USR1 "$FORKD_PID"; kill -CHLD "$FORKD_PID"
	done
	sent=$((sent + 30))
done
storm_ms=$(($(now_ms) - t0))
wait "$many"
diag "$sent signals in $storm_ms ms ($((sent * 1000 / (storm_ms + 1))) a second) while serving"
check "the storm was thousands a second" test $((sent * 1000 / (storm_ms + 1))) -ge 1000
check_eq "all $N clients served during the storms" "$(cat "$T/many.out")" "ok $N failed 0"
check "every child reaped, 0 zombies" wait_for -t 20 no_children "$FORKD_PID"
# Lines asked for: at most one a second each, plus the first and a last.
limit=$((storm_ms / 1000 + 3))
line=$(counters)
check_eq "no signal lost: the next SIGUSR1 is answered; accepted = reaped = $N" \
	"$line" "counters: children 0, accepted $N, reaped $N, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
n_usr1=$(log_count 'counters: ') n_hup=$(log_count 'reload: ')
diag "counters lines $n_usr1, reload lines $n_hup, limit $limit"
check "SIGUSR1 storm: counters lines bounded ($n_usr1 <= $limit)" test "$n_usr1" -le "$limit"
check "SIGHUP storm: reload lines bounded ($n_hup <= $limit)" test "$n_hup" -le "$limit"
check "SIGCHLD storm: no 'unknown' child reaped" test "$(log_count 'reaped pid [0-9]+ unknown')" -eq 0
check_eq "still serving" "$(talk_line "$H" "$PORT" calm)" calm
stop_forkd
check_eq "SIGTERM still ends it: exit 0" "$FORKD_RC" 0
