#!/bin/bash
# Clients that misbehave cost the parent nothing, and the idle timeout
# frees their slots (forkd -c 4 --idle-timeout 3): four that connect and
# send nothing, then four that send and never read (their children block
# writing), hold every slot; forkd answers SIGUSR1 meanwhile, a fifth
# client waits in the backlog and is served once their children end with
# status 124.  50 clients that reset at once (SO_LINGER 0) and 50 that
# half-close after their line are all served or reaped, exit 0.  The
# parent's fds are the same at the end as at the start.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 34
H=127.0.0.1 C=4 IDLE=3 N=50
BAD=$FAULT_HELPERS/bad-client
counters_zero="refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"

# Print "ACCEPTED REAPED" from a fresh counters line.
accepted_reaped() { counters | sed -nE 's/^counters: children [0-9]+, accepted ([0-9]+), reaped ([0-9]+),.*/\1 \2/p'; }

# Run the case LABEL with the C clients already holding every slot: forkd
# has exactly C children, answers SIGUSR1 at once, and a fifth client is
# served once the idle timeout ends theirs (exit 124).  A is the accepted
# count before the case.  8 checks.
slots_freed() {
	local label=$1 a=$2 t0 n
	check "$label: forkd has exactly $C children" wait_for -t 20 children_is "$FORKD_PID" "$C"
	check_eq "$label: the parent answers SIGUSR1 meanwhile" "$(counters)" \
		"counters: children $C, accepted $((a + C)), reaped $a, $counters_zero"
	n=$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 124 ")
	t0=$(now_ms)
	check_eq "$label: a fifth client is served once their slots are freed" \
		"$(talk_line "$H" "$PORT" "$label: fifth")" "$label: fifth"
	diag "$label: the fifth client waited $(($(now_ms) - t0)) ms (--idle-timeout $IDLE)"
	check "$label: the $C children ended by the idle timeout: exit 124" \
		log_wait -t 20 $((n + C)) "reaped pid [0-9]+ $H:[0-9]+ exit 124 after "
	show_line "reaped pid [0-9]+ $H:[0-9]+ exit 124 "
	check_eq "$label: counters: accepted $((a + C + 1)) = reaped" "$(accepted_reaped)" \
		"$((a + C + 1)) $((a + C + 1))"
	fault_end "$label" 0
}

start_forkd -c "$C" --idle-timeout "$IDLE" -l "$H:0" -b echo || bail "forkd did not start"
fds_before=$(fd_list "$FORKD_PID")

# --- connect and send nothing -----------------------------------------------
check "silent: $C connections open" hold_open "$H" "$PORT" "$C"
check "silent: max-children reached is logged" \
	log_wait 1 "max-children $C reached: new connections wait in the backlog\$"
show_line 'max-children '
slots_freed silent 0
hold_close
a=$((C + 2))	# the fifth client and fault_end's round trip

# --- send, never read -------------------------------------------------------
"$BAD" "$H" "$PORT" noread "$C" >"$T/noread.out" 2>>"$T/client.err" &
NOREAD_PID=$!
track "$NOREAD_PID"
check "noread: $C clients sending, their children blocked writing back" \
	wait_for -t 30 grep -qx "open $C" "$T/noread.out"
slots_freed noread "$a"
kill -TERM "$NOREAD_PID"
a=$((a + C + 2))

# Run N clients of bad-client's MODE at once as the case LABEL (WHAT they
# do; WANT, what bad-client must print): all N are reaped with exit 0 and
# counted, A being the accepted count before.  4 checks and fault_end's.
burst_case() {
	local label=$1 mode=$2 what=$3 want=$4 a=$5 n
	n=$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 ")
	check_eq "$label: $N clients $what" \
		"$("$BAD" "$H" "$PORT" "$mode" "$N" 2>>"$T/client.err")" "$want"
	check "$label: all $N accepted and reaped with exit 0" \
		log_wait -t 30 $((n + N)) "reaped pid [0-9]+ $H:[0-9]+ exit 0 "
	check_eq "$label: counters: accepted $((a + N)) = reaped" "$(accepted_reaped)" "$((a + N)) $((a + N))"
	fault_end "$label" 0
}

# --- reset at once (SO_LINGER 0): a reset is a client leaving ---------------
burst_case reset reset "connect and reset at once" "reset $N" "$a"
a=$((a + N + 1))

# --- half-close after the line ----------------------------------------------
burst_case half-close halfclose "each get their line back, then EOF" "ok $N failed 0" "$a"

check_eq "no other kind of line: no errors, no unknown pid" \
	"$(log_lines '' | grep -cvE '^(listening on |reaped pid [0-9]+ [0-9.]+:[0-9]+ exit (0|124) |max-children |counters: )')" 0
check_eq "the parent holds the same fds as at the start" "$(fd_list "$FORKD_PID")" "$fds_before"
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0
