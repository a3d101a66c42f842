TESTS += tests/build/warnings.sh tests/build/shellcheck.sh
EXTRA_DIST += tests/build/warnings.sh tests/build/shellcheck.sh
