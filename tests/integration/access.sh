#!/bin/bash
# Access rules (-a) on loopback, clients binding 127.0.0.x: a deny rule is
# closed in the parent and logged with FILE:LINE; an allow rule's NAME=value
# words reach an exec'd child (and forkd's own value of such a NAME never
# does); REMOTE_ADDR, REMOTE_PORT, TCPCONNNUM are set; SIGHUP with a good
# file changes behaviour without dropping a held connection; SIGHUP with a
# bad file keeps the old rules and logs the error; a bad file at start is
# exit 78 naming FILE:LINE, a missing one exit 66.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 19
H=127.0.0.1
R=$T/rules

# Send the line TEXT to HOST:PORT from address SRC; print the reply.
from() {
	printf '%s\n' "$4" | timeout -k 1 10 socat -t 3 - \
		"TCP:$(socat_host "$2"):$3,bind=$(socat_host "$1")" 2>>"$T/client.err"
}

# --- Start-up errors.
printf 'allow 127.0.0.0/8\nalow 10.0.0.0/8\n' >"$R"
"$FORKD" -L stderr -a "$R" -l "$H:0" -b echo >"$T/bad.out" 2>&1
rc=$?
check_eq "a bad line at start: exit 78" "$rc" 78
check "the message names FILE:2" grep -qF "forkd: $R:2: " "$T/bad.out"
diag_file "$T/bad.out"
"$FORKD" -L stderr -a "$T/missing" -l "$H:0" -b echo >"$T/missing.out" 2>&1
rc=$?
check_eq "a missing rules file: exit 66" "$rc" 66
check "the message names the file" grep -qF "$T/missing" "$T/missing.out"

# --- Exec mode: deny, allow with words, the environment.
cat >"$R" <<'EOF'
# test rules
deny 127.0.0.5
allow 127.0.0.6 RELAYCLIENT= SITE="head office"   # words for the child
allow 127.0.0.0/8
deny all
EOF
# forkd's own RELAYCLIENT and SITE must never reach a child.
export RELAYCLIENT=leak SITE=leak
# shellcheck disable=SC2016 # expanded by the child's shell
start_forkd -L stderr -a "$R" -l "$H:0" -- /bin/sh -c \
	'echo "R=${RELAYCLIENT-unset} S=${SITE-unset} A=$REMOTE_ADDR P=$REMOTE_PORT TP=$TCPREMOTEPORT N=$TCPCONNNUM"'
unset RELAYCLIENT SITE
check_eq "127.0.0.5 (deny on line 2) is closed without a child" \
	"[$(from 127.0.0.5 "$H" "$PORT" x)]" "[]"
check "it is logged as 'refused 127.0.0.5:PORT: access $R:2'" \
	log_wait 1 "refused 127\\.0\\.0\\.5:[0-9]+: access $(ere_quote <<<"$R"):2\$"
out=$(from 127.0.0.6 "$H" "$PORT" x)
diag "127.0.0.6 got: $out"
check_eq "127.0.0.6 gets the rule's words: RELAYCLIENT empty, SITE quoted" \
	"$(sed -E 's/ A=.*//' <<<"$out")" "R= S=head office"
port=$(sed -nE 's/.* P=([0-9]+) .*/\1/p' <<<"$out")
check_eq "REMOTE_ADDR is the client's address, REMOTE_PORT = TCPREMOTEPORT" \
	"$(sed -E 's/.* A=([^ ]*) P=([0-9]+) TP=([0-9]+) .*/\1 \2/' <<<"$out")" "127.0.0.6 ${port:-none}"
check_eq "TCPCONNNUM counts this child: 1" "${out##*N=}" 1
out=$(from 127.0.0.7 "$H" "$PORT" x)
check_eq "127.0.0.7 (allow, no words) sees neither forkd's RELAYCLIENT nor SITE" \
	"$(sed -E 's/ A=.*//' <<<"$out")" "R=unset S=unset"
stop_forkd

# --- Built-in, reloads.
printf 'allow 127.0.0.0/8\n' >"$R"
start_forkd -L stderr -a "$R" -l "$H:0" -b echo
exec 4<>"/dev/tcp/$H/$PORT"		# a held connection from 127.0.0.1
check_eq "before the reload 127.0.0.8 is served" "$(from 127.0.0.8 "$H" "$PORT" x)" x
printf 'deny 127.0.0.8\nallow all\n' >"$R.new" && mv "$R.new" "$R"
kill -HUP "$FORKD_PID"
check "SIGHUP logs 'reloaded FILE: 2 rules'" \
	log_wait 1 "reloaded $(ere_quote <<<"$R"): 2 rules\$"
check_eq "after it 127.0.0.8 is refused" "[$(from 127.0.0.8 "$H" "$PORT" x)]" "[]"
printf 'still here\n' >&4
reply=''
read -r -t 10 -u 4 reply
check_eq "the connection held across the reload still echoes" "$reply" "still here"
printf 'allow 127.0.0.8\nallow 10.0.0.0/33\n' >"$R.new" && mv "$R.new" "$R"
# Within a second of the last one: answered when its second comes.
kill -HUP "$FORKD_PID"
check "SIGHUP with a bad file logs 'reload failed: FILE:2: ...; keeping the 2 rules in use'" \
	log_wait 1 "reload failed: $(ere_quote <<<"$R"):2: .*; keeping the 2 rules in use\$"
check_eq "the old rules stay: 127.0.0.8 still refused" "[$(from 127.0.0.8 "$H" "$PORT" x)]" "[]"
check_eq "and 127.0.0.9 still served" "$(from 127.0.0.9 "$H" "$PORT" nine)" nine
printf 'again\n' >&4
reply=''
read -r -t 10 -u 4 reply
check_eq "the held connection still echoes" "$reply" "again"
exec 4<&-
stop_forkd
check_eq "exit 0" "$FORKD_RC" 0
