#!/bin/bash
# The systemd units as "make install" installs them (TAP): unedited, they
# pass systemd-analyze verify, and forkd.service and forkd@.service score
# 2.0 or lower ("OK") in systemd-analyze security; the unit directory is
# the one configure was given, none with --with-systemdsystemunitdir=no.
#
# verify checks that ExecStart names an executable, so the units checked
# must name an installed forkd: this test configures a copy of the tree
# (make distdir: a source tree configured in place refuses a second,
# out-of-tree build) with --prefix and the unit directory in a temporary
# directory, and builds and installs it there.
# Environment (exported by make check): abs_top_builddir.
set -u

: "${abs_top_builddir:?abs_top_builddir must be set}"
export LC_ALL=C

tmp=$(mktemp -d) || { echo "1..0 # could not create a temporary directory"; exit 1; }
# make distdir keeps the modes of a read-only source tree (distcheck's).
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# Makes of our own, not part of the make check that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
jobs=$(nproc 2>/dev/null || echo 1)

src=$tmp/src
build=$tmp/build
inst=$tmp/inst
unitdir=$inst/lib/systemd/system
units=(forkd.service forkd.socket forkd@.service)

echo "1..9"

n=0
failed=0

# ok DESCRIPTION / not_ok DESCRIPTION
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# diag FILE: FILE as TAP diagnostics.
diag() { [ -f "$1" ] && sed 's/^/# /' "$1"; return 0; }

# conf LOG ARG...: configure the copy in $build with ARGs, cached.
conf() {
	local log=$1
	shift
	(cd "$build" && "$src/configure" --quiet -C \
	    --disable-dependency-tracking "$@") >"$log" 2>&1
}

# unit_files DIR: the unit files under DIR, one a line, sorted.
unit_files() {
	find "$1" \( -name '*.service' -o -name '*.socket' \) -printf '%P\n' |
	    sort
}

# 1. configure, build and install a copy into $tmp
t="configure --prefix=TMP --with-systemdsystemunitdir=TMP/lib/systemd/system; make install"
installed=no
mkdir "$build"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "# systemd-analyze is not installed (apt-get install systemd)"
	not_ok "$t"
elif ! make -C "$abs_top_builddir" distdir distdir="$src" \
    >"$tmp/distdir.log" 2>&1; then
	echo "# make distdir failed:"
	diag "$tmp/distdir.log"
	not_ok "$t"
elif ! conf "$tmp/configure.log" --prefix="$inst" \
    --with-systemdsystemunitdir="$unitdir"; then
	echo "# configure failed:"
	diag "$tmp/configure.log"
	not_ok "$t"
elif ! make -C "$build" -j"$jobs" install >"$tmp/install.log" 2>&1; then
	echo "# make install failed:"
	diag "$tmp/install.log"
	not_ok "$t"
else
	installed=yes
	ok "$t"
fi

# 2. exactly the three units, made in the build directory, naming forkd
# by its installed path, every @var@ replaced
t="the installed units are ${units[*]}, with ExecStart=TMP/sbin/forkd"
if [ "$installed" != yes ]; then
	echo "# nothing installed"
	not_ok "$t"
else
	bad=0
	got=$(unit_files "$inst")
	if [ "$got" != "$(printf 'lib/systemd/system/%s\n' "${units[@]}" | sort)" ]; then
		echo "# installed under TMP: ${got//$'\n'/ }"
		echo "# wanted in TMP/lib/systemd/system: ${units[*]}"
		bad=1
	fi
	for u in forkd.service forkd@.service; do
		line=$(grep '^ExecStart=' "$unitdir/$u")
		if [ "$line" != "ExecStart=$inst/sbin/forkd -L stderr \$FORKD_OPTS" ]; then
			echo "# $u: $line"
			bad=1
		fi
		[ -f "$build/contrib/$u" ] ||
		    { echo "# $u was not made in the build directory"; bad=1; }
		[ ! -e "$src/contrib/$u" ] ||
		    { echo "# $u was made in the source directory"; bad=1; }
	done
	# shellcheck disable=SC2016 # a literal ${
	if grep -n '@[a-z_]*@\|\${' "$unitdir"/forkd* >"$tmp/subst.out"; then
		echo "# left unsubstituted:"
		diag "$tmp/subst.out"
		bad=1
	fi
	[ ! -x "$inst/sbin/forkd" ] && { echo "# no TMP/sbin/forkd"; bad=1; }
	if [ "$bad" -eq 0 ]; then ok "$t"; else not_ok "$t"; fi
fi

# The template is verified as an instance: a link named forkd@echo.service.
mkdir "$tmp/instance"
ln -s "$unitdir/forkd@.service" "$tmp/instance/forkd@echo.service"

