# tests/unit: cmocka unit tests, one binary (one cmocka group) per file of
# src/.  Each links src/libforkd.a, the very objects the daemon runs.
# Built only when configure found cmocka (see configure.ac).

if HAVE_CMOCKA

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = src/libforkd.a $(LIBBSD_LIBS) $(CMOCKA_LIBS)
# Tests that intercept libc calls with -Wl,--wrap: without fortify a
# read/poll stays a plain call (not __*_chk), and without LTO the wrap
# sees every reference.
UNIT_WRAP_CFLAGS = $(UNIT_CFLAGS) -U_FORTIFY_SOURCE -fno-lto

# Pure parser: tables of command lines.
check_PROGRAMS += tests/unit/test_options
TESTS += tests/unit/test_options
tests_unit_test_options_SOURCES = tests/unit/test_options.c tests/unit/check.h
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_options_LDADD = $(UNIT_LDADD)

# Address specs (pure), and real loopback listeners and connections.
check_PROGRAMS += tests/unit/test_listener
TESTS += tests/unit/test_listener
tests_unit_test_listener_SOURCES = tests/unit/test_listener.c tests/unit/check.h
tests_unit_test_listener_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_listener_LDADD = $(UNIT_LDADD)

# The child table, the status formatter, and reaping real children.
check_PROGRAMS += tests/unit/test_children
TESTS += tests/unit/test_children
tests_unit_test_children_SOURCES = tests/unit/test_children.c tests/unit/check.h
tests_unit_test_children_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_children_LDADD = $(UNIT_LDADD)

# Access rules: tables of good and bad files, matching at every prefix
# edge, a cross-check against a linear reference, and a benchmark line.
check_PROGRAMS += tests/unit/test_access
TESTS += tests/unit/test_access
tests_unit_test_access_SOURCES = tests/unit/test_access.c tests/unit/check.h
tests_unit_test_access_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_access_LDADD = $(UNIT_LDADD)

# Admission control (pure): the rate parser, token buckets to the ns,
# address group keys, per-ip and rate verdicts, exact counts against a
# model, reclaiming under a flood of distinct addresses.
check_PROGRAMS += tests/unit/test_limits
TESTS += tests/unit/test_limits
tests_unit_test_limits_SOURCES = tests/unit/test_limits.c tests/unit/check.h
tests_unit_test_limits_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_limits_LDADD = $(UNIT_LDADD)

# The self-pipe with real signals: coalescing, a full pipe, errno.
check_PROGRAMS += tests/unit/test_selfpipe
TESTS += tests/unit/test_selfpipe
tests_unit_test_selfpipe_SOURCES = tests/unit/test_selfpipe.c tests/unit/check.h
tests_unit_test_selfpipe_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_selfpipe_LDADD = $(UNIT_LDADD)

# server_loop() with injected accept4/fork failures; ppoll (the loop's
# wait) is wrapped to watch (and pass through) every iteration.
check_PROGRAMS += tests/unit/test_server
TESTS += tests/unit/test_server
tests_unit_test_server_SOURCES = tests/unit/test_server.c tests/unit/check.h
tests_unit_test_server_CFLAGS = $(UNIT_WRAP_CFLAGS)
tests_unit_test_server_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=accept4 -Wl,--wrap=fork -Wl,--wrap=ppoll
tests_unit_test_server_LDADD = $(UNIT_LDADD)

# The built-in services over a socketpair, each in a forked child.
check_PROGRAMS += tests/unit/test_service
TESTS += tests/unit/test_service
tests_unit_test_service_SOURCES = tests/unit/test_service.c tests/unit/check.h
tests_unit_test_service_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_service_LDADD = $(UNIT_LDADD)

# The log path: the non-blocking syslog sender and stderr writer, drop
# counts, priorities and rate limits, against real sockets and pipes;
# connect is wrapped (and passed through) to count reconnect attempts.
check_PROGRAMS += tests/unit/test_log
TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c tests/unit/check.h
tests_unit_test_log_CFLAGS = $(UNIT_WRAP_CFLAGS)
tests_unit_test_log_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=connect
tests_unit_test_log_LDADD = $(UNIT_LDADD)

# The PROXY protocol parser (pure): every field of v1 and v2, every
# prefix of each header, and a seeded random run of garbage and mutations.
check_PROGRAMS += tests/unit/test_proxy
TESTS += tests/unit/test_proxy
tests_unit_test_proxy_SOURCES = tests/unit/test_proxy.c tests/unit/check.h
tests_unit_test_proxy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proxy_LDADD = $(UNIT_LDADD)

# sd_notify datagrams to real receivers (a path and an abstract name), one
# that never reads (never blocks), one that goes away and comes back.
check_PROGRAMS += tests/unit/test_notify
TESTS += tests/unit/test_notify
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c tests/unit/check.h
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(UNIT_LDADD)

# Connections waiting for a PROXY header: the ring, and reading headers
# in pieces on real loopback connections (no spin, no byte too many).
check_PROGRAMS += tests/unit/test_pending
TESTS += tests/unit/test_pending
tests_unit_test_pending_SOURCES = tests/unit/test_pending.c tests/unit/check.h
tests_unit_test_pending_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pending_LDADD = $(UNIT_LDADD)

endif
