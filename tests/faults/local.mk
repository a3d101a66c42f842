# tests/faults: the fault suite at scale (see each script).  Each script
# sources tests/integration/lib.sh (private mount namespace, syslog sink,
# TAP) and then tests/faults/lib-faults.sh, so it needs root.  Each case
# is bounded in time and asserts no zombie, the exact child count, the
# daemon still serving afterwards and the line the fault is logged with.

FAULT_TESTS = \
	tests/faults/hold-2000.sh \
	tests/faults/fork-accept-fail.sh \
	tests/faults/child-faults.sh \
	tests/faults/bad-clients.sh \
	tests/faults/signal-storms.sh \
	tests/faults/stopped-daemon.sh \
	tests/faults/log-stall-resume.sh \
	tests/faults/log-stall.sh \
	tests/faults/steady-10000.sh

TESTS += $(FAULT_TESTS)
EXTRA_DIST += tests/faults/lib-faults.sh $(FAULT_TESTS)

# Clients that misbehave: reset at once, half-close, never read.
check_PROGRAMS += tests/faults/bad-client
tests_faults_bad_client_SOURCES = tests/faults/bad-client.c
