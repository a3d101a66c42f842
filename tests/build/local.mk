TESTS += tests/build/warnings.sh
EXTRA_DIST += tests/build/warnings.sh
