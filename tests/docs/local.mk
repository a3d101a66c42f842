TESTS += tests/docs/docs.sh tests/docs/units.sh
EXTRA_DIST += tests/docs/docs.sh tests/docs/units.sh
