#!/bin/bash
# Faults never spin or kill the server, even while clients keep
# connecting.  accept failing with EMFILE pauses accepting: the clients
# wait in the backlog and are all served, by forkd itself, once fds are
# back.  fork failing with EAGAIN (RLIMIT_NPROC, as an unprivileged user)
# drops that one connection, logs it, and pauses accepting too, so the
# clients behind it wait instead of being dropped one by one; the server
# goes on by itself once the limit is lifted.  In both, over a window of
# ~3 s with a new client every 100 ms, forkd's CPU time stays under 10% of
# the window and it logs one line (the lines are rate-limited).  The
# limits are changed on the running forkd with prlimit --pid, so the
# faults are the kernel's own, not simulated.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 28
H=127.0.0.1
K=20	# clients that keep connecting during each fault window

# Print the lowest fd number PID does not have open: its next fd.
next_fd() { local i=0; while [ -e "/proc/$1/fd/$i" ]; do i=$((i + 1)); done; echo "$i"; }

# Succeed when file $1 holds exactly the line $2.
reply_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }

# Start client TAG.I: sends "TAG I", half-closes and waits (patiently: up to
# 30 s) for the reply in $T/TAG.I.out.  Tracked; the pid is added to CLIENTS.
patient_client() {
	printf '%s %d\n' "$1" "$2" >"$T/$1.$2.in"
	timeout -k 1 40 socat -t 30 - "TCP:$H:$PORT" <"$T/$1.$2.in" \
		>"$T/$1.$2.out" 2>>"$T/client.err" &
	track "$!"
	CLIENTS+=("$!")
}

# The fault window: K clients, one every 100 ms (the pacing of the load,
# not a wait for anything), with forkd's CPU ticks taken around it.  Sets
# WIN_MS (the window) and WIN_TICKS (forkd's CPU time in it).
knocking_window() {
	local i t0 c0
	c0=$(cpu_ticks "$FORKD_PID") t0=$(now_ms)
	for ((i = 0; i < K; i++)); do
		patient_client "$1" "$i"
		sleep 0.1
	done
	WIN_TICKS=$(($(cpu_ticks "$FORKD_PID") - c0)) WIN_MS=$(($(now_ms) - t0))
	diag "$K clients in $WIN_MS ms; forkd's CPU in that window: $WIN_TICKS ticks ($CLK_TCK a second)"
}

# Succeed if WIN_TICKS is under 10% of the window.
cpu_under_10pct() { [ $((WIN_TICKS * 1000 * 10)) -lt $((WIN_MS * CLK_TCK)) ]; }

# Succeed if the current forkd has logged at most one line starting with
# PATTERN each 5 s (their rate limit) since T_FIRST, when the first came.
lines_bounded() {
	local n max
	n=$(log_count "$1") max=$((1 + ($(now_ms) - T_FIRST + 1000) / 5000))
	diag "'$1' lines: $n, at most $max in $(($(now_ms) - T_FIRST)) ms"
	[ "$n" -le "$max" ]
}

# Print how many of the clients TAG.0 .. TAG.(K-1) got their line back.
served() {
	local i n=0
	for ((i = 0; i < K; i++)); do cmp -s "$T/$1.$i.in" "$T/$1.$i.out" && n=$((n + 1)); done
	echo "$n"
}

# Print how many of those clients got any byte back.
answered() { local i n=0; for ((i = 0; i < K; i++)); do [ -s "$T/$1.$i.out" ] && n=$((n + 1)); done; echo "$n"; }

# --- EMFILE: accept pauses, nothing is dropped ---------------------------
start_forkd -L stderr -l "$H:0" -b echo || bail "forkd did not start"
# With the soft RLIMIT_NOFILE at forkd's next fd number, accept4 fails.
# Only soft limits are changed: raising a hard one needs CAP_SYS_RESOURCE.
prlimit --pid "$FORKD_PID" --nofile="$(next_fd "$FORKD_PID"):" ||
	bail "prlimit --nofile failed"
