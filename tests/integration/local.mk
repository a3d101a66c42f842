# tests/integration: the real forkd on loopback, real clients, a real
# syslog receiver. Each script re-runs itself in a private mount namespace
# (own /dev, own /dev/log), so it needs root; see lib.sh.

INTEGRATION_TESTS = \
	tests/integration/builtins.sh \
	tests/integration/exec-env.sh \
	tests/integration/reap-five.sh \
	tests/integration/reap-500.sh \
	tests/integration/child-killed.sh \
	tests/integration/sigterm-grace.sh \
	tests/integration/max-children.sh \
	tests/integration/pidfile-daemon.sh \
	tests/integration/bad-options.sh \
	tests/integration/signals.sh \
	tests/integration/ipv6.sh \
	tests/integration/sigchld-load.sh \
	tests/integration/saturated.sh \
	tests/integration/log-targets.sh \
	tests/integration/rsyslog.sh \
	tests/integration/process-groups.sh \
	tests/integration/signal-state.sh \
	tests/integration/admission.sh \
	tests/integration/access.sh \
	tests/integration/timeouts.sh \
	tests/integration/activation.sh \
	tests/integration/notify.sh \
	tests/integration/privdrop.sh \
	tests/integration/haproxy.sh \
	tests/integration/reuseport.sh

TESTS += $(INTEGRATION_TESTS)
# memcheck and AddressSanitizer cannot share a process: a sanitizer build
# skips the valgrind scenario (the plain build runs it).
if !SANITIZE
TESTS += tests/integration/valgrind.sh
endif
EXTRA_DIST += tests/integration/lib.sh $(INTEGRATION_TESTS) \
	tests/integration/valgrind.sh

# Helpers the scripts run: a syslog receiver, a client holding N
# connections, an exec-mode program reporting what it was given, and a
# fast sampler of a process's live and zombie children.
check_PROGRAMS += \
	tests/integration/syslog-sink \
	tests/integration/conn-hold \
	tests/integration/fd-report \
	tests/integration/proc-sample \
	tests/integration/conn-many
tests_integration_syslog_sink_SOURCES = tests/integration/syslog-sink.c \
	tests/integration/stop-signals.h
tests_integration_conn_hold_SOURCES = tests/integration/conn-hold.c \
	tests/integration/stop-signals.h
tests_integration_fd_report_SOURCES = tests/integration/fd-report.c
tests_integration_proc_sample_SOURCES = tests/integration/proc-sample.c
tests_integration_conn_many_SOURCES = tests/integration/conn-many.c
