# tests/bench: bench/compare --quick still runs and writes its report and
# charts (a smoke test: nothing in it depends on timing).
TESTS += tests/bench/compare-smoke.sh
EXTRA_DIST += tests/bench/compare-smoke.sh
