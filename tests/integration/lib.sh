# shellcheck shell=bash
# lib.sh: shared helpers for forkd's integration tests (bash, sourced first).
#
# Sourcing it re-runs the calling script in a private mount namespace with a
# private tmpfs on /dev (glibc's syslog(3) always writes to /dev/log, a
# shared path), starts a real syslog receiver at /dev/log, makes a scratch
# directory $T and installs an EXIT trap that stops, by pid, every process
# the script started and removes $T. Output is TAP: plan, ok, not_ok, diag.
#
# Variables from make check (defaults let a script run by hand in the tree):
# FORKD, abs_top_srcdir, abs_top_builddir.

: "${abs_top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${abs_top_builddir:=$abs_top_srcdir}"
: "${FORKD:=$abs_top_builddir/src/forkd}"
HELPERS=$abs_top_builddir/tests/integration
export abs_top_srcdir abs_top_builddir FORKD
export LC_ALL=C

if [ -z "${FORKD_TEST_NS:-}" ]; then
	if ! unshare --mount --propagation private true 2>/dev/null; then
		echo "Bail out! cannot make a private mount namespace (run as root)"
		exit 0
	fi
	exec unshare --mount --propagation private \
		env FORKD_TEST_NS="$(readlink /proc/self/ns/mnt)" bash "$0" "$@"
fi

TAP_PLANNED=0 TAP_COUNT=0 TAP_FAILED=0 TAP_BAILED=0
PIDS=()
FORKD_N=0 HOLD_N=0 CLIENT_N=0

# Print the current time in milliseconds.
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }

# Print the TAP plan: 1..N.
plan() { TAP_PLANNED=$1; echo "1..$1"; }

# Print "ok K - TEXT".
ok() { TAP_COUNT=$((TAP_COUNT + 1)); echo "ok $TAP_COUNT - $*"; }

