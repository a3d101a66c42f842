#!/bin/bash
# 10,000 connections change nothing in the parent: the same open fds
# (the same fd numbers) after as before, and resident memory within 72
# KiB: the log's static 64 KiB queue is touched only as far as a lagging
# receiver ever filled it, plus two pages; a leak of 8 bytes a connection
# would be 80 KiB.  Measured after a warm-up of 500; every child reaped.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 7
H=127.0.0.1 N=10000

# Print the fds PID has open, one line: "0 1 2 3 ...".
fds_of() { find "/proc/$1/fd" -mindepth 1 -printf '%f\n' | sort -n | paste -sd ' '; }
# Print PID's resident memory in KiB.
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

start_forkd -l "$H:0" -b echo || bail "forkd did not start"
check_eq "warm-up: 500 served" "$(conn_many "$H" "$PORT" 500 8)" "ok 500 failed 0"
wait_for no_children "$FORKD_PID"
fds0=$(fds_of "$FORKD_PID") rss0=$(rss_of "$FORKD_PID")
t0=$(now_ms)
check_eq "$N connections served" "$(conn_many "$H" "$PORT" "$N" 16 240)" "ok $N failed 0"
diag "$N connections in $(($(now_ms) - t0)) ms"
check "all reaped, 0 zombies" wait_for -t 30 no_children "$FORKD_PID"
fds1=$(fds_of "$FORKD_PID") rss1=$(rss_of "$FORKD_PID")
diag "fds before: $fds0; after: $fds1" "RSS before: $rss0 KiB; after: $rss1 KiB"
check_eq "the same fds open after as before" "$fds1" "$fds0"
check "RSS after as before, within 72 KiB ($rss0 -> $rss1 KiB)" \
	test "$rss1" -le $((rss0 + 72))
check_eq "counters: accepted = reaped = $((N + 500))" "$(counters)" \
	"counters: children 0, accepted $((N + 500)), reaped $((N + 500)), refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0
