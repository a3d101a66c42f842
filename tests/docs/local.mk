TESTS += tests/docs/docs.sh
EXTRA_DIST += tests/docs/docs.sh
