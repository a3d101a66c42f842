#!/bin/bash
# Children that end badly or oddly: killed by SIGKILL and by SIGSEGV
# (reaped, logged with the signal's number and name); stopped with SIGSTOP
# (never reported reaped while stopped, even when other children are
# reaped meanwhile; counted alive) and continued (it serves on, and is
# reaped once its client leaves); a child that starts a grandchild and
# exits (the child is reaped, the grandchild is not forkd's to reap and
# never shows in its log).  After each, forkd still serves, with exactly
# the children it should and no zombie.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 33
H=127.0.0.1
ulimit -c 0	# a SIGSEGV leaves no core file behind (and says so exactly)
# In a sanitizer build the SIGSEGV sent to a child is the fault under
# test, not a memory error: AddressSanitizer must let it kill the child.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"

# Print the state letter (R, S, T, Z...) of PID.
proc_state() { local s; read -r s <"/proc/$1/stat" || return 1; s=${s##*) }; echo "${s%% *}"; }

# Succeed when PID is stopped (state T).
stopped() { [ "$(proc_state "$1")" = T ]; }

# Print the parent pid of PID.
ppid_of() { local s f; read -r s <"/proc/$1/stat" || return 1; read -r -a f <<<"${s##*) }"; echo "${f[1]}"; }

# Hold one connection (conn-hold) and set CPID and PEER from forkd's newest
# "connect PEER pid N" line (forkd runs with -v).
hold_one() {
	local n line
	n=$(log_count 'connect ')
	hold_open "$H" "$PORT" 1 && log_wait $((n + 1)) 'connect ' || return 1
	line=$(log_lines 'connect ' | tail -n 1)
	PEER=$(awk '{ print $2 }' <<<"$line") CPID=$(awk '{ print $4 }' <<<"$line")
}

# The reaped line of pid CPID from PEER, as an ERE, with STATUS (an ERE).
reaped_re() { printf 'reaped pid %s %s %s after [0-9]+\\.[0-9]{3}s cpu [0-9.]+s maxrss [0-9]+k$' "$CPID" "$PEER" "$1"; }

start_forkd -v -l "$H:0" -b echo || bail "forkd did not start"

# --- SIGKILL ----------------------------------------------------------------
hold_one || bail "no connection held"
check_eq "SIGKILL: the held connection's child is forkd's one child" "$(child_pids "$FORKD_PID")" "$CPID"
kill -KILL "$CPID"
check "SIGKILL: reaped as 'signal 9 (KILL)'" log_wait 1 "$(reaped_re 'signal 9 \(KILL\)')"
show_line "reaped pid $CPID "
hold_close
fault_end "after SIGKILL" 0

# --- SIGSEGV ----------------------------------------------------------------
hold_one || bail "no connection held"
kill -SEGV "$CPID"
check "SIGSEGV: reaped as 'signal 11 (SEGV)' (no core: ulimit -c 0)" \
	log_wait 1 "$(reaped_re 'signal 11 \(SEGV\)')"
show_line "reaped pid $CPID "
hold_close
fault_end "after SIGSEGV" 0

# --- SIGSTOP, then SIGCONT --------------------------------------------------
# The connection is the shell's own fd 5, so the test can talk through it.
n=$(log_count 'connect ')
exec 5<>"/dev/tcp/$H/$PORT"
log_wait $((n + 1)) 'connect ' || bail "no connect line"
line=$(log_lines 'connect ' | tail -n 1)
PEER=$(awk '{ print $2 }' <<<"$line") CPID=$(awk '{ print $4 }' <<<"$line")
kill -STOP "$CPID"
check "SIGSTOP: the child is stopped" wait_for -t 10 stopped "$CPID"
printf 'after the stop\n' >&5
# Other children end while it is stopped: each reap runs wait4 over all.
check_eq "a child ends while the other is stopped (echo round trip)" \
	"$(talk_line "$H" "$PORT" 'while stopped')" 'while stopped'
check "SIGSTOP: the stopped child counts as alive (counters sync)" \
	wait_for -t 10 children_is "$FORKD_PID" 1
line=$(counters)
accepted=$(sed -nE 's/.*accepted ([0-9]+),.*/\1/p' <<<"$line")
check_eq "SIGSTOP: counters: 1 child, reaped = accepted - 1" "$line" \
	"counters: children 1, accepted $accepted, reaped $((accepted - 1)), refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
check_eq "SIGSTOP: the stopped child is never reported reaped (no line, no 'status 0x')" \
	"$(log_count "reaped pid $CPID |status 0x")" 0
kill -CONT "$CPID"
reply=''
read -r -t 10 -u 5 reply
check_eq "SIGCONT: the continued child serves on (what was sent while stopped comes back)" \
	"$reply" 'after the stop'
line=$(counters)
check_eq "SIGCONT: still not reaped, still 1 child" \
	"$(log_count "reaped pid $CPID |status 0x") $(children "$FORKD_PID") $(sed -nE 's/^counters: children ([0-9]+),.*/\1/p' <<<"$line")" "0 1 1"
exec 5<&-
check "once its client leaves, reaped with exit 0" log_wait 1 "$(reaped_re 'exit 0')"
fault_end "after SIGSTOP/SIGCONT" 0
check_eq "the child table agrees: children 0, all reaped, no unknown pid" \
	"$(counters | sed -nE 's/^counters: children ([0-9]+), accepted ([0-9]+), reaped ([0-9]+),.*/\1 \2 \3/p') $(log_count 'reaped pid [0-9]+ unknown')" \
	"0 7 7 0"
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0

# --- A child that starts a grandchild and exits -----------------------------
# The program echoes a line back, but for "gc": then it starts a sleep in
# the background (its stdio away from the connection, so the client sees
# the end at once), prints its pid and exits.
# shellcheck disable=SC2016 # expanded by the child's sh, not here
start_forkd -v -l "$H:0" -- /bin/sh -c \
	'read -r l; if [ "$l" = gc ]; then sleep 3 </dev/null >/dev/null 2>&1 & echo "$!"; else echo "$l"; fi' ||
	bail "forkd (exec) did not start"
gc=$(talk_line "$H" "$PORT" gc)
track "${gc:-0}"
line=$(log_lines 'connect ' | tail -n 1)
PEER=$(awk '{ print $2 }' <<<"$line") CPID=$(awk '{ print $4 }' <<<"$line")
diag "child $CPID, grandchild ${gc:-none}"
check "grandchild: the child is reaped with exit 0" log_wait 1 "$(reaped_re 'exit 0')"
show_line "reaped pid $CPID "
check "grandchild: it outlives the child" alive "${gc:-0}"
check "grandchild: forkd is not its parent" [ "$(ppid_of "${gc:-0}")" != "$FORKD_PID" ]
check_eq "grandchild: forkd has exactly 0 children" "$(children "$FORKD_PID")" 0
check "grandchild: it ends by itself (sleep 3)" wait_for -t 15 not_alive "${gc:-0}"
line=$(counters)
check_eq "grandchild: never reaped nor logged by forkd" \
	"$(log_count "reaped pid ${gc:-0} |reaped pid [0-9]+ unknown")" 0
check_eq "grandchild: counters: accepted 1, reaped 1" "$line" \
	"counters: children 0, accepted 1, reaped 1, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
fault_end "after the grandchild" 0
stop_forkd
check_eq "forkd (exec) exits 0" "$FORKD_RC" 0
