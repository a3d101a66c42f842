#!/bin/bash
# Faults never spin or kill the server: accept failing with EMFILE pauses
# accepting (the client waits in the backlog and is served once fds are
# back); fork failing with EAGAIN drops that one connection, logs it, and
# pauses accepting too, so the clients behind it wait instead of being
# dropped one by one; the server goes on once the limit is lifted.  The limits are changed on the running forkd with
# prlimit --pid, so the faults are the kernel's own, not simulated.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 18
clients=()
H=127.0.0.1

# Print utime + stime of PID in clock ticks.
cpu_ticks() {
	local s f
	read -r s <"/proc/$1/stat" || return 1
	read -r -a f <<<"${s##*) }"
	echo $((f[11] + f[12]))
}

# Print the lowest fd number PID does not have open: its next fd.
next_fd() { local i=0; while [ -e "/proc/$1/fd/$i" ]; do i=$((i + 1)); done; echo "$i"; }

# Succeed when file $1 holds exactly the line $2.
reply_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }

# --- EMFILE: accept pauses, nothing is dropped ---------------------------
start_forkd -L stderr -l "$H:0" -b echo || bail "forkd did not start"
# With the soft RLIMIT_NOFILE at forkd's next fd number, accept4 fails.
# Only soft limits are changed: raising a hard one needs CAP_SYS_RESOURCE.
prlimit --pid "$FORKD_PID" --nofile="$(next_fd "$FORKD_PID"):" ||
	bail "prlimit --nofile failed"
printf 'waited\n' >"$T/emfile.in"
talk "$H" "$PORT" "$T/emfile.in" "$T/emfile.out" &
track "$!"
check "accept EMFILE is logged with the pause" \
	log_wait 1 '^accept failed: Too many open files; not accepting for 1s$'
# The one timed window: a spinning loop would burn ~100 ticks a second
# here; a paused one wakes once a second.  2 s covers two pauses.
t0=$(cpu_ticks "$FORKD_PID")
sleep 2
t1=$(cpu_ticks "$FORKD_PID")
check "forkd does not spin while out of fds (cpu $((t1 - t0)) ticks in 2 s)" \
	test $((t1 - t0)) -le 10
check "repeated EMFILE lines are rate-limited (1 line in 2 s)" \
	test "$(log_count '^accept failed: ')" -eq 1
check_eq "the client has no reply yet: it waits in the backlog" \
	"$(cat "$T/emfile.out" 2>/dev/null)" ""
prlimit --pid "$FORKD_PID" --nofile=1024: || bail "prlimit --nofile=1024 failed"
check "once fds are back, the waiting client is served" \
	wait_for reply_is "$T/emfile.out" waited
check "and reaped with exit 0" log_wait 1 "^reaped pid [0-9]+ $H:[0-9]+ exit 0 "
check_eq "nothing was dropped" "$(log_count 'dropped')" 0
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0

# --- fork EAGAIN: that one connection is dropped, the server goes on ------
# A uid of its own, so RLIMIT_NPROC counts forkd alone (root ignores the
# limit, and a shared uid would count other runs' processes).
uid=$((40000 + $$ % 20000))
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$T/forkd.$FORKD_N.err
setpriv --reuid="$uid" --regid="$uid" --clear-groups \
	"$FORKD" -L stderr -l "$H:0" -b echo </dev/null 2>"$FORKD_ERR" &
FORKD_PID=$!
track "$FORKD_PID"
use_log_of "$FORKD_PID" "$FORKD_ERR"
if ! wait_for forkd_up_or_dead 1 || ! read_ports; then
	bail "forkd as uid $uid did not start"
fi
# prlimit runs as that uid too: on another uid's process it would need
# CAP_SYS_RESOURCE, which this machine's root may lack.
as_uid() { setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
as_uid prlimit --pid "$FORKD_PID" --nproc=1: || bail "prlimit --nproc failed"
talk_line "$H" "$PORT" 'dropped?' >"$T/eagain.out"
check_eq "the client gets EOF, no reply" "$(cat "$T/eagain.out")" ""
check "fork EAGAIN is logged with the dropped peer and the pause" \
	log_wait 1 "^fork failed: Resource temporarily unavailable; dropped $H:[0-9]+; not accepting for 1s$"
# 20 clients while fork keeps failing: forkd backs off, so they wait in
# the backlog (patient clients: -t 30) instead of being accepted and
# dropped one after another; one more is dropped per pause at most.
for ((i = 0; i < 20; i++)); do
	printf 'client %d\n' "$i" >"$T/nproc.$i.in"
	timeout -k 1 40 socat -t 30 - "TCP:$H:$PORT" <"$T/nproc.$i.in" \
		>"$T/nproc.$i.out" 2>>"$T/client.err" &
	track "$!"
	clients+=("$!")
done
# Print forkd's fork failures so far (from a fresh counters line).
fork_failures() { counters | sed -nE 's/.*fork failures ([0-9]+),.*/\1/p'; }
# Succeed once fork has failed at least N times.
failures_reach() { [ "$(fork_failures)" -ge "$1" ]; }
wait_for -t 10 failures_reach 3
during=$(fork_failures)
diag "fork failures with 20 clients knocking: $during"
check "backing off: few of the 20 are dropped (fork failures $during <= 10)" [ "$during" -le 10 ]
# The fault's window, with the clients still knocking: a loop retrying
# fork would burn ~100 ticks a second; a paused one wakes once a second.
c0=$(cpu_ticks "$FORKD_PID")
sleep 2
c1=$(cpu_ticks "$FORKD_PID")
check "fork failing: forkd does not spin (cpu $((c1 - c0)) ticks in 2 s, under 10%)" \
	test $((c1 - c0)) -lt 20
lines=$(log_count 'fork failed: ') now_failed=$(fork_failures)
check "fork failure lines are bounded ($lines lines for $now_failed failures)" \
	test "$lines" -le "$now_failed"
as_uid prlimit --pid "$FORKD_PID" --nproc=100: || bail "prlimit --nproc=100 failed"
wait "${clients[@]}"
served=0
for ((i = 0; i < 20; i++)); do cmp -s "$T/nproc.$i.in" "$T/nproc.$i.out" && served=$((served + 1)); done
final=$(fork_failures)
diag "served $served of 20; fork failures $final in all"
check_eq "once the limit is lifted, every client still waiting is served" \
	"$served" $((21 - final))
check_eq "the next client is served" "$(talk_line "$H" "$PORT" again)" again
wait_for log_has $((22 - final)) 'reaped pid'
check_eq "counters: 22 accepted, reaped = accepted - fork failures" "$(counters)" \
	"counters: children 0, accepted 22, reaped $((22 - final)), refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures $final, log dropped 0"
check_eq "0 zombies" "$(zombies "$FORKD_PID")" 0
stop_forkd
check_eq "forkd (as uid $uid) exits 0" "$FORKD_RC" 0
