#!/bin/bash
# --reuseport: two forkd on one 127.0.0.1 port (the first on port 0, the
# second on the port it got) both listen, and the kernel hands connections
# to both: sequential clients (at most 200) until both logs show a reaped
# child. Once one stops, the other serves every connection. Without
# --reuseport a forkd on that port fails to start: exit 71 (EX_OSERR),
# "Address already in use"; so does a --reuseport one on a port held
# without it.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 12
H=127.0.0.1 MAX=200

# Print how many TCP sockets listen on 127.0.0.1:PORT (/proc/net/tcp).
listeners() {
	awk -v a="0100007F:$(printf '%04X' "$1")" '$2 == a && $4 == "0A" { n++ } END { print n + 0 }' /proc/net/tcp
}

start_forkd -L stderr --reuseport -l "$H:0" -b echo || bail "the first forkd did not start"
A_PID=$FORKD_PID A_ERR=$FORKD_ERR P=$PORT
start_forkd -L stderr --reuseport -l "$H:$P" -b echo
B_PID=$FORKD_PID B_ERR=$FORKD_ERR
check_eq "a second --reuseport forkd starts on the first one's port $P" "$(alive "$B_PID" && echo "$PORT")" "$P"
check_eq "two sockets listen on $H:$P" "$(listeners "$P")" 2

# Print how many children forkd PID (log FILE) has logged as reaped.
reaped() { use_log_of "$1" "$2"; log_count 'reaped pid [0-9]+ 127\.0\.0\.1:[0-9]+ exit 0 '; }
both_reaped() { [ "$(reaped "$A_PID" "$A_ERR")" -ge 1 ] && [ "$(reaped "$B_PID" "$B_ERR")" -ge 1 ]; }

n=0 bad=0
while [ "$n" -lt "$MAX" ] && ! both_reaped; do
	n=$((n + 1))
	[ "$(talk_line "$H" "$P" "conn $n")" = "conn $n" ] || bad=$((bad + 1))
done
check "both instances served and reaped a child (after $n connections)" wait_for -t 5 both_reaped
ra=$(reaped "$A_PID" "$A_ERR") rb=$(reaped "$B_PID" "$B_ERR")
diag "first instance $ra, second $rb of $n connections"
check_eq "every one of the $n echoed its line" "$bad" 0
all_reaped() { [ $(($(reaped "$A_PID" "$A_ERR") + $(reaped "$B_PID" "$B_ERR"))) -eq "$n" ]; }
check "the two logs together have the $n reaped lines" wait_for -t 5 all_reaped

# Without --reuseport the port is in use.
"$FORKD" -L stderr -l "$H:$P" -b echo </dev/null >"$T/plain.out" 2>&1 &
pid=$!
track "$pid"
rc=timeout
wait_for -t 10 not_alive "$pid" && { wait "$pid"; rc=$?; }
check_eq "a forkd without --reuseport on $H:$P fails: exit 71" "$rc" 71
check "it says 'Address already in use'" grep -q "Address already in use" "$T/plain.out"
diag_file "$T/plain.out"
check_eq "still two listeners on $H:$P" "$(listeners "$P")" 2

# One instance stopped, the other serves everything.
use_log_of "$A_PID" "$A_ERR"
FORKD_PID=$A_PID
stop_forkd
check_eq "the first instance stops cleanly (exit 0)" "$FORKD_RC" 0
r0=$(reaped "$B_PID" "$B_ERR")
check_eq "with one instance left, 50 connections are all served" "$(conn_many "$H" "$P" 50 5 30)" "ok 50 failed 0"
b_all() { [ "$(reaped "$B_PID" "$B_ERR")" -eq $((r0 + 50)) ]; }
check "by the second instance: 50 more reaped lines in its log" wait_for -t 5 b_all

# A port held without SO_REUSEPORT refuses a --reuseport forkd too.
start_forkd -L stderr -l "$H:0" -b echo || bail "a plain forkd did not start"
"$FORKD" -L stderr --reuseport -l "$H:$PORT" -b echo </dev/null >"$T/reuse.out" 2>&1 &
pid=$!
track "$pid"
rc=timeout
wait_for -t 10 not_alive "$pid" && { wait "$pid"; rc=$?; }
check_eq "--reuseport on a port a forkd holds without it: exit 71, '... Address already in use'" \
	"$rc $(grep -c 'Address already in use' "$T/reuse.out")" "71 1"
