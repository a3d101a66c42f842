# tests/fuzz: libFuzzer targets, one per parser, built only by
# configure --enable-sanitize with a compiler that has libFuzzer (clang):
# ./dev test's second pass.  fuzz.sh runs each for FUZZ_SECONDS (20) from
# its committed seeds, then replays every committed regression input.

FUZZ_TARGETS = \
	tests/fuzz/fuzz_options \
	tests/fuzz/fuzz_listener \
	tests/fuzz/fuzz_access \
	tests/fuzz/fuzz_rate \
	tests/fuzz/fuzz_proxy \
	tests/fuzz/fuzz_hello

if FUZZ
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += tests/fuzz/fuzz.sh
FUZZ_LDADD = src/libforkd.a $(LIBBSD_LIBS)
tests_fuzz_fuzz_options_SOURCES = tests/fuzz/fuzz_options.c
tests_fuzz_fuzz_options_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_options_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_listener_SOURCES = tests/fuzz/fuzz_listener.c
tests_fuzz_fuzz_listener_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_listener_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_access_SOURCES = tests/fuzz/fuzz_access.c
tests_fuzz_fuzz_access_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_access_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rate_SOURCES = tests/fuzz/fuzz_rate.c
tests_fuzz_fuzz_rate_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_rate_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proxy_SOURCES = tests/fuzz/fuzz_proxy.c
tests_fuzz_fuzz_proxy_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_proxy_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_hello_SOURCES = tests/fuzz/fuzz_hello.c
tests_fuzz_fuzz_hello_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_hello_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

# Shipped whether or not this build fuzzes: the sources, the script, the
# seed corpora and the regression inputs (whole directories).
EXTRA_DIST += tests/fuzz/fuzz.sh tests/fuzz/seeds tests/fuzz/regressions \
	$(FUZZ_TARGETS:=.c)
