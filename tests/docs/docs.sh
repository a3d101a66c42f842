#!/bin/bash
# Documentation checks (TAP): the man page is clean mdoc and shows
# forkd.service as installed, and --help, forkd.8 and README name the same
# long options.  tests/docs/units.sh checks the installed systemd units.
# Environment (exported by make check): FORKD, abs_top_srcdir, abs_top_builddir.
set -u

: "${FORKD:?FORKD must name the built forkd binary}"
: "${abs_top_srcdir:?abs_top_srcdir must be set}"

man_page=$abs_top_srcdir/man/forkd.8
readme=$abs_top_srcdir/README
unit_in=$abs_top_srcdir/contrib/forkd.service.in

tmpdir=$(mktemp -d) || { echo "1..0 # could not create a temporary directory"; exit 1; }
trap 'rm -rf "$tmpdir"' EXIT

echo "1..4"

n=0
failed=0

# ok DESCRIPTION / not_ok DESCRIPTION
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# diag FILE: print FILE as TAP diagnostics
diag() { sed 's/^/# /' "$1"; }

# 1. mandoc lint, warnings count as failures
t="mandoc -T lint -W warning man/forkd.8 exits 0"
if ! command -v mandoc >/dev/null 2>&1; then
	echo "# mandoc is not installed (apt-get install mandoc)"
	not_ok "$t"
else
	mandoc -T lint -W warning "$man_page" >"$tmpdir/mandoc.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$t"
	else
		echo "# mandoc exit status $rc"
		diag "$tmpdir/mandoc.out"
		not_ok "$t"
	fi
fi

# 2. --help, forkd.8 and README agree on the long options
t="--help, man/forkd.8 and README name the same long options"
"$FORKD" --help >"$tmpdir/help.out" 2>&1
rc=$?
grep -oE -- '--[a-z][a-z-]*' "$tmpdir/help.out" | sort -u >"$tmpdir/help.opts"
# In mdoc a long option is written "Fl -name".
grep -oE 'Fl -[a-z][a-z-]*' "$man_page" | sed 's/^Fl -/--/' | sort -u \
    >"$tmpdir/man.opts"
bad=0
if [ "$rc" -ne 0 ]; then
	echo "# $FORKD --help exit status $rc"
	bad=1
fi
if [ ! -s "$tmpdir/help.opts" ]; then
	echo "# $FORKD --help prints no long option"
	bad=1
fi
if [ ! -s "$tmpdir/man.opts" ]; then
	echo "# man/forkd.8 has no long option (Fl -name)"
	bad=1
fi
while read -r opt; do
	if ! grep -qx -- "$opt" "$tmpdir/man.opts"; then
		echo "# $opt is in --help but not in man/forkd.8 (as Fl -${opt#--})"
		bad=1
	fi
	if ! grep -qE -- "${opt}([^a-z-]|\$)" "$readme"; then
		echo "# $opt is in --help but not in README"
		bad=1
	fi
done <"$tmpdir/help.opts"
while read -r opt; do
	if ! grep -qx -- "$opt" "$tmpdir/help.opts"; then
		echo "# $opt is in man/forkd.8 but not in --help"
		bad=1
	fi
done <"$tmpdir/man.opts"
if [ "$bad" -eq 0 ]; then
	ok "$t"
else
	not_ok "$t"
fi

# 3. --version
t="forkd --version prints 'forkd VERSION' and exits 0"
"$FORKD" --version >"$tmpdir/version.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^forkd ' "$tmpdir/version.out"; then
	ok "$t"
else
	echo "# $FORKD --version exit status $rc, output:"
	diag "$tmpdir/version.out"
	not_ok "$t"
fi

# 4. the unit shown in forkd.8 EXAMPLES is contrib/forkd.service as
# installed with the default prefix
t="the unit in man/forkd.8 EXAMPLES is contrib/forkd.service.in, sbindir /usr/local/sbin"
# The unit is the literal display that starts with "# forkd.service:".
sed 's|@sbindir@|/usr/local/sbin|g' "$unit_in" >"$tmpdir/forkd.service"
awk '
	/^# forkd\.service:/ { inunit = 1 }
	inunit && /^\.Ed$/ { exit }
	inunit { print }
' "$man_page" >"$tmpdir/man.unit"
if [ -s "$tmpdir/man.unit" ] &&
    diff -u "$tmpdir/forkd.service" "$tmpdir/man.unit" >"$tmpdir/unit.diff" 2>&1; then
	ok "$t"
else
	[ -s "$tmpdir/man.unit" ] || echo "# no unit found in man/forkd.8"
	diag "$tmpdir/unit.diff"
	not_ok "$t"
fi

[ "$failed" -eq 0 ]
