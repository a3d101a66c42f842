#!/bin/bash
# forkd under valgrind's memcheck, parent and (forked, not exec'd) built-in
# children alike: no memory error, no leak, and nothing but stdin, stdout
# and stderr open when each process exits.  Four real runs, each ending
# in a clean shutdown with one report per process checked:
#  1. echo: round trips, a child killed with SIGKILL, SIGUSR1, SIGHUP
#     without -a;
#  2. admission: -a rules (deny; allow with NAME=value words), -C and -R
#     refusals with --refuse-message, SIGHUP reloads (a good file, then a
#     bad one that is refused), a -t timeout that ends held children
#     (SIGTERM: memcheck still writes their reports);
#  3. --proxy-protocol: v1 and v2 (TCP4, TCP6) headers whose client the
#     reaped line names, a rule denying a proxied client, a bad header and
#     a malformed one dropped, a --proxy-timeout expiry;
#  4. exec mode: the environment built in the parent from the rules'
#     NAME=value words, rebuilt on SIGHUP (the exec'd program itself runs
#     outside valgrind: its report stops at the exec).
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 58
H=127.0.0.1 N=10

command -v valgrind >/dev/null || bail "valgrind is not installed"

# Start forkd -L stderr -v ARGS... under memcheck, its reports in
# $T/vg.TAG.PID; set FORKD_PID, FORKD_ERR, PORT (for lib.sh's log helpers).
vg_start() {
	local tag=$1
	shift
	FORKD_N=$((FORKD_N + 1))
	FORKD_ERR=$T/forkd.$FORKD_N.err
	valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--track-fds=yes --error-exitcode=99 --log-file="$T/vg.$tag.%p" \
		"$FORKD" -L stderr -v "$@" </dev/null 2>"$FORKD_ERR" &
	FORKD_PID=$!
	track "$FORKD_PID"
	use_log_of "$FORKD_PID" "$FORKD_ERR"
	wait_for -t 60 forkd_up_or_dead 1 && read_ports
}

