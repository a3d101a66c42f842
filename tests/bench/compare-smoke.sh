#!/bin/bash
# Smoke test of the benchmark (TAP): "bench/compare --quick" still runs
# against the built forkd and the bench tools of this build, writes its
# report with a row of figures for each of its two servers, and both
# charts as PNG files, and leaves nothing running.  Nothing here depends
# on how fast anything is: the figures are only checked to be numbers.
# Environment (exported by make check): FORKD, abs_top_srcdir, abs_top_builddir.
set -u

: "${FORKD:?FORKD must name the built forkd binary}"
: "${abs_top_srcdir:?abs_top_srcdir must be set}"
: "${abs_top_builddir:?abs_top_builddir must be set}"
export LC_ALL=C

tmp=$(mktemp -d) || { echo "1..0 # could not create a temporary directory"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

echo "1..9"
n=0

# ok DESCRIPTION / not_ok DESCRIPTION
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }

# check DESCRIPTION CMD...: ok if CMD succeeds.
check() { local t=$1; shift; if "$@"; then ok "$t"; else not_ok "$t"; fi; }

# diag FILE: the last lines of FILE as TAP diagnostics.
diag() { [ -f "$1" ] && tail -n "${2:-20}" "$1" | sed 's/^/# /'; return 0; }

# Succeed if FILE starts with the 8-byte PNG signature.
is_png() { [ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# Succeed if the report has SERVER's row in the connections table with a
# number for conn/s and for the ratio at every concurrency (1 and 8).
has_row() {
	grep -qE "^\\| $1 \\| echo( \\| [0-9]+ \\| [0-9]+\\.[0-9]+){2} \\|\$" "$out/report.md"
}

# Succeed if no process that bench/compare started (pid and start time
# in its pids file) still runs.
none_left() {
	local pid st name s f left=0
	while read -r pid st name; do
		{ read -r s <"/proc/$pid/stat"; } 2>/dev/null || continue
		read -r -a f <<<"${s##*) }"
		[ "${f[19]}" = "$st" ] || continue
		echo "# still running: $name, pid $pid"
		left=1
	done <"$out/pids"
	[ "$left" -eq 0 ]
}

rc=0
BENCH_BUILDDIR=$abs_top_builddir FORKD=$FORKD timeout -k 5 600 \
	bash "$abs_top_srcdir/bench/compare" --quick -o "$out" \
	>"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
if [ "$rc" -eq 0 ]; then ok "bench/compare --quick exits 0"; else
	not_ok "bench/compare --quick exits 0 (status $rc)"
	diag "$tmp/stderr" 40
fi
check "report.md is written and printed on stdout" \
	cmp -s "$out/report.md" "$tmp/stdout"
for s in forkd ref-fork-echo; do
	if has_row "$s"; then ok "the report has a row for $s with numeric conn/s and ×forkd"
	else
		not_ok "the report has a row for $s with numeric conn/s and ×forkd"
		grep -E '^\| ' "$out/report.md" 2>/dev/null | head -n 8 | sed 's/^/# /'
	fi
done
check "raw.tsv has one measurement per server and concurrency (4)" \
	test "$(awk 'NR > 1' "$out/raw.tsv" 2>/dev/null | wc -l)" -eq 4
for f in conns.png p99.png; do
	if is_png "$out/$f"; then ok "$f is a PNG file"; else not_ok "$f is a PNG file"; fi
done
if [ -s "$out/pids" ] && none_left; then ok "nothing it started is left running"
else not_ok "nothing it started is left running (pids file: $(wc -l <"$out/pids" 2>/dev/null))"; fi
# tests/build/shellcheck.sh covers bench/run; the scripts here too.
if ! command -v shellcheck >/dev/null; then
	not_ok "shellcheck bench/compare bench/with-rsyslog (shellcheck not installed)"
elif res=$(cd "$abs_top_srcdir" && shellcheck -x bench/compare bench/with-rsyslog 2>&1); then
	ok "shellcheck bench/compare bench/with-rsyslog"
else
	not_ok "shellcheck bench/compare bench/with-rsyslog"
	printf '%s\n' "$res" | sed 's/^/# /'
fi
exit 0