# Print "not ok K - TEXT".
not_ok() { TAP_COUNT=$((TAP_COUNT + 1)) TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_COUNT - $*"; }

# Print each argument as a TAP diagnostic line.
diag() { local l; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

# Print FILE (last N lines, default 30) as diagnostics.
diag_file() { [ -s "$1" ] && tail -n "${2:-30}" "$1" | sed 's/^/#   /'; return 0; }

# ok TEXT if CMD... succeeds, else not_ok TEXT.
check() { local text=$1; shift; if "$@"; then ok "$text"; else not_ok "$text"; fi; }

# ok TEXT if GOT equals WANT, else not_ok TEXT with both shown.
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "want: $3" "got:  $2"; fi
}

# Run CMD... every 50 ms until it succeeds; fail after -t SECONDS (default 10).
wait_for() {
	local limit=10 deadline
	if [ "$1" = -t ]; then limit=$2; shift 2; fi
	deadline=$(($(now_ms) + limit * 1000))
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# Succeed if process PID exists and is not a zombie.
alive() {
	local s
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# Succeed if process PID is gone (or a zombie).
not_alive() { ! alive "$1"; }

# Print the start time (clock ticks since boot) of PID, to tell reused pids apart.
proc_start() {
	local s f
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	read -r -a f <<<"${s##*) }"
	echo "${f[19]}"
}

# Print "pid state" for each process whose parent is PID.
proc_children() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '
		{ pid = $1; sub(/^.*\) /, ""); if ($2 == p) print pid, $1 }'
}

# Print "LIVE ZOMBIES": how many children of PID run, how many are zombies.
child_counts() {
	proc_children "$1" | awk '{ if ($2 == "Z") z++; else l++ } END { print l + 0, z + 0 }'
}

# Print the pids of PID's children that are not zombies.
child_pids() { proc_children "$1" | awk '$2 != "Z" { print $1 }'; }

# Print how many children of PID are not zombies.
children() { local c; c=$(child_counts "$1"); echo "${c% *}"; }

# Succeed if PID has exactly N children that are not zombies.
children_is() { [ "$(children "$1")" -eq "$2" ]; }

# Print how many children of PID are zombies.
zombies() { local c; c=$(child_counts "$1"); echo "${c#* }"; }

# Succeed if PID has no child left, live or zombie.
no_children() { [ "$(child_counts "$1")" = "0 0" ]; }

# Sample PID's children every millisecond (proc-sample) until file STOP
# exists; it writes "MAXLIVE MAXZOMBIES SAMPLES" to OUT. Tracked; returns at once.
sample_children() {
	"$HELPERS/proc-sample" "$1" "$2" "$3" 2>>"$T/client.err" &
	track "$!"
}

# Remember PID (with its start time) so that the EXIT trap stops it.
track() { local st; st=$(proc_start "$1") && PIDS+=("$1:$st"); return 0; }

# Send SIGTERM to a tracked PID (and later SIGKILL, also to its children) until it is gone.
stop_pid() {
	local pid=${1%%:*} st=${1#*:} kids k
	[ "$(proc_start "$pid")" = "$st" ] || return 0
	kids=$(child_pids "$pid")
	kill -TERM "$pid" 2>/dev/null
	if ! wait_for -t 5 not_alive "$pid"; then
		[ "$(proc_start "$pid")" = "$st" ] && kill -KILL "$pid" 2>/dev/null
		wait_for -t 2 not_alive "$pid"
	fi
	for k in $kids; do
		alive "$k" && kill -KILL "$k" 2>/dev/null
	done
	return 0
}

# Copy stdin to stdout with the characters special in a sed regex escaped.
ere_quote() { sed 's/[][\\.*^$|+?(){}]/\\&/g'; }

# Print the pids of processes running $FORKD in this private mount namespace:
# all were started by this script (a daemon or an orphaned child, say).
forkd_leftovers() {
	local ns exe pids
	ns=$(readlink /proc/self/ns/mnt | ere_quote) exe=$(readlink -f "$FORKD" | ere_quote)
	pids=$(stat -c '%N' /proc/[0-9]*/ns/mnt 2>/dev/null |
		sed -nE "s|^'/proc/([0-9]+)/ns/mnt' -> '$ns'\$|\1|p")
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2046,SC2086
	(cd /proc && stat -c '%N' $(printf '%s/exe ' $pids) 2>/dev/null) |
		sed -nE "s|^'([0-9]+)/exe' -> '$exe( \(deleted\))?'\$|\1|p"
}

# EXIT trap: finish the plan, show logs on failure, stop everything, remove $T.
lib_cleanup() {
	local i
	trap - EXIT
	if [ "$TAP_BAILED" -eq 0 ]; then
		[ "$TAP_PLANNED" -gt 0 ] || echo "Bail out! the script stopped before its plan"
		while [ "$TAP_COUNT" -lt "$TAP_PLANNED" ]; do
			not_ok "not run: the script stopped early"
		done
	fi
	if [ "$TAP_FAILED" -gt 0 ] && [ -n "${T:-}" ]; then
		diag "syslog (last lines):"; diag_file "$T/syslog"
		for i in "$T"/forkd.*.err "$T"/client.err "$T"/sink.err; do
			[ -s "$i" ] && { diag "${i##*/}:"; diag_file "$i"; }
		done
	fi
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[i]}"
	done
	for i in $(forkd_leftovers); do
		diag "left over: forkd process $i (killed)"
		kill -KILL "$i" 2>/dev/null
	done
	[ -n "${T:-}" ] && rm -rf "$T"
	exit 0
}

# Mount a tmpfs on /dev (this namespace only) holding just the nodes tests need.
lib_private_dev() {
	[ "$(readlink /proc/self/ns/mnt)" != "$FORKD_TEST_NS" ] || return 1
	mount -t tmpfs -o mode=755 forkd-test-dev /dev || return 1
	mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/full c 1 7 && mknod -m 666 /dev/random c 1 8 &&
		mknod -m 666 /dev/urandom c 1 9 || return 1
	ln -s /proc/self/fd /dev/fd && ln -s /proc/self/fd/0 /dev/stdin &&
		ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd/2 /dev/stderr &&
		mkdir -m 1777 /dev/shm && mkdir /dev/pts
}

# Start the syslog receiver at /dev/log, appending to $SYSLOG; wait for the socket.
lib_start_sink() {
	SYSLOG=$T/syslog
	: >"$SYSLOG"
	"$HELPERS/syslog-sink" /dev/log "$SYSLOG" 2>>"$T/sink.err" &
	SINK_PID=$!
	track "$SINK_PID"
	wait_for test -S /dev/log
}

# Print "Bail out! WHY" and end the script (the trap cleans up).
bail() { echo "Bail out! $*"; TAP_BAILED=1; exit 0; }

trap lib_cleanup EXIT
trap 'exit 1' TERM INT HUP
T=$(mktemp -d "${TMPDIR:-/tmp}/forkd-it.XXXXXX") || bail "mktemp -d failed"
[ -x "$FORKD" ] || bail "no forkd binary at $FORKD"
for i in syslog-sink conn-hold fd-report proc-sample conn-many; do
	[ -x "$HELPERS/$i" ] || bail "helper $HELPERS/$i not built"
done
lib_private_dev || bail "cannot set up a private /dev"
lib_start_sink || bail "syslog-sink did not create /dev/log"

# Succeed if ARGS (forkd's) ask for -L stderr.
uses_stderr() {
	local prev=
	for a in "$@"; do
		case "$prev $a" in
		"-L stderr" | "--log stderr" | *" --log=stderr" | *" -Lstderr") return 0 ;;
		esac
		prev=$a
	done
	return 1
}

