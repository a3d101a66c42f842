#!/bin/bash
# forkd --proxy-protocol behind Debian's real HAProxy. Two "hosts", A and B,
# each a --proxy-protocol -C 1 forkd running a program that reports what it
# was given, plus a --proxy-protocol hello forkd that HAProxy health-checks
# (option httpchk, check-send-proxy); server a speaks send-proxy (v1),
# server b send-proxy-v2. Clients bind 127.0.0.x (and ::1) with a port of
# their own choosing, so the program behind HAProxy is shown to see the
# real client's address and port, PROXYIP:PROXYPORT being HAProxy's own
# socket (cross-checked with HAProxy's log of its backend source port);
# -C 1 counts the real client, not HAProxy's 127.0.0.1; roundrobin spreads
# over both hosts and, once host B is stopped and marked down, every
# connection is still served by A. Direct clients: garbage, silence
# (--proxy-timeout 1), a close before any byte are closed and logged, no
# child started; v1 UNKNOWN and v2 LOCAL headers keep the real endpoints.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 39
H=127.0.0.1
command -v haproxy >/dev/null || bail "haproxy not installed (Debian package haproxy)"
grep -q -- --proxy-protocol <("$FORKD" --help 2>&1) || bail "$FORKD has no --proxy-protocol"

# Ports chosen by this script (HAProxy's frontends, clients' source ports)
# lie below the kernel's ephemeral range, where port 0 binds never land;
# a port found taken anyway is replaced by another (bounded tries).
read -r EPH_LO _ </proc/sys/net/ipv4/ip_local_port_range
FE_LO=10000 SRC_LO=20000 SPAN=10000
[ "$EPH_LO" -gt $((SRC_LO + SPAN)) ] ||
	diag "ephemeral ports start at $EPH_LO: chosen ports may collide (then retried)"

# The program behind HAProxy: one line of what it was given, then an echo.
# shellcheck disable=SC2016 # expanded by the child's shell
PROG='echo "H=$0 R=$TCPREMOTEIP:$TCPREMOTEPORT A=$REMOTE_ADDR:$REMOTE_PORT L=$TCPLOCALIP:$TCPLOCALPORT P=${PROXYIP-unset}:${PROXYPORT-unset}"; exec cat'

# Send file IN to HOST:PORT from address SRC and a source port picked here
# (another one if it is taken); set CPORT to that port, ANSWER to the reply
# (empty if the connection was closed without one).
ask_file() {
	local err=$T/ask.err try
	ANSWER='' CPORT=''
	for try in 1 2 3 4 5; do
		CPORT=$((SRC_LO + RANDOM % SPAN))
		ANSWER=$(timeout -k 1 10 socat -t 3 - \
			"TCP:$(socat_host "$2"):$3,bind=$(socat_host "$1"):$CPORT" <"$4" 2>"$err" | tr -d '\0')
		cat "$err" >>"$T/client.err"
		grep -qE 'Address already in use|Cannot assign requested address' "$err" ||
			return 0
		diag "source port $1:$CPORT taken (try $try)"
	done
}

# ask_file with the line TEXT.
ask() { printf '%s\n' "$4" >"$T/ask.in" && ask_file "$1" "$2" "$3" "$T/ask.in"; }

# Send the line TEXT to HOST:PORT from address SRC (any port); print the reply.
from() {
	printf '%s\n' "$4" | timeout -k 1 10 socat -t 3 - \
		"TCP:$(socat_host "$2"):$3,bind=$(socat_host "$1")" 2>>"$T/client.err"
}

# start_named NAME ARGS...: start_forkd ARGS; set NAME_PID, NAME_ERR, NAME_PORT,
# NAME_REF (pid:start time, for stop_pid).
start_named() {
	local name=$1
	shift
	start_forkd "$@" || return 1
	printf -v "${name}_PID" %s "$FORKD_PID"
	printf -v "${name}_ERR" %s "$FORKD_ERR"
	printf -v "${name}_PORT" %s "$PORT"
	printf -v "${name}_REF" %s "$FORKD_PID:$(proc_start "$FORKD_PID")"
}

