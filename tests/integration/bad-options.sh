#!/bin/bash
# Usage errors exit 64 with "forkd: <what was wrong>" and the --help hint;
# a missing PROGRAM exits 66; an unknown host exits 68; -h and -V exit 0.
# Ports are ports: glibc alone would listen on 34463 for :99999.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 38
H=127.0.0.1
HINT="Try 'forkd --help' for more information."

# Run forkd ARGS... (bounded); ok if it exits WANT and its first stderr line
# matches the ERE MSG (and, for 64 from the options, the --help hint
# follows; not after "forkd: listen:", an error found resolving -l).
expect_exit() {
	local want=$1 msg=$2 rc first name
	shift 2
	timeout -k 1 5 "$FORKD" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	first=$(head -n 1 "$T/err")
	name="forkd $*"
	[ "${#name}" -le 200 ] || name="${name:0:200}..."
	if [ "$rc" = "$want" ] && grep -qE -- "$msg" <<<"$first" &&
		{ [ "$want" != 64 ] || [[ $first == "forkd: listen: "* ]] ||
			grep -qxF -- "$HINT" "$T/err"; }; then
		ok "$name: exit $want, '${first:0:300}'"
	else
		not_ok "$name: exit $want with a message matching /${msg:0:300}/"
		diag "exit status $rc, stderr:"
		diag_file "$T/err"
	fi
}

# Ports first, while nothing has logged a "listening on" line yet.
expect_exit 64 '^forkd: --listen "127\.0\.0\.1:99999": port "99999" is too large \(0\.\.65535\)$' \
	-l "$H:99999" -b echo
check_eq "-l $H:99999 listened nowhere (glibc alone would take 34463)" \
	"$(grep -c 'listening on ' "$SYSLOG")" 0
expect_exit 64 '^forkd: --listen ":65536": port "65536" is too large \(0\.\.65535\)$' -l :65536 -b echo
expect_exit 64 '^forkd: --listen ":4294967297": port "4294967297" is too large \(0\.\.65535\)$' \
	-l :4294967297 -b echo
expect_exit 64 '^forkd: --listen "127\.0\.0\.1: 80": port " 80" is neither a number \(0\.\.65535\) nor a service name$' \
	-l "$H: 80" -b echo
expect_exit 64 '^forkd: --listen "127\.0\.0\.1:\+80": port "\+80" is neither a number' -l "$H:+80" -b echo
expect_exit 64 '^forkd: --listen "127\.0\.0\.1:no-such-service": port "no-such-service" is not a TCP service' \
	-l "$H:no-such-service" -b echo
check_eq "no port case listened anywhere" "$(grep -c 'listening on ' "$SYSLOG")" 0

expect_exit 64 '^forkd: .*frobnicate' --frobnicate -l "$H:0" -b echo
expect_exit 64 "^forkd: .*Z" -Z -l "$H:0" -b echo
expect_exit 64 '^forkd: .*(-l|listen)' -b echo -l
expect_exit 64 '^forkd: --max-children: "0" is too small \(1\.\.65535\)$' -c 0 -l "$H:0" -b echo
expect_exit 64 '^forkd: --max-children: "abc" is not a number$' -c abc -l "$H:0" -b echo
expect_exit 64 '^forkd: --max-children: "65536" is too .*\(1\.\.65535\)$' -c 65536 -l "$H:0" -b echo
expect_exit 64 '^forkd: --max-children: " 5" is not a number$' -c " 5" -l "$H:0" -b echo
expect_exit 64 '^forkd: --max-children: "\+5" is not a number$' -c +5 -l "$H:0" -b echo
expect_exit 64 '^forkd: --backlog: "70000" is too .*\(1\.\.65535\)$' -B 70000 -l "$H:0" -b echo
expect_exit 64 '^forkd: --grace: "3601" is too .*\(0\.\.3600\)$' -g 3601 -l "$H:0" -b echo
expect_exit 64 '^forkd: unknown builtin "foo" \(echo, upper, discard, daytime, chargen, hello\)$' \
	-l "$H:0" -b foo