# Count -l/--listen options in ARGS.
count_listen() {
	local n=0 a
	for a in "$@"; do
		[ "$a" = -- ] && break
		case $a in -l | --listen | -l?* | --listen=*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}

# Make the log helpers read forkd PID's lines: from syslog, or from FILE if given (-L stderr).
use_log_of() {
	if [ -n "${2:-}" ]; then FORKD_LOG=$2 FORKD_PREFIX='^'
	else FORKD_LOG=$SYSLOG FORKD_PREFIX="forkd\\[$1\\]: "; fi
}

# Print the messages (prefix removed) of the current forkd that start with ERE PATTERN.
log_lines() {
	grep -E -- "${FORKD_PREFIX}($1)" "$FORKD_LOG" | sed -E 's/^<[0-9]+>[^[]*\[[0-9]+\]: //'
}

# Print how many messages of the current forkd start with ERE PATTERN.
log_count() { grep -cE -- "${FORKD_PREFIX}($1)" "$FORKD_LOG"; }

# Succeed once at least N messages of the current forkd start with PATTERN.
log_has() { [ "$(log_count "$2")" -ge "$1" ]; }

# Wait (bounded, -t as wait_for) until N messages start with PATTERN.
log_wait() {
	local t=10
	if [ "$1" = -t ]; then t=$2; shift 2; fi
	wait_for -t "$t" log_has "$1" "$2"
}

# Succeed when forkd has logged all its listening lines, or has died.
forkd_up_or_dead() { log_has "$1" 'listening on ' || not_alive "$FORKD_PID"; }

# Start $FORKD ARGS... in the background (with the signals named in
# FORKD_IGNORE ignored, if set); set FORKD_PID, FORKD_ERR, PORT, PORTS.
start_forkd() {
	local n
	FORKD_N=$((FORKD_N + 1))
	FORKD_ERR=$T/forkd.$FORKD_N.err
	if [ -n "${FORKD_IGNORE:-}" ]; then
		# shellcheck disable=SC2086 # a list of signal names
		(trap '' $FORKD_IGNORE && exec "$FORKD" "$@") </dev/null \
			>"$T/forkd.$FORKD_N.out" 2>"$FORKD_ERR" &
	else
		"$FORKD" "$@" </dev/null >"$T/forkd.$FORKD_N.out" 2>"$FORKD_ERR" &
	fi
	FORKD_PID=$!
	track "$FORKD_PID"
	if uses_stderr "$@"; then use_log_of "$FORKD_PID" "$FORKD_ERR"
	else use_log_of "$FORKD_PID"; fi
	n=$(count_listen "$@")
	PORT='' PORTS=()
	if ! wait_for forkd_up_or_dead "$n" || ! alive "$FORKD_PID"; then
		diag "forkd $* did not start listening"
		diag_file "$FORKD_ERR"
		return 1
	fi
	read_ports
}

