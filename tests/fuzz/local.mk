# tests/fuzz: libFuzzer targets, one per parser (built with --enable-sanitize and clang).
# fuzz.sh runs each for FUZZ_SECONDS (20) from its seeds, then replays
# the inputs that once crashed it (regressions/TARGET).  The sources,
# seeds and regressions are distributed in any build, so that a tarball
# made by gcc fuzzes when built with clang.

FUZZ_TARGETS = \
	tests/fuzz/fuzz_options \
	tests/fuzz/fuzz_listener \
	tests/fuzz/fuzz_access \
	tests/fuzz/fuzz_rate \
	tests/fuzz/fuzz_proxy \
	tests/fuzz/fuzz_hello

FUZZ_SRC = $(FUZZ_TARGETS:=.c) tests/fuzz/fuzz.h
EXTRA_DIST += tests/fuzz/fuzz.sh $(FUZZ_SRC) \
	tests/fuzz/seeds tests/fuzz/regressions tests/fuzz/dict

if FUZZ
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += tests/fuzz/fuzz.sh
FUZZ_LIBS = src/libforkd.a $(LIBBSD_LIBS)
FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

tests_fuzz_fuzz_options_SOURCES = tests/fuzz/fuzz_options.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_options_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_options_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_listener_SOURCES = tests/fuzz/fuzz_listener.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_listener_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_listener_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_access_SOURCES = tests/fuzz/fuzz_access.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_access_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_access_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_rate_SOURCES = tests/fuzz/fuzz_rate.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_rate_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_rate_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_proxy_SOURCES = tests/fuzz/fuzz_proxy.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_proxy_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_proxy_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_hello_SOURCES = tests/fuzz/fuzz_hello.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_hello_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_hello_LDFLAGS = $(FUZZ_LINK)
endif