# Print reply REPLY with its first line cut before WORD (" R=", " P=") and
# its other lines after a "|": what an exact comparison needs.
cut_reply() {
	local first=${1%%$'\n'*} rest=
	[ "$first" = "$1" ] || rest=${1#*$'\n'}
	printf '%s|%s\n' "${first%%"$2"*}" "${rest//$'\n'/|}"
}

# Make the log helpers read forkd NAME's lines (all run with -L stderr).
log_of() { local p=${1}_PID e=${1}_ERR; use_log_of "${!p}" "${!e}"; }

# Print how many "reaped pid N ADDR:PORT exit 0" lines forkd NAME logged (ADDR an ERE).
reaped_count() { log_of "$1"; log_count "reaped pid [0-9]+ $2:[0-9]+ exit 0 "; }

# --- The two hosts: A's program and hello, B's program and hello.
start_named A -L stderr --proxy-protocol -C 1 -l "$H:0" -- /bin/sh -c "$PROG" A ||
	bail "forkd A did not start"
start_named AH -L stderr --proxy-protocol -l "$H:0" -b hello || bail "forkd A hello did not start"
start_named B -L stderr --proxy-protocol -C 1 -l "$H:0" -- /bin/sh -c "$PROG" B ||
	bail "forkd B did not start"
start_named BH -L stderr --proxy-protocol -l "$H:0" -b hello || bail "forkd B hello did not start"

# --- HAProxy: fe_v1 reaches server a alone (send-proxy), fe_v2 server b
# alone (send-proxy-v2, with CRC32C and unique-id TLVs after the addresses:
# forkd must skip them), fe_rr both (roundrobin, health-checked).
HCFG=$T/haproxy.cfg HSOCK=$T/haproxy.sock HLOG=$T/haproxy.log HERR=$T/haproxy.err
write_cfg() {
	cat >"$HCFG" <<EOF
global
	stats socket $HSOCK mode 600 level admin
	log stdout format raw local0
defaults
	mode tcp
	log global
	log-format "%ci:%cp %bi:%bp %b/%s"
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout check 2s
	retries 3
	option redispatch
frontend fe_v1
	bind $H:$F1
	bind [::1]:$F1
	default_backend be_v1
frontend fe_v2
	bind $H:$F2
	bind [::1]:$F2
	unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid
	default_backend be_v2
frontend fe_rr
	bind $H:$F3
	default_backend be_rr
backend be_v1
	server a $H:$A_PORT send-proxy
backend be_v2
	server b $H:$B_PORT send-proxy-v2 proxy-v2-options crc32c,unique-id
backend be_rr
	balance roundrobin
	option httpchk
	default-server inter 200ms fall 1 rise 1
	server a $H:$A_PORT send-proxy check port $AH_PORT check-send-proxy
	server b $H:$B_PORT send-proxy-v2 check port $BH_PORT check-send-proxy
EOF
}

# Send CMD to HAProxy's stats socket; print the answer.
hactl() { printf '%s\n' "$1" | timeout -k 1 5 socat - "UNIX-CONNECT:$HSOCK" 2>>"$T/client.err"; }

# Print the "show stat" column FIELD of BACKEND/SERVER.
srv_field() {
	hactl "show stat" | awk -F, -v b="$1" -v s="$2" -v f="$3" '
		NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) if ($i == f) c = i; next }
		c && $1 == b && $2 == s { print $c }'
}

# Succeed if BACKEND/SERVER's last health check was CHECK_STATUS (code CODE) and its status STATUS.
srv_is() { [ "$(srv_field "$1" "$2" status) $(srv_field "$1" "$2" check_status)/$(srv_field "$1" "$2" check_code)" = "$3" ]; }

