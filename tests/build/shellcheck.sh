#!/bin/bash
# Every shell script of the project passes shellcheck: the quick start,
# CI, the bench and the tests themselves.  TAP output, one line a script.
set -u
: "${abs_top_srcdir:?set by make check}"
cd "$abs_top_srcdir" || exit 1
scripts=(dev .ci/run bench/run bench/compare bench/soak bench/with-rsyslog tests/*/*.sh)
echo "1..${#scripts[@]}"
n=0
for f in "${scripts[@]}"; do
	n=$((n + 1))
	# -x: follow "source" into lib.sh; paths are relative to the top.
	if out=$(shellcheck -x "$f" 2>&1); then
		echo "ok $n - shellcheck $f"
	else
		echo "not ok $n - shellcheck $f"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
exit 0
