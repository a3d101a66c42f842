#!/bin/bash
# A steady state: after a warm-up of 500 connections, forkd's fds and its
# resident memory are the same before and after 10,000 more (16 at a
# time): the fd list exactly, the RSS within 64 kB (a page or two of
# malloc's own bookkeeping, or of the log queue, may move; a leak of even
# 8 bytes a connection would show as 80 kB).  Every one is served and
# reaped, no zombie is left, and forkd serves on.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/faults/lib-faults.sh
. "$abs_top_srcdir/tests/faults/lib-faults.sh"

plan 10
H=127.0.0.1 WARM=500 N=10000 C=16 SLACK_KB=64
zero="refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"

start_forkd -l "$H:0" -b echo || bail "forkd did not start"
check_eq "warm-up: $WARM connections served" "$(conn_many "$H" "$PORT" "$WARM" "$C")" "ok $WARM failed 0"
wait_for -t 20 no_children "$FORKD_PID" || bail "the warm-up's children are not all gone"
counters >/dev/null || bail "no counters line"
fds_before=$(fd_list "$FORKD_PID") rss_before=$(rss_kb "$FORKD_PID")
t0=$(now_ms)
check_eq "$N connections served" "$(conn_many "$H" "$PORT" "$N" "$C" 120)" "ok $N failed 0"
diag "$N connections in $(($(now_ms) - t0)) ms"
check "all reaped: no child left" wait_for -t 30 no_children "$FORKD_PID"
check_eq "counters: accepted $((WARM + N)) = reaped" "$(counters)" \
	"counters: children 0, accepted $((WARM + N)), reaped $((WARM + N)), $zero"
fds_after=$(fd_list "$FORKD_PID") rss_after=$(rss_kb "$FORKD_PID")
diag "fds before: $fds_before" "fds after:  $fds_after" \
	"RSS before: ${rss_before} kB, after: ${rss_after} kB"
check_eq "the same fds after $N connections" "$fds_after" "$fds_before"
check "the same RSS after $N connections (${rss_before} -> ${rss_after} kB, slack $SLACK_KB kB)" \
	[ "${rss_after:-999999}" -le $((${rss_before:-0} + SLACK_KB)) ]
check_eq "every one logged as reaped with exit 0" \
	"$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 after ")" $((WARM + N))
fault_end "after $N connections" 0
