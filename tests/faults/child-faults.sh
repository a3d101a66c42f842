#!/bin/bash
# Children that die or stop in every way: killed by SIGKILL, by SIGSEGV
# (a real fault: sh -c 'kill -SEGV $$'), stopped by SIGSTOP and
# continued (a stopped child is never reported reaped), and a child that
# forks a grandchild and exits (the grandchild is not forkd's to reap).
# Each is logged as it ended, nothing is left, and forkd serves on.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 15
H=127.0.0.1

# --- built-in children: SIGKILL, SIGSTOP/SIGCONT -------------------------
start_forkd -l "$H:0" -b echo || bail "forkd did not start"
check "two connections held" hold_open "$H" "$PORT" 2
check "forkd has 2 children" wait_for children_is "$FORKD_PID" 2
mapfile -t kids < <(child_pids "$FORKD_PID")
kill -KILL "${kids[0]}"
check "SIGKILL: reaped as 'signal 9 (KILL)'" \
	log_wait 1 "reaped pid ${kids[0]} $H:[0-9]+ signal 9 \(KILL\) after "
kill -STOP "${kids[1]}"
wait_for test "$(awk '{print $3}' "/proc/${kids[1]}/stat" 2>/dev/null)" = T
# A sync point: the counters line comes after anything forkd logged first.
line=$(counters)
check_eq "a stopped child is still a child, never reported reaped" \
	"$line $(log_count "reaped pid ${kids[1]} ")" \
	"counters: children 1, accepted 2, reaped 1, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0 0"
kill -CONT "${kids[1]}"
hold_close
check "continued, its client gone: reaped 'exit 0'" \
	log_wait 1 "reaped pid ${kids[1]} $H:[0-9]+ exit 0 after "
check "no children, no zombies" wait_for no_children "$FORKD_PID"
check_eq "still serving" "$(talk_line "$H" "$PORT" one)" one
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0

# --- exec mode: a real SIGSEGV, and a grandchild ----------------------------
# The program tells the two apart by the client's first line.
prog=$T/prog.sh
cat >"$prog" <<'PROG'
#!/bin/sh
read -r what
case $what in
segv) kill -SEGV $$ ;;
fork) sleep 29.91 </dev/null >/dev/null 2>&1 & echo "grandchild $!"; exit 0 ;;
esac
PROG
chmod +x "$prog"
start_forkd -l "$H:0" -- "$prog" || bail "forkd (exec) did not start"
talk_line "$H" "$PORT" segv >/dev/null
check "SIGSEGV: reaped as 'signal 11 (SEGV...)'" \
	log_wait 1 "reaped pid [0-9]+ $H:[0-9]+ signal 11 \(SEGV(, core dumped)?\) after "
reply=$(talk_line "$H" "$PORT" fork)
gpid=${reply#grandchild }
[ -n "$gpid" ] && track "$gpid"
check "the child that forked a grandchild: reaped 'exit 0'" \
	log_wait 1 "reaped pid [0-9]+ $H:[0-9]+ exit 0 after "
check "its grandchild lives on, and is not forkd's child" \
	test -n "$gpid" -a "$(awk '{print $4}' "/proc/$gpid/stat" 2>/dev/null)" != "$FORKD_PID"
check "the grandchild ($gpid) is alive" alive "$gpid"
check "forkd: no children, no zombies" wait_for no_children "$FORKD_PID"
line=$(counters)
check_eq "counters: 2 accepted, 2 reaped" "$line" \
	"counters: children 0, accepted 2, reaped 2, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0"
kill -KILL "$gpid" 2>/dev/null
stop_forkd
check_eq "forkd exits 0" "$FORKD_RC" 0