# Stop the current forkd (run TAG) and check: exit 0, one report for it
# and each child it reaped (CHILDREN of them), complete (an error summary)
# for all but the INCOMPLETE ones (stopped dead by SIGKILL, or exec'd),
# none with a memcheck error or a definite or indirect leak, none with an
# fd of its own open.
vg_finish() {
	local tag=$1 kids=$2 incomplete=${3:-0} reports errs fds
	stop_forkd 60
	check_eq "$tag: forkd exits 0 (valgrind's error exit would be 99)" "$FORKD_RC" 0
	check_eq "$tag: the log has a reaped line for each of its $kids children" \
		"$(log_count 'reaped pid ')" "$kids"
	reports=("$T"/vg."$tag".*)
	check_eq "$tag: a valgrind report for forkd and each of its children, $((kids + 1 - incomplete)) complete and clean" \
		"${#reports[@]} $(grep -l 'ERROR SUMMARY: 0 errors from 0 contexts' "${reports[@]}" | wc -l)" \
		"$((kids + 1)) $((kids + 1 - incomplete))"
	errs=$(grep -lE 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' "${reports[@]}" 2>/dev/null)
	check_eq "$tag: no memcheck error or leak in any process" "$errs" ""
	[ -z "$errs" ] || diag_file "${errs%%$'\n'*}" 60
	# An fd forkd opened and left open is reported with the stack that
	# opened it; fds the harness passed down say "<inherited from parent>".
	fds=$(awk '/Open (file descriptor|AF_)/ { what = $0; getline
		if ($0 !~ /inherited from parent/) print FILENAME ": " what }' "${reports[@]}")
	check_eq "$tag: no process exits with an fd of its own open, but 0, 1 and 2" "$fds" ""
}

# Send the line TEXT to HOST:PORT from address SRC; print the reply, CRs removed.
from() {
	printf '%s\n' "$4" | timeout -k 1 15 socat -t 5 - \
		"TCP:$(socat_host "$2"):$3,bind=$(socat_host "$1")" 2>>"$T/client.err" | tr -d '\r'
}

# Send the bytes of printf FORMAT to HOST:PORT; print the reply.
send_raw() {
	local in=$T/raw.$((CLIENT_N += 1))
	# shellcheck disable=SC2059 # the format is the data
	printf "$3" >"$in"
	talk "$1" "$2" "$in" "$in.out" && cat "$in.out"
}

# Succeed once the current forkd has logged N reaped lines.
reaped_n() { log_has "$1" 'reaped pid '; }

# --- 1. echo: round trips, a killed child, signals.
vg_start echo -l "$H:0" -b echo || bail "forkd under valgrind did not start"
good=0
for ((i = 1; i <= N; i++)); do
	[ "$(talk_line "$H" "$PORT" "line $i")" = "line $i" ] && good=$((good + 1))
done
check_eq "echo: $N round trips under valgrind" "$good" "$N"
# The held connection's line is the (N+1)th: wait for it, not any line.
hold_open "$H" "$PORT" 1 && log_wait -t 30 $((N + 1)) 'connect .* pid '
kill -KILL "$(log_lines 'connect ' | sed -n "$((N + 1))p" | awk '{ print $4 }')"
check "echo: a child killed with SIGKILL is reaped" log_wait -t 30 1 'reaped pid .* signal 9 '
kill -USR1 "$FORKD_PID" && kill -HUP "$FORKD_PID"
check "echo: SIGHUP without -a logs that there is nothing to reread" \
	log_wait -t 30 1 'reload: no --access file; nothing to reread$'
hold_close
vg_finish echo $((N + 1)) 1

# --- 2. admission: rules, -C, -R, reloads, -t.
R=$T/rules
Rq=$(ere_quote <<<"$R")
printf '# valgrind.sh rules\ndeny 127.0.0.9\nallow 127.0.0.0/8 ROLE=test NOTE="two words" EMPTY=\n' >"$R"
vg_start admission -a "$R" -C 2 -R 3/3600 --refuse-message 'busy\r\n' -t 5 \
	-l "$H:0" -b echo || bail "forkd -a -C -R -t under valgrind did not start"
check_eq "admission: 127.0.0.9, denied by a rule, gets the refuse message" \
	"$(from 127.0.0.9 "$H" "$PORT" x)" busy
check "admission: logged 'refused 127.0.0.9:PORT: access FILE:2'" \
	log_wait -t 20 1 "refused 127\\.0\\.0\\.9:[0-9]+: access $Rq:2\$"
# -R 3/3600 for 127.0.0.3: three served (one at a time: -C 2), the fourth refused.
good=0
for i in 1 2 3; do
	[ "$(from 127.0.0.3 "$H" "$PORT" "rate $i")" = "rate $i" ] && good=$((good + 1))
	wait_for -t 20 reaped_n "$i"
done
check_eq "admission: 127.0.0.3 is served 3 times (allowed by the NAME=value rule)" "$good" 3
check_eq "admission: its fourth connection within the hour gets the refuse message" \
	"$(from 127.0.0.3 "$H" "$PORT" "rate 4")" busy
check "admission: logged 'refused 127.0.0.3:PORT: rate 3/3600'" \
	log_wait -t 20 1 'refused 127\.0\.0\.3:[0-9]+: rate 3/3600$'
# -C 2: two held from 127.0.0.2, a third refused; -t 5 then ends the two.
hold_open "$H" "$PORT" 2 127.0.0.2 && wait_for -t 30 children_is "$FORKD_PID" 2
check_eq "admission: a third connection from 127.0.0.2 gets the refuse message" \
	"$(from 127.0.0.2 "$H" "$PORT" x)" busy
check "admission: logged 'refused 127.0.0.2:PORT: per-ip limit 2'" \
	log_wait -t 20 1 'refused 127\.0\.0\.2:[0-9]+: per-ip limit 2$'
check "admission: -t 5 logs 'timeout pid N 127.0.0.2:PORT after 5s' for both held children" \
	log_wait -t 30 2 'timeout pid [0-9]+ 127\.0\.0\.2:[0-9]+ after 5s$'
check "admission: both are reaped, ended by SIGTERM" \
	log_wait -t 30 2 'reaped pid [0-9]+ 127\.0\.0\.2:[0-9]+ signal 15 \(TERM\) after '
hold_close
# A good file, then a bad one: the good rules stay.
printf 'deny 127.0.0.4 # now\nallow all X=1\n' >"$R.new" && mv "$R.new" "$R"
kill -HUP "$FORKD_PID"
check "admission: SIGHUP logs 'reloaded FILE: 2 rules'" \
	log_wait -t 20 1 "reloaded $Rq: 2 rules\$"
check_eq "admission: the new rules deny 127.0.0.4 ..." "$(from 127.0.0.4 "$H" "$PORT" x)" busy
check_eq "admission: ... and serve 127.0.0.9" "$(from 127.0.0.9 "$H" "$PORT" nine)" nine
printf 'deny 127.0.0.4\nalow all\n' >"$R.new" && mv "$R.new" "$R"
kill -HUP "$FORKD_PID"
check "admission: SIGHUP with a bad file logs 'reload failed: FILE:2: ...; keeping the 2 rules in use'" \
	log_wait -t 20 1 "reload failed: $Rq:2: unknown action \"alow\" \\(allow or deny\\); keeping the 2 rules in use\$"
check_eq "admission: the good rules stay: 127.0.0.4 still refused" \
	"$(from 127.0.0.4 "$H" "$PORT" x)" busy
check "admission: refused twice by the reloaded rule 'FILE:1'" \
	log_wait -t 20 2 "refused 127\\.0\\.0\\.4:[0-9]+: access $Rq:1\$"
wait_for -t 30 no_children "$FORKD_PID"
check_eq "admission: the counters count each refusal by its reason" \
	"$(counters | sed -E 's/^counters: children [0-9]+, //')" \
	"accepted 11, reaped 6, refused 5 (per-ip 1, rate 1, access 3), timeouts 2, fork failures 0, log dropped 0"
vg_finish admission 6
check_eq "admission: the exiting line" "$(log_lines 'exiting: ')" \
	"exiting: accepted 11, reaped 6, refused 5 (per-ip 1, rate 1, access 3), timeouts 2, fork failures 0"

# --- 3. --proxy-protocol: v1, v2, a denied proxied client, bad headers, expiry.
RP=$T/rules.proxy
printf 'deny 192.0.2.66\nallow all\n' >"$RP"
vg_start proxy --proxy-protocol --proxy-timeout 1 -a "$RP" -C 1 -l "$H:0" -b echo ||
	bail "forkd --proxy-protocol under valgrind did not start"
SIG='\r\n\r\n\0\r\nQUIT\n'
check_eq "proxy: a v1 TCP4 header, then the data: the data comes back" \
	"$(send_raw "$H" "$PORT" 'PROXY TCP4 192.0.2.1 127.0.0.1 1234 7\r\nvia v1\n')" "via v1"
check "proxy: its reaped line names the header's client 192.0.2.1:1234" \
	log_wait -t 20 1 'reaped pid [0-9]+ 192\.0\.2\.1:1234 exit 0 after '
# v2 PROXY TCP4: 198.51.100.7:4321 -> 127.0.0.1:7 (12 address bytes).
check_eq "proxy: a v2 TCP4 header, then the data: the data comes back" \
	"$(send_raw "$H" "$PORT" "$SIG"'\x21\x11\0\x0c\xc6\x33\x64\x07\x7f\0\0\x01\x10\xe1\0\x07via v2\n')" "via v2"
check "proxy: its reaped line names 198.51.100.7:4321" \
	log_wait -t 20 1 'reaped pid [0-9]+ 198\.51\.100\.7:4321 exit 0 after '
# v2 PROXY TCP6: [2001:db8::7]:4322 -> [::1]:7 (36 address bytes).
check_eq "proxy: a v2 TCP6 header, then the data: the data comes back" \
	"$(send_raw "$H" "$PORT" "$SIG"'\x21\x21\0\x24\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x10\xe2\0\x07via v2 tcp6\n')" "via v2 tcp6"
check "proxy: its reaped line names [2001:db8::7]:4322" \
	log_wait -t 20 1 'reaped pid [0-9]+ \[2001:db8::7\]:4322 exit 0 after '
check_eq "proxy: a header naming 192.0.2.66, which a rule denies: closed unserved" \
	"[$(send_raw "$H" "$PORT" 'PROXY TCP4 192.0.2.66 127.0.0.1 5555 7\r\nno\n')]" "[]"
check "proxy: logged 'refused 192.0.2.66:5555: access FILE:1' (the proxied client)" \
	log_wait -t 20 1 "refused 192\\.0\\.2\\.66:5555: access $(ere_quote <<<"$RP"):1\$"
check_eq "proxy: no header at all: closed unserved" \
	"[$(send_raw "$H" "$PORT" 'GET / HTTP/1.0\r\n\r\n')]" "[]"
check "proxy: logged 'proxy: closed 127.0.0.1:PORT: not a PROXY header'" \
	log_wait -t 20 1 'proxy: closed 127\.0\.0\.1:[0-9]+: not a PROXY header$'
check_eq "proxy: a v1 header with port 65536: closed unserved" \
	"[$(send_raw "$H" "$PORT" 'PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\nx\n')]" "[]"
check "proxy: logged 'proxy: closed 127.0.0.1:PORT: v1: bad destination port'" \
	log_wait -t 20 1 'proxy: closed 127\.0\.0\.1:[0-9]+: v1: bad destination port$'
cport=none
if exec 5<>"/dev/tcp/$H/$PORT"; then
	cport=$(fd_local_port 5)
	check "proxy: a silent client is dropped: 'proxy: closed 127.0.0.1:$cport: no header within 1s'" \
		log_wait -t 20 1 "proxy: closed 127\\.0\\.0\\.1:$cport: no header within 1s\$"
	exec 5<&-
else
	not_ok "proxy: could not connect the silent client"
fi
check_eq "proxy: nothing else was logged as closed" "$(log_count 'proxy: closed ')" 3
wait_for -t 30 no_children "$FORKD_PID"
vg_finish proxy 3
check_eq "proxy: the exiting line" "$(log_lines 'exiting: ')" \
	"exiting: accepted 7, reaped 3, refused 1 (per-ip 0, rate 0, access 1), timeouts 0, fork failures 0"

# --- 4. exec mode: NAME=value words in the environment, rebuilt on reload.
RX=$T/rules.exec
printf 'allow 127.0.0.0/8 ROLE=test NOTE="two words"\n' >"$RX"
# shellcheck disable=SC2016 # expanded by the child's shell
vg_start exec -a "$RX" -l "$H:0" -- /bin/sh -c 'echo "$ROLE/$NOTE"' ||
	bail "forkd in exec mode under valgrind did not start"
talk "$H" "$PORT" /dev/null "$T/exec.1"
check_eq "exec: the program sees the rule's words ROLE and NOTE" "$(cat "$T/exec.1")" "test/two words"
printf 'allow all ROLE=new\n' >"$RX.new" && mv "$RX.new" "$RX"
kill -HUP "$FORKD_PID"
check "exec: SIGHUP logs 'reloaded FILE: 1 rules'" \
	log_wait -t 20 1 "reloaded $(ere_quote <<<"$RX"): 1 rules\$"
talk "$H" "$PORT" /dev/null "$T/exec.2"
check_eq "exec: after the reload it sees ROLE=new and no NOTE" "$(cat "$T/exec.2")" "new/"
wait_for -t 30 no_children "$FORKD_PID"
vg_finish exec 2 2
