#!/bin/bash
# Each child leads a process group of its own, in forkd's session (no
# session of its own: its scheduler autogroup would weigh as much as a
# login session), and forkd signals groups: what a child started does
# not outlive a shutdown, and a terminal's ^C (SIGINT to forkd's process
# group) reaches forkd alone, which then gives its children the grace
# period.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 12
H=127.0.0.1

# Print field N (0: state, 2: pgrp, 3: session) of PID's stat line.
stat_field() {
	local s f
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	read -r -a f <<<"${s##*) }"
	echo "${f[$2]}"
}

# Print the pids of live processes whose process group is PGID.
group_members() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '
		{ pid = $1; sub(/^.*\) /, ""); if ($3 == g && $1 != "Z") print pid }'
}

# Succeed if no live process is left in any of the groups given.
groups_empty() { local g; for g in "$@"; do [ -z "$(group_members "$g")" ] || return 1; done; }

# Succeed if each pid given has a live child (the sh its sleep).
have_grandchildren() {
	local p
	for p in "$@"; do [ -n "$(child_pids "$p")" ] || return 1; done
}

# Succeed if none of the pids given is alive.
none_alive() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }

# Succeed if every pid given leads its own process group, in the session
# of forkd (pid $1, the rest its children).
all_group_leaders() {
	local p leader=$1 sid
	shift
	sid=$(stat_field "$leader" 3) || return 1
	for p in "$@"; do
		[ "$(stat_field "$p" 2)" = "$p" ] && [ "$(stat_field "$p" 3)" = "$sid" ] || return 1
	done
}

# Succeed if every pid given is alive.
all_alive() { local p; for p in "$@"; do alive "$p" || return 1; done; }

# 1. Built-in children lead their own process group.
start_forkd -l "$H:0" -b echo || bail "forkd did not start"
hold_open "$H" "$PORT" 2 && wait_for children_is "$FORKD_PID" 2
# shellcheck disable=SC2046 # (each child leads its group once it has run setpgid)
check "built-in children lead their own process group, in forkd's session" \
	wait_for all_group_leaders "$FORKD_PID" $(child_pids "$FORKD_PID")
check_eq "without --title a child keeps forkd's command line" \
	"$(tr '\0' ' ' <"/proc/$(child_pids "$FORKD_PID" | head -n 1)/cmdline")" \
	"$FORKD -l $H:0 -b echo "
hold_close
stop_forkd

# --title: the child's ps title names its service and peer.
start_forkd --title -l "$H:0" -b echo || bail "forkd did not start"
hold_open "$H" "$PORT" 1 && wait_for children_is "$FORKD_PID" 1
check "--title: the child's title is 'forkd: echo $H:PORT'" \
	grep -qE "^forkd: echo $H:[0-9]+" "/proc/$(child_pids "$FORKD_PID")/cmdline"
hold_close
stop_forkd

# 2. A program that starts a grandchild: SIGTERM with -g 0 ends both.
start_forkd -g 0 -l "$H:0" -- /bin/sh -c 'sleep 100 & wait' || bail "forkd did not start"
hold_open "$H" "$PORT" 2 && wait_for children_is "$FORKD_PID" 2
mapfile -t kids < <(child_pids "$FORKD_PID")
check "exec'd children lead their own process group, in forkd's session" \
	wait_for all_group_leaders "$FORKD_PID" "${kids[@]}"
wait_for have_grandchildren "${kids[@]}" || bail "the children started no sleep"
mapfile -t grandkids < <(for k in "${kids[@]}"; do child_pids "$k"; done)
kill -TERM "$FORKD_PID"
forkd_exit_status 10
check_eq "SIGTERM with -g 0: forkd exits 0" "$FORKD_RC" 0
check "grace over: SIGTERM went to 2 children's groups" \
	log_has 1 'grace period over: SIGTERM to 2 children$'
check "the grandchildren (sleep 100) are gone too" wait_for -t 5 none_alive "${grandkids[@]}"
check "no process of the children's groups is left" groups_empty "${kids[@]}"
kill -KILL "${grandkids[@]}" 2>/dev/null	# if the checks failed
hold_close

# 3. SIGINT to forkd's whole process group, as a terminal's ^C sends it.
# setsid(1) makes forkd lead a group of its own (it does not fork: a
# background job of this shell is no group leader).
FORKD_N=$((FORKD_N + 1))
FORKD_ERR=$T/forkd.$FORKD_N.err
setsid "$FORKD" -L stderr -g 30 -l "$H:0" -b echo </dev/null 2>"$FORKD_ERR" &
FORKD_PID=$!
track "$FORKD_PID"
use_log_of "$FORKD_PID" "$FORKD_ERR"
if ! wait_for forkd_up_or_dead 1 || ! read_ports; then bail "setsid forkd did not start"; fi
[ "$(stat_field "$FORKD_PID" 2)" = "$FORKD_PID" ] || bail "forkd does not lead its process group"
hold_open "$H" "$PORT" 3 && wait_for children_is "$FORKD_PID" 3
mapfile -t kids < <(child_pids "$FORKD_PID")
# A child forked a moment ago is in forkd's group until its setpgid(),
# and a ^C sent then is its too: wait until all 3 have left (slow under
# ASan).
wait_for all_group_leaders "$FORKD_PID" "${kids[@]}"
kill -INT -- "-$FORKD_PID"
check "SIGINT to the group: forkd starts its shutdown with 3 children" \
	log_wait 1 'shutting down: 3 children left, grace 30s$'
line=$(counters)	# a sync point: anything reaped by now is counted
check_eq "the children did not get the terminal's SIGINT: all 3 still run" \
	"$line $(all_alive "${kids[@]}" && echo alive)" \
	"counters: children 3, accepted 3, reaped 0, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork failures 0, log dropped 0 alive"
hold_close
forkd_exit_status 10
check_eq "once their clients close, forkd exits 0" "$FORKD_RC" 0
check_eq "all 3 were reaped with exit 0, none by a signal" \
	"$(log_count "reaped pid [0-9]+ $H:[0-9]+ exit 0 ") $(log_count 'reaped pid .* signal ')" "3 0"