expect_exit 64 '^forkd: no listen address: give -l \[HOST\]:PORT, or sockets by systemd socket activation$' -b echo
expect_exit 64 '^forkd: --builtin given twice \("echo" and "upper"\)$' -l "$H:0" -b echo -b upper
expect_exit 64 '^forkd: --child-stderr: "bogus" is not inherit, null or socket$' \
	--child-stderr bogus -l "$H:0" /bin/cat
long=$(printf 'x%.0s' {1..2000})
expect_exit 64 "^forkd: --log: \"x{64}\.\.\.\" is neither syslog nor stderr\$" -L "$long" -l "$H:0" -b echo
expect_exit 64 '^forkd: .*(builtin|program|PROGRAM)' -l "$H:0" -b echo /bin/cat
expect_exit 64 '^forkd: .*(builtin|program|PROGRAM)' -l "$H:0"
expect_exit 64 '^forkd: .*foo' -L foo -l "$H:0" -b echo
expect_exit 64 '^forkd: .*127\.0\.0\.1' -l 127.0.0.1 -b echo
expect_exit 64 '^forkd: .*\[::1' -l '[::1' -b echo

expect_exit 66 '^forkd: .*/nonexistent/forkd-prog' -l "$H:0" /nonexistent/forkd-prog
expect_exit 66 '^forkd: .*forkd-no-such-program' -l "$H:0" forkd-no-such-program
printf '#!/bin/sh\necho hi\n' >"$T/not-executable"
chmod 644 "$T/not-executable"
expect_exit 66 "^forkd: .*$T/not-executable" -l "$H:0" "$T/not-executable"

expect_exit 68 '^forkd: .*nonexistent\.invalid' -l nonexistent.invalid:1 -b echo

# The same -l twice. Port 0 twice is fine: two ports of the kernel's
# choice. Learn a free port P from them, then name P twice (refused before
# anything is bound, so P being taken meanwhile would not matter).
if start_forkd -l "$H:0" -l "$H:0" -b echo && [ "${#PORTS[@]}" = 2 ] &&
	[ "${PORTS[0]}" != "${PORTS[1]}" ]; then
	ok "-l $H:0 twice: two listeners on two ports (${PORTS[*]})"
else
	not_ok "-l $H:0 twice: two listeners on two ports"
	diag "ports: ${PORTS[*]}"
fi
P=${PORTS[0]:-0}
stop_forkd
expect_exit 64 "^forkd: --listen \"127\\.0\\.0\\.1:$P\" given twice\$" -l "$H:$P" -b echo -l "$H:$P"
expect_exit 64 "^forkd: listen: --listen \"localhost:$P\" and --listen \"127\\.0\\.0\\.1:$P\" are the same address, 127\\.0\\.0\\.1:$P\$" \
	-l "localhost:$P" -l "$H:$P" -b echo

# Succeed if forkd -h exits 0 with a usage (naming --listen and --builtin) on stdout only.
help_ok() {
	timeout -k 1 5 "$FORKD" -h >"$T/help" 2>"$T/help.err" &&
		[ ! -s "$T/help.err" ] && grep -q -- '--listen' "$T/help" &&
		grep -q -- '--builtin' "$T/help"
}
check "-h: usage on stdout (names --listen and --builtin), nothing on stderr, exit 0" help_ok
check_eq "-V prints 'forkd 0.1.0', exit 0" "$(timeout -k 1 5 "$FORKD" -V 2>&1; echo "exit $?")" \
	"forkd 0.1.0
exit 0"
check_eq "--version prints 'forkd 0.1.0', exit 0" "$(timeout -k 1 5 "$FORKD" --version 2>&1; echo "exit $?")" \
	"forkd 0.1.0
exit 0"
