#!/bin/bash
# Child time limits: under -t 1 a child running sleep 100, and the grandchild
# it started, are gone and logged within 3 s (SIGTERM to the process group);
# one that ignores SIGTERM gets SIGKILL --kill-after later; two idle clients
# under -c 2 --idle-timeout 1 free their slots and a third client is served.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 12
H=127.0.0.1

# --- -t 1: the child and its grandchild.
start_forkd -L stderr -t 1 -l "$H:0" -- /bin/sh -c 'sleep 100 & echo $!; sleep 100'
exec 4<>"/dev/tcp/$H/$PORT"
gc=''
read -r -t 10 -u 4 gc
child=$(child_pids "$FORKD_PID" | head -n 1)
diag "child ${child:-none}, grandchild ${gc:-none}"
gone() { not_alive "$1" && not_alive "$2"; }
t0=$(now_ms)
check "-t 1: the child and its grandchild are gone within 3 s" \
	wait_for -t 3 gone "${child:-0}" "${gc:-0}"
diag "gone after $(($(now_ms) - t0)) ms"
check "logged as 'timeout pid N 127.0.0.1:PORT after 1s'" \
	log_wait 1 "timeout pid ${child:-0} 127\\.0\\.0\\.1:[0-9]+ after 1s\$"
check "and reaped: signal 15 (TERM)" \
	log_wait 1 "reaped pid ${child:-0} .* signal 15 \\(TERM\\)"
exec 4<&-
line=$(counters)
check_eq "the counters line counts 1 timeout" \
	"$(sed -E 's/.*(timeouts [0-9]+).*/\1/' <<<"$line")" "timeouts 1"
stop_forkd

# --- A child that ignores SIGTERM: SIGKILL after --kill-after 1.
start_forkd -L stderr -t 1 --kill-after 1 -l "$H:0" -- /bin/sh -c 'trap "" TERM; sleep 100'
exec 4<>"/dev/tcp/$H/$PORT"
wait_for children_is "$FORKD_PID" 1
child=$(child_pids "$FORKD_PID" | head -n 1)
check "a child ignoring SIGTERM is gone within 4 s" wait_for -t 4 not_alive "${child:-0}"
check "logged as 'SIGKILL to pid N ...: still there 1s after SIGTERM'" \
	log_wait 1 "SIGKILL to pid ${child:-0} 127\\.0\\.0\\.1:[0-9]+: still there 1s after SIGTERM\$"
check "reaped: signal 9 (KILL)" log_wait 1 "reaped pid ${child:-0} .* signal 9 \\(KILL\\)"
exec 4<&-
stop_forkd

# --- --idle-timeout 1 with -c 2: two silent clients, then a third.
start_forkd -L stderr -c 2 --idle-timeout 1 -l "$H:0" -b echo
hold_open "$H" "$PORT" 2 && wait_for children_is "$FORKD_PID" 2
t0=$(now_ms)
check_eq "a third client is served once the two idle ones time out" \
	"$(talk_line "$H" "$PORT" third)" third
diag "served after $(($(now_ms) - t0)) ms"
check "the idle children exit 124" log_wait 2 'reaped pid [0-9]+ 127\.0\.0\.1:[0-9]+ exit 124 '
check_eq "no zombies" "$(zombies "$FORKD_PID")" 0
hold_close "$HOLD_PID"
"$FORKD" -L stderr --idle-timeout 1 -l "$H:0" -- /bin/cat >"$T/idle.out" 2>&1
check_eq "--idle-timeout with a PROGRAM is a usage error (64)" "$?" 64
check "it says to use --timeout" grep -q 'use --timeout' "$T/idle.out"
stop_forkd
