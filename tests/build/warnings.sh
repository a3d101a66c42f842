#!/bin/bash
# The sources compile without a single warning under gcc and clang at
# -Wall -Wextra (and a few more), as the project promises.  TAP output.
set -u
: "${abs_top_srcdir:?set by make check}" "${abs_top_builddir:?set by make check}"
src=$abs_top_srcdir/src
cflags=$(pkg-config --cflags libbsd-overlay) || cflags=""
n=0

echo "1..4"

# ok/not ok line for test $1, description $2, from the output file $3.
report() {
	n=$((n + 1))
	if [ -s "$3" ] || [ "$4" -ne 0 ]; then
		echo "not ok $n - $2"
		sed 's/^/# /' "$3"
	else
		echo "ok $n - $2"
	fi
}

# Compile every .c file in $3 at -O2 (some warnings need the optimizer)
# with compiler $1; anything it prints is a failure.
check() {
	local cc=$1 what=$2 dir=$3 out rc=0 f
	out=$(mktemp)
	if ! command -v "$cc" >/dev/null; then
		echo "$cc: not installed" >"$out"
		rc=1
	fi
	for f in "$dir"/*.c; do
		[ "$rc" -ne 0 ] && break
		# shellcheck disable=SC2086
		"$cc" -std=gnu11 -Wall -Wextra -Wshadow -Wpointer-arith \
		    -Wstrict-prototypes -Wmissing-prototypes -O2 -c -o /dev/null \
		    -I"$abs_top_builddir" -I"$src" $cflags "$f" >>"$out" 2>&1 ||
		    rc=1
	done
	report "$n" "$cc -Wall -Wextra: $what compiles without warnings" "$out" "$rc"
	rm -f "$out"
}

check gcc src/ "$src"
check clang src/ "$src"
check gcc bench/ "$abs_top_srcdir/bench"
check clang bench/ "$abs_top_srcdir/bench"
exit 0