# 3-5. verify UNIT: no message at all, exit status 0.  The man page in
# Documentation= must be found too: MANPATH names the installed one.
for path in "$unitdir/forkd.socket" "$unitdir/forkd.service" \
    "$tmp/instance/forkd@echo.service"; do
	u=${path##*/}
	t="systemd-analyze verify $u (as installed)"
	if [ "$installed" != yes ]; then
		echo "# nothing installed"
		not_ok "$t"
		continue
	fi
	MANPATH=$inst/share/man systemd-analyze --no-pager verify \
	    --recursive-errors=no "$path" >"$tmp/verify.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.out" ]; then
		ok "$t"
	else
		echo "# systemd-analyze verify exit status $rc"
		diag "$tmp/verify.out"
		not_ok "$t"
	fi
done

# 6-7. the exposure score: 2.0 or lower (threshold 20 in tenths)
for path in "$unitdir/forkd.service" "$tmp/instance/forkd@echo.service"; do
	u=${path##*/}
	t="systemd-analyze security --offline=true $u: 2.0 or lower"
	if [ "$installed" != yes ]; then
		echo "# nothing installed"
		not_ok "$t"
		continue
	fi
	systemd-analyze --no-pager security --offline=true --threshold=20 \
	    "$path" >"$tmp/security.out" 2>&1
	rc=$?
	score=$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9][0-9.]*\).*/\1/p' \
	    "$tmp/security.out" | tail -n 1)
	# What it still flags ("- NAME ... EXPOSURE" in the C locale).
	grep -E '^- |Overall' "$tmp/security.out" >"$tmp/flagged.out"
	diag "$tmp/flagged.out"
	if [ "$rc" -eq 0 ] && [ -n "$score" ] &&
	    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		ok "$t (score $score)"
	else
		echo "# exit status $rc, score ${score:-not found}"
		[ -n "$score" ] || diag "$tmp/security.out"
		not_ok "$t"
	fi
done

# 8. --with-systemdsystemunitdir=no: forkd is installed, no unit is; the
# units are still made in the build directory, to copy by hand
t="configure --with-systemdsystemunitdir=no; make install installs no unit"
if [ "$installed" != yes ]; then
	echo "# nothing installed"
	not_ok "$t"
elif ! conf "$tmp/configure-no.log" --prefix="$tmp/inst-no" \
    --with-systemdsystemunitdir=no; then
	echo "# configure failed:"
	diag "$tmp/configure-no.log"
	not_ok "$t"
elif ! make -C "$build" -j"$jobs" install >"$tmp/install-no.log" 2>&1; then
	echo "# make install failed:"
	diag "$tmp/install-no.log"
	not_ok "$t"
else
	got=$(unit_files "$tmp/inst-no")
	if [ -z "$got" ] && [ -x "$tmp/inst-no/sbin/forkd" ] &&
	    grep -q "^ExecStart=$tmp/inst-no/sbin/forkd " \
	    "$build/contrib/forkd.service"; then
		ok "$t"
	else
		[ -z "$got" ] || echo "# installed: ${got//$'\n'/ }"
		[ -x "$tmp/inst-no/sbin/forkd" ] || echo "# no forkd installed"
		grep -H '^ExecStart=' "$build/contrib/forkd.service" 2>&1 |
		    sed 's/^/# made: /'
		not_ok "$t"
	fi
fi

# 9. this build (the one make check tests) installs its units where its
# configure said: the directory given, none for no, else pkg-config's
t="make install DESTDIR=TMP of this build puts the units where configure said"
# config.status --config quotes the arguments for the shell, when needed.
eval "set -- $("$abs_top_builddir/config.status" --config)"
opt=
for a; do
	case $a in
	--with-systemdsystemunitdir=*) opt=${a#*=} ;;
	--with-systemdsystemunitdir) opt=yes ;;
	--without-systemdsystemunitdir) opt=no ;;
	esac
done
case $opt in
''|yes|auto)
	want=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null) ;;
no)	want= ;;
*)	want=$opt ;;
esac
if ! make -C "$abs_top_builddir" install DESTDIR="$tmp/dest" \
    >"$tmp/install-dest.log" 2>&1; then
	echo "# make install failed:"
	diag "$tmp/install-dest.log"
	not_ok "$t"
else
	got=$(unit_files "$tmp/dest")
	if [ -n "$want" ]; then
		wanted=$(for u in "${units[@]}"; do echo "${want#/}/$u"; done | sort)
	else
		wanted=
	fi
	if [ "$got" = "$wanted" ]; then
		ok "$t (${want:-none})"
	else
		echo "# configured: ${opt:-default}, so wanted in ${want:-no directory}"
		echo "# installed under DESTDIR: ${got//$'\n'/ }"
		not_ok "$t"
	fi
fi

[ "$failed" -eq 0 ]