# Succeed if process PID has a listening TCP socket (IPv4 or IPv6) on each PORT.
pid_listens() {
	local pid=$1 inodes='' f l p
	shift
	for f in /proc/"$pid"/fd/*; do
		l=$(readlink "$f" 2>/dev/null) || continue
		case $l in socket:*) l=${l#socket:[} inodes+=" ${l%]}" ;; esac
	done
	for p in "$@"; do
		awk -v h=":$(printf '%04X' "$p")" -v inodes="$inodes " '
			FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h &&
			index(inodes, " " $10 " ") { found = 1 }
			END { exit !found }' /proc/net/tcp /proc/net/tcp6 || return 1
	done
}

# Succeed when HAProxy listens on all its ports, or has died.
ha_up_or_dead() { pid_listens "$HA_PID" "$F1" "$F2" "$F3" || not_alive "$HA_PID"; }

# Set F1 F2 F3, HAProxy's frontend ports: three distinct random ones.
pick_ports() {
	F1=$((FE_LO + RANDOM % SPAN)) F2=$((FE_LO + RANDOM % SPAN)) F3=$((FE_LO + RANDOM % SPAN))
	while [ "$F2" = "$F1" ]; do F2=$((FE_LO + RANDOM % SPAN)); done
	while [ "$F3" = "$F1" ] || [ "$F3" = "$F2" ]; do F3=$((FE_LO + RANDOM % SPAN)); done
}

# Start HAProxy in the foreground (configuration written); if a port is
# taken, again on other ports (bounded tries); set HA_PID.
start_haproxy() {
	local try
	for try in 1 2 3 4 5; do
		[ "$try" = 1 ] || { pick_ports; write_cfg; }
		haproxy -db -f "$HCFG" </dev/null >>"$HLOG" 2>"$HERR.$try" &
		HA_PID=$!
		track "$HA_PID"
		wait_for -t 15 ha_up_or_dead
		cat "$HERR.$try" >>"$HERR"
		alive "$HA_PID" && { pid_listens "$HA_PID" "$F1" "$F2" "$F3"; return; }
		grep -q 'cannot bind' "$HERR.$try" || return 1
		diag "HAProxy could not bind $F1, $F2 or $F3 (try $try)"
	done
	return 1
}

# Print HAProxy's "%bi:%bp" for the client CLIENT (ADDR:PORT), waiting for
# its log line (the last one, should a port come again).
ha_backend_src() { wait_for -t 5 ha_logged "$1" && awk -v c="$1" '$1 == c { b = $2 } END { print b }' "$HLOG"; }

# Succeed if HAProxy logged the end of client CLIENT's session.
ha_logged() { awk -v c="$1" '$1 == c { f = 1 } END { exit !f }' "$HLOG"; }

pick_ports
write_cfg
check "haproxy -c accepts the configuration" haproxy -c -q -f "$HCFG"
start_haproxy || { diag_file "$HERR"; bail "HAProxy did not start"; }
ok "HAProxy listens on $H and ::1 (ports $F1 $F2 $F3)"
check "health checks through PROXY headers: be_rr/a (v1) is UP, L7OK/200 from A's hello" \
	wait_for -t 10 srv_is be_rr a "UP L7OK/200"
check "be_rr/b (v2) is UP, L7OK/200 from B's hello" wait_for -t 10 srv_is be_rr b "UP L7OK/200"
log_of AH
na=$(log_count 'reaped pid ')
log_of BH
nb=$(log_count 'reaped pid ')
check_eq "both hellos served checks, closed none for a bad header" \
	"$((na > 0)) $((nb > 0)) $(log_of AH; log_count 'proxy: ') $(log_of BH; log_count 'proxy: ')" "1 1 0 0"
diag "checks served: A $na, B $nb; B's (v2 LOCAL): $(log_of BH; log_lines 'reaped pid ' | head -n 1)"

# --- 1. The program sees the client's address; PROXYIP is HAProxy's.
# Succeed if ANSWER's first line is host NAME's for client CLIENT via FRONT,
# PROXYIP:PROXYPORT HAProxy's backend source for CLIENT, then the echo TEXT.
answer_is() {
	local name=$1 client=$2 front=$3 text=$4 bsrc first
	bsrc=$(ha_backend_src "$client")
	first="H=$name R=$client A=$client L=$front P=${bsrc:-none}"
	if [ "$ANSWER" = "$first"$'\n'"$text" ]; then return 0; fi
	diag "want: $first" "      $text" "got:  ${ANSWER//$'\n'/ | }"
	return 1
}
for v in "1 A $F1 127.0.0.2" "2 B $F2 127.0.0.3" "1 A $F1 ::1" "2 B $F2 ::1"; do
	read -r ver name fport src <<<"$v"
	case $src in *:*) front=::1 ;; *) front=$H ;; esac
	ask "$src" "$front" "$fport" "ping v$ver"
	client=$src:$CPORT
	[ "$front" = ::1 ] && client="[::1]:$CPORT"
	check "v$ver from $src:$CPORT: the program sees R, REMOTE_ADDR = the client, L = HAProxy's frontend, PROXYIP:PORT = HAProxy's socket, then the data" \
		answer_is "$name" "$src:$CPORT" "$front:$fport" "ping v$ver"
	log_of "$name"
	check "host $name logs 'reaped pid N $client exit 0'" \
		log_wait 1 "reaped pid [0-9]+ $(ere_quote <<<"$client") exit 0 "
done

# --- 2. -C 1 counts the real client (every connection comes from 127.0.0.1).
for v in "A $F1 1" "B $F2 2"; do
	read -r name fport ver <<<"$v"
	pid_var=${name}_PID
	wait_for no_children "${!pid_var}"
	hold_open "$H" "$fport" 1 127.0.0.2 && wait_for children_is "${!pid_var}" 1
	held=$HOLD_PID
	ask 127.0.0.2 "$H" "$fport" second
	check_eq "v$ver: with one held from 127.0.0.2, another from 127.0.0.2 is closed unserved" "[$ANSWER]" "[]"
	log_of "$name"
	check "host $name logs 'refused 127.0.0.2:$CPORT: per-ip limit 1'" \
		log_wait 1 "refused 127\\.0\\.0\\.2:$CPORT: per-ip limit 1\$"
	ask 127.0.0.3 "$H" "$fport" third
	check_eq "meanwhile 127.0.0.3 is served by $name" "$(cut_reply "$ANSWER" " A=")" "H=$name R=127.0.0.3:$CPORT|third"
	hold_close "$held"
	wait_for no_children "${!pid_var}"
	ask 127.0.0.2 "$H" "$fport" again
	check_eq "once the held one is reaped, 127.0.0.2 is served again" \
		"$(cut_reply "$ANSWER" " A=")" "H=$name R=127.0.0.2:$CPORT|again"
done

# --- 3. roundrobin over both; host B stopped, A serves everything.
both_up() { srv_is be_rr a "UP L7OK/200" && srv_is be_rr b "UP L7OK/200"; }
wait_for both_up || diag "be_rr: a $(srv_field be_rr a status), b $(srv_field be_rr b status)"
N=12 na=0 nb=0 bad=0
for ((i = 1; i <= N; i++)); do
	out=$(from "127.0.1.$i" "$H" "$F3" "rr $i")
	case $(cut_reply "$out" ":") in
	"H=A R=127.0.1.$i|rr $i") na=$((na + 1)) ;;
	"H=B R=127.0.1.$i|rr $i") nb=$((nb + 1)) ;;
	*) bad=$((bad + 1)) diag "rr $i got: ${out//$'\n'/ | }" ;;
	esac
done
diag "roundrobin: A $na, B $nb, bad $bad"
spread() { [ "$bad" -eq 0 ] && [ "$na" -ge $((N / 4)) ] && [ "$nb" -ge $((N / 4)) ]; }
check "all $N served through fe_rr, at least $((N / 4)) by each host" spread
logs_match() { [ "$(reaped_count A '127\.0\.1\.[0-9]+')" -eq "$na" ] && [ "$(reaped_count B '127\.0\.1\.[0-9]+')" -eq "$nb" ]; }
check "A's log has $na reaped lines for 127.0.1.x, B's $nb" wait_for -t 5 logs_match

stop_pid "$B_REF"
stop_pid "$BH_REF"
check "B's forkds stopped: HAProxy marks be_rr/b DOWN (L4CON)" \
	wait_for -t 10 srv_is be_rr b "DOWN L4CON/"
n0=$(reaped_count A '127\.0\.2\.[0-9]+') ok=0
for ((i = 1; i <= N; i++)); do
	out=$(from "127.0.2.$i" "$H" "$F3" "down $i")
	case $(cut_reply "$out" ":") in
	"H=A R=127.0.2.$i|down $i") ok=$((ok + 1)) ;;
	*) diag "down $i got: ${out//$'\n'/ | }" ;;
	esac
done
check_eq "with B down, all $N connections are served, by A" "$ok" "$N"
a_served() { [ "$(reaped_count A '127\.0\.2\.[0-9]+')" -eq $((n0 + N)) ]; }
check "A's log has the $N reaped lines" wait_for -t 5 a_served

# --- 4. Direct clients to a --proxy-protocol port.
ask 127.0.0.4 "$H" "$A_PORT" "GET / HTTP/1.0"
check_eq "garbage to A's port: closed without a reply" "[$ANSWER]" "[]"
log_of A
check "logged 'proxy: closed 127.0.0.4:$CPORT: not a PROXY header'" \
	log_wait 1 "proxy: closed 127\\.0\\.0\\.4:$CPORT: not a PROXY header\$"
ask_file 127.0.0.4 "$H" "$A_PORT" /dev/null
check_eq "a client closing without a byte: no reply" "[$ANSWER]" "[]"
check "logged at once (not at the 5 s timeout): 'proxy: closed 127.0.0.4:$CPORT: closed before the header'" \
	log_wait -t 2 1 "proxy: closed 127\\.0\\.0\\.4:$CPORT: closed before the header\$"
ask 127.0.0.5 "$H" "$A_PORT" $'PROXY UNKNOWN\r\nunknown'
diag "v1 UNKNOWN got: ${ANSWER//$'\n'/ | }"
check_eq "v1 'PROXY UNKNOWN': the program sees the real endpoints, then the data" \
	"$(cut_reply "$ANSWER" " P=")" "H=A R=127.0.0.5:$CPORT A=127.0.0.5:$CPORT L=$H:$A_PORT|unknown"
# The v2 signature, version 2 LOCAL, family UNSPEC, no address block.
printf '\r\n\r\n\0\r\nQUIT\n\x20\0\0\0local\n' >"$T/local.in"
ask_file 127.0.0.7 "$H" "$A_PORT" "$T/local.in"
diag "v2 LOCAL got: ${ANSWER//$'\n'/ | }"
check_eq "v2 LOCAL: the program sees the real endpoints, then the data" \
	"$(cut_reply "$ANSWER" " P=")" "H=A R=127.0.0.7:$CPORT A=127.0.0.7:$CPORT L=$H:$A_PORT|local"

start_named S -L stderr --proxy-protocol --proxy-timeout 1 -l "$H:0" -b echo ||
	bail "forkd --proxy-timeout 1 did not start"
got='' rc=timeout cport='' kids=''
t0=$(now_ms)
if exec 5<>"/dev/tcp/$H/$S_PORT"; then
	cport=$(fd_local_port 5)
	# Nothing may come within 0.5 s (read times out): no child meanwhile.
	read -r -t 0.5 -u 5 got
	kids=$(children "$S_PID")
	read -r -t 10 -u 5 got
	rc=$?
	exec 5<&-
fi
elapsed=$(($(now_ms) - t0))
diag "silent client $H:$cport closed after $elapsed ms (read status $rc)"
check_eq "a silent client: no child while forkd waits for the header" "$kids" 0
closed_in_time() { [ "$rc" = 1 ] && [ -z "$got" ] && [ "$elapsed" -ge 950 ] && [ "$elapsed" -lt 3000 ]; }
check "it is closed (EOF, no data) 1 to 3 s after connecting: $elapsed ms" closed_in_time
check "logged 'proxy: closed $H:$cport: no header within 1s'" \
	log_wait 1 "proxy: closed 127\\.0\\.0\\.1:${cport:-none}: no header within 1s\$"
check_eq "nothing was served or reaped there" "$(log_count 'reaped pid ')" 0
check_eq "a header then data is served by the echo: the data comes back" \
	"$(from 127.0.0.6 "$H" "$S_PORT" $'PROXY TCP4 192.0.2.1 127.0.0.1 1234 80\r\nthrough')" through
check "its reaped line names the header's client: 192.0.2.1:1234" \
	log_wait 1 'reaped pid [0-9]+ 192\.0\.2\.1:1234 exit 0 '

check "HAProxy is still running" alive "$HA_PID"
if [ "$TAP_FAILED" -gt 0 ]; then
	diag "haproxy.err:"; diag_file "$HERR"
	diag "haproxy.log:"; diag_file "$HLOG"
fi