# Set PORTS (and PORT, the first) from the current forkd's listening lines.
read_ports() {
	mapfile -t PORTS < <(log_lines 'listening on ' | sed -nE 's/^listening on .*:([0-9]+) \(.*/\1/p')
	PORT=${PORTS[0]:-}
	[ -n "$PORT" ]
}

# Wait up to SECONDS (default 15) for the current forkd to exit; set FORKD_RC.
forkd_exit_status() {
	wait_for -t "${1:-15}" not_alive "$FORKD_PID" || { FORKD_RC=timeout; return 1; }
	wait "$FORKD_PID"
	# shellcheck disable=SC2034 # read by the scripts
	FORKD_RC=$?
}

# Stop the current forkd with SIGTERM; wait (bounded) for it; set FORKD_RC.
# shellcheck disable=SC2120 # the argument is optional
stop_forkd() { kill -TERM "$FORKD_PID" 2>/dev/null; forkd_exit_status "$@"; }

# Send SIGUSR1 and wait for the counters line it asks for; print that line.
# Also a sync point: forkd logs in order, so every earlier event is in the log.
counters() {
	local n
	n=$(log_count 'counters: ')
	kill -USR1 "$FORKD_PID" || return 1
	log_wait $((n + 1)) 'counters: ' || return 1
	log_lines 'counters: ' | tail -n 1
}

# Start conn-hold HOST PORT N [SOURCE]; wait for "open N"; set HOLD_PID (close it with hold_close).
hold_open() {
	local fifo out
	HOLD_N=$((HOLD_N + 1))
	fifo=$T/hold.$HOLD_N.in out=$T/hold.$HOLD_N.out
	mkfifo "$fifo" || return 1
	# stdin is the fifo opened read-write: it never reaches EOF, SIGTERM ends it.
	"$HELPERS/conn-hold" "$@" <>"$fifo" >"$out" 2>>"$T/client.err" &
	HOLD_PID=$!
	track "$HOLD_PID"
	wait_for hold_ready "$out" "$3" "$HOLD_PID" && grep -qx "open $3" "$out"
}

# Succeed when conn-hold wrote "open N" to OUT, or has died.
hold_ready() { grep -qx "open $2" "$1" || not_alive "$3"; }

# Make conn-hold HOLD_PID (default the last) close all its connections at once and exit.
# shellcheck disable=SC2120 # the argument is optional
hold_close() {
	local pid=${1:-$HOLD_PID}
	kill -TERM "$pid" && wait_for not_alive "$pid"
}

# Make N echo round trips to HOST PORT, CONC connections at a time (conn-many),
# each bounded by its own timeout and the whole run by LIMIT seconds (default
# 60); print its "ok K failed M" line; fail unless all N succeeded.
conn_many() {
	timeout -k 2 "${5:-60}" "$HELPERS/conn-many" "$1" "$2" "$3" "$4" 2>>"$T/client.err"
}

# Print HOST as socat wants it (IPv6 literals in brackets).
socat_host() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

# Send file IN to HOST PORT, half-close, wait for the server to close; reply in OUT.
talk() {
	timeout -k 1 15 socat -t 5 - "TCP:$(socat_host "$1"):$2" <"$3" >"$4" 2>>"$T/client.err"
}

# Send the line TEXT to an echo-like server at HOST PORT; print the reply.
talk_line() {
	local base=$T/line.$BASHPID.$((CLIENT_N += 1))
	printf '%s\n' "$3" >"$base.in"
	talk "$1" "$2" "$base.in" "$base.out" && cat "$base.out"
}

# Print the local port of the main shell's TCP socket on fd FD (via /proc/net/tcp*).
fd_local_port() {
	local link inode hex
	link=$(readlink "/proc/$$/fd/$1") || return 1
	inode=${link#socket:[} inode=${inode%]}
	hex=$(awk -v ino="$inode" '$10 == ino { sub(/.*:/, "", $2); print $2; exit }' \
		/proc/net/tcp /proc/net/tcp6)
	[ -n "$hex" ] && echo $((16#$hex))
}
