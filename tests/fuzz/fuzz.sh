#!/bin/bash
# Fuzz every parser for a bounded time: each libFuzzer target of
# tests/fuzz runs FUZZ_SECONDS (default 20) from its committed seeds and
# dictionary (new
# inputs go to a scratch corpus: the source tree may be read-only), under
# AddressSanitizer and UndefinedBehaviorSanitizer with leak detection;
# any crash, leak, timeout or failed check fails its line, which then
# shows the report and the input in hex.  Then every committed input
# under regressions/TARGET is replayed once.  Each line's diagnostics
# give the target's executions per second and its final coverage.
set -u
src=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${abs_top_builddir:-$src}
secs=${FUZZ_SECONDS:-20}
targets=(options listener access rate proxy hello)

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The fuzzers report on stderr, into their own log here (not into a
# log_path the caller may have set for the rest of the suite).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)) failed=$((failed + 1)); echo "not ok $n - $*"; }

# Show what a failed run left: the report's end and each artifact in hex.
show_failure() {
	local log=$1 t=$2 a
	tail -n 40 "$log" | sed 's/^/#   /'
	for a in "$dir/$t-"*; do
		[ -e "$a" ] || continue
		echo "# input ${a##*/}:"
		od -An -tx1 "$a" | head -n 16 | sed 's/^/#   /'
	done
}

regressions=0
for t in "${targets[@]}"; do
	[ -d "$src/tests/fuzz/regressions/$t" ] && regressions=$((regressions + 1))
done
echo "1..$((${#targets[@]} + regressions))"

for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz_$t
	mkdir -p "$dir/corpus-$t"
	dict=()
	[ -f "$src/tests/fuzz/dict/$t.dict" ] && dict=("-dict=$src/tests/fuzz/dict/$t.dict")
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/$t-" "${dict[@]}" \
		"$dir/corpus-$t" "$src/tests/fuzz/seeds/$t" >"$dir/$t.log" 2>&1
	rc=$?
	# libFuzzer's last status line: "#N DONE cov: C ft: F ... exec/s: E".
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/$t.log" | tail -n 1)
	runs=$(sed -nE 's/^#([0-9]+)[[:space:]]+DONE.*/\1/p' <<<"$done_line")
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
	eps=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$done_line")
	# The figures go in the line itself, so ./dev test's summary shows them.
	figures="${runs:-?} runs, ${eps:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}"
	if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
		ok "fuzz_$t: ${secs} s, no crash, leak or timeout ($figures)"
	else
		not_ok "fuzz_$t: exit $rc ($figures)"
		show_failure "$dir/$t.log" "$t"
	fi
	echo "# fuzz_$t: $(find "$dir/corpus-$t" -type f | wc -l) new inputs in its corpus"
done

for t in "${targets[@]}"; do
	reg=$src/tests/fuzz/regressions/$t
	[ -d "$reg" ] || continue
	mapfile -t inputs < <(find "$reg" -type f | sort)
	if "$build/tests/fuzz/fuzz_$t" "${inputs[@]}" >"$dir/$t-replay.log" 2>&1; then
		ok "fuzz_$t: ${#inputs[@]} regression inputs replayed"
	else
		not_ok "fuzz_$t: a regression input fails again"
		show_failure "$dir/$t-replay.log" "$t"
	fi
done
exit 0