CLIENTS=()
patient_client first 0
check "accept EMFILE is logged with the pause" \
	log_wait 1 '^accept failed: Too many open files; not accepting for 1s$'
T_FIRST=$(now_ms)
show_line 'accept failed: '
knocking_window emfile
check "EMFILE, clients knocking: forkd's CPU under 10% of the window ($WIN_TICKS ticks in $WIN_MS ms)" \
	cpu_under_10pct
check "EMFILE: 'accept failed' lines rate-limited: one each 5 s at most" \
	lines_bounded '^accept failed: '
check_eq "EMFILE: no client has a reply yet: all wait in the backlog" \
	"$(answered emfile) $(cat "$T/first.0.out" 2>/dev/null)" "0 "
check_eq "EMFILE: forkd has exactly 0 children" "$(children "$FORKD_PID")" 0
prlimit --pid "$FORKD_PID" --nofile=1024: || bail "prlimit --nofile=1024 failed"
check "once fds are back, the first waiting client is served" \
	wait_for -t 20 reply_is "$T/first.0.out" "first 0"
wait "${CLIENTS[@]}"
check_eq "and all $K that kept connecting, with no signal or restart" "$(served emfile)" "$K"
check "all $((K + 1)) reaped with exit 0" \
	log_wait -t 20 $((K + 1)) "^reaped pid [0-9]+ $H:[0-9]+ exit 0 "
check_eq "nothing was dropped" "$(log_count 'dropped')" 0
check_eq "counters: accepted $((K + 1)) = reaped, no fork failure" "$(counters)" \
	"counters: children 0, accepted $((K + 1)), reaped $((K + 1)), refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
fault_end "after EMFILE" 0
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
T_FIRST=$(now_ms)
show_line 'fork failed: '
# Print forkd's fork failures so far (from a fresh counters line).
fork_failures() { counters | sed -nE 's/.*fork failures ([0-9]+),.*/\1/p'; }
CLIENTS=()
knocking_window nproc
# forkd backs off: the clients wait in the backlog (patient clients) instead
# of being accepted and dropped one after another; one more is dropped per
# pause (1 s) at most.
during=$(fork_failures)
diag "fork failures with $K clients knocking: $during"
check "EAGAIN, clients knocking: forkd's CPU under 10% of the window ($WIN_TICKS ticks in $WIN_MS ms)" \
	cpu_under_10pct
check "backing off: one drop per pause at most (fork failures $during <= 2 + ${WIN_MS} ms / 1 s)" \
	[ "${during:-999}" -le $((2 + WIN_MS / 1000)) ]
check "EAGAIN: 'fork failed' lines rate-limited: one each 5 s at most" \
	lines_bounded '^fork failed: '
check_eq "EAGAIN: forkd has exactly 0 children" "$(children "$FORKD_PID")" 0
as_uid prlimit --pid "$FORKD_PID" --nproc=100: || bail "prlimit --nproc=100 failed"
wait "${CLIENTS[@]}"
final=$(fork_failures)
got=$(served nproc)
diag "served $got of $K; fork failures $final in all"
check_eq "once the limit is lifted, every client still waiting is served, by forkd itself" \
	"$got" $((K + 1 - final))
check_eq "each dropped client got EOF, no wrong reply" "$(answered nproc)" "$got"
check "the served are reaped with exit 0" \
	log_wait -t 20 $((K + 1 - final)) "^reaped pid [0-9]+ $H:[0-9]+ exit 0 "
check_eq "counters: $((K + 1)) accepted, reaped = accepted - fork failures" "$(counters)" \
	"counters: children 0, accepted $((K + 1)), reaped $((K + 1 - final)), refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures $final, log dropped 0"
fault_end "after EAGAIN" 0
extra=$(log_lines '^fork failed: ' | sed -n 2p)
[ -z "$extra" ] || diag "logged: $extra"
stop_forkd
check_eq "forkd (as uid $uid) exits 0" "$FORKD_RC" 0
