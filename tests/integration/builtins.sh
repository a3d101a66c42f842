#!/bin/bash
# The built-in services over real TCP: echo, upper, daytime, hello (GET,
# HEAD, 400 for malformed heads), discard, chargen; every connection is
# reaped and leaves no zombie.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 28
H=127.0.0.1

# echo -----------------------------------------------------------------
start_forkd -l "$H:0" -b echo
check_eq "echo: listening line names the address, real port and service" \
	"$(log_lines 'listening on ')" "listening on $H:$PORT (builtin echo)"

printf 'first line\nsecond line\n\nlast line, no newline' >"$T/lines"
talk "$H" "$PORT" "$T/lines" "$T/lines.out"
check "echo: several lines come back byte for byte" cmp -s "$T/lines" "$T/lines.out"

# 256 KiB of random bytes (NULs, CRs, high bytes): the echo must be exact.
head -c 262144 /dev/urandom >"$T/binary"
talk "$H" "$PORT" "$T/binary" "$T/binary.out"
check "echo: 256 KiB of binary data come back unchanged" cmp -s "$T/binary" "$T/binary.out"

log_wait 2 'reaped pid '
re="reaped pid [0-9]+ 127\.0\.0\.1:[0-9]+ exit 0 after [0-9]+\.[0-9]{3}s cpu [0-9]+\.[0-9]{3}s maxrss [0-9]+k"
check_eq "echo: both children reaped, each logged as 'reaped pid N PEER exit 0 after ... maxrss ...k'" \
	"$(log_lines 'reaped pid ' | grep -cxE "$re")" 2
check_eq "echo: no zombie left" "$(zombies "$FORKD_PID")" 0

# upper ----------------------------------------------------------------
start_forkd -l "$H:0" -b upper
printf 'Hello, World 123 xyz\nmixed CaSe {[~]}\ncaf\303\251\n' >"$T/upper"
printf 'HELLO, WORLD 123 XYZ\nMIXED CASE {[~]}\nCAF\303\251\n' >"$T/upper.want"
talk "$H" "$PORT" "$T/upper" "$T/upper.out"
check "upper: lines come back upper-cased (ASCII only, other bytes unchanged)" \
	cmp -s "$T/upper.want" "$T/upper.out"

# daytime --------------------------------------------------------------
start_forkd -l "$H:0" -b daytime
before=$(date -u +%s)
talk "$H" "$PORT" /dev/null "$T/daytime"
after=$(date -u +%s)
check_eq "daytime: exactly one line" "$(wc -l <"$T/daytime")" 1
line=$(head -n 1 "$T/daytime")
re='^[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-UTC'$'\r''$'
if [[ $line =~ $re ]]; then
	ok "daytime: 'Weekday, Month D, YYYY HH:MM:SS-UTC' ending in CRLF"
else
	not_ok "daytime: 'Weekday, Month D, YYYY HH:MM:SS-UTC' ending in CRLF"
	diag "got: $(printf '%q' "$line")"
fi
t=$(date -u -d "$(echo "$line" | sed -E 's/^[A-Za-z]+, //; s/-UTC.*//')" +%s 2>/dev/null || echo 0)
wday=$(date -u -d "@$t" +%A)
if [ "$t" -ge $((before - 2)) ] && [ "$t" -le $((after + 2)) ] && [[ $line == "$wday, "* ]]; then
	ok "daytime: the time is now (UTC) and the weekday matches the date"
else
	not_ok "daytime: the time is now (UTC) and the weekday matches the date"
	diag "got $(printf '%q' "$line"), now is $(date -u)"
fi

# hello ----------------------------------------------------------------
start_forkd -l "$H:0" -b hello
printf 'GET / HTTP/1.0\r\nHost: localhost\r\nUser-Agent: forkd-test\r\n\r\n' >"$T/request"
talk "$H" "$PORT" "$T/request" "$T/hello"
check "hello: status line is HTTP/1.0 200" grep -qE $'^HTTP/1\\.0 200( .*)?\r$' <(head -n 1 "$T/hello")
check "hello: Content-Type is text/plain" grep -qiE '^content-type: *text/plain' "$T/hello"
check_eq "hello: the body after the blank line is 'Hello, World!'" \
	"$(sed '1,/^\r\{0,1\}$/d' "$T/hello")" "Hello, World!"
check_eq "hello: curl -s gets 'Hello, World!'" \
	"$(curl -s --max-time 10 "http://$H:$PORT/" 2>>"$T/client.err")" "Hello, World!"

