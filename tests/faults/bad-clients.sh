#!/bin/bash
# Clients that misbehave: connect and send nothing, reset at once
# (SO_LINGER 0), half-close, never read.  None touches the parent: it
# goes on serving while they hang on, and --idle-timeout ends the ones
# that stall (exit 124, as timeout(1)), which frees their slots under -c
# for the clients waiting in the backlog.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 13
H=127.0.0.1

# --- echo, two slots: silent, reset, half-closed clients -------------------
start_forkd -c 2 --idle-timeout 1 -l "$H:0" -b echo || bail "forkd did not start"
exec 3<>"/dev/tcp/$H/$PORT"	# connects, then says nothing
check "a silent client holds one child" wait_for children_is "$FORKD_PID" 1
timeout 10 socat -u /dev/null "TCP:$H:$PORT,linger=0" 2>>"$T/client.err"
check "a client that resets at once: its child reaped 'exit 0'" \
	log_wait 1 "reaped pid [0-9]+ $H:[0-9]+ exit 0 after "
check_eq "a half-closing client is answered in full, beside the silent one" \
	"$(talk_line "$H" "$PORT" half)" half
check "the silent client's child ends idle: 'exit 124' after 1 s" \
	log_wait 1 "reaped pid [0-9]+ $H:[0-9]+ exit 124 after 1\.[0-9]{3}s "
exec 3>&-
check "no children, no zombies" wait_for no_children "$FORKD_PID"
check_eq "counters: 3 accepted, 3 reaped" "$(counters)" \
	"counters: children 0, accepted 3, reaped 3, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0

# --- chargen, one slot: a client that never reads --------------------------
start_forkd -c 1 --idle-timeout 1 -l "$H:0" -b chargen || bail "forkd (chargen) did not start"
exec 4<>"/dev/tcp/$H/$PORT"	# never read: the child's writes fill up
check "a client that never reads holds the only child" wait_for children_is "$FORKD_PID" 1
# The next client waits in the backlog until the stalled child is ended.
got=$(timeout -k 1 15 socat -u "TCP:$H:$PORT" - 2>>"$T/client.err" | head -c 74 | wc -c)
check_eq "the waiting client is served once the idle child is gone (one 74-byte line)" "$got" 74
check "the never-reading client's child ended idle: 'exit 124'" \
	log_wait 1 "reaped pid [0-9]+ $H:[0-9]+ exit 124 after "
exec 4>&-
check "no children, no zombies" wait_for no_children "$FORKD_PID"
line=$(counters)
check_eq "counters: 2 accepted, 2 reaped" "$line" \
	"counters: children 0, accepted 2, reaped 2, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0
