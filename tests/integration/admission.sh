#!/bin/bash
# Admission limits on loopback, clients playing distinct addresses by binding
# 127.0.0.2, 127.0.0.3, ... before connecting: -C refuses the (N+1)th child
# of one address while another address is served, and counts stay exact (a
# client is served again once its children are reaped); -R refuses, then
# serves again after the refill; --max-rate makes clients wait (none
# refused) without CPU spin; IPv6 clients are grouped by prefix.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 21
H=127.0.0.1

# Send the line TEXT to HOST:PORT from address SRC; print the reply.
from() {
	printf '%s\n' "$4" | timeout -k 1 10 socat -t 3 - \
		"TCP:$(socat_host "$2"):$3,bind=$(socat_host "$1")" 2>>"$T/client.err"
}

# --- -C 2: the third child of 127.0.0.2 is refused, 127.0.0.3 is served.
start_forkd -L stderr -C 2 --refuse-message 'busy\r\n' -l "$H:0" -b echo
hold_open "$H" "$PORT" 2 127.0.0.2 && wait_for children_is "$FORKD_PID" 2
A=$HOLD_PID
check_eq "-C 2: a third connection from 127.0.0.2 gets the refuse message and a close" \
	"$(from 127.0.0.2 "$H" "$PORT" hello | tr -d '\r')" busy
check "it is logged as 'refused 127.0.0.2:PORT: per-ip limit 2'" \
	log_wait 1 'refused 127\.0\.0\.2:[0-9]+: per-ip limit 2$'
check_eq "127.0.0.3 is served meanwhile" "$(from 127.0.0.3 "$H" "$PORT" hello)" hello
check_eq "forkd has the 2 held children only" "$(children "$FORKD_PID")" 2
hold_close "$A"
wait_for children_is "$FORKD_PID" 0
check_eq "once they are reaped, 127.0.0.2 is served again" \
	"$(from 127.0.0.2 "$H" "$PORT" again)" again
# Many cycles of held, refused and served: the count must come back to 0 each
# time, or the last round would be refused.
bad=0
for i in 1 2 3 4 5; do
	hold_open "$H" "$PORT" 2 127.0.0.4 && wait_for children_is "$FORKD_PID" 2 || bad=1
	[ "$(from 127.0.0.4 "$H" "$PORT" x | tr -d '\r')" = busy ] || bad=1
	# One held child killed, the other closed by its client.
	kill -KILL "$(child_pids "$FORKD_PID" | head -n 1)" 2>/dev/null
	hold_close "$HOLD_PID"
	wait_for children_is "$FORKD_PID" 0 || bad=1
done
check_eq "5 cycles of hold 2 / refuse / kill / close leave 127.0.0.4's count at 0" \
	"$bad $(from 127.0.0.4 "$H" "$PORT" last)" "0 last"
line=$(counters)
check_eq "0 zombies" "$(zombies "$FORKD_PID")" 0
check_eq "counters count the refusals by reason" \
	"$(sed -E 's/.*(refused [0-9]+ \([^)]*\)).*/\1/' <<<"$line")" \
	"refused 6 (per-ip 6, rate 0, access 0)"
stop_forkd
check_eq "the exit line counts them too" "$(tail -n 1 "$FORKD_ERR")" \
	"exiting: accepted 21, reaped 15, refused 6 (per-ip 6, rate 0, access 0), timeouts 0, fork failures 0"

# --- -R 2/2: bursts of 2 per address, one more token every second.
start_forkd -L stderr -R 2/2 -l "$H:0" -b echo
r1=$(from 127.0.0.5 "$H" "$PORT" one) r2=$(from 127.0.0.5 "$H" "$PORT" two)
r3=$(from 127.0.0.5 "$H" "$PORT" three)
check_eq "-R 2/2: two connections from 127.0.0.5 are served, the third refused (closed)" \
	"$r1 $r2 [$r3]" "one two []"
check "it is logged as 'refused 127.0.0.5:PORT: rate 2/2'" \
	log_wait 1 'refused 127\.0\.0\.5:[0-9]+: rate 2/2$'
check_eq "127.0.0.6 has a bucket of its own" "$(from 127.0.0.6 "$H" "$PORT" six)" six
served_again() { [ "$(from 127.0.0.5 "$H" "$PORT" later)" = later ]; }
t0=$(now_ms)
check "after the refill time 127.0.0.5 is served again" wait_for -t 5 served_again
waited=$(($(now_ms) - t0))
diag "served again after ${waited} ms"
stop_forkd

# --- --max-rate 5/1: 20 clients at once wait in the backlog, none refused;
# the listeners leave the poll set, so forkd sleeps meanwhile.
start_forkd -L stderr --max-rate 5/1 -c 100 -l "$H:0" -b echo
cpu0=$(awk '{ print $14 + $15 }' "/proc/$FORKD_PID/stat")
t0=$(now_ms)
res=$(conn_many "$H" "$PORT" 20 20 30)
elapsed=$(($(now_ms) - t0))
cpu1=$(awk '{ print $14 + $15 }' "/proc/$FORKD_PID/stat")
check_eq "--max-rate 5/1: all 20 concurrent clients are served" "$res" "ok 20 failed 0"
# 5 at once, then 5 a second: the last 15 cannot be done before 3 s.
check "it took at least 2.5 s (the bucket paced the accepts): ${elapsed} ms" \
	[ "$elapsed" -ge 2500 ]
ticks=$(getconf CLK_TCK)
diag "parent CPU over the window: $((cpu1 - cpu0)) ticks of 1/$ticks s, window $elapsed ms"
check "the parent used under 10% of the window's CPU time (no spin)" \
	[ $(((cpu1 - cpu0) * 1000 * 10 / ticks)) -lt "$elapsed" ]
check_eq "nothing was refused" "$(log_count 'refused ')" 0
stop_forkd

# --- IPv6: ::1 grouped by its /64; -C 1.
start_forkd -L stderr -C 1 -l "[::1]:0" -b echo
hold_open ::1 "$PORT" 1 && wait_for children_is "$FORKD_PID" 1
check_eq "-C 1 on ::1: a second connection is refused" \
	"[$(from ::1 ::1 "$PORT" v6)]" "[]"
check "the line names the /64 group: 'refused [::1]:PORT: per-ip limit 1 for ::/64'" \
	log_wait 1 'refused \[::1\]:[0-9]+: per-ip limit 1 for ::/64$'
hold_close "$HOLD_PID"
wait_for children_is "$FORKD_PID" 0
check_eq "served again once the held one is reaped" "$(from ::1 ::1 "$PORT" v6)" v6
stop_forkd
check_eq "exit status 0" "$FORKD_RC" 0