# Succeed if the headers in FILE say STATUS, Content-Length LEN and Connection: close.
headers_are() {
	grep -qE "^HTTP/1\\.0 $2"$'( .*)?\r$' <(head -n 1 "$1") &&
		grep -qx "Content-Length: $3"$'\r' "$1" && grep -qx $'Connection: close\r' "$1"
}
curl -sI --max-time 10 "http://$H:$PORT/" >"$T/head.curl" 2>>"$T/client.err"
check "hello: curl -sI gets 200 with Content-Length: 14 and Connection: close" \
	headers_are "$T/head.curl" 200 14
# curl -I would not read a body even if one came: look at the raw bytes.
printf 'HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n' >"$T/head.req"
talk "$H" "$PORT" "$T/head.req" "$T/head.out"
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\n' \
	>"$T/head.want"
check "hello: HEAD gets the headers and nothing after the blank line" cmp -s "$T/head.want" "$T/head.out"

# Succeed if the answer in FILE is a 400 with its length, Connection: close and body.
is_400() {
	headers_are "$1" '400 Bad Request' 12 && [ "$(sed '1,/^\r$/d' "$1")" = "Bad Request" ]
}
printf 'GET / HTTP/1.0\r\nHost: a\0b\r\n\r\n' >"$T/nul.req"
talk "$H" "$PORT" "$T/nul.req" "$T/nul.out"
check "hello: a NUL byte in the head gets 400 Bad Request" is_400 "$T/nul.out"
printf 'GET  / HTTP/1.0\r\n\r\n' >"$T/badline.req"
talk "$H" "$PORT" "$T/badline.req" "$T/badline.out"
check "hello: a malformed request line gets 400 Bad Request" is_400 "$T/badline.out"
{ printf 'GET / HTTP/1.0\r\nX: '; head -c 9000 /dev/zero | tr '\0' a; } >"$T/long.req"
talk "$H" "$PORT" "$T/long.req" "$T/long.out"
check "hello: a head longer than 8 KiB gets 400 Bad Request" is_400 "$T/long.out"

# discard --------------------------------------------------------------
start_forkd -l "$H:0" -b discard
head -c 102400 /dev/urandom >"$T/discard.in"
talk "$H" "$PORT" "$T/discard.in" "$T/discard.out"
rc=$?
check_eq "discard: 100 KiB sent, the connection ends cleanly (client status)" "$rc" 0
check_eq "discard: nothing comes back" "$(wc -c <"$T/discard.out")" 0
log_wait 1 'reaped pid '
check_eq "discard: the child read everything and exited 0" \
	"$(log_lines 'reaped pid ' | grep -c ' exit 0 after ')" 1

# chargen --------------------------------------------------------------
start_forkd -l "$H:0" -b chargen
# 100 lines of 72 characters + CRLF; head closes the pipe, socat goes away.
timeout -k 1 15 socat -u "TCP:$H:$PORT" - 2>/dev/null | head -c 7400 >"$T/chargen"
check_eq "chargen: 100 lines received" "$(wc -l <"$T/chargen")" 100
bad=$(tr -d '\r' <"$T/chargen" | grep -cvxE '[ -~]{72}')
crlf=$(grep -c $'\r$' "$T/chargen")
check "chargen: every line is 72 printable characters + CRLF" [ "$bad" = 0 -a "$crlf" = 100 ]
# Rotating: each line starts one character further along than the one before.
rot=$(tr -d '\r' <"$T/chargen" | awk 'NR > 1 && substr(prev, 2) != substr($0, 1, 71) { n++ }
	{ prev = $0 } END { print n + 0 }')
diff1=$(tr -d '\r' <"$T/chargen" | sort -u | wc -l)
check "chargen: lines rotate (line N+1 is line N shifted by one)" [ "$rot" = 0 -a "$diff1" -gt 1 ]
log_wait 1 'reaped pid '
check "chargen: the child is reaped once the client goes away" log_has 1 'reaped pid '
check_eq "chargen: no zombie left" "$(zombies "$FORKD_PID")" 0

# A built-in child never execs, so close-on-exec does not help it: it must
# hold the connection on 0 and 1, stderr on 2, and nothing else of forkd's.
start_forkd -l "$H:0" -b echo
hold_open "$H" "$PORT" 1 && wait_for children_is "$FORKD_PID" 1
kid=$(child_pids "$FORKD_PID")
fds=$(for f in "/proc/$kid/fd/"*; do echo "${f##*/}"; done | sort -n | tr '\n' ' ')
check_eq "built-in child: open fds are exactly 0 1 2" "$fds" "0 1 2 "
sock=$(readlink "/proc/$kid/fd/0")
check "built-in child: fds 0 and 1 are the same socket" \
	[ "${sock#socket:}" != "$sock" -a "$sock" = "$(readlink "/proc/$kid/fd/1")" ]
hold_close
