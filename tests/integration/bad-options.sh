#!/bin/bash
# Usage errors exit 64 with "forkd: <what was wrong>" and the --help hint;
# a missing PROGRAM exits 66; an unknown host exits 68; -h and -V exit 0.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 22
H=127.0.0.1
HINT="Try 'forkd --help' for more information."

# Run forkd ARGS... (bounded); ok if it exits WANT and its first stderr line
# matches the ERE MSG (and, for 64, the --help hint follows).
expect_exit() {
	local want=$1 msg=$2 rc first
	shift 2
	timeout -k 1 5 "$FORKD" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	first=$(head -n 1 "$T/err")
	if [ "$rc" = "$want" ] && grep -qE -- "$msg" <<<"$first" &&
		{ [ "$want" != 64 ] || grep -qxF -- "$HINT" "$T/err"; }; then
		ok "forkd $*: exit $want, '$first'"
	else
		not_ok "forkd $*: exit $want with a message matching /$msg/"
		diag "exit status $rc, stderr:"
		diag_file "$T/err"
	fi
}

expect_exit 64 '^forkd: .*frobnicate' --frobnicate -l "$H:0" -b echo
expect_exit 64 "^forkd: .*Z" -Z -l "$H:0" -b echo
expect_exit 64 '^forkd: .*(-l|listen)' -b echo -l
expect_exit 64 '^forkd: --max-children: "0" is too small \(1\.\.65535\)$' -c 0 -l "$H:0" -b echo
expect_exit 64 '^forkd: --max-children: "abc" is not a number$' -c abc -l "$H:0" -b echo
expect_exit 64 '^forkd: --max-children: "65536" is too .*\(1\.\.65535\)$' -c 65536 -l "$H:0" -b echo
expect_exit 64 '^forkd: --backlog: "70000" is too .*\(1\.\.65535\)$' -B 70000 -l "$H:0" -b echo
expect_exit 64 '^forkd: --grace: "3601" is too .*\(0\.\.3600\)$' -g 3601 -l "$H:0" -b echo
expect_exit 64 '^forkd: unknown builtin "foo" \(echo, upper, discard, daytime, chargen, hello\)$' \
	-l "$H:0" -b foo
expect_exit 64 '^forkd: no listen address: give -l \[HOST\]:PORT$' -b echo
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
